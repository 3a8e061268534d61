using System.Globalization;
using AnnSql.IntegrationTests.Infrastructure;
using Npgsql;

namespace AnnSql.IntegrationTests;

/// <summary>
/// Runs the same non-vector SQL on AnnSql and on a real PostgreSQL 15 and compares the rows (as text, in order) or the
/// SQLSTATE of the error.
/// </summary>
public sealed class DifferentialTests
{
    private static readonly string[] Setup =
    [
        "CREATE TABLE dept (id int PRIMARY KEY, name text NOT NULL)",
        "CREATE TABLE emp (id int PRIMARY KEY, dept_id int, name text, salary int)",
        "INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty')",
        "INSERT INTO emp VALUES (1, 1, 'ann', 100), (2, 1, 'bob', 150), (3, 2, 'cid', 90), (4, NULL, 'dan', 70), (5, 2, 'eve', 120)",
    ];

    public static TheoryData<string> Queries =>
    [
        "SELECT dept_id, count(*), sum(salary), min(name), max(salary) FROM emp GROUP BY dept_id ORDER BY dept_id NULLS FIRST",
        "SELECT dept_id * 10 AS d, count(*) FROM emp GROUP BY dept_id * 10 ORDER BY d",
        "SELECT dept_id, avg(salary)::int FROM emp GROUP BY dept_id HAVING count(*) > 1 ORDER BY 1",
        "SELECT CASE WHEN dept_id IS NULL THEN 'none' ELSE 'some' END AS k, count(*) FROM emp GROUP BY 1 ORDER BY 1",
        "SELECT count(*) FILTER (WHERE salary > 95), string_agg(name, ',' ORDER BY name) FROM emp",
        "SELECT d.name, (SELECT count(*) FROM emp e WHERE e.dept_id = d.id) AS n FROM dept d ORDER BY d.id",
        "SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id AND e.salary > 110) ORDER BY name",
        "SELECT name FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id) ORDER BY name",
        "SELECT name FROM emp WHERE dept_id IN (SELECT id FROM dept WHERE name <> 'ops') ORDER BY name",
        "SELECT name, salary FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY salary DESC",
        "SELECT e.name, d.name FROM emp e LEFT JOIN dept d ON d.id = e.dept_id ORDER BY e.id",
        "SELECT d.name, e.name FROM dept d LEFT JOIN emp e ON e.dept_id = d.id AND e.salary > 100 ORDER BY d.id, e.id",
        "SELECT name FROM dept UNION SELECT name FROM emp WHERE salary < 100 ORDER BY name",
        "WITH rich AS (SELECT * FROM emp WHERE salary >= 100) SELECT count(*), sum(salary) FROM rich",
        "SELECT id, coalesce(dept_id, -1), nullif(salary, 100), greatest(salary, 95) FROM emp ORDER BY id LIMIT 3 OFFSET 1",
        "SELECT e.name FROM emp e WHERE e.salary = (SELECT max(salary) FROM emp x WHERE x.dept_id = e.dept_id) ORDER BY 1",
        "SELECT upper(name) || '!' AS shout, length(name) FROM emp ORDER BY shout",
        "SELECT 7 / 2, 7 % 3, -7 / 2, 2 ^ 10, 1.5 * 2",
        "SELECT name FROM emp GROUP BY name, salary HAVING salary > 100 ORDER BY name",
        "SELECT name, salary FROM emp GROUP BY id ORDER BY id",
        "SELECT salary FROM emp GROUP BY dept_id",
        "SELECT * FROM missing_table",
        "SELECT no_such_column FROM emp",
        "SELECT 1 / 0",
        "INSERT INTO dept VALUES (1, 'dup')",
        "INSERT INTO dept VALUES (7, 'x'), (8, 'y'), (7, 'z')",
    ];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Same_result_as_postgresql(string sql)
    {
        await using var reference = await ReferencePostgres.StartAsync();
        await using var server = await AnnSqlServer.StartAsync();
        await using var source = server.CreateDataSource(useVector: false);
        await using var expectedConn = await reference.OpenConnectionAsync();
        await using var actualConn = await source.OpenConnectionAsync();
        foreach (var statement in Setup)
        {
            await new NpgsqlCommand(statement, expectedConn).ExecuteNonQueryAsync();
            await new NpgsqlCommand(statement, actualConn).ExecuteNonQueryAsync();
        }

        Assert.Equal(await RunAsync(expectedConn, sql), await RunAsync(actualConn, sql));
    }

    /// <summary>The rows as text lines (NULL as "NULL"), or "ERROR sqlstate".</summary>
    private static async Task<List<string>> RunAsync(NpgsqlConnection conn, string sql)
    {
        var lines = new List<string>();
        try
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var fields = new string[reader.FieldCount];
                for (int i = 0; i < fields.Length; i++)
                {
                    fields[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
                }

                lines.Add(string.Join('|', fields));
            }
        }
        catch (PostgresException e)
        {
            lines.Add("ERROR " + e.SqlState);
        }

        return lines;
    }
}
