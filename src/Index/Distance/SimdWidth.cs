namespace AnnSql.Index.Distance;

/// <summary>The vector width a kernel path runs at; lets tests pin one path of the Vector512 → 256 → 128 → scalar cascade.</summary>
internal enum SimdWidth
{
    Scalar,
    V128,
    V256,
    V512,
}
