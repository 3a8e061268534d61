using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution;

/// <summary>
/// A result column: name and type, and for a plain table column its table OID and attribute number (RowDescription's
/// table OID and column attribute number fields; 0 otherwise).
/// </summary>
public sealed record OutputColumn(string Name, SqlType Type, uint TableOid = 0, short AttributeNumber = 0);
