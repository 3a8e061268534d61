-- Label-filtered k-NN through a diskann index with a label column (pgvectorscale style).
-- Load the data first with examples/sql/mnist_load.sql, then:
--
--   psql -X -h 127.0.0.1 -p 5433 -U postgres -f examples/sql/filtered_search.sql
--
-- Each row's labels are its digit plus "even"/"odd" (100/101) and, for every tenth row, "sampled" (200).

DROP TABLE IF EXISTS tagged;
CREATE TABLE tagged (id int PRIMARY KEY, labels int[], embedding vector(784));
INSERT INTO tagged
SELECT id,
       CASE WHEN id % 10 = 0 THEN ARRAY[label, 100 + label % 2, 200] ELSE ARRAY[label, 100 + label % 2] END,
       embedding
FROM mnist;

-- The second key makes the index label-aware: each label gets a start point, and pruning keeps every label's
-- subgraph navigable (Filtered-DiskANN).
CREATE INDEX tagged_idx ON tagged USING diskann (embedding vector_l2_ops, labels);

\echo '== 5 nearest rows carrying label 3 (any of)'
SELECT id, labels FROM tagged
WHERE labels && ARRAY[3]
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0)
LIMIT 5;

\echo '== 5 nearest odd rows that were sampled (all of)'
SELECT id, labels FROM tagged
WHERE labels @> ARRAY[101, 200]
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0)
LIMIT 5;

\echo '== the planner''s choice: a selective label is scanned exactly, a frequent one searched in the graph'
EXPLAIN SELECT id FROM tagged WHERE 200 = ANY(labels)
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0) LIMIT 5;
EXPLAIN SELECT id FROM tagged WHERE labels && ARRAY[100]
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0) LIMIT 5;

\echo '== any other predicate: iterative graph search, exact scan past its budget'
SET diskann.iterative_search = relaxed_order;
SELECT id FROM tagged
WHERE id % 7 = 3
ORDER BY embedding <-> (SELECT embedding FROM mnist_queries WHERE id = 0)
LIMIT 5;

DROP TABLE tagged;
