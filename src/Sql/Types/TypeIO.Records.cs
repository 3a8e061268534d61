using System.Buffers;
using System.Globalization;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// Anonymous records (<c>record</c>) as <c>object?[]</c> of field values. Output and send infer each field's type from its CLR
/// value (<see cref="TypeOfValue"/>); text input yields the fields as text, and binary input decodes each field by its OID.
/// </summary>
public static partial class TypeIO
{
    private static readonly SearchValues<byte> RecordQuoteTriggers = SearchValues.Create("\"\\(),\t\n\r\v\f "u8);

    /// <summary>The SQL type that holds a CLR value of this kind (see <see cref="SqlType"/>'s remarks); <c>object?[]</c> is a record.</summary>
    internal static SqlType TypeOfValue(object value) => value switch
    {
        bool => SqlType.Bool,
        short => SqlType.Int2,
        int => SqlType.Int4,
        long => SqlType.Int8,
        float => SqlType.Float4,
        double => SqlType.Float8,
        decimal => SqlType.Numeric,
        string => SqlType.Text,
        byte[] => SqlType.Bytea,
        Guid => SqlType.Uuid,
        DateOnly => SqlType.Date,
        DateTime d => d.Kind == DateTimeKind.Utc ? SqlType.TimestampTz : SqlType.Timestamp,
        TimeSpan => SqlType.Interval,
        uint => SqlType.Oid,
        short[] => SqlType.Int2Vector,
        uint[] => SqlType.OidVector,
        float[] => SqlType.Vector,
        Half[] => SqlType.HalfVec,
        SparseVector => SqlType.SparseVec,
        BitString => SqlType.VarBit,
        object?[] => SqlType.Record,
        _ => throw new SqlException(SqlState.FeatureNotSupported, $"no SQL type for a value of CLR type {value.GetType().Name}"),
    };

    /// <summary>record_in without a known row type: <c>(a,"b c",,"x""y")</c> into text fields (an empty unquoted field is NULL).</summary>
    private static object?[] ParseRecord(ReadOnlySpan<char> text)
    {
        int i = SkipCSpace(text, 0);
        if (i >= text.Length || text[i] != '(')
        {
            throw MalformedRecord(text, "Missing left parenthesis.");
        }

        i++;
        var fields = new List<object?>();
        var field = new StringBuilder();
        if (i < text.Length && text[i] == ')')
        {
            i++;
        }
        else
        {
            while (true)
            {
                field.Clear();
                bool quoted = false;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw MalformedRecord(text, "Unexpected end of input.");
                    }

                    char c = text[i];
                    if (!quoted && c is ',' or ')')
                    {
                        break;
                    }

                    i++;
                    if (c == '\\')
                    {
                        if (i >= text.Length)
                        {
                            throw MalformedRecord(text, "Unexpected end of input.");
                        }

                        field.Append(text[i++]);
                    }
                    else if (c == '"')
                    {
                        if (!quoted)
                        {
                            quoted = true;
                        }
                        else if (i < text.Length && text[i] == '"')
                        {
                            field.Append('"');
                            i++;
                        }
                        else
                        {
                            quoted = false;
                        }
                    }
                    else
                    {
                        field.Append(c);
                    }

                }

                bool wasQuotedOrNonEmpty = field.Length > 0 || HasQuote(text, i);
                fields.Add(wasQuotedOrNonEmpty ? field.ToString() : null);
                if (text[i++] == ')')
                {
                    break;
                }
            }
        }

        if (SkipCSpace(text, i) != text.Length)
        {
            throw MalformedRecord(text, "Junk after right parenthesis.");
        }

        return [.. fields];
    }

    /// <summary>Whether the field ending just before <paramref name="end"/> was written with quotes (so it is "" and not NULL).</summary>
    private static bool HasQuote(ReadOnlySpan<char> text, int end) => end > 0 && text[end - 1] == '"';

    private static SqlException MalformedRecord(ReadOnlySpan<char> text, string detail) =>
        new(SqlState.InvalidTextRepresentation, $"malformed record literal: \"{text}\"", detail: detail);

    /// <summary>record_out: <c>(1,"a b",,"x""y","")</c>; quotes and backslashes inside quoted fields are doubled.</summary>
    private static void WriteRecordText(object?[] fields, IBufferWriter<byte> output)
    {
        output.Write("("u8);
        var scratch = new ArrayBufferWriter<byte>();
        for (int k = 0; k < fields.Length; k++)
        {
            if (k > 0)
            {
                output.Write(","u8);
            }

            if (fields[k] is not { } value)
            {
                continue;
            }

            scratch.ResetWrittenCount();
            FormatText(value, TypeOfValue(value), scratch);
            var text = scratch.WrittenSpan;
            if (!text.IsEmpty && text.IndexOfAny(RecordQuoteTriggers) < 0)
            {
                output.Write(text);
                continue;
            }

            output.Write("\""u8);
            foreach (byte b in text)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    WriteByte(output, b);
                }

                WriteByte(output, b);
            }

            output.Write("\""u8);
        }

        output.Write(")"u8);
    }

    /// <summary>record_send: int32 field count, then per field its type OID, int32 length (-1 for NULL) and binary value.</summary>
    private static void SendRecord(object?[] fields, IBufferWriter<byte> output)
    {
        WriteInt32BigEndian(output, fields.Length);
        var scratch = new ArrayBufferWriter<byte>();
        foreach (object? value in fields)
        {
            if (value is null)
            {
                WriteInt32BigEndian(output, unchecked((int)TypeOids.Text));
                WriteInt32BigEndian(output, -1);
                continue;
            }

            var type = TypeOfValue(value);
            WriteInt32BigEndian(output, unchecked((int)type.TypeOid));
            scratch.ResetWrittenCount();
            SendBinary(value, type, scratch);
            WriteInt32BigEndian(output, scratch.WrittenCount);
            output.Write(scratch.WrittenSpan);
        }
    }

    private static object?[] ReceiveRecord(ref BinaryValueReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > reader.Remaining / 8)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation,
                string.Create(CultureInfo.InvariantCulture, $"wrong number of columns: {count}"));
        }

        var fields = new object?[count];
        for (int k = 0; k < count; k++)
        {
            uint oid = unchecked((uint)reader.ReadInt32());
            int size = reader.ReadInt32();
            if (size == -1)
            {
                continue;
            }

            if (size < -1 || size > reader.Remaining)
            {
                throw new SqlException(SqlState.InvalidBinaryRepresentation, "insufficient data left in message");
            }

            var type = TypeFromOid(oid) ?? throw new SqlException(SqlState.InvalidBinaryRepresentation,
                string.Create(CultureInfo.InvariantCulture, $"unsupported type OID {oid} in record column {k + 1}"));
            var field = new BinaryValueReader(reader.ReadBytes(size));
            fields[k] = Receive(ref field, type);
            if (field.Remaining != 0)
            {
                throw new SqlException(SqlState.InvalidBinaryRepresentation,
                    string.Create(CultureInfo.InvariantCulture, $"improper binary format in record column {k + 1}"));
            }
        }

        return fields;
    }
}
