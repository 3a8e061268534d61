\set aid random(1, 1000)
\set delta random(-50, 50)
\set x random(0, 9)
SELECT id, name, val FROM bench_items WHERE id = :aid;
UPDATE bench_items SET val = val + :delta WHERE id = :aid;
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || :x || ',1,1]')::vector LIMIT 5;
