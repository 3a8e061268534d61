-- Load the vendored MNIST sample (9,000 base rows, 1,000 queries, 784 dimensions).
--
-- Run from the repository root (psql runs the generator on the client side,
-- so this works against any server, local or remote):
--
--   psql -X -h 127.0.0.1 -p 5433 -U postgres -f examples/sql/mnist_load.sql
--
-- The vectors come from tests/data/mnist-784-euclidean (see tests/data/README.md);
-- tests/data/make_example_sql.py turns them into CSV rows  id,label,"[...]".

CREATE EXTENSION IF NOT EXISTS vector;

DROP TABLE IF EXISTS mnist;
CREATE TABLE mnist (id int PRIMARY KEY, label smallint NOT NULL, embedding vector(784));
\copy mnist (id, label, embedding) FROM PROGRAM 'python3 tests/data/make_example_sql.py base' WITH (FORMAT csv)

DROP TABLE IF EXISTS mnist_queries;
CREATE TABLE mnist_queries (id int PRIMARY KEY, label smallint NOT NULL, embedding vector(784));
\copy mnist_queries (id, label, embedding) FROM PROGRAM 'python3 tests/data/make_example_sql.py query' WITH (FORMAT csv)

SELECT count(*) AS base_rows, min(id), max(id) FROM mnist;
SELECT count(*) AS query_rows, min(id), max(id) FROM mnist_queries;
SELECT label, count(*) FROM mnist GROUP BY label ORDER BY label;
