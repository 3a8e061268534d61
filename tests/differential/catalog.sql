-- Catalog lookups clients run: information_schema, pg_type, regtype, settings.
CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric, tags text[], created timestamptz);
CREATE TABLE "Mixed Case" ("Id" int, "some col" text);
SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name;
SELECT column_name, data_type, is_nullable, ordinal_position FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position;
SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'Mixed Case' ORDER BY ordinal_position;
SELECT count(*) FROM information_schema.tables WHERE table_name = 'nope';
SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'items');
SELECT typname, oid FROM pg_type WHERE typname IN ('int4', 'text') ORDER BY oid;
SELECT typname, oid, typlen, typtype FROM pg_type WHERE typname IN ('bool', 'int2', 'int8', 'float4', 'float8', 'varchar', 'bytea', 'uuid', 'jsonb', 'date', 'timestamp', 'timestamptz', 'numeric') ORDER BY oid;
SELECT typname, typelem FROM pg_type WHERE typname IN ('_int4', '_text', '_float8') ORDER BY typname;
SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'pg_catalog' AND t.typname = 'int8';
SELECT 'int4'::regtype, 'int4'::regtype::oid, 'text'::regtype::int, 'integer[]'::regtype, 'bigint'::regtype::oid;
SELECT 23::regtype, 25::regtype, 1043::regtype, 16::regtype;
-- differs: regclass output prints the OID (the name needs the catalog, which the output function does not reach); ::text gives the name
SELECT 'items'::regclass;
SELECT 'items'::regclass::text, 'items'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'items');
SELECT relname, relkind FROM pg_class WHERE relname IN ('items', 'items_pkey') ORDER BY relname;
SELECT nspname FROM pg_namespace WHERE nspname IN ('pg_catalog', 'public', 'information_schema') ORDER BY nspname;
SELECT current_setting('server_version_num')::int >= 150000;
SELECT current_setting('server_version_num')::int / 10000;
-- differs: the exact version string names AnnSql and its own build
SELECT version();
-- differs: server_version is AnnSql's own (15.x), not the reference's minor release
SHOW server_version;
SELECT current_database() IS NOT NULL, current_schema(), current_user IS NOT NULL, session_user = current_user;
SHOW standard_conforming_strings;
SHOW client_encoding;
SHOW DateStyle;
-- differs: the reference cluster runs with TimeZone=UTC; AnnSql reports the host zone name (Etc/UTC)
SHOW TimeZone;
SHOW search_path;
SHOW integer_datetimes;
SELECT current_setting('standard_conforming_strings'), current_setting('client_encoding');
SET search_path TO public;
SHOW search_path;
SET application_name = 'difftest';
SHOW application_name;
RESET application_name;
SHOW application_name;
SET statement_timeout = 0;
SET client_min_messages TO warning;
SHOW client_min_messages;
SELECT set_config('application_name', 'x', false);
SHOW application_name;
SHOW no_such_setting;
SET no_such_setting = 1;
SELECT current_setting('no_such_setting');
SELECT current_setting('no_such_setting', true);
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a WHERE a.attrelid = 'items'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum;
SELECT format_type(23, NULL), format_type(1043, 14), format_type(1700, -1), format_type(1007, NULL);
SELECT has_table_privilege('items', 'SELECT'), pg_table_is_visible('items'::regclass);
SELECT indexrelid::regclass::text, indisprimary, indisunique FROM pg_index WHERE indrelid = 'items'::regclass;
SELECT conname, contype FROM pg_constraint WHERE conrelid = 'items'::regclass ORDER BY conname;
SELECT pg_typeof(oid), pg_typeof(typname) FROM pg_type WHERE typname = 'int4';
