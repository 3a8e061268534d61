namespace AnnSql.Sql.Types;

/// <summary>
/// A <c>bit(n)</c>/<c>varbit</c> value: <see cref="Length"/> bits packed most significant bit first into <see cref="Bytes"/>
/// (ceil(Length/8) bytes, unused trailing bits zero), as PostgreSQL's varbit send format.
/// </summary>
public sealed class BitString(int length, byte[] bytes) : IEquatable<BitString>
{
    public int Length { get; } = length;

    public byte[] Bytes { get; } = bytes;

    /// <summary>The bit at 0-based position <paramref name="index"/> (from the left of the text form).</summary>
    public bool this[int index] => (Bytes[index >> 3] & (0x80 >> (index & 7))) != 0;

    public bool Equals(BitString? other) => other is not null && Length == other.Length && Bytes.AsSpan().SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => Equals(obj as BitString);

    public override int GetHashCode() => HashCode.Combine(Length, Bytes.Length > 0 ? Bytes[0] : 0);
}
