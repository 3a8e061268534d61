using System.Globalization;
using AnnSql.Sql.Storage;

namespace AnnSql.Sql.Tests.Storage;

public sealed class DataDirectoryTests
{
    [Fact]
    public void Open_creates_the_layout_and_writes_the_pid()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("data");
        using (DataDirectory data = DataDirectory.Open(path))
        {
            Assert.Equal(Path.GetFullPath(path), data.Path);
            Assert.Equal(Path.Combine(data.Path, "wal"), data.WalDirectory);
            Assert.Equal(Path.Combine(data.Path, "checkpoint"), data.CheckpointDirectory);
            Assert.True(Directory.Exists(data.WalDirectory));
            Assert.True(Directory.Exists(data.CheckpointDirectory));
        }

        string pid = File.ReadAllText(Path.Combine(path, DataDirectory.LockFileName)).Trim();
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), pid);
    }

    [Fact]
    public void A_second_open_of_a_held_directory_throws_and_succeeds_after_release()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("data");
        string full = Path.GetFullPath(path);
        string lockPath = Path.Combine(full, DataDirectory.LockFileName);

        DataDirectory first = DataDirectory.Open(path);
        var ex = Assert.Throws<DataDirectoryLockedException>(() => DataDirectory.Open(path));
        Assert.Equal($"data directory \"{full}\" is in use by another server (lock file {lockPath})", ex.Message);
        Assert.Equal(full, ex.DirectoryPath);
        Assert.Equal(lockPath, ex.LockFilePath);

        // A trailing separator names the same directory.
        Assert.Throws<DataDirectoryLockedException>(() => DataDirectory.Open(path + Path.DirectorySeparatorChar));

        first.Dispose();
        using DataDirectory second = DataDirectory.Open(path);
        Assert.Equal(full, second.Path);
    }
}
