using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// PostgreSQL's per-type I/O functions (pg_type.typinput / typoutput / typreceive / typsend) for every
/// <see cref="SqlTypeKind"/>, producing and accepting exactly what PostgreSQL 15 and pgvector 0.8 do, over the CLR
/// representation fixed in <see cref="SqlType"/>'s remarks.
/// </summary>
/// <remarks>
/// Text is UTF-8 on output (what goes into a DataRow or COPY) and UTF-16 on input (the parser's literals). The type
/// modifier of the target type is applied on input as PostgreSQL's input function does when given the column's
/// typmod (vector dimensions, varchar length, bit length, numeric precision and scale).
/// </remarks>
public static partial class TypeIO
{
    /// <summary>typinput: parses the text form of a value of <paramref name="type"/>.</summary>
    /// <exception cref="SqlException">With PostgreSQL's SQLSTATE and message when the text is not a valid value.</exception>
    public static object? ParseText(ReadOnlySpan<char> text, SqlType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.Kind switch
        {
            SqlTypeKind.Bool => ParseBool(text),
            SqlTypeKind.Int2 => ParseInt2(text),
            SqlTypeKind.Int4 => ParseInt4(text),
            SqlTypeKind.Int8 => ParseInt8(text),
            SqlTypeKind.Oid or SqlTypeKind.RegProc or SqlTypeKind.RegClass or SqlTypeKind.RegType
                or SqlTypeKind.RegNamespace => ParseOid(text),
            SqlTypeKind.Float4 => ParseFloat4(text),
            SqlTypeKind.Float8 => ParseFloat8(text),
            SqlTypeKind.Numeric => ParseNumeric(text, type.Modifier),
            SqlTypeKind.Text or SqlTypeKind.Unknown => text.ToString(),
            SqlTypeKind.Varchar => ParseVarchar(text, type.Modifier),
            SqlTypeKind.Char => ParseBpchar(text, type.Modifier),
            SqlTypeKind.Name => ParseName(text),
            SqlTypeKind.InternalChar => ParseInternalChar(text),
            SqlTypeKind.Json => ParseJson(text),
            SqlTypeKind.Jsonb => ParseJsonb(text),
            SqlTypeKind.Bytea => ParseBytea(text),
            SqlTypeKind.Uuid => ParseUuid(text),
            SqlTypeKind.Date => ParseDate(text),
            SqlTypeKind.Timestamp => ParseTimestamp(text, withTimeZone: false),
            SqlTypeKind.TimestampTz => ParseTimestamp(text, withTimeZone: true),
            SqlTypeKind.Interval => ParseInterval(text),
            SqlTypeKind.Vector => ParseVector(text, type.Modifier),
            SqlTypeKind.HalfVec => ParseHalfVec(text, type.Modifier),
            SqlTypeKind.SparseVec => ParseSparseVec(text, type.Modifier),
            SqlTypeKind.Bit or SqlTypeKind.VarBit => ParseBitString(text, type),
            SqlTypeKind.Int2Vector => ParseInt2Vector(text),
            SqlTypeKind.OidVector => ParseOidVector(text),
            SqlTypeKind.Array => ParseArray(text, type),
            SqlTypeKind.Record => ParseRecord(text),
            SqlTypeKind.Void => null,
            _ => throw Unsupported(type),
        };
    }

    /// <summary>typoutput: appends the UTF-8 text form of <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <remarks><paramref name="value"/> must not be SQL NULL (null), except for <c>void</c>, whose text form is empty.</remarks>
    public static void FormatText(object? value, SqlType type, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(output);
        if (type.Kind == SqlTypeKind.Void)
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(value);
        switch (type.Kind)
        {
            case SqlTypeKind.Bool:
                output.Write((bool)value ? "t"u8 : "f"u8);
                break;
            case SqlTypeKind.Int2 or SqlTypeKind.Int4 or SqlTypeKind.Int8:
                WriteInteger(AsInt64(value), output);
                break;
            case SqlTypeKind.RegType:
                WriteUtf8(Catalog.System.SystemCatalog.FormatRegType(AsOid(value)), output);
                break;
            case SqlTypeKind.Oid or SqlTypeKind.RegProc or SqlTypeKind.RegClass or SqlTypeKind.RegNamespace:
                WriteInteger(AsOid(value), output);
                break;
            case SqlTypeKind.Float4:
                WriteFloat4(AsFloat4(value), output);
                break;
            case SqlTypeKind.Float8:
                WriteFloat8(AsFloat8(value), output);
                break;
            case SqlTypeKind.Numeric:
                WriteNumericText(AsDecimal(value), output);
                break;
            case SqlTypeKind.Text or SqlTypeKind.Unknown or SqlTypeKind.Varchar or SqlTypeKind.Char or SqlTypeKind.Name
                or SqlTypeKind.InternalChar or SqlTypeKind.Json:
                WriteUtf8((string)value, output);
                break;
            case SqlTypeKind.Jsonb:
                WriteJsonbText((string)value, output);
                break;
            case SqlTypeKind.Bytea:
                WriteByteaText((byte[])value, output);
                break;
            case SqlTypeKind.Uuid:
                WriteUuidText((Guid)value, output);
                break;
            case SqlTypeKind.Date:
                WriteDateText((DateOnly)value, output);
                break;
            case SqlTypeKind.Timestamp:
                WriteTimestampText((DateTime)value, withTimeZone: false, output);
                break;
            case SqlTypeKind.TimestampTz:
                WriteTimestampText((DateTime)value, withTimeZone: true, output);
                break;
            case SqlTypeKind.Interval:
                WriteIntervalText((TimeSpan)value, output);
                break;
            case SqlTypeKind.Vector:
                WriteVectorText((float[])value, output);
                break;
            case SqlTypeKind.HalfVec:
                WriteHalfVecText((Half[])value, output);
                break;
            case SqlTypeKind.SparseVec:
                WriteSparseVecText((SparseVector)value, output);
                break;
            case SqlTypeKind.Bit or SqlTypeKind.VarBit:
                WriteBitStringText((BitString)value, output);
                break;
            case SqlTypeKind.Int2Vector:
                WriteInt2VectorText((short[])value, output);
                break;
            case SqlTypeKind.OidVector:
                WriteOidVectorText((uint[])value, output);
                break;
            case SqlTypeKind.Array:
                WriteArrayText((object?[])value, type, output);
                break;
            case SqlTypeKind.Record:
                WriteRecordText((object?[])value, output);
                break;
            default:
                throw Unsupported(type);
        }
    }

    /// <summary>typoutput as a string (for tests, catalogs and error messages; the wire uses the buffer-writer overload).</summary>
    public static string FormatText(object? value, SqlType type)
    {
        var buffer = new ArrayBufferWriter<byte>();
        FormatText(value, type, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>typreceive: decodes the binary form of a value of <paramref name="type"/>; the whole of <paramref name="data"/> must be consumed.</summary>
    /// <exception cref="SqlException">
    /// 08P01 <c>insufficient data left in message</c> when <paramref name="data"/> is short, 22P03 <c>incorrect binary data format</c>
    /// when bytes are left over, or the type's own error.
    /// </exception>
    public static object? ReceiveBinary(ReadOnlySpan<byte> data, SqlType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var reader = new BinaryValueReader(data);
        object? value = Receive(ref reader, type);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>typsend: appends the binary form of <paramref name="value"/> (not SQL NULL, except for <c>void</c>).</summary>
    public static void SendBinary(object? value, SqlType type, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(output);
        if (type.Kind == SqlTypeKind.Void)
        {
            return;
        }

        ArgumentNullException.ThrowIfNull(value);
        switch (type.Kind)
        {
            case SqlTypeKind.Bool:
                WriteByte(output, (bool)value ? (byte)1 : (byte)0);
                break;
            case SqlTypeKind.Int2:
                WriteInt16BigEndian(output, checked((short)AsInt64(value)));
                break;
            case SqlTypeKind.Int4:
                WriteInt32BigEndian(output, checked((int)AsInt64(value)));
                break;
            case SqlTypeKind.Int8:
                WriteInt64BigEndian(output, AsInt64(value));
                break;
            case SqlTypeKind.Oid or SqlTypeKind.RegProc or SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegNamespace:
                WriteInt32BigEndian(output, unchecked((int)AsOid(value)));
                break;
            case SqlTypeKind.Float4:
                WriteInt32BigEndian(output, BitConverter.SingleToInt32Bits(AsFloat4(value)));
                break;
            case SqlTypeKind.Float8:
                WriteInt64BigEndian(output, BitConverter.DoubleToInt64Bits(AsFloat8(value)));
                break;
            case SqlTypeKind.Numeric:
                SendNumeric(AsDecimal(value), output);
                break;
            case SqlTypeKind.Text or SqlTypeKind.Unknown or SqlTypeKind.Varchar or SqlTypeKind.Char or SqlTypeKind.Name
                or SqlTypeKind.Json:
                WriteUtf8((string)value, output);
                break;
            case SqlTypeKind.InternalChar:
                SendInternalChar((string)value, output);
                break;
            case SqlTypeKind.Jsonb:
                WriteByte(output, 1);
                WriteJsonbText((string)value, output);
                break;
            case SqlTypeKind.Bytea:
                output.Write((byte[])value);
                break;
            case SqlTypeKind.Uuid:
                SendUuid((Guid)value, output);
                break;
            case SqlTypeKind.Date:
                WriteInt32BigEndian(output, DateToPostgres((DateOnly)value));
                break;
            case SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz:
                WriteInt64BigEndian(output, TimestampToPostgres((DateTime)value, type.Kind == SqlTypeKind.TimestampTz));
                break;
            case SqlTypeKind.Interval:
                SendInterval((TimeSpan)value, output);
                break;
            case SqlTypeKind.Vector:
                SendVector((float[])value, output);
                break;
            case SqlTypeKind.HalfVec:
                SendHalfVec((Half[])value, output);
                break;
            case SqlTypeKind.SparseVec:
                SendSparseVec((SparseVector)value, output);
                break;
            case SqlTypeKind.Bit or SqlTypeKind.VarBit:
                SendBitString((BitString)value, output);
                break;
            case SqlTypeKind.Int2Vector:
                SendInt2Vector((short[])value, output);
                break;
            case SqlTypeKind.OidVector:
                SendOidVector((uint[])value, output);
                break;
            case SqlTypeKind.Array:
                SendArray((object?[])value, type, output);
                break;
            case SqlTypeKind.Record:
                SendRecord((object?[])value, output);
                break;
            default:
                throw Unsupported(type);
        }
    }

    private static object? Receive(ref BinaryValueReader reader, SqlType type) => type.Kind switch
    {
        SqlTypeKind.Bool => reader.ReadByte() != 0,
        SqlTypeKind.Int2 => reader.ReadInt16(),
        SqlTypeKind.Int4 => reader.ReadInt32(),
        SqlTypeKind.Int8 => reader.ReadInt64(),
        SqlTypeKind.Oid or SqlTypeKind.RegProc or SqlTypeKind.RegClass or SqlTypeKind.RegType
            or SqlTypeKind.RegNamespace => unchecked((uint)reader.ReadInt32()),
        SqlTypeKind.Float4 => BitConverter.Int32BitsToSingle(reader.ReadInt32()),
        SqlTypeKind.Float8 => BitConverter.Int64BitsToDouble(reader.ReadInt64()),
        SqlTypeKind.Numeric => ReceiveNumeric(ref reader, type.Modifier),
        SqlTypeKind.Text or SqlTypeKind.Unknown or SqlTypeKind.Json => ReceiveText(ref reader),
        SqlTypeKind.Varchar => ParseVarchar(ReceiveText(ref reader), type.Modifier),
        SqlTypeKind.Char => ParseBpchar(ReceiveText(ref reader), type.Modifier),
        SqlTypeKind.Name => ParseName(ReceiveText(ref reader)),
        SqlTypeKind.InternalChar => ReceiveInternalChar(ref reader),
        SqlTypeKind.Jsonb => ReceiveJsonb(ref reader),
        SqlTypeKind.Bytea => reader.ReadRest().ToArray(),
        SqlTypeKind.Uuid => new Guid(reader.ReadBytes(16), bigEndian: true),
        SqlTypeKind.Date => DateFromPostgres(reader.ReadInt32()),
        SqlTypeKind.Timestamp => TimestampFromPostgres(reader.ReadInt64(), withTimeZone: false),
        SqlTypeKind.TimestampTz => TimestampFromPostgres(reader.ReadInt64(), withTimeZone: true),
        SqlTypeKind.Interval => ReceiveInterval(ref reader),
        SqlTypeKind.Vector => ReceiveVector(ref reader, type.Modifier),
        SqlTypeKind.HalfVec => ReceiveHalfVec(ref reader, type.Modifier),
        SqlTypeKind.SparseVec => ReceiveSparseVec(ref reader, type.Modifier),
        SqlTypeKind.Bit or SqlTypeKind.VarBit => ReceiveBitString(ref reader, type),
        SqlTypeKind.Int2Vector => ReceiveInt2Vector(ref reader),
        SqlTypeKind.OidVector => ReceiveOidVector(ref reader),
        SqlTypeKind.Array => ReceiveArray(ref reader, type),
        SqlTypeKind.Record => ReceiveRecord(ref reader),
        SqlTypeKind.Void => null,
        _ => throw Unsupported(type),
    };

    private static SqlException Unsupported(SqlType type) =>
        new(SqlState.FeatureNotSupported, $"no input/output function for type {type.DisplayName}");

    [DoesNotReturn]
    private static void ThrowInvalidText(string typeName, ReadOnlySpan<char> text) =>
        throw new SqlException(SqlState.InvalidTextRepresentation, $"invalid input syntax for type {typeName}: \"{text}\"");

    private static SqlException InvalidText(string typeName, ReadOnlySpan<char> text, string? detail = null) =>
        new(SqlState.InvalidTextRepresentation, $"invalid input syntax for type {typeName}: \"{text}\"", detail: detail);

    private static SqlException IncorrectBinaryFormat() =>
        new(SqlState.InvalidBinaryRepresentation, "incorrect binary data format");
}
