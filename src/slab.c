/*
 * slab.c - the public API (see slab.h): initialisation, allocation, free,
 * realloc, and the lookups they share.
 */
#include "heap_pages.h"

/* ---- small helpers ------------------------------------------------------ */

static void *block_at(const slab_heap *h, int32_t i, uint32_t off)
{
    return (uint8_t *)page_words(h, i) + off;
}

SLAB_COLD static void report(slab_heap *h, slab_fault kind, const void *p)
{
    h->fault_count++;
    if (h->hook != NULL) {
        h->hook(h->hook_ctx, kind, p);
    }
}

static SLAB_INLINE void count_alloc(slab_heap *h, size_t bytes)
{
    h->bytes_used += bytes;
    if (h->bytes_used > h->bytes_peak) {
        h->bytes_peak = h->bytes_used;
    }
}

static SLAB_INLINE void count_free(slab_heap *h, size_t bytes)
{
    h->bytes_used -= bytes;
}

/* A class page is full when it has neither a free block nor room to carve. */
static SLAB_INLINE bool page_is_full(const page_meta *m)
{
    return m->nfree == 0u && (uint32_t)m->carved + m->size > SLAB_PAGE_SIZE;
}

/*
 * Where p points: the page and the offset in it, if p lies in the heap's
 * pages; SLAB_FAULT_NONE if p is a live block, otherwise the fault a free
 * of p would be. Constant time.
 */
static SLAB_INLINE slab_fault block_find(const slab_heap *h, const void *p,
                             int32_t *page, uint32_t *off)
{
    /* cppcheck-suppress misra-c2012-11.6 ; D1: heap membership is p - base < span */
    uintptr_t d = (uintptr_t)p - h->base; /* wraps for p below the pages */
    uintptr_t pg;
    const page_meta *m;
    if (d >= h->span) {
        return SLAB_FAULT_FOREIGN;
    }
    pg = d / SLAB_PAGE_SIZE;
    *page = (int32_t)pg;
    *off = (uint32_t)(d % SLAB_PAGE_SIZE);
    m = &h->meta[*page];
    if (m->state == (uint8_t)PAGE_CLASS) { /* the common case first */
        page_block_status st;
        if (!heap_class_page_sane(h, *page, m->cls)) {
            return SLAB_FAULT_CORRUPT_META;
        }
        st = page_status(m, *off);
        if (st == PAGE_BLOCK_LIVE) {
            return SLAB_FAULT_NONE;
        }
        return st == PAGE_BLOCK_INTERIOR ? SLAB_FAULT_INTERIOR
                                         : SLAB_FAULT_DOUBLE_FREE;
    }
    if (m->state == (uint8_t)PAGE_LARGE) {
        return *off == 0u ? SLAB_FAULT_NONE : SLAB_FAULT_INTERIOR;
    }
    if (m->state == (uint8_t)PAGE_LARGE_TAIL) {
        return SLAB_FAULT_INTERIOR;
    }
    /* a free page: nothing in it is allocated */
    return *off % SLAB_GRANULE == 0u ? SLAB_FAULT_DOUBLE_FREE
                                     : SLAB_FAULT_INTERIOR;
}

/* Pages in the large block that starts at page i: its recorded length,
 * but never past the last page, whatever the page table says. */
static size_t large_run(const slab_heap *h, int32_t i)
{
    size_t room = (size_t)h->npages - (size_t)i;
    return h->meta[i].run < room ? h->meta[i].run : room;
}

/* Usable bytes of the live block at (page, off) found by block_find. */
static SLAB_INLINE size_t block_usable(const slab_heap *h, int32_t page)
{
    const page_meta *m = &h->meta[page];
    if (m->state == (uint8_t)PAGE_CLASS) {
        return m->size;
    }
    return large_run(h, page) * SLAB_PAGE_SIZE;
}

/* ---- initialisation ----------------------------------------------------- */

static uintptr_t align_up(uintptr_t a, uintptr_t to)
{
    return (a + (to - 1u)) & ~(to - 1u);
}

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
    if (npages == 0u) {
        return NULL;
    }

    h = (slab_heap *)hdr;
    h->magic = HEAP_MAGIC;
    h->npages = (uint32_t)npages;
    h->pages = (uint32_t *)first;
    h->meta = (page_meta *)table;
    h->links = (page_link *)(table + fit * sizeof(page_meta));
    h->base = first;
    h->span = npages * SLAB_PAGE_SIZE;
    h->head[HEAP_POOL] = HEAP_NO_PAGE;
    h->pool_count = 0u;
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        h->head[HEAP_CLASS(c)] = HEAP_NO_PAGE;
        h->empty[c] = HEAP_NO_PAGE;
    }
    h->bytes_used = 0u;
    h->bytes_peak = 0u;
    h->large_pages = 0u;
    h->oom_count = 0u;
    h->fault_count = 0u;
    h->hook = NULL;
    h->hook_ctx = NULL;
    h->lock_enter = NULL;
    h->lock_leave = NULL;
    h->lock_ctx = NULL;
    layout_fill_fast(h->class_of);
    /* Highest page first, so the pool hands out low pages first. */
    for (int32_t i = (int32_t)npages; i > 0; i--) {
        page_meta *m = &h->meta[i - 1];
        m->head = (uint16_t)PAGE_NO_BLOCK;
        m->carved = 0u;
        m->nfree = 0u;
        m->used = 0u;
        m->size = 0u;
        m->cls = 0u;
        heap_pool_give(h, i - 1);
    }
    return h;
}

void slab_set_fault_hook(slab_heap *h, slab_fault_hook hook, void *ctx)
{
    if (heap_ok(h)) {
        heap_lock(h);
        h->hook = hook;
        h->hook_ctx = hook != NULL ? ctx : NULL;
        heap_unlock(h);
    }
}

/* ---- allocation --------------------------------------------------------- */

/*
 * Give class c a page with room: its kept empty page is already on the
 * partial list, so this is only called when the list is empty. Takes a
 * page from the pool, or else another class's empty page. O(classes).
 */
SLAB_COLD static int32_t class_refill(slab_heap *h, uint32_t c)
{
    int32_t i = heap_pool_take(h);
    if (i == HEAP_NO_PAGE) {
        i = heap_steal_empty(h);
        if (i == HEAP_NO_PAGE) {
            h->oom_count++;
            return HEAP_NO_PAGE;
        }
    }
    page_format(&h->meta[i], slab_class_size[c], (uint8_t)c);
    h->meta[i].state = (uint8_t)PAGE_CLASS;
    h->meta[i].run = 0u;
    heap_list_push(h, HEAP_CLASS(c), i);
    return i;
}

static SLAB_INLINE void *class_alloc(slab_heap *h, uint32_t c)
{
    int32_t i = h->head[HEAP_CLASS(c)];
    page_meta *m;
    uint32_t off;
    bool repaired;

    if (i == HEAP_NO_PAGE) {
        i = class_refill(h, c);
        if (i == HEAP_NO_PAGE) {
            return NULL;
        }
    } else if (!heap_index_ok(h, i) || !heap_class_page_sane(h, i, c) ||
               page_is_full(&h->meta[i])) {
        /* The list's first page is not a page of this class with room:
         * the bookkeeping was damaged from outside. Refuse, change nothing. */
        report(h, SLAB_FAULT_CORRUPT_META, NULL);
        return NULL;
    } else {
        /* the list's first page has room */
    }
    m = &h->meta[i];
    if (m->used == 0u && h->empty[c] == i) {
        h->empty[c] = HEAP_NO_PAGE;
    }
    /* A page on the partial list always has room, so this never fails. */
    off = page_take(m, page_words(h, i), &repaired);
    if (page_is_full(m)) {
        heap_list_unlink(h, HEAP_CLASS(c), i);
    }
    count_alloc(h, m->size);
    if (repaired) {
        report(h, SLAB_FAULT_CORRUPT_LINK, block_at(h, i, off));
    }
    return block_at(h, i, off);
}

SLAB_COLD static void *large_alloc(slab_heap *h, size_t size, size_t align)
{
    size_t count = layout_pages(size > 0u ? size : 1u);
    size_t align_pages = align > SLAB_PAGE_SIZE ? align / SLAB_PAGE_SIZE : 1u;
    int32_t start;

    if (count > h->npages) {
        h->oom_count++;
        return NULL;
    }
    start = heap_run_find(h, count, align_pages, false);
    if (start == HEAP_NO_PAGE &&
        heap_run_find(h, count, align_pages, true) != HEAP_NO_PAGE) {
        /* The classes' empty pages make the run: only now give them up,
         * so a refused request leaves every page where it was. */
        (void)heap_release_empty(h);
        start = heap_run_find(h, count, align_pages, false);
    }
    if (start == HEAP_NO_PAGE) {
        h->oom_count++;
        return NULL;
    }
    heap_run_take(h, start, (uint32_t)count);
    h->large_pages += count;
    count_alloc(h, count * SLAB_PAGE_SIZE);
    return block_at(h, start, 0u);
}

/* The general path: any alignment, any size. */
SLAB_COLD static void *alloc_slow(slab_heap *h, size_t size, size_t align)
{
    uint32_t c;
    if (!layout_is_pow2(align)) {
        report(h, SLAB_FAULT_BAD_ALIGN, NULL);
        return NULL;
    }
    c = layout_class(size, align);
    if (c < (uint32_t)SLAB_NUM_CLASSES) {
        return class_alloc(h, c);
    }
    return large_alloc(h, size, align);
}

/*
 * The common case, a small request with an alignment up to 16, takes one
 * look-up in the heap's class table; the two checks after it make the
 * answer safe by construction, whatever the table holds (and the table is
 * proved right, so they always pass). Anything else takes alloc_slow.
 */
static SLAB_INLINE void *heap_alloc(slab_heap *h, size_t size, size_t align)
{
    if (size <= (size_t)SLAB_FAST_MAX &&
        (align == 1u || align == 2u || align == 4u || align == 8u || align == 16u)) {
        uint32_t c = h->class_of[(size + 3u) / 4u];
        if (c < (uint32_t)SLAB_NUM_CLASSES && slab_class_size[c] >= size &&
            slab_class_align[c] >= align) {
            return class_alloc(h, c);
        }
    }
    return alloc_slow(h, size, align);
}

/* ---- free --------------------------------------------------------------- */

SLAB_COLD static void class_page_moves(slab_heap *h, int32_t i, uint32_t c,
                                       bool was_full);

static SLAB_INLINE void class_free(slab_heap *h, int32_t i, uint32_t off)
{
    page_meta *m = &h->meta[i];
    uint32_t c = m->cls;
    bool was_full = page_is_full(m);

    page_give(m, page_words(h, i), off);
    count_free(h, m->size);
    if (m->used == 0u || was_full) {
        class_page_moves(h, i, c, was_full);
    }
}

/*
 * After a free in page i of class c, the page became empty or stopped
 * being full: put it where it now belongs (partial list, the class's kept
 * empty page, or the pool). Off the hot path.
 */
SLAB_COLD static void class_page_moves(slab_heap *h, int32_t i, uint32_t c,
                                       bool was_full)
{
    const page_meta *m = &h->meta[i];
    if (m->used == 0u) {
        if (h->empty[c] == HEAP_NO_PAGE) {
            /* Keep it, on the partial list, as the class's empty page. */
            if (was_full) {
                heap_list_push(h, HEAP_CLASS(c), i);
            }
            h->empty[c] = i;
        } else {
            if (!was_full) {
                heap_list_unlink(h, HEAP_CLASS(c), i);
            }
            heap_pool_give(h, i);
        }
    } else if (was_full) {
        heap_list_push(h, HEAP_CLASS(c), i);
    } else {
        /* still on the partial list, where it was */
    }
}

SLAB_COLD static void large_free(slab_heap *h, int32_t i)
{
    size_t count = heap_run_give(h, i);
    h->large_pages -= count;
    count_free(h, count * SLAB_PAGE_SIZE);
}

static SLAB_INLINE void live_free(slab_heap *h, int32_t i, uint32_t off)
{
    if (h->meta[i].state == (uint8_t)PAGE_CLASS) {
        class_free(h, i, off);
    } else {
        large_free(h, i);
    }
}

static SLAB_INLINE void heap_free(slab_heap *h, void *p)
{
    int32_t i = 0;
    uint32_t off = 0u;
    slab_fault f = block_find(h, p, &i, &off);
    if (f != SLAB_FAULT_NONE) {
        report(h, f, p);
        return;
    }
    live_free(h, i, off);
}

/* Does the live block at p, of `usable` bytes, fit the layout? */
static bool layout_fits(const void *p, size_t usable, size_t size, size_t align)
{
    return layout_is_pow2(align) &&
           /* cppcheck-suppress misra-c2012-11.6 ; D1: alignment is in the address bits */
           ((uintptr_t)p & (uintptr_t)(align - 1u)) == 0u && size <= usable;
}

static void heap_free_sized(slab_heap *h, void *p, size_t size, size_t align)
{
    int32_t i = 0;
    uint32_t off = 0u;
    slab_fault f = block_find(h, p, &i, &off);
    if (f == SLAB_FAULT_NONE && !layout_fits(p, block_usable(h, i), size, align)) {
        f = SLAB_FAULT_WRONG_LAYOUT;
    }
    if (f != SLAB_FAULT_NONE) {
        report(h, f, p);
        return;
    }
    live_free(h, i, off);
}

/* ---- realloc and queries ------------------------------------------------ */

static void *heap_realloc(slab_heap *h, void *p, size_t size, size_t align)
{
    int32_t i = 0;
    uint32_t off = 0u;
    size_t usable;
    bool fits;
    void *q;
    slab_fault f;

    if (p == NULL) {
        return heap_alloc(h, size, align);
    }
    if (!layout_is_pow2(align)) {
        report(h, SLAB_FAULT_BAD_ALIGN, NULL);
        return NULL;
    }
    f = block_find(h, p, &i, &off);
    if (f != SLAB_FAULT_NONE) {
        report(h, f, p);
        return NULL;
    }
    usable = block_usable(h, i);
    fits = layout_fits(p, usable, size, align);
    if (fits && (size >= usable / 2u || usable <= SLAB_GRANULE)) {
        return p;
    }
    {
        size_t refusals = h->oom_count;
        q = heap_alloc(h, size, align);
        if (q == NULL && fits) {
            /* No room to shrink into: keep p, which fits; not a refusal. */
            h->oom_count = refusals;
            return p;
        }
    }
    if (q == NULL) {
        return NULL; /* p stays allocated and unchanged */
    }
    {
        const uint8_t *from = (const uint8_t *)p;
        uint8_t *to = (uint8_t *)q;
        size_t n = size < usable ? size : usable;
        for (size_t k = 0u; k < n; k++) {
            to[k] = from[k];
        }
    }
    live_free(h, i, off);
    return q;
}

/* ---- the public entry points: argument checks and the lock ------------- */

/*
 * Each public operation takes the heap's lock (if one is set) exactly once,
 * around all of its work; the internal functions above never lock.
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

void slab_set_lock(slab_heap *h, slab_lock_fn enter, slab_lock_fn leave, void *ctx)
{
    if (heap_ok(h)) {
        bool both = enter != NULL && leave != NULL;
        h->lock_enter = both ? enter : NULL;
        h->lock_leave = both ? leave : NULL;
        h->lock_ctx = both ? ctx : NULL;
    }
}

void *slab_alloc(slab_heap *h, size_t size, size_t align)
{
    void *p;
    if (!heap_ok(h)) {
        return NULL;
    }
    heap_lock(h);
    p = heap_alloc(h, size, align);
    heap_unlock(h);
    return p;
}

void slab_free(slab_heap *h, void *p)
{
    if (p == NULL || !heap_ok(h)) {
        return;
    }
    heap_lock(h);
    heap_free(h, p);
    heap_unlock(h);
}

void slab_free_sized(slab_heap *h, void *p, size_t size, size_t align)
{
    if (p == NULL || !heap_ok(h)) {
        return;
    }
    heap_lock(h);
    heap_free_sized(h, p, size, align);
    heap_unlock(h);
}

void *slab_realloc(slab_heap *h, void *p, size_t size, size_t align)
{
    void *q;
    if (!heap_ok(h)) {
        return NULL;
    }
    heap_lock(h);
    q = heap_realloc(h, p, size, align);
    heap_unlock(h);
    return q;
}

size_t slab_usable_size(const slab_heap *h, const void *p)
{
    int32_t i = 0;
    uint32_t off = 0u;
    size_t n = 0u;
    if (p == NULL || !heap_ok(h)) {
        return 0u;
    }
    heap_lock(h);
    if (block_find(h, p, &i, &off) == SLAB_FAULT_NONE) {
        n = block_usable(h, i);
    }
    heap_unlock(h);
    return n;
}

const char *slab_fault_name(slab_fault kind)
{
    switch (kind) {
    case SLAB_FAULT_NONE:
        return "none";
    case SLAB_FAULT_DOUBLE_FREE:
        return "double free";
    case SLAB_FAULT_INTERIOR:
        return "interior pointer";
    case SLAB_FAULT_FOREIGN:
        return "foreign pointer";
    case SLAB_FAULT_WRONG_LAYOUT:
        return "wrong layout";
    case SLAB_FAULT_BAD_ALIGN:
        return "bad alignment";
    case SLAB_FAULT_CORRUPT_LINK:
        return "corrupt free-list link";
    case SLAB_FAULT_CORRUPT_META:
        return "corrupt page table";
    default:
        return "unknown";
    }
}
