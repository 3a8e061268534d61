using AnnSql.Sql;
using AnnSql.Wire.Handlers;

namespace AnnSql.Host.Adapters;

/// <summary>Creates one <see cref="SqlSessionHandler"/> per connection over the shared <see cref="Database"/>.</summary>
public sealed class SqlSessionHandlerFactory(Database database) : IPgSessionHandlerFactory
{
    public IPgSessionHandler Create(PgStartupInfo startup) => new SqlSessionHandler(database, startup);
}
