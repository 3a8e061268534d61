namespace AnnSql.Sql.Parsing;

/// <summary>PostgreSQL 15's keyword categories (src/include/parser/kwlist.h) that restrict where a word may be a name.</summary>
internal static class Keywords
{
    /// <summary>Reserved keywords: never a column, table, function or type name unless quoted.</summary>
    public static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check", "collate",
        "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time", "current_timestamp",
        "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for",
        "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into", "lateral", "leading", "limit",
        "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
        "returning", "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique",
        "user", "using", "variadic", "when", "where", "window", "with",
    };

    /// <summary>Type/function-name keywords: usable as function or type names, not as column names or bare aliases.</summary>
    public static readonly HashSet<string> TypeFuncName = new(StringComparer.Ordinal)
    {
        "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike", "inner", "is",
        "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar", "tablesample", "verbose",
    };

    /// <summary>Words that cannot be a column, table or alias name (ColId): reserved plus type/function-name keywords.</summary>
    public static readonly HashSet<string> NotColId = [.. Reserved, .. TypeFuncName];

    /// <summary>Keywords that may label a select-list item only after AS (PostgreSQL 15's AS_LABEL keywords); every other word,
    /// even a reserved one, is a valid bare column label.</summary>
    public static readonly HashSet<string> AsLabelOnly = new(StringComparer.Ordinal)
    {
        "array", "as", "char", "character", "create", "day", "except", "fetch", "filter", "for", "from", "grant", "group", "having",
        "hour", "intersect", "into", "isnull", "limit", "minute", "month", "notnull", "offset", "on", "order", "over", "overlaps",
        "precision", "returning", "second", "to", "union", "varying", "where", "window", "with", "within", "without", "year",
    };

    /// <summary>ColId exclusions for UPDATE's bare table alias, where SET starts the next clause.</summary>
    public static readonly HashSet<string> NotUpdateAlias = [.. NotColId, "set"];
}
