-- AnnSql quickstart: the same SQL you would run against PostgreSQL + pgvector.
--
--   psql -X -h 127.0.0.1 -p 5433 -U postgres -f examples/sql/quickstart.sql
--
-- The script is re-runnable: it drops and recreates its own tables.
-- Every ORDER BY ends with a unique column so the output is deterministic.

\echo '== setup'
CREATE EXTENSION IF NOT EXISTS vector;
DROP TABLE IF EXISTS items;
CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));
INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]'), ('[1,1,1]'), ('[2,0,2]');
SELECT * FROM items ORDER BY id;

\echo '== nearest neighbors by L2 distance (<->)'
SELECT id, embedding, embedding <-> '[3,1,2]' AS distance
FROM items ORDER BY embedding <-> '[3,1,2]', id LIMIT 5;

\echo '== nearest neighbors by negative inner product (<#>)'
SELECT id, embedding, embedding <#> '[3,1,2]' AS neg_inner_product
FROM items ORDER BY embedding <#> '[3,1,2]', id LIMIT 5;

\echo '== nearest neighbors by cosine distance (<=>)'
SELECT id, embedding, embedding <=> '[3,1,2]' AS cosine_distance
FROM items ORDER BY embedding <=> '[3,1,2]', id LIMIT 5;

\echo '== nearest neighbors by L1 distance (<+>)'
SELECT id, embedding, embedding <+> '[3,1,2]' AS l1_distance
FROM items ORDER BY embedding <+> '[3,1,2]', id LIMIT 5;

\echo '== nearest neighbors of a stored row'
SELECT id, embedding FROM items
WHERE id != 1
ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 1), id LIMIT 5;

\echo '== rows within a distance'
SELECT id, embedding FROM items WHERE embedding <-> '[3,1,2]' < 3 ORDER BY id;

\echo '== inner product and cosine similarity'
SELECT id, (embedding <#> '[3,1,2]') * -1 AS inner_product,
       1 - (embedding <=> '[3,1,2]') AS cosine_similarity
FROM items ORDER BY id;

\echo '== distance functions'
SELECT l2_distance('[1,2,3]'::vector, '[3,1,2]'::vector) AS l2,
       inner_product('[1,2,3]'::vector, '[3,1,2]'::vector) AS ip,
       cosine_distance('[1,2,3]'::vector, '[3,1,2]'::vector) AS cosine,
       l1_distance('[1,2,3]'::vector, '[3,1,2]'::vector) AS l1;

\echo '== vector functions'
SELECT id,
       vector_dims(embedding) AS dims,
       vector_norm(embedding) AS norm,
       l2_normalize(embedding) AS normalized,
       subvector(embedding, 2, 2) AS sub
FROM items ORDER BY id;

\echo '== vector arithmetic'
SELECT '[1,2,3]'::vector + '[4,5,6]' AS sum,
       '[1,2,3]'::vector - '[4,5,6]' AS difference,
       '[1,2,3]'::vector * '[4,5,6]' AS product;

\echo '== aggregates'
SELECT avg(embedding) AS avg, sum(embedding) AS sum, count(*) FROM items;

\echo '== update and delete'
UPDATE items SET embedding = '[1,2,4]' WHERE id = 1;
SELECT * FROM items WHERE id = 1;
DELETE FROM items WHERE id = 4;
SELECT * FROM items ORDER BY id;

\echo '== halfvec (half-precision vectors)'
DROP TABLE IF EXISTS half_items;
CREATE TABLE half_items (id bigserial PRIMARY KEY, embedding halfvec(3));
INSERT INTO half_items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]'), ('[1.5,0.25,2]');
SELECT id, embedding, embedding <-> '[3,1,2]' AS distance
FROM half_items ORDER BY embedding <-> '[3,1,2]', id LIMIT 5;
SELECT '[1,2,3]'::vector::halfvec(3) AS to_halfvec,
       '[0.1,0.2,0.3]'::halfvec AS rounded;

\echo '== sparsevec (sparse vectors: {index:value}/dimensions, 1-based)'
DROP TABLE IF EXISTS sparse_items;
CREATE TABLE sparse_items (id bigserial PRIMARY KEY, embedding sparsevec(5));
INSERT INTO sparse_items (embedding) VALUES ('{1:1,3:2,5:3}/5'), ('{2:4,4:5}/5'), ('{1:2,5:1}/5');
SELECT id, embedding, embedding <-> '{1:3,3:1,5:2}/5' AS distance
FROM sparse_items ORDER BY embedding <-> '{1:3,3:1,5:2}/5', id LIMIT 5;
SELECT '[1,0,2,0,3]'::vector::sparsevec AS to_sparsevec,
       '{1:1,3:2,5:3}/5'::sparsevec::vector AS to_vector;

\echo '== bit vectors: Hamming (<~>) and Jaccard (<%>) distance'
DROP TABLE IF EXISTS bit_items;
CREATE TABLE bit_items (id bigserial PRIMARY KEY, embedding bit(3));
INSERT INTO bit_items (embedding) VALUES ('000'), ('111'), ('101');
SELECT id, embedding, embedding <~> '101' AS hamming
FROM bit_items ORDER BY embedding <~> '101', id LIMIT 5;
SELECT id, embedding, embedding <%> '101' AS jaccard
FROM bit_items ORDER BY embedding <%> '101', id LIMIT 5;
SELECT hamming_distance('101'::bit(3), '011'::bit(3)) AS hamming,
       jaccard_distance('101'::bit(3), '011'::bit(3)) AS jaccard,
       binary_quantize('[1,-2,3]'::vector) AS quantized;

\echo '== clean up'
DROP TABLE bit_items;
DROP TABLE sparse_items;
DROP TABLE half_items;
