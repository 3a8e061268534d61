#!/usr/bin/env bash
# Run the example scripts in examples/sql against a server and compare psql's
# standard output with tests/sql/expected/*.out byte for byte.
#
#   tests/sql/run.sh [port] [host]      (defaults: 5433 127.0.0.1)
#
# Run from the repository root. Standard error (NOTICE lines) is not compared.
set -u
port="${1:-5433}"
host="${2:-127.0.0.1}"
cd "$(dirname "$0")/../.." || exit 2
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
for name in quickstart mnist_load mnist_search; do
    psql -X -h "$host" -p "$port" -U postgres -f "examples/sql/$name.sql" > "$out/$name.out" 2> "$out/$name.err"
    if cmp -s "$out/$name.out" "tests/sql/expected/$name.out"; then
        echo "ok   $name"
    else
        echo "FAIL $name"
        diff -u "tests/sql/expected/$name.out" "$out/$name.out" | head -40
        sed -n 1,10p "$out/$name.err"
        status=1
    fi
done
exit $status
