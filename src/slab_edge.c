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
#include "heap_arena.h"
#include "slab_edge.h"

/*
 * Lay the heap out in the arena: header, page table, list links, pages
 * from the first page boundary after them (see heap_internal.h). The
 * arithmetic is heap_arena_layout's (src/heap_arena.c, proved: every part
 * inside the arena, in order, aligned); what is left here is turning its
 * addresses into pointers. heap_format (src/slab.c, proved) writes the
 * bookkeeping. Nothing is written unless the arena is accepted.
 */
slab_heap *slab_init(void *arena, size_t size)
{
    /* cppcheck-suppress misra-c2012-11.6 ; D1: the layout needs the arena's address */
    const uintptr_t start = (uintptr_t)arena;
    heap_arena_plan plan;
    slab_heap *h;

    if (arena == NULL ||
        !heap_arena_layout(start, size, sizeof(slab_heap), sizeof(page_meta),
                           sizeof(page_link), HEAP_MAX_PAGES, &plan)) {
        return NULL;
    }
    /* (the class table is checked once here so that heap_format and the
     * rest of src/slab.c may rely on it: see layout_table_ok) */
    if (!layout_table_ok()) {
        return NULL;
    }
    h = (slab_heap *)plan.header;
    h->npages = (int64_t)plan.npages;
    h->pages = (uint32_t *)plan.first;
    h->meta = (page_meta *)plan.table;
    h->links = (page_link *)plan.links;
    h->base = plan.first;
    h->span = plan.npages * SLAB_PAGE_SIZE;
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
