#!/usr/bin/env python3
"""Decode Firehose Snappy / HADOOP_SNAPPY objects with python-snappy (the
Debian package python3-snappy, a binding of Google's C++ libsnappy), an
implementation independent of the Go code under test.

Usage: python_snappy_check.py INPUT SNAPPY_FILE HADOOP_FILE [...more triples]
  INPUT is the uncompressed buffer; the other two are what Compress wrote.
Exits 0 when every file decodes back to its INPUT, 1 otherwise.
"""
import struct
import sys

import snappy
from snappy import hadoop_snappy


def decode_xerial(buf):
    header = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
    if buf[:16] != header:
        raise ValueError("bad snappy-java header")
    out = []
    pos = 16
    while pos < len(buf):
        (clen,) = struct.unpack(">I", buf[pos:pos + 4])
        pos += 4
        out.append(snappy.uncompress(buf[pos:pos + clen]))
        pos += clen
    return b"".join(out)


def decode_hadoop(buf):
    d = hadoop_snappy.StreamDecompressor()
    out = d.decompress(buf)
    d.flush()  # raises if a block was left incomplete
    return out


def main(args):
    if len(args) % 3 != 0:
        sys.stderr.write("usage: INPUT SNAPPY HADOOP ...\n")
        return 2
    ok = True
    for i in range(0, len(args), 3):
        paths = args[i:i + 3]
        want, xer, had = (open(p, "rb").read() for p in paths)
        for name, decoder, data in (("Snappy", decode_xerial, xer),
                                    ("HADOOP_SNAPPY", decode_hadoop, had)):
            try:
                got = decoder(data)
            except Exception as e:  # report every failure, keep going
                sys.stderr.write("%s %s: %s\n" % (paths[0], name, e))
                ok = False
                continue
            if got != want:
                sys.stderr.write("%s %s: decoded %d bytes, want %d (content differs)\n"
                                 % (paths[0], name, len(got), len(want)))
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
