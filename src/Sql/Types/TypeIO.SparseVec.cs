using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using AnnSql.Sql.Errors;

namespace AnnSql.Sql.Types;

/// <summary>pgvector 0.8's <c>sparsevec_in/out/recv/send</c>: text <c>{1:1.5,3:2}/5</c> (1-based), binary with 0-based indices.</summary>
public static partial class TypeIO
{
    private static SparseVector ParseSparseVec(ReadOnlySpan<char> text, int typmod)
    {
        int maxNonZero = text.Count(',') + 1;
        if (maxNonZero > SparseVecMaxNonZero)
        {
            ThrowTooManyNonZero();
        }

        int i = SkipCSpace(text, 0);
        if (i == text.Length || text[i] != '{')
        {
            throw InvalidText("sparsevec", text, "Vector contents must start with \"{\".");
        }

        int[] indices = new int[maxNonZero];
        float[] values = new float[maxNonZero];
        int nnz = 0;
        i = SkipCSpace(text, i + 1);
        if (i < text.Length && text[i] == '}')
        {
            i++;
        }
        else
        {
            for (; ; )
            {
                i = SkipCSpace(text, i);
                long index = 0;
                int consumed = i < text.Length ? ScanLong(text[i..], out index) : 0;
                if (consumed == 0)
                {
                    ThrowInvalidText("sparsevec", text);
                }

                index = Math.Clamp(index, int.MinValue + 1L, int.MaxValue);
                i = SkipCSpace(text, i + consumed);
                if (i == text.Length || text[i] != ':')
                {
                    ThrowInvalidText("sparsevec", text);
                }

                i = SkipCSpace(text, i + 1);
                float value = 0;
                bool outOfRange = false;
                consumed = i < text.Length ? ScanFloat(text[i..], out value, out outOfRange) : 0;
                if (consumed == 0)
                {
                    ThrowInvalidText("sparsevec", text);
                }

                if (outOfRange)
                {
                    ThrowVectorElementOutOfRange(text.Slice(i, consumed), "sparsevec");
                }

                CheckVectorElement(value, "sparsevec");
                if (value != 0)
                {
                    indices[nnz] = (int)(index - 1);
                    values[nnz] = value;
                    nnz++;
                }

                i = SkipCSpace(text, i + consumed);
                if (i < text.Length && text[i] == ',')
                {
                    i++;
                }
                else if (i < text.Length && text[i] == '}')
                {
                    i++;
                    break;
                }
                else
                {
                    ThrowInvalidText("sparsevec", text);
                }
            }
        }

        i = SkipCSpace(text, i);
        if (i == text.Length || text[i] != '/')
        {
            throw InvalidText("sparsevec", text, "Unexpected end of input.");
        }

        i = SkipCSpace(text, i + 1);
        long longDim = 0;
        int dimLength = i < text.Length ? ScanLong(text[i..], out longDim) : 0;
        if (dimLength == 0)
        {
            ThrowInvalidText("sparsevec", text);
        }

        int dim = (int)Math.Clamp(longDim, int.MinValue, int.MaxValue);
        if (SkipCSpace(text, i + dimLength) != text.Length)
        {
            throw InvalidText("sparsevec", text, "Junk after closing.");
        }

        CheckSparseDimensions(dim);
        CheckExpectedDimensions(typmod, dim);
        Array.Sort(indices, values, 0, nnz);
        for (int k = 0; k < nnz; k++)
        {
            CheckSparseIndex(indices, k, dim);
        }

        if (nnz != maxNonZero)
        {
            indices = indices[..nnz];
            values = values[..nnz];
        }

        return new SparseVector(dim, indices, values);
    }

    /// <summary><c>strtol(s, &amp;end, 10)</c>: optional whitespace and sign, then digits; saturates like the C function.</summary>
    private static int ScanLong(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        int i = SkipCSpace(s, 0);
        bool negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }

        int start = i;
        ulong magnitude = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            magnitude = magnitude > (ulong)long.MaxValue ? magnitude : (magnitude * 10) + (ulong)(s[i] - '0');
        }

        if (i == start)
        {
            return 0;
        }

        value = negative
            ? (magnitude > (ulong)long.MaxValue ? long.MinValue : -(long)magnitude)
            : (magnitude > (ulong)long.MaxValue ? long.MaxValue : (long)magnitude);
        return i;
    }

    private static void CheckSparseDimensions(int dim)
    {
        if (dim < 1)
        {
            throw new SqlException(SqlState.DataException, "sparsevec must have at least 1 dimension");
        }

        if (dim > SparseVecMaxDimensions)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"sparsevec cannot have more than {SparseVecMaxDimensions} dimensions"));
        }
    }

    [DoesNotReturn]
    private static void ThrowTooManyNonZero() =>
        throw new SqlException(SqlState.ProgramLimitExceeded,
            string.Create(CultureInfo.InvariantCulture, $"sparsevec cannot have more than {SparseVecMaxNonZero} non-zero elements"));

    private static void CheckSparseIndex(int[] indices, int i, int dim)
    {
        int index = indices[i];
        if (index < 0 || index >= dim)
        {
            throw new SqlException(SqlState.DataException, "sparsevec index out of bounds");
        }

        if (i > 0 && index < indices[i - 1])
        {
            throw new SqlException(SqlState.DataException, "sparsevec indices must be in ascending order");
        }

        if (i > 0 && index == indices[i - 1])
        {
            throw new SqlException(SqlState.DataException, "sparsevec indices must not contain duplicates");
        }
    }

    private static void WriteSparseVecText(SparseVector vector, IBufferWriter<byte> output)
    {
        output.Write("{"u8);
        for (int i = 0; i < vector.Indices.Length; i++)
        {
            var span = output.GetSpan(ShortestFloat.MaxLength + 13);
            int n = 0;
            if (i > 0)
            {
                span[n++] = (byte)',';
            }

            (vector.Indices[i] + 1L).TryFormat(span[n..], out int written, default, CultureInfo.InvariantCulture);
            n += written;
            span[n++] = (byte)':';
            n += ShortestFloat.Format(vector.Values[i], span[n..]);
            output.Advance(n);
        }

        output.Write("}/"u8);
        WriteInteger(vector.Dimensions, output);
    }

    private static void SendSparseVec(SparseVector vector, IBufferWriter<byte> output)
    {
        WriteInt32BigEndian(output, vector.Dimensions);
        WriteInt32BigEndian(output, vector.Indices.Length);
        WriteInt32BigEndian(output, 0);
        foreach (int index in vector.Indices)
        {
            WriteInt32BigEndian(output, index);
        }

        foreach (float value in vector.Values)
        {
            WriteInt32BigEndian(output, BitConverter.SingleToInt32Bits(value));
        }
    }

    private static SparseVector ReceiveSparseVec(ref BinaryValueReader reader, int typmod)
    {
        int dim = reader.ReadInt32();
        int nnz = reader.ReadInt32();
        int unused = reader.ReadInt32();
        CheckSparseDimensions(dim);
        if (nnz < 0)
        {
            throw new SqlException(SqlState.DataException, "sparsevec cannot have negative number of elements");
        }

        if (nnz > SparseVecMaxNonZero)
        {
            ThrowTooManyNonZero();
        }

        if (nnz > dim)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, "sparsevec cannot have more elements than dimensions");
        }

        CheckExpectedDimensions(typmod, dim);
        CheckUnused(unused);
        int[] indices = new int[nnz];
        for (int i = 0; i < nnz; i++)
        {
            indices[i] = reader.ReadInt32();
            CheckSparseIndex(indices, i, dim);
        }

        float[] values = new float[nnz];
        for (int i = 0; i < nnz; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(reader.ReadInt32());
            CheckVectorElement(values[i], "sparsevec");
            if (values[i] == 0)
            {
                throw new SqlException(SqlState.DataException, "binary representation of sparsevec cannot contain zero values");
            }
        }

        return new SparseVector(dim, indices, values);
    }
}
