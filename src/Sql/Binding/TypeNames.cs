using AnnSql.Sql.Ast;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Binding;

/// <summary>Resolves type names as written (after the parser's normalization) to <see cref="SqlType"/>s.</summary>
public static class TypeNames
{
    /// <summary>Resolves a type name with modifiers and array suffixes; 42704 for an unknown type.</summary>
    public static SqlType Resolve(TypeName name)
    {
        var baseType = ResolveBase(name.Name, name.Modifiers, name.Position);
        return name.ArrayDimensions > 0 ? SqlType.ArrayOf(baseType) : baseType;
    }

    /// <summary>Whether the name is serial/bigserial/smallserial (an integer column with a sequence default).</summary>
    public static bool IsSerial(TypeName name) => name.Name is "serial" or "serial4" or "bigserial" or "serial8" or "smallserial" or "serial2";

    private static SqlType ResolveBase(string name, IReadOnlyList<int> mods, int position)
    {
        int mod0 = mods.Count > 0 ? mods[0] : -1;
        SqlType t = name switch
        {
            "bool" or "boolean" => SqlType.Bool,
            "int2" or "smallint" or "smallserial" or "serial2" => SqlType.Int2,
            "int4" or "int" or "integer" or "serial" or "serial4" => SqlType.Int4,
            "int8" or "bigint" or "bigserial" or "serial8" => SqlType.Int8,
            "float4" or "real" => SqlType.Float4,
            "float8" or "double precision" or "float" => SqlType.Float8,
            "numeric" or "decimal" => mods.Count > 0 ? SqlType.Numeric with { Modifier = ((mods[0] << 16) | (mods.Count > 1 ? mods[1] : 0)) + 4 } : SqlType.Numeric,
            "text" => SqlType.Text,
            "varchar" or "character varying" => mod0 >= 0 ? SqlType.Varchar with { Modifier = mod0 + 4 } : SqlType.Varchar,
            "bpchar" or "char" or "character" => SqlType.Char with { Modifier = (mod0 >= 0 ? mod0 : 1) + 4 },
            "\"char\"" => SqlType.InternalChar,
            "name" => SqlType.Name,
            "bytea" => SqlType.Bytea,
            "uuid" => SqlType.Uuid,
            "date" => SqlType.Date,
            "timestamp" => SqlType.Timestamp,
            "timestamptz" => SqlType.TimestampTz,
            "interval" => SqlType.Interval,
            "json" => SqlType.Json,
            "jsonb" => SqlType.Jsonb,
            "oid" => SqlType.Oid,
            "regproc" or "regprocedure" => SqlType.RegProc,
            "regclass" => SqlType.RegClass,
            "regtype" => SqlType.RegType,
            "regnamespace" => SqlType.RegNamespace,
            "int2vector" => SqlType.Int2Vector,
            "oidvector" => SqlType.OidVector,
            "void" => SqlType.Void,
            "record" => SqlType.Record,
            "unknown" => SqlType.Unknown,
            "vector" => SqlType.Vector with { Modifier = mod0 },
            "halfvec" => SqlType.HalfVec with { Modifier = mod0 },
            "sparsevec" => SqlType.SparseVec with { Modifier = mod0 },
            "bit" => SqlType.Bit with { Modifier = mod0 >= 0 ? mod0 : 1 },
            "varbit" or "bit varying" => SqlType.VarBit with { Modifier = mod0 },
            _ => throw new SqlException(SqlState.UndefinedObject, $"type \"{name}\" does not exist", position),
        };
        if (t.Kind is SqlTypeKind.Vector or SqlTypeKind.HalfVec or SqlTypeKind.SparseVec && mod0 is 0 or > 16000)
        {
            throw new SqlException(SqlState.InvalidParameterValue, mod0 == 0 ? "dimensions for type vector must be at least 1"
                : "dimensions for type vector cannot exceed 16000", position);
        }

        return t;
    }

    /// <summary>The column name PostgreSQL gives a cast of a literal without alias (the type's name).</summary>
    public static string DefaultColumnName(TypeName t) => t.Name switch
    {
        "int4" or "int" or "integer" => "int4",
        "float8" => "float8",
        _ => t.Name,
    };
}
