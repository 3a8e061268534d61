using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>The statement dispatcher and the script (';'-separated statements) parser.</summary>
internal static class StatementGrammar
{
    private static readonly Parser<char, Statement> WithLed = Map(
        (with, stmt) => stmt switch
        {
            SelectStatement s => s with { With = with },
            InsertStatement s => s with { With = with },
            UpdateStatement s => s with { With = with },
            DeleteStatement s => s with { With = with },
            _ => stmt,
        },
        SelectGrammar.WithClause,
        OneOf(SelectGrammar.SelectNoWith.Cast<Statement>(), DmlGrammar.Insert, DmlGrammar.Update, DmlGrammar.Delete));

    /// <summary>One statement, with its text span.</summary>
    public static readonly Parser<char, Statement> Statement = OneOf(
        SelectGrammar.SelectNoWith.Cast<Statement>(),
        WithLed,
        DmlGrammar.Insert,
        DmlGrammar.Update,
        DmlGrammar.Delete,
        DdlGrammar.Create,
        DdlGrammar.Drop,
        DdlGrammar.AlterTable,
        DdlGrammar.Truncate,
        UtilityGrammar.Copy,
        UtilityGrammar.Transaction,
        UtilityGrammar.Set,
        UtilityGrammar.Show,
        UtilityGrammar.Reset,
        UtilityGrammar.Discard,
        UtilityGrammar.Close,
        UtilityGrammar.Unlisten,
        UtilityGrammar.Deallocate,
        UtilityGrammar.Prepare,
        UtilityGrammar.Execute,
        UtilityGrammar.Explain,
        UtilityGrammar.Vacuum,
        UtilityGrammar.Analyze,
        UtilityGrammar.Checkpoint,
        UtilityGrammar.BaseBackup,
        UtilityGrammar.Lock,
        UtilityGrammar.Reindex).WithSpan().Labelled("statement");

    private static readonly Parser<char, Unit> Semicolons = Sym(';').SkipAtLeastOnce();

    /// <summary>Zero or more statements separated (and optionally terminated) by semicolons.</summary>
    public static readonly Parser<char, IReadOnlyList<Statement>> Script = Trivia
        .Then(Sym(';').SkipMany())
        .Then(Statement.SeparatedAndOptionallyTerminated(Semicolons).ListOf())
        .Before(EndOfInput);

    /// <summary>Exactly one statement, optionally followed by semicolons.</summary>
    public static readonly Parser<char, Statement> Single = Trivia.Then(Statement).Before(Sym(';').SkipMany()).Before(EndOfInput);

    public static readonly Parser<char, Expr> Expression = Trivia.Then(ExprGrammar.Expr).Before(EndOfInput);

    public static readonly Parser<char, TypeName> TypeName = Trivia.Then(TypeGrammar.TypeName).Before(EndOfInput);
}
