namespace AnnSql.Tools.Backup;

/// <summary>A read-only stream over <paramref name="source"/> that counts the bytes read.</summary>
internal sealed class CountingReadStream(Stream source) : ReadOnlyForwardStream
{
    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await source.ReadAsync(buffer, cancellationToken);
        BytesRead += read;
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        int read = source.Read(buffer);
        BytesRead += read;
        return read;
    }
}
