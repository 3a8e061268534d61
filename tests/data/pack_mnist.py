#!/usr/bin/env python3
"""Pack the mnist-784-euclidean dataset into the compact vendored form.

Usage: python3 tests/data/pack_mnist.py SOURCE_DIR [DEST_DIR]

SOURCE_DIR holds base.fbin, query.fbin, gt*.ibin/fbin and the label files
(DiskANN formats). DEST_DIR defaults to tests/data/mnist-784-euclidean.
Every float must be exactly float32(k / 1000) for an integer k in 0..1000;
the script stops if one is not. Output is deterministic (gzip -9, no name,
mtime 0). See tests/data/README.md for the formats.
"""
import array
import gzip
import hashlib
import os
import struct
import sys

GZ_FILES = ["gt.ibin", "gt.fbin", "gt_filtered.ibin", "gt_filtered.fbin",
            "base_labels.txt", "query_labels.txt"]


def write_gz(path, payload):
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
            g.write(payload)


def main():
    if sys.byteorder != "little":
        sys.exit("this script assumes a little-endian machine")
    src = sys.argv[1]
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "mnist-784-euclidean")
    os.makedirs(dst, exist_ok=True)
    # float32 bit pattern of k/1000 (division in float64, rounded to nearest float32) -> k
    inv = [struct.pack("<f", k / 1000.0) for k in range(1001)]
    table = {b: k for k, b in enumerate(inv)}
    for name in ["base", "query"]:
        data = open(os.path.join(src, name + ".fbin"), "rb").read()
        n, d = struct.unpack_from("<ii", data, 0)
        raw = data[8:]
        if len(raw) != 4 * n * d:
            sys.exit(f"{name}.fbin: size does not match header {n}x{d}")
        ks = array.array("H")
        for i in range(0, len(raw), 4):
            k = table.get(raw[i:i + 4])
            if k is None:
                sys.exit(f"{name}.fbin: value #{i // 4} = {struct.unpack('<f', raw[i:i + 4])[0]!r} is not float32(k/1000)")
            ks.append(k)
        rebuilt = struct.pack("<ii", n, d) + b"".join(inv[k] for k in ks)
        if rebuilt != data:
            sys.exit(f"{name}.fbin: reconstruction does not reproduce the file")
        write_gz(os.path.join(dst, name + ".u16.gz"), struct.pack("<ii", n, d) + ks.tobytes())
        print(f"{name}.fbin {n}x{d} sha256 {hashlib.sha256(data).hexdigest()}")
    for name in GZ_FILES:
        data = open(os.path.join(src, name), "rb").read()
        write_gz(os.path.join(dst, name + ".gz"), data)
        print(f"{name} sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
