namespace AnnSql.Tools.Backup;

/// <summary>A read-only stream over <paramref name="source"/> that also writes every byte it reads to <paramref name="copy"/>.</summary>
internal sealed class TeeReadStream(Stream source, Stream copy) : ReadOnlyForwardStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await source.ReadAsync(buffer, cancellationToken);
        await copy.WriteAsync(buffer[..read], cancellationToken);
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        int read = source.Read(buffer);
        copy.Write(buffer[..read]);
        return read;
    }
}
