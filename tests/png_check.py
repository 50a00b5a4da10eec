#!/usr/bin/env python3
"""png_check.py PNG... -- each file is a valid, non-trivial PNG.

Stdlib only (zlib): checks the signature, the chunk CRCs, IHDR (8-bit RGB or
RGBA, at least 400x300), decodes and unfilters every scanline, and requires a
non-uniform pixel histogram: at least 16 distinct colours, no colour on more
than 99.5% of the pixels (a blank image fails), and at least 0.05% of the
pixels saturated colour (max - min channel > 80: the plotted lines and points,
which an empty frame with only black axes and grey grid lacks). Prints one line
per file; exits 1 if any file fails.
"""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def check(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "not a PNG (bad signature)"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        if pos + 8 > len(data):
            return "truncated chunk header"
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            return "truncated chunk %r" % kind
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            return "bad CRC in chunk %r" % kind
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None:
        return "no IHDR"
    width, height, depth, colour, _, _, interlace = ihdr
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        return "unexpected format depth=%d colour=%d interlace=%d" % (depth, colour, interlace)
    if width < 400 or height < 300:
        return "too small: %dx%d" % (width, height)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        return "decoded size %d, want %d" % (len(raw), height * (stride + 1))
    prev = bytearray(stride)
    hist = {}
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 255
            elif ftype != 0:
                return "bad filter type %d in row %d" % (ftype, y)
        for x in range(0, stride, bpp):
            px = bytes(line[x:x + bpp])
            hist[px] = hist.get(px, 0) + 1
        prev = line
    pixels = width * height
    top = max(hist.values())
    coloured = sum(n for px, n in hist.items() if max(px[:3]) - min(px[:3]) > 80)
    if len(hist) < 16 or top > 0.995 * pixels or coloured < 0.0005 * pixels:
        return "near-uniform image: %d colours, top colour on %.2f%% of pixels, %.3f%% coloured" % (
            len(hist), 100.0 * top / pixels, 100.0 * coloured / pixels)
    return "ok %dx%d, %d colours, background %.1f%%, %.2f%% coloured" % (
        width, height, len(hist), 100.0 * top / pixels, 100.0 * coloured / pixels)


def main():
    bad = 0
    for path in sys.argv[1:]:
        try:
            verdict = check(path)
        except (OSError, zlib.error, struct.error) as e:
            verdict = "unreadable: %s" % e
        print("%s: %s" % (path, verdict))
        bad += not verdict.startswith("ok")
    sys.exit(1 if bad or len(sys.argv) < 2 else 0)


if __name__ == "__main__":
    main()
