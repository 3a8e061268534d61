using System.Collections.Frozen;

namespace AnnSql.Sql.Types;

/// <summary>
/// A resolved SQL type: kind, type modifier (typmod; for vector types the dimension count, for varchar/char the length,
/// for bit the bit count, -1 when absent) and, for arrays, the element type.
/// </summary>
/// <remarks>
/// CLR representation of values (null is SQL NULL for every type):
/// Bool <see cref="bool"/>; Int2 <see cref="short"/>; Int4 <see cref="int"/>; Int8 <see cref="long"/>; Float4 <see cref="float"/>;
/// Float8 <see cref="double"/>; Numeric <see cref="decimal"/>; Text/Varchar/Char/Name/InternalChar/Json/Jsonb/Unknown <see cref="string"/>;
/// Bytea <c>byte[]</c>; Uuid <see cref="Guid"/>; Date <see cref="DateOnly"/>; Timestamp <see cref="DateTime"/> (Unspecified);
/// TimestampTz <see cref="DateTime"/> (Utc); Interval <see cref="TimeSpan"/>; Oid/RegProc/RegClass/RegType/RegNamespace <see cref="uint"/>;
/// Int2Vector <c>short[]</c>; OidVector <c>uint[]</c>; Vector <c>float[]</c>; HalfVec <c>Half[]</c>;
/// SparseVec <see cref="SparseVector"/>; Bit/VarBit <see cref="BitString"/>; Array <c>object?[]</c> of element values; Void <c>null</c>.
/// </remarks>
public sealed record SqlType(SqlTypeKind Kind, int Modifier = -1, SqlType? Element = null)
{
    public static readonly SqlType Unknown = new(SqlTypeKind.Unknown);
    public static readonly SqlType Bool = new(SqlTypeKind.Bool);
    public static readonly SqlType Int2 = new(SqlTypeKind.Int2);
    public static readonly SqlType Int4 = new(SqlTypeKind.Int4);
    public static readonly SqlType Int8 = new(SqlTypeKind.Int8);
    public static readonly SqlType Float4 = new(SqlTypeKind.Float4);
    public static readonly SqlType Float8 = new(SqlTypeKind.Float8);
    public static readonly SqlType Numeric = new(SqlTypeKind.Numeric);
    public static readonly SqlType Text = new(SqlTypeKind.Text);
    public static readonly SqlType Varchar = new(SqlTypeKind.Varchar);
    public static readonly SqlType Char = new(SqlTypeKind.Char);
    public static readonly SqlType Name = new(SqlTypeKind.Name);
    public static readonly SqlType InternalChar = new(SqlTypeKind.InternalChar);
    public static readonly SqlType Bytea = new(SqlTypeKind.Bytea);
    public static readonly SqlType Uuid = new(SqlTypeKind.Uuid);
    public static readonly SqlType Date = new(SqlTypeKind.Date);
    public static readonly SqlType Timestamp = new(SqlTypeKind.Timestamp);
    public static readonly SqlType TimestampTz = new(SqlTypeKind.TimestampTz);
    public static readonly SqlType Interval = new(SqlTypeKind.Interval);
    public static readonly SqlType Json = new(SqlTypeKind.Json);
    public static readonly SqlType Jsonb = new(SqlTypeKind.Jsonb);
    public static readonly SqlType Oid = new(SqlTypeKind.Oid);
    public static readonly SqlType RegProc = new(SqlTypeKind.RegProc);
    public static readonly SqlType RegClass = new(SqlTypeKind.RegClass);
    public static readonly SqlType RegType = new(SqlTypeKind.RegType);
    public static readonly SqlType RegNamespace = new(SqlTypeKind.RegNamespace);
    public static readonly SqlType Int2Vector = new(SqlTypeKind.Int2Vector);
    public static readonly SqlType OidVector = new(SqlTypeKind.OidVector);
    public static readonly SqlType Void = new(SqlTypeKind.Void);
    public static readonly SqlType Record = new(SqlTypeKind.Record);
    public static readonly SqlType Vector = new(SqlTypeKind.Vector);
    public static readonly SqlType HalfVec = new(SqlTypeKind.HalfVec);
    public static readonly SqlType SparseVec = new(SqlTypeKind.SparseVec);
    public static readonly SqlType Bit = new(SqlTypeKind.Bit);
    public static readonly SqlType VarBit = new(SqlTypeKind.VarBit);

    /// <summary>A one-dimensional array type of <paramref name="element"/>.</summary>
    public static SqlType ArrayOf(SqlType element) => new(SqlTypeKind.Array, -1, element with { Modifier = -1 });

    /// <summary>This type without its modifier (e.g. <c>vector</c> for <c>vector(3)</c>).</summary>
    public SqlType WithoutModifier() => Modifier == -1 ? this : this with { Modifier = -1 };

    public bool IsArray => Kind == SqlTypeKind.Array;

    public bool IsNumeric => Kind is SqlTypeKind.Int2 or SqlTypeKind.Int4 or SqlTypeKind.Int8 or SqlTypeKind.Float4
        or SqlTypeKind.Float8 or SqlTypeKind.Numeric or SqlTypeKind.Oid;

    public bool IsInteger => Kind is SqlTypeKind.Int2 or SqlTypeKind.Int4 or SqlTypeKind.Int8;

    public bool IsString => Kind is SqlTypeKind.Text or SqlTypeKind.Varchar or SqlTypeKind.Char or SqlTypeKind.Name
        or SqlTypeKind.Unknown or SqlTypeKind.InternalChar;

    public bool IsVector => Kind is SqlTypeKind.Vector or SqlTypeKind.HalfVec or SqlTypeKind.SparseVec;

    /// <summary>The PostgreSQL type OID (pgvector types have fixed OIDs in the user range; see <see cref="TypeOids"/>).</summary>
    public uint TypeOid => Kind == SqlTypeKind.Array ? TypeOids.ArrayOf(Element!.Kind) : TypeOids.Of(Kind);

    /// <summary>typlen: the fixed size in bytes, or -1 for variable length (RowDescription's type size).</summary>
    public short TypeLength => Kind switch
    {
        SqlTypeKind.Bool or SqlTypeKind.InternalChar => 1,
        SqlTypeKind.Int2 => 2,
        SqlTypeKind.Int4 or SqlTypeKind.Float4 or SqlTypeKind.Oid or SqlTypeKind.RegProc or SqlTypeKind.RegClass
            or SqlTypeKind.RegType or SqlTypeKind.RegNamespace or SqlTypeKind.Date or SqlTypeKind.Void => 4,
        SqlTypeKind.Int8 or SqlTypeKind.Float8 or SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz => 8,
        SqlTypeKind.Uuid or SqlTypeKind.Interval => 16,
        SqlTypeKind.Name => 64,
        _ => -1,
    };

    /// <summary>The name PostgreSQL's <c>pg_type.typname</c> holds (e.g. <c>int4</c>, <c>_int4</c>, <c>vector</c>).</summary>
    public string TypeName => Kind == SqlTypeKind.Array ? "_" + Element!.TypeName : Names[Kind];

    /// <summary>
    /// The SQL-standard display form PostgreSQL's <c>format_type(oid, typmod)</c> prints, e.g. <c>integer</c>,
    /// <c>character varying(10)</c>, <c>vector(3)</c>, <c>smallint[]</c>.
    /// </summary>
    public string DisplayName
    {
        get
        {
            if (Kind == SqlTypeKind.Array)
            {
                return Element!.DisplayName + "[]";
            }

            string baseName = DisplayNames.TryGetValue(Kind, out var d) ? d : Names[Kind];
            if (Modifier < 0)
            {
                return baseName;
            }

            return Kind switch
            {
                SqlTypeKind.Numeric => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"numeric({((Modifier - 4) >> 16) & 0xffff},{(Modifier - 4) & 0xffff})"),
                SqlTypeKind.Varchar or SqlTypeKind.Char => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{baseName}({Modifier - 4})"),
                _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{baseName}({Modifier})"),
            };
        }
    }

    public override string ToString() => DisplayName;

    private static readonly FrozenDictionary<SqlTypeKind, string> Names = new Dictionary<SqlTypeKind, string>
    {
        [SqlTypeKind.Unknown] = "unknown",
        [SqlTypeKind.Bool] = "bool",
        [SqlTypeKind.Int2] = "int2",
        [SqlTypeKind.Int4] = "int4",
        [SqlTypeKind.Int8] = "int8",
        [SqlTypeKind.Float4] = "float4",
        [SqlTypeKind.Float8] = "float8",
        [SqlTypeKind.Numeric] = "numeric",
        [SqlTypeKind.Text] = "text",
        [SqlTypeKind.Varchar] = "varchar",
        [SqlTypeKind.Char] = "bpchar",
        [SqlTypeKind.Name] = "name",
        [SqlTypeKind.InternalChar] = "char",
        [SqlTypeKind.Bytea] = "bytea",
        [SqlTypeKind.Uuid] = "uuid",
        [SqlTypeKind.Date] = "date",
        [SqlTypeKind.Timestamp] = "timestamp",
        [SqlTypeKind.TimestampTz] = "timestamptz",
        [SqlTypeKind.Interval] = "interval",
        [SqlTypeKind.Json] = "json",
        [SqlTypeKind.Jsonb] = "jsonb",
        [SqlTypeKind.Oid] = "oid",
        [SqlTypeKind.RegProc] = "regproc",
        [SqlTypeKind.RegClass] = "regclass",
        [SqlTypeKind.RegType] = "regtype",
        [SqlTypeKind.RegNamespace] = "regnamespace",
        [SqlTypeKind.Int2Vector] = "int2vector",
        [SqlTypeKind.OidVector] = "oidvector",
        [SqlTypeKind.Void] = "void",
        [SqlTypeKind.Record] = "record",
        [SqlTypeKind.Vector] = "vector",
        [SqlTypeKind.HalfVec] = "halfvec",
        [SqlTypeKind.SparseVec] = "sparsevec",
        [SqlTypeKind.Bit] = "bit",
        [SqlTypeKind.VarBit] = "varbit",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<SqlTypeKind, string> DisplayNames = new Dictionary<SqlTypeKind, string>
    {
        [SqlTypeKind.Bool] = "boolean",
        [SqlTypeKind.Int2] = "smallint",
        [SqlTypeKind.Int4] = "integer",
        [SqlTypeKind.Int8] = "bigint",
        [SqlTypeKind.Float4] = "real",
        [SqlTypeKind.Float8] = "double precision",
        [SqlTypeKind.Varchar] = "character varying",
        [SqlTypeKind.Char] = "character",
        [SqlTypeKind.InternalChar] = "\"char\"",
        [SqlTypeKind.Timestamp] = "timestamp without time zone",
        [SqlTypeKind.TimestampTz] = "timestamp with time zone",
        [SqlTypeKind.VarBit] = "bit varying",
    }.ToFrozenDictionary();
}
