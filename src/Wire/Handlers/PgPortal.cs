namespace AnnSql.Wire.Handlers;

/// <summary>A bound statement ready to execute (Bind, Describe 'P', Execute).</summary>
public class PgPortal
{
    /// <summary>Creates a portal description.</summary>
    public PgPortal(string name, PgPreparedStatement statement, PgField[]? fields)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(statement);
        Name = name;
        Statement = statement;
        Fields = fields;
    }

    /// <summary>Portal name; empty for the unnamed portal.</summary>
    public string Name { get; }

    /// <summary>The statement the portal was bound from.</summary>
    public PgPreparedStatement Statement { get; }

    /// <summary>Result columns carrying the format codes chosen in Bind, or null for NoData.</summary>
    public PgField[]? Fields { get; set; }

    /// <summary>The handler's own data (e.g. decoded parameters, a suspended cursor); Wire never reads it.</summary>
    public object? State { get; set; }
}
