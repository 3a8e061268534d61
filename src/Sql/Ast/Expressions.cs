namespace AnnSql.Sql.Ast;

// The expression tree produced by the parser. Records are small and closely related, so they share this file.
// Identifiers are already case-folded: unquoted names are lower-cased, quoted names are kept as written.
// Position is the 0-based character offset of the node's first token in the query text (-1 when synthesized).

/// <summary>Base of every expression node.</summary>
public abstract record Expr
{
    /// <summary>0-based character offset of the node's first token in the query text, or -1.</summary>
    public int Position { get; init; } = -1;
}

/// <summary>Kind of a literal constant as written.</summary>
public enum LiteralKind
{
    Null,
    Boolean,
    /// <summary>An integer literal; <see cref="Literal.Text"/> holds its digits.</summary>
    Integer,
    /// <summary>A literal with a decimal point or exponent; <see cref="Literal.Text"/> holds it as written.</summary>
    Decimal,
    /// <summary>A quoted string ('..', E'..', $$..$$), whose type is unknown until context resolves it.</summary>
    String,
    /// <summary>A bit-string constant B'0101' or X'1F'; <see cref="Literal.Text"/> holds the bits as 0/1 characters.</summary>
    BitString,
}

/// <summary>A constant: NULL, TRUE/FALSE, a number (<see cref="Text"/> as written) or a string (its unescaped value).</summary>
public sealed record Literal(LiteralKind Kind, string? Text) : Expr
{
    public bool BooleanValue => Kind == LiteralKind.Boolean && Text == "t";
}

/// <summary>A column reference: one to three name parts (<c>col</c>, <c>t.col</c>, <c>schema.t.col</c>).</summary>
public sealed record ColumnRef(IReadOnlyList<string> Parts) : Expr
{
    public string Name => Parts[^1];

    public string? Qualifier => Parts.Count > 1 ? Parts[^2] : null;
}

/// <summary><c>*</c> or <c>t.*</c> in a select list (or <c>count(*)</c>'s argument).</summary>
public sealed record Star(string? Qualifier) : Expr;

/// <summary>A positional parameter <c>$n</c> (1-based <see cref="Number"/>).</summary>
public sealed record ParameterRef(int Number) : Expr;

/// <summary>A prefix operator: <c>-</c>, <c>+</c>, <c>NOT</c>, <c>~</c> (bitwise not), <c>@</c> (absolute value).</summary>
public sealed record UnaryExpr(string Operator, Expr Operand) : Expr;

/// <summary>
/// An infix operator: arithmetic (<c>+ - * / %  ^</c>), comparison (<c>= &lt;&gt; != &lt; &lt;= &gt; &gt;=</c>), <c>AND</c>,
/// <c>OR</c>, <c>||</c>, pgvector distances (<c>&lt;-&gt; &lt;#&gt; &lt;=&gt; &lt;+&gt; &lt;~&gt; &lt;%&gt;</c>), array
/// (<c>&amp;&amp; @&gt; &lt;@</c>), regular expressions (<c>~ ~* !~ !~*</c>), <c>LIKE</c>, <c>ILIKE</c>, <c>NOT LIKE</c>,
/// <c>NOT ILIKE</c>, JSON (<c>-&gt; -&gt;&gt;</c>) and bit operators (<c>&amp; |</c>). <c>OPERATOR(pg_catalog.~)</c> is
/// parsed to its bare operator. <see cref="Expr.Position"/> is the operator's offset.
/// </summary>
public sealed record BinaryExpr(string Operator, Expr Left, Expr Right) : Expr;

/// <summary><c>x IS [NOT] NULL</c>.</summary>
public sealed record IsNullExpr(Expr Operand, bool Negated) : Expr;

/// <summary><c>x IS [NOT] TRUE|FALSE|UNKNOWN</c>; <see cref="Value"/> null means UNKNOWN.</summary>
public sealed record IsBoolExpr(Expr Operand, bool? Value, bool Negated) : Expr;

/// <summary><c>x IS [NOT] DISTINCT FROM y</c>.</summary>
public sealed record IsDistinctFromExpr(Expr Left, Expr Right, bool Negated) : Expr;

/// <summary><c>x [NOT] BETWEEN low AND high</c>.</summary>
public sealed record BetweenExpr(Expr Operand, Expr Low, Expr High, bool Negated) : Expr;

/// <summary><c>x [NOT] IN (a, b, ...)</c>.</summary>
public sealed record InListExpr(Expr Operand, IReadOnlyList<Expr> Items, bool Negated) : Expr;

/// <summary><c>x [NOT] IN (SELECT ...)</c>.</summary>
public sealed record InSubqueryExpr(Expr Operand, SelectStatement Query, bool Negated) : Expr;

/// <summary><c>[NOT] EXISTS (SELECT ...)</c> (NOT arrives as a <see cref="UnaryExpr"/>).</summary>
public sealed record ExistsExpr(SelectStatement Query) : Expr;

/// <summary>A scalar subquery <c>(SELECT ...)</c> used as a value.</summary>
public sealed record SubqueryExpr(SelectStatement Query) : Expr;

/// <summary><c>x op ANY|SOME|ALL (array expression)</c> or <c>x op ANY (SELECT ...)</c>.</summary>
public sealed record QuantifiedExpr(string Operator, Expr Left, bool All, Expr? Array, SelectStatement? Query) : Expr;

/// <summary>A type as written: a (case-folded, schema-stripped) base name such as <c>int4</c>, <c>varchar</c>, <c>vector</c>,
/// <c>timestamptz</c> (multi-word names are normalized: <c>double precision</c> → <c>float8</c>, <c>character varying</c> →
/// <c>varchar</c>, <c>timestamp with time zone</c> → <c>timestamptz</c>), its modifiers, and its array dimensions.</summary>
public sealed record TypeName(string Name, IReadOnlyList<int> Modifiers, int ArrayDimensions)
{
    public int Position { get; init; } = -1;
}

/// <summary><c>x::type</c>, <c>CAST(x AS type)</c>, or a typed literal <c>type 'text'</c>.</summary>
public sealed record CastExpr(Expr Operand, TypeName Type) : Expr;

/// <summary>
/// A function call: name parts (<c>pg_catalog.format_type</c> → ["pg_catalog", "format_type"]), arguments, <c>DISTINCT</c>,
/// <c>count(*)</c> (<see cref="StarArgument"/>), an optional aggregate <c>FILTER (WHERE ...)</c> and aggregate
/// <c>ORDER BY</c> (string_agg(x, ',' ORDER BY y)).
/// </summary>
public sealed record FunctionCall(IReadOnlyList<string> Name, IReadOnlyList<Expr> Arguments) : Expr
{
    public bool Distinct { get; init; }

    public bool StarArgument { get; init; }

    public Expr? Filter { get; init; }

    public IReadOnlyList<OrderItem>? AggregateOrderBy { get; init; }

    public string FunctionName => Name[^1];
}

/// <summary>One <c>WHEN condition THEN result</c> arm.</summary>
public sealed record WhenClause(Expr Condition, Expr Result);

/// <summary><c>CASE [operand] WHEN ... THEN ... [ELSE ...] END</c>.</summary>
public sealed record CaseExpr(Expr? Operand, IReadOnlyList<WhenClause> Whens, Expr? Else) : Expr;

/// <summary><c>ARRAY[a, b, ...]</c>.</summary>
public sealed record ArrayExpr(IReadOnlyList<Expr> Items) : Expr;

/// <summary><c>ARRAY(SELECT ...)</c>.</summary>
public sealed record ArraySubqueryExpr(SelectStatement Query) : Expr;

/// <summary><c>x[i]</c> (1-based for SQL arrays, 0-based for int2vector/oidvector as in PostgreSQL) or a slice <c>x[lo:hi]</c>.</summary>
public sealed record SubscriptExpr(Expr Operand, Expr? Index, Expr? UpperIndex, bool IsSlice) : Expr;

/// <summary><c>x COLLATE name</c>; AnnSql compares text by code point, so the collation is recorded and otherwise ignored.</summary>
public sealed record CollateExpr(Expr Operand, string Collation) : Expr;

/// <summary><c>ROW(a, b)</c> or <c>(a, b)</c>.</summary>
public sealed record RowExpr(IReadOnlyList<Expr> Items) : Expr;

/// <summary>Parameterless SQL-standard value functions: CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP, CURRENT_USER, SESSION_USER,
/// CURRENT_SCHEMA, CURRENT_CATALOG, USER (<see cref="Name"/> lower-cased).</summary>
public sealed record SpecialValue(string Name) : Expr;

/// <summary><c>DEFAULT</c> as a value in INSERT ... VALUES or UPDATE ... SET.</summary>
public sealed record DefaultExpr : Expr;
