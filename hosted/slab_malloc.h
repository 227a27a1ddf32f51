/*
 * slab_malloc.h - the hosted malloc family over one slab heap
 * (hosted/slab_malloc.c), and the few extra functions it exports.
 *
 * hosted/slab_malloc.c defines malloc, free, calloc, realloc, reallocarray,
 * aligned_alloc, posix_memalign, memalign, valloc, pvalloc and
 * malloc_usable_size with their usual prototypes (<stdlib.h>, <malloc.h>),
 * so linking it, or preloading build/libslabmalloc.so, replaces the C
 * library's allocator. It is hosted code: it uses libc (mmap, getenv,
 * write) and lives outside the proved core in src/.
 *
 * Environment (read once, on the first allocation):
 *   SLAB_MALLOC_ARENA    arena size in bytes; suffix k, M or G (binary,
 *                        either case, optional "B"/"iB"): 8M, 1G, 65536.
 *                        Default 1 GiB, reserved with MAP_NORESERVE so
 *                        untouched pages cost nothing.
 *   SLAB_MALLOC_VERBOSE  set and not "0": one line on stderr at start-up
 *                        and one per refused free (foreign, double,
 *                        interior pointer).
 *   SLAB_MALLOC_STATS    set and not "0": one line of statistics when the
 *                        process exits through exit(): on stderr, or, if
 *                        the value is an absolute path, appended to that
 *                        file (robust against programs that close stderr).
 *   SLAB_MALLOC_THP      "0": do not ask for transparent huge pages for
 *                        the page table (by default the part of the arena
 *                        slab_init writes at start-up, 1/64 of it, is
 *                        madvise(MADV_HUGEPAGE)d: ~1 ms instead of ~10 ms
 *                        per process for a 1 GiB arena).
 *
 * Compile-time: -DSLAB_MALLOC_STATIC_BYTES=n uses a static buffer of n
 * bytes as the arena instead of mmap (hosts without mmap); the
 * environment's arena size is then ignored.
 */
#ifndef SLAB_MALLOC_H
#define SLAB_MALLOC_H

#include <stddef.h>

#include "slab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Statistics of the malloc heap (zeroed if it could not be made). */
void slab_malloc_get_stats(slab_stats *out);

/*
 * Refused frees and reallocs since start-up, by kind (SLAB_FAULT_FOREIGN,
 * SLAB_FAULT_DOUBLE_FREE, SLAB_FAULT_INTERIOR, ...); SLAB_FAULT_NONE gives
 * the total.
 */
size_t slab_malloc_fault_count(slab_fault kind);

/* Bytes of the arena the heap was made in (0 if it could not be made). */
size_t slab_malloc_arena_bytes(void);

#ifdef __cplusplus
}
#endif

#endif /* SLAB_MALLOC_H */
