using System.Collections.Frozen;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Functions;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Catalog.System;

/// <summary>
/// The virtual <c>pg_catalog</c> and <c>information_schema</c> tables clients read (Npgsql's type loading, psql's \d, EF Core,
/// psycopg and node-postgres type discovery), computed from the catalog snapshot of the reading statement, and the system
/// information functions that go with them. Queries over them run through the ordinary SQL engine.
/// </summary>
public static partial class SystemCatalog
{
    public const uint PgCatalogNamespace = 11;
    public const uint PublicNamespace = 2200;
    public const uint InformationSchemaNamespace = 13183;
    public const uint PgToastNamespace = 99;
    public const uint SuperuserOid = 10;
    public const uint ArrayRecvProc = 2400;
    private const uint ProcBase = 60000;

    private static readonly Lazy<FrozenDictionary<string, SystemTable>> LazyTables = new(BuildTables);

    private static FrozenDictionary<string, SystemTable> Tables => LazyTables.Value;

    /// <summary>Finds a system table by name; <paramref name="schema"/> null searches pg_catalog (always on the search path).</summary>
    public static bool TryGetTable(string? schema, string name, out SystemTable table)
    {
        if (schema is null or "pg_catalog" && Tables.TryGetValue("pg_catalog." + name, out table!))
        {
            return true;
        }

        if (schema == "information_schema" && Tables.TryGetValue("information_schema." + name, out table!))
        {
            return true;
        }

        table = null!;
        return false;
    }

    /// <summary>All system tables (for pg_class).</summary>
    public static IEnumerable<SystemTable> All => Tables.Values;

    private static OutputColumn C(string name, SqlType type) => new(name, type);

    /// <summary>Every type pg_type lists: the built-ins AnnSql supports, their arrays, and pgvector's types.</summary>
    internal static IReadOnlyList<SqlType> AllTypes => LazyTypes.Value;

    private static readonly Lazy<List<SqlType>> LazyTypes = new(BuildTypeList);

    private static List<SqlType> BuildTypeList()
    {
        var scalars = Enum.GetValues<SqlTypeKind>().Where(k => k != SqlTypeKind.Array).Select(k => new SqlType(k)).ToList();
        var arrays = scalars.Where(t => TypeOids.ArrayOf(t.Kind) != 0).Select(SqlType.ArrayOf).ToList();
        return [.. scalars, .. arrays];
    }

    internal static uint ReceiveProcOid(SqlType t) => t.IsArray ? ArrayRecvProc : ProcBase + t.TypeOid;

    internal static string Category(SqlType t) => t.Kind switch
    {
        SqlTypeKind.Array => "A",
        SqlTypeKind.Bool => "B",
        SqlTypeKind.Date or SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz => "D",
        SqlTypeKind.Int2 or SqlTypeKind.Int4 or SqlTypeKind.Int8 or SqlTypeKind.Float4 or SqlTypeKind.Float8 or SqlTypeKind.Numeric
            or SqlTypeKind.Oid or SqlTypeKind.RegClass or SqlTypeKind.RegType or SqlTypeKind.RegProc or SqlTypeKind.RegNamespace => "N",
        SqlTypeKind.Text or SqlTypeKind.Varchar or SqlTypeKind.Char or SqlTypeKind.Name or SqlTypeKind.InternalChar => "S",
        SqlTypeKind.Interval => "T",
        SqlTypeKind.Bit or SqlTypeKind.VarBit => "V",
        SqlTypeKind.Void or SqlTypeKind.Record or SqlTypeKind.Unknown => "P",
        _ => "U",
    };

    internal static bool IsUserType(SqlType t) => (t.IsArray ? t.Element! : t).IsVector;

    /// <summary>Resolves a name cast to regclass/regtype/regproc/regnamespace (<c>'t'::regclass</c>); 42P01/42704 when unknown.</summary>
    public static object ResolveRegName(EvalContext ctx, SqlTypeKind kind, string text)
    {
        string name = text.Trim();
        if (uint.TryParse(name, out uint numeric))
        {
            return numeric;
        }

        string bare = name.Contains('.', StringComparison.Ordinal) ? name[(name.LastIndexOf('.') + 1)..] : name;
        bare = bare.Trim('"');
        var catalog = ctx.Execution.Session.Database.Catalog;
        switch (kind)
        {
            case SqlTypeKind.RegClass:
                if (catalog.FindTable(bare) is { } t)
                {
                    return t.Oid;
                }

                if (catalog.FindIndex(bare) is { } ix)
                {
                    return ix.Index.Oid;
                }

                if (TryGetTable(name.StartsWith("information_schema.", StringComparison.Ordinal) ? "information_schema" : null, bare, out var st))
                {
                    return st.Oid;
                }

                throw new SqlException(SqlState.UndefinedTable, $"relation \"{name}\" does not exist");
            case SqlTypeKind.RegType:
                var type = AllTypes.FirstOrDefault(x => x.TypeName == bare || x.DisplayName == bare);
                if (type is null)
                {
                    try
                    {
                        type = Binding.TypeNames.Resolve(Parsing.SqlParser.ParseTypeName(name));
                    }
                    catch (SqlException)
                    {
                        throw new SqlException(SqlState.UndefinedObject, $"type \"{name}\" does not exist");
                    }
                }

                return type.TypeOid;
            case SqlTypeKind.RegNamespace:
                return bare switch
                {
                    "pg_catalog" => PgCatalogNamespace,
                    "public" => PublicNamespace,
                    "information_schema" => InformationSchemaNamespace,
                    _ => throw new SqlException(SqlState.InvalidSchemaName, $"schema \"{name}\" does not exist"),
                };
            default:
                if (bare == "array_recv")
                {
                    return ArrayRecvProc;
                }

                throw new SqlException(SqlState.UndefinedFunction, $"function \"{name}\" does not exist");
        }
    }

    /// <summary>The text form of a reg* value: the object's name, or the number when no object has that OID.</summary>
    public static string FormatRegName(EvalContext ctx, SqlTypeKind kind, uint oid)
    {
        var catalog = ctx.Execution.Session.Database.Catalog;
        switch (kind)
        {
            case SqlTypeKind.RegClass:
                if (catalog.Tables.TryGetValue(oid, out var t))
                {
                    return t.Name;
                }

                foreach (var table in catalog.Tables.Values)
                {
                    foreach (var i in table.Indexes)
                    {
                        if (i.Oid == oid)
                        {
                            return i.Name;
                        }
                    }
                }

                var st = Tables.Values.FirstOrDefault(s => s.Oid == oid);
                return st is null ? oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture)
                    : st.Schema == "pg_catalog" ? st.Name : st.Schema + "." + st.Name;
            case SqlTypeKind.RegType:
                return FormatRegType(oid);
            case SqlTypeKind.RegNamespace:
                return oid switch
                {
                    PgCatalogNamespace => "pg_catalog",
                    PublicNamespace => "public",
                    InformationSchemaNamespace => "information_schema",
                    _ => oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture),
                };
            default:
                return oid == ArrayRecvProc ? "array_recv" : AllTypes.FirstOrDefault(x => ReceiveProcOid(x) == oid) is { } r ? r.TypeName + "_recv" : "-";
        }
    }

    /// <summary>regtype output (regtypeout): the type's SQL display name, e.g. <c>integer</c>, <c>text[]</c>; the number for an unknown OID.</summary>
    public static string FormatRegType(uint oid)
    {
        var type = AllTypes.FirstOrDefault(x => x.TypeOid == oid);
        return type?.DisplayName ?? oid.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Registers the system information functions (version(), format_type(), pg_get_indexdef(), ...).</summary>
    public static void RegisterFunctions(Action<FunctionDefinition> register) => SystemFunctions.Register(register);
}
