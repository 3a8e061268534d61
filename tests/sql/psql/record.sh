#!/usr/bin/env bash
# Re-record expected.out: run meta.sql through psql -X against a throw-away PostgreSQL 15 cluster
# with pgvector installed (initdb -U postgres, UTF8, C.UTF-8, so \l and owners are deterministic).
#
#   tests/sql/psql/record.sh            (run from anywhere; needs root or the postgres user)
#
# pgvector has no diskann access method, so the reference runs the script with
# "USING diskann" replaced by "USING hnsw" (same opclass, same column; like pgvectorscale's
# diskann, hnsw has no default opclass for vector_l2_ops, so \d prints the opclass), and the
# index line that \d prints for it and its "Access method" cell in \di+ are turned back to
# "diskann" in the output. That is the one deliberate edit: AnnSql prints the access method the
# index was created with. Sizes (\dt+, \di+, \l+) and the \timing line are masked by the test.
set -eu
cd "$(dirname "$0")/../../.."
bin="$(pg_config --bindir)"
dir="$(mktemp -d /tmp/annsql-psqlref-XXXXXX)"
chown postgres "$dir"
trap 'runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
port=$((40000 + RANDOM % 20000))
runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c TimeZone=UTC -c lc_messages=C" start >/dev/null
sed 's/USING diskann/USING hnsw/' tests/sql/psql/meta.sql > "$dir/meta.sql"
psql -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -f "$dir/meta.sql" 2>"$dir/err" \
    | sed -e 's/^\(    "items_embedding_idx" \)hnsw /\1diskann /' \
          -e 's/^\( public | items_embedding_idx  | index | postgres | items | permanent   | \)hnsw   /\1diskann/' \
          -e 's/^Time: [0-9.]* ms.*$/Time: x ms/' > tests/sql/psql/expected.out
cat "$dir/err" >&2
