namespace AnnSql.Wire.Handlers;

/// <summary>Creates one <see cref="IPgSessionHandler"/> per connection, after the StartupMessage (the host implements it).</summary>
public interface IPgSessionHandlerFactory
{
    /// <summary>Creates the handler for a connection that sent <paramref name="startup"/>.</summary>
    IPgSessionHandler Create(PgStartupInfo startup);
}
