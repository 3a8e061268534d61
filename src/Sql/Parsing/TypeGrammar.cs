using System.Globalization;
using AnnSql.Sql.Ast;
using Pidgin;
using static AnnSql.Sql.Parsing.Tokens;
using static Pidgin.Parser;

namespace AnnSql.Sql.Parsing;

/// <summary>
/// Type names as written in casts and DDL. Multi-word SQL-standard spellings are normalized to the canonical pg_type name
/// (<c>double precision</c> → float8, <c>character varying</c> → varchar, <c>timestamp with time zone</c> → timestamptz);
/// schema qualifiers are dropped.
/// </summary>
internal static class TypeGrammar
{
    private static readonly Parser<char, int> Offset = Parser<char>.CurrentOffset;

    private static readonly Parser<char, int> Integer = NumberLiteral.Map(e => int.Parse(((Literal)e).Text!, CultureInfo.InvariantCulture));

    private static readonly Parser<char, int[]> Modifiers =
        OpenParen.Then(Integer.SeparatedAtLeastOnce(Comma)).Before(CloseParen).Map(m => m.ToArray());

    private static readonly Parser<char, int[]> OptionalModifiers = Modifiers.Optional().Map(m => m.HasValue ? m.Value : []);

    private static readonly Parser<char, bool> Varying = Kw("varying").ThenReturn(true).Or(Parser<char>.Return(false));

    // WITH TIME ZONE → true, WITHOUT TIME ZONE / nothing → false.
    private static readonly Parser<char, bool> WithTimeZone = OneOf(
        Kws("with", "time", "zone").ThenReturn(true),
        Kws("without", "time", "zone").ThenReturn(false),
        Parser<char>.Return(false));

    private static readonly Parser<char, (string Name, int[] Mods)> Character = Map(
        (varying, mods) => varying ? ("varchar", mods) : ("bpchar", mods.Length == 0 ? [1] : mods),
        OneOf(Kw("character"), Kw("char"), Kw("nchar"), Kws("national", "character"), Kws("national", "char")).Then(Varying),
        OptionalModifiers);

    private static readonly Parser<char, (string Name, int[] Mods)> Bit = Map(
        (varying, mods) => varying ? ("varbit", mods) : ("bit", mods.Length == 0 ? [1] : mods),
        Kw("bit").Then(Varying),
        OptionalModifiers);

    private static readonly Parser<char, (string Name, int[] Mods)> Timestamp = Map(
        (word, mods, tz) => (word == "timestamp" ? (tz ? "timestamptz" : "timestamp") : (tz ? "timetz" : "time"), mods),
        KwOneOf("timestamp", "time"),
        OptionalModifiers,
        WithTimeZone);

    private static readonly Parser<char, (string Name, int[] Mods)> Float = Map(
        mods => mods.Length == 1 && mods[0] <= 24 ? ("float4", Array.Empty<int>()) : ("float8", Array.Empty<int>()),
        Kw("float").Then(OptionalModifiers));

    private static readonly Parser<char, (string Name, int[] Mods)> Interval = Map(
        mods => ("interval", mods),
        Kw("interval").Then(
            KwOneOf("year", "month", "day", "hour", "minute", "second").SkipMany()
                .Then(Kw("to").Then(KwOneOf("month", "hour", "minute", "second")).Optional())
                .Then(OptionalModifiers)));

    private static readonly Parser<char, (string Name, int[] Mods)> Generic = Map(
        (first, rest, mods) => (Normalize(rest.Count > 0 ? rest[^1] : first), mods),
        FirstNamePart,
        Sym('.').Then(Label).Many().Map(r => (IReadOnlyList<string>)r.ToList()),
        OptionalModifiers);

    private static readonly Parser<char, (string Name, int[] Mods)> BaseType = OneOf(
        Kws("double", "precision").ThenReturn(("float8", Array.Empty<int>())),
        Character,
        Bit,
        Timestamp,
        Float,
        Interval,
        Generic);

    private static readonly Parser<char, int> ArrayBounds = OneOf(
        Sym('[').Then(NumberLiteral.Optional()).Then(Sym(']')).AtLeastOnce().Map(d => d.Count()),
        Kw("array").Then(Sym('[').Then(NumberLiteral).Then(Sym(']')).Optional()).ThenReturn(1),
        Parser<char>.Return(0));

    /// <summary>A full type name with modifiers and array dimensions.</summary>
    public static readonly Parser<char, TypeName> TypeName = Map(
        (pos, t, dims) => new TypeName(t.Name, t.Mods, dims) { Position = pos },
        Offset,
        Kw("setof").Optional().Then(BaseType),
        ArrayBounds);

    /// <summary>Maps a single-word type name to its canonical pg_type name.</summary>
    public static string Normalize(string name) => name switch
    {
        "int" or "integer" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "real" => "float4",
        "decimal" or "dec" => "numeric",
        "boolean" => "bool",
        _ => name,
    };
}
