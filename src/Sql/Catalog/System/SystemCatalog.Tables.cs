using System.Collections.Frozen;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Catalog.System;

public static partial class SystemCatalog
{
    private static readonly SqlType Oid = SqlType.Oid;
    private static readonly SqlType Name = SqlType.Name;
    private static readonly SqlType Bool = SqlType.Bool;
    private static readonly SqlType Ch = SqlType.InternalChar;
    private static readonly SqlType I2 = SqlType.Int2;
    private static readonly SqlType I4 = SqlType.Int4;
    private static readonly SqlType Text = SqlType.Text;

    /// <summary>information_schema.character_data: a domain over varchar, so clients see character varying.</summary>
    private static readonly SqlType CharacterData = SqlType.Varchar;

    /// <summary>information_schema.yes_or_no: a domain over varchar(3).</summary>
    private static readonly SqlType YesOrNo = SqlType.Varchar with { Modifier = 3 + 4 };

    private static FrozenDictionary<string, SystemTable> BuildTables()
    {
        uint next = 1200;
        var list = new List<SystemTable>();
        void Add(string schema, string name, OutputColumn[] columns, Func<QueryContext, IEnumerable<object?[]>> rows) =>
            list.Add(new SystemTable(schema, name, next++, columns, rows));

        Add("pg_catalog", "pg_namespace", [C("oid", Oid), C("nspname", Name), C("nspowner", Oid), C("nspacl", Text)], _ =>
        [
            [PgCatalogNamespace, "pg_catalog", SuperuserOid, null],
            [PublicNamespace, "public", DatabaseOwnerRole, null],
            [InformationSchemaNamespace, "information_schema", SuperuserOid, null],
            [PgToastNamespace, "pg_toast", SuperuserOid, null],
        ]);

        Add("pg_catalog", "pg_type", [C("oid", Oid), C("typname", Name), C("typnamespace", Oid), C("typowner", Oid), C("typlen", I2),
            C("typbyval", Bool), C("typtype", Ch), C("typcategory", Ch), C("typispreferred", Bool), C("typisdefined", Bool),
            C("typdelim", Ch), C("typrelid", Oid), C("typsubscript", SqlType.RegProc), C("typelem", Oid), C("typarray", Oid),
            C("typinput", SqlType.RegProc), C("typoutput", SqlType.RegProc), C("typreceive", SqlType.RegProc), C("typsend", SqlType.RegProc),
            C("typmodin", SqlType.RegProc), C("typmodout", SqlType.RegProc), C("typanalyze", SqlType.RegProc), C("typalign", Ch),
            C("typstorage", Ch), C("typnotnull", Bool), C("typbasetype", Oid), C("typtypmod", I4), C("typndims", I4),
            C("typcollation", Oid), C("typdefaultbin", Text), C("typdefault", Text), C("typacl", Text)], _ => TypeRows());

        Add("pg_catalog", "pg_proc", [C("oid", Oid), C("proname", Name), C("pronamespace", Oid), C("proowner", Oid), C("prolang", Oid),
            C("prokind", Ch), C("prorettype", Oid), C("pronargs", I2), C("proretset", Bool), C("proargtypes", SqlType.OidVector)], _ => ProcRows());

        Add("pg_catalog", "pg_range", [C("rngtypid", Oid), C("rngsubtype", Oid), C("rngmultitypid", Oid), C("rngcollation", Oid),
            C("rngsubopc", Oid), C("rngcanonical", SqlType.RegProc), C("rngsubdiff", SqlType.RegProc)], _ => []);

        Add("pg_catalog", "pg_enum", [C("oid", Oid), C("enumtypid", Oid), C("enumsortorder", SqlType.Float4), C("enumlabel", Name)], _ => []);

        Add("pg_catalog", "pg_class", [C("oid", Oid), C("relname", Name), C("relnamespace", Oid), C("reltype", Oid), C("reloftype", Oid),
            C("relowner", Oid), C("relam", Oid), C("relfilenode", Oid), C("reltablespace", Oid), C("relpages", I4), C("reltuples", SqlType.Float4),
            C("relallvisible", I4), C("reltoastrelid", Oid), C("relhasindex", Bool), C("relisshared", Bool), C("relpersistence", Ch),
            C("relkind", Ch), C("relnatts", I2), C("relchecks", I2), C("relhasrules", Bool), C("relhastriggers", Bool),
            C("relhassubclass", Bool), C("relrowsecurity", Bool), C("relforcerowsecurity", Bool), C("relispopulated", Bool),
            C("relreplident", Ch), C("relispartition", Bool), C("relrewrite", Oid), C("relfrozenxid", SqlType.Int8),
            C("relminmxid", SqlType.Int8), C("relacl", Text), C("reloptions", SqlType.ArrayOf(Text)), C("relpartbound", Text)], ClassRows);

        Add("pg_catalog", "pg_attribute", [C("attrelid", Oid), C("attname", Name), C("atttypid", Oid), C("attstattarget", I4),
            C("attlen", I2), C("attnum", I2), C("attndims", I4), C("attcacheoff", I4), C("atttypmod", I4), C("attbyval", Bool),
            C("attalign", Ch), C("attstorage", Ch), C("attcompression", Ch), C("attnotnull", Bool), C("atthasdef", Bool),
            C("atthasmissing", Bool), C("attidentity", Ch), C("attgenerated", Ch), C("attisdropped", Bool), C("attislocal", Bool),
            C("attinhcount", I4), C("attcollation", Oid), C("attacl", Text), C("attoptions", SqlType.ArrayOf(Text)),
            C("attfdwoptions", SqlType.ArrayOf(Text)), C("attmissingval", Text)], AttributeRows);

        Add("pg_catalog", "pg_index", [C("indexrelid", Oid), C("indrelid", Oid), C("indnatts", I2), C("indnkeyatts", I2),
            C("indisunique", Bool), C("indnullsnotdistinct", Bool), C("indisprimary", Bool), C("indisexclusion", Bool),
            C("indimmediate", Bool), C("indisclustered", Bool), C("indisvalid", Bool), C("indcheckxmin", Bool), C("indisready", Bool),
            C("indislive", Bool), C("indisreplident", Bool), C("indkey", SqlType.Int2Vector), C("indcollation", SqlType.OidVector),
            C("indclass", SqlType.OidVector), C("indoption", SqlType.Int2Vector), C("indexprs", Text), C("indpred", Text)], IndexRows);

        Add("pg_catalog", "pg_am", [C("oid", Oid), C("amname", Name), C("amhandler", SqlType.RegProc), C("amtype", Ch)], _ =>
        [
            [2u, "heap", 0u, "t"], [403u, "btree", 0u, "i"], [405u, "hash", 0u, "i"], [AccessMethodOid("diskann"), "diskann", 0u, "i"],
            [AccessMethodOid("hnsw"), "hnsw", 0u, "i"], [AccessMethodOid("ivfflat"), "ivfflat", 0u, "i"],
        ]);

        Add("pg_catalog", "pg_database", [C("oid", Oid), C("datname", Name), C("datdba", Oid), C("encoding", I4),
            C("datlocprovider", Ch), C("datistemplate", Bool), C("datallowconn", Bool), C("datconnlimit", I4), C("datfrozenxid", SqlType.Int8),
            C("datminmxid", SqlType.Int8), C("dattablespace", Oid), C("datcollate", Name), C("datctype", Name), C("daticulocale", Text),
            C("datcollversion", Text), C("datacl", SqlType.ArrayOf(Text))], ctx => ctx.Session.Database.Catalog.Databases.Select((d, i) => new object?[]
            {
                DatabaseOid(d, i), d, SuperuserOid, 6, "c",
                d.StartsWith("template", StringComparison.Ordinal), d != "template0", -1, 0L, 1L, 1663u, "C.UTF-8", "C.UTF-8", null, null,
                // initdb revokes public CREATE/TEMP on the templates (aclitem[] shown as text[]); other databases keep the default (NULL).
                d.StartsWith("template", StringComparison.Ordinal) ? new object?[] { "=c/postgres", "postgres=CTc/postgres" } : null,
            }));

        Add("pg_catalog", "pg_extension", [C("oid", Oid), C("extname", Name), C("extowner", Oid), C("extnamespace", Oid),
            C("extrelocatable", Bool), C("extversion", Text), C("extconfig", Text), C("extcondition", Text)],
            ctx => ctx.Session.Database.Catalog.Extensions.Select(e => new object?[]
            {
                ExtensionOid(e), e, SuperuserOid, e == "plpgsql" ? PgCatalogNamespace : PublicNamespace, false, ExtensionVersion(e), null, null,
            }));

        Add("pg_catalog", "pg_settings", [C("name", Text), C("setting", Text), C("unit", Text), C("category", Text), C("short_desc", Text),
            C("context", Text), C("vartype", Text), C("source", Text), C("boot_val", Text), C("reset_val", Text)],
            ctx => ctx.Session.Settings.All.Select(s => new object?[] { s.Name, s.Value, null, "Customized Options", s.Description, "user", s.VarType, "default", s.Default, s.Default }));

        Add("pg_catalog", "pg_constraint", [C("oid", Oid), C("conname", Name), C("connamespace", Oid), C("contype", Ch),
            C("condeferrable", Bool), C("condeferred", Bool), C("convalidated", Bool), C("conrelid", Oid), C("contypid", Oid),
            C("conindid", Oid), C("conparentid", Oid), C("confrelid", Oid), C("conkey", SqlType.ArrayOf(I2)), C("confkey", SqlType.ArrayOf(I2)),
            C("conislocal", Bool), C("coninhcount", I4), C("connoinherit", Bool)], ConstraintRows);

        Add("pg_catalog", "pg_attrdef", [C("oid", Oid), C("adrelid", Oid), C("adnum", I2), C("adbin", Text)], AttrDefRows);

        Add("pg_catalog", "pg_roles", [C("rolname", Name), C("rolsuper", Bool), C("rolinherit", Bool), C("rolcreaterole", Bool),
            C("rolcreatedb", Bool), C("rolcanlogin", Bool), C("rolreplication", Bool), C("rolconnlimit", I4), C("rolpassword", Text),
            C("rolvaliduntil", SqlType.TimestampTz), C("rolbypassrls", Bool), C("rolconfig", SqlType.ArrayOf(Text)), C("oid", Oid)],
            ctx => [["postgres", true, true, true, true, true, true, -1, "********", null, true, null, SuperuserOid]]);
        Add("pg_catalog", "pg_user", [C("usename", Name), C("usesysid", Oid), C("usecreatedb", Bool), C("usesuper", Bool)],
            _ => [["postgres", SuperuserOid, true, true]]);

        Add("pg_catalog", "pg_tablespace", [C("oid", Oid), C("spcname", Name), C("spcowner", Oid), C("spcacl", SqlType.ArrayOf(Text)),
            C("spcoptions", SqlType.ArrayOf(Text))], _ => [[1663u, "pg_default", SuperuserOid, null, null], [1664u, "pg_global", SuperuserOid, null, null]]);

        // Comments: the ones CREATE EXTENSION sets from each extension's control file (psql's \dx reads them).
        Add("pg_catalog", "pg_description", EmptyColumns("pg_description"), ctx => ctx.Session.Database.Catalog.Extensions
            .Where(e => ExtensionComment(e) is not null)
            .Select(e => new object?[] { ExtensionOid(e), Tables["pg_catalog.pg_extension"].Oid, 0, ExtensionComment(e) }));

        foreach (var empty in new[] { "pg_depend", "pg_policy", "pg_statistic_ext", "pg_publication", "pg_publication_rel",
            "pg_publication_namespace", "pg_inherits", "pg_trigger", "pg_rewrite", "pg_collation", "pg_foreign_table", "pg_partitioned_table",
            "pg_sequence", "pg_event_trigger", "pg_shdescription", "pg_init_privs", "pg_seclabel", "pg_opclass", "pg_operator", "pg_cast",
            "pg_authid", "pg_auth_members", "pg_locks", "pg_stat_activity", "pg_prepared_statements", "pg_cursors" })
        {
            Add("pg_catalog", empty, EmptyColumns(empty), _ => []);
        }

        Add("pg_catalog", "pg_stat_progress_create_index", EmptyColumns("pg_stat_progress_create_index"),
            ctx => ctx.Session.Database.IndexBuilds.Values.Select(p => new object?[]
            {
                p.ProcessId, DatabaseOid(ctx.Session.DatabaseName, ctx.Session.Database.Catalog.Databases.IndexOf(ctx.Session.DatabaseName)),
                ctx.Session.DatabaseName, p.TableOid, p.IndexOid, "CREATE INDEX", p.Phase,
                p.Latest.PointsTotal, p.Latest.PointsDone,
            }));

        // One row per diskann index: where it lives, its points, and what it holds in memory (resident_bytes: graph or
        // delta, maps, and for storage = 'disk' the PQ codes, codebooks, hot-node cache and tombstones; file_bytes: the disk file).
        Add("pg_catalog", "diskann_index_stats", [C("indexrelid", Oid), C("indexname", Name), C("relname", Name), C("storage", Text),
            C("state", Text), C("points", SqlType.Int8), C("delta_points", SqlType.Int8), C("deleted_points", SqlType.Int8),
            C("resident_bytes", SqlType.Int8), C("file_bytes", SqlType.Int8), C("cached_nodes", SqlType.Int8), C("pq_chunks", I4),
            C("build_partitions", I4), C("build_peak_bytes", SqlType.Int8), C("build_seconds", SqlType.Float8), C("merges", I4),
            C("direct_io", Bool), C("disk_searches", SqlType.Int8), C("sector_reads", SqlType.Int8), C("cache_hits", SqlType.Int8)],
            ctx => ctx.Session.Database.Catalog.Tables.Values.OrderBy(t => t.Oid).SelectMany(t => ctx.Session.Database.GetTable(t.Oid).VectorIndexes
                .Select(v => DiskAnnIndexRow(t, v))));

        Add("information_schema", "tables", [C("table_catalog", Name), C("table_schema", Name), C("table_name", Name), C("table_type", CharacterData),
            C("self_referencing_column_name", Name), C("reference_generation", CharacterData), C("user_defined_type_catalog", Name),
            C("user_defined_type_schema", Name), C("user_defined_type_name", Name), C("is_insertable_into", YesOrNo), C("is_typed", YesOrNo),
            C("commit_action", CharacterData)], ctx => ctx.Session.Database.Catalog.Tables.Values.OrderBy(t => t.Oid).Select(t => new object?[]
            {
                ctx.Session.DatabaseName, t.Schema, t.Name, "BASE TABLE", null, null, null, null, null, "YES", "NO", null,
            }));

        Add("information_schema", "columns", [C("table_catalog", Name), C("table_schema", Name), C("table_name", Name), C("column_name", Name),
            C("ordinal_position", I4), C("column_default", CharacterData), C("is_nullable", YesOrNo), C("data_type", CharacterData),
            C("character_maximum_length", I4), C("numeric_precision", I4), C("numeric_scale", I4), C("udt_catalog", Name),
            C("udt_schema", Name), C("udt_name", Name), C("is_identity", YesOrNo), C("identity_generation", CharacterData), C("is_generated", CharacterData)],
            ctx => ctx.Session.Database.Catalog.Tables.Values.OrderBy(t => t.Oid).SelectMany(t => t.Columns.Select(c => new object?[]
            {
                ctx.Session.DatabaseName, t.Schema, t.Name, c.Name, (int)c.AttributeNumber, c.DefaultSql, c.NotNull ? "NO" : "YES",
                c.Type.IsArray ? "ARRAY" : IsUserType(c.Type) ? "USER-DEFINED" : c.Type.WithoutModifier().DisplayName,
                c.Type.Kind is SqlTypeKind.Varchar or SqlTypeKind.Char && c.Type.Modifier >= 4 ? c.Type.Modifier - 4 : null, null, null,
                ctx.Session.DatabaseName, IsUserType(c.Type) ? "public" : "pg_catalog", c.Type.TypeName,
                c.Identity != '\0' ? "YES" : "NO", c.Identity == 'a' ? "ALWAYS" : c.Identity == 'd' ? "BY DEFAULT" : null, "NEVER",
            })));

        Add("information_schema", "schemata", [C("catalog_name", Name), C("schema_name", Name), C("schema_owner", Name)],
            ctx => new[] { "pg_catalog", "public", "information_schema" }.Select(s => new object?[] { ctx.Session.DatabaseName, s, "postgres" }));

        return list.ToFrozenDictionary(t => t.Schema + "." + t.Name);
    }

    /// <summary>OID of PostgreSQL's predefined role <c>pg_database_owner</c>, which owns schema public since PostgreSQL 14.</summary>
    public const uint DatabaseOwnerRole = 6171;

    /// <summary>The comments initdb puts on the default databases (pg_shdescription; psql's \l+ shows them).</summary>
    internal static string? DatabaseComment(string name) => name switch
    {
        "postgres" => "default administrative connection database",
        "template0" => "unmodifiable empty database",
        "template1" => "default template for new databases",
        _ => null,
    };

    private static OutputColumn[] EmptyColumns(string table) => table switch
    {
        "pg_depend" => [C("classid", Oid), C("objid", Oid), C("objsubid", I4), C("refclassid", Oid), C("refobjid", Oid), C("refobjsubid", I4), C("deptype", Ch)],
        "pg_description" => [C("objoid", Oid), C("classoid", Oid), C("objsubid", I4), C("description", Text)],
        "pg_policy" => [C("oid", Oid), C("polname", Name), C("polrelid", Oid), C("polcmd", Ch), C("polpermissive", Bool), C("polroles", SqlType.ArrayOf(Oid)), C("polqual", Text), C("polwithcheck", Text)],
        "pg_statistic_ext" => [C("oid", Oid), C("stxrelid", Oid), C("stxname", Name), C("stxnamespace", Oid), C("stxowner", Oid), C("stxstattarget", I4), C("stxkeys", SqlType.Int2Vector), C("stxkind", SqlType.ArrayOf(Ch))],
        "pg_publication" => [C("oid", Oid), C("pubname", Name), C("pubowner", Oid), C("puballtables", Bool), C("pubinsert", Bool), C("pubupdate", Bool), C("pubdelete", Bool), C("pubtruncate", Bool), C("pubviaroot", Bool)],
        "pg_publication_rel" => [C("oid", Oid), C("prpubid", Oid), C("prrelid", Oid), C("prqual", Text), C("prattrs", SqlType.Int2Vector)],
        "pg_publication_namespace" => [C("oid", Oid), C("pnpubid", Oid), C("pnnspid", Oid)],
        "pg_auth_members" => [C("roleid", Oid), C("member", Oid), C("grantor", Oid), C("admin_option", Bool)],
        "pg_inherits" => [C("inhrelid", Oid), C("inhparent", Oid), C("inhseqno", I4), C("inhdetachpending", Bool)],
        "pg_trigger" => [C("oid", Oid), C("tgrelid", Oid), C("tgparentid", Oid), C("tgname", Name), C("tgfoid", Oid), C("tgtype", I2), C("tgenabled", Ch), C("tgisinternal", Bool), C("tgconstraint", Oid)],
        "pg_collation" => [C("oid", Oid), C("collname", Name), C("collnamespace", Oid), C("collowner", Oid), C("collprovider", Ch), C("collisdeterministic", Bool), C("collencoding", I4), C("collcollate", Name), C("collctype", Name)],
        "pg_sequence" => [C("seqrelid", Oid), C("seqtypid", Oid), C("seqstart", SqlType.Int8), C("seqincrement", SqlType.Int8), C("seqmax", SqlType.Int8), C("seqmin", SqlType.Int8), C("seqcache", SqlType.Int8), C("seqcycle", Bool)],
        "pg_opclass" => [C("oid", Oid), C("opcmethod", Oid), C("opcname", Name), C("opcnamespace", Oid), C("opcowner", Oid), C("opcfamily", Oid), C("opcintype", Oid), C("opcdefault", Bool), C("opckeytype", Oid)],
        "pg_stat_progress_create_index" => [C("pid", I4), C("datid", Oid), C("datname", Name), C("relid", Oid), C("index_relid", Oid), C("command", Text), C("phase", Text), C("tuples_total", SqlType.Int8), C("tuples_done", SqlType.Int8)],
        "pg_stat_activity" => [C("datid", Oid), C("datname", Name), C("pid", I4), C("usename", Name), C("application_name", Text), C("client_addr", Text), C("state", Text), C("query", Text)],
        "pg_prepared_statements" => [C("name", Text), C("statement", Text), C("prepare_time", SqlType.TimestampTz), C("parameter_types", SqlType.ArrayOf(SqlType.RegType)), C("from_sql", Bool)],
        _ => [C("oid", Oid)],
    };

    /// <summary>pg_database.oid of the database at <paramref name="index"/> in the catalog's list (PostgreSQL's fixed OIDs for the defaults).</summary>
    internal static uint DatabaseOid(string name, int index) =>
        name == "postgres" ? 5u : name == "template1" ? 1u : name == "template0" ? 4u : 16400u + (uint)Math.Max(index, 0);

    internal static uint AccessMethodOid(string method) => method switch
    {
        "btree" => 403,
        "hash" => 405,
        "diskann" => 16600,
        "hnsw" => 16601,
        "ivfflat" => 16602,
        _ => 403,
    };

    private static uint ExtensionOid(string name) => name switch
    {
        "plpgsql" => 13500,
        _ => 16700 + (uint)(Math.Abs(string.GetHashCode(name, StringComparison.Ordinal)) % 100),
    };

    private static string ExtensionVersion(string name) => name switch
    {
        "plpgsql" => "1.0",
        "vector" => "0.8.6",
        "vectorscale" => "0.7.0",
        "pg_diskann" => "0.1.0",
        _ => "1.0",
    };

    /// <summary>The comment of an extension's control file (pg_description of its pg_extension row); null when it has none here.</summary>
    private static string? ExtensionComment(string name) => name switch
    {
        "plpgsql" => "PL/pgSQL procedural language",
        "vector" => "vector data type and ivfflat and hnsw access methods",
        "vectorscale" => "diskann access method for vector search",
        _ => null,
    };

    /// <summary>
    /// pg_type.typstorage (and so pg_attribute.attstorage): <c>p</c> plain for fixed-length types, <c>e</c> external for pgvector's
    /// vector, halfvec and sparsevec (their CREATE TYPE says STORAGE = external), <c>m</c> main for numeric, else <c>x</c> extended.
    /// </summary>
    internal static string Storage(SqlType t) =>
        t.IsArray ? "x" : t.TypeLength > 0 ? "p" : t.IsVector ? "e" : t.Kind == SqlTypeKind.Numeric ? "m" : "x";

    private static IEnumerable<object?[]> TypeRows()
    {
        foreach (var t in AllTypes)
        {
            bool isArray = t.IsArray;
            uint ns = IsUserType(t) ? PublicNamespace : PgCatalogNamespace;
            string typtype = t.Kind is SqlTypeKind.Void or SqlTypeKind.Record or SqlTypeKind.Unknown ? "p" : "b";
            short len = isArray ? (short)-1 : t.TypeLength;
            yield return
            [
                t.TypeOid, t.TypeName, ns, SuperuserOid, len, len is > 0 and <= 8 && t.Kind != SqlTypeKind.Name, typtype, Category(t),
                t.Kind is SqlTypeKind.Text or SqlTypeKind.Float8 or SqlTypeKind.Bool or SqlTypeKind.TimestampTz or SqlTypeKind.Oid,
                true, ",", 0u, 0u, isArray ? t.Element!.TypeOid : t.Kind switch { SqlTypeKind.Int2Vector => TypeOids.Int2, SqlTypeKind.OidVector => TypeOids.Oid, SqlTypeKind.Name => TypeOids.InternalChar, _ => 0u },
                isArray ? 0u : TypeOids.ArrayOf(t.Kind), ProcBase + 1u, ProcBase + 2u, ReceiveProcOid(t), ProcBase + 3u, 0u, 0u, 0u,
                len == 8 ? "d" : len == 2 ? "s" : len == 1 ? "c" : "i", Storage(t), false, 0u, -1, 0,
                t.IsString && t.Kind != SqlTypeKind.InternalChar ? 100u : 0u, null, null, null,
            ];
        }
    }

    private static IEnumerable<object?[]> ProcRows()
    {
        yield return [ArrayRecvProc, "array_recv", PgCatalogNamespace, SuperuserOid, 12u, "f", 2277u, (short)3, false, Array.Empty<uint>()];
        foreach (var t in AllTypes.Where(t => !t.IsArray))
        {
            yield return [ReceiveProcOid(t), t.TypeName + "_recv", IsUserType(t) ? PublicNamespace : PgCatalogNamespace, SuperuserOid, 12u, "f", t.TypeOid, (short)1, false, Array.Empty<uint>()];
        }
    }

    private static IEnumerable<object?[]> ClassRows(QueryContext ctx)
    {
        var catalog = ctx.Session.Database.Catalog;
        foreach (var t in catalog.Tables.Values.OrderBy(t => t.Oid))
        {
            long rows = ctx.Session.Database.GetTable(t.Oid).Data.SlotCount;
            yield return ClassRow(t.Oid, t.Name, PublicNamespace, t.RowTypeOid, 2u, t.Indexes.Count > 0, "r", (short)t.Columns.Count, rows, null);
            foreach (var i in t.Indexes)
            {
                var options = i.Options.Count == 0 ? null : i.Options.Select(o => (object?)(o.Key + "=" + o.Value)).ToArray();
                yield return ClassRow(i.Oid, i.Name, PublicNamespace, 0u, AccessMethodOid(i.ShownMethod), false, "i", (short)i.KeyColumns.Count, rows, options);
            }
        }

        foreach (var s in Tables.Values)
        {
            uint ns = s.Schema == "pg_catalog" ? PgCatalogNamespace : InformationSchemaNamespace;
            yield return ClassRow(s.Oid, s.Name, ns, 0u, s.Schema == "pg_catalog" ? 2u : 0u, false, s.Schema == "pg_catalog" ? "r" : "v", (short)s.Columns.Count, 0, null);
        }
    }

    private static object?[] ClassRow(uint oid, string name, uint ns, uint reltype, uint am, bool hasIndex, string kind, short natts, long rows, object?[]? options) =>
    [
        oid, name, ns, reltype, 0u, SuperuserOid, kind == "i" ? am : kind == "r" ? 2u : 0u, oid, 0u, 0, (float)rows, 0, 0u, hasIndex, false, "p",
        kind, natts, (short)0, false, false, false, false, false, true, "d", false, 0u, 0L, 1L, null, options, null,
    ];

    private static IEnumerable<object?[]> AttributeRows(QueryContext ctx)
    {
        var catalog = ctx.Session.Database.Catalog;
        foreach (var t in catalog.Tables.Values.OrderBy(t => t.Oid))
        {
            foreach (var c in t.Columns)
            {
                yield return AttributeRow(t.Oid, c.Name, c.Type, c.AttributeNumber, c.NotNull, c.DefaultSql is not null, c.Identity, c.Storage);
            }

            foreach (var i in t.Indexes)
            {
                short n = 1;
                foreach (var k in i.KeyColumns)
                {
                    var col = t.ColumnOf(k);
                    yield return AttributeRow(i.Oid, col.Name, col.Type, n++, false, false, '\0');
                }
            }
        }

        foreach (var s in Tables.Values)
        {
            short n = 1;
            foreach (var c in s.Columns)
            {
                yield return AttributeRow(s.Oid, c.Name, c.Type, n++, false, false, '\0');
            }
        }
    }

    private static object?[] AttributeRow(uint rel, string name, SqlType type, short num, bool notNull, bool hasDefault, char identity,
        string? storage = null) =>
    [
        rel, name, type.TypeOid, -1, type.IsArray ? (short)-1 : type.TypeLength, num, type.IsArray ? 1 : 0, -1, type.Modifier,
        type.TypeLength is > 0 and <= 8, "i", storage ?? Storage(type), "\0", notNull, hasDefault, false,
        identity == '\0' ? "\0" : identity.ToString(), "\0", false, true, 0, type.IsString && type.Kind != SqlTypeKind.InternalChar ? 100u : 0u,
        null, null, null, null,
    ];

    private static IEnumerable<object?[]> IndexRows(QueryContext ctx)
    {
        foreach (var t in ctx.Session.Database.Catalog.Tables.Values.OrderBy(t => t.Oid))
        {
            foreach (var i in t.Indexes)
            {
                short n = (short)i.KeyColumns.Count;
                yield return
                [
                    i.Oid, t.Oid, n, n, i.IsUnique, false, i.IsPrimary, false, true, false, true, false, true, true, false,
                    i.KeyColumns.ToArray(), new uint[n], new uint[n], new short[n], null, null,
                ];
            }
        }
    }

    private static IEnumerable<object?[]> ConstraintRows(QueryContext ctx)
    {
        foreach (var t in ctx.Session.Database.Catalog.Tables.Values.OrderBy(t => t.Oid))
        {
            foreach (var i in t.Indexes.Where(i => i.IsConstraint))
            {
                yield return
                [
                    i.Oid + 1, i.Name, PublicNamespace, i.IsPrimary ? "p" : "u", false, false, true, t.Oid, 0u, i.Oid, 0u, 0u,
                    i.KeyColumns.Select(k => (object?)k).ToArray(), null, true, 0, true,
                ];
            }
        }
    }

    private static IEnumerable<object?[]> AttrDefRows(QueryContext ctx)
    {
        foreach (var t in ctx.Session.Database.Catalog.Tables.Values.OrderBy(t => t.Oid))
        {
            foreach (var c in t.Columns.Where(c => c.DefaultSql is not null))
            {
                yield return [t.Oid * 100 + (uint)c.AttributeNumber, t.Oid, c.AttributeNumber, c.DefaultSql];
            }
        }
    }

    private static object?[] DiskAnnIndexRow(TableInfo table, Indexing.VectorIndex index)
    {
        var file = index.DiskFile;
        var graph = index.Graph;
        var build = index.LastDiskBuild;
        return
        [
            index.Info.Oid, index.Info.Name, table.Name, index.Options.Storage == Indexing.DiskAnnStorage.Disk ? "disk" : "memory",
            index.State.ToString().ToLowerInvariant(), (long)(file?.LiveCount ?? 0) + (graph?.LiveCount ?? 0), (long)(file is null ? 0 : graph?.LiveCount ?? 0),
            (long)(file?.DeletedCount ?? 0) + (graph?.DeletedCount ?? 0), index.ResidentBytes, file?.FileBytes ?? 0L, (long)(file?.CachedNodes ?? 0),
            file?.Quantizer.Chunks ?? 0, build?.Partitions ?? 0, build?.PeakMemoryBytes ?? 0L, index.BuildTime.TotalSeconds, index.Merges,
            file?.DirectIo ?? false, index.DiskSearches, index.SectorReads, index.CacheHits,
        ];
    }
}
