-- Statements real clients sent to PostgreSQL 15, captured from the wire (shared/compat/*.log).
-- Each block starts with a '-- # source' header; ParserClientStatementTests parses every block as a script.
-- # auth-probe.log
SELECT 'md5 ok'
-- # auth-probe.log
SELECT 'trust ok'
-- # auth-probe.log
SELECT 'sslmode=disable'
-- # dapper.log
SELECT version();

SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid
FROM (
    -- Arrays have typtype=b - this subquery identifies them by their typreceive and converts their typtype to a
    -- We first do this for the type (innerest-most subquery), and then for its element type
    -- This also returns the array element, range subtype and domain base type as elemtypoid
    SELECT
        typ.oid, typ.typnamespace, typ.typname, typ.typtype, typ.typrelid, typ.typnotnull, typ.relkind,
        elemtyp.oid AS elemtypoid, elemtyp.typname AS elemtypname, elemcls.relkind AS elemrelkind,
        CASE WHEN elemproc.proname='array_recv' THEN 'a' ELSE elemtyp.typtype END AS elemtyptype
        , typ.typcategory
    FROM (
        SELECT typ.oid, typnamespace, typname, typrelid, typnotnull, relkind, typelem AS elemoid,
            CASE WHEN proc.proname='array_recv' THEN 'a' ELSE typ.typtype END AS typtype,
            CASE
                WHEN proc.proname='array_recv' THEN typ.typelem
                WHEN typ.typtype='r' THEN rngsubtype
                WHEN typ.typtype='m' THEN (SELECT rngtypid FROM pg_range WHERE rngmultitypid = typ.oid)
                WHEN typ.typtype='d' THEN typ.typbasetype
            END AS elemtypoid
            , typ.typcategory
        FROM pg_type AS typ
        LEFT JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
        LEFT JOIN pg_proc AS proc ON proc.oid = typ.typreceive
        LEFT JOIN pg_range ON (pg_range.rngtypid = typ.oid)
    ) AS typ
    LEFT JOIN pg_type AS elemtyp ON elemtyp.oid = elemtypoid
    LEFT JOIN pg_class AS elemcls ON (elemcls.oid = elemtyp.typrelid)
    LEFT JOIN pg_proc AS elemproc ON elemproc.oid = elemtyp.typreceive
) AS t
JOIN pg_namespace AS ns ON (ns.oid = typnamespace)
WHERE
    
    (typtype IN ('b', 'r', 'm', 'e', 'd') OR -- Base, range, multirange, enum, domain
    (typtype = 'c' AND relkind='c') OR -- User-defined free-standing composites (not table composites) by default
    (typtype = 'p' AND typname IN ('record', 'void', 'unknown')) OR -- Some special supported pseudo-types
    (typtype = 'a' AND (  -- Array of...
        elemtyptype IN ('b', 'r', 'm', 'e', 'd') OR -- Array of base, range, multirange, enum, domain
        (elemtyptype = 'p' AND elemtypname IN ('record', 'void')) OR -- Arrays of special supported pseudo-types
        (elemtyptype = 'c' AND elemrelkind='c') -- Array of user-defined free-standing composites (not table composites) by default
    )))
ORDER BY CASE
       WHEN typtype IN ('b', 'e', 'p') THEN 0           -- First base types, enums, pseudo-types
       WHEN typtype = 'c' THEN 1                        -- Composites after (fields loaded later in 2nd pass)
       WHEN typtype = 'r' THEN 2                        -- Ranges after
       WHEN typtype = 'm' THEN 3                        -- Multiranges after
       WHEN typtype = 'd' AND elemtyptype <> 'a' THEN 4 -- Domains over non-arrays after
       WHEN typtype = 'a' THEN 5                        -- Arrays after
       WHEN typtype = 'd' AND elemtyptype = 'a' THEN 6  -- Domains over arrays last
END;

-- Load field definitions for (free-standing) composite types
SELECT typ.oid, att.attname, att.atttypid
FROM pg_type AS typ
JOIN pg_namespace AS ns ON (ns.oid = typ.typnamespace)
JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid)
WHERE
  (typ.typtype = 'c' AND cls.relkind='c') AND
  
  attnum > 0 AND     -- Don't load system attributes
  NOT attisdropped
ORDER BY typ.oid, att.attnum;

-- Load enum fields
SELECT typ.oid, enumlabel
FROM pg_enum
JOIN pg_type AS typ ON typ.oid = enumtypid
JOIN pg_namespace AS ns ON ns.oid = typ.typnamespace

ORDER BY oid, enumsortorder;
-- # dapper.log
CREATE EXTENSION IF NOT EXISTS vector
-- # dapper.log
DROP TABLE IF EXISTS dapper_items
-- # dapper.log
CREATE TABLE dapper_items (id bigserial PRIMARY KEY, name text, embedding vector(3))
-- # dapper.log
INSERT INTO dapper_items (name, embedding) VALUES ($1, $2), ($3, $4)
-- # dapper.log
INSERT INTO dapper_items (name, embedding) VALUES ($1, $2)
-- # dapper.log
SELECT id, name, embedding FROM dapper_items ORDER BY embedding <-> $1 LIMIT 5
-- # dapper.log
SELECT count(*) FROM dapper_items WHERE name = ANY($1)
-- # dapper.log
SELECT id, name FROM dapper_items WHERE id <= $1 ORDER BY id
-- # dapper.log
SELECT embedding::text FROM dapper_items WHERE name = $1
-- # efcore-existing-empty-db.log
SELECT 1
-- # efcore-existing-empty-db.log
DISCARD ALL
-- # efcore-existing-empty-db.log
SELECT CASE WHEN COUNT(*) = 0 THEN FALSE ELSE TRUE END
FROM pg_class AS cls
JOIN pg_namespace AS ns ON ns.oid = cls.relnamespace
WHERE
        cls.relkind IN ('r', 'v', 'm', 'f', 'p') AND
        ns.nspname NOT IN ('pg_catalog', 'information_schema') AND
        -- Exclude tables which are members of PG extensions
        NOT EXISTS (
            SELECT 1 FROM pg_depend WHERE
                classid=(
                    SELECT cls.oid
                    FROM pg_class AS cls
                             JOIN pg_namespace AS ns ON ns.oid = cls.relnamespace
                    WHERE relname='pg_class' AND ns.nspname='pg_catalog'
                ) AND
                objid=cls.oid AND
                deptype IN ('e', 'x')
        )
-- # efcore-existing-empty-db.log
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED
-- # efcore-existing-empty-db.log
CREATE TABLE ef_items (
    "Id" integer GENERATED BY DEFAULT AS IDENTITY,
    "Name" text NOT NULL,
    "Embedding" vector(3) NOT NULL,
    "Labels" smallint[] NOT NULL,
    CONSTRAINT "PK_ef_items" PRIMARY KEY ("Id")
)
-- # efcore-existing-empty-db.log
CREATE INDEX "IX_ef_items_Embedding" ON ef_items USING hnsw ("Embedding" vector_l2_ops)
-- # efcore-existing-empty-db.log
COMMIT
-- # efcore-existing-empty-db.log
INSERT INTO ef_items ("Embedding", "Labels", "Name")
VALUES ($1, $2, $3)
RETURNING "Id"
-- # efcore-existing-empty-db.log
SELECT e."Id", e."Embedding", e."Labels", e."Name"
FROM ef_items AS e
ORDER BY e."Embedding" <-> $1
LIMIT $2
-- # efcore-existing-empty-db.log
SELECT e."Id", e."Embedding" <=> $1 AS "D"
FROM ef_items AS e
ORDER BY e."Embedding" <=> $1
LIMIT $2
-- # efcore-existing-empty-db.log
SELECT e."Name"
FROM ef_items AS e
WHERE 2 = ANY (e."Labels")
-- # efcore-existing-empty-db.log
SELECT count(*)::int
FROM ef_items AS e
WHERE cardinality(e."Labels") > 1
-- # efcore-existing-empty-db.log
SELECT EXISTS (
    SELECT 1
    FROM ef_items AS e
    WHERE EXISTS (
        SELECT 1
        FROM unnest(e."Labels") AS l(value)
        WHERE l.value > 3))
-- # efcore-existing-empty-db.log
SELECT e."Id", e."Embedding", e."Labels", e."Name"
FROM ef_items AS e
WHERE e."Name" = 'a'
LIMIT 1
-- # efcore-existing-empty-db.log
UPDATE ef_items SET "Embedding" = $1, "Name" = $2
WHERE "Id" = $3
-- # efcore-existing-empty-db.log
SELECT e."Id", e."Embedding", e."Labels", e."Name"
FROM ef_items AS e
WHERE e."Name" = 'd'
LIMIT 2
-- # efcore-existing-empty-db.log
DELETE FROM ef_items
WHERE "Id" = $1
-- # efcore-existing-empty-db.log
UPDATE ef_items AS e
SET "Name" = $1
WHERE e."Name" = 'b'
-- # efcore-existing-empty-db.log
DELETE FROM ef_items AS e
WHERE e."Name" = 'zzz'
-- # efcore-existing-empty-db.log
SAVEPOINT "__EFSavePoint"
-- # efcore-existing-empty-db.log
RELEASE SAVEPOINT "__EFSavePoint"
-- # efcore-existing-empty-db.log
SELECT e."Name"
FROM ef_items AS e
ORDER BY e."Id"
-- # efcore-migrate.log
CREATE DATABASE cap_efmig
-- # efcore-migrate.log
CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
)
-- # efcore-migrate.log
LOCK TABLE "__EFMigrationsHistory" IN ACCESS EXCLUSIVE MODE
-- # efcore-migrate.log
SELECT "MigrationId", "ProductVersion"
FROM "__EFMigrationsHistory"
ORDER BY "MigrationId"
-- # efcore-migrate.log
INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20260101000000_Initial', '10.0.5')
-- # efcore.log
CREATE DATABASE cap_efcore
-- # node-pg.log
SELECT typname, oid FROM pg_type WHERE typname IN ($1, $2, $3)
-- # node-pg.log
DROP TABLE IF EXISTS node_items
-- # node-pg.log
CREATE TABLE node_items (id bigserial PRIMARY KEY, name text, embedding vector(3), half halfvec(3), sparse sparsevec(5), created timestamptz DEFAULT now(), tags text[])
-- # node-pg.log
INSERT INTO node_items (name, embedding, half, sparse, tags) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)
-- # node-pg.log
SELECT id, name, embedding, half, sparse, created, tags FROM node_items ORDER BY embedding <-> $1 LIMIT 5
-- # node-pg.log
SELECT id, embedding <-> $2 AS dist FROM node_items WHERE name = $1
-- # node-pg.log
SELECT $1::int + 1 AS a, $2::float8 * 2 AS b, $3::bool AS c, $4::jsonb AS d
-- # node-pg.log
BEGIN
-- # node-pg.log
UPDATE node_items SET name = $1 WHERE id = $2
-- # node-pg.log
SELECT 1 AS x; SELECT 2 AS y
-- # npgsql-notypeloading.log
SELECT $1::int4 + 1, $2::text, $3::int2[]
-- # npgsql-notypeloading.log
SELECT '[1,2,3]'::vector
-- # npgsql-notypeloading.log
SELECT '[1,2,3]'::vector::text
-- # npgsql.log
DROP TABLE IF EXISTS alltypes
-- # npgsql.log
CREATE TABLE alltypes (id int4 PRIMARY KEY, c_int2 int2, c_int8 int8, c_float4 float4, c_float8 float8, c_text text, c_bool bool, c_ts timestamptz, c_bytea bytea, c_uuid uuid, c_jsonb jsonb, c_int2arr int2[], c_int4arr int4[], c_textarr text[])
-- # npgsql.log
INSERT INTO alltypes VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
-- # npgsql.log
INSERT INTO alltypes (id, c_text, c_int8, c_bool) VALUES ($1, $2, $3, $4)
-- # npgsql.log
SELECT * FROM alltypes ORDER BY id
-- # npgsql.log
SELECT id, c_text FROM alltypes WHERE id = $1
-- # npgsql.log
SELECT 'two'
-- # npgsql.log
UPDATE alltypes SET c_text = $1 WHERE id = 2
-- # npgsql.log
SELECT count(*) FROM alltypes
-- # npgsql.log
UPDATE alltypes SET c_bool = NOT c_bool WHERE id = 1
-- # npgsql.log
COPY alltypes (id, c_int2, c_text, c_float8, c_ts, c_int4arr, c_jsonb) FROM STDIN (FORMAT BINARY)
-- # npgsql.log
COPY (SELECT id, c_text FROM alltypes WHERE id >= 10 ORDER BY id) TO STDOUT (FORMAT BINARY)
-- # npgsql.log
INSERT INTO alltypes (id) VALUES (1)
-- # npgsql.log
SELECT pg_sleep(10)
-- # npgsql.log
SELECT 42
-- # npgsql.log
SELECT
     typ.oid AS typoid, nspname, relname, attname, attrelid, attnum, attnotnull,
     attidentity != '' AS isidentity,
     CASE WHEN typ.typtype = 'd' THEN typ.typtypmod ELSE atttypmod END AS typmod,
     CASE WHEN atthasdef THEN (SELECT pg_get_expr(adbin, cls.oid) FROM pg_attrdef WHERE adrelid = cls.oid AND adnum = attr.attnum) ELSE NULL END AS default,
     CASE WHEN ((cls.relkind = ANY (ARRAY['r'::"char", 'p'::"char"]))
               OR ((cls.relkind = ANY (ARRAY['v'::"char", 'f'::"char"]))
               AND pg_column_is_updatable((cls.oid)::regclass, attr.attnum, false)))
  	           AND attr.attidentity NOT IN ('a') THEN 'true'::boolean
               ELSE 'false'::boolean
               END AS is_updatable,
     EXISTS (
       SELECT * FROM pg_index
       WHERE pg_index.indrelid = cls.oid AND
             pg_index.indisprimary AND
             attnum = ANY (indkey)
     ) AS isprimarykey,
     EXISTS (
       SELECT * FROM pg_index
       WHERE pg_index.indrelid = cls.oid AND
             pg_index.indisunique AND
             pg_index.indnkeyatts = 1 AND
             attnum = pg_index.indkey[0]
     ) AS isunique
FROM pg_attribute AS attr
JOIN pg_type AS typ ON attr.atttypid = typ.oid
JOIN pg_class AS cls ON cls.oid = attr.attrelid
JOIN pg_namespace AS ns ON ns.oid = cls.relnamespace
WHERE
     atttypid <> 0 AND
     relkind IN ('r', 'v', 'm') AND
     NOT attisdropped AND
     nspname NOT IN ('pg_catalog', 'information_schema') AND
     attnum > 0 AND
     ((attr.attrelid=16395 AND attr.attnum=1) OR (attr.attrelid=16395 AND attr.attnum=6))
ORDER BY attnum
-- # npgsql.log
SELECT current_database()
-- # pgbench-extended.log
SELECT id, name, val FROM bench_items WHERE id = $1;
-- # pgbench-extended.log
UPDATE bench_items SET val = val + $1 WHERE id = $2;
-- # pgbench-extended.log
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || $1 || ',1,1]')::vector LIMIT 5;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 810;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 717;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + -38 WHERE id = 717;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + 19 WHERE id = 810;
-- # pgbench-simple.log
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || 6 || ',1,1]')::vector LIMIT 5;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 596;
-- # pgbench-simple.log
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || 2 || ',1,1]')::vector LIMIT 5;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + -30 WHERE id = 596;
-- # pgbench-simple.log
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || 5 || ',1,1]')::vector LIMIT 5;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 288;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + 1 WHERE id = 288;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 430;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + -8 WHERE id = 430;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 678;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + 29 WHERE id = 678;
-- # pgbench-simple.log
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || 0 || ',1,1]')::vector LIMIT 5;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 971;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + 11 WHERE id = 971;
-- # pgbench-simple.log
SELECT id, name, val FROM bench_items WHERE id = 85;
-- # pgbench-simple.log
UPDATE bench_items SET val = val + -9 WHERE id = 85;
-- # pgbench-without-n.log
vacuum pgbench_branches
-- # pgbench-without-n.log
vacuum pgbench_tellers
-- # pgbench-without-n.log
truncate pgbench_history
-- # pgbench-without-n.log
SELECT id, name, val FROM bench_items WHERE id = 504;
-- # pgbench-without-n.log
UPDATE bench_items SET val = val + -18 WHERE id = 504;
-- # pgbench-without-n.log
SELECT id FROM bench_items ORDER BY embedding <-> ('[' || 4 || ',1,1]')::vector LIMIT 5;
-- # pgvector-npgsql.log
DROP TABLE IF EXISTS items
-- # pgvector-npgsql.log
CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3), half_embedding halfvec(3), sparse_embedding sparsevec(5), binary_embedding bit(3))
-- # pgvector-npgsql.log
INSERT INTO items (embedding, half_embedding, sparse_embedding, binary_embedding) VALUES ($1,$2,$3,$4),($5,$6,$7,$8),($9,$10,$11,$12)
-- # pgvector-npgsql.log
SELECT * FROM items ORDER BY embedding <-> $1 LIMIT 5
-- # pgvector-npgsql.log
SELECT id, embedding <=> $1 AS cos, embedding <#> $1 AS ip, half_embedding <-> $2 AS hl2, sparse_embedding <-> $3 AS sl2, binary_embedding <~> $4 AS ham FROM items ORDER BY 2 LIMIT 5
-- # pgvector-npgsql.log
CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)
-- # pgvector-npgsql.log
COPY items (embedding, half_embedding, sparse_embedding, binary_embedding) FROM STDIN WITH (FORMAT BINARY)
-- # pgvector-npgsql.log
SELECT embedding, embedding::text FROM items ORDER BY id LIMIT 2
-- # pgvector-npgsql.log
SELECT $1
-- # psql.log
SELECT d.datname as "Name",
       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
       d.datcollate as "Collate",
       d.datctype as "Ctype",
       d.daticulocale as "ICU Locale",
       CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
       pg_catalog.array_to_string(d.datacl, E'\n') AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;
-- # psql.log
SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;
-- # psql.log
SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(items)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;
-- # psql.log
SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '18423';
-- # psql.log
SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '18423' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
-- # psql.log
SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
WHERE c.oid = '18423' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
ORDER BY i.indisprimary DESC, c2.relname;
-- # psql.log
SELECT pol.polname, pol.polpermissive,
  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,
  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
  CASE pol.polcmd
    WHEN 'r' THEN 'SELECT'
    WHEN 'a' THEN 'INSERT'
    WHEN 'w' THEN 'UPDATE'
    WHEN 'd' THEN 'DELETE'
    END AS cmd
FROM pg_catalog.pg_policy pol
WHERE pol.polrelid = '18423' ORDER BY 1;
-- # psql.log
SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,
pg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,
  'd' = any(stxkind) AS ndist_enabled,
  'f' = any(stxkind) AS deps_enabled,
  'm' = any(stxkind) AS mcv_enabled,
stxstattarget
FROM pg_catalog.pg_statistic_ext
WHERE stxrelid = '18423'
ORDER BY nsp, stxname;
-- # psql.log
SELECT pubname
     , NULL
     , NULL
FROM pg_catalog.pg_publication p
     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
WHERE pc.oid ='18423' and pg_catalog.pg_relation_is_publishable('18423')
UNION
SELECT pubname
     , pg_get_expr(pr.prqual, c.oid)
     , (CASE WHEN pr.prattrs IS NOT NULL THEN
         (SELECT string_agg(attname, ', ')
           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,
                pg_catalog.pg_attribute
          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])
        ELSE NULL END) FROM pg_catalog.pg_publication p
     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid
     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
WHERE pr.prrelid = '18423'
UNION
SELECT pubname
     , NULL
     , NULL
FROM pg_catalog.pg_publication p
WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('18423')
ORDER BY 1;
-- # psql.log
SELECT c.oid::pg_catalog.regclass
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhparent AND i.inhrelid = '18423'
  AND c.relkind != 'p' AND c.relkind != 'I'
ORDER BY inhseqno;
-- # psql.log
SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i
WHERE c.oid = i.inhrelid AND i.inhparent = '18423'
ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text;
-- # psql.log
SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x), ', ')
, c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '18423';
-- # psql.log
SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated,
  a.attstorage,
  a.attcompression AS attcompression,
  CASE WHEN a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget,
  pg_catalog.col_description(a.attrelid, a.attnum)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '18423' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;
-- # psql.log
SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner",
  c2.relname as "Table"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
     LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
     LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid
WHERE c.relkind IN ('i','I','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;
-- # psql.log
SELECT e.extname AS "Name", e.extversion AS "Version", n.nspname AS "Schema", c.description AS "Description"
FROM pg_catalog.pg_extension e LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace LEFT JOIN pg_catalog.pg_description c ON c.objoid = e.oid AND c.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass
ORDER BY 1;
-- # psql.log
SELECT id, name, embedding FROM items ORDER BY embedding <-> '[1,1,1]' LIMIT 5;
-- # psql.log
COPY items (id, name, embedding, labels) FROM STDIN;
-- # psql.log
COPY  items ( id, name, embedding, labels ) FROM STDIN WITH (FORMAT csv, HEADER true)
-- # psql.log
SELECT count(*) FROM items;
-- # psycopg2.log
CREATE TABLE IF NOT EXISTS py2_items (id serial PRIMARY KEY, name text, embedding vector(3))
-- # psycopg2.log
INSERT INTO py2_items (name, embedding) VALUES ('one', '[1,2,3]')
-- # psycopg2.log
INSERT INTO py2_items (name, embedding) VALUES ('two', '[2,2,2]')
-- # psycopg2.log
INSERT INTO py2_items (name, embedding) VALUES ('three', '[3,3,3]')
-- # psycopg2.log
SELECT id, name, embedding FROM py2_items ORDER BY embedding <-> '[1,1,1]' LIMIT 5
-- # psycopg3.log
DROP TABLE IF EXISTS py_items
-- # psycopg3.log
CREATE TABLE py_items (id bigserial PRIMARY KEY, name text, n int, score float8, embedding vector(3), created timestamptz DEFAULT now())
-- # psycopg3.log
SAVEPOINT "_pg3_1"
-- # psycopg3.log
SELECT
    typname AS name, oid, typarray AS array_oid,
    oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t
WHERE t.oid = $1::regtype
ORDER BY t.oid
-- # psycopg3.log
RELEASE "_pg3_1"
-- # psycopg3.log
INSERT INTO py_items (name, n, score, embedding) VALUES ($1, $2, $3, $4)
-- # psycopg3.log
INSERT INTO py_items (name, n, score, embedding) VALUES ($1, $2, $3, $4::vector)
-- # psycopg3.log
INSERT INTO py_items (name, n, embedding) VALUES ($1, $2, $3)
-- # psycopg3.log
SELECT id, name, n, score, embedding, created FROM py_items ORDER BY embedding <-> $1::vector LIMIT 5
-- # psycopg3.log
SELECT name FROM py_items WHERE n = $1
-- # psycopg3.log
SELECT id, name, n, score FROM py_items WHERE n > $1 ORDER BY id
-- # psycopg3.log
COPY py_items (name, n, embedding) FROM STDIN
-- # psycopg3.log
COPY py_items (name, n, score) FROM STDIN (FORMAT BINARY)
-- # psycopg3.log
COPY (SELECT name, embedding FROM py_items ORDER BY id) TO STDOUT
-- # psycopg3.log
SELECT 1/0
-- # psycopg3.log
ROLLBACK
-- # psycopg3.log
DEALLOCATE ALL
-- # psycopg3.log
SELECT count(*) FROM py_items
-- # server-probe.log
SELECT * FROM no_such_table;
-- # server-probe.log
CREATE TEMP TABLE probe_u (id int PRIMARY KEY);
-- # server-probe.log
INSERT INTO probe_u VALUES (1);
-- # server-probe.log
SELECT 1/0;
-- # server-probe.log
SELECT no_such_column FROM items;
-- # server-probe.log
SELECT '[1,2]'::vector <-> '[1,2,3]'::vector;
-- # server-probe.log
INSERT INTO items (id, name, embedding) VALUES (1000, 'bad', '[1,2]');
-- # server-probe.log
SELECT '[1,2,3]'::vector AS v, '[1,2,3]'::vector(3) AS v3, embedding, embedding <-> '[1,1,1]' AS dist FROM items ORDER BY id LIMIT 1;
-- # server-probe.log
BEGIN;
-- # server-probe.log
SELECT 1;
-- # server-probe.log
ROLLBACK;
-- # server-probe.log
SHOW server_version;
-- # server-probe.log
SHOW server_version_num;
-- # server-probe.log
SHOW standard_conforming_strings;
-- # server-probe.log
SELECT current_setting('server_version_num'), version();
-- # server-probe.log
SET application_name = 'renamed-app';
-- # server-probe.log
SET TimeZone = 'Europe/Berlin';
-- # server-probe.log
;
