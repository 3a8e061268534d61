using AnnSql.Host.Cli;

// annsql: the PostgreSQL-protocol vector database server and its command-line tools (annsql --help lists the verbs).
return await AnnSqlCommandLine.InvokeAsync(args);
