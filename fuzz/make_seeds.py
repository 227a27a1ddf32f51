#!/usr/bin/env python3
"""Write the seed inputs of fuzz/fuzz_ops.c into fuzz/corpus/ops/.

Each seed is a small program in the harness's record format (see the comment
at the top of fuzz_ops.c): one 8-byte arena header, then 8-byte operations.
Run from anywhere: python3 fuzz/make_seeds.py [OUTDIR]. Files whose names
start with "crash-" or "regress-" in OUTDIR are kept as they are.
"""
import os
import struct
import sys

# operations (record byte 0, bits 0-2)
ALLOC, FREE, FREE_SIZED, REALLOC, USABLE, STATS, CHECK, REFILL = range(8)

# size modes (record byte 7, bits 0-2)
M_SMALL, M_TINY, M_EDGE, M_LARGE, M_SPECIAL, M_NEARMAX, M_RAW, M_REL = range(8)

# special sizes of M_SPECIAL (value v % 21; v >> 8 is k for SIZE_MAX - k)
SP = {"0": 0, "1": 1, "2": 2, "7": 3, "8": 4, "page/2": 5, "page-1": 6,
      "page": 7, "page+1": 8, "2page-1": 9, "2page": 10, "2page+1": 11,
      "max": 12, "max-1": 13, "max-page+1": 14, "max-page": 15,
      "max-k": 16, "max/2": 17, "max/2+1": 18, "max_pages": 19,
      "max_pages-page+1": 20}

# alignment codes (record byte 6)
def align_exp(e):
    """1 << e: e <= 12 via the common codes, up to 24 via 0xC0..0xEF."""
    return e if e <= 12 else 0xC0 + e

A_ZERO, A_3, A_6, A_12, A_24, A_48 = 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5
A_MAX, A_TOPBIT = 0xF8, 0xF9


def header(size_value, offset=0, scale=0, fill=0):
    return struct.pack("<IHBB", size_value, offset, scale, fill)


def op(kind, slot=0, value=0, align=0, mode=M_SMALL, flags=0):
    return struct.pack("<BBIBB", kind | (flags << 3), slot, value, align, mode)


def arena(total, scale):
    """Header value giving an arena of `total` bytes for a scale."""
    span = {0: 64 << 10, 1: 256 << 10, 2: 1 << 20}[scale]
    assert 8192 <= total <= span
    return total - 8192


def seeds():
    s = {}
    # empty input: default arena, no operations
    s["empty"] = b""
    # one alloc of each kind, checked and freed
    s["alloc_free_small"] = header(arena(65536, 0)) + b"".join([
        op(ALLOC, 0, 1), op(ALLOC, 1, 100), op(ALLOC, 2, 4096),
        op(CHECK), op(FREE, 1), op(FREE, 0), op(FREE, 2), op(CHECK)])
    # every class edge: size - 1, size, size + 1 of classes 0..24
    recs = []
    for c in range(25):
        for d in range(3):
            recs.append(op(ALLOC, c * 3 + d, c | (d << 8), 0, M_EDGE))
    recs.append(op(CHECK))
    s["class_edges"] = header(arena(262144, 1), 0, 1) + b"".join(recs)
    # special sizes: 0, page, page +- 1, SIZE_MAX and friends
    recs = [op(ALLOC, i, v, 0, M_SPECIAL) for i, v in enumerate(range(21))]
    recs += [op(ALLOC, 40, (4095 << 8) | 16, 0, M_SPECIAL)]
    recs += [op(USABLE, i) for i in range(0, 21, 3)] + [op(CHECK)]
    s["special_sizes"] = header(arena(300000, 2), 0, 2) + b"".join(recs)
    # alignments 1 .. 2^24 and the bad ones
    recs = [op(ALLOC, e, 24, align_exp(e)) for e in range(25)]
    recs += [op(ALLOC, 30 + i, 24, a)
             for i, a in enumerate([A_ZERO, A_3, A_6, A_12, A_24, A_48,
                                    A_MAX, A_TOPBIT, 0xFA, 0xFE, 0xFF])]
    recs += [op(CHECK)]
    s["alignments"] = header(arena(1 << 20, 2), 123, 2) + b"".join(recs)
    # large runs, also aligned, then freed with a sized free
    s["large_runs"] = header(arena(200000, 1), 4000, 1, 0xAA) + b"".join([
        op(ALLOC, 0, 5000, 0, M_LARGE), op(ALLOC, 1, 40000, 0, M_LARGE),
        op(ALLOC, 2, 8192, align_exp(14), M_LARGE),
        op(ALLOC, 3, 3 * 4096, align_exp(16), M_LARGE),
        op(USABLE, 1), op(FREE_SIZED, 1), op(FREE_SIZED, 0, 0, 0, 0, 1),
        op(FREE_SIZED, 2, 0, 0, 0, 2 | 4), op(CHECK)])
    # realloc: grow, shrink a little (kept), shrink a lot (moved), NULL
    s["realloc"] = header(arena(65536, 0)) + b"".join([
        op(ALLOC, 0, 16), op(REALLOC, 0, 17), op(REALLOC, 0, 30),
        op(REALLOC, 0, 3000), op(REALLOC, 0, 9000, 0, M_LARGE),
        op(REALLOC, 0, 5000, 0, M_LARGE), op(REALLOC, 0, 10),
        op(REALLOC, 0, 0, 0, M_TINY), op(REALLOC, 7, 64, 0, M_SMALL, 1),
        op(REALLOC, 7, 64, align_exp(8)), op(REALLOC, 7, 64, A_12),
        op(REALLOC, 7, 0xFFFFFFFF, 0, M_NEARMAX), op(CHECK)])
    # fill a tiny arena until refused, then the largest_free probe
    recs = [op(ALLOC, i, 3000, 0, M_SMALL) for i in range(6)]
    recs += [op(STATS, 10), op(ALLOC, 20, 16, 0, M_SMALL), op(STATS, 11),
             op(FREE, 2), op(STATS, 12), op(ALLOC, 21, 9000, 0, M_LARGE)]
    s["oom_small_arena"] = header(arena(12000, 0), 77, 0, 0xFF) + b"".join(recs)
    # many small blocks of one class spread over pages, freed every other
    recs = [op(ALLOC, i, 48) for i in range(200)]
    recs += [op(FREE, i) for i in range(0, 200, 2)]
    recs += [op(ALLOC, i, 48) for i in range(0, 200, 4)] + [op(CHECK)]
    s["one_class_many"] = header(arena(40000, 0), 1) + b"".join(recs)
    # pages flow between classes: fill with 16s, free, fill with 2048s
    recs = [op(ALLOC, i, 16) for i in range(200)]
    recs += [op(FREE, i) for i in range(200)]
    recs += [op(ALLOC, i, 2048) for i in range(20)] + [op(STATS), op(CHECK)]
    s["class_to_class"] = header(arena(16384, 0), 4095) + b"".join(recs)
    # stats-relative sizes: exactly largest_free, capacity, free pages
    recs = [op(ALLOC, 0, 100), op(ALLOC, 1, 4 + (0 << 8), 0, M_REL),
            op(FREE, 1), op(ALLOC, 2, 5 + (1 << 8), 0, M_REL),
            op(ALLOC, 3, 4 + (2 << 8), 0, M_REL),
            op(ALLOC, 4, 3 | (3 << 8) | (2 << 10), 0, M_REL), op(STATS)]
    s["relative_sizes"] = header(arena(100000, 1), 9, 1) + b"".join(recs)
    # usable_size probes and refills over a mixed heap
    recs = [op(ALLOC, i, 37 * i + 1) for i in range(30)]
    recs += [op(USABLE, i, 0x01020304 * (i + 1) & 0xFFFFFFFF)
             for i in range(30)]
    recs += [op(REFILL, i) for i in range(0, 30, 5)] + [op(CHECK)]
    s["usable_probes"] = header(arena(65536, 0), 2048) + b"".join(recs)
    # free_sized layouts: requested size, usable size, any size in between,
    # size 0; the recorded alignment, 1, the address's own, half of it
    recs = [op(ALLOC, i, 100 + i, align_exp(i % 7)) for i in range(16)]
    recs += [op(FREE_SIZED, i, 12345, 0, 0, (i % 4) | ((i // 4) << 2))
             for i in range(16)]
    s["free_sized_layouts"] = header(arena(65536, 0)) + b"".join(recs)
    # huge and overflowing requests, raw u32 sizes
    recs = [op(ALLOC, 0, 0xFFFFFFFF, 0, M_RAW), op(ALLOC, 1, 0, 0, M_NEARMAX),
            op(ALLOC, 2, 4095, 0, M_NEARMAX), op(ALLOC, 3, 4096, 0, M_NEARMAX),
            op(ALLOC, 4, 4097, 0, M_NEARMAX), op(ALLOC, 5, 1 << 20, 0, M_RAW),
            op(REALLOC, 5, 0xFFFFFFFF, 0, M_RAW), op(STATS)]
    s["huge_sizes"] = header(arena(50000, 0), 3) + b"".join(recs)
    # the smallest arenas with odd offsets
    s["tiny_arena"] = header(0, 4095, 0, 0x5A) + b"".join(
        [op(ALLOC, 0, 4096), op(ALLOC, 1, 16), op(STATS), op(CHECK)])
    # arenas of 0 .. 4 pages: slab_init refuses the smallest
    for n in (0, 100, 4096, 8191, 12288, 16384):
        s["init_%d" % n] = header(n, 4095 if n % 2 else 16, 3, 0xC3) + op(ALLOC, 0, 16)
    s["odd_arena"] = header(arena(8192 + 4095, 0), 1, 0) + b"".join(
        [op(ALLOC, 0, 1), op(ALLOC, 1, 2), op(STATS), op(REALLOC, 0, 900)])
    # a big arena, big blocks, many ops of every kind
    recs = []
    for i in range(60):
        recs.append(op(i % 8, i % 13, (i * 2654435761) & 0xFFFFFFFF,
                       (i * 7) % 13, i % 8))
    s["mixed_big"] = header(arena(1 << 20, 2), 512, 2, 0x33) + b"".join(recs)
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "ops")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.remove(os.path.join(out, name))
    for name, data in sorted(seeds().items()):
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds()), out))


if __name__ == "__main__":
    main()
