using AnnSql.Sql.Storage;

namespace AnnSql.Sql.Tests.Storage;

public sealed class CheckpointStoreTests
{
    private static byte[] Bytes(int seed, int length)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void WriteCheckpoint(CheckpointStore store, ulong redoLsn, params (string Name, byte[] Contents)[] files)
    {
        using CheckpointWriter writer = store.BeginCheckpoint(redoLsn);
        foreach ((string name, byte[] contents) in files)
        {
            using Stream stream = writer.CreateFile(name);
            stream.Write(contents);
        }

        writer.Commit();
    }

    [Fact]
    public void A_directory_without_checkpoints_has_no_latest()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        Assert.False(store.TryOpenLatest(out CheckpointReader? reader));
        Assert.Null(reader);
    }

    [Fact]
    public void A_committed_checkpoint_reads_back_after_reopen()
    {
        using var dir = new TempDirectory();
        byte[] rows = Bytes(1, 3_000_000);
        byte[] catalog = Bytes(2, 100);
        using (CheckpointWriter writer = new CheckpointStore(dir.Path).BeginCheckpoint(0x1234))
        {
            Stream rowsStream = writer.CreateFile("rows.dat"); // left for Commit to close
            rowsStream.Write(rows);
            using (Stream catalogStream = writer.CreateFile("catalog.bin"))
            {
                catalogStream.Write(new byte[catalog.Length]);
                catalogStream.Position = 0; // seeking back is allowed
                catalogStream.Write(catalog);
            }

            using (writer.CreateFile("empty"))
            {
            }

            writer.Commit();
            Assert.Throws<InvalidOperationException>(writer.Commit);
        }

        var reopened = new CheckpointStore(dir.Path);
        Assert.True(reopened.TryOpenLatest(out CheckpointReader? reader));
        Assert.Equal(0x1234UL, reader.RedoLsn);
        Assert.Equal(["rows.dat", "catalog.bin", "empty"], reader.FileNames);
        Assert.True(reader.Contains("rows.dat"));
        Assert.False(reader.Contains("other"));
        using (Stream stream = reader.OpenFile("rows.dat"))
        {
            Assert.Equal(rows, ReadAll(stream));
        }

        using (Stream stream = reader.OpenFile("catalog.bin"))
        {
            Assert.Equal(catalog, ReadAll(stream));
        }

        using (Stream stream = reader.OpenFile("empty"))
        {
            Assert.Equal(0, stream.Length);
        }

        Assert.Throws<FileNotFoundException>(() => reader.OpenFile("other"));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, reader.Id), "*.tmp"));
    }

    [Fact]
    public void A_newer_checkpoint_replaces_the_older_one_and_its_folder()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        WriteCheckpoint(store, 10, ("a", [1]));
        Assert.True(store.TryOpenLatest(out CheckpointReader? first));
        WriteCheckpoint(store, 20, ("a", [2]), ("b", [3]));

        Assert.True(store.TryOpenLatest(out CheckpointReader? second));
        Assert.Equal(20UL, second.RedoLsn);
        Assert.True(string.CompareOrdinal(second.Id, first.Id) > 0);
        using (Stream stream = second.OpenFile("a"))
        {
            Assert.Equal([2], ReadAll(stream));
        }

        Assert.Equal([second.Id], Directory.GetDirectories(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void An_abandoned_checkpoint_leaves_the_previous_one_current()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        WriteCheckpoint(store, 10, ("a", [1]));

        using (CheckpointWriter writer = store.BeginCheckpoint(20))
        {
            using Stream stream = writer.CreateFile("a");
            stream.Write([9, 9]);
        }

        Assert.True(store.TryOpenLatest(out CheckpointReader? reader));
        Assert.Equal(10UL, reader.RedoLsn);
        using (Stream stream = reader.OpenFile("a"))
        {
            Assert.Equal([1], ReadAll(stream));
        }

        Assert.Single(Directory.GetDirectories(dir.Path));
        WriteCheckpoint(store, 30, ("a", [3])); // the store is usable again
        Assert.True(store.TryOpenLatest(out reader));
        Assert.Equal(30UL, reader.RedoLsn);
    }

    [Fact]
    public void A_checkpoint_interrupted_before_commit_is_ignored_and_cleaned_up_later()
    {
        using var dir = new TempDirectory();
        WriteCheckpoint(new CheckpointStore(dir.Path), 10, ("a", [1]));

        // Simulates a crash: the writer is neither committed nor disposed.
        CheckpointWriter crashed = new CheckpointStore(dir.Path).BeginCheckpoint(20);
        crashed.CreateFile("a").Write([5, 5, 5]);

        var afterRestart = new CheckpointStore(dir.Path);
        Assert.True(afterRestart.TryOpenLatest(out CheckpointReader? reader));
        Assert.Equal(10UL, reader.RedoLsn);
        Assert.Equal(2, Directory.GetDirectories(dir.Path).Length);

        WriteCheckpoint(afterRestart, 30, ("a", [3]));
        Assert.True(afterRestart.TryOpenLatest(out reader));
        Assert.Equal(30UL, reader.RedoLsn);
        Assert.True(string.CompareOrdinal(reader.Id, crashed.Id) > 0);
        Assert.Single(Directory.GetDirectories(dir.Path));
        crashed.Dispose();
    }

    [Fact]
    public void Damaged_checkpoint_files_are_detected_on_open()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        WriteCheckpoint(store, 10, ("flipped", Bytes(3, 5000)), ("short", Bytes(4, 5000)), ("gone", [1]), ("fine", [2]));
        Assert.True(store.TryOpenLatest(out CheckpointReader? reader));
        string folder = Path.Combine(dir.Path, reader.Id);

        using (var stream = new FileStream(Path.Combine(folder, "flipped"), FileMode.Open))
        {
            stream.Position = 4321;
            int b = stream.ReadByte();
            stream.Position = 4321;
            stream.WriteByte((byte)(b ^ 1));
        }

        using (var stream = new FileStream(Path.Combine(folder, "short"), FileMode.Open))
        {
            stream.SetLength(4999);
        }

        File.Delete(Path.Combine(folder, "gone"));

        Assert.Contains("CRC32C", Assert.Throws<InvalidDataException>(() => reader.OpenFile("flipped")).Message, StringComparison.Ordinal);
        Assert.Contains("4999 bytes", Assert.Throws<InvalidDataException>(() => reader.OpenFile("short")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => reader.OpenFile("gone"));
        using Stream fine = reader.OpenFile("fine");
        Assert.Equal([2], ReadAll(fine));
    }

    [Fact]
    public void A_damaged_manifest_or_current_pointer_is_an_error_not_an_empty_start()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        WriteCheckpoint(store, 10, ("a", [1]));
        Assert.True(store.TryOpenLatest(out CheckpointReader? reader));
        string manifest = Path.Combine(dir.Path, reader.Id, "manifest");
        string text = File.ReadAllText(manifest);
        File.WriteAllText(manifest, text.Replace("redo_lsn 000000000000000A", "redo_lsn 000000000000000B", StringComparison.Ordinal));
        Assert.Throws<InvalidDataException>(() => store.TryOpenLatest(out _));

        File.Delete(manifest);
        Assert.Throws<InvalidDataException>(() => store.TryOpenLatest(out _));

        File.WriteAllText(Path.Combine(dir.Path, CheckpointStore.CurrentFileName), "garbage\n");
        Assert.Throws<InvalidDataException>(() => store.TryOpenLatest(out _));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("sub/file")]
    [InlineData("manifest")]
    [InlineData("data.tmp")]
    [InlineData(".hidden")]
    [InlineData("")]
    public void Bad_file_names_are_rejected(string name)
    {
        using var dir = new TempDirectory();
        using CheckpointWriter writer = new CheckpointStore(dir.Path).BeginCheckpoint(1);
        Assert.ThrowsAny<ArgumentException>(() => writer.CreateFile(name));
    }

    [Fact]
    public void Duplicate_names_and_concurrent_checkpoints_are_rejected()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using CheckpointWriter writer = store.BeginCheckpoint(1);
        writer.CreateFile("a").Dispose();
        Assert.Throws<ArgumentException>(() => writer.CreateFile("A"));
        Assert.Throws<InvalidOperationException>(() => store.BeginCheckpoint(2));
    }
}
