// Drives a server with node-postgres and the pgvector package, both with their default settings.
// Usage: node knn.js <host> <port>. Exits non-zero (with the reason on stderr) when anything differs from what is expected.
'use strict';

const assert = require('node:assert/strict');
const pg = require('pg');
const pgvector = require('pgvector/pg');

async function main() {
  const [host, port] = process.argv.slice(2);
  const client = new pg.Client({ host, port: Number(port), user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    await pgvector.registerTypes(client);

    await client.query('DROP TABLE IF EXISTS node_items; CREATE TABLE node_items (id bigint PRIMARY KEY, name text, embedding vector(3))');
    for (let i = 1; i <= 20; i++) {
      const result = await client.query('INSERT INTO node_items (id, name, embedding) VALUES ($1, $2, $3)',
        [i, `item ${i}`, pgvector.toSql([i, 1, 1])]);
      assert.equal(result.rowCount, 1);
    }

    const query = 'SELECT id, name, embedding, embedding <-> $1 AS distance FROM node_items ORDER BY embedding <-> $1 LIMIT 5';
    const knn = await client.query(query, [pgvector.toSql([7.2, 1, 1])]);
    assert.deepEqual(knn.rows.map((r) => Number(r.id)), [7, 8, 6, 9, 5]);
    assert.deepEqual(knn.rows[0].embedding, [7, 1, 1]);
    assert.equal(knn.rows[0].name, 'item 7');
    assert.ok(Math.abs(knn.rows[0].distance - 0.2) < 1e-6, `distance ${knn.rows[0].distance}`);

    // A named statement is parsed once and then only bound.
    for (let i = 0; i < 3; i++) {
      const named = await client.query({ name: 'by-name', text: 'SELECT name FROM node_items WHERE name = $1', values: [`item ${i + 2}`] });
      assert.deepEqual(named.rows, [{ name: `item ${i + 2}` }]);
    }

    const cast = await client.query('SELECT count(*) AS n FROM node_items WHERE id <= $1::int', ['4']);
    assert.equal(cast.rows[0].n, '4');

    const updated = await client.query('UPDATE node_items SET embedding = $1 WHERE id = $2', [pgvector.toSql([100, 1, 1]), 7]);
    assert.equal(updated.rowCount, 1);
    const after = await client.query(query, [pgvector.toSql([7.2, 1, 1])]);
    assert.deepEqual(after.rows.map((r) => Number(r.id)), [8, 6, 9, 5, 10]);

    await assert.rejects(client.query('SELECT * FROM node_items WHERE embedding <-> $1 < 1', [pgvector.toSql([1, 2])]),
      (e) => e.code === '22000');
    const alive = await client.query('SELECT 1 AS one');
    assert.equal(alive.rows[0].one, 1);

    await client.query('DROP TABLE node_items');
    console.log(`node-postgres ok: nearest ${knn.rows.map((r) => r.id).join(',')}`);
  } finally {
    await client.end();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
