using AnnSql.Sql.Ast;
using AnnSql.Sql.Parsing;

namespace AnnSql.Sql.Tests.Parsing;

/// <summary>Golden ASTs for every statement form (printed by <see cref="AstPrinter"/>).</summary>
public sealed class StatementParserTests
{
    public static readonly TheoryData<string, string> Goldens = new()
    {
        {
            "SELECT DISTINCT ON (a) a, b AS \"B\", c d FROM t WHERE x > 1 GROUP BY a, b HAVING count(*) > 1 ORDER BY a DESC NULLS LAST, b LIMIT 10 OFFSET 5",
            "SelectStatement(Body=SelectCore(Distinct=true, Items=[SelectItem(Expression=a), SelectItem(Expression=b, Alias=B), SelectItem(Expression=c, Alias=d)], From=[NamedTableRef(Name=t)], Where=(x > 1), GroupBy=[a, b], Having=(count(*) > 1), DistinctOn=[a]), OrderBy=[OrderItem(Expression=a, Descending=true, NullsFirst=false), OrderItem(Expression=b)], Limit=10, Offset=5)"
        },
        {
            "SELECT * FROM a, b JOIN c ON b.id = c.id LEFT OUTER JOIN d USING (id) CROSS JOIN e NATURAL JOIN f",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[NamedTableRef(Name=a), JoinTableRef(Left=JoinTableRef(Left=JoinTableRef(Left=JoinTableRef(Left=NamedTableRef(Name=b), Kind=Inner, Right=NamedTableRef(Name=c), On=(b.id = c.id)), Kind=Left, Right=NamedTableRef(Name=d), Using=[id]), Kind=Cross, Right=NamedTableRef(Name=e)), Kind=Inner, Right=NamedTableRef(Name=f), Natural=true)]))"
        },
        {
            "SELECT * FROM (SELECT 1) AS s(x) RIGHT JOIN LATERAL unnest(arr) WITH ORDINALITY AS l(value, n) ON true FULL JOIN g ON false",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[JoinTableRef(Left=JoinTableRef(Left=SubqueryTableRef(Query=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)])), Alias=s, ColumnAliases=[x]), Kind=Right, Right=FunctionTableRef(Call=unnest(arr), Alias=l, ColumnAliases=[value, n], Lateral=true), On=TRUE), Kind=Full, Right=NamedTableRef(Name=g), On=FALSE)]))"
        },
        {
            "SELECT t.*, x FROM public.t AS t FOR UPDATE",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=t.*), SelectItem(Expression=x)], From=[NamedTableRef(Name=public.t, Alias=t)]), ForLocking=true)"
        },
        {
            "SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT ALL SELECT 4",
            "SelectStatement(Body=SetOperationBody(Left=SetOperationBody(Left=SelectCore(Items=[SelectItem(Expression=1)]), Operator=Union, Right=SetOperationBody(Left=SelectCore(Items=[SelectItem(Expression=2)]), Operator=Intersect, Right=SelectCore(Items=[SelectItem(Expression=3)]))), Operator=Except, All=true, Right=SelectCore(Items=[SelectItem(Expression=4)])))"
        },
        {
            "(SELECT 1 ORDER BY 1 LIMIT 1) UNION ALL (SELECT 2) ORDER BY 1",
            "SelectStatement(Body=SetOperationBody(Left=NestedQueryBody(Query=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)]), OrderBy=[OrderItem(Expression=1)], Limit=1)), Operator=Union, All=true, Right=NestedQueryBody(Query=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=2)])))), OrderBy=[OrderItem(Expression=1)])"
        },
        {
            "VALUES (1, 'a'), (2, DEFAULT)",
            "SelectStatement(Body=ValuesBody(Rows=[[1, 'a'], [2, DEFAULT]]))"
        },
        {
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=n)], From=[NamedTableRef(Name=r)]), With=[CommonTableExpr(Name=r, ColumnNames=[n], Query=SelectStatement(Body=SetOperationBody(Left=SelectCore(Items=[SelectItem(Expression=1)]), Operator=Union, All=true, Right=SelectCore(Items=[SelectItem(Expression=(n + 1))], From=[NamedTableRef(Name=r)], Where=(n < 3)))), Recursive=true)])"
        },
        {
            "SELECT * FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[NamedTableRef(Name=t)]), Limit=3, Offset=2)"
        },
        {
            "SELECT * FROM t LIMIT ALL",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[NamedTableRef(Name=t)]))"
        },
        {
            "SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=id)], From=[NamedTableRef(Name=items)]), OrderBy=[OrderItem(Expression=(embedding <-> '[1,2,3]'))], Limit=5)"
        },
        {
            "SELECT * FROM generate_series(1, 3) g",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[FunctionTableRef(Call=generate_series(1, 3), Alias=g)]))"
        },
        {
            "TABLE t",
            "SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[NamedTableRef(Name=t)]))"
        },
        {
            "INSERT INTO t AS x (a, \"B\") VALUES (1, DEFAULT), ($1, $2) ON CONFLICT (a) DO UPDATE SET \"B\" = EXCLUDED.\"B\" WHERE x.a > 0 RETURNING *, a AS id",
            "InsertStatement(Table=t, Alias=x, Columns=[a, B], Source=SelectStatement(Body=ValuesBody(Rows=[[1, DEFAULT], [$1, $2]])), OnConflict=OnConflictClause(TargetColumns=[a], Assignments=[Assignment(Column=B, Value=excluded.B)], Where=(x.a > 0)), Returning=[SelectItem(Expression=*), SelectItem(Expression=a, Alias=id)])"
        },
        {
            "INSERT INTO t DEFAULT VALUES",
            "InsertStatement(Table=t)"
        },
        {
            "INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING",
            "InsertStatement(Table=t, Source=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=*)], From=[NamedTableRef(Name=u)])), OnConflict=OnConflictClause(DoNothing=true))"
        },
        {
            "WITH s AS (SELECT 1 AS a) INSERT INTO t (a) SELECT a FROM s",
            "InsertStatement(Table=t, Columns=[a], Source=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=a)], From=[NamedTableRef(Name=s)])), With=[CommonTableExpr(Name=s, Query=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1, Alias=a)])))])"
        },
        {
            "UPDATE t AS x SET a = a + 1, b = DEFAULT FROM u WHERE x.id = u.id RETURNING x.a",
            "UpdateStatement(Table=t, Alias=x, Assignments=[Assignment(Column=a, Value=(a + 1)), Assignment(Column=b, Value=DEFAULT)], From=[NamedTableRef(Name=u)], Where=(x.id = u.id), Returning=[SelectItem(Expression=x.a)])"
        },
        {
            "UPDATE t x SET a = 1",
            "UpdateStatement(Table=t, Alias=x, Assignments=[Assignment(Column=a, Value=1)])"
        },
        {
            "DELETE FROM t AS x USING u WHERE x.id = u.id RETURNING *",
            "DeleteStatement(Table=t, Alias=x, Using=[NamedTableRef(Name=u)], Where=(x.id = u.id), Returning=[SelectItem(Expression=*)])"
        },
        {
            "CREATE TABLE IF NOT EXISTS public.items (id bigserial PRIMARY KEY, name text NOT NULL DEFAULT 'x', n int CONSTRAINT n_pos CHECK (n > 0) NULL, ref int REFERENCES other (id) ON DELETE CASCADE, u uuid UNIQUE, created timestamptz DEFAULT now() NOT NULL, CONSTRAINT \"PK_x\" PRIMARY KEY (\"Id\"), UNIQUE (a, b), FOREIGN KEY (ref) REFERENCES other (id), CHECK (n < 10))",
            "CreateTableStatement(Name=public.items, IfNotExists=true, Columns=[ColumnDefinition(Name=id, Type=bigserial, Constraints=[PrimaryKeyColumnConstraint()]), ColumnDefinition(Name=name, Type=text, Constraints=[NotNullConstraint(), DefaultConstraint(Value='x')]), ColumnDefinition(Name=n, Type=int4, Constraints=[CheckConstraint(Condition=(n > 0), Name=n_pos), NullConstraint()]), ColumnDefinition(Name=ref, Type=int4, Constraints=[ReferencesConstraint(Table=other, Columns=[id])]), ColumnDefinition(Name=u, Type=uuid, Constraints=[UniqueColumnConstraint()]), ColumnDefinition(Name=created, Type=timestamptz, Constraints=[DefaultConstraint(Value=now()), NotNullConstraint()])], Constraints=[PrimaryKeyTableConstraint(Columns=[Id], Name=PK_x), UniqueTableConstraint(Columns=[a, b]), ForeignKeyTableConstraint(Columns=[ref], Table=other, ReferencedColumns=[id]), CheckTableConstraint(Condition=(n < 10))])"
        },
        {
            "CREATE TABLE t (\"Id\" integer GENERATED BY DEFAULT AS IDENTITY (START WITH 1 INCREMENT BY 1), v int GENERATED ALWAYS AS IDENTITY, s text COLLATE \"C\")",
            "CreateTableStatement(Name=t, Columns=[ColumnDefinition(Name=Id, Type=int4, Constraints=[IdentityConstraint()]), ColumnDefinition(Name=v, Type=int4, Constraints=[IdentityConstraint(Always=true)]), ColumnDefinition(Name=s, Type=text)])"
        },
        {
            "CREATE TEMP TABLE t (a int)",
            "CreateTableStatement(Name=t, Columns=[ColumnDefinition(Name=a, Type=int4)])"
        },
        {
            "DROP TABLE IF EXISTS a, b CASCADE",
            "DropStatement(Kind=Table, Names=[a, b], IfExists=true, Cascade=true)"
        },
        {
            "DROP INDEX CONCURRENTLY IF EXISTS i",
            "DropStatement(Kind=Index, Names=[i], IfExists=true)"
        },
        {
            "DROP EXTENSION vector",
            "DropStatement(Kind=Extension, Names=[vector])"
        },
        {
            "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)",
            "CreateIndexStatement(Table=items, Method=hnsw, Keys=[IndexKey(Expression=embedding, OperatorClass=vector_l2_ops)], Options=[m=16, ef_construction=64])"
        },
        {
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY t (lower(name), (a + b) DESC, c text_pattern_ops NULLS FIRST) INCLUDE (d) WHERE a > 0",
            "CreateIndexStatement(Name=ix, IfNotExists=true, Unique=true, Table=t, Method=btree, Keys=[IndexKey(Expression=lower(name)), IndexKey(Expression=(a + b)), IndexKey(Expression=c, OperatorClass=text_pattern_ops)], Where=(a > 0))"
        },
        {
            "CREATE INDEX i ON items USING diskann (embedding vector_cosine_ops) WITH (storage = 'disk', alpha = 1.2, num_neighbors = -1, enabled = true)",
            "CreateIndexStatement(Name=i, Table=items, Method=diskann, Keys=[IndexKey(Expression=embedding, OperatorClass=vector_cosine_ops)], Options=[storage=disk, alpha=1.2, num_neighbors=-1, enabled=true])"
        },
        {
            "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public VERSION '0.8.0' CASCADE",
            "CreateExtensionStatement(Name=vector, IfNotExists=true)"
        },
        {
            "CREATE DATABASE cap WITH OWNER = postgres ENCODING 'UTF8'",
            "CreateDatabaseStatement(Name=cap)"
        },
        {
            "CREATE SCHEMA IF NOT EXISTS s",
            "CreateSchemaStatement(Name=s, IfNotExists=true)"
        },
        {
            "ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS c int NOT NULL, DROP COLUMN IF EXISTS d CASCADE, ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE, DROP e RESTRICT",
            "AlterTableStatement(Table=t, IfExists=true, Actions=[AddColumnAction(Column=ColumnDefinition(Name=c, Type=int4, Constraints=[NotNullConstraint()]), IfNotExists=true), DropColumnAction(Column=d, IfExists=true, Cascade=true), AddConstraintAction(Constraint=ForeignKeyTableConstraint(Columns=[a], Table=u, ReferencedColumns=[id], Name=fk)), DropColumnAction(Column=e)])"
        },
        {
            "ALTER TABLE ONLY t RENAME TO t2",
            "AlterTableStatement(Table=t, Actions=[RenameTableAction(NewName=t2)])"
        },
        {
            "ALTER TABLE t ADD v vector(3) DEFAULT '[1,2,3]', ADD PRIMARY KEY (a), ADD CONSTRAINT u UNIQUE (b, c)",
            "AlterTableStatement(Table=t, Actions=[AddColumnAction(Column=ColumnDefinition(Name=v, Type=vector(3), Constraints=[DefaultConstraint(Value='[1,2,3]')])), AddConstraintAction(Constraint=PrimaryKeyTableConstraint(Columns=[a])), AddConstraintAction(Constraint=UniqueTableConstraint(Columns=[b, c], Name=u))])"
        },
        {
            "ALTER TABLE items ALTER COLUMN embedding SET STORAGE PLAIN, ALTER b SET STORAGE external",
            "AlterTableStatement(Table=items, Actions=[AlterColumnAction(Column=embedding, SetStorage=plain), AlterColumnAction(Column=b, SetStorage=external)])"
        },
        {
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_pkey CASCADE, DROP CONSTRAINT u, ALTER id DROP IDENTITY IF EXISTS, ALTER c SET STATISTICS -1, ALTER d ADD GENERATED BY DEFAULT AS IDENTITY (START WITH 5)",
            "AlterTableStatement(Table=t, Actions=[DropConstraintAction(Name=t_pkey, IfExists=true), DropConstraintAction(Name=u), AlterColumnAction(Column=id, DropIdentity=true, IfExists=true), AlterColumnAction(Column=c, SetStatistics=-1), AlterColumnAction(Column=d, AddIdentity=IdentityConstraint())])"
        },
        {
            "ALTER TABLE t RENAME COLUMN a TO b",
            "AlterTableStatement(Table=t, Actions=[RenameColumnAction(Column=a, NewName=b)])"
        },
        {
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER b DROP NOT NULL, ALTER c SET DEFAULT 1, ALTER d DROP DEFAULT, ALTER e TYPE bigint USING e::bigint, ALTER f SET DATA TYPE text",
            "AlterTableStatement(Table=t, Actions=[AlterColumnAction(Column=a, SetNotNull=true), AlterColumnAction(Column=b, SetNotNull=false), AlterColumnAction(Column=c, SetDefault=1), AlterColumnAction(Column=d, DropDefault=true), AlterColumnAction(Column=e, SetType=int8, Using=(e::int8)), AlterColumnAction(Column=f, SetType=text)])"
        },
        {
            "TRUNCATE TABLE a, b RESTART IDENTITY CASCADE",
            "TruncateStatement(Tables=[a, b], RestartIdentity=true)"
        },
        {
            "COPY items (id, name) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';', NULL '')",
            "CopyStatement(Table=items, Columns=[id, name], IsFrom=true, Options={delimiter=;, format=csv, header=true, null=})"
        },
        {
            "COPY t TO STDOUT WITH BINARY",
            "CopyStatement(Table=t, Options={format=binary})"
        },
        {
            "COPY t FROM STDIN CSV HEADER DELIMITER AS ','",
            "CopyStatement(Table=t, IsFrom=true, Options={delimiter=,, format=csv, header=true})"
        },
        {
            "COPY t FROM '/tmp/x.csv' (FORMAT 'csv', FREEZE)",
            "CopyStatement(Table=t, IsFrom=true, FileName=/tmp/x.csv, Options={format=csv, freeze=true})"
        },
        {
            "COPY (SELECT 1) TO STDOUT (FORMAT binary)",
            "CopyStatement(Query=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)])), Options={format=binary})"
        },
        {
            "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY, NOT DEFERRABLE",
            "TransactionStatement(Action=Begin, Modes=[isolation level repeatable read, read only, not deferrable])"
        },
        {
            "START TRANSACTION READ WRITE",
            "TransactionStatement(Action=Begin, Modes=[read write])"
        },
        {
            "END TRANSACTION",
            "TransactionStatement(Action=Commit)"
        },
        {
            "ABORT",
            "TransactionStatement(Action=Rollback)"
        },
        {
            "ROLLBACK WORK TO s1",
            "TransactionStatement(Action=RollbackToSavepoint, SavepointName=s1)"
        },
        {
            "SAVEPOINT \"_pg3_1\"",
            "TransactionStatement(Action=Savepoint, SavepointName=_pg3_1)"
        },
        {
            "RELEASE s1",
            "TransactionStatement(Action=Release, SavepointName=s1)"
        },
        {
            "SET LOCAL diskann.l_search TO 100",
            "SetStatement(Name=diskann.l_search, Values=[100], IsLocal=true)"
        },
        {
            "SET SESSION search_path TO \"$user\", public",
            "SetStatement(Name=search_path, Values=[$user, public])"
        },
        {
            "SET extra_float_digits = -3",
            "SetStatement(Name=extra_float_digits, Values=[-3])"
        },
        {
            "SET x TO DEFAULT",
            "SetStatement(Name=x)"
        },
        {
            "SET TIME ZONE 'UTC'",
            "SetStatement(Name=timezone, Values=[UTC])"
        },
        {
            "SET TimeZone='Etc/UTC'",
            "SetStatement(Name=timezone, Values=[Etc/UTC])"
        },
        {
            "SET NAMES 'UTF8'",
            "SetStatement(Name=client_encoding, Values=[UTF8])"
        },
        {
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "SetStatement(Name=transaction, Values=[isolation level serializable])"
        },
        {
            "SET TRANSACTION READ ONLY",
            "SetStatement(Name=transaction, Values=[read only], IsLocal=true)"
        },
        {
            "SET datestyle TO ISO, MDY",
            "SetStatement(Name=datestyle, Values=[iso, mdy])"
        },
        {
            "RESET ALL",
            "ResetStatement()"
        },
        {
            "RESET hnsw.ef_search",
            "ResetStatement(Name=hnsw.ef_search)"
        },
        {
            "SHOW ALL",
            "ShowStatement(Name=all)"
        },
        {
            "SHOW TRANSACTION ISOLATION LEVEL",
            "ShowStatement(Name=transaction_isolation)"
        },
        {
            "DISCARD TEMPORARY",
            "DiscardStatement(What=temp)"
        },
        {
            "SET SESSION AUTHORIZATION DEFAULT",
            "SetStatement(Name=session_authorization)"
        },
        {
            "SET SESSION AUTHORIZATION 'ann'",
            "SetStatement(Name=session_authorization, Values=[ann])"
        },
        {
            "SET SESSION search_path = public",
            "SetStatement(Name=search_path, Values=[public])"
        },
        {
            "CLOSE ALL",
            "CloseStatement()"
        },
        {
            "CLOSE my_cursor",
            "CloseStatement(Name=my_cursor)"
        },
        {
            "UNLISTEN *",
            "UnlistenStatement()"
        },
        {
            "UNLISTEN jobs",
            "UnlistenStatement(Channel=jobs)"
        },
        {
            "DEALLOCATE PREPARE p1",
            "DeallocateStatement(Name=p1)"
        },
        {
            "DEALLOCATE ALL",
            "DeallocateStatement()"
        },
        {
            "PREPARE p (int, text) AS SELECT $1, $2",
            "PrepareStatement(Name=p, ParameterTypes=[int4, text], Inner=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=$1), SelectItem(Expression=$2)])))"
        },
        {
            "EXECUTE p (1, 'x')",
            "ExecuteStatement(Name=p, Arguments=[1, 'x'])"
        },
        {
            "EXPLAIN ANALYZE VERBOSE SELECT 1",
            "ExplainStatement(Analyze=true, Verbose=true, Inner=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)])), Options=[analyze=true, verbose=true])"
        },
        {
            "EXPLAIN (ANALYZE false, VERBOSE, COSTS off, BUFFERS, FORMAT TEXT) SELECT 1",
            "ExplainStatement(Verbose=true, Inner=SelectStatement(Body=SelectCore(Items=[SelectItem(Expression=1)])), Options=[analyze=false, verbose=true, costs=off, buffers=true, format=text])"
        },
        {
            "VACUUM FULL ANALYZE VERBOSE t, u (a)",
            "VacuumStatement(Tables=[t, u], Analyze=true)"
        },
        {
            "VACUUM (ANALYZE, VERBOSE) t",
            "VacuumStatement(Tables=[t], Analyze=true)"
        },
        {
            "ANALYZE t",
            "VacuumStatement(Tables=[t], Analyze=true, AnalyzeOnly=true)"
        },
        {
            "CHECKPOINT",
            "CheckpointStatement()"
        },
        {
            "BASE_BACKUP",
            "BaseBackupStatement()"
        },
        {
            "BASE_BACKUP (LABEL 'nightly', CHECKPOINT 'fast', MANIFEST 'yes')",
            "BaseBackupStatement(Label=nightly)"
        },
        {
            "BASE_BACKUP LABEL 'old style' PROGRESS FAST",
            "BaseBackupStatement(Label=old style)"
        },
        {
            "COPY (BASE_BACKUP (LABEL 'x')) TO STDOUT",
            "CopyStatement(BaseBackup=BaseBackupStatement(Label=x))"
        },
        {
            "LOCK TABLE \"__EFMigrationsHistory\" IN ACCESS EXCLUSIVE MODE",
            "LockTableStatement(Tables=[__EFMigrationsHistory])"
        },
        {
            "REINDEX TABLE CONCURRENTLY t",
            "ReindexStatement(IsTable=true, Name=t)"
        },
    };

    [Theory]
    [MemberData(nameof(Goldens))]
    public void Parses_statement(string sql, string expected)
    {
        var statement = SqlParser.ParseStatement(sql);
        Assert.Equal(expected, AstPrinter.Print(statement));
        Assert.Equal(0, statement.Position);
        Assert.Equal(sql.Length, statement.Length);
    }

    [Fact]
    public void Script_splits_statements_with_spans()
    {
        const string Sql = "  SELECT 1 ;; /* c */ INSERT INTO t VALUES (';')  ;\n-- done\n";
        var statements = SqlParser.ParseScript(Sql);
        Assert.Equal(2, statements.Count);
        Assert.Equal("SELECT 1", Sql.Substring(statements[0].Position, statements[0].Length));
        Assert.Equal("INSERT INTO t VALUES (';')", Sql.Substring(statements[1].Position, statements[1].Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(";;")]
    [InlineData("-- only a comment")]
    [InlineData("/* c */ ; ;")]
    public void Script_without_statements_is_one_empty_statement(string sql)
    {
        var statement = Assert.Single(SqlParser.ParseScript(sql));
        Assert.IsType<EmptyStatement>(statement);
    }

    [Fact]
    public void ParseStatement_allows_trailing_semicolons()
    {
        var statement = SqlParser.ParseStatement("SELECT 1;; ");
        Assert.Equal(8, statement.Length);
    }

    [Fact]
    public void Records_table_and_column_positions()
    {
        //                    0         1         2         3         4
        //                    0123456789012345678901234567890123456789012345
        const string Sql = "SELECT a.x, y FROM public.t a JOIN u ON a.id = u.id";
        var select = Assert.IsType<SelectStatement>(SqlParser.ParseStatement(Sql));
        var core = Assert.IsType<SelectCore>(select.Body);
        Assert.Equal(7, core.Items[0].Expression.Position);
        Assert.Equal(12, core.Items[1].Expression.Position);
        var join = Assert.IsType<JoinTableRef>(Assert.Single(core.From));
        var left = Assert.IsType<NamedTableRef>(join.Left);
        Assert.Equal(19, left.Position);
        Assert.Equal(19, left.Name.Position);
        var right = Assert.IsType<NamedTableRef>(join.Right);
        Assert.Equal(35, right.Position);
        var on = Assert.IsType<BinaryExpr>(join.On);
        Assert.Equal(45, on.Position);
        Assert.Equal(40, on.Left.Position);
    }

    [Fact]
    public void Records_insert_and_ddl_positions()
    {
        var insert = Assert.IsType<InsertStatement>(SqlParser.ParseStatement("INSERT INTO items (a) VALUES (1)"));
        Assert.Equal(12, insert.Table.Position);
        var create = Assert.IsType<CreateTableStatement>(SqlParser.ParseStatement("CREATE TABLE t (id int, name text)"));
        Assert.Equal(16, create.Columns[0].Position);
        Assert.Equal(24, create.Columns[1].Position);
        Assert.Equal(29, create.Columns[1].Type.Position);
    }

    [Fact]
    public void Default_expression_stops_at_the_next_constraint()
    {
        var create = Assert.IsType<CreateTableStatement>(SqlParser.ParseStatement(
            "CREATE TABLE t (a int DEFAULT 1 + 2 NOT NULL, b text DEFAULT 'x'::text PRIMARY KEY)"));
        Assert.Equal("[DefaultConstraint(Value=(1 + 2)), NotNullConstraint()]", AstPrinter.Print(create.Columns[0].Constraints));
        Assert.Equal("[DefaultConstraint(Value=('x'::text)), PrimaryKeyColumnConstraint()]", AstPrinter.Print(create.Columns[1].Constraints));
    }
}
