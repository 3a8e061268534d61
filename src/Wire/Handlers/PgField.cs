namespace AnnSql.Wire.Handlers;

/// <summary>One column of a RowDescription message (PG docs: protocol-message-formats.html).</summary>
public readonly struct PgField : IEquatable<PgField>
{
    /// <summary>Creates a field description.</summary>
    /// <param name="name">Column name.</param>
    /// <param name="tableOid">OID of the source table, or 0.</param>
    /// <param name="columnAttributeNumber">Attribute number of the source column, or 0.</param>
    /// <param name="typeOid">Data type OID.</param>
    /// <param name="typeSize">pg_type.typlen: bytes, or -1 for variable width, -2 for C strings.</param>
    /// <param name="typeModifier">pg_attribute.atttypmod (e.g. vector dimensions), or -1.</param>
    /// <param name="formatCode">0 text, 1 binary.</param>
    public PgField(string name, uint tableOid, short columnAttributeNumber, uint typeOid, short typeSize, int typeModifier,
        short formatCode)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        TableOid = tableOid;
        ColumnAttributeNumber = columnAttributeNumber;
        TypeOid = typeOid;
        TypeSize = typeSize;
        TypeModifier = typeModifier;
        FormatCode = formatCode;
    }

    /// <summary>Column name.</summary>
    public string Name { get; }

    /// <summary>OID of the source table, or 0 when the column is not a plain table column.</summary>
    public uint TableOid { get; }

    /// <summary>Attribute number of the source column, or 0.</summary>
    public short ColumnAttributeNumber { get; }

    /// <summary>Data type OID.</summary>
    public uint TypeOid { get; }

    /// <summary>pg_type.typlen: bytes, -1 variable width, -2 C string.</summary>
    public short TypeSize { get; }

    /// <summary>Type modifier (atttypmod), -1 if none; for vector(n) it is n.</summary>
    public int TypeModifier { get; }

    /// <summary>0 text, 1 binary. Always 0 in a Describe of a statement (formats are not known before Bind).</summary>
    public short FormatCode { get; }

    /// <summary>Returns a copy with another format code.</summary>
    public PgField WithFormat(short formatCode) =>
        new(Name, TableOid, ColumnAttributeNumber, TypeOid, TypeSize, TypeModifier, formatCode);

    /// <inheritdoc/>
    public bool Equals(PgField other) =>
        Name == other.Name && TableOid == other.TableOid && ColumnAttributeNumber == other.ColumnAttributeNumber
        && TypeOid == other.TypeOid && TypeSize == other.TypeSize && TypeModifier == other.TypeModifier
        && FormatCode == other.FormatCode;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PgField other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Name, TableOid, ColumnAttributeNumber, TypeOid, TypeSize, TypeModifier, FormatCode);

    /// <summary>Field equality.</summary>
    public static bool operator ==(PgField left, PgField right) => left.Equals(right);

    /// <summary>Field inequality.</summary>
    public static bool operator !=(PgField left, PgField right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}(tbl={TableOid},att={ColumnAttributeNumber},type={TypeOid},len={TypeSize},mod={TypeModifier},fmt={FormatCode})";
}
