using AnnSql.Sql.Execution;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Functions;

/// <summary>The implementation of a scalar function: receives the evaluated arguments (a reused buffer; do not keep it).</summary>
public delegate object? ScalarImplementation(object?[] arguments, EvalContext context);

/// <summary>
/// A built-in scalar function: name (lower case, without schema), parameter types (arguments are coerced to them;
/// unknown-typed literals and parameters take them), a result type rule, and the implementation. Overloads share a name
/// and are picked by argument count and types. A parameter of type <see cref="SqlTypeKind.Unknown"/> accepts any type unchanged
/// ("anyelement").
/// </summary>
public sealed record FunctionDefinition(string Name, SqlType[] ParameterTypes, Func<SqlType[], SqlType> ResultType, ScalarImplementation Implementation)
{
    /// <summary>Returns NULL without calling the implementation when an argument is NULL (PostgreSQL's proisstrict).</summary>
    public bool Strict { get; init; } = true;

    /// <summary>The last parameter repeats (e.g. concat, coalesce, greatest).</summary>
    public bool Variadic { get; init; }

    /// <summary>Never folded: the value changes between calls (random(), now(), nextval()).</summary>
    public bool Volatile { get; init; }
}
