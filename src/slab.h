/*
 * slab.h - a slab heap for safety-critical embedded software.
 *
 * One arena, given by the caller, becomes one heap. The heap keeps all of its
 * bookkeeping inside the arena (no hidden globals, no malloc), so any number
 * of heaps can live side by side. The arena is cut into pages; a page is
 * handed to a size class when that class needs room and handed back when it
 * becomes empty, so memory flows between classes. Inside a class page, free
 * blocks form a singly linked list stored in the free blocks themselves:
 * allocation pops, free pushes. Requests larger than the largest class are
 * served as runs of whole pages.
 *
 * Guarantees (each is tested; the core ones are proved, see README):
 *  - A returned block lies inside the arena, is aligned to the alignment
 *    asked for, is at least as large as asked for, and overlaps no other
 *    live block.
 *  - Allocation and free in the size classes take a bounded number of steps
 *    that does not depend on the heap's contents. Large runs take at most
 *    one pass over the page table (see the table in README.md).
 *  - Misuse never corrupts the heap. A double free, a pointer into the middle
 *    of a block, a pointer the heap does not own and a sized free whose
 *    layout does not fit the block are detected, refused, counted and
 *    reported to the fault hook. A free-list link that was overwritten while
 *    its block was free is validated before use: it can never make the heap
 *    return memory outside the arena or memory that is already allocated.
 *  - A refused call (bad argument, misuse, out of memory) changes nothing
 *    but the heap's refusal and fault counters.
 *
 * Threads and interrupts: give the heap a lock with slab_set_lock (an RTOS
 * mutex, an interrupt mask, or a spin lock); every public operation then
 * takes it exactly once. Without one, serialise calls on a heap yourself.
 * Different heaps are independent.
 *
 * Language: C99, freestanding; the library uses only <stddef.h>,
 * <stdint.h> and <stdbool.h>.
 */
#ifndef SLAB_H
#define SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slab_config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SLAB_VERSION_MAJOR 0
#define SLAB_VERSION_MINOR 1
#define SLAB_VERSION_PATCH 0
#define SLAB_VERSION_STRING "0.1.0"

/* A heap. It lives at the start of its arena; treat it as opaque. */
typedef struct slab_heap slab_heap;

/* The kinds of misuse the heap detects and refuses. */
typedef enum slab_fault {
    SLAB_FAULT_NONE = 0,
    /* free of a block that is already free */
    SLAB_FAULT_DOUBLE_FREE = 1,
    /* pointer inside the heap's pages but not at the start of a block */
    SLAB_FAULT_INTERIOR = 2,
    /* pointer outside the heap's pages (or into its bookkeeping) */
    SLAB_FAULT_FOREIGN = 3,
    /* slab_free_sized / slab_realloc told a layout the block cannot hold */
    SLAB_FAULT_WRONG_LAYOUT = 4,
    /* alignment that is not a power of two */
    SLAB_FAULT_BAD_ALIGN = 5,
    /* a free block's list link was overwritten; the heap repaired the list */
    SLAB_FAULT_CORRUPT_LINK = 6,
    /* the heap's own bookkeeping (page table, page lists) was overwritten
     * from outside: the call is refused and nothing is changed; but a free
     * that finds its page's count of blocks in use disagreeing with the
     * page's bitmap frees the block and rebuilds the page's counts and
     * free list from the bitmap */
    SLAB_FAULT_CORRUPT_META = 7
} slab_fault;

/*
 * Called once for every detected misuse, with the heap, the kind and the
 * pointer the caller passed (NULL for SLAB_FAULT_BAD_ALIGN and for an
 * allocation that found SLAB_FAULT_CORRUPT_META). The hook must not call
 * back into the same heap. It may log, count, or stop the system.
 *
 * After any kind but SLAB_FAULT_CORRUPT_META the heap is consistent when
 * the hook runs. SLAB_FAULT_CORRUPT_META means something outside the
 * library wrote into the heap's bookkeeping: the heap still never reads or
 * writes outside its arena and never returns a pointer outside its pages,
 * but it can no longer promise that blocks do not overlap. A system that
 * sees it should stop using the heap (slab_check says false).
 */
typedef void (*slab_fault_hook)(void *ctx, slab_fault kind, const void *ptr);

/* Per size class figures in slab_stats. */
typedef struct slab_class_stats {
    size_t block_size;  /* bytes per block of this class */
    size_t pages;       /* pages currently owned by the class */
    size_t blocks_used; /* blocks handed out */
    size_t blocks_free; /* blocks the class's pages can still hand out */
} slab_class_stats;

typedef struct slab_stats {
    size_t capacity;       /* bytes in all pages (what blocks can use) */
    size_t page_size;      /* bytes per page */
    size_t pages_total;    /* pages in the heap */
    size_t pages_free;     /* pages owned by no class and no large block */
    size_t pages_large;    /* pages in live large blocks */
    size_t bytes_used;     /* usable bytes of all live blocks */
    size_t bytes_peak;     /* highest bytes_used seen since slab_init */
    size_t largest_free;   /* largest size slab_alloc(size, 1) would serve now */
    size_t blocks_used;    /* live blocks, small and large */
    size_t oom_count;      /* requests refused for lack of memory or size */
    size_t fault_count;    /* misuse detected (each also went to the hook) */
    slab_class_stats classes[SLAB_NUM_CLASSES];
} slab_stats;

/* What a page is doing, for slab_get_page_info (heap maps, debuggers). */
typedef enum slab_page_kind {
    SLAB_PAGE_FREE = 0,       /* in the page pool */
    SLAB_PAGE_CLASS = 1,      /* cut into blocks of one class */
    SLAB_PAGE_LARGE = 2,      /* first page of a large block */
    SLAB_PAGE_LARGE_TAIL = 3  /* a later page of a large block */
} slab_page_kind;

typedef struct slab_page_info {
    slab_page_kind kind;
    const void *start;   /* first byte of the page */
    size_t block_size;   /* class block size; for LARGE, the block's bytes */
    size_t blocks_used;  /* CLASS: blocks handed out; LARGE: 1 */
    size_t blocks_free;  /* CLASS: blocks still available in this page */
} slab_page_info;

/*
 * slab_init: make a heap of the `size` bytes at `arena`.
 * The start is aligned up as needed; the heap's header and page table are
 * placed at the start of the arena and the pages, aligned to the page size,
 * follow. Returns the heap (which points into the arena), or NULL, touching
 * nothing, if arena is NULL, if arena + size would wrap around the address
 * space, or if the arena cannot hold the header, page table and one page.
 * Time: O(pages).
 */
slab_heap *slab_init(void *arena, size_t size);

/*
 * slab_alloc: a block of at least `size` bytes aligned to `align` (a power
 * of two, any value; 1 means no constraint). size 0 gives a unique block of
 * the smallest class. The request goes to the smallest size class whose
 * size and natural alignment fit both; past the largest class (or if no
 * class has the alignment) it is served as a run of whole pages whose start
 * has the alignment. Returns NULL, changing nothing but a counter, if h is
 * NULL or not a heap, if align is not a power of two (SLAB_FAULT_BAD_ALIGN),
 * if size rounded up to whole pages would overflow, or if no free block of
 * the class and no free page (or run of pages) is left.
 * Time: O(1) for the classes; one pass over the page table for large runs.
 */
void *slab_alloc(slab_heap *h, size_t size, size_t align);

/*
 * slab_free: give back the block at p, found by its address alone.
 * p == NULL does nothing. A pointer the heap does not own, one into the
 * middle of a block, or one already free is refused and reported
 * (SLAB_FAULT_FOREIGN, SLAB_FAULT_INTERIOR, SLAB_FAULT_DOUBLE_FREE);
 * the heap is unchanged. A class page that becomes empty returns to the
 * page pool (each class keeps at most one empty page in reserve).
 * Time: O(1) for class blocks; O(pages of the block) for large blocks.
 */
void slab_free(slab_heap *h, void *p);

/*
 * slab_free_sized: like slab_free, for callers that know the layout the
 * block was allocated with (Rust's dealloc). The layout is checked: align
 * must be a power of two, p must be aligned to it and size must not exceed
 * the block's usable size; otherwise SLAB_FAULT_WRONG_LAYOUT and nothing is
 * freed.
 */
void slab_free_sized(slab_heap *h, void *p, size_t size, size_t align);

/*
 * slab_realloc: resize the block at p to `size` bytes aligned to `align`,
 * keeping its contents up to the smaller of the old and new sizes.
 * p == NULL acts as slab_alloc. If the block already fits the new layout
 * and is not more than twice as large as needed it is returned unchanged;
 * otherwise a new block is allocated, the contents copied and p freed.
 * If the new block cannot be had: when p already fits the new layout (a
 * shrink) p is returned, as it is; otherwise NULL is returned and p stays
 * allocated and unchanged. Returns NULL and reports the fault (p untouched)
 * if p is not a live block of this heap, or if align is not a power of two.
 * size 0 asks for a minimal block.
 */
void *slab_realloc(slab_heap *h, void *p, size_t size, size_t align);

/*
 * slab_usable_size: bytes the caller may use at p (the class size, or the
 * large block's pages), or 0 if p is NULL, not owned by the heap, not the
 * start of a block, or not allocated. Never reports a fault.
 */
size_t slab_usable_size(const slab_heap *h, const void *p);

/*
 * slab_check: verify the whole heap invariant: every page in exactly one
 * state, every free list well formed (each link in its page, at a block
 * start, of a free block, no cycle, as long as the page's count says),
 * the pool holding exactly the free pages and each class's list exactly
 * its pages with room, no other page linked, allocated bits and counters
 * in agreement, bytes_used equal to the sum of live blocks. Returns true
 * if all hold. Reads only; for tests, watchdogs and audits. Time: O(pages +
 * blocks).
 */
bool slab_check(const slab_heap *h);

/* slab_get_stats: fill *out (zeroed if h is not a heap). Time: O(pages). */
void slab_get_stats(const slab_heap *h, slab_stats *out);

/*
 * slab_get_page_info: describe page `index` (0 .. pages_total - 1). Returns
 * false, leaving *out alone, if h is not a heap or index is out of range.
 */
bool slab_get_page_info(const slab_heap *h, size_t index, slab_page_info *out);

/*
 * Lock hooks: enter(ctx) before and leave(ctx) after the work of every
 * public operation on the heap, each exactly once per operation (the fault
 * hook runs inside). Set them once, right after slab_init and before the
 * heap is shared. Passing NULL for either removes locking.
 */
typedef void (*slab_lock_fn)(void *ctx);
void slab_set_lock(slab_heap *h, slab_lock_fn enter, slab_lock_fn leave,
                   void *ctx);

/* slab_set_fault_hook: set (or with NULL clear) the misuse hook of h. */
void slab_set_fault_hook(slab_heap *h, slab_fault_hook hook, void *ctx);

/* slab_fault_name: a short constant name for a fault kind. */
const char *slab_fault_name(slab_fault kind);

#ifdef __cplusplus
}
#endif

#endif /* SLAB_H */
