namespace AnnSql.Wire.Handlers;

/// <summary>A prepared statement as described to the client (Parse, Describe 'S').</summary>
public class PgPreparedStatement
{
    /// <summary>Creates a statement description.</summary>
    public PgPreparedStatement(string name, string sql, uint[] parameterTypeOids, PgField[]? fields)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameterTypeOids);
        Name = name;
        Sql = sql;
        ParameterTypeOids = parameterTypeOids;
        Fields = fields;
    }

    /// <summary>Statement name; empty for the unnamed statement.</summary>
    public string Name { get; }

    /// <summary>The query text as sent in Parse.</summary>
    public string Sql { get; }

    /// <summary>Parameter type OIDs after inference (sent in ParameterDescription; their count is what Bind must supply).</summary>
    public uint[] ParameterTypeOids { get; set; }

    /// <summary>Result columns with format code 0, or null when the statement returns no rows (NoData).</summary>
    public PgField[]? Fields { get; set; }

    /// <summary>The handler's own data (e.g. the parsed statement); Wire never reads it.</summary>
    public object? State { get; set; }
}
