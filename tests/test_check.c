/*
 * test_check.c - white-box tests of damage to the heap's bookkeeping.
 * slab_check must say false for each kind of damage, and true again once
 * the damage is undone; and the allocator, meeting damage during a call,
 * must refuse (SLAB_FAULT_CORRUPT_META) or contain it, never touching
 * memory outside its arena. (test_slab.c shows it says true for every sound heap; this
 * file shows it is not a check that cannot fail.)
 *
 * Each test builds the same small heap with blocks in several classes, a
 * large block, an empty class page and free pages, damages one field
 * through the internal structures, asks slab_check, and restores it.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap_arena.h"
#include "heap_pages.h"

#define ARENA_BYTES (256u * 1024u)

static union {
    uint64_t align;
    unsigned char bytes[ARENA_BYTES + SLAB_PAGE_SIZE];
} g_arena;

typedef struct fixture {
    slab_heap *h;
    void *small[8];  /* 64-byte blocks, one page */
    void *odd;       /* a 20-byte block */
    void *large;     /* a 3-page block */
    int32_t class_page;
    int32_t large_page;
    int32_t empty_page;
} fixture;

static int32_t page_of(const slab_heap *h, const void *p)
{
    return (int32_t)(((uintptr_t)p - h->base) / SLAB_PAGE_SIZE);
}

static int setup(void **state)
{
    static fixture f;
    void *t;
    memset(&f, 0, sizeof f);
    f.h = slab_init(g_arena.bytes, ARENA_BYTES);
    assert_non_null(f.h);
    for (size_t k = 0; k < 8; k++) {
        f.small[k] = slab_alloc(f.h, 64, 1);
        assert_non_null(f.small[k]);
    }
    slab_free(f.h, f.small[3]); /* one free block on the list */
    slab_free(f.h, f.small[5]);
    f.odd = slab_alloc(f.h, 20, 1);
    f.large = slab_alloc(f.h, 3 * SLAB_PAGE_SIZE, 1);
    assert_non_null(f.odd);
    assert_non_null(f.large);
    t = slab_alloc(f.h, 512, 1); /* leaves an empty page in class 512 */
    assert_non_null(t);
    f.empty_page = page_of(f.h, t);
    slab_free(f.h, t);
    f.class_page = page_of(f.h, f.small[0]);
    f.large_page = page_of(f.h, f.large);
    assert_true(slab_check(f.h));
    *state = &f;
    return 0;
}

#define F ((fixture *)*state)

/* Damage a field, expect false, restore, expect true. */
#define DAMAGE(field, bad)                                                    \
    do {                                                                      \
        __typeof__(field) saved_ = (field);                                   \
        (field) = (bad);                                                      \
        assert_false(slab_check(F->h));                                       \
        (field) = saved_;                                                     \
        assert_true(slab_check(F->h));                                        \
    } while (0)

static void test_check_class_page_fields(void **state)
{
    page_meta *m = &F->h->meta[F->class_page];
    DAMAGE(m->cls, (uint8_t)(m->cls + 1u));          /* size of another class */
    DAMAGE(m->cls, (uint8_t)SLAB_NUM_CLASSES);       /* no such class */
    DAMAGE(m->carved, (uint16_t)(m->carved + 4u));   /* not a block boundary */
    DAMAGE(m->carved, (uint16_t)(SLAB_PAGE_SIZE + 64u)); /* past the page */
    DAMAGE(m->used, (uint16_t)(m->used + 1u));       /* counts disagree */
    DAMAGE(m->nfree, (uint16_t)(m->nfree + 1u));
}

static void test_check_bitmap(void **state)
{
    page_meta *m = &F->h->meta[F->class_page];
    /* a bit on a granule that starts no block (64-byte blocks: granule 1) */
    DAMAGE(m->bits[0], m->bits[0] | 2u);
    /* the bit of a live block cleared: one fewer marked than used */
    DAMAGE(m->bits[0], m->bits[0] & ~1u);
    /* a bit past the carved part */
    DAMAGE(m->bits[SLAB_BITMAP_WORDS - 1u],
           m->bits[SLAB_BITMAP_WORDS - 1u] | 0x80000000u);
}

static void test_check_free_list(void **state)
{
    page_meta *m = &F->h->meta[F->class_page];
    uint32_t *words = page_words(F->h, F->class_page);
    uint32_t head = m->head;
    /* the head's link: to a live block, inside a block, past carved, to
     * itself (a cycle), and to the end too early */
    DAMAGE(words[head / 4u], 0u);
    DAMAGE(words[head / 4u], 8u);
    DAMAGE(words[head / 4u], (uint32_t)m->carved);
    DAMAGE(words[head / 4u], head);
    DAMAGE(words[head / 4u], (uint32_t)PAGE_NO_BLOCK);
    DAMAGE(m->head, (uint16_t)(head + 1u));
}

static void test_check_states_and_lists(void **state)
{
    slab_heap *h = F->h;
    int32_t free_page = h->head[HEAP_POOL];
    assert_true(free_page >= 0);
    DAMAGE(h->meta[free_page].state, (uint8_t)7);              /* unknown state */
    DAMAGE(h->meta[free_page].state, (uint8_t)PAGE_LARGE_TAIL); /* orphan tail */
    DAMAGE(h->meta[F->large_page + 1].state, (uint8_t)PAGE_FREE); /* broken run */
    DAMAGE(h->meta[F->large_page].run, (size_t)0);
    DAMAGE(h->meta[F->large_page].run, (size_t)h->npages);
    DAMAGE(h->pool_count, h->pool_count + 1u);
    DAMAGE(h->head[HEAP_POOL], h->links[free_page].next);      /* a page lost */
    DAMAGE(h->links[free_page].prev, free_page);               /* bad back link */
    DAMAGE(h->head[HEAP_CLASS(6)], HEAP_NO_PAGE); /* class 64's page missing */
    DAMAGE(h->head[HEAP_POOL], (int32_t)h->npages);            /* out of range */
    DAMAGE(h->empty[15], HEAP_NO_PAGE);          /* class 512's empty page */
}

/* A page on no list must have no links: the library asks a page's links
 * whether it is listed (heap_page_unlisted), so a stale link on a full
 * page would keep a free from putting it back on its class's list (R31).
 * Each damage below leaves every list walk from the heads as it was; only
 * the count of the links in the page table (heap_check) sees it. */
static void test_check_links_of_unlisted_pages(void **state)
{
    slab_heap *h = F->h;
    void *one = slab_alloc(h, SLAB_PAGE_SIZE, 1); /* a full page */
    assert_non_null(one);
    int32_t full = page_of(h, one);
    int32_t free_page = h->head[HEAP_POOL];
    int32_t tail = F->large_page + 2;
    assert_true(free_page >= 0);
    assert_true(slab_check(h));
    assert_int_equal(h->meta[tail].state, PAGE_LARGE_TAIL);
    assert_true(heap_page_unlisted(h, HEAP_CLASS(h->meta[full].cls), full));
    DAMAGE(h->links[full].prev, free_page);
    DAMAGE(h->links[full].next, free_page);
    DAMAGE(h->links[full].prev, full);                 /* a loop of one */
    DAMAGE(h->links[F->large_page].next, free_page);   /* a large block */
    DAMAGE(h->links[tail].prev, F->large_page + 1);    /* a tail page */
    DAMAGE(h->links[tail].next, tail);
    /* What the first damage would cost: the full page reads as listed. */
    h->links[full].prev = free_page;
    assert_false(heap_page_unlisted(h, HEAP_CLASS(h->meta[full].cls), full));
    h->links[full].prev = HEAP_NO_PAGE;
    slab_free(h, one);
    assert_true(slab_check(h));
}

static void test_check_counters_and_table(void **state)
{
    slab_heap *h = F->h;
    DAMAGE(h->bytes_used, h->bytes_used + 16u);
    DAMAGE(h->bytes_peak, h->bytes_used - 1u);
    DAMAGE(h->large_pages, h->large_pages + 1u);
    DAMAGE(h->class_of[16], (uint8_t)(h->class_of[16] + 1u)); /* not minimal */
    DAMAGE(h->class_of[16], (uint8_t)SLAB_NUM_CLASSES);
    DAMAGE(h->span, h->span + SLAB_PAGE_SIZE);
    DAMAGE(h->magic, 0u);
}

/* ---- damage the allocator meets during a call ------------------------------
 * Whatever the bookkeeping holds, the heap must stay inside its arena: a
 * call that meets a damaged class page is refused with
 * SLAB_FAULT_CORRUPT_META and changes nothing; a damaged page index is not
 * followed. The arena sits in a static array, so an index like BAD_INDEX
 * that was followed would fault. */

#define BAD_INDEX ((int32_t)0x7FFFFFF0)

typedef struct recorder {
    size_t count;
    slab_fault kind;
    const void *ptr;
} recorder;

static void record(void *ctx, slab_fault kind, const void *ptr)
{
    recorder *r = ctx;
    r->count++;
    r->kind = kind;
    r->ptr = ptr;
}

static bool in_pages(const slab_heap *h, const void *p)
{
    return (uintptr_t)p - h->base < h->span;
}

/* With the class page damaged by `damage`, every call that needs the page
 * is refused with SLAB_FAULT_CORRUPT_META and changes nothing; restored,
 * the heap is sound and works. */
static void expect_refused(fixture *f, page_meta *m, const page_meta *saved)
{
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    slab_stats before, after;
    slab_set_fault_hook(f->h, record, &r);
    assert_false(slab_check(f->h));
    slab_get_stats(f->h, &before);

    slab_free(f->h, f->small[0]);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
    assert_ptr_equal(r.ptr, f->small[0]);

    assert_null(slab_alloc(f->h, 64, 1)); /* the class list's first page */
    assert_int_equal(r.count, 2);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
    assert_null(r.ptr);

    assert_null(slab_realloc(f->h, f->small[1], 200, 1));
    assert_int_equal(r.count, 3);
    slab_free_sized(f->h, f->small[2], 64, 1);
    assert_int_equal(r.count, 4);
    assert_int_equal(slab_usable_size(f->h, f->small[4]), 0);

    slab_get_stats(f->h, &after);
    assert_int_equal(after.fault_count, before.fault_count + 4u);
    assert_int_equal(after.bytes_used, before.bytes_used);
    assert_int_equal(after.pages_free, before.pages_free);

    *m = *saved;
    assert_true(slab_check(f->h));
    slab_set_fault_hook(f->h, NULL, NULL);
    {
        void *p = slab_alloc(f->h, 64, 1);
        assert_non_null(p);
        slab_free(f->h, p);
        assert_true(slab_check(f->h));
    }
}

static void test_damaged_class_page_refused(void **state)
{
    fixture *f = F;
    page_meta *m = &f->h->meta[f->class_page];
    const page_meta saved = *m;
    /* the damaged page must be the first on class 64's list */
    assert_int_equal(f->h->head[HEAP_CLASS(f->h->class_of[16])], f->class_page);

    m->size = 0u;                                  /* would divide by zero */
    expect_refused(f, m, &saved);
    m->size = 48u;                                 /* another class's size */
    expect_refused(f, m, &saved);
    m->cls = (uint8_t)SLAB_NUM_CLASSES;            /* no such class */
    expect_refused(f, m, &saved);
    m->cls = (uint8_t)(saved.cls + 1u);            /* the next class */
    expect_refused(f, m, &saved);
    m->carved = (uint16_t)(SLAB_PAGE_SIZE + 64u);  /* past the page */
    expect_refused(f, m, &saved);
    m->head = m->carved;                           /* first free block past carved */
    expect_refused(f, m, &saved);
    m->head = (uint16_t)(m->carved - 16u);         /* block would cross carved */
    expect_refused(f, m, &saved);
    {
        /* the class list's head is not a page at all */
        recorder r = {0, SLAB_FAULT_NONE, NULL};
        int32_t *head = &f->h->head[HEAP_CLASS(saved.cls)];
        *head = BAD_INDEX;
        slab_set_fault_hook(f->h, record, &r);
        assert_null(slab_alloc(f->h, 64, 1));
        assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
        *head = f->class_page;
        assert_true(slab_check(f->h));
    }
}

/* A full page left on the list would make page_take find nothing to hand
 * out: refused rather than returning an offset past the page. */
static void test_full_page_on_list_refused(void **state)
{
    fixture *f = F;
    page_meta *m = &f->h->meta[f->class_page];
    const page_meta saved = *m;
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    slab_set_fault_hook(f->h, record, &r);
    m->nfree = 0u;
    m->carved = (uint16_t)SLAB_PAGE_SIZE;
    assert_null(slab_alloc(f->h, 64, 1));
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
    *m = saved;
    assert_true(slab_check(f->h));
}

/* class_refill's guard: the page a refill takes off every list must not
 * already head the class's list. Only damage does that, and only through
 * the steal of a class's own kept empty page: with the class's list head
 * cleared (so the allocation asks for a refill) and the empty page's next
 * link naming the page itself, the unlink in heap_steal_empty sets the
 * list head to that link, the page. The guard gives the page to the pool
 * and refuses with SLAB_FAULT_CORRUPT_META (not counted as out of memory). */
static void test_refill_page_heading_list_refused(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    int32_t j = f->empty_page;
    uint32_t c = h->meta[j].cls;
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    size_t oom, faults;
    void *rest, *p;

    /* the pool used up by one large block (its free pages are one run) */
    rest = slab_alloc(h, (size_t)h->pool_count * SLAB_PAGE_SIZE, 1);
    assert_non_null(rest);
    assert_int_equal(h->pool_count, 0);
    assert_int_equal(h->head[HEAP_POOL], HEAP_NO_PAGE);
    /* j: class 512's kept empty page, alone on its list, and the only
     * kept empty page of a class up to c, so the steal takes it */
    assert_int_equal(slab_class_size[c], 512);
    assert_int_equal(h->empty[c], j);
    assert_int_equal(h->head[HEAP_CLASS(c)], j);
    assert_int_equal(h->links[j].prev, HEAP_NO_PAGE);
    assert_int_equal(h->links[j].next, HEAP_NO_PAGE);
    for (uint32_t d = 0u; d < c; d++) {
        assert_int_equal(h->empty[d], HEAP_NO_PAGE);
    }
    assert_true(slab_check(h));

    h->head[HEAP_CLASS(c)] = HEAP_NO_PAGE; /* the list looks empty */
    h->links[j].next = j;                  /* and j's next link is j */
    oom = h->oom_count;
    faults = h->fault_count;
    slab_set_fault_hook(h, record, &r);
    assert_null(slab_alloc(h, 512, 1));
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
    assert_null(r.ptr);
    assert_int_equal(h->fault_count, faults + 1u);
    assert_int_equal(h->oom_count, oom);
    /* the page went to the pool, off every list and no longer kept */
    assert_int_equal(h->meta[j].state, PAGE_FREE);
    assert_int_equal(h->head[HEAP_POOL], j);
    assert_int_equal(h->pool_count, 1);
    assert_int_equal(h->links[j].prev, HEAP_NO_PAGE);
    assert_int_equal(h->links[j].next, HEAP_NO_PAGE);
    assert_int_equal(h->empty[c], HEAP_NO_PAGE);
    /* the class's list head still names it, as the unlink left it */
    assert_int_equal(h->head[HEAP_CLASS(c)], j);
    assert_false(slab_check(h));

    /* with that head cleared the heap is sound, and the page serves again */
    h->head[HEAP_CLASS(c)] = HEAP_NO_PAGE;
    assert_true(slab_check(h));
    slab_set_fault_hook(h, NULL, NULL);
    p = slab_alloc(h, 512, 1);
    assert_non_null(p);
    assert_int_equal(page_of(h, p), j);
    slab_free(h, p);
    slab_free(h, rest);
    assert_true(slab_check(h));
}

static void test_damaged_indices_not_followed(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    int32_t pool = h->head[HEAP_POOL];
    void *p;

    /* the pool's head out of range: no page from the pool, but a class
     * that needs a page still gets the kept empty page of class 512 */
    h->head[HEAP_POOL] = BAD_INDEX;
    p = slab_alloc(h, 2048, 1);
    assert_non_null(p);
    assert_true(in_pages(h, p));
    h->head[HEAP_POOL] = pool;
    assert_true(slab_check(h));
    slab_free(h, p);
    assert_true(slab_check(h));

    /* the pool head names a live large page: it is not handed out (the
     * request is served from a kept empty page instead) */
    h->head[HEAP_POOL] = f->large_page;
    p = slab_alloc(h, 3000, 1);
    assert_non_null(p);
    assert_true(page_of(h, p) < f->large_page || page_of(h, p) >= f->large_page + 3);
    assert_int_equal(h->meta[f->large_page].state, PAGE_LARGE);
    h->head[HEAP_POOL] = pool;
    assert_true(slab_check(h));
    slab_free(h, p);

    /* an empty-page entry out of range, and one naming a live page: a
     * large request that would need the empty pages skips them */
    h->empty[15] = BAD_INDEX;
    h->empty[16] = f->class_page;
    p = slab_alloc(h, (size_t)(h->npages - 1) * SLAB_PAGE_SIZE, 1);
    assert_null(p);
    assert_int_equal(h->meta[f->class_page].state, PAGE_CLASS);

    /* links out of range: a pool page whose next link is damaged is
     * taken without following the link; later takes find no page */
    h->links[pool].next = BAD_INDEX;
    p = slab_alloc(h, 4096, 1);
    assert_non_null(p);
    assert_true(in_pages(h, p));
    {
        /* the pool is cut off: only the few kept empty pages remain,
         * whereas the pool still holds most of the heap's pages */
        size_t k = 0;
        while (k < 8u && (p = slab_alloc(h, 4096, 1)) != NULL) {
            assert_true(in_pages(h, p));
            k++;
        }
        assert_true(k < 8u);
        assert_true(h->pool_count > 8u);
    }
    assert_false(slab_check(h));
}

/* A large block's length overwritten: its size as reported and the pages
 * a free gives back stop at the block's own pages and the heap's end. */
static void test_damaged_run_length(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    size_t pages_free;
    slab_stats st;
    h->meta[f->large_page].run = SIZE_MAX;
    assert_int_equal(slab_usable_size(h, f->large),
                     (size_t)(h->npages - f->large_page) * SLAB_PAGE_SIZE);
    slab_get_stats(h, &st);
    pages_free = st.pages_free;
    slab_free(h, f->large);
    slab_get_stats(h, &st);
    assert_int_equal(st.pages_free, pages_free + 3u); /* its 3 pages, no more */
    assert_int_equal(h->meta[f->large_page + 3].state == PAGE_LARGE_TAIL, 0);
}

/* A run length of 0 on a large block's first page: the free still gives
 * that page back, so the block is gone (the proof of slab_free's "live"
 * behaviour rests on it), and a second free is refused. */
static void test_zero_run_length(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    size_t faults = h->fault_count;
    h->meta[f->large_page].run = 0u;
    slab_free(h, f->large);
    assert_int_equal(h->meta[f->large_page].state, PAGE_FREE);
    assert_int_equal(h->fault_count, faults);
    assert_int_equal(slab_usable_size(h, f->large), 0);
    slab_free(h, f->large);
    assert_int_equal(h->fault_count, faults + 1u);
    assert_int_equal(h->meta[f->large_page].state, PAGE_FREE);
}

/* ---- the checks that make each layer safe whatever it is given ------------ */

/* The fast class table is checked before it is trusted: a damaged entry
 * sends the request to the general path, which still picks the right
 * class; slab_check notices the damage. */
static void test_fast_table_damage_falls_back(void **state)
{
    slab_heap *h = F->h;
    uint8_t saved16 = h->class_of[16], saved4 = h->class_of[4];
    void *p;
    h->class_of[16] = (uint8_t)SLAB_NUM_CLASSES;  /* no such class */
    p = slab_alloc(h, 64, 1);
    assert_int_equal(slab_usable_size(h, p), 64);
    slab_free(h, p);
    h->class_of[16] = 0;                           /* a class too small */
    p = slab_alloc(h, 64, 1);
    assert_int_equal(slab_usable_size(h, p), 64);
    slab_free(h, p);
    assert_false(slab_check(h));
    h->class_of[16] = saved16;
    h->class_of[4] = 2;                            /* 24 B: aligned to 8 only */
    p = slab_alloc(h, 16, 16);
    assert_int_equal((uintptr_t)p % 16u, 0);
    assert_int_equal(slab_usable_size(h, p), 16);
    slab_free(h, p);
    h->class_of[4] = saved4;
    assert_true(slab_check(h));
}

/* Every request size up to the largest class has a slot, the slot's range
 * holds the size, and (the default list's classes above SLAB_FAST_FINE
 * being multiples of 64) the slot's class is the smallest that fits: the
 * one the scan of the class list gives. So no class size takes the scan,
 * and a block from the fast path has the size the slow path would give. */
static void test_fast_table_serves_every_class(void **state)
{
    slab_heap *h = F->h;
    uint32_t last = 0u;
    for (size_t size = 0u; size <= (size_t)SLAB_FAST_MAX; size++) {
        uint32_t k = layout_slot(size);
        assert_true(k < (uint32_t)SLAB_FAST_SLOTS);
        assert_true(k == last || k == last + 1u); /* no slot skipped */
        last = k;
        assert_true(layout_slot_low(k) <= size);
        if (k + 1u < (uint32_t)SLAB_FAST_SLOTS) {
            assert_true(size < layout_slot_low(k + 1u));
        }
        assert_int_equal(h->class_of[k], layout_class(size, 1u));
    }
    assert_int_equal(last, (uint32_t)SLAB_FAST_SLOTS - 1u); /* every slot */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        size_t s = slab_class_size[c];
        void *p = slab_alloc(h, s, 1u);
        void *q = slab_alloc(h, s - 3u, 4u);
        assert_non_null(p);
        assert_non_null(q);
        assert_int_equal(slab_usable_size(h, p), s);
        assert_int_equal(slab_usable_size(h, q), s);
        slab_free(h, p);
        slab_free(h, q);
    }
    assert_true(slab_check(h));
}

/* A link inside the carved part whose block would run past it is refused,
 * and the list rebuilt from the bitmap. */
static void test_link_to_partial_block_refused(void **state)
{
    slab_heap *h = F->h;
    page_meta *m = &h->meta[F->class_page];
    uint32_t *words = page_words(h, F->class_page);
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    void *a, *b;
    slab_set_fault_hook(h, record, &r);
    words[m->head / 4u] = (uint32_t)m->carved - 16u;
    a = slab_alloc(h, 64, 1);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_LINK);
    b = slab_alloc(h, 64, 1); /* the other free block, found by the rebuild */
    assert_true(in_pages(h, b) && b != a);
    assert_int_equal(page_of(h, b), F->class_page);
    assert_true(slab_check(h));
}

/* A fault hook that breaks T11 (spec/TRUSTED.md): on a repaired link it
 * frees a block behind the allocator's back. */
typedef struct rogue_hook {
    slab_heap *h;
    void *victim;
    slab_fault kinds[4];
    const void *ptrs[4];
    size_t count;
} rogue_hook;

static void free_on_repair(void *ctx, slab_fault kind, const void *ptr)
{
    rogue_hook *r = ctx;
    if (r->count < 4u) {
        r->kinds[r->count] = kind;
        r->ptrs[r->count] = ptr;
    }
    r->count++;
    if (kind == SLAB_FAULT_CORRUPT_LINK && r->victim != NULL) {
        void *v = r->victim;
        r->victim = NULL;
        slab_free(r->h, v);
    }
}

/* A large request the classes' kept empty pages seem to make room for,
 * but do not: the kept-empty entry of class 64 is damaged to name a page
 * still in use. The empty pages are given up, no run appears, and the call
 * is reported as CORRUPT_META, not counted as a refusal for lack of memory
 * (a refusal leaves the heap as it was, R11). The live block is kept. */
static void test_large_room_that_is_not_there(void **state)
{
    slab_heap *h = slab_init(g_arena.bytes, ARENA_BYTES);
    void *small, *x, *big, *q;
    size_t faults, refusals;
    uint32_t c64 = layout_class(64u, 1u);
    (void)state;
    assert_non_null(h);
    small = slab_alloc(h, 64, 8);     /* page 0, class 64, in use */
    x = slab_alloc(h, 4096, 8);       /* page 1, class 4096 */
    assert_int_equal(page_of(h, small), 0);
    assert_int_equal(page_of(h, x), 1);
    big = slab_alloc(h, (size_t)(h->npages - 2) * SLAB_PAGE_SIZE, 8);
    assert_non_null(big);             /* every other page */
    slab_free(h, x);                  /* page 1: class 4096's kept empty page */
    assert_true(slab_check(h));
    h->empty[c64] = 0;                /* damage: names page 0, in use */
    faults = h->fault_count;
    refusals = h->oom_count;
    q = slab_alloc(h, SLAB_PAGE_SIZE + 1u, 8); /* two pages: 0 and 1 */
    assert_null(q);
    assert_int_equal(h->fault_count, faults + 1u);
    assert_int_equal(h->oom_count, refusals);
    assert_int_equal(slab_usable_size(h, small), 64);
    assert_int_equal(h->meta[1].state, PAGE_FREE); /* page 1 was given up */
    h->empty[c64] = HEAP_NO_PAGE;
    assert_true(slab_check(h));
}

/* A class request whose refill finds no page on the lists walks the page
 * table before it refuses (R22): here the pool list and the kept-empty
 * table are cut off while most pages are still free. The lost pages are
 * reported as CORRUPT_META and the call is not counted as a refusal for
 * lack of memory; nothing else changes, and restored, the heap works. */
static void test_lost_free_pages_not_refused_as_oom(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    int32_t pool = h->head[HEAP_POOL];
    int32_t kept[SLAB_NUM_CLASSES];
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    size_t refusals = h->oom_count;
    slab_stats before, after;
    void *p;
    memcpy(kept, h->empty, sizeof kept);
    h->head[HEAP_POOL] = HEAP_NO_PAGE;
    for (size_t c = 0; c < SLAB_NUM_CLASSES; c++) {
        h->empty[c] = HEAP_NO_PAGE;
    }
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    slab_set_fault_hook(h, record, &r);
    slab_get_stats(h, &before);
    assert_null(slab_alloc(h, 2048, 1)); /* class 2048 has no page yet */
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
    assert_int_equal(h->oom_count, refusals);
    slab_get_stats(h, &after);
    after.fault_count = before.fault_count;
    assert_memory_equal(&before, &after, sizeof before);
    h->head[HEAP_POOL] = pool;
    memcpy(h->empty, kept, sizeof kept);
    slab_set_fault_hook(h, NULL, NULL);
    assert_true(slab_check(h));
    p = slab_alloc(h, 2048, 1);
    assert_non_null(p);
    slab_free(h, p);
    assert_true(slab_check(h));
}

/* The same walk finds a page of the request's own class that has room but
 * is off the class's list. A heap filled with 64-byte blocks refuses the
 * next one for lack of memory (every page in use, none idle); after one
 * free, that page has room, and with the class's list cut off the request
 * is a fault, not a refusal. Restored, it is served from that page. */
static void test_lost_class_page_not_refused_as_oom(void **state)
{
    slab_heap *h = slab_init(g_arena.bytes, 8u * SLAB_PAGE_SIZE + 4096u);
    uint32_t c64 = layout_class(64u, 1u);
    void *first, *p;
    size_t refusals, faults, n = 0;
    int32_t head;
    (void)state;
    assert_non_null(h);
    first = slab_alloc(h, 64, 1);
    assert_non_null(first);
    while (slab_alloc(h, 64, 1) != NULL) {
        n++;
    }
    assert_true(n > 0u);
    assert_int_equal(h->oom_count, 1); /* the heap is full: a true refusal */
    assert_int_equal(h->fault_count, 0);
    assert_true(slab_check(h));
    slab_free(h, first);
    head = h->head[HEAP_CLASS(c64)];
    assert_int_equal(head, page_of(h, first));
    h->head[HEAP_CLASS(c64)] = HEAP_NO_PAGE; /* damage: the list loses it */
    refusals = h->oom_count;
    faults = h->fault_count;
    assert_null(slab_alloc(h, 64, 1));
    assert_int_equal(h->oom_count, refusals);
    assert_int_equal(h->fault_count, faults + 1u);
    h->head[HEAP_CLASS(c64)] = head;
    assert_true(slab_check(h));
    p = slab_alloc(h, 64, 1);
    assert_ptr_equal(p, first);
}

/* realloc looks the old block up again after taking the new one: if it is
 * no longer live (here a hook that breaks T11 freed it meanwhile), the
 * move is not undone but the old block is not freed twice; the call is
 * reported as CORRUPT_META and the heap stays sound. */
static void test_realloc_old_block_gone_meanwhile(void **state)
{
    slab_heap *h = F->h;
    page_meta *m = &h->meta[F->class_page];
    uint32_t *words = page_words(h, F->class_page);
    rogue_hook r;
    void *p, *q;
    size_t faults;

    p = slab_alloc(h, 16, 1);
    assert_non_null(p);
    assert_true(page_of(h, p) != F->class_page);
    memset(&r, 0, sizeof r);
    r.h = h;
    r.victim = p;
    slab_set_fault_hook(h, free_on_repair, &r);
    words[m->head / 4u] = (uint32_t)m->carved - 16u; /* a bad link */
    faults = h->fault_count;
    q = slab_realloc(h, p, 64, 1);
    assert_non_null(q);
    assert_int_equal(page_of(h, q), F->class_page);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.kinds[0], SLAB_FAULT_CORRUPT_LINK);
    assert_int_equal(r.kinds[1], SLAB_FAULT_CORRUPT_META);
    assert_ptr_equal(r.ptrs[1], p);
    assert_int_equal(h->fault_count, faults + 2u);
    assert_int_equal(slab_usable_size(h, p), 0);   /* freed once, by the hook */
    assert_int_equal(slab_usable_size(h, q), 64);
    assert_true(slab_check(h));
    slab_set_fault_hook(h, NULL, NULL);
    slab_free(h, q);
    assert_true(slab_check(h));
}

/* A free count one too high: the last pop reads the end-of-list mark as a
 * link, the rebuild finds no free block, and the page is sound again. */
static void test_rebuild_finds_no_free_block(void **state)
{
    slab_heap *h = F->h;
    page_meta *m = &h->meta[F->class_page];
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    slab_set_fault_hook(h, record, &r);
    m->nfree++;
    assert_non_null(slab_alloc(h, 64, 1));
    assert_int_equal(r.count, 0);
    assert_non_null(slab_alloc(h, 64, 1));
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_LINK);
    assert_int_equal(m->nfree, 0);
    assert_int_equal(m->head, PAGE_NO_BLOCK);
    assert_true(slab_check(h));
}

/* The page core on its own, with entries no sound heap has. */
static void test_page_core_edges(void **state)
{
    static uint32_t words[SLAB_PAGE_WORDS];
    page_meta m;
    bool repaired = false;
    uint32_t off;
    (void)state;
    /* a full page has nothing to hand out */
    page_format(&m, 2048u);
    assert_int_equal(page_take(&m, words, &repaired), 0);
    assert_int_equal(page_take(&m, words, &repaired), 2048);
    assert_int_equal(page_take(&m, words, &repaired), PAGE_NO_BLOCK);
    assert_false(repaired);
    /* room left, but less than a block: nothing to carve either */
    page_format(&m, 3072u);
    assert_int_equal(page_take(&m, words, &repaired), 0);
    assert_int_equal(page_take(&m, words, &repaired), PAGE_NO_BLOCK);
    assert_int_equal(m.carved, 3072);
    /* a carved part that is not a whole number of blocks: the slack
     * after the last whole block is not a block */
    page_format(&m, 64u);
    m.carved = 3u * 64u + 16u;
    m.used = 3u;
    m.bits[0] = 1u | (1u << 4) | (1u << 8);
    assert_int_equal(page_status(&m, 192u), PAGE_BLOCK_UNCARVED);
    /* a bit set while the page counts no block in use */
    m.used = 0u;
    assert_int_equal(page_status(&m, 64u), PAGE_BLOCK_FREE);
    /* a rebuild over such a carved part stops at the slack */
    m.used = 2u;
    m.bits[0] = 1u | (1u << 8); /* blocks 0 and 128 live, 64 free */
    m.nfree = 2u;               /* one too many */
    m.head = 64u;
    words[64u / 4u] = 0xDEADu;  /* garbage link */
    off = page_take(&m, words, &repaired);
    assert_int_equal(off, 64);
    assert_true(repaired);
    assert_int_equal(m.nfree, 0);
    assert_int_equal(m.used, 3);
}

/* page_give checks the bitmap when the count of blocks in use reaches
 * zero: a page counts itself empty only when no block of it is marked,
 * so a count lowered by a stray write never lets a live block be given
 * away with its page. */
static void test_page_give_checks_bitmap(void **state)
{
    static uint32_t words[SLAB_PAGE_WORDS];
    page_meta m;
    bool repaired = false;
    uint32_t k;
    (void)state;
    /* sound page: the count reaches zero with the bitmap clear */
    page_format(&m, 64u);
    assert_int_equal(page_take(&m, words, &repaired), 0);
    assert_int_equal(page_take(&m, words, &repaired), 64);
    assert_false(page_give(&m, words, 64u));
    assert_int_equal(m.used, 1);
    assert_int_equal(m.nfree, 1);
    assert_int_equal(m.head, 64);
    assert_false(page_give(&m, words, 0u));
    assert_int_equal(m.used, 0);
    assert_int_equal(m.nfree, 2);
    assert_int_equal(m.head, 0);
    assert_int_equal(m.bits[0], 0u);
    /* the count says one block is in use, the bitmap marks three: freeing
     * one leaves the other two live, counted from the bitmap */
    page_format(&m, 64u);
    for (k = 0u; k < 3u; k++) {
        assert_int_equal(page_take(&m, words, &repaired), k * 64u);
    }
    m.used = 1u;
    assert_true(page_give(&m, words, 64u)); /* rebuilt: told to the caller */
    assert_int_equal(m.used, 2);
    assert_int_equal(m.nfree, 1);
    assert_int_equal(m.head, 64);
    assert_int_equal(page_status(&m, 0u), PAGE_BLOCK_LIVE);
    assert_int_equal(page_status(&m, 64u), PAGE_BLOCK_FREE);
    assert_int_equal(page_status(&m, 128u), PAGE_BLOCK_LIVE);
    /* the marks left are in the second bitmap word: 16-byte blocks, 40
     * carved, so granules 32..39 sit in word 1 */
    page_format(&m, 16u);
    for (k = 0u; k < 40u; k++) {
        assert_int_equal(page_take(&m, words, &repaired), k * 16u);
    }
    assert_int_equal(m.bits[1], 0xFFu);
    m.used = 1u;
    assert_true(page_give(&m, words, 0u));
    assert_int_equal(m.used, 39);
    assert_int_equal(m.nfree, 1);
    assert_int_equal(page_status(&m, 0u), PAGE_BLOCK_FREE);
    assert_int_equal(page_status(&m, 39u * 16u), PAGE_BLOCK_LIVE);
    assert_false(repaired);
}

/* R23's exact steps (used_one_more, used_one_less, src/page_block.h):
 * on a page whose counts agree with its bitmap, a take or a give that has
 * to rebuild the free list still moves the count of blocks in use by
 * exactly one. The give: a stray mark inside a block (not at a block
 * start, so the counts still agree) makes the last free rebuild. The
 * take: a bad link in the popped block makes it rebuild. */
static void test_rebuild_moves_count_by_one(void **state)
{
    static uint32_t words[SLAB_PAGE_WORDS];
    page_meta m;
    bool repaired = false;
    (void)state;
    page_format(&m, 64u);
    assert_int_equal(page_take(&m, words, &repaired), 0);
    m.bits[0] |= 1u << 1; /* granule 1: inside block 0, no block start */
    assert_true(page_give(&m, words, 0u)); /* rebuilt: the mark is left */
    assert_int_equal(m.used, 0);
    assert_int_equal(m.nfree, 1);
    assert_int_equal(page_status(&m, 0u), PAGE_BLOCK_FREE);

    page_format(&m, 64u);
    assert_int_equal(page_take(&m, words, &repaired), 0);
    assert_int_equal(page_take(&m, words, &repaired), 64);
    assert_int_equal(page_take(&m, words, &repaired), 128);
    assert_false(page_give(&m, words, 64u));
    assert_false(page_give(&m, words, 128u)); /* list: 128 -> 64 */
    assert_int_equal(m.used, 1);
    words[128u / 4u] = 5u; /* the link in block 128: no block starts at 5 */
    assert_int_equal(page_take(&m, words, &repaired), 128);
    assert_true(repaired);
    assert_int_equal(m.used, 2);
    assert_int_equal(m.nfree, 1);
    assert_int_equal(page_status(&m, 64u), PAGE_BLOCK_FREE);
    assert_int_equal(page_status(&m, 128u), PAGE_BLOCK_LIVE);
}

/* The same disagreement met by slab_free: the count of blocks in use of
 * a class page lowered to one by a stray write while six are live. The
 * free goes through (the block was live), the page's counts are rebuilt
 * from the bitmap, and the hook hears SLAB_FAULT_CORRUPT_META with the
 * freed pointer; the five other blocks stay live, so the page is not given
 * away and the heap is sound again. */
static void test_free_reports_count_mismatch(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    page_meta *m = &h->meta[f->class_page];
    recorder r = {0, SLAB_FAULT_NONE, NULL};
    size_t faults = h->fault_count;
    static const size_t live[5] = {1, 2, 4, 6, 7};

    assert_int_equal(m->used, 6);
    m->used = 1u;
    assert_false(slab_check(h));
    slab_set_fault_hook(h, record, &r);
    slab_free(h, f->small[0]);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.kind, SLAB_FAULT_CORRUPT_META);
    assert_ptr_equal(r.ptr, f->small[0]);
    assert_int_equal(h->fault_count, faults + 1u);
    assert_int_equal(m->state, PAGE_CLASS);
    assert_int_equal(m->used, 5);
    assert_int_equal(m->nfree, 3);
    assert_true(slab_check(h));
    /* the other blocks are still live: each frees once, without a fault */
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(slab_usable_size(h, f->small[live[k]]), 64);
        slab_free(h, f->small[live[k]]);
    }
    assert_int_equal(r.count, 1);
    assert_true(slab_check(h));
    slab_set_fault_hook(h, NULL, NULL);
}

/* The class-table check slab_init runs (layout_classes_ok): the
 * configured table passes; each way a table can be unusable is refused,
 * one entry at a time, first and last entry alike. */
static void test_class_table_check(void **state)
{
    uint16_t size[SLAB_NUM_CLASSES];
    uint16_t align[SLAB_NUM_CLASSES];
    const uint32_t n = (uint32_t)SLAB_NUM_CLASSES;
    const uint32_t ends[2] = {0u, (uint32_t)SLAB_NUM_CLASSES - 1u};
    static const uint16_t bad_size[] = {0u, 12u, 18u, 62u};
    size_t e, k;
    (void)state;
    memcpy(size, slab_class_size, sizeof size);
    memcpy(align, slab_class_align, sizeof align);
    assert_true(layout_table_ok());
    assert_true(layout_classes_ok(size, align, n));
    /* a single class of a page is a usable table */
    size[0] = (uint16_t)SLAB_PAGE_SIZE;
    assert_true(layout_classes_ok(size, align, 1u));
    size[0] = slab_class_size[0];
    for (e = 0u; e < 2u; e++) {
        const uint32_t c = ends[e];
        for (k = 0u; k < sizeof bad_size / sizeof bad_size[0]; k++) {
            size[c] = bad_size[k]; /* below 16, or not a multiple of 4 */
            assert_false(layout_classes_ok(size, align, n));
        }
        size[c] = (uint16_t)(SLAB_PAGE_SIZE + 4u); /* more than a page */
        assert_false(layout_classes_ok(size, align, n));
        size[c] = slab_class_size[c];
        align[c] = 0u;
        assert_false(layout_classes_ok(size, align, n));
        align[c] = slab_class_align[c];
        assert_true(layout_classes_ok(size, align, n));
    }
    /* the largest class must cover the fast table */
    size[n - 1u] = (uint16_t)(SLAB_FAST_MAX - 4u);
    assert_false(layout_classes_ok(size, align, n));
    size[n - 1u] = (uint16_t)SLAB_FAST_MAX;
    assert_true(layout_classes_ok(size, align, n));
}

/* The page-list walk of slab_check: a head that is not a page, and a
 * class list holding a page it must not hold. */
static void test_check_list_walks(void **state)
{
    slab_heap *h = F->h;
    int32_t full = -1;
    void *blocks[SLAB_PAGE_SIZE / 16];
    size_t k;
    DAMAGE(h->head[HEAP_POOL], (int32_t)-5);
    DAMAGE(h->head[HEAP_CLASS(3)], F->class_page); /* a page of class 64 */
    for (k = 0; k < SLAB_PAGE_SIZE / 16; k++) {   /* one full 16-byte page */
        blocks[k] = slab_alloc(h, 16, 1);
        assert_non_null(blocks[k]);
    }
    full = page_of(h, blocks[0]);
    assert_int_equal(page_of(h, blocks[SLAB_PAGE_SIZE / 16 - 1]), full);
    assert_int_equal(h->head[HEAP_CLASS(0)], HEAP_NO_PAGE);
    DAMAGE(h->head[HEAP_CLASS(0)], full);          /* a full page on the list */
    DAMAGE(h->npages, 0);
    DAMAGE(h->npages, -1);
    DAMAGE(h->npages, (int64_t)HEAP_MAX_PAGES + 1);
    DAMAGE(h->base, h->base + 16u);
    DAMAGE(h->meta[F->empty_page].state, (uint8_t)PAGE_FREE); /* not on the pool */
    DAMAGE(h->empty[3], F->class_page);            /* an empty page that is not */
    DAMAGE(h->links[h->head[HEAP_POOL]].next, F->class_page); /* class page in the pool */
}

/* The pool's second page is a page in use (a damaged link). Taking the
 * first page must not leave a page in use first: the pool list is dropped
 * (pool_head_mend, src/heap_pages.c). No page in use is handed out, the
 * next refill that finds no page reports the damage instead of refusing
 * for lack of memory, and large blocks, which search the page table,
 * still get the free pages. */
static void test_pool_next_page_in_use(void **state)
{
    fixture *f = F;
    slab_heap *h = f->h;
    int32_t first = h->head[HEAP_POOL];
    size_t top = slab_class_size[SLAB_NUM_CLASSES - 1];
    size_t next = slab_class_size[SLAB_NUM_CLASSES - 2];
    size_t faults = h->fault_count;
    size_t ooms = h->oom_count;
    void *p, *q, *big;

    assert_true(top > SLAB_PAGE_SIZE / 2u); /* one block per page */
    assert_true(next > 512u);               /* a class with no page yet */
    assert_int_not_equal(first, HEAP_NO_PAGE);
    h->links[first].next = f->large_page;
    p = slab_alloc(h, top, 1);
    assert_non_null(p);
    assert_int_equal(page_of(h, p), first);
    assert_int_equal(h->head[HEAP_POOL], HEAP_NO_PAGE);
    assert_int_equal(h->meta[f->large_page].state, PAGE_LARGE);
    /* no pool list: the class 512 page kept empty is taken */
    q = slab_alloc(h, next, 1);
    assert_non_null(q);
    assert_int_equal(page_of(h, q), f->empty_page);
    /* no page on any list, but free pages in the table: a fault */
    assert_null(slab_alloc(h, top, 1));
    assert_int_equal(h->fault_count, faults + 1u);
    assert_int_equal(h->oom_count, ooms);
    big = slab_alloc(h, 2u * SLAB_PAGE_SIZE, 1);
    assert_non_null(big);
    assert_true(in_pages(h, big));
    assert_int_equal(h->meta[page_of(h, big)].state, PAGE_LARGE);
    assert_int_equal(h->head[HEAP_POOL], HEAP_NO_PAGE);
    /* pool_count counts free pages the list no longer holds */
    assert_false(slab_check(h));
}

/* The pool's first page links to itself (a damaged link): once taken, it
 * would head the pool while in use. The pool list is dropped instead, and
 * the page is not handed out twice. */
static void test_pool_first_page_self_link(void **state)
{
    slab_heap *h = F->h;
    int32_t first = h->head[HEAP_POOL];
    size_t top = slab_class_size[SLAB_NUM_CLASSES - 1];
    void *p, *q;

    assert_true(top > SLAB_PAGE_SIZE / 2u); /* one block per page */
    assert_int_not_equal(first, HEAP_NO_PAGE);
    h->links[first].next = first;
    p = slab_alloc(h, top, 1);
    assert_non_null(p);
    assert_int_equal(page_of(h, p), first);
    assert_int_equal(h->head[HEAP_POOL], HEAP_NO_PAGE);
    q = slab_alloc(h, top, 1); /* from the class 512 page kept empty */
    assert_non_null(q);
    assert_int_not_equal(page_of(h, q), first);
    assert_false(slab_check(h));
}

/* slab_get_page_info on a damaged class page: no division by its size. */
static void test_page_info_damaged_page(void **state)
{
    slab_heap *h = F->h;
    slab_page_info info;
    uint16_t size = h->meta[F->class_page].size;
    h->meta[F->class_page].size = 0u;
    assert_true(slab_get_page_info(h, (size_t)F->class_page, &info));
    assert_int_equal(info.kind, SLAB_PAGE_CLASS);
    assert_int_equal(info.blocks_free, 0);
    h->meta[F->class_page].size = size;
    assert_true(slab_check(h));
}

/* The page-list functions on damaged links and tables, called directly. */
static void test_page_lists_damaged(void **state)
{
    slab_heap *h = F->h;
    int32_t first = h->head[HEAP_POOL];
    int32_t second = h->links[first].next;
    uint32_t c512 = layout_class(512u, 1u);
    int32_t kept = h->empty[c512];
    int32_t got;
    assert_true(second >= 0);
    assert_int_equal(kept, F->empty_page);
    /* empty-page entries naming a free page, a page of another class and
     * a page of the class still in use are skipped: with class 512's kept
     * page hidden, the scan looks at every entry (in whatever order) and
     * finds none; with it back, only that page is given up */
    h->empty[0] = first;
    h->empty[1] = F->class_page;
    h->empty[h->meta[F->class_page].cls] = F->class_page;
    h->empty[c512] = HEAP_NO_PAGE;
    assert_int_equal(heap_steal_empty(h), HEAP_NO_PAGE);
    h->empty[c512] = kept;
    got = heap_steal_empty(h);
    assert_int_equal(got, F->empty_page);
    assert_int_equal(h->meta[F->class_page].state, PAGE_CLASS);
    /* a run search over a class page whose class is out of range */
    h->meta[F->class_page].cls = (uint8_t)SLAB_NUM_CLASSES;
    assert_int_equal(heap_run_find(h, (size_t)h->npages, 1u, true), HEAP_NO_PAGE);
    /* unlinking a page whose back link is out of range: not followed */
    h->links[second].prev = BAD_INDEX;
    heap_list_unlink(h, HEAP_POOL, second);
    assert_int_equal(h->links[first].next, second); /* left as it was */
    assert_false(slab_check(h));
}

/* The layout slab_init computes, for every arena size over a range and a
 * few start offsets: header, page table, list links and pages in that
 * order, none overlapping the next, all inside the arena. Around 56 pages
 * (64-bit) the room after a table of `fit` entries would hold one page
 * more than the table has entries: the heap must not take it. */
static void test_init_layout_never_overlaps(void **state)
{
    static const size_t offsets[] = {0, 8, 16, 40, 4000};
    size_t k, size;
    (void)state;
    for (k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        unsigned char *arena = g_arena.bytes + offsets[k];
        for (size = SLAB_PAGE_SIZE; size <= 60u * SLAB_PAGE_SIZE; size += 8u) {
            slab_heap *h = slab_init(arena, size);
            if (h == NULL) {
                assert_true(size < 3u * SLAB_PAGE_SIZE);
                continue;
            }
            assert_true((uintptr_t)h >= (uintptr_t)arena);
            assert_true((uintptr_t)(h + 1) <= (uintptr_t)h->meta);
            assert_true((uintptr_t)(h->meta + h->npages) <= (uintptr_t)h->links);
            assert_true((uintptr_t)(h->links + h->npages) <= h->base);
            assert_int_equal(h->base % SLAB_PAGE_SIZE, 0);
            assert_true(h->base + h->span <= (uintptr_t)arena + size);
            /* and no room left for one more page with its entry */
            assert_true((uintptr_t)arena + size - (h->base + h->span) <
                        SLAB_PAGE_SIZE + 2u * (sizeof(page_meta) + sizeof(page_link)) +
                        SLAB_PAGE_SIZE);
        }
    }
}

/* What heap_arena_layout's contract (src/heap_arena.h) states, checked in C
 * for one plan: every part inside [start, start + size), in order,
 * aligned, and no page left out that would fit after the table. */
static void assert_plan_ok(uintptr_t start, size_t size, size_t hsize,
                           size_t msize, size_t lsize, size_t maxp,
                           const heap_arena_plan *p)
{
    uintptr_t end = start + size;
    assert_true(start <= p->header && p->header % 16u == 0u);
    assert_true(p->header + hsize <= p->table && p->table % 8u == 0u);
    assert_true(1u <= p->npages && p->npages <= p->fit && p->fit <= maxp);
    assert_true(p->links == p->table + p->fit * msize);
    assert_true(p->links + p->fit * lsize <= p->first);
    assert_true(p->first % SLAB_PAGE_SIZE == 0u);
    assert_true(p->first + p->npages * SLAB_PAGE_SIZE <= end);
    assert_true(p->npages == p->fit ||
                p->first + (p->npages + 1u) * SLAB_PAGE_SIZE > end);
}

/* heap_arena_layout, the proved arithmetic of slab_init, with this target's
 * struct sizes and with a 32-bit target's: refusals leave the plan
 * untouched; every arena with room for the header, two entries and two
 * pages is accepted, wherever it starts (the bound its contract states);
 * every accepted plan satisfies the contract. */
static void test_heap_arena_layout_contract(void **state)
{
    static const size_t sizes[][3] = {
        {sizeof(slab_heap), sizeof(page_meta), sizeof(page_link)},
        {120u, 44u, 8u}, /* a 32-bit target's sizes */
        {1u, 1u, 1u},
    };
    heap_arena_plan plan, before;
    size_t k;
    (void)state;
    memset(&before, 0xA5, sizeof before);
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t hs = sizes[k][0], ms = sizes[k][1], ls = sizes[k][2];
        size_t enough = 16u + hs + 8u + 2u * (ms + ls + SLAB_PAGE_SIZE);
        size_t too_small = hs + ms + ls + SLAB_PAGE_SIZE;
        uintptr_t start;
        size_t size;
        plan = before;
        assert_false(heap_arena_layout(0u, enough, hs, ms, ls, HEAP_MAX_PAGES, &plan));
        assert_false(heap_arena_layout(UINTPTR_MAX - 100u, 101u, hs, ms, ls,
                                  HEAP_MAX_PAGES, &plan));
        assert_false(heap_arena_layout(UINTPTR_MAX - enough + 1u, enough, hs, ms, ls,
                                  HEAP_MAX_PAGES, &plan));
        assert_false(heap_arena_layout(4096u, SIZE_MAX, hs, ms, ls, HEAP_MAX_PAGES,
                                  &plan));
        assert_memory_equal(&plan, &before, sizeof plan);
        for (start = 4096u; start < 4096u + 2u * SLAB_PAGE_SIZE; start += 7u) {
            /* too small: refused, untouched */
            assert_false(heap_arena_layout(start, too_small - 1u, hs, ms, ls,
                                      HEAP_MAX_PAGES, &plan));
            assert_memory_equal(&plan, &before, sizeof plan);
            /* enough: accepted */
            assert_true(heap_arena_layout(start, enough, hs, ms, ls,
                                     HEAP_MAX_PAGES, &plan));
            assert_plan_ok(start, enough, hs, ms, ls, HEAP_MAX_PAGES, &plan);
            plan = before;
        }
        /* every size in between and beyond, a few starts, caps 2 and max */
        for (start = 16u; start < 16u + 64u; start += 13u) {
            for (size = too_small - 64u; size < 40u * SLAB_PAGE_SIZE; size += 61u) {
                if (heap_arena_layout(start, size, hs, ms, ls, HEAP_MAX_PAGES, &plan)) {
                    assert_true(size >= too_small);
                    assert_plan_ok(start, size, hs, ms, ls, HEAP_MAX_PAGES, &plan);
                } else {
                    assert_true(size < enough);
                }
                if (heap_arena_layout(start, size, hs, ms, ls, 2u, &plan)) {
                    assert_plan_ok(start, size, hs, ms, ls, 2u, &plan);
                }
            }
        }
    }
}

/* realloc copies at most the old block: with the last page of an arena
 * that ends where its allocation ends, reading one byte more would be
 * past the allocation, which AddressSanitizer reports. */
static void test_realloc_copies_only_the_old_block(void **state)
{
    const size_t size = 16u * SLAB_PAGE_SIZE;
    void *mem = NULL;
    slab_heap *h;
    unsigned char *blocks[16];
    unsigned char *q;
    size_t n = 0, k;
    (void)state;
    assert_int_equal(posix_memalign(&mem, SLAB_PAGE_SIZE, size), 0);
    h = slab_init(mem, size);
    assert_non_null(h);
    while (n < 16u && (blocks[n] = slab_alloc(h, SLAB_PAGE_SIZE, 1)) != NULL) {
        memset(blocks[n], (int)n + 1, SLAB_PAGE_SIZE);
        n++;
    }
    assert_true(n >= 3u);
    /* the last block ends where the allocation ends */
    assert_ptr_equal(blocks[n - 1] + SLAB_PAGE_SIZE, (unsigned char *)mem + size);
    slab_free(h, blocks[0]);
    slab_free(h, blocks[1]);
    q = slab_realloc(h, blocks[n - 1], 2u * SLAB_PAGE_SIZE, 1);
    assert_non_null(q);
    for (k = 0; k < SLAB_PAGE_SIZE; k++) {
        assert_int_equal(q[k], (int)n);
    }
    assert_true(slab_check(h));
    free(mem);
}

/*
 * R28 at run time: LISTS_AGREE (spec/heap_spec.h) written out in C, over
 * every page and every link, not only the pages a walk from the heads
 * reaches (slab_check walks from the heads). Page a's next link names b
 * exactly when b's prev link names a; a link joins two free pages or two
 * class pages of one class; a list's first page has the list's state and
 * no page before it; a page of a large block has no links.
 */
static bool same_list_kind(const slab_heap *h, int32_t a, int32_t b)
{
    const page_meta *x = &h->meta[a];
    const page_meta *y = &h->meta[b];
    return x->state == y->state &&
           (x->state != (uint8_t)PAGE_CLASS || x->cls == y->cls);
}

static bool lists_agree(const slab_heap *h)
{
    for (int32_t a = 0; a < (int32_t)h->npages; a++) {
        int32_t next = h->links[a].next;
        int32_t prev = h->links[a].prev;
        uint8_t st = h->meta[a].state;
        if (next != HEAP_NO_PAGE &&
            (h->links[next].prev != a || !same_list_kind(h, a, next))) {
            return false;
        }
        if (prev != HEAP_NO_PAGE && h->links[prev].next != a) {
            return false;
        }
        if (st != (uint8_t)PAGE_FREE && st != (uint8_t)PAGE_CLASS &&
            (next != HEAP_NO_PAGE || prev != HEAP_NO_PAGE)) {
            return false;
        }
    }
    for (uint32_t l = 0; l < (uint32_t)HEAP_LISTS; l++) {
        int32_t first = h->head[l];
        if (first == HEAP_NO_PAGE) {
            continue;
        }
        const page_meta *m = &h->meta[first];
        bool kind = l == HEAP_POOL ? m->state == (uint8_t)PAGE_FREE
                                   : m->state == (uint8_t)PAGE_CLASS &&
                                         m->cls + 1u == l;
        if (!kind || h->links[first].prev != HEAP_NO_PAGE) {
            return false;
        }
    }
    return true;
}

/* `steps` calls that move pages between the pool, several classes and
 * large blocks: each frees the block in a random slot of `live`, or
 * allocates one of a random size of `sizes` (8 of them) and alignment
 * below 2^align_bits there; `check` must hold after every call. */
static void page_move_workload(slab_heap *h, const size_t *sizes, void **live,
                               uint32_t slots, uint32_t seed, int steps,
                               uint32_t align_bits,
                               bool (*check)(const slab_heap *))
{
    for (int step = 0; step < steps; step++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t slot = (seed >> 8) % slots;
        if (live[slot] != NULL) {
            slab_free(h, live[slot]);
            live[slot] = NULL;
        } else {
            size_t size = sizes[(seed >> 16) % 8u];
            size_t align = (size_t)1u << ((seed >> 20) % align_bits);
            live[slot] = slab_alloc(h, size, align);
        }
        assert_true(check(h));
    }
}

/* A workload that moves pages between the pool, several classes and
 * large blocks, with R28 checked after every call; then the checker is
 * shown to fail on each kind of disagreement. */
static void test_lists_agree_through_page_moves(void **state)
{
    static const size_t sizes[] = {16, 64, 200, 1024, 2048, 3000,
                                   SLAB_PAGE_SIZE + 1u, 3u * SLAB_PAGE_SIZE};
    slab_heap *h = F->h;
    void *live[48] = {0};
    assert_true(lists_agree(h));
    page_move_workload(h, sizes, live, 48u, 12345u, 4000, 8u, lists_agree);
    for (uint32_t k = 0; k < 48u; k++) {
        slab_free(h, live[k]);
        assert_true(lists_agree(h));
    }
    assert_true(slab_check(h));

    /* The checker is not one that cannot fail. */
    int32_t free_page = h->head[HEAP_POOL];
    int32_t second = h->links[free_page].next;
    assert_true(free_page >= 0 && second >= 0);
    h->links[second].prev = HEAP_NO_PAGE;               /* unanswered link */
    assert_false(lists_agree(h));
    h->links[second].prev = free_page;
    h->meta[second].state = (uint8_t)PAGE_CLASS;        /* mixed kinds */
    assert_false(lists_agree(h));
    h->meta[second].state = (uint8_t)PAGE_FREE;
    h->head[HEAP_POOL] = second;                        /* first not first */
    assert_false(lists_agree(h));
    h->head[HEAP_POOL] = free_page;
    h->links[F->large_page].next = F->large_page;       /* a large page */
    h->links[F->large_page].prev = F->large_page;       /* on a list */
    assert_false(lists_agree(h));
    h->links[F->large_page].next = HEAP_NO_PAGE;
    h->links[F->large_page].prev = HEAP_NO_PAGE;
    assert_true(lists_agree(h));
    assert_true(slab_check(h));
}

/*
 * R31 at run time: the lists are complete. Written twice: as the proof
 * states it (LISTS_COMPLETE, spec/heap_spec.h: facts about single pages)
 * and as a walk along every list from its first page, which is what
 * "the list holds the page" means to a reader. The walk is the stronger
 * form; the workload below checks that the two agree.
 */
static bool page_wants_list(const page_meta *m)
{
    bool full = m->nfree == 0u && (uint32_t)m->carved + m->size > SLAB_PAGE_SIZE;
    return m->state == (uint8_t)PAGE_FREE ||
           (m->state == (uint8_t)PAGE_CLASS && (!full || m->used == 0u));
}

static bool page_listed(const slab_heap *h, int32_t i)
{
    if (h->links[i].prev != HEAP_NO_PAGE) {
        return true;
    }
    for (uint32_t l = 0; l < (uint32_t)HEAP_LISTS; l++) {
        if (h->head[l] == i) {
            return true;
        }
    }
    return false;
}

/* LISTS_COMPLETE: a page that links to another is listed, and a page is
 * listed exactly when it belongs on a list. */
static bool lists_complete_local(const slab_heap *h)
{
    for (int32_t i = 0; i < (int32_t)h->npages; i++) {
        if (h->links[i].next != HEAP_NO_PAGE && !page_listed(h, i)) {
            return false;
        }
        if (page_listed(h, i) != page_wants_list(&h->meta[i])) {
            return false;
        }
    }
    return true;
}

/* The walk: every page reached from list l's first page is of l's kind,
 * no page is reached twice, and the pages reached are exactly those that
 * belong on a list. */
static bool lists_complete_walk(const slab_heap *h)
{
    static bool seen[256];
    int32_t n = (int32_t)h->npages;
    if (n > 256) {
        return false;
    }
    for (int32_t i = 0; i < n; i++) {
        seen[i] = false;
    }
    for (uint32_t l = 0; l < (uint32_t)HEAP_LISTS; l++) {
        for (int32_t i = h->head[l]; i != HEAP_NO_PAGE; i = h->links[i].next) {
            const page_meta *m = &h->meta[i];
            bool kind = l == HEAP_POOL ? m->state == (uint8_t)PAGE_FREE
                                       : m->state == (uint8_t)PAGE_CLASS &&
                                             m->cls + 1u == l;
            if (i < 0 || i >= n || seen[i] || !kind) {
                return false;
            }
            seen[i] = true;
        }
    }
    for (int32_t i = 0; i < n; i++) {
        if (seen[i] != page_wants_list(&h->meta[i])) {
            return false;
        }
    }
    return true;
}

/* Both forms, which must agree. */
static bool lists_complete(const slab_heap *h)
{
    bool local = lists_complete_local(h);
    assert_true(local == lists_complete_walk(h));
    return local;
}

/* A workload that moves pages between the pool, several classes and
 * large blocks, with R31 checked both ways after every call; then each
 * check is shown to fail on a lost page and on a full page left listed. */
static void test_lists_complete_through_page_moves(void **state)
{
    static const size_t sizes[] = {16, 48, 256, 1024, 2048, 4096,
                                   SLAB_PAGE_SIZE + 1u, 2u * SLAB_PAGE_SIZE};
    slab_heap *h = F->h;
    void *live[64] = {0};
    assert_true(lists_complete(h));
    page_move_workload(h, sizes, live, 64u, 777u, 5000, 6u, lists_complete);

    /* A page of one block of 4096 bytes is full: on no list. */
    void *one = slab_alloc(h, SLAB_PAGE_SIZE, 1);
    assert_non_null(one);
    int32_t full = page_of(h, one);
    assert_false(page_listed(h, full));
    assert_true(lists_complete_local(h));
    assert_true(lists_complete_walk(h));
    /* Put it first on its class's list (a write from outside): a full
     * page listed. Both checks fail. */
    uint32_t l = HEAP_CLASS(h->meta[full].cls);
    int32_t old = h->head[l];
    h->links[full].next = old;
    if (old != HEAP_NO_PAGE) {
        h->links[old].prev = full;
    }
    h->head[l] = full;
    assert_false(lists_complete_local(h));
    assert_false(lists_complete_walk(h));
    h->head[l] = old;
    if (old != HEAP_NO_PAGE) {
        h->links[old].prev = HEAP_NO_PAGE;
    }
    h->links[full].next = HEAP_NO_PAGE;
    assert_true(lists_complete_local(h));

    /* Drop the pool's first page from the list: a free page lost. */
    int32_t first = h->head[HEAP_POOL];
    assert_true(first != HEAP_NO_PAGE);
    int32_t second = h->links[first].next;
    h->head[HEAP_POOL] = second;
    if (second != HEAP_NO_PAGE) {
        h->links[second].prev = HEAP_NO_PAGE;
    }
    h->links[first].next = HEAP_NO_PAGE;
    assert_false(lists_complete_local(h));
    assert_false(lists_complete_walk(h));
    h->links[first].next = second;
    if (second != HEAP_NO_PAGE) {
        h->links[second].prev = first;
    }
    h->head[HEAP_POOL] = first;
    assert_true(lists_complete_local(h));
    assert_true(lists_complete_walk(h));

    for (uint32_t k = 0; k < 64u; k++) {
        slab_free(h, live[k]);
    }
    slab_free(h, one);
    assert_true(lists_complete_local(h));
    assert_true(lists_complete_walk(h));
    assert_true(slab_check(h));
}

/* The gap between R31 as proved and the walk: the pool's last two pages
 * cut off and closed into a cycle of their own. The links still agree
 * (R28), the counters with the page table (R27), and each free page is
 * "listed" as the proof reads it (R31), but no walk from a list's first
 * page reaches the two: the walk form fails, and so does slab_check. */
static void test_detached_cycle_caught_by_check(void **state)
{
    slab_heap *h = F->h;
    int32_t a = h->head[HEAP_POOL];
    int32_t before = HEAP_NO_PAGE;
    assert_true(a != HEAP_NO_PAGE && h->links[a].next != HEAP_NO_PAGE);
    while (h->links[h->links[a].next].next != HEAP_NO_PAGE) {
        before = a;
        a = h->links[a].next;
    }
    int32_t b = h->links[a].next; /* a, b: the pool's last two pages */
    assert_true(before != HEAP_NO_PAGE); /* the pool keeps a first page */
    assert_true(slab_check(h));
    h->links[before].next = HEAP_NO_PAGE;
    h->links[a].prev = b;
    h->links[b].next = a;
    assert_true(lists_agree(h));
    assert_true(lists_complete_local(h));
    assert_false(lists_complete_walk(h));
    assert_false(slab_check(h));
    h->links[b].next = HEAP_NO_PAGE;
    h->links[a].prev = before;
    h->links[before].next = a;
    assert_true(lists_complete_walk(h));
    assert_true(slab_check(h));
}

/* A free decides whether its page must be linked or unlinked by asking
 * the links (heap_page_unlisted), not by whether the page was full: the
 * two agree unless a write from outside left a full page on its class's
 * list. Here one is left there, linked after another page of its class;
 * a free that empties it must take it off the list before giving it to
 * the pool, and a free that leaves it in use must not put it first a
 * second time. Either way the lists keep agreeing with the page states
 * (R28) and the heap check passes. */
static void test_full_page_left_on_list(void **state)
{
    slab_heap *h = F->h;
    void *a = slab_alloc(h, SLAB_PAGE_SIZE, 1); /* one block per page */
    void *b = slab_alloc(h, SLAB_PAGE_SIZE, 1);
    assert_non_null(a);
    assert_non_null(b);
    int32_t pa = page_of(h, a);
    int32_t pb = page_of(h, b);
    slab_free(h, b); /* b's page is now the class's kept empty page */
    assert_int_equal(h->links[pa].prev, HEAP_NO_PAGE);
    h->links[pb].next = pa; /* a's full page left on the list after it */
    h->links[pa].prev = pb;
    assert_true(lists_agree(h));
    slab_free(h, a); /* empties a's page: to the pool, off the list */
    assert_true(lists_agree(h));
    assert_int_equal(h->meta[pa].state, PAGE_FREE);
    assert_int_equal(h->links[pb].next, HEAP_NO_PAGE);
    assert_int_equal(h->head[HEAP_POOL], pa);
    assert_true(slab_check(h));

    void *x1 = slab_alloc(h, 2048, 1); /* two blocks per page */
    void *x2 = slab_alloc(h, 2048, 1);
    void *y = slab_alloc(h, 2048, 1);
    assert_non_null(x1);
    assert_non_null(x2);
    assert_non_null(y);
    int32_t px = page_of(h, x1);
    int32_t py = page_of(h, y);
    assert_int_equal(page_of(h, x2), px); /* full, off the list */
    assert_int_equal(h->links[px].prev, HEAP_NO_PAGE);
    h->links[py].next = px; /* left on the list after y's page */
    h->links[px].prev = py;
    assert_true(lists_agree(h));
    slab_free(h, x1); /* still in use: stays where it is */
    assert_true(lists_agree(h));
    assert_int_equal(h->links[py].next, px);
    assert_int_equal(h->links[px].prev, py);
    slab_free(h, x2);
    slab_free(h, y);
    assert_true(lists_agree(h));
    assert_true(slab_check(h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_check_class_page_fields, setup),
        cmocka_unit_test_setup(test_check_bitmap, setup),
        cmocka_unit_test_setup(test_check_free_list, setup),
        cmocka_unit_test_setup(test_check_states_and_lists, setup),
        cmocka_unit_test_setup(test_check_links_of_unlisted_pages, setup),
        cmocka_unit_test_setup(test_check_counters_and_table, setup),
        cmocka_unit_test_setup(test_damaged_class_page_refused, setup),
        cmocka_unit_test_setup(test_full_page_on_list_refused, setup),
        cmocka_unit_test_setup(test_refill_page_heading_list_refused, setup),
        cmocka_unit_test_setup(test_damaged_indices_not_followed, setup),
        cmocka_unit_test_setup(test_damaged_run_length, setup),
        cmocka_unit_test_setup(test_zero_run_length, setup),
        cmocka_unit_test_setup(test_fast_table_damage_falls_back, setup),
        cmocka_unit_test_setup(test_fast_table_serves_every_class, setup),
        cmocka_unit_test_setup(test_link_to_partial_block_refused, setup),
        cmocka_unit_test_setup(test_rebuild_finds_no_free_block, setup),
        cmocka_unit_test_setup(test_realloc_old_block_gone_meanwhile, setup),
        cmocka_unit_test(test_large_room_that_is_not_there),
        cmocka_unit_test_setup(test_lost_free_pages_not_refused_as_oom, setup),
        cmocka_unit_test(test_lost_class_page_not_refused_as_oom),
        cmocka_unit_test(test_page_core_edges),
        cmocka_unit_test(test_page_give_checks_bitmap),
        cmocka_unit_test(test_rebuild_moves_count_by_one),
        cmocka_unit_test_setup(test_free_reports_count_mismatch, setup),
        cmocka_unit_test(test_class_table_check),
        cmocka_unit_test_setup(test_check_list_walks, setup),
        cmocka_unit_test_setup(test_page_info_damaged_page, setup),
        cmocka_unit_test_setup(test_page_lists_damaged, setup),
        cmocka_unit_test(test_init_layout_never_overlaps),
        cmocka_unit_test(test_heap_arena_layout_contract),
        cmocka_unit_test(test_realloc_copies_only_the_old_block),
        cmocka_unit_test_setup(test_lists_agree_through_page_moves, setup),
        cmocka_unit_test_setup(test_lists_complete_through_page_moves, setup),
        cmocka_unit_test_setup(test_full_page_left_on_list, setup),
        cmocka_unit_test_setup(test_detached_cycle_caught_by_check, setup),
        cmocka_unit_test_setup(test_pool_next_page_in_use, setup),
        cmocka_unit_test_setup(test_pool_first_page_self_link, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
