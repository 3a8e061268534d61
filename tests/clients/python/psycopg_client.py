"""Drives a server with psycopg 3 and its default settings (autocommit off, prepare_threshold 5).

Usage: python3 psycopg_client.py <host> <port>. Exits non-zero with the reason on stderr when anything differs from
what is expected. The vector type is registered through TypeInfo.fetch('vector') with small text and binary adapters
written here (the pgvector Python package is not needed).
"""

import struct
import sys

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo


class Vector:
    """A float vector; equality compares the values."""

    def __init__(self, values):
        self.values = [float(v) for v in values]

    def __eq__(self, other):
        return isinstance(other, Vector) and self.values == other.values

    def __repr__(self):
        return f"Vector({self.values})"


def register_vector(conn):
    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        raise RuntimeError("vector type not found")
    info.register(conn)

    class TextDumper(Dumper):
        oid = info.oid

        def dump(self, obj):
            return ("[" + ",".join(repr(v) for v in obj.values) + "]").encode()

    class BinaryDumper(Dumper):
        oid = info.oid
        format = Format.BINARY

        def dump(self, obj):
            return struct.pack(f">HH{len(obj.values)}f", len(obj.values), 0, *obj.values)

    class TextLoader(Loader):
        def load(self, data):
            text = bytes(data).decode()
            return Vector(float(v) for v in text[1:-1].split(",")) if text != "[]" else Vector([])

    class BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            dim, unused = struct.unpack_from(">HH", data)
            assert unused == 0
            return Vector(struct.unpack_from(f">{dim}f", data, 4))

    conn.adapters.register_dumper(Vector, TextDumper)
    conn.adapters.register_dumper(Vector, BinaryDumper)
    conn.adapters.register_loader(info.oid, TextLoader)
    conn.adapters.register_loader(info.oid, BinaryLoader)
    return info


def expect(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def main():
    host, port = sys.argv[1], sys.argv[2]
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres") as conn:
        expect(conn.autocommit, False, "default autocommit")
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.commit()
        info = register_vector(conn)
        expect(info.name, "vector", "TypeInfo name")

        # TypeInfo.fetch inside a transaction wraps its query in a savepoint.
        conn.execute("SELECT 1")
        inside = TypeInfo.fetch(conn, "vector")
        expect(inside.oid, info.oid, "TypeInfo oid inside a transaction")
        conn.commit()

        conn.execute("DROP TABLE IF EXISTS py_items")
        conn.execute("CREATE TABLE py_items (id bigint PRIMARY KEY, name text, qty integer, embedding vector(3))")
        conn.commit()

        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO py_items (id, name, qty, embedding) VALUES (%s, %s, %s, %s)",
                [(i, f"item {i}", i * 1000, Vector([i, 1, 1])) for i in range(1, 11)])
            expect(cur.rowcount, 10, "executemany rowcount")
        conn.commit()

        with conn.cursor() as cur:
            with cur.copy("COPY py_items (id, name, qty, embedding) FROM STDIN") as copy:
                for i in range(11, 21):
                    copy.write_row((i, f"item {i}", i * 1000, Vector([i, 1, 1])))
            with cur.copy("COPY py_items (id, name, qty, embedding) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "text", "int4", "vector"])
                for i in range(21, 31):
                    copy.write_row((i, f"item {i}", i * 1000, Vector([i, 1, 1])))
        conn.commit()
        expect(conn.execute("SELECT count(*) FROM py_items").fetchone()[0], 30, "rows after COPY")

        with conn.cursor() as cur:
            rows = []
            with cur.copy("COPY (SELECT id, embedding FROM py_items WHERE id > 25 ORDER BY id) TO STDOUT") as copy:
                copy.set_types(["int8", "vector"])
                rows = list(copy.rows())
            expect(rows[0], (26, Vector([26, 1, 1])), "COPY TO STDOUT first row")
            expect(len(rows), 5, "COPY TO STDOUT rows")
            with cur.copy("COPY (SELECT id, embedding FROM py_items WHERE id = 3) TO STDOUT") as copy:
                raw = b"".join(bytes(block) for block in copy)
            expect(raw, b"3\t[3,1,1]\n", "COPY TO STDOUT text")
        conn.commit()

        query = "SELECT id, embedding, embedding <-> %s AS d FROM py_items ORDER BY embedding <-> %s LIMIT 5"
        # More executions than prepare_threshold (5): psycopg prepares the statement server-side and then only binds it.
        for target in range(2, 11):
            q = Vector([target + 0.2, 1, 1])
            ids = [r[0] for r in conn.execute(query, (q, q)).fetchall()]
            expect(ids, [target, target + 1, target - 1, target + 2, target - 2 if target > 2 else target + 3],
                   f"k-NN around {target}")
        lookup = "SELECT name, qty FROM py_items WHERE id = %s"
        for i in range(1, 9):
            expect(conn.execute(lookup, (i,)).fetchone(), (f"item {i}", i * 1000), f"lookup {i}")
        # Large ints travel as int8, small ones as int2.
        expect(conn.execute("SELECT qty + %s FROM py_items WHERE id = %s", (10_000_000_000, 2)).fetchone()[0],
               10_000_002_000, "int8 parameter")
        conn.commit()

        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, name, embedding FROM py_items WHERE id = %s", (4,))
            expect(cur.fetchone(), (4, "item 4", Vector([4, 1, 1])), "binary results")
        conn.commit()

        # An error inside a transaction: psycopg rolls back (and forgets its prepared statements); the connection stays usable.
        try:
            conn.execute("INSERT INTO py_items (id, name, qty, embedding) VALUES (%s, %s, %s, %s)", (1, "dup", 0, Vector([0, 0, 0])))
            raise AssertionError("duplicate key was accepted")
        except psycopg.errors.UniqueViolation:
            conn.rollback()
        for i in range(1, 4):
            expect(conn.execute(lookup, (i,)).fetchone(), (f"item {i}", i * 1000), f"lookup after rollback {i}")
        conn.commit()

        conn.execute("DROP TABLE py_items")
        conn.commit()
    print("psycopg ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - any failure is reported and fails the run
        import traceback

        traceback.print_exc()
        sys.exit(1)
