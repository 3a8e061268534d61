using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

public sealed partial class SqlSession
{
    private async ValueTask<StatementResult> CreateTableAsync(CreateTableStatement create, CancellationToken ct)
    {
        var notices = new List<string>();
        await Database.ChangeCatalogAsync(catalog =>
        {
            string name = create.Name.Name;
            if (catalog.RelationExists(name))
            {
                if (create.IfNotExists)
                {
                    notices.Add($"relation \"{name}\" already exists, skipping");
                    return CatalogChange.Of(catalog);
                }

                throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists", create.Name.Position);
            }

            uint oid = catalog.NextOid;
            uint next = oid + 2;
            var columns = new List<ColumnInfo>();
            var primary = new List<string>();
            var uniques = new List<(string? Name, List<string> Cols)>();
            string? pkName = null;
            short attnum = 1;
            foreach (var def in create.Columns)
            {
                if (columns.Any(c => c.Name == def.Name))
                {
                    throw new SqlException(SqlState.DuplicateColumn, $"column \"{def.Name}\" specified more than once", def.Position);
                }

                var type = TypeNames.Resolve(def.Type);
                bool serial = TypeNames.IsSerial(def.Type);
                var column = new ColumnInfo(def.Name, type, attnum++)
                {
                    NotNull = serial,
                    SequenceName = serial ? $"{name}_{def.Name}_seq" : null,
                    DefaultSql = serial ? $"nextval('{name}_{def.Name}_seq'::regclass)" : null,
                };
                foreach (var constraint in def.Constraints)
                {
                    switch (constraint)
                    {
                        case NotNullConstraint:
                            column = column with { NotNull = true };
                            break;
                        case PrimaryKeyColumnConstraint pk:
                            column = column with { NotNull = true };
                            primary.Add(def.Name);
                            pkName ??= pk.Name;
                            break;
                        case UniqueColumnConstraint u:
                            uniques.Add((u.Name, [def.Name]));
                            break;
                        case DefaultConstraint d:
                            column = column with { DefaultSql = ColumnDefaultText(d.Value, type) };
                            break;
                        case IdentityConstraint id:
                            column = column with { Identity = id.Always ? 'a' : 'd', NotNull = true };
                            break;
                    }
                }

                columns.Add(column);
            }

            foreach (var tc in create.Constraints)
            {
                switch (tc)
                {
                    case PrimaryKeyTableConstraint pk:
                        if (primary.Count > 0)
                        {
                            throw new SqlException(SqlState.InvalidTableDefinition, $"multiple primary keys for table \"{name}\" are not allowed");
                        }

                        primary.AddRange(pk.Columns);
                        pkName = pk.Name;
                        foreach (var c in pk.Columns)
                        {
                            int i = columns.FindIndex(x => x.Name == c);
                            if (i < 0)
                            {
                                throw new SqlException(SqlState.UndefinedColumn, $"column \"{c}\" named in key does not exist");
                            }

                            columns[i] = columns[i] with { NotNull = true };
                        }

                        break;
                    case UniqueTableConstraint u:
                        uniques.Add((u.Name, [.. u.Columns]));
                        break;
                }
            }

            var indexes = new List<IndexInfo>();
            if (primary.Count > 0)
            {
                indexes.Add(new IndexInfo(next++, pkName ?? $"{name}_pkey", oid, "btree", primary.Select(c => columns.First(x => x.Name == c).AttributeNumber).ToList())
                {
                    IsUnique = true,
                    IsPrimary = true,
                    IsConstraint = true,
                });
                next++;
            }

            foreach (var (uname, cols) in uniques)
            {
                indexes.Add(new IndexInfo(next++, uname ?? $"{name}_{string.Join("_", cols)}_key", oid, "btree", cols.Select(c => columns.First(x => x.Name == c).AttributeNumber).ToList())
                {
                    IsUnique = true,
                    IsConstraint = true,
                });
                next++;
            }

            var table = new TableInfo(oid, "public", name, columns) { RowTypeOid = oid + 1, Indexes = indexes };
            return CatalogChange.Of(catalog with { Tables = catalog.Tables.Add(oid, table), NextOid = next });
        }, ct);
        return new StatementResult { Tag = _ => "CREATE TABLE", Notices = notices };
    }

    /// <summary>
    /// The stored text of a column default, as pg_get_expr shows it: a string literal takes the column's type without its
    /// modifier (<c>'none'::character varying</c>, <c>'ab'::bpchar</c>), as PostgreSQL types an unknown literal by its target.
    /// </summary>
    internal static string ColumnDefaultText(Expr value, SqlType columnType) => value switch
    {
        Literal { Kind: LiteralKind.String } l => "'" + l.Text!.Replace("'", "''", StringComparison.Ordinal) + "'::"
            + (columnType.Kind == SqlTypeKind.Char ? "bpchar" : columnType.WithoutModifier().DisplayName),
        Literal { Kind: LiteralKind.Null } => "NULL",
        Literal { Kind: LiteralKind.Boolean } b => b.BooleanValue ? "true" : "false",
        Literal l => l.Text!,
        _ => ExpressionPrinter.Print(value),
    };

    private async ValueTask<StatementResult> DropAsync(DropStatement drop, CancellationToken ct)
    {
        var notices = new List<string>();
        string tag = drop.Kind switch
        {
            DropObjectKind.Table => "DROP TABLE",
            DropObjectKind.Index => "DROP INDEX",
            DropObjectKind.Extension => "DROP EXTENSION",
            DropObjectKind.Database => "DROP DATABASE",
            DropObjectKind.View => "DROP VIEW",
            _ => "DROP SCHEMA",
        };
        await Database.ChangeCatalogAsync(catalog =>
        {
            var result = catalog;
            foreach (var n in drop.Names)
            {
                switch (drop.Kind)
                {
                    case DropObjectKind.Table:
                        if (result.FindTable(n.Name, n.Schema) is { } t)
                        {
                            result = result with { Tables = result.Tables.Remove(t.Oid) };
                        }
                        else if (drop.IfExists)
                        {
                            notices.Add($"table \"{n.Name}\" does not exist, skipping");
                        }
                        else
                        {
                            throw new SqlException(SqlState.UndefinedTable, $"table \"{n}\" does not exist");
                        }

                        break;
                    case DropObjectKind.Index:
                        if (result.FindIndex(n.Name) is { } ix)
                        {
                            if (ix.Index.IsConstraint)
                            {
                                throw new SqlException("2BP01", $"cannot drop index {n.Name} because constraint {n.Name} on table {ix.Table.Name} requires it",
                                    hint: $"You can drop constraint {n.Name} on table {ix.Table.Name} instead.");
                            }

                            var table = ix.Table with { Indexes = ix.Table.Indexes.Where(i => i.Oid != ix.Index.Oid).ToList() };
                            result = result with { Tables = result.Tables.SetItem(table.Oid, table) };
                        }
                        else if (drop.IfExists)
                        {
                            notices.Add($"index \"{n.Name}\" does not exist, skipping");
                        }
                        else
                        {
                            throw new SqlException(SqlState.UndefinedObject, $"index \"{n}\" does not exist");
                        }

                        break;
                    case DropObjectKind.Extension:
                        if (result.Extensions.Contains(n.Name))
                        {
                            result = result with { Extensions = result.Extensions.Remove(n.Name) };
                        }
                        else if (drop.IfExists)
                        {
                            notices.Add($"extension \"{n.Name}\" does not exist, skipping");
                        }
                        else
                        {
                            throw new SqlException(SqlState.UndefinedObject, $"extension \"{n.Name}\" does not exist");
                        }

                        break;
                    case DropObjectKind.Database:
                        if (n.Name == DatabaseName)
                        {
                            throw new SqlException(SqlState.ObjectNotInPrerequisiteState, "cannot drop the currently open database");
                        }

                        if (result.Databases.Contains(n.Name))
                        {
                            result = result with { Databases = result.Databases.Remove(n.Name) };
                        }
                        else if (drop.IfExists)
                        {
                            notices.Add($"database \"{n.Name}\" does not exist, skipping");
                        }
                        else
                        {
                            throw new SqlException(SqlState.InvalidCatalogName, $"database \"{n.Name}\" does not exist");
                        }

                        break;
                    default:
                        if (!drop.IfExists)
                        {
                            throw new SqlException(SqlState.UndefinedObject, $"{drop.Kind.ToString().ToLowerInvariant()} \"{n}\" does not exist");
                        }

                        notices.Add($"{drop.Kind.ToString().ToLowerInvariant()} \"{n.Name}\" does not exist, skipping");
                        break;
                }
            }

            return CatalogChange.Of(result);
        }, ct);
        return new StatementResult { Tag = _ => tag, Notices = notices };
    }

    private async ValueTask<StatementResult> CreateIndexAsync(CreateIndexStatement create, CancellationToken ct)
    {
        var notices = new List<string>();
        string method = create.Method.ToLowerInvariant();
        if (method is not ("btree" or "hash" or "diskann" or "hnsw" or "ivfflat"))
        {
            throw new SqlException(SqlState.UndefinedObject, $"access method \"{create.Method}\" does not exist");
        }

        bool vector = method is "diskann" or "hnsw" or "ivfflat";
        IndexInfo? created = null;
        await Database.ChangeCatalogAsync(catalog =>
        {
            var table = catalog.FindTable(create.Table.Name, create.Table.Schema)
                ?? throw new SqlException(SqlState.UndefinedTable, $"relation \"{create.Table}\" does not exist", create.Table.Position);
            var keys = new List<short>();
            foreach (var key in create.Keys)
            {
                if (key.Expression is not ColumnRef col)
                {
                    throw new SqlException(SqlState.FeatureNotSupported, "indexes on expressions are not supported", key.Position);
                }

                var c = table.FindColumn(col.Name) ?? throw new SqlException(SqlState.UndefinedColumn, $"column \"{col.Name}\" does not exist", col.Position);
                keys.Add(c.AttributeNumber);
            }

            var operatorClasses = create.Keys.Select(k => k.OperatorClass).ToList();
            if (vector)
            {
                operatorClasses = ValidateVectorIndex(create, method, table, keys);
            }

            string name = create.Name ?? $"{table.Name}_{string.Join("_", keys.Select(k => table.ColumnOf(k).Name))}_idx";
            if (create.Name is null)
            {
                string baseName = name;
                for (int i = 1; catalog.RelationExists(name); i++)
                {
                    name = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            if (catalog.RelationExists(name))
            {
                if (create.IfNotExists)
                {
                    notices.Add($"relation \"{name}\" already exists, skipping");
                    return CatalogChange.Of(catalog);
                }

                throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
            }

            created = new IndexInfo(catalog.NextOid, name, table.Oid, vector ? "diskann" : method, keys)
            {
                OperatorClasses = operatorClasses,
                DeclaredMethod = vector && method != "diskann" ? method : null,
                Options = create.Options,
                IsUnique = create.Unique,
            };
            var updated = table with { Indexes = [.. table.Indexes, created] };
            return CatalogChange.Of(catalog with { Tables = catalog.Tables.SetItem(table.Oid, updated), NextOid = catalog.NextOid + 1 });
        }, ct);

        if (vector && created is not null)
        {
            if (method != "diskann")
            {
                await NoticeAsync($"{method} index \"{created.Name}\" is built as a diskann index", notices, ct);
            }

            await BuildVectorIndexAsync(created, notices, ct);
        }

        return new StatementResult { Tag = _ => "CREATE INDEX", Notices = notices };
    }

    /// <summary>
    /// Checks a diskann (or hnsw/ivfflat, built as diskann) index definition as pgvector and PostgreSQL do, and returns the
    /// operator classes with the default filled in. The first key is the vector column, an optional second the labels.
    /// </summary>
    private static List<string?> ValidateVectorIndex(CreateIndexStatement create, string method, TableInfo table, List<short> keys)
    {
        if (create.Unique)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"access method \"{method}\" does not support unique indexes");
        }

        if (create.Where is not null)
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"access method \"{method}\" does not support partial indexes in AnnSql");
        }

        if (keys.Count > 2)
        {
            throw new SqlException(SqlState.ProgramLimitExceeded, "a diskann index has at most two columns: the vector and its labels");
        }

        var column = table.ColumnOf(keys[0]);
        string typeName = column.Type.WithoutModifier().TypeName;
        string? opclass = create.Keys[0].OperatorClass?.ToLowerInvariant();
        if (opclass is null)
        {
            if (method != "diskann" || column.Type.Kind is not (SqlTypeKind.Vector or SqlTypeKind.HalfVec))
            {
                throw new SqlException(SqlState.UndefinedObject, $"data type {typeName} has no default operator class for access method \"{method}\"",
                    hint: "You must specify an operator class for the index or define a default operator class for the data type.");
            }

            // pgvectorscale's default operator class is the cosine one.
            opclass = column.Type.Kind == SqlTypeKind.HalfVec ? "halfvec_cosine_ops" : "vector_cosine_ops";
        }

        if (DiskAnnIndexOptions.OperatorClass(opclass) is not { } op)
        {
            throw new SqlException(SqlState.UndefinedObject, $"operator class \"{opclass}\" does not exist for access method \"{method}\"");
        }

        if (op.ElementType != column.Type.Kind)
        {
            throw new SqlException(SqlState.DatatypeMismatch, $"operator class \"{opclass}\" does not accept data type {typeName}");
        }

        if (column.Type.Modifier < 0)
        {
            throw new SqlException(SqlState.InvalidParameterValue, "column does not have dimensions");
        }

        if (keys.Count == 2)
        {
            var labels = table.ColumnOf(keys[1]);
            var kind = labels.Type.Kind == SqlTypeKind.Array ? labels.Type.Element!.Kind : labels.Type.Kind;
            if (kind is not (SqlTypeKind.Int2 or SqlTypeKind.Int4))
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"label column \"{labels.Name}\" of a diskann index must be smallint, integer, smallint[] or integer[], not {labels.Type.DisplayName}");
            }
        }

        // The WITH options are checked here, before the catalog changes (22023 for a bad one).
        _ = DiskAnnIndexOptions.Parse(create.Options);
        return [opclass, .. keys.Skip(1).Select(_ => (string?)null)];
    }

    /// <summary>
    /// Builds a new diskann index on all cores, sending a NOTICE at every tenth of the work while it runs and publishing
    /// progress in pg_stat_progress_create_index. A failed or cancelled build removes the index again.
    /// </summary>
    private async ValueTask BuildVectorIndexAsync(IndexInfo info, List<string> notices, CancellationToken ct)
    {
        var table = Database.GetTable(info.TableOid);
        var index = table.VectorIndexes.First(v => v.Info.Oid == info.Oid);
        var progress = new IndexBuildProgress(ProcessId, info.TableOid, info.Oid);
        Database.IndexBuilds[info.Oid] = progress;
        try
        {
            long budget = Settings.GetBytes("maintenance_work_mem");
            var build = Task.Run(() => index.Build(Environment.ProcessorCount, progress, ct, budget), ct);
            int reported = 0;
            while (await Task.WhenAny(build, Task.Delay(250, ct)) != build)
            {
                int tenth = progress.Percent / 10;
                if (tenth > reported && tenth < 10)
                {
                    reported = tenth;
                    await NoticeAsync($"diskann index \"{info.Name}\": {progress.Percent}% built ({progress.Describe()})", notices, ct);
                }
            }

            await build;
            Database.RequestCheckpoint();
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ArgumentException or OutOfMemoryException)
        {
            await Database.ChangeCatalogAsync(c => c.Tables.TryGetValue(info.TableOid, out var t)
                ? CatalogChange.Of(c with { Tables = c.Tables.SetItem(t.Oid, t with { Indexes = [.. t.Indexes.Where(i => i.Oid != info.Oid)] }) })
                : CatalogChange.Of(c), CancellationToken.None);
            throw;
        }
        finally
        {
            Database.IndexBuilds.TryRemove(info.Oid, out _);
        }
    }
}
