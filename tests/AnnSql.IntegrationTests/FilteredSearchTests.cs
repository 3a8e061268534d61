using AnnSql.IntegrationTests.Infrastructure;
using AnnSql.Tests.Shared;
using Npgsql;
using NpgsqlTypes;
using Pgvector;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Label-filtered k-NN through a diskann index with a label column, against the real server and the MNIST vectors: every
/// vector carries its digit plus Zipf-distributed labels (<see cref="ZipfLabels"/>, fixed seed), so label frequencies run
/// from a single row to over a third of the table. Each query's result is checked against an exact filtered top-10
/// computed here: recall@10 per frequency band, exactly min(10, matching rows) rows, every row carrying the label.
/// </summary>
public sealed class FilteredSearchTests : IClassFixture<FilteredSearchTests.LabeledMnist>
{
    private const int K = 10;
    private readonly LabeledMnist _fixture;

    public FilteredSearchTests(LabeledMnist fixture) => _fixture = fixture;

    /// <summary>One server with <c>items (id, label smallint, labels int[], embedding vector(784))</c> and its labeled index.</summary>
    public sealed class LabeledMnist : IAsyncLifetime
    {
        public MnistDataset Data { get; } = MnistDataset.Load();

        public int[][] Labels { get; private set; } = [];

        public AnnSqlServer Server { get; private set; } = null!;

        public NpgsqlDataSource Source { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Labels = ZipfLabels.Generate(Data.BaseLabels);
            Server = await AnnSqlServer.StartAsync();
            Source = Server.CreateDataSource();
            await using var conn = await Source.OpenConnectionAsync();
            await MnistTable.ExecuteAsync(conn, "CREATE EXTENSION IF NOT EXISTS vector");
            await conn.ReloadTypesAsync();
            await MnistTable.ExecuteAsync(conn, "CREATE TABLE items (id int PRIMARY KEY, label smallint, labels int[], embedding vector(784))");
            await using (var writer = await conn.BeginBinaryImportAsync("COPY items (id, label, labels, embedding) FROM STDIN (FORMAT BINARY)"))
            {
                for (int i = 0; i < Data.Base.Length; i++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(i, NpgsqlDbType.Integer);
                    await writer.WriteAsync((short)Data.BaseLabels[i], NpgsqlDbType.Smallint);
                    await writer.WriteAsync(Labels[i], NpgsqlDbType.Array | NpgsqlDbType.Integer);
                    await writer.WriteAsync(new Vector(Data.Base[i]));
                }

                await writer.CompleteAsync();
            }

            await MnistTable.ExecuteAsync(conn, "CREATE INDEX items_labels_idx ON items USING diskann (embedding vector_l2_ops, labels)");
        }

        public async Task DisposeAsync()
        {
            await Source.DisposeAsync();
            await Server.DisposeAsync();
        }

        /// <summary>The exact top-k ids (squared L2, ties by id) among the rows for which <paramref name="matches"/> holds, with the k-th distance.</summary>
        public (List<long> Ids, float Kth) Exact(int query, Func<int, bool> matches, int k = K)
        {
            var ranked = Enumerable.Range(0, Data.Base.Length).Where(matches)
                .Select(i => (Distance: MnistDataset.SquaredDistance(Data.Base[i], Data.Queries[query]), Id: i))
                .OrderBy(x => x.Distance).ThenBy(x => x.Id).Take(k).ToList();
            return ([.. ranked.Select(x => (long)x.Id)], ranked.Count == 0 ? 0 : ranked[^1].Distance);
        }

        /// <summary>Recall against <see cref="Exact"/>: a returned id counts when it is in the exact list or ties with its last distance.</summary>
        public double Recall(int query, IReadOnlyList<long> ids, (List<long> Ids, float Kth) exact)
        {
            if (exact.Ids.Count == 0)
            {
                return 1;
            }

            int hits = ids.Count(id => exact.Ids.Contains(id) || MnistDataset.SquaredDistance(Data.Base[id], Data.Queries[query]) <= exact.Kth);
            return Math.Min(hits, exact.Ids.Count) / (double)exact.Ids.Count;
        }
    }

    [Fact]
    public async Task Every_frequency_band_reaches_recall_095_and_returns_min_k_matching_rows()
    {
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        var report = new List<string>();
        foreach (var (band, queries) in ZipfLabels.QueriesPerBand(_fixture.Labels, _fixture.Data.Queries.Length, 40))
        {
            Assert.NotEmpty(queries);
            double recall = 0;
            var strategies = new HashSet<string>();
            foreach (var (q, label) in queries)
            {
                var ids = await IdsAsync(conn, "SELECT id FROM items WHERE labels && $2 ORDER BY embedding <-> $1 LIMIT 10", q, new[] { label });
                var exact = _fixture.Exact(q, i => Array.BinarySearch(_fixture.Labels[i], label) >= 0);
                Assert.Equal(exact.Ids.Count, ids.Count);
                Assert.All(ids, id => Assert.Contains(label, _fixture.Labels[id]));
                recall += _fixture.Recall(q, ids, exact);
                strategies.Add(Strategy(await ExplainAsync(conn, "SELECT id FROM items WHERE labels && $2 ORDER BY embedding <-> $1 LIMIT 10", q, new[] { label })));
            }

            recall /= queries.Count;
            report.Add($"{band}: recall {recall:F3} over {queries.Count} queries, {string.Join(" / ", strategies)}");
            Assert.True(recall >= 0.95, string.Join("; ", report));
        }

        // Rare labels are scanned exactly; frequent ones walk the label's subgraph.
        Assert.Contains(report, r => r.Contains("label posting scan", StringComparison.Ordinal));
        Assert.Contains(report, r => r.Contains("filtered graph search", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_digit_filter_matches_the_filtered_ground_truth_through_the_label_index()
    {
        var data = _fixture.Data;
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        double recall = 0;
        const int Queries = 200;
        for (int q = 0; q < Queries; q++)
        {
            var ids = await IdsAsync(conn, "SELECT id FROM items WHERE $2 = ANY(labels) ORDER BY embedding <-> $1 LIMIT 10", q, data.QueryLabels[q]);
            Assert.Equal(10, ids.Count);
            recall += MnistDataset.RecallAtK(ids, q, K, filtered: true);
        }

        Assert.True(recall / Queries >= 0.95, $"filtered recall@10 = {recall / Queries}");

        var plan = await ExplainAsync(conn, "SELECT id FROM items WHERE 3 = ANY(labels) ORDER BY embedding <-> $1 LIMIT 10", 0);
        Assert.Equal("Index Scan using items_labels_idx on items (actual rows=10 loops=1)", plan[0]);
        Assert.Contains("  Index Cond: ", string.Join("\n", plan), StringComparison.Ordinal);
        // About 10% of 9,000 rows: fewer than 32 x L = 1,280, so the posting list is scanned exactly (one distance per row).
        long threes = data.BaseLabels.Count(l => l == 3);
        Assert.Contains(plan, l => l.StartsWith("  Strategy: label posting scan (selectivity ", StringComparison.Ordinal)
            && l.EndsWith($", {threes} of {data.Base.Length} rows)", StringComparison.Ordinal));
        Assert.Contains($"Distance Computations: {threes}", plan);

        // With a smaller list the same label is searched in the graph.
        await MnistTable.ExecuteAsync(conn, "SET diskann.l_search = 20");
        plan = await ExplainAsync(conn, "SELECT id FROM items WHERE 3 = ANY(labels) ORDER BY embedding <-> $1 LIMIT 10", 0);
        Assert.Contains(plan, l => l.StartsWith("  Strategy: filtered graph search (selectivity ", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("  Hops: ", StringComparison.Ordinal));
        Assert.Contains(plan, l => l.StartsWith("Distance Computations: ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("labels && ARRAY[$2, $3]", "any")]
    [InlineData("labels @> ARRAY[$2, $3]", "all")]
    [InlineData("ARRAY[$2, $3] <@ labels", "all")]
    [InlineData("labels && ARRAY[$2, $3] AND id % 2 = 0", "any-even")]
    public async Task Any_of_and_all_of_predicates_return_the_exact_rows(string predicate, string meaning)
    {
        var labels = _fixture.Labels;
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        double recall = 0;
        const int Queries = 40;
        for (int q = 0; q < Queries; q++)
        {
            // The query's digit with the most frequent Zipf label, or with one of middling frequency.
            int digit = _fixture.Data.QueryLabels[q];
            int zipf = ZipfLabels.FirstZipfLabel + (q % 2 == 0 ? 0 : 20);
            Func<int, bool> matches = meaning switch
            {
                "any" => i => labels[i].Contains(digit) || labels[i].Contains(zipf),
                "all" => i => labels[i].Contains(digit) && labels[i].Contains(zipf),
                _ => i => (labels[i].Contains(digit) || labels[i].Contains(zipf)) && i % 2 == 0,
            };
            var ids = await IdsAsync(conn, $"SELECT id FROM items WHERE {predicate} ORDER BY embedding <-> $1 LIMIT 10", q, digit, zipf);
            var exact = _fixture.Exact(q, matches);
            Assert.Equal(exact.Ids.Count, ids.Count);
            Assert.All(ids, id => Assert.True(matches((int)id), $"row {id} does not satisfy {predicate}"));
            recall += _fixture.Recall(q, ids, exact);
        }

        Assert.True(recall / Queries >= 0.95, $"{predicate}: recall@10 = {recall / Queries}");
    }

    [Fact]
    public async Task A_scalar_label_column_answers_equality_and_in_lists()
    {
        var data = _fixture.Data;
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        await MnistTable.ExecuteAsync(conn, "CREATE TABLE digits (id int, label smallint, embedding vector(784))");
        await MnistTable.ExecuteAsync(conn, "INSERT INTO digits SELECT id, label, embedding FROM items");
        await MnistTable.ExecuteAsync(conn, "CREATE INDEX digits_idx ON digits USING diskann (embedding vector_l2_ops, label)");
        double recall = 0;
        const int Queries = 60;
        for (int q = 0; q < Queries; q++)
        {
            int a = data.QueryLabels[q], b = (a + 3) % 10;
            var single = await IdsAsync(conn, "SELECT id FROM digits WHERE label = $2 ORDER BY embedding <-> $1 LIMIT 10", q, (short)a);
            Assert.Equal(10, single.Count);
            recall += MnistDataset.RecallAtK(single, q, K, filtered: true);
            var pair = await IdsAsync(conn, $"SELECT id FROM digits WHERE label IN ({a}, {b}) ORDER BY embedding <-> $1 LIMIT 10", q);
            var exact = _fixture.Exact(q, i => data.BaseLabels[i] == a || data.BaseLabels[i] == b);
            Assert.Equal(10, pair.Count);
            Assert.All(pair, id => Assert.Contains(data.BaseLabels[id], new[] { a, b }));
            recall += _fixture.Recall(q, pair, exact);
        }

        Assert.True(recall / (2 * Queries) >= 0.95, $"recall@10 = {recall / (2 * Queries)}");
        var plan = await ExplainAsync(conn, "SELECT id FROM digits WHERE label IN (1, 7) ORDER BY embedding <-> $1 LIMIT 10", 0, analyze: false);
        Assert.Equal("Index Scan using digits_idx on digits", plan[0]);
        long expected = data.BaseLabels.Count(l => l is 1 or 7);
        Assert.Contains(plan, l => l.StartsWith("  Strategy: filtered graph search", StringComparison.Ordinal) && l.Contains($" {expected} of ", StringComparison.Ordinal));
        await MnistTable.ExecuteAsync(conn, "DROP TABLE digits");
    }

    [Theory]
    [InlineData("id % 7 = 3")]
    [InlineData("id::text LIKE '%3'")]
    [InlineData("id % 1000 = 7 AND labels && ARRAY[10]")]
    public async Task Predicates_the_index_cannot_use_return_min_k_rows_in_exact_order(string predicate)
    {
        var data = _fixture.Data;
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        Func<int, bool> matches = predicate switch
        {
            "id % 7 = 3" => i => i % 7 == 3,
            "id::text LIKE '%3'" => i => i % 10 == 3,
            _ => i => i % 1000 == 7 && _fixture.Labels[i].Contains(10),
        };
        double recall = 0;
        const int Queries = 50;
        for (int q = 0; q < Queries; q++)
        {
            var ids = await IdsAsync(conn, $"SELECT id FROM items WHERE {predicate} ORDER BY embedding <-> $1 LIMIT 10", q);
            var exact = _fixture.Exact(q, matches);
            Assert.Equal(exact.Ids.Count, ids.Count);
            Assert.All(ids, id => Assert.True(matches((int)id)));
            var distances = ids.Select(id => MnistDataset.SquaredDistance(data.Base[id], data.Queries[q])).ToList();
            Assert.Equal(distances.Order().ToList(), distances);
            recall += _fixture.Recall(q, ids, exact);
        }

        Assert.True(recall / Queries >= 0.95, $"{predicate}: recall@10 = {recall / Queries}");
    }

    [Fact]
    public async Task Label_counts_follow_committed_inserts_and_deletes()
    {
        var data = _fixture.Data;
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        const string Sql = "SELECT id FROM items WHERE labels && ARRAY[777777] ORDER BY embedding <-> $1 LIMIT 10";
        Assert.Contains(await ExplainAsync(conn, Sql, 0, analyze: false), l => l.Contains("label posting scan (selectivity 0.0000, 0 of ", StringComparison.Ordinal));

        await using (var tx = await conn.BeginTransactionAsync())
        {
            for (int i = 0; i < 3; i++)
            {
                await using var insert = new NpgsqlCommand("INSERT INTO items (id, labels, embedding) VALUES ($1, ARRAY[777777, NULL], $2)", conn, tx);
                insert.Parameters.Add(new NpgsqlParameter { Value = 100_000 + i });
                insert.Parameters.Add(new NpgsqlParameter { Value = new Vector(data.Queries[i]) });
                await insert.ExecuteNonQueryAsync();
            }

            // The transaction sees its own rows; the counts (committed rows) do not include them yet.
            Assert.Equal(new long[] { 100_000, 100_001, 100_002 }, (await IdsAsync(conn, Sql, 0)).Order());
            await using var other = await _fixture.Source.OpenConnectionAsync();
            Assert.Empty(await IdsAsync(other, Sql, 0));
            await tx.CommitAsync();
        }

        var plan = await ExplainAsync(conn, Sql, 0);
        Assert.Contains(plan, l => l.Contains($"label posting scan (selectivity 0.0003, 3 of {data.Base.Length + 3} rows)", StringComparison.Ordinal));
        Assert.Equal("Index Scan using items_labels_idx on items (actual rows=3 loops=1)", plan[0]);
        Assert.Equal(100_000L, (await IdsAsync(conn, Sql, 0))[0]);

        await MnistTable.ExecuteAsync(conn, "DELETE FROM items WHERE id = 100001");
        Assert.Equal(new long[] { 100_000, 100_002 }, (await IdsAsync(conn, Sql, 0)).Order());
        Assert.Contains(await ExplainAsync(conn, Sql, 0, analyze: false), l => l.Contains($"(selectivity 0.0002, 2 of {data.Base.Length + 2} rows)", StringComparison.Ordinal));
        await MnistTable.ExecuteAsync(conn, "DELETE FROM items WHERE id >= 100000");
        Assert.Empty(await IdsAsync(conn, Sql, 0));

        // NULL labels and a NULL array match nothing.
        Assert.Empty(await IdsAsync(conn, "SELECT id FROM items WHERE labels && NULL::int[] ORDER BY embedding <-> $1 LIMIT 10", 0));
    }

    [Fact]
    public async Task Iterative_search_setting_follows_pgvector()
    {
        await using var conn = await _fixture.Source.OpenConnectionAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => MnistTable.ExecuteAsync(conn, "SET hnsw.iterative_scan = sideways"));
        Assert.Equal("22023", error.SqlState);
        Assert.Equal("invalid value for parameter \"hnsw.iterative_scan\": \"sideways\"", error.MessageText);
        Assert.Equal("Available values: off, relaxed_order, strict_order.", error.Hint);

        await MnistTable.ExecuteAsync(conn, "SET hnsw.iterative_scan = OFF");
        await using (var show = new NpgsqlCommand("SHOW diskann.iterative_search", conn))
        {
            Assert.Equal("off", await show.ExecuteScalarAsync());
        }

        // Without iterative search one walk cannot find 10 rows passing a 1-in-1000 filter: the exact scan answers.
        const string Sql = "SELECT id FROM items WHERE id % 1000 = 7 ORDER BY embedding <-> $1 LIMIT 10";
        var plan = await ExplainAsync(conn, Sql, 0);
        Assert.Contains("  Strategy: iterative graph search", plan);
        Assert.Contains("  Exact Scan Instead: diskann.iterative_search is off", plan);
        Assert.Equal(9, (await IdsAsync(conn, Sql, 0)).Count);

        await MnistTable.ExecuteAsync(conn, "RESET hnsw.iterative_scan");
        plan = await ExplainAsync(conn, Sql, 0);
        Assert.Contains("  Exact Scan Instead: filter too selective for the graph search", plan);
    }

    /// <summary>Ids of <paramref name="sql"/> with query <paramref name="query"/>'s vector as $1 and the rest as $2...</summary>
    private Task<List<long>> IdsAsync(NpgsqlConnection conn, string sql, int query, params object[] parameters) =>
        MnistTable.IdsAsync(conn, sql, _fixture.Data.Queries[query], parameters);

    private Task<List<string>> ExplainAsync(NpgsqlConnection conn, string sql, int query, params object[] parameters) =>
        MnistTable.ExplainAsync(conn, sql, _fixture.Data.Queries[query], true, parameters);

    private Task<List<string>> ExplainAsync(NpgsqlConnection conn, string sql, int query, bool analyze, params object[] parameters) =>
        MnistTable.ExplainAsync(conn, sql, _fixture.Data.Queries[query], analyze, parameters);

    private static string Strategy(List<string> plan) =>
        plan.First(l => l.StartsWith("  Strategy: ", StringComparison.Ordinal))["  Strategy: ".Length..].Split(" (")[0];
}
