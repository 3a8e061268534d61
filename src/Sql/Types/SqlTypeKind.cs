namespace AnnSql.Sql.Types;

/// <summary>
/// The engine's value types. Each maps to one PostgreSQL type OID; the CLR representation of a value of each kind is fixed
/// (see <see cref="SqlType"/>) so that operators, storage and the type I/O functions agree.
/// </summary>
public enum SqlTypeKind
{
    /// <summary>An untyped string literal or parameter whose type is not yet resolved (PostgreSQL's <c>unknown</c>, OID 705).</summary>
    Unknown,
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    /// <summary><c>character(n)</c> / bpchar.</summary>
    Char,
    Name,
    /// <summary>The single-byte internal <c>"char"</c> type used by catalog columns such as pg_type.typtype.</summary>
    InternalChar,
    Bytea,
    Uuid,
    Date,
    Timestamp,
    TimestampTz,
    Interval,
    Json,
    Jsonb,
    Oid,
    RegProc,
    RegClass,
    RegType,
    RegNamespace,
    Int2Vector,
    OidVector,
    Void,
    Record,
    /// <summary>pgvector <c>vector(n)</c>: float32 elements.</summary>
    Vector,
    /// <summary>pgvector <c>halfvec(n)</c>: float16 elements.</summary>
    HalfVec,
    /// <summary>pgvector <c>sparsevec(n)</c>.</summary>
    SparseVec,
    Bit,
    VarBit,
    /// <summary>A one-dimensional array of <see cref="SqlType.Element"/>.</summary>
    Array,
}
