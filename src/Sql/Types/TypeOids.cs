namespace AnnSql.Sql.Types;

/// <summary>
/// PostgreSQL type OIDs (src/include/catalog/pg_type.dat) and AnnSql's fixed OIDs for pgvector's types. pgvector's types are
/// created by an extension in PostgreSQL and get dynamic OIDs; clients look them up by name in pg_type, so any stable OID of
/// 16384 or more works as long as pg_type, RowDescription and ParameterDescription agree.
/// </summary>
public static class TypeOids
{
    public const uint Bool = 16, Bytea = 17, InternalChar = 18, Name = 19, Int8 = 20, Int2 = 21, Int2Vector = 22, Int4 = 23,
        RegProc = 24, Text = 25, Oid = 26, OidVector = 30, Json = 114, Float4 = 700, Float8 = 701, Unknown = 705,
        Char = 1042, Varchar = 1043, Date = 1082, Timestamp = 1114, TimestampTz = 1184, Interval = 1186, Bit = 1560,
        VarBit = 1562, Numeric = 1700, RegClass = 2205, RegType = 2206, Record = 2249, Void = 2278, Uuid = 2950,
        Jsonb = 3802, RegNamespace = 4089;

    public const uint Vector = 16390, VectorArray = 16391, HalfVec = 16392, HalfVecArray = 16393, SparseVec = 16394,
        SparseVecArray = 16395;

    /// <summary>The OID of the scalar type <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">For <see cref="SqlTypeKind.Array"/>.</exception>
    public static uint Of(SqlTypeKind kind) => kind switch
    {
        SqlTypeKind.Unknown => Unknown,
        SqlTypeKind.Bool => Bool,
        SqlTypeKind.Int2 => Int2,
        SqlTypeKind.Int4 => Int4,
        SqlTypeKind.Int8 => Int8,
        SqlTypeKind.Float4 => Float4,
        SqlTypeKind.Float8 => Float8,
        SqlTypeKind.Numeric => Numeric,
        SqlTypeKind.Text => Text,
        SqlTypeKind.Varchar => Varchar,
        SqlTypeKind.Char => Char,
        SqlTypeKind.Name => Name,
        SqlTypeKind.InternalChar => InternalChar,
        SqlTypeKind.Bytea => Bytea,
        SqlTypeKind.Uuid => Uuid,
        SqlTypeKind.Date => Date,
        SqlTypeKind.Timestamp => Timestamp,
        SqlTypeKind.TimestampTz => TimestampTz,
        SqlTypeKind.Interval => Interval,
        SqlTypeKind.Json => Json,
        SqlTypeKind.Jsonb => Jsonb,
        SqlTypeKind.Oid => Oid,
        SqlTypeKind.RegProc => RegProc,
        SqlTypeKind.RegClass => RegClass,
        SqlTypeKind.RegType => RegType,
        SqlTypeKind.RegNamespace => RegNamespace,
        SqlTypeKind.Int2Vector => Int2Vector,
        SqlTypeKind.OidVector => OidVector,
        SqlTypeKind.Void => Void,
        SqlTypeKind.Record => Record,
        SqlTypeKind.Vector => Vector,
        SqlTypeKind.HalfVec => HalfVec,
        SqlTypeKind.SparseVec => SparseVec,
        SqlTypeKind.Bit => Bit,
        SqlTypeKind.VarBit => VarBit,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "array types have no scalar OID"),
    };

    /// <summary>The OID of the array type whose elements are <paramref name="element"/> (pg_type.typarray), or 0 when none exists.</summary>
    public static uint ArrayOf(SqlTypeKind element) => element switch
    {
        SqlTypeKind.Bool => 1000,
        SqlTypeKind.Bytea => 1001,
        SqlTypeKind.InternalChar => 1002,
        SqlTypeKind.Name => 1003,
        SqlTypeKind.Int2 => 1005,
        SqlTypeKind.Int2Vector => 1006,
        SqlTypeKind.Int4 => 1007,
        SqlTypeKind.RegProc => 1008,
        SqlTypeKind.Text => 1009,
        SqlTypeKind.Char => 1014,
        SqlTypeKind.Varchar => 1015,
        SqlTypeKind.Int8 => 1016,
        SqlTypeKind.Float4 => 1021,
        SqlTypeKind.Float8 => 1022,
        SqlTypeKind.Oid => 1028,
        SqlTypeKind.OidVector => 1013,
        SqlTypeKind.Timestamp => 1115,
        SqlTypeKind.Date => 1182,
        SqlTypeKind.TimestampTz => 1185,
        SqlTypeKind.Interval => 1187,
        SqlTypeKind.Numeric => 1231,
        SqlTypeKind.Bit => 1561,
        SqlTypeKind.VarBit => 1563,
        SqlTypeKind.Json => 199,
        SqlTypeKind.Uuid => 2951,
        SqlTypeKind.Jsonb => 3807,
        SqlTypeKind.RegClass => 2210,
        SqlTypeKind.RegType => 2211,
        SqlTypeKind.Record => 2287,
        SqlTypeKind.RegNamespace => 4090,
        SqlTypeKind.Vector => VectorArray,
        SqlTypeKind.HalfVec => HalfVecArray,
        SqlTypeKind.SparseVec => SparseVecArray,
        _ => 0,
    };
}
