/*
 * test_check.c - white-box tests of slab_check: it must say false for each
 * kind of damage to the heap's bookkeeping, and true again once the damage
 * is undone. (test_slab.c shows it says true for every sound heap; this
 * file shows it is not a check that cannot fail.)
 *
 * Each test builds the same small heap with blocks in several classes, a
 * large block, an empty class page and free pages, damages one field
 * through the internal structures, asks slab_check, and restores it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "heap_internal.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_check_class_page_fields, setup),
        cmocka_unit_test_setup(test_check_bitmap, setup),
        cmocka_unit_test_setup(test_check_free_list, setup),
        cmocka_unit_test_setup(test_check_states_and_lists, setup),
        cmocka_unit_test_setup(test_check_counters_and_table, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
