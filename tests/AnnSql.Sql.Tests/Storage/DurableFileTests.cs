using AnnSql.Sql.Storage;

namespace AnnSql.Sql.Tests.Storage;

public sealed class DurableFileTests
{
    [Fact]
    public void WriteAtomically_creates_and_replaces_without_leaving_a_temp_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("control");

        DurableFile.WriteAtomically(path, "first"u8);
        Assert.Equal("first"u8.ToArray(), File.ReadAllBytes(path));

        DurableFile.WriteAtomically(path, stream => stream.Write("second, longer"u8));
        Assert.Equal("second, longer"u8.ToArray(), File.ReadAllBytes(path));
        Assert.False(File.Exists(path + DurableFile.TempSuffix));
    }

    [Fact]
    public void A_failing_writer_leaves_the_old_contents_and_no_temp_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("control");
        DurableFile.WriteAtomically(path, "old"u8);

        Assert.Throws<InvalidOperationException>(() => DurableFile.WriteAtomically(path, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("boom");
        }));

        Assert.Equal("old"u8.ToArray(), File.ReadAllBytes(path));
        Assert.False(File.Exists(path + DurableFile.TempSuffix));
    }

    [Fact]
    public void FsyncDirectory_works_on_a_directory_and_fails_on_a_missing_one()
    {
        using var dir = new TempDirectory();
        DurableFile.FsyncDirectory(dir.Path);
        if (OperatingSystem.IsLinux())
        {
            Assert.Throws<IOException>(() => DurableFile.FsyncDirectory(dir.Combine("missing")));
        }
    }
}
