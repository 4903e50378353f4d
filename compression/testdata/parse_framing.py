#!/usr/bin/env python3
"""Parse the block framing of Firehose Snappy / HADOOP_SNAPPY objects in pure
Python (no snappy library), independently of the Go code under test.

Usage: parse_framing.py MODE:PATH [MODE:PATH ...]
  MODE is "xerial" (CompressionFormat Snappy, snappy-java SnappyOutputStream)
  or "hadoop" (CompressionFormat HADOOP_SNAPPY, Hadoop block framing).

Prints one JSON object per argument, on one line:
  {"path": ..., "blocks": [[uncompressed_len, compressed_len], ...]}
where uncompressed_len is read from the varint preamble of each raw snappy
block (and, for hadoop, checked against the 4-byte block header).
Exits 1 with a message on stderr when a file is malformed.
"""
import json
import struct
import sys

XERIAL_HEADER = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)


def varint(buf, pos, end):
    """Decode the little-endian base-128 varint at buf[pos:end]."""
    value = 0
    shift = 0
    while True:
        if pos >= end:
            raise ValueError("truncated varint in raw snappy block")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value
        shift += 7
        if shift > 28:
            raise ValueError("varint too long")


def u32(buf, pos):
    if pos + 4 > len(buf):
        raise ValueError("truncated 4-byte length at offset %d" % pos)
    return struct.unpack(">I", buf[pos:pos + 4])[0]


def parse(mode, buf):
    blocks = []
    pos = 0
    if mode == "xerial":
        if buf[:16] != XERIAL_HEADER:
            raise ValueError("bad snappy-java header: %r" % buf[:16])
        pos = 16
    elif mode != "hadoop":
        raise ValueError("unknown mode %r" % mode)
    while pos < len(buf):
        header_ulen = None
        if mode == "hadoop":
            header_ulen = u32(buf, pos)
            pos += 4
        clen = u32(buf, pos)
        pos += 4
        if clen == 0 or pos + clen > len(buf):
            raise ValueError("compressed length %d out of range at %d" % (clen, pos))
        ulen = varint(buf, pos, pos + clen)
        if header_ulen is not None and header_ulen != ulen:
            raise ValueError("hadoop block header says %d bytes, snappy block says %d"
                             % (header_ulen, ulen))
        blocks.append([ulen, clen])
        pos += clen
    return blocks


def main(args):
    for arg in args:
        mode, _, path = arg.partition(":")
        with open(path, "rb") as f:
            buf = f.read()
        try:
            blocks = parse(mode, buf)
        except ValueError as e:
            sys.stderr.write("%s: %s\n" % (path, e))
            return 1
        print(json.dumps({"path": path, "blocks": blocks}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
