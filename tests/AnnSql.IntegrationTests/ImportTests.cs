using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;
using Pgvector;
using PureHDF;

namespace AnnSql.IntegrationTests;

/// <summary>
/// <c>annsql import</c> run as a child process (<c>dotnet annsql.dll import ...</c>) against a running server: a DiskANN
/// folder and an ann-benchmarks HDF5 file written from the vendored MNIST vectors, checked through SQL against their ground
/// truth; fvecs/bvecs/ivecs round trips; malformed files and server errors with their exit codes and messages.
/// </summary>
public sealed class ImportTests(ImportTests.Server fixture) : IClassFixture<ImportTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public AnnSqlServer Process { get; private set; } = null!;

        public NpgsqlDataSource Source { get; private set; } = null!;

        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "annsql-import-" + Guid.NewGuid().ToString("N"));

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Folder);
            Process = await AnnSqlServer.StartAsync();
            Source = Process.CreateDataSource();
        }

        public async Task DisposeAsync()
        {
            await Source.DisposeAsync();
            await Process.DisposeAsync();
            Directory.Delete(Folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_DiskANN_folder_imports_base_rows_labels_and_queries_with_their_ground_truth()
    {
        var data = MnistDataset.Load();
        string folder = Path.Combine(fixture.Folder, "mnist-784-euclidean");
        Directory.CreateDirectory(folder);
        WriteBin(Path.Combine(folder, "base.fbin"), data.Base, (w, v) => w.Write(v));
        WriteBin(Path.Combine(folder, "query.fbin.gz"), data.Queries, (w, v) => w.Write(v));
        WriteBin(Path.Combine(folder, "gt.ibin"), data.GroundTruth, (w, v) => w.Write(v));
        WriteBin(Path.Combine(folder, "gt.fbin"), data.GroundTruthSquaredDistances, (w, v) => w.Write(v));
        File.WriteAllLines(Path.Combine(folder, "base_labels.txt"), data.BaseLabels.Select(l => l.ToString(CultureInfo.InvariantCulture)));
        File.WriteAllLines(Path.Combine(folder, "query_labels.txt"), data.QueryLabels.Select(l => l.ToString(CultureInfo.InvariantCulture)));

        var (code, output, error) = await ImportAsync(folder);
        Assert.True(code == 0, error);
        Assert.Contains("mnist_784_euclidean", output, StringComparison.Ordinal);
        Assert.Matches(@"imported 10000 rows \(9000 into mnist_784_euclidean, 1000 into mnist_784_euclidean_queries\) in [0-9.]+ s: \d+ rows/s", output);

        await using var conn = await fixture.Source.OpenConnectionAsync();
        Assert.Equal(9000L, await ScalarAsync<long>(conn, "SELECT count(*) FROM mnist_784_euclidean"));
        Assert.Equal(1000L, await ScalarAsync<long>(conn, "SELECT count(*) FROM mnist_784_euclidean_queries"));
        await using (var labels = new NpgsqlCommand("SELECT id, labels FROM mnist_784_euclidean WHERE id < 200 ORDER BY id", conn))
        await using (var reader = await labels.ExecuteReaderAsync())
        {
            int rows = 0;
            while (await reader.ReadAsync())
            {
                Assert.Equal(rows, reader.GetInt32(0));
                Assert.Equal(new[] { data.BaseLabels[rows] }, reader.GetFieldValue<int[]>(1));
                rows++;
            }

            Assert.Equal(200, rows);
        }

        await using (var truth = new NpgsqlCommand("SELECT neighbors, distances, labels FROM mnist_784_euclidean_queries WHERE id = 123", conn))
        await using (var reader = await truth.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(data.GroundTruth[123], reader.GetFieldValue<int[]>(0));
            Assert.Equal(data.GroundTruthSquaredDistances[123], reader.GetFieldValue<float[]>(1));
            Assert.Equal(new[] { data.QueryLabels[123] }, reader.GetFieldValue<int[]>(2));
        }

        for (int q = 0; q < 10; q++)
        {
            var ids = await TopIdsAsync(conn, "mnist_784_euclidean", data.Queries[q * 97], 10);
            Assert.Equal(1.0, MnistDataset.RecallAtK(ids, q * 97, 10));
        }
    }

    [Fact]
    public async Task An_ann_benchmarks_hdf5_file_imports_train_and_test_with_neighbors_and_distances()
    {
        var data = MnistDataset.Load();
        const int Train = 3000, Test = 12, K = 10;
        int d = data.Dimensions;
        var train = new float[Train, d];
        var test = new float[Test, d];
        var neighbors = new int[Test, K];
        var distances = new float[Test, K];
        for (int i = 0; i < Train; i++)
        {
            for (int j = 0; j < d; j++)
            {
                train[i, j] = data.Base[i][j];
            }
        }

        var truth = new List<(int[] Ids, float[] Squared)>();
        for (int q = 0; q < Test; q++)
        {
            for (int j = 0; j < d; j++)
            {
                test[q, j] = data.Queries[q][j];
            }

            var nearest = Enumerable.Range(0, Train)
                .Select(i => (Distance: MnistDataset.SquaredDistance(data.Queries[q], data.Base[i]), Id: i))
                .OrderBy(x => x.Distance).ThenBy(x => x.Id).Take(K).ToArray();
            truth.Add((nearest.Select(x => x.Id).ToArray(), nearest.Select(x => x.Distance).ToArray()));
            for (int k = 0; k < K; k++)
            {
                neighbors[q, k] = nearest[k].Id;
                distances[q, k] = MathF.Sqrt(nearest[k].Distance);
            }
        }

        string path = Path.Combine(fixture.Folder, "mnist-784-euclidean.hdf5");
        var file = new H5File
        {
            ["train"] = train,
            ["test"] = test,
            ["neighbors"] = neighbors,
            ["distances"] = distances,
        };
        file.Attributes["distance"] = "euclidean";
        file.Attributes["type"] = "dense";
        file.Write(path);
        string labels = Path.Combine(fixture.Folder, "hdf5_labels.txt");
        File.WriteAllLines(labels, data.BaseLabels.Take(Train).Select((l, i) => string.Create(CultureInfo.InvariantCulture, $"{l},{10 + (i % 3)}")));

        var (code, output, error) = await ImportAsync(path, "--table", "ab", "--labels", labels, "--label-type", "smallint", "--batch-size", "700", "--drop");
        Assert.True(code == 0, error);
        Assert.Contains("metric euclidean: ORDER BY embedding <-> $1", output, StringComparison.Ordinal);
        Assert.Contains($"imported {Train + Test} rows ({Train} into ab, {Test} into ab_queries)", output, StringComparison.Ordinal);

        await using var conn = await fixture.Source.OpenConnectionAsync();
        Assert.Equal((long)Train, await ScalarAsync<long>(conn, "SELECT count(*) FROM ab"));
        await using (var command = new NpgsqlCommand("SELECT labels FROM ab WHERE id = 2999", conn))
        {
            Assert.Equal(new short[] { (short)data.BaseLabels[2999], 12 }, (short[])(await command.ExecuteScalarAsync())!);
        }

        await using (var command = new NpgsqlCommand("SELECT id, neighbors, distances FROM ab_queries ORDER BY id", conn))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            int q = 0;
            while (await reader.ReadAsync())
            {
                Assert.Equal(q, reader.GetInt32(0));
                Assert.Equal(truth[q].Ids, reader.GetFieldValue<int[]>(1));
                Assert.Equal(truth[q].Squared.Select(MathF.Sqrt), reader.GetFieldValue<float[]>(2));
                q++;
            }

            Assert.Equal(Test, q);
        }

        for (int q = 0; q < Test; q++)
        {
            var ids = await TopIdsAsync(conn, "ab", data.Queries[q], K);
            int query = q;
            Assert.Equal(1.0, MnistDataset.RecallAtK(ids, truth[q].Ids, truth[q].Squared, K,
                id => id is >= 0 and < Train ? MnistDataset.SquaredDistance(data.Queries[query], data.Base[id]) : float.PositiveInfinity));
        }
    }

    [Fact]
    public async Task Fvecs_bvecs_and_ivecs_files_round_trip()
    {
        var data = MnistDataset.Load();
        const int Rows = 40, D = 24;
        float[][] floats = [.. data.Base.Take(Rows).Select(v => v[300..(300 + D)])];
        byte[][] bytes = [.. floats.Select(v => v.Select(x => (byte)Math.Round(x * 255)).ToArray())];
        int[][] ints = [.. data.GroundTruth.Take(Rows).Select(g => g[..5])];
        string fvecs = Path.Combine(fixture.Folder, "round.fvecs");
        string bvecs = Path.Combine(fixture.Folder, "round.bvecs.gz");
        string ivecs = Path.Combine(fixture.Folder, "round.ivecs");
        WriteVecs(fvecs, floats, (w, v) => w.Write(v));
        WriteVecs(bvecs, bytes, (w, v) => w.Write(v));
        WriteVecs(ivecs, ints, (w, v) => w.Write(v));

        Assert.Equal(0, (await ImportAsync(fvecs, "--table", "rt_f", "--batch-size", "7")).Code);
        Assert.Equal(0, (await ImportAsync(bvecs, "--table", "rt_b", "--type", "halfvec")).Code);
        Assert.Equal(0, (await ImportAsync(ivecs, "--table", "rt_i")).Code);

        await using var conn = await fixture.Source.OpenConnectionAsync();
        Assert.Equal(floats, await ColumnAsync<Vector, float[]>(conn, "SELECT embedding FROM rt_f ORDER BY id", v => v.ToArray()));
        Assert.Equal(bytes.Select(b => b.Select(x => (float)x).ToArray()),
            await ColumnAsync<HalfVector, float[]>(conn, "SELECT embedding FROM rt_b ORDER BY id", v => v.ToArray().Select(h => (float)h).ToArray()));
        Assert.Equal(ints, await ColumnAsync<int[], int[]>(conn, "SELECT neighbors FROM rt_i ORDER BY id", v => v));
        Assert.Equal(Enumerable.Range(0, Rows), await ColumnAsync<int, int>(conn, "SELECT id FROM rt_f ORDER BY id", v => v));
    }

    [Fact]
    public async Task A_malformed_file_fails_with_a_message_naming_it_and_leaves_only_whole_committed_batches()
    {
        // Truncated: the size disagrees with the header, found before anything is sent.
        string truncated = Path.Combine(fixture.Folder, "short.fbin");
        WriteBin(truncated, [[1f, 2f, 3f], [4f, 5f, 6f]], (w, v) => w.Write(v));
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..^4]);
        var (code, _, error) = await ImportAsync(truncated, "--table", "bad_short");
        Assert.Equal(1, code);
        Assert.Contains(truncated + ": the header says 2 x 3 values of 4 bytes, so 32 bytes; the file has 28", error, StringComparison.Ordinal);
        await using var conn = await fixture.Source.OpenConnectionAsync();
        var missing = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<long>(conn, "SELECT count(*) FROM bad_short"));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, missing.SqlState);

        // Row 17 of 25 announces another dimension: found while streaming, in the fourth batch of 5.
        string mixed = Path.Combine(fixture.Folder, "mixed.fvecs");
        float[][] rows = [.. Enumerable.Range(0, 25).Select(i => new[] { i, i + 0.5f, -i })];
        WriteVecs(mixed, rows, (w, v) => w.Write(v));
        byte[] raw = File.ReadAllBytes(mixed);
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(17 * 16), 4);
        File.WriteAllBytes(mixed, raw);

        (code, _, error) = await ImportAsync(mixed, "--table", "bad_mixed", "--batch-size", "5");
        Assert.Equal(1, code);
        Assert.Contains(mixed + ": row 17 has dimension 4; the first row has 3", error, StringComparison.Ordinal);
        Assert.Contains("15 rows in bad_mixed", error, StringComparison.Ordinal);
        Assert.Equal(rows[..15], await ColumnAsync<Vector, float[]>(conn, "SELECT embedding FROM bad_mixed ORDER BY id", v => v.ToArray()));

        (code, _, error) = await ImportAsync(mixed, "--table", "bad_mixed", "--batch-size", "5", "--drop", "--single-transaction");
        Assert.Equal(1, code);
        Assert.Contains("no rows were committed (--single-transaction)", error, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM bad_mixed"));
    }

    [Fact]
    public async Task A_server_error_reports_its_sqlstate_and_a_non_zero_exit_code()
    {
        await using (var conn = await fixture.Source.OpenConnectionAsync())
        await using (var create = new NpgsqlCommand("CREATE TABLE narrow (id int PRIMARY KEY, embedding vector(2))", conn))
        {
            await create.ExecuteNonQueryAsync();
        }

        string file = Path.Combine(fixture.Folder, "wide.fvecs");
        WriteVecs(file, [[1f, 2f, 3f]], (w, v) => w.Write(v));
        var (code, _, error) = await ImportAsync(file, "--table", "narrow");
        Assert.Equal(2, code);
        Assert.Matches(@"annsql import: server error [0-9A-Z]{5}: .*dimensions", error);

        (code, _, error) = await ImportAsync(file, "--connection", "Host=127.0.0.1;Port=1;Username=postgres;Timeout=5");
        Assert.Equal(2, code);
        Assert.Contains("cannot talk to the server", error, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output, string Error)> ImportAsync(string source, params string[] options)
    {
        string[] connection = options.Contains("--connection") ? [] : ["--connection", fixture.Process.ConnectionString];
        return await AnnSqlCli.RunAsync(["import", source, .. options, .. connection]);
    }

    private static async Task<List<long>> TopIdsAsync(NpgsqlConnection conn, string table, float[] query, int k)
    {
        await using var command = new NpgsqlCommand($"SELECT id FROM {table} ORDER BY embedding <-> $1 LIMIT {k}", conn);
        command.Parameters.Add(new NpgsqlParameter { Value = new Vector(query) });
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt32(0));
        }

        return ids;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql)
    {
        await using var command = new NpgsqlCommand(sql, conn);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<TOut>> ColumnAsync<TIn, TOut>(NpgsqlConnection conn, string sql, Func<TIn, TOut> convert)
    {
        await using var command = new NpgsqlCommand(sql, conn);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<TOut>();
        while (await reader.ReadAsync())
        {
            values.Add(convert(reader.GetFieldValue<TIn>(0)));
        }

        return values;
    }

    /// <summary>DiskANN layout: int32 rows, int32 dimensions, then the values (gzip-compressed when the name ends in .gz).</summary>
    private static void WriteBin<T>(string path, T[][] rows, Action<BinaryWriter, T> write)
    {
        using var writer = new BinaryWriter(Open(path));
        writer.Write(rows.Length);
        writer.Write(rows[0].Length);
        foreach (var row in rows)
        {
            foreach (var value in row)
            {
                write(writer, value);
            }
        }
    }

    /// <summary>TEXMEX layout: per row int32 dimensions, then the values.</summary>
    private static void WriteVecs<T>(string path, T[][] rows, Action<BinaryWriter, T> write)
    {
        using var writer = new BinaryWriter(Open(path));
        foreach (var row in rows)
        {
            writer.Write(row.Length);
            foreach (var value in row)
            {
                write(writer, value);
            }
        }
    }

    private static Stream Open(string path)
    {
        Stream file = File.Create(path);
        return path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
    }
}
