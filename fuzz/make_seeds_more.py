#!/usr/bin/env python3
"""Write the seed inputs of fuzz_layout.c, fuzz_misuse.c and fuzz_init.c
into fuzz/corpus/{layout,misuse,init}/ (see the comment at the top of each
harness for the record format). Run from anywhere:
python3 fuzz/make_seeds_more.py [CORPUSDIR]. Only files named "seed-*" are
replaced; "crash-*" and "regress-*" files are kept.
"""
import os
import struct
import sys

NCLASSES = 25


# ---- fuzz_layout: header (offset, extra pages, flags), requests ----------
def l_header(offset=0, pages=15, flags=0):
    return struct.pack("<HBB4x", offset, pages, flags)


def l_req(v, mode, align, x=0, flags=0):
    return struct.pack("<IBBBB", v & 0xFFFFFFFF, mode, align, x, flags)


def pow2(e):
    return e  # align code < 0xC0: 1 << (code % bits)


def layout_seeds():
    s = {"empty": b""}
    # every class edge, no alignment, then natural alignments
    s["class_edges"] = l_header() + b"".join(
        l_req(c, 0, pow2(0), d) for c in range(NCLASSES) for d in range(3))
    s["class_edges_aligned"] = l_header(16, 20, 1) + b"".join(
        l_req(c, 0, pow2(e), 1) for c in range(NCLASSES) for e in (3, 4, 6, 9, 12))
    # the special sizes with alignment 1 and a page
    s["special_sizes"] = l_header(100, 63) + b"".join(
        l_req(k, 2, pow2(e)) for k in range(24) for e in (0, 12))
    s["near_max"] = l_header(4000, 5) + b"".join(
        l_req(v, 4, pow2(0)) for v in (0, 1, 4095, 4096, 4097, 0xFFFFFFFF))
    # alignments beyond the arena and beyond the address space
    s["big_alignments"] = l_header(123, 63) + b"".join(
        l_req(1, 3, pow2(e), 0, 2) for e in range(10, 64))
    s["bad_alignments"] = l_header() + b"".join(
        l_req(v, 1, code, 0, 2) for code in range(0xE0, 0xF0)
        for v in (24, 0x12345))
    # page runs of 1 .. 70 pages, kept, until the heap is full
    s["page_runs"] = l_header(7, 40) + b"".join(
        l_req(n, 3, pow2(0), d, 1) for n in range(1, 12) for d in (0xFF, 0, 1))
    s["shifted_sizes"] = l_header(8, 10) + b"".join(
        l_req(0x1357, 5, pow2(3), x) for x in range(0, 64, 3))
    s["kept_small"] = l_header(2048, 2) + b"".join(
        l_req(v * 37, 1, 0xC0 + v % 6, 0, 1) for v in range(80))
    return s


# ---- fuzz_misuse: header (offset, pages), ops ------------------------------
(ALLOC, FREE, GHOST_FREE, INTERIOR_FREE, FOREIGN_FREE, ANY_FREE, WRONG_LAYOUT,
 CORRUPT_FREE, CORRUPT_META, CHECK, ALLOC_MANY, REALLOC, BAD_REALLOC,
 CORRUPT_ANY_FREE, FREE_ALL, ALLOC2) = range(16)


def m_header(offset=0, pages=8):
    return struct.pack("<HB5x", offset, pages)


def m_op(op, slot=0, v=0, a=0, b=0):
    return struct.pack("<BBIBB", op, slot, v & 0xFFFFFFFF, a, b)


def misuse_seeds(with_meta):
    s = {"empty": b""}
    base = [m_op(ALLOC, i, 16 + 40 * i, 0, i % 4) for i in range(12)]
    s["misuse_all_kinds"] = m_header(16, 8) + b"".join(base + [
        m_op(FREE, 0), m_op(FREE, 1, 0, 1), m_op(GHOST_FREE, 0),
        m_op(GHOST_FREE, 1, 5, 1), m_op(GHOST_FREE, 0, 5, 2),
        m_op(INTERIOR_FREE, 2, 3), m_op(INTERIOR_FREE, 3, 8, 1),
        m_op(INTERIOR_FREE, 4, 1, 2)] +
        [m_op(FOREIGN_FREE, 0, 77 + k, k, k) for k in range(10)] +
        [m_op(WRONG_LAYOUT, k, 3, k, k // 6) for k in range(12)] +
        [m_op(BAD_REALLOC, k, 100, k) for k in range(4)] +
        [m_op(ANY_FREE, 0, 4096 * k + 16, k, k) for k in range(8)] +
        [m_op(CHECK)])
    s["corrupt_links"] = m_header(0, 4) + b"".join(
        [m_op(ALLOC_MANY, 0, 48, 0, 15), m_op(ALLOC_MANY, 16, 48, 0, 15)] +
        [m_op(FREE, k) for k in range(0, 32, 2)] +
        [m_op(CORRUPT_FREE, k, 0x00100000 * k + 48 * k, 0x10 | (k & 0x20), 3)
         for k in range(8)] +
        [m_op(CORRUPT_FREE, k, 0xdeadbeef, 0x40, 7) for k in range(8, 12)] +
        [m_op(ALLOC_MANY, 40, 48, 0, 15), m_op(CHECK)])
    s["corrupt_any_free"] = m_header(300, 6) + b"".join(
        [m_op(ALLOC, k, 100 * k, 0, 1) for k in range(10)] +
        [m_op(FREE_ALL, 0, 0, 1)] +
        [m_op(CORRUPT_ANY_FREE, 0, 0x9E3779B9 * k, k, k) for k in range(16)] +
        [m_op(ALLOC_MANY, 0, 100, 0, 0x1F), m_op(REALLOC, 1, 5000, 0, 1),
         m_op(CHECK)])
    s["realloc_ghosts"] = m_header(4095, 3) + b"".join(
        [m_op(ALLOC, 0, 24), m_op(REALLOC, 0, 3000, 0, 1),
         m_op(REALLOC, 0, 9000, 0, 1), m_op(GHOST_FREE, 0, 1, 2),
         m_op(GHOST_FREE, 1, 1, 0), m_op(CHECK)])
    s["large_blocks"] = m_header(64, 20) + b"".join(
        [m_op(ALLOC, k, 5000 + 4096 * k, 0x80 | (12 + k % 2), 1) for k in range(5)] +
        [m_op(INTERIOR_FREE, k, 4096) for k in range(5)] +
        [m_op(FREE, 1), m_op(GHOST_FREE, 0), m_op(ANY_FREE, 0, 8192, 0, 1),
         m_op(WRONG_LAYOUT, 2, 1, 0), m_op(CHECK)])
    if with_meta:
        s["corrupt_meta"] = m_header(8, 5) + b"".join(
            [m_op(ALLOC, k, 64 * k, 0) for k in range(8)] +
            [m_op(CORRUPT_META, 1, 14, 3, 0), m_op(ALLOC_MANY, 0, 64, 0, 7),
             m_op(FREE, 0), m_op(GHOST_FREE, 0), m_op(CHECK)])
    return s


# ---- fuzz_init: offset, size value, mode, kind, w --------------------------
def i_in(offset, v, mode, kind, w=0):
    return struct.pack("<HIBBQ", offset, v & 0xFFFFFFFF, mode, kind,
                       w & 0xFFFFFFFFFFFFFFFF)


def init_seeds():
    s = {"empty": b""}
    for off in (0, 1, 15, 16, 17, 2048, 4095):
        for v, mode in ((0, 5), (100, 2), (8191, 2), (12288, 2), (0, 3),
                        (256, 3), (511, 3), (65535, 0), (1 << 20, 1),
                        ((1 << 20) + 8191, 1)):
            s["real_%d_%d_%d" % (off, mode, v)] = i_in(off, v, mode, 0,
                                                       0x0807060504030201)
    s["wrap_top"] = i_in(0, 0, 0, 2, 0xFFFFFFFFFFFFF000)
    s["wrap_one"] = i_in(0, 5, 0, 2, 0xFFFFFFFFFFFFFFFF)
    s["wrap_mid"] = i_in(0, 12345, 0, 2, 0x8000000000000000)
    s["wrap_low"] = i_in(0, 1, 0, 2, 0x1000)
    s["small_fake_top"] = i_in(0, 8000, 0, 3, 0xFFFFFFFFFFFFFF00)
    s["small_fake_null"] = i_in(0, 0, 0, 3, 0)
    s["small_fake_mid"] = i_in(0, 9999, 0, 3, 0x7FFF0000)
    return s


def write(out, seeds):
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.remove(os.path.join(out, name))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), out))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    write(os.path.join(root, "layout"), layout_seeds())
    # metadata corruption crashes the library today (see README): the
    # replayed corpus holds none; the seed lives in regress-pending/
    write(os.path.join(root, "misuse"), misuse_seeds(False))
    write(os.path.join(root, "init"), init_seeds())


if __name__ == "__main__":
    main()
