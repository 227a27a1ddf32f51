/*
 * slab_edge.c - the heap's edge with the machine (see slab_edge.h): the
 * arena's address arithmetic in slab_init, pointers to and from page
 * offsets, the user's callbacks, byte copies of user data.
 *
 * Nothing here is proved: WP's typed memory model cannot follow these
 * operations. Each function is a few lines, its contract in slab_edge.h
 * is a trusted assumption listed in spec/TRUSTED.md, and the unit tests
 * and fuzz harnesses (under ASan and UBSan) exercise every line.
 */
#include "slab_edge.h"

static uintptr_t align_up(uintptr_t a, uintptr_t to)
{
    return (a + (to - 1u)) & ~(to - 1u);
}

/*
 * Lay the heap out in the arena: header, page table, list links, pages
 * from the first page boundary after them (see heap_internal.h). Only the
 * geometry is computed here; heap_format (src/slab.c, proved) writes the
 * bookkeeping.
 */
slab_heap *slab_init(void *arena, size_t size)
{
    /* cppcheck-suppress misra-c2012-11.6 ; D1: aligning the arena needs its address */
    uintptr_t start = (uintptr_t)arena;
    uintptr_t end;
    uintptr_t hdr;
    uintptr_t table;
    uintptr_t first;
    size_t fit;
    size_t npages;
    slab_heap *h;
    const size_t per_entry = sizeof(page_meta) + sizeof(page_link);
    const size_t per_page = per_entry + SLAB_PAGE_SIZE;
    /* the header, rounded up so the page table after it is 8-aligned */
    const size_t header = (sizeof(slab_heap) + 7u) & ~(size_t)7u;

    if (arena == NULL || size > UINTPTR_MAX - start ||
        start > UINTPTR_MAX - SLAB_PAGE_SIZE) {
        return NULL;
    }
    end = start + size;
    hdr = align_up(start, 16u);
    if (hdr > end || end - hdr < header) {
        return NULL;
    }
    table = hdr + header;
    /* At most `fit` pages, each with its entry, fit after the header (and
     * never more than page indices can name); the pages start at the first
     * page boundary after that many entries. */
    fit = (size_t)(end - table) / per_page;
    fit = fit < HEAP_MAX_PAGES ? fit : HEAP_MAX_PAGES;
    first = align_up(table + fit * per_entry, SLAB_PAGE_SIZE);
    if (fit == 0u || first >= end) {
        return NULL;
    }
    npages = (size_t)(end - first) / SLAB_PAGE_SIZE;
    if (npages > fit) {
        npages = fit;
    }
    /* (the class table is checked once here so that heap_format and the
     * rest of src/slab.c may rely on it: see layout_table_ok) */
    if (npages == 0u || !layout_table_ok()) {
        return NULL;
    }

    h = (slab_heap *)hdr;
    h->npages = (int64_t)npages;
    h->pages = (uint32_t *)first;
    h->meta = (page_meta *)table;
    h->links = (page_link *)(table + fit * sizeof(page_meta));
    h->base = first;
    h->span = npages * SLAB_PAGE_SIZE;
    heap_format(h);
    return h;
}

void *heap_block_ptr(const slab_heap *h, int32_t i, uint32_t off)
{
    return (uint8_t *)page_words(h, i) + off;
}

uintptr_t heap_ptr_dist(const slab_heap *h, const void *p)
{
    /* cppcheck-suppress misra-c2012-11.6 ; D1: heap membership is p - base < span */
    return (uintptr_t)p - h->base; /* wraps for p below the pages */
}

bool heap_ptr_aligned(const void *p, size_t align)
{
    /* cppcheck-suppress misra-c2012-11.6 ; D1: alignment is in the address bits */
    return ((uintptr_t)p & (uintptr_t)(align - 1u)) == 0u;
}

SLAB_COLD void heap_fault_notify(const slab_heap *h, slab_fault kind, const void *p)
{
    if (h->hook != NULL) {
        h->hook(h->hook_ctx, kind, p);
    }
}

void heap_copy_bytes(void *to, const void *from, size_t n)
{
    const uint8_t *src = (const uint8_t *)from;
    uint8_t *dst = (uint8_t *)to;
    for (size_t k = 0u; k < n; k++) {
        dst[k] = src[k];
    }
}

/*
 * Each public operation takes the heap's lock (if one is set) exactly once,
 * around all of its work; the internal functions never lock.
 */
SLAB_INLINE void heap_lock(const slab_heap *h)
{
    if (h->lock_enter != NULL) {
        h->lock_enter(h->lock_ctx);
    }
}

SLAB_INLINE void heap_unlock(const slab_heap *h)
{
    if (h->lock_leave != NULL) {
        h->lock_leave(h->lock_ctx);
    }
}
