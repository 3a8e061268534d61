#!/usr/bin/env python3
"""Write the vendored MNIST vectors as CSV for COPY / psql's \\copy.

Usage (from the repository root):

    python3 tests/data/make_example_sql.py [base|query] [--limit N] > rows.csv

Each output line is  id,label,"[v1,v2,...,v784]"  where id is the 0-based row
number, label the digit 0..9, and each value is k/1000 (the exact reconstruction
rule of tests/data/README.md) printed as its shortest decimal text ("0", "0.5",
"0.251", "1"). Standard library only. examples/sql/mnist_load.sql runs this
script through  \\copy ... FROM PROGRAM  so no large file needs to be stored.
"""

import gzip
import os
import struct
import sys

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist-784-euclidean")

# Text for every possible stored value k in 0..1000: the shortest decimal of k/1000,
# which parses (as float32) to exactly float32(k / 1000.0).
VALUE_TEXT = []
for _k in range(1001):
    _s = repr(_k / 1000)
    if _s.endswith(".0"):
        _s = _s[:-2]
    VALUE_TEXT.append(_s)


def read_vectors(name):
    with gzip.open(os.path.join(DATA_DIR, name + ".u16.gz"), "rb") as f:
        data = f.read()
    n, d = struct.unpack_from("<ii", data, 0)
    if len(data) != 8 + 2 * n * d:
        raise ValueError("%s.u16.gz: expected %d bytes, got %d" % (name, 8 + 2 * n * d, len(data)))
    return n, d, data


def read_labels(name):
    with gzip.open(os.path.join(DATA_DIR, name + "_labels.txt.gz"), "rt", encoding="ascii") as f:
        return [int(line) for line in f.read().split()]


def main(argv):
    which = "base"
    limit = None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a in ("base", "query"):
            which = a
        elif a == "--limit" and args:
            limit = int(args.pop(0))
        else:
            sys.stderr.write("usage: make_example_sql.py [base|query] [--limit N]\n")
            return 2

    n, d, data = read_vectors(which)
    labels = read_labels(which)
    if len(labels) != n:
        raise ValueError("%s: %d vectors but %d labels" % (which, n, len(labels)))
    if limit is not None:
        n = min(n, limit)

    out = sys.stdout
    row_format = "<%dH" % d
    row_bytes = 2 * d
    for i in range(n):
        ks = struct.unpack_from(row_format, data, 8 + i * row_bytes)
        out.write('%d,%d,"[%s]"\n' % (i, labels[i], ",".join(VALUE_TEXT[k] for k in ks)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(0)
