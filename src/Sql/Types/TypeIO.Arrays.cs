using System.Buffers;
using System.Globalization;
using System.Text;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>
/// One-dimensional arrays (array_in / array_out / array_recv / array_send) and the catalog vector types int2vector and oidvector.
/// </summary>
public static partial class TypeIO
{
    /// <summary>MAXDIM: PostgreSQL's limit on array dimensions.</summary>
    private const int ArrayMaxDimensions = 6;

    /// <summary>FUNC_MAX_ARGS: the most elements an int2vector or oidvector holds.</summary>
    private const int VectorTypeMaxElements = 100;

    private static readonly SearchValues<byte> ArrayQuoteTriggers = SearchValues.Create("\"\\{},\t\n\r\v\f "u8);

    private static SqlType ArrayElementType(SqlType type) =>
        type.Modifier == -1 ? type.Element! : type.Element! with { Modifier = type.Modifier };

    private static bool IsArraySpace(char c) => IsCSpace(c);

    /// <summary>
    /// array_in for one dimension: optional <c>[lb:ub]=</c> decoration, <c>{</c>, elements separated by commas (quoted with
    /// backslash escapes, or unquoted with surrounding whitespace trimmed; unquoted NULL is SQL NULL), <c>}</c>.
    /// </summary>
    private static object?[] ParseArray(ReadOnlySpan<char> text, SqlType type)
    {
        var elementType = ArrayElementType(type);
        int i = SkipCSpace(text, 0);
        int declaredLength = -1;
        if (i < text.Length && text[i] == '[')
        {
            declaredLength = ParseArrayDimensions(text, ref i);
        }

        if (i >= text.Length || text[i] != '{')
        {
            throw MalformedArray(text, "Array value must start with \"{\" or dimension information.");
        }

        var values = new List<object?>();
        var element = new StringBuilder();
        i = SkipCSpace(text, i + 1);
        if (i < text.Length && text[i] == '}')
        {
            i++;
        }
        else
        {
            while (true)
            {
                i = SkipCSpace(text, i);
                if (i >= text.Length)
                {
                    throw MalformedArray(text, "Unexpected end of input.");
                }

                element.Clear();
                bool quoted = false, escaped = false;
                char c = text[i];
                if (c == '{')
                {
                    throw new SqlException(SqlState.FeatureNotSupported, "multidimensional arrays are not supported");
                }

                if (c is ',' or '}')
                {
                    throw MalformedArray(text, $"Unexpected \"{c}\" character.");
                }

                if (c == '"')
                {
                    quoted = true;
                    for (i++; ; i++)
                    {
                        if (i >= text.Length)
                        {
                            throw MalformedArray(text, "Unexpected end of input.");
                        }

                        c = text[i];
                        if (c == '"')
                        {
                            i++;
                            break;
                        }

                        if (c == '\\')
                        {
                            if (++i >= text.Length)
                            {
                                throw MalformedArray(text, "Unexpected end of input.");
                            }

                            c = text[i];
                        }

                        element.Append(c);
                    }

                    i = SkipCSpace(text, i);
                }
                else
                {
                    int keep = 0;
                    for (; i < text.Length; i++)
                    {
                        c = text[i];
                        if (c is ',' or '}')
                        {
                            break;
                        }

                        if (c is '"' or '{')
                        {
                            throw MalformedArray(text, $"Unexpected \"{c}\" character.");
                        }

                        if (c == '\\')
                        {
                            if (++i >= text.Length)
                            {
                                throw MalformedArray(text, "Unexpected end of input.");
                            }

                            escaped = true;
                            element.Append(text[i]);
                            keep = element.Length;
                            continue;
                        }

                        element.Append(c);
                        if (!IsArraySpace(c))
                        {
                            keep = element.Length;
                        }
                    }

                    element.Length = keep;
                }

                if (i >= text.Length)
                {
                    throw MalformedArray(text, "Unexpected end of input.");
                }

                if (text[i] is not (',' or '}'))
                {
                    throw MalformedArray(text, $"Unexpected array element.");
                }

                bool isNull = !quoted && !escaped && element.Length == 4 && element.ToString().Equals("NULL", StringComparison.OrdinalIgnoreCase);
                values.Add(isNull ? null : ParseText(element.ToString(), elementType));
                if (text[i++] == '}')
                {
                    break;
                }
            }
        }

        if (SkipCSpace(text, i) != text.Length)
        {
            throw MalformedArray(text, "Junk after closing right brace.");
        }

        if (declaredLength >= 0 && declaredLength != values.Count)
        {
            throw MalformedArray(text, "Specified array dimensions do not match array contents.");
        }

        return [.. values];
    }

    /// <summary>Parses <c>[lb:ub]</c> (or <c>[ub]</c>) then <c>=</c>; returns the declared length. Lower bounds are not kept.</summary>
    private static int ParseArrayDimensions(ReadOnlySpan<char> text, ref int i)
    {
        int length = -1, dimensions = 0;
        while (i < text.Length && text[i] == '[')
        {
            if (++dimensions > 1)
            {
                throw new SqlException(SqlState.FeatureNotSupported, "multidimensional arrays are not supported");
            }

            i++;
            int n = ScanLong(text[i..], out long first);
            if (n == 0)
            {
                throw MalformedArray(text, "\"[\" must introduce explicitly-specified array dimensions.");
            }

            i += n;
            long lower = 1, upper = first;
            if (i < text.Length && text[i] == ':')
            {
                i++;
                n = ScanLong(text[i..], out upper);
                if (n == 0)
                {
                    throw MalformedArray(text, "Missing array dimension value.");
                }

                lower = first;
                i += n;
            }

            if (i >= text.Length || text[i] != ']')
            {
                throw MalformedArray(text, "Missing \"]\" after array dimensions.");
            }

            i++;
            if (upper < lower - 1)
            {
                throw new SqlException(SqlState.ArraySubscriptError, "upper bound cannot be less than lower bound");
            }

            length = (int)Math.Min(upper - lower + 1, int.MaxValue);
            i = SkipCSpace(text, i);
        }

        if (i >= text.Length || text[i] != '=')
        {
            throw MalformedArray(text, "Missing \"=\" after array dimensions.");
        }

        i = SkipCSpace(text, i + 1);
        return length;
    }

    private static SqlException MalformedArray(ReadOnlySpan<char> text, string detail) =>
        new(SqlState.InvalidTextRepresentation, $"malformed array literal: \"{text}\"", detail: detail);

    /// <summary>array_out: <c>{a,"b c",NULL}</c>, quoting empty strings, NULL look-alikes and text with braces, commas, quotes, backslashes or spaces.</summary>
    private static void WriteArrayText(object?[] values, SqlType type, IBufferWriter<byte> output)
    {
        var elementType = type.Element!;
        output.Write("{"u8);
        var scratch = new ArrayBufferWriter<byte>();
        for (int k = 0; k < values.Length; k++)
        {
            if (k > 0)
            {
                output.Write(","u8);
            }

            if (values[k] is null)
            {
                output.Write("NULL"u8);
                continue;
            }

            scratch.ResetWrittenCount();
            FormatText(values[k], elementType, scratch);
            WriteArrayElement(scratch.WrittenSpan, output);
        }

        output.Write("}"u8);
    }

    private static void WriteArrayElement(ReadOnlySpan<byte> text, IBufferWriter<byte> output)
    {
        bool quote = text.IsEmpty || (text.Length == 4 && Ascii.EqualsIgnoreCase(text, "NULL"u8))
            || text.IndexOfAny(ArrayQuoteTriggers) >= 0;
        if (!quote)
        {
            output.Write(text);
            return;
        }

        output.Write("\""u8);
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] is (byte)'"' or (byte)'\\')
            {
                output.Write(text[start..i]);
                output.Write("\\"u8);
                start = i;
            }
        }

        output.Write(text[start..]);
        output.Write("\""u8);
    }

    /// <summary>array_send: ndim, has-null flag, element OID, (length, lower bound 1) per dimension, then (length or -1, bytes) per element.</summary>
    private static void SendArray(object?[] values, SqlType type, IBufferWriter<byte> output)
    {
        var elementType = type.Element!;
        bool hasNull = Array.IndexOf(values, null) >= 0;
        WriteInt32BigEndian(output, values.Length == 0 ? 0 : 1);
        WriteInt32BigEndian(output, hasNull ? 1 : 0);
        WriteInt32BigEndian(output, unchecked((int)elementType.TypeOid));
        if (values.Length == 0)
        {
            return;
        }

        WriteInt32BigEndian(output, values.Length);
        WriteInt32BigEndian(output, 1);
        SendElements(values, elementType, output);
    }

    private static void SendElements(object?[] values, SqlType elementType, IBufferWriter<byte> output)
    {
        var scratch = new ArrayBufferWriter<byte>();
        foreach (object? value in values)
        {
            if (value is null)
            {
                WriteInt32BigEndian(output, -1);
                continue;
            }

            scratch.ResetWrittenCount();
            SendBinary(value, elementType, scratch);
            WriteInt32BigEndian(output, scratch.WrittenCount);
            output.Write(scratch.WrittenSpan);
        }
    }

    private static object?[] ReceiveArray(ref BinaryValueReader reader, SqlType type)
    {
        var elementType = ArrayElementType(type);
        int ndim = reader.ReadInt32();
        int flags = reader.ReadInt32();
        uint elementOid = unchecked((uint)reader.ReadInt32());
        CheckArrayHeader(ndim, flags, elementOid, elementType);
        if (ndim == 0)
        {
            return [];
        }

        if (ndim > 1)
        {
            throw new SqlException(SqlState.FeatureNotSupported, "multidimensional arrays are not supported");
        }

        int length = reader.ReadInt32();
        _ = reader.ReadInt32();
        if (length < 0)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, "array size exceeds the maximum allowed");
        }

        return ReceiveElements(ref reader, length, elementType);
    }

    private static void CheckArrayHeader(int ndim, int flags, uint elementOid, SqlType elementType)
    {
        if (ndim < 0)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation,
                string.Create(CultureInfo.InvariantCulture, $"invalid number of dimensions: {ndim}"));
        }

        if (ndim > ArrayMaxDimensions)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, string.Create(CultureInfo.InvariantCulture,
                $"number of array dimensions ({ndim}) exceeds the maximum allowed ({ArrayMaxDimensions})"));
        }

        if (flags is not (0 or 1))
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, "invalid array flags");
        }

        if (elementOid != elementType.TypeOid)
        {
            string actual = TypeFromOid(elementOid)?.DisplayName ?? "???";
            throw new SqlException(SqlState.DatatypeMismatch, string.Create(CultureInfo.InvariantCulture,
                $"binary data has array element type {elementOid} ({actual}) instead of expected {elementType.TypeOid} ({elementType.WithoutModifier().DisplayName})"));
        }
    }

    private static object?[] ReceiveElements(ref BinaryValueReader reader, int length, SqlType elementType)
    {
        var values = new object?[Math.Min(length, reader.Remaining / 4)];
        if (values.Length != length)
        {
            BinaryValueReader.ThrowInsufficientData();
        }

        for (int k = 0; k < length; k++)
        {
            int size = reader.ReadInt32();
            if (size == -1)
            {
                continue;
            }

            if (size < -1 || size > reader.Remaining)
            {
                throw new SqlException(SqlState.InvalidBinaryRepresentation, "insufficient data left in message");
            }

            var element = new BinaryValueReader(reader.ReadBytes(size));
            values[k] = Receive(ref element, elementType);
            if (element.Remaining != 0)
            {
                throw new SqlException(SqlState.InvalidBinaryRepresentation,
                    string.Create(CultureInfo.InvariantCulture, $"improper binary format in array element {k + 1}"));
            }
        }

        return values;
    }

    /// <summary>The type whose OID is <paramref name="oid"/> (scalar or array), or null when AnnSql has no such type.</summary>
    internal static SqlType? TypeFromOid(uint oid)
    {
        foreach (var kind in Enum.GetValues<SqlTypeKind>())
        {
            if (kind == SqlTypeKind.Array)
            {
                continue;
            }

            if (TypeOids.Of(kind) == oid)
            {
                return new SqlType(kind);
            }

            if (TypeOids.ArrayOf(kind) == oid && oid != 0)
            {
                return SqlType.ArrayOf(new SqlType(kind));
            }
        }

        return null;
    }

    /// <summary>int2vectorin: integers separated by spaces.</summary>
    private static short[] ParseInt2Vector(ReadOnlySpan<char> text)
    {
        var values = new List<short>();
        foreach (var range in text.SplitAny(" \t\n\r\v\f"))
        {
            var item = text[range];
            if (item.IsEmpty)
            {
                continue;
            }

            if (values.Count == VectorTypeMaxElements)
            {
                throw new SqlException(SqlState.InvalidParameterValue, "int2vector has too many elements");
            }

            values.Add(ParseInt2(item));
        }

        return [.. values];
    }

    private static uint[] ParseOidVector(ReadOnlySpan<char> text)
    {
        var values = new List<uint>();
        foreach (var range in text.SplitAny(" \t\n\r\v\f"))
        {
            var item = text[range];
            if (item.IsEmpty)
            {
                continue;
            }

            if (values.Count == VectorTypeMaxElements)
            {
                throw new SqlException(SqlState.InvalidParameterValue, "oidvector has too many elements");
            }

            values.Add(ParseOid(item));
        }

        return [.. values];
    }

    private static void WriteInt2VectorText(short[] values, IBufferWriter<byte> output)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (k > 0)
            {
                output.Write(" "u8);
            }

            WriteInteger(values[k], output);
        }
    }

    private static void WriteOidVectorText(uint[] values, IBufferWriter<byte> output)
    {
        for (int k = 0; k < values.Length; k++)
        {
            if (k > 0)
            {
                output.Write(" "u8);
            }

            WriteInteger(values[k], output);
        }
    }

    /// <summary>int2vectorsend / oidvectorsend: the array format with one dimension whose lower bound is 0.</summary>
    private static void SendInt2Vector(short[] values, IBufferWriter<byte> output)
    {
        WriteVectorTypeHeader(output, TypeOids.Int2, values.Length);
        foreach (short value in values)
        {
            WriteInt32BigEndian(output, 2);
            WriteInt16BigEndian(output, value);
        }
    }

    private static void SendOidVector(uint[] values, IBufferWriter<byte> output)
    {
        WriteVectorTypeHeader(output, TypeOids.Oid, values.Length);
        foreach (uint value in values)
        {
            WriteInt32BigEndian(output, 4);
            WriteInt32BigEndian(output, unchecked((int)value));
        }
    }

    private static void WriteVectorTypeHeader(IBufferWriter<byte> output, uint elementOid, int length)
    {
        WriteInt32BigEndian(output, 1);
        WriteInt32BigEndian(output, 0);
        WriteInt32BigEndian(output, unchecked((int)elementOid));
        WriteInt32BigEndian(output, length);
        WriteInt32BigEndian(output, 0);
    }

    private static short[] ReceiveInt2Vector(ref BinaryValueReader reader)
    {
        object?[] values = ReceiveVectorType(ref reader, SqlType.Int2, "int2vector");
        short[] result = new short[values.Length];
        for (int k = 0; k < values.Length; k++)
        {
            result[k] = (short)values[k]!;
        }

        return result;
    }

    private static uint[] ReceiveOidVector(ref BinaryValueReader reader)
    {
        object?[] values = ReceiveVectorType(ref reader, SqlType.Oid, "oidvector");
        uint[] result = new uint[values.Length];
        for (int k = 0; k < values.Length; k++)
        {
            result[k] = (uint)values[k]!;
        }

        return result;
    }

    /// <summary>int2vectorrecv / oidvectorrecv: one dimension, lower bound 0, no NULLs, the right element type.</summary>
    private static object?[] ReceiveVectorType(ref BinaryValueReader reader, SqlType elementType, string typeName)
    {
        int ndim = reader.ReadInt32();
        int flags = reader.ReadInt32();
        uint elementOid = unchecked((uint)reader.ReadInt32());
        if (ndim == 0 && flags == 0 && elementOid == elementType.TypeOid)
        {
            return [];
        }

        if (ndim != 1 || flags != 0 || elementOid != elementType.TypeOid)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, $"invalid {typeName} data");
        }

        int length = reader.ReadInt32();
        int lowerBound = reader.ReadInt32();
        if (lowerBound != 0 || length < 0)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, $"invalid {typeName} data");
        }

        if (length > VectorTypeMaxElements)
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"{typeName} has too many elements");
        }

        object?[] values = ReceiveElements(ref reader, length, elementType);
        if (Array.IndexOf(values, null) >= 0)
        {
            throw new SqlException(SqlState.InvalidBinaryRepresentation, $"invalid {typeName} data");
        }

        return values;
    }
}
