namespace AnnSql.Sql.Parsing;

/// <summary>
/// Per-parse state shared by the token parsers: the text being parsed and the furthest offset at which a token failed to
/// match. PostgreSQL's LALR parser reports the first token it cannot shift; for a backtracking grammar the furthest failed
/// token is the same place, so syntax errors point where PostgreSQL's do.
/// </summary>
internal sealed class ParseContext(string text)
{
    [ThreadStatic]
    private static ParseContext? _current;

    public string Text { get; } = text;

    public int Furthest { get; set; } = -1;

    public static ParseContext Current => _current ?? throw new InvalidOperationException("SQL parsers run only through SqlParser.");

    public void Fail(int offset)
    {
        if (offset > Furthest)
        {
            Furthest = offset;
        }
    }

    /// <summary>Makes <paramref name="context"/> current for this thread and returns the previous one.</summary>
    public static ParseContext? Enter(ParseContext? context)
    {
        var previous = _current;
        _current = context;
        return previous;
    }
}
