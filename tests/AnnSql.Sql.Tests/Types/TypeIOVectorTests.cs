using AnnSql.Sql.Types;
using static AnnSql.Sql.Tests.Types.TypeIOAssert;

namespace AnnSql.Sql.Tests.Types;

/// <summary>
/// pgvector 0.8 formats and errors (src/vector.c, halfvec.c, sparsevec.c). Element text is PostgreSQL's float4 output, whose
/// expected strings were checked against PostgreSQL 15.18.
/// </summary>
public class TypeIOVectorTests
{
    private static SqlType VectorOf(int n) => new(SqlTypeKind.Vector, n);

    private static SqlType HalfVecOf(int n) => new(SqlTypeKind.HalfVec, n);

    [Theory]
    [InlineData("[1,2,3]", "[1,2,3]")]
    [InlineData(" [ 1 , 2.5 ,-3 ] ", "[1,2.5,-3]")]
    [InlineData("[0.1,1e20,1.2345678e-05]", "[0.1,1e+20,1.2345678e-05]")]
    [InlineData("[1e6,123456,-0]", "[1e+06,123456,-0]")]
    [InlineData("[3.141592653589793]", "[3.1415927]")]
    [InlineData("[1e-50]", "[0]")]
    [InlineData("[+.5,5.]", "[0.5,5]")]
    public void VectorText(string input, string expected) => RoundTrip(input, SqlType.Vector, expected);

    [Fact]
    public void VectorBinaryLayout()
    {
        byte[] data = Send(new float[] { 1, -2.5f }, SqlType.Vector);
        Assert.Equal(Hex("0002 0000 3F800000 C0200000"), data);
        Assert.Equal(new float[] { 1, -2.5f }, (float[])TypeIO.ReceiveBinary(data, VectorOf(2))!);
    }

    [Fact]
    public void VectorTypmod()
    {
        RoundTrip("[1,2,3]", VectorOf(3), "[1,2,3]");
        ParseFails("[1,2]", VectorOf(3), "22000", "expected 3 dimensions, not 2");
        ReceiveFails(Hex("0002 0000 3F800000 C0200000"), VectorOf(3), "22000", "expected 3 dimensions, not 2");
    }

    [Fact]
    public void VectorTextErrors()
    {
        var e = ParseFails("1,2", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"1,2\"");
        Assert.Equal("Vector contents must start with \"[\".", e.Detail);
        ParseFails("[1,2", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"[1,2\"");
        ParseFails("[1,,2]", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"[1,,2]\"");
        ParseFails("[1 2]", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"[1 2]\"");
        ParseFails("[1,a]", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"[1,a]\"");
        ParseFails("[1,]", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"[1,]\"");
        e = ParseFails("[1,2] x", SqlType.Vector, "22P02", "invalid input syntax for type vector: \"[1,2] x\"");
        Assert.Equal("Junk after closing right brace.", e.Detail);
        ParseFails("[]", SqlType.Vector, "22000", "vector must have at least 1 dimension");
        ParseFails("[ ]", SqlType.Vector, "22000", "vector must have at least 1 dimension");
        ParseFails("[NaN]", SqlType.Vector, "22000", "NaN not allowed in vector");
        ParseFails("[1,inf]", SqlType.Vector, "22000", "infinite value not allowed in vector");
        ParseFails("[-Infinity]", SqlType.Vector, "22000", "infinite value not allowed in vector");
        ParseFails("[1e50]", SqlType.Vector, "22003", "\"1e50\" is out of range for type vector");
        string tooMany = "[" + string.Join(",", Enumerable.Repeat("1", 16001)) + "]";
        ParseFails(tooMany, SqlType.Vector, "54000", "vector cannot have more than 16000 dimensions");
        string max = "[" + string.Join(",", Enumerable.Repeat("1", 16000)) + "]";
        Assert.Equal(16000, ((float[])TypeIO.ParseText(max, SqlType.Vector)!).Length);
    }

    [Fact]
    public void VectorBinaryErrors()
    {
        ReceiveFails(Hex("0000 0000"), SqlType.Vector, "22000", "vector must have at least 1 dimension");
        ReceiveFails(Hex("0001 0001 3F800000"), SqlType.Vector, "22000", "expected unused to be 0, not 1");
        ReceiveFails(Hex("0001 0000 7FC00000"), SqlType.Vector, "22000", "NaN not allowed in vector");
        ReceiveFails(Hex("0001 0000 7F800000"), SqlType.Vector, "22000", "infinite value not allowed in vector");
        ReceiveFails(Hex("0002 0000 3F800000"), SqlType.Vector, "08P01", "insufficient data left in message");
        ReceiveFails(Hex("3E81 0000"), SqlType.Vector, "54000", "vector cannot have more than 16000 dimensions");
    }

    [Fact]
    public void VectorLargeRoundTrip()
    {
        var rng = new Random(784);
        float[] v = new float[784];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2) - 1) * MathF.Pow(10, rng.Next(-6, 6));
        }

        string text = TypeIO.FormatText(v, SqlType.Vector);
        Assert.Equal(v, (float[])TypeIO.ParseText(text, VectorOf(784))!);
        Assert.Equal(v, (float[])TypeIO.ReceiveBinary(Send(v, SqlType.Vector), VectorOf(784))!);
    }

    [Theory]
    [InlineData("[1,2,3]", "[1,2,3]")]
    [InlineData("[0.1, -2.5]", "[0.099975586,-2.5]")]
    [InlineData("[65504]", "[65504]")]
    [InlineData("[1e-8]", "[0]")]
    [InlineData("[3.14159]", "[3.140625]")]
    public void HalfVecText(string input, string expected) => RoundTrip(input, SqlType.HalfVec, expected);

    [Fact]
    public void HalfVecBinaryAndErrors()
    {
        byte[] data = Send(new[] { (Half)1, (Half)(-2.5f) }, SqlType.HalfVec);
        Assert.Equal(Hex("0002 0000 3C00 C100"), data);
        Assert.Equal(new[] { (Half)1, (Half)(-2.5f) }, (Half[])TypeIO.ReceiveBinary(data, HalfVecOf(2))!);
        ParseFails("[65520]", SqlType.HalfVec, "22003", "\"65520\" is out of range for type halfvec");
        ParseFails("[1e50]", SqlType.HalfVec, "22003", "\"1e50\" is out of range for type halfvec");
        ParseFails("[nan]", SqlType.HalfVec, "22000", "NaN not allowed in halfvec");
        ParseFails("[]", SqlType.HalfVec, "22000", "halfvec must have at least 1 dimension");
        ParseFails("[1,2]", HalfVecOf(3), "22000", "expected 3 dimensions, not 2");
        ParseFails("(1,2)", SqlType.HalfVec, "22P02", "invalid input syntax for type halfvec: \"(1,2)\"");
        ReceiveFails(Hex("0001 0000 7C00"), SqlType.HalfVec, "22000", "infinite value not allowed in halfvec");
    }
}

public class TypeIOSparseVecTests
{
    private static SqlType SparseVecOf(int n) => new(SqlTypeKind.SparseVec, n);

    [Theory]
    [InlineData("{1:1.5,3:2}/5", "{1:1.5,3:2}/5")]
    [InlineData(" { 3 : 2 , 1 : 1.5 } / 5 ", "{1:1.5,3:2}/5")]
    [InlineData("{}/3", "{}/3")]
    [InlineData("{1:0,2:1}/2", "{2:1}/2")]
    [InlineData("{1:0.1,2:1e20}/2", "{1:0.1,2:1e+20}/2")]
    [InlineData("{+2:-3}/+4", "{2:-3}/4")]
    public void Text(string input, string expected) => RoundTrip(input, SqlType.SparseVec, expected);

    [Fact]
    public void ValueAndBinaryLayout()
    {
        var v = (SparseVector)TypeIO.ParseText("{3:2,1:1.5}/5", SqlType.SparseVec)!;
        Assert.Equal(5, v.Dimensions);
        Assert.Equal([0, 2], v.Indices);
        Assert.Equal([1.5f, 2f], v.Values);
        byte[] data = Send(v, SqlType.SparseVec);
        Assert.Equal(Hex("00000005 00000002 00000000 00000000 00000002 3FC00000 40000000"), data);
        Assert.Equal(v, TypeIO.ReceiveBinary(data, SparseVecOf(5)));
    }

    [Fact]
    public void TextErrors()
    {
        var e = ParseFails("[1:2]/3", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"[1:2]/3\"");
        Assert.Equal("Vector contents must start with \"{\".", e.Detail);
        e = ParseFails("{1:2}", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"{1:2}\"");
        Assert.Equal("Unexpected end of input.", e.Detail);
        e = ParseFails("{1:2}/3x", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"{1:2}/3x\"");
        Assert.Equal("Junk after closing.", e.Detail);
        ParseFails("{1:2}/", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"{1:2}/\"");
        ParseFails("{1 2}/3", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"{1 2}/3\"");
        ParseFails("{a:2}/3", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"{a:2}/3\"");
        ParseFails("{1:}/3", SqlType.SparseVec, "22P02", "invalid input syntax for type sparsevec: \"{1:}/3\"");
        ParseFails("{1:2}/0", SqlType.SparseVec, "22000", "sparsevec must have at least 1 dimension");
        ParseFails("{1:2}/1000000001", SqlType.SparseVec, "54000", "sparsevec cannot have more than 1000000000 dimensions");
        ParseFails("{4:2}/3", SqlType.SparseVec, "22000", "sparsevec index out of bounds");
        ParseFails("{0:2}/3", SqlType.SparseVec, "22000", "sparsevec index out of bounds");
        ParseFails("{1:2,1:3}/3", SqlType.SparseVec, "22000", "sparsevec indices must not contain duplicates");
        ParseFails("{1:nan}/3", SqlType.SparseVec, "22000", "NaN not allowed in sparsevec");
        ParseFails("{1:inf}/3", SqlType.SparseVec, "22000", "infinite value not allowed in sparsevec");
        ParseFails("{1:1e50}/3", SqlType.SparseVec, "22003", "\"1e50\" is out of range for type sparsevec");
        ParseFails("{1:1e-50}/3", SqlType.SparseVec, "22003", "\"1e-50\" is out of range for type sparsevec");
        ParseFails("{1:1}/2", SparseVecOf(3), "22000", "expected 3 dimensions, not 2");
        string tooMany = "{" + string.Join(",", Enumerable.Range(1, 16001).Select(i => $"{i}:1")) + "}/20000";
        ParseFails(tooMany, SqlType.SparseVec, "54000", "sparsevec cannot have more than 16000 non-zero elements");
    }

    [Fact]
    public void BinaryErrors()
    {
        ReceiveFails(Hex("00000000 00000000 00000000"), SqlType.SparseVec, "22000", "sparsevec must have at least 1 dimension");
        ReceiveFails(Hex("00000003 FFFFFFFF 00000000"), SqlType.SparseVec, "22000", "sparsevec cannot have negative number of elements");
        ReceiveFails(Hex("00000001 00000002 00000000"), SqlType.SparseVec, "54000", "sparsevec cannot have more elements than dimensions");
        ReceiveFails(Hex("00000003 00000000 00000001"), SqlType.SparseVec, "22000", "expected unused to be 0, not 1");
        ReceiveFails(Hex("00000003 00000002 00000000 00000001 00000000 3F800000 3F800000"), SqlType.SparseVec, "22000",
            "sparsevec indices must be in ascending order");
        ReceiveFails(Hex("00000003 00000001 00000000 00000003 3F800000"), SqlType.SparseVec, "22000", "sparsevec index out of bounds");
        ReceiveFails(Hex("00000003 00000001 00000000 00000000 00000000"), SqlType.SparseVec, "22000",
            "binary representation of sparsevec cannot contain zero values");
        ReceiveFails(Hex("00000003 00000001 00000000 00000000"), SqlType.SparseVec, "08P01", "insufficient data left in message");
    }
}
