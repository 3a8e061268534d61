-- Exact k-nearest-neighbor search over the MNIST sample.
-- Load the data first with examples/sql/mnist_load.sql, then:
--
--   psql -X -h 127.0.0.1 -p 5433 -U postgres -f examples/sql/mnist_search.sql
--
-- Distances are rounded to 4 decimals: a 784-term float32 sum may differ in its
-- last bits between builds (summation order), the ranking and 4 decimals do not.

\echo '== 10 nearest base rows to query 0 (L2 distance)'
SELECT id, label,
       round((embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0))::numeric, 4) AS distance
FROM mnist
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0), id
LIMIT 10;

\echo '== 10 nearest neighbors of base row 17 (the row itself comes first, at distance 0)'
SELECT id, label,
       round((embedding <-> (SELECT embedding FROM mnist WHERE id = 17))::numeric, 4) AS distance
FROM mnist
ORDER BY embedding <-> (SELECT embedding FROM mnist WHERE id = 17), id
LIMIT 10;

\echo '== 10 nearest rows with label 3 to query 0 (filtered k-NN)'
SELECT id, label,
       round((embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0))::numeric, 4) AS distance
FROM mnist
WHERE label = 3
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0), id
LIMIT 10;

\echo '== same query by cosine distance'
SELECT id, label,
       round((embedding <=> (SELECT embedding FROM mnist_queries WHERE id = 0))::numeric, 4) AS distance
FROM mnist
ORDER BY embedding <=> (SELECT embedding FROM mnist_queries WHERE id = 0), id
LIMIT 10;

\echo '== label counts among the 100 nearest rows to query 6 (a handwritten 8 that looks like a 9)'
SELECT label, count(*) FROM (
    SELECT label FROM mnist
    ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 6), id
    LIMIT 100
) AS nearest
GROUP BY label ORDER BY count(*) DESC, label;

\echo '== 10 nearest rows to query 6 with the query''s own label (filtered k-NN)'
SELECT id, label,
       round((embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 6))::numeric, 4) AS distance
FROM mnist
WHERE label = (SELECT label FROM mnist_queries WHERE id = 6)
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 6), id
LIMIT 10;
