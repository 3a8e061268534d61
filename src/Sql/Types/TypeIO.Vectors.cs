using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>pgvector 0.8's <c>vector_in/out/recv/send</c>, <c>halfvec_*</c> and <c>sparsevec_*</c> (src/vector.c, halfvec.c, sparsevec.c).</summary>
public static partial class TypeIO
{
    /// <summary>VECTOR_MAX_DIM and HALFVEC_MAX_DIM.</summary>
    public const int VectorMaxDimensions = 16000;

    /// <summary>SPARSEVEC_MAX_DIM.</summary>
    public const int SparseVecMaxDimensions = 1_000_000_000;

    /// <summary>SPARSEVEC_MAX_NNZ.</summary>
    public const int SparseVecMaxNonZero = 16000;

    private static float[] ParseVector(ReadOnlySpan<char> text, int typmod)
    {
        int i = OpenVectorLiteral(text, "vector");
        float[] result = new float[Math.Min(text.Count(',') + 1, VectorMaxDimensions)];
        int dim = 0;
        for (; ; )
        {
            if (dim == VectorMaxDimensions)
            {
                ThrowTooManyDimensions("vector");
            }

            i = SkipCSpace(text, i);
            float value = 0;
            bool outOfRange = false;
            int consumed = i < text.Length ? ScanFloat(text[i..], out value, out outOfRange) : 0;
            if (consumed == 0)
            {
                ThrowInvalidText("vector", text);
            }

            if (outOfRange && float.IsInfinity(value))
            {
                ThrowVectorElementOutOfRange(text.Slice(i, consumed), "vector");
            }

            CheckVectorElement(value, "vector");
            result[dim++] = value;
            i = NextVectorElement(text, i + consumed, "vector");
            if (i < 0)
            {
                break;
            }
        }

        CheckVectorDimensions(dim, typmod, "vector");
        return dim == result.Length ? result : result[..dim];
    }

    private static Half[] ParseHalfVec(ReadOnlySpan<char> text, int typmod)
    {
        int i = OpenVectorLiteral(text, "halfvec");
        Half[] result = new Half[Math.Min(text.Count(',') + 1, VectorMaxDimensions)];
        int dim = 0;
        for (; ; )
        {
            if (dim == VectorMaxDimensions)
            {
                ThrowTooManyDimensions("halfvec");
            }

            i = SkipCSpace(text, i);
            float value = 0;
            bool outOfRange = false;
            int consumed = i < text.Length ? ScanFloat(text[i..], out value, out outOfRange) : 0;
            if (consumed == 0)
            {
                ThrowInvalidText("halfvec", text);
            }

            var half = (Half)value;
            if ((outOfRange && float.IsInfinity(value)) || (Half.IsInfinity(half) && !float.IsInfinity(value)))
            {
                ThrowVectorElementOutOfRange(text.Slice(i, consumed), "halfvec");
            }

            CheckVectorElement((float)half, "halfvec");
            result[dim++] = half;
            i = NextVectorElement(text, i + consumed, "halfvec");
            if (i < 0)
            {
                break;
            }
        }

        CheckVectorDimensions(dim, typmod, "halfvec");
        return dim == result.Length ? result : result[..dim];
    }

    /// <summary>Skips to just past <c>[</c>, rejecting input that does not start with it and the empty vector.</summary>
    private static int OpenVectorLiteral(ReadOnlySpan<char> text, string typeName)
    {
        int i = SkipCSpace(text, 0);
        if (i == text.Length || text[i] != '[')
        {
            throw InvalidText(typeName, text, "Vector contents must start with \"[\".");
        }

        i = SkipCSpace(text, i + 1);
        if (i < text.Length && text[i] == ']')
        {
            throw new SqlException(SqlState.DataException, $"{typeName} must have at least 1 dimension");
        }

        return i;
    }

    /// <summary>After an element: the index of the next one, or -1 after the closing bracket (only whitespace may follow).</summary>
    private static int NextVectorElement(ReadOnlySpan<char> text, int i, string typeName)
    {
        i = SkipCSpace(text, i);
        if (i < text.Length && text[i] == ',')
        {
            return i + 1;
        }

        if (i < text.Length && text[i] == ']')
        {
            if (SkipCSpace(text, i + 1) != text.Length)
            {
                throw InvalidText(typeName, text, "Junk after closing right brace.");
            }

            return -1;
        }

        ThrowInvalidText(typeName, text);
        return -1;
    }

    private static int SkipCSpace(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && IsCSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static void CheckVectorDimensions(int dim, int typmod, string typeName)
    {
        if (dim < 1)
        {
            throw new SqlException(SqlState.DataException, $"{typeName} must have at least 1 dimension");
        }

        if (dim > VectorMaxDimensions)
        {
            ThrowTooManyDimensions(typeName);
        }

        CheckExpectedDimensions(typmod, dim);
    }

    private static void CheckExpectedDimensions(int typmod, int dim)
    {
        if (typmod != -1 && typmod != dim)
        {
            throw new SqlException(SqlState.DataException,
                string.Create(CultureInfo.InvariantCulture, $"expected {typmod} dimensions, not {dim}"));
        }
    }

    private static void CheckVectorElement(float value, string typeName)
    {
        if (float.IsNaN(value))
        {
            throw new SqlException(SqlState.DataException, $"NaN not allowed in {typeName}");
        }

        if (float.IsInfinity(value))
        {
            throw new SqlException(SqlState.DataException, $"infinite value not allowed in {typeName}");
        }
    }

    [DoesNotReturn]
    private static void ThrowTooManyDimensions(string typeName) =>
        throw new SqlException(SqlState.ProgramLimitExceeded,
            string.Create(CultureInfo.InvariantCulture, $"{typeName} cannot have more than {VectorMaxDimensions} dimensions"));

    [DoesNotReturn]
    private static void ThrowVectorElementOutOfRange(ReadOnlySpan<char> token, string typeName) =>
        throw new SqlException(SqlState.NumericValueOutOfRange, $"\"{token}\" is out of range for type {typeName}");

    private static void WriteVectorText(float[] vector, IBufferWriter<byte> output)
    {
        output.Write("["u8);
        for (int i = 0; i < vector.Length; i++)
        {
            var span = output.GetSpan(ShortestFloat.MaxLength + 1);
            int n = 0;
            if (i > 0)
            {
                span[n++] = (byte)',';
            }

            n += ShortestFloat.Format(vector[i], span[n..]);
            output.Advance(n);
        }

        output.Write("]"u8);
    }

    private static void WriteHalfVecText(Half[] vector, IBufferWriter<byte> output)
    {
        output.Write("["u8);
        for (int i = 0; i < vector.Length; i++)
        {
            var span = output.GetSpan(ShortestFloat.MaxLength + 1);
            int n = 0;
            if (i > 0)
            {
                span[n++] = (byte)',';
            }

            n += ShortestFloat.Format((float)vector[i], span[n..]);
            output.Advance(n);
        }

        output.Write("]"u8);
    }

    private static void SendVector(float[] vector, IBufferWriter<byte> output)
    {
        int size = 4 + (4 * vector.Length);
        var span = output.GetSpan(size);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)vector.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], 0);
        var ints = MemoryMarshal.Cast<float, int>(vector.AsSpan());
        var destination = MemoryMarshal.Cast<byte, int>(span.Slice(4, 4 * vector.Length));
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(ints, destination);
        }
        else
        {
            ints.CopyTo(destination);
        }

        output.Advance(size);
    }

    private static void SendHalfVec(Half[] vector, IBufferWriter<byte> output)
    {
        int size = 4 + (2 * vector.Length);
        var span = output.GetSpan(size);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)vector.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], 0);
        var shorts = MemoryMarshal.Cast<Half, short>(vector.AsSpan());
        var destination = MemoryMarshal.Cast<byte, short>(span.Slice(4, 2 * vector.Length));
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(shorts, destination);
        }
        else
        {
            shorts.CopyTo(destination);
        }

        output.Advance(size);
    }

    private static float[] ReceiveVector(ref BinaryValueReader reader, int typmod)
    {
        int dim = (ushort)reader.ReadInt16();
        int unused = (ushort)reader.ReadInt16();
        CheckVectorDimensions(dim, typmod, "vector");
        CheckUnused(unused);
        var bytes = reader.ReadBytes(4 * dim);
        float[] result = new float[dim];
        var source = MemoryMarshal.Cast<byte, int>(bytes);
        var ints = MemoryMarshal.Cast<float, int>(result.AsSpan());
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(source, ints);
        }
        else
        {
            source.CopyTo(ints);
        }

        foreach (float value in result)
        {
            CheckVectorElement(value, "vector");
        }

        return result;
    }

    private static Half[] ReceiveHalfVec(ref BinaryValueReader reader, int typmod)
    {
        int dim = (ushort)reader.ReadInt16();
        int unused = (ushort)reader.ReadInt16();
        CheckVectorDimensions(dim, typmod, "halfvec");
        CheckUnused(unused);
        var bytes = reader.ReadBytes(2 * dim);
        Half[] result = new Half[dim];
        var source = MemoryMarshal.Cast<byte, short>(bytes);
        var shorts = MemoryMarshal.Cast<Half, short>(result.AsSpan());
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(source, shorts);
        }
        else
        {
            source.CopyTo(shorts);
        }

        foreach (var value in result)
        {
            CheckVectorElement((float)value, "halfvec");
        }

        return result;
    }

    private static void CheckUnused(int unused)
    {
        if (unused != 0)
        {
            throw new SqlException(SqlState.DataException,
                string.Create(CultureInfo.InvariantCulture, $"expected unused to be 0, not {unused}"));
        }
    }
}
