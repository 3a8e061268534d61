using System.Globalization;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Functions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Catalog.System;

/// <summary>PostgreSQL's system information and catalog functions (docs: "System Information Functions and Operators").</summary>
internal static class SystemFunctions
{
    private static readonly SqlType Any = SqlType.Unknown;

    public static void Register(Action<FunctionDefinition> register)
    {
        void Add(string name, SqlType result, SqlType[] ps, ScalarImplementation impl, bool strict = true) =>
            register(new FunctionDefinition(name, ps, _ => result, impl) { Strict = strict });

        Add("version", SqlType.Text, [], (_, ctx) => $"PostgreSQL {ctx.Execution.Session.Database.Options.ServerVersion} (AnnSql) on x86_64-pc-linux-gnu, compiled by dotnet, 64-bit");
        Add("current_database", SqlType.Name, [], (_, ctx) => ctx.Execution.Session.DatabaseName);
        Add("current_schema", SqlType.Name, [], (_, _) => "public");
        Add("current_schemas", SqlType.ArrayOf(SqlType.Name), [SqlType.Bool], (a, _) => (bool)a[0]! ? new object?[] { "pg_catalog", "public" } : ["public"]);
        Add("current_user", SqlType.Name, [], (_, ctx) => ctx.Execution.Session.User);
        Add("session_user", SqlType.Name, [], (_, ctx) => ctx.Execution.Session.User);
        Add("pg_backend_pid", SqlType.Int4, [], (_, ctx) => ctx.Execution.Session.ProcessId);
        Add("txid_current", SqlType.Int8, [], (_, ctx) => ctx.Execution.Session.Database.VisibleSequence + 1);
        Add("pg_is_in_recovery", SqlType.Bool, [], (_, _) => false);

        // Advisory locks are never taken, so there is nothing to release (Npgsql's pooled-connection reset calls this).
        Add("pg_advisory_unlock_all", SqlType.Void, [], (_, _) => null, strict: false);
        Add("inet_server_port", SqlType.Int4, [], (_, _) => null, strict: false);
        Add("current_setting", SqlType.Text, [SqlType.Text], (a, ctx) => ctx.Execution.Session.Settings.Get((string)a[0]!, missingOk: false));
        Add("current_setting", SqlType.Text, [SqlType.Text, SqlType.Bool], (a, ctx) => ctx.Execution.Session.Settings.Get((string)a[0]!, missingOk: (bool)a[1]!));
        Add("set_config", SqlType.Text, [SqlType.Text, SqlType.Text, SqlType.Bool], (a, ctx) =>
        {
            ctx.Execution.Session.Settings.Set((string)a[0]!, (string)a[1]!);
            return ctx.Execution.Session.Settings.Get((string)a[0]!, false);
        });
        Add("format_type", SqlType.Text, [SqlType.Oid, SqlType.Int4], (a, _) => FormatType(a[0] is null ? null : (uint)a[0]!, a[1] is null ? -1 : (int)a[1]!), strict: false);
        Add("pg_get_userbyid", SqlType.Name, [SqlType.Oid], (a, _) => (uint)a[0]! == SystemCatalog.DatabaseOwnerRole ? "pg_database_owner" : "postgres");
        Add("pg_has_role", SqlType.Bool, [Any, Any], (_, _) => true);
        Add("pg_has_role", SqlType.Bool, [Any, Any, Any], (_, _) => true);
        Add("pg_encoding_to_char", SqlType.Name, [SqlType.Int4], (a, _) => (int)a[0]! == 6 ? "UTF8" : "SQL_ASCII");
        Add("pg_table_is_visible", SqlType.Bool, [SqlType.Oid], (_, _) => true);
        Add("pg_type_is_visible", SqlType.Bool, [SqlType.Oid], (_, _) => true);
        Add("pg_function_is_visible", SqlType.Bool, [SqlType.Oid], (_, _) => true);
        Add("pg_relation_is_publishable", SqlType.Bool, [SqlType.Oid], (_, _) => false);
        Add("has_table_privilege", SqlType.Bool, [Any, Any], (_, _) => true);
        Add("has_table_privilege", SqlType.Bool, [Any, Any, Any], (_, _) => true);
        Add("has_schema_privilege", SqlType.Bool, [Any, Any], (_, _) => true);
        Add("has_database_privilege", SqlType.Bool, [Any, Any], (_, _) => true);
        Add("pg_column_is_updatable", SqlType.Bool, [SqlType.RegClass, SqlType.Int2, SqlType.Bool], (_, _) => true);
        Add("obj_description", SqlType.Text, [SqlType.Oid], (_, _) => null);
        Add("obj_description", SqlType.Text, [SqlType.Oid, SqlType.Name], (_, _) => null);
        Add("col_description", SqlType.Text, [SqlType.Oid, SqlType.Int4], (_, _) => null);
        Add("shobj_description", SqlType.Text, [SqlType.Oid, SqlType.Name], (a, ctx) => (string)a[1]! == "pg_database"
            ? ctx.Execution.Session.Database.Catalog.Databases.FirstOrDefault(d => DatabaseOidOf(ctx, d) == (uint)a[0]!) is { } db ? SystemCatalog.DatabaseComment(db) : null
            : null);
        Add("pg_get_expr", SqlType.Text, [SqlType.Text, SqlType.Oid], (a, _) => a[0]);
        Add("pg_get_expr", SqlType.Text, [SqlType.Text, SqlType.Oid, SqlType.Bool], (a, _) => a[0]);
        Add("pg_get_indexdef", SqlType.Text, [SqlType.Oid], (a, ctx) => IndexDef(ctx, (uint)a[0]!));
        Add("pg_get_indexdef", SqlType.Text, [SqlType.Oid, SqlType.Int4, SqlType.Bool], (a, ctx) => IndexDef(ctx, (uint)a[0]!, (int)a[1]!));
        Add("pg_get_constraintdef", SqlType.Text, [SqlType.Oid], (a, ctx) => ConstraintDef(ctx, (uint)a[0]!));
        Add("pg_get_constraintdef", SqlType.Text, [SqlType.Oid, SqlType.Bool], (a, ctx) => ConstraintDef(ctx, (uint)a[0]!));
        Add("pg_get_statisticsobjdef_columns", SqlType.Text, [SqlType.Oid], (_, _) => null);
        Add("pg_total_relation_size", SqlType.Int8, [SqlType.RegClass], (_, _) => 0L);
        Add("pg_relation_size", SqlType.Int8, [SqlType.RegClass], (_, _) => 0L);
        // Sizes are not tracked per relation: psql's \dt+ and \di+ pass pg_class.oid (an oid, which the resolver does not
        // turn into regclass implicitly), so these take any argument and report 0.
        Add("pg_table_size", SqlType.Int8, [Any], (_, _) => 0L);
        Add("pg_indexes_size", SqlType.Int8, [Any], (_, _) => 0L);
        Add("pg_database_size", SqlType.Int8, [SqlType.Name], (_, _) => 0L);
        Add("pg_database_size", SqlType.Int8, [SqlType.Oid], (_, _) => 0L);
        Add("pg_size_pretty", SqlType.Text, [SqlType.Int8], (a, _) => SizePretty((long)a[0]!));
        Add("array_in", SqlType.Text, [Any], (a, _) => a[0]);
    }

    /// <summary>format_type(type_oid, typmod): the SQL display name, e.g. <c>vector(3)</c>, <c>character varying(10)</c>.</summary>
    public static string? FormatType(uint? oid, int typmod)
    {
        if (oid is null)
        {
            return null;
        }

        var t = SystemCatalog.AllTypes.FirstOrDefault(x => x.TypeOid == oid);
        if (t is null)
        {
            return "???";
        }

        if (typmod >= 0 && !t.IsArray)
        {
            t = t with { Modifier = typmod };
        }

        return t.DisplayName;
    }

    /// <summary>
    /// pg_size_pretty(bigint): bytes below 10 kB, else kB, MB, GB, TB, each rounded half away from zero from one extra bit, as
    /// PostgreSQL 15's dbsize.c does (10240 → "10 kB", 1048575 → "1024 kB").
    /// </summary>
    public static string SizePretty(long size)
    {
        const long Limit = 10 * 1024;
        const long Limit2 = (Limit * 2) - 1;
        static long HalfRounded(long x) => (x + (x < 0 ? -1 : 1)) / 2;
        if (Math.Abs(size) < Limit)
        {
            return size.ToString(CultureInfo.InvariantCulture) + " bytes";
        }

        size >>= 9;
        foreach (string unit in new[] { "kB", "MB", "GB" })
        {
            if (Math.Abs(size) < Limit2)
            {
                return HalfRounded(size).ToString(CultureInfo.InvariantCulture) + " " + unit;
            }

            size >>= 10;
        }

        return HalfRounded(size).ToString(CultureInfo.InvariantCulture) + " TB";
    }

    private static uint DatabaseOidOf(EvalContext ctx, string name) =>
        SystemCatalog.DatabaseOid(name, ctx.Execution.Session.Database.Catalog.Databases.IndexOf(name));

    /// <summary>pg_get_indexdef(oid[, column, pretty]): the CREATE INDEX text, or with column &gt; 0 only that key column.</summary>
    private static string? IndexDef(EvalContext ctx, uint oid, int column = 0)
    {
        foreach (var t in ctx.Execution.Session.Database.Catalog.Tables.Values)
        {
            foreach (var i in t.Indexes)
            {
                if (i.Oid != oid)
                {
                    continue;
                }

                if (column > 0)
                {
                    return column <= i.KeyColumns.Count ? BuiltinFunctions.QuoteIdent(t.ColumnOf(i.KeyColumns[column - 1]).Name) : "";
                }

                var keys = i.KeyColumns.Select((k, n) =>
                {
                    var col = BuiltinFunctions.QuoteIdent(t.ColumnOf(k).Name);
                    var opclass = n < i.OperatorClasses.Count ? i.OperatorClasses[n] : null;
                    return opclass is null || IsDefaultOperatorClass(i.ShownMethod, opclass) ? col : col + " " + opclass;
                });
                string with = i.Options.Count == 0 ? "" : " WITH (" + string.Join(", ", i.Options.Select(o => o.Key + "='" + o.Value + "'")) + ")";
                return $"CREATE {(i.IsUnique ? "UNIQUE " : "")}INDEX {BuiltinFunctions.QuoteIdent(i.Name)} ON public.{BuiltinFunctions.QuoteIdent(t.Name)} USING {i.ShownMethod} ({string.Join(", ", keys)}){with}";
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="opclass"/> is the default operator class of its type for <paramref name="method"/>, which
    /// pg_get_indexdef leaves out: pgvector marks vector_l2_ops default for ivfflat only (none for hnsw); pgvectorscale marks the
    /// cosine classes default for diskann.
    /// </summary>
    private static bool IsDefaultOperatorClass(string method, string opclass) => (method, opclass) switch
    {
        ("ivfflat", "vector_l2_ops") => true,
        ("diskann", "vector_cosine_ops" or "halfvec_cosine_ops") => true,
        _ => false,
    };

    private static string? ConstraintDef(EvalContext ctx, uint oid)
    {
        foreach (var t in ctx.Execution.Session.Database.Catalog.Tables.Values)
        {
            foreach (var i in t.Indexes.Where(i => i.Oid + 1 == oid))
            {
                return $"{(i.IsPrimary ? "PRIMARY KEY" : "UNIQUE")} ({string.Join(", ", i.KeyColumns.Select(k => BuiltinFunctions.QuoteIdent(t.ColumnOf(k).Name)))})";
            }
        }

        return null;
    }
}
