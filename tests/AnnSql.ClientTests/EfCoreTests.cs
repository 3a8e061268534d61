using AnnSql.ClientTests.Infrastructure;
using AnnSql.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using Pgvector;
using Pgvector.EntityFrameworkCore;

namespace AnnSql.ClientTests;

/// <summary>An entity with a vector and a smallint[] label column.</summary>
public sealed class EfItem
{
    public int Id { get; set; }

    public string Name { get; set; } = "";

    public Vector Embedding { get; set; } = null!;

    public short[] Labels { get; set; } = [];
}

/// <summary>EF Core context over ef_items with the Npgsql provider and pgvector: an hnsw and a diskann index on the embedding.</summary>
public sealed class EfItemsContext(string connectionString) : DbContext
{
    public DbSet<EfItem> Items => Set<EfItem>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.UseNpgsql(connectionString, npgsql => npgsql.UseVector());

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresExtension("vector");
        modelBuilder.Entity<EfItem>(e =>
        {
            e.ToTable("ef_items");
            e.Property(x => x.Embedding).HasColumnType("vector(3)");
            e.HasIndex(x => x.Embedding).HasMethod("hnsw").HasOperators("vector_l2_ops");
            e.HasIndex(x => x.Embedding, "IX_ef_items_Embedding_diskann").HasMethod("diskann").HasOperators("vector_cosine_ops");
        });
    }
}

/// <summary>EF Core context over ef_mig_items whose schema comes from the hand-written migration <see cref="InitialMigration"/>.</summary>
public sealed class EfMigrationContext(string connectionString) : DbContext
{
    public DbSet<EfItem> Items => Set<EfItem>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.UseNpgsql(connectionString, npgsql => npgsql.UseVector())
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresExtension("vector");
        modelBuilder.Entity<EfItem>(e =>
        {
            e.ToTable("ef_mig_items");
            e.Property(x => x.Embedding).HasColumnType("vector(3)");
        });
    }
}

/// <summary>The first migration of <see cref="EfMigrationContext"/>, written by hand: the table and a diskann index.</summary>
[DbContext(typeof(EfMigrationContext))]
[Migration("20260101000000_Initial")]
public sealed class InitialMigration : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AlterDatabase().Annotation("Npgsql:PostgresExtension:vector", ",,");
        migrationBuilder.CreateTable(
            name: "ef_mig_items",
            columns: table => new
            {
                Id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Name = table.Column<string>(type: "text", nullable: false),
                Embedding = table.Column<Vector>(type: "vector(3)", nullable: false),
                Labels = table.Column<short[]>(type: "smallint[]", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_ef_mig_items", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_ef_mig_items_Embedding", table: "ef_mig_items", column: "Embedding")
            .Annotation("Npgsql:IndexMethod", "diskann")
            .Annotation("Npgsql:IndexOperators", new[] { "vector_l2_ops" });
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "ef_mig_items");
}

/// <summary>
/// EF Core 10 with Npgsql.EntityFrameworkCore.PostgreSQL and Pgvector.EntityFrameworkCore against a fresh server, default
/// connection string (pooling on, so every operation starts with DISCARD ALL).
/// </summary>
public sealed class EfCoreTests
{
    private static string ConnectionString(AnnSqlServer server, string database) =>
        $"Host=127.0.0.1;Port={server.Port};Username=postgres;Database={database}";

    [Fact]
    public async Task EnsureCreated_crud_vector_ordering_label_filters_and_bulk_statements()
    {
        await using var server = await AnnSqlServer.StartAsync();
        string cs = ConnectionString(server, "efcore_app");
        await using (var ctx = new EfItemsContext(cs))
        {
            Assert.True(await ctx.Database.EnsureCreatedAsync());
        }

        await using (var ctx = new EfItemsContext(cs))
        {
            Assert.False(await ctx.Database.EnsureCreatedAsync());
            ctx.Items.AddRange(
                Item("a", [1, 0, 0], 1, 2),
                Item("b", [0, 1, 0], 2),
                Item("c", [0, 0, 1], 3, 4),
                Item("d", [1, 1, 0], 5),
                Item("e", [2, 2, 2]),
                Item("f", [-1, 0, 0], 1, 4, 6));
            Assert.Equal(6, await ctx.SaveChangesAsync());
            Assert.Equal(6, ctx.Items.Local.Select(i => i.Id).Distinct().Count());
            Assert.DoesNotContain(0, ctx.Items.Local.Select(i => i.Id));
        }

        // A captured local travels as a parameter ($1), as in applications.
        var query = new Vector(new float[] { 1, 0.1f, 0 });
        await using (var ctx = new EfItemsContext(cs))
        {
            Assert.Equal(["a", "d", "b"], await ctx.Items.OrderBy(x => x.Embedding.L2Distance(query)).Take(3).Select(x => x.Name).ToListAsync());
            Assert.Equal(["e", "d", "a"], await ctx.Items.OrderBy(x => x.Embedding.MaxInnerProduct(query)).Take(3).Select(x => x.Name).ToListAsync());
            Assert.Equal(["a", "d", "e"], await ctx.Items.OrderBy(x => x.Embedding.CosineDistance(query)).Take(3).Select(x => x.Name).ToListAsync());
            Assert.Equal(["a", "d", "b"], await ctx.Items.OrderBy(x => x.Embedding.L1Distance(query)).Take(3).Select(x => x.Name).ToListAsync());
            var withDistance = await ctx.Items.OrderBy(x => x.Embedding.CosineDistance(query))
                .Select(x => new { x.Name, D = x.Embedding.CosineDistance(query) }).FirstAsync();
            Assert.Equal("a", withDistance.Name);
            Assert.InRange(withDistance.D, 0.004, 0.006);
            var nearest = await ctx.Items.OrderBy(x => x.Embedding.L2Distance(query)).FirstAsync();
            Assert.Equal(new float[] { 1, 0, 0 }, nearest.Embedding.ToArray());
            Assert.Equal(new short[] { 1, 2 }, nearest.Labels);

            Assert.Equal(["a", "b"], await ctx.Items.Where(x => x.Labels.Contains((short)2)).OrderBy(x => x.Name).Select(x => x.Name).ToListAsync());
            Assert.Equal(3, await ctx.Items.CountAsync(x => x.Labels.Length > 1));
            Assert.True(await ctx.Items.AnyAsync(x => x.Labels.Any(l => l > 3)));
            Assert.False(await ctx.Items.AnyAsync(x => x.Labels.Any(l => l > 6)));
            Assert.Equal(["c", "d", "f"], await ctx.Items.Where(x => x.Labels.Any(l => l > 3)).OrderBy(x => x.Name).Select(x => x.Name).ToListAsync());
            Assert.Equal("b", (await ctx.Items.SingleAsync(x => x.Name == "b")).Name);
        }

        await using (var ctx = new EfItemsContext(cs))
        {
            var a = await ctx.Items.SingleAsync(x => x.Name == "a");
            a.Name = "a2";
            a.Embedding = new Vector(new float[] { 5, 5, 5 });
            var e = await ctx.Items.SingleAsync(x => x.Name == "e");
            ctx.Items.Remove(e);
            Assert.Equal(2, await ctx.SaveChangesAsync());
        }

        await using (var ctx = new EfItemsContext(cs))
        {
            Assert.Equal(["d", "b", "c"], await ctx.Items.OrderBy(x => x.Embedding.L2Distance(query)).Take(3).Select(x => x.Name).ToListAsync());
            Assert.False(await ctx.Items.AnyAsync(x => x.Name == "e"));
            Assert.Equal(new float[] { 5, 5, 5 }, (await ctx.Items.SingleAsync(x => x.Name == "a2")).Embedding.ToArray());

            Assert.Equal(1, await ctx.Items.Where(x => x.Name == "b").ExecuteUpdateAsync(s => s.SetProperty(x => x.Name, "bb")));
            Assert.Equal(2, await ctx.Items.Where(x => x.Labels.Contains((short)4)).ExecuteDeleteAsync());
            Assert.Equal(["a2", "bb", "d"], await ctx.Items.OrderBy(x => x.Name).Select(x => x.Name).ToListAsync());
        }

        await using (var ctx = new EfItemsContext(cs))
        {
            await using (var tx = await ctx.Database.BeginTransactionAsync())
            {
                ctx.Items.Add(Item("g", [3, 3, 3], 7));
                Assert.Equal(1, await ctx.SaveChangesAsync());
                ctx.Items.Add(Item("h", [4, 4, 4], 8));
                Assert.Equal(1, await ctx.SaveChangesAsync());
                await tx.CommitAsync();
            }

            await using (var tx = await ctx.Database.BeginTransactionAsync())
            {
                ctx.Items.Add(Item("rolled back", [3, 3, 3]));
                await ctx.SaveChangesAsync();
                await tx.RollbackAsync();
            }
        }

        await using (var ctx = new EfItemsContext(cs))
        {
            Assert.Equal(["a2", "bb", "d", "g", "h"], await ctx.Items.OrderBy(x => x.Name).Select(x => x.Name).ToListAsync());

            // A row deleted behind EF's back: the UPDATE reports 0 rows and EF raises its concurrency exception.
            var d = await ctx.Items.SingleAsync(x => x.Name == "d");
            await using (var other = new EfItemsContext(cs))
            {
                Assert.Equal(1, await other.Items.Where(x => x.Name == "d").ExecuteDeleteAsync());
            }

            d.Name = "d2";
            await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => ctx.SaveChangesAsync());
        }

        // Both indexes EF declared exist: the catalog shows the method each was declared with (as PostgreSQL with pgvector
        // would), and USING hnsw is built as diskann (with a NOTICE), as documented, so both are in diskann_index_stats.
        await using var source = NpgsqlDataSource.Create(cs);
        await using var conn = await source.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT i.relname, am.amname FROM pg_class i JOIN pg_am am ON am.oid = i.relam WHERE i.relname LIKE 'IX_ef_items%' ORDER BY i.relname", conn);
        var indexes = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                indexes.Add(r.GetString(0) + " " + r.GetString(1));
            }
        }

        Assert.Equal(["IX_ef_items_Embedding hnsw", "IX_ef_items_Embedding_diskann diskann"], indexes);

        await using var stats = new NpgsqlCommand(
            "SELECT count(*) FROM diskann_index_stats WHERE indexname IN ('IX_ef_items_Embedding', 'IX_ef_items_Embedding_diskann')", conn);
        Assert.Equal(2L, await stats.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Migrate_applies_a_hand_written_migration_once()
    {
        await using var server = await AnnSqlServer.StartAsync();
        string cs = ConnectionString(server, "efcore_migrated");
        await using (var ctx = new EfMigrationContext(cs))
        {
            Assert.Equal(["20260101000000_Initial"], ctx.Database.GetPendingMigrations());
            await ctx.Database.MigrateAsync();
            Assert.Equal(["20260101000000_Initial"], await ctx.Database.GetAppliedMigrationsAsync());
            Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
        }

        await using (var ctx = new EfMigrationContext(cs))
        {
            await ctx.Database.MigrateAsync();
            ctx.Items.AddRange(Item("x", [1, 1, 1], 1), Item("y", [9, 9, 9], 2));
            Assert.Equal(2, await ctx.SaveChangesAsync());
            var target = new Vector(new float[] { 8, 8, 8 });
            Assert.Equal("y", await ctx.Items.OrderBy(x => x.Embedding.L2Distance(target)).Select(x => x.Name).FirstAsync());
            Assert.Equal(["20260101000000_Initial"], await ctx.Database.GetAppliedMigrationsAsync());
        }
    }

    private static EfItem Item(string name, float[] embedding, params short[] labels) =>
        new() { Name = name, Embedding = new Vector(embedding), Labels = labels };
}
