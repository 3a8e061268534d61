using System.Text;
using AnnSql.Index.Storage;
using AnnSql.Sql.Storage;

namespace AnnSql.Sql.Tests.Storage;

public sealed class Crc32CTests
{
    [Fact]
    public void Matches_the_standard_check_value()
    {
        // The CRC-32C check value from RFC 3720 / the CRC catalogue.
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Chunked_and_whole_computations_agree()
    {
        byte[] data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, twice over the lazy dog.");
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            uint crc = Crc32C.Append(Crc32C.Seed, data.AsSpan(0, split));
            crc = Crc32C.Append(crc, data.AsSpan(split));
            Assert.Equal(whole, Crc32C.Finish(crc));
        }
    }

    [Fact]
    public void Zero_bytes_of_input_give_zero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
        Assert.NotEqual(0u, Crc32C.Compute(new byte[4]));
    }
}
