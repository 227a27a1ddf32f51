/*
 * test_slab.c - host unit tests of the slab heap (cmocka).
 *
 *   cc -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror -g \
 *      -fsanitize=address,undefined -Isrc tests/test_slab.c src/<all .c files> \
 *      -lcmocka -o build/test_slab
 *
 * Every test builds its heaps through tests/test_util.h: arenas are filled
 * with garbage before slab_init, every block handed out is checked (inside
 * the arena's pages, aligned, large enough, overlapping no live block) and
 * filled with a pattern that is verified before it is freed, every refused
 * call is checked to change nothing but the refusal counters (stats and a
 * byte copy of all pages), and every test ends in finish(), which asserts
 * slab_check and the agreement of stats, page_info and the tracker, frees
 * everything and asserts them again.
 */
#define _POSIX_C_SOURCE 200112L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"
#include "test_util.h"

#define ENV ((env_t *)*state)

/* ======================================================================== */
/* Configuration, version, fault names                                      */
/* ======================================================================== */

static void test_config_class_table(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(sizeof k_class / sizeof k_class[0], NCLASS);
    assert_true(is_pow2(PAGE));
    assert_int_equal(PAGE, (size_t)1 << SLAB_PAGE_SHIFT);
    for (i = 0; i < NCLASS; i++) {
        assert_true(k_class[i] >= 16);
        assert_int_equal(k_class[i] % 4, 0);
        assert_true(k_class[i] <= PAGE);
        if (i > 0) {
            assert_true(k_class[i] > k_class[i - 1u]); /* strictly growing */
            /* growth of at most 4/3 (README "Waste") */
            assert_true(k_class[i] * 3u <= k_class[i - 1u] * 4u);
        }
    }
    assert_int_equal(k_class[0], 16);
    assert_int_equal(k_class[NCLASS - 1u], PAGE);
    /* the version string matches the numbers */
    {
        char buf[32];
        (void)snprintf(buf, sizeof buf, "%d.%d.%d", SLAB_VERSION_MAJOR,
                       SLAB_VERSION_MINOR, SLAB_VERSION_PATCH);
        assert_string_equal(buf, SLAB_VERSION_STRING);
    }
}

static void test_fault_names(void **state)
{
    const slab_fault kinds[] = {
        SLAB_FAULT_NONE,      SLAB_FAULT_DOUBLE_FREE,   SLAB_FAULT_INTERIOR,
        SLAB_FAULT_FOREIGN,   SLAB_FAULT_WRONG_LAYOUT,  SLAB_FAULT_BAD_ALIGN,
        SLAB_FAULT_CORRUPT_LINK, SLAB_FAULT_CORRUPT_META};
    size_t n = sizeof kinds / sizeof kinds[0], i, j;
    const char *unknown;
    (void)state;
    for (i = 0; i < n; i++) {
        const char *a = slab_fault_name(kinds[i]);
        assert_non_null(a);
        assert_true(strlen(a) > 0 && strlen(a) < 64);
        assert_ptr_equal(a, slab_fault_name(kinds[i])); /* constant */
        for (j = 0; j < i; j++) {
            assert_string_not_equal(a, slab_fault_name(kinds[j]));
        }
    }
    /* a value outside the enum still yields a usable string */
    unknown = slab_fault_name((slab_fault)99);
    assert_non_null(unknown);
    for (i = 1; i < n; i++) {
        assert_string_not_equal(unknown, slab_fault_name(kinds[i]));
    }
}

/* ======================================================================== */
/* slab_init                                                                */
/* ======================================================================== */

static void assert_all_bytes(const unsigned char *p, size_t n, unsigned v)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] != v) {
            fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, (unsigned)p[i],
                     v);
        }
    }
}

/* Every size too small for header + table + one page is refused and the
 * arena is not touched; the smallest size that works gives one page. */
static void test_init_too_small_untouched(void **state)
{
    size_t n, off;
    const size_t offsets[] = {0, 1, 8, 100};
    for (off = 0; off < sizeof offsets / sizeof offsets[0]; off++) {
        heap_env *he = env_arena(ENV, 3 * PAGE, PAGE, offsets[off]);
        /* a page-aligned page must follow the header: the arena has to
         * reach the second page boundary of the buffer */
        size_t min = 2 * PAGE - offsets[off];
        slab_heap *h;
        slab_stats st;
        memset(he->arena, 0x5A, he->size);
        for (n = 0; n < min; n++) {
            if (slab_init(he->arena, n) != NULL) {
                fail_msg("slab_init(arena+%zu, %zu) accepted an arena without "
                         "room for a page",
                         offsets[off], n);
            }
        }
        assert_all_bytes(he->buf, offsets[off], 0xA5);
        assert_all_bytes(he->arena, he->size, 0x5A);
        h = slab_init(he->arena, min);
        assert_non_null(h);
        env_attach(he, h);
        slab_get_stats(h, &st);
        assert_int_equal(st.pages_total, 1);
        assert_int_equal(st.capacity, PAGE);
        assert_true(up(he->first) + PAGE <= up(he->arena) + min);
    }
    finish(ENV);
}

/* The one-page heap works: one page-sized block, or a page of 16s. */
static void test_init_minimal_heap_works(void **state)
{
    heap_env *he = env_arena(ENV, 2 * PAGE, PAGE, 0);
    size_t n;
    env_attach(he, slab_init(he->arena, he->size));
    assert_int_equal(he->pages, 1);
    assert_int_equal(stat_largest_free(he), PAGE);
    (void)t_alloc_ok(he, PAGE, 1);
    expect_alloc_oom(he, 1, 1);
    t_free_all(he);
    expect_alloc_oom(he, PAGE + 1u, 1);
    n = t_fill(he, 16, 1);
    assert_int_equal(n, PAGE / 16);
    check_consistent(he);
    t_free(he, 7);
    (void)t_alloc_ok(he, 16, 1);
    expect_alloc_oom(he, 16, 1);
    finish(ENV);
}

static void test_init_null_and_wrapping_arena(void **state)
{
    heap_env *he = env_arena(ENV, 4 * PAGE, PAGE, 0);
    size_t to_top;
    memset(he->buf, 0x5A, he->buf_size);
    assert_null(slab_init(NULL, 0));
    assert_null(slab_init(NULL, 2 * PAGE));
    assert_null(slab_init(NULL, MIB));
    assert_null(slab_init(NULL, SIZE_MAX));
    /* never dereferenced: init must refuse before touching the arena */
    assert_null(slab_init((void *)(uintptr_t)(UINTPTR_MAX - 100u), 4096));
    assert_null(slab_init((void *)(uintptr_t)(UINTPTR_MAX - 100u), 101));
    assert_null(slab_init((void *)(uintptr_t)(UINTPTR_MAX - 4095u), 2 * PAGE));
    /* fits below the top, but no page could start above it */
    assert_null(slab_init((void *)(uintptr_t)(UINTPTR_MAX - 100u), 50));
    assert_null(slab_init((void *)(uintptr_t)(UINTPTR_MAX / 2u), SIZE_MAX));
    assert_null(slab_init((void *)(uintptr_t)(UINTPTR_MAX / 2u),
                          SIZE_MAX / 2u + 2u));
    /* a real arena with a size that runs past the top of the address space */
    assert_null(slab_init(he->arena, SIZE_MAX));
    assert_null(slab_init(he->arena, SIZE_MAX - 1u));
    to_top = (size_t)(UINTPTR_MAX - up(he->arena)); /* arena + to_top == top */
    assert_null(slab_init(he->arena, to_top + 1u));  /* wraps to 0 */
    assert_null(slab_init(he->arena, to_top + 2u));
    assert_all_bytes(he->buf, he->buf_size, 0x5A);
}

/* A 1 MiB page-aligned arena: layout and the size of the bookkeeping. */
static void test_init_layout_1mib(void **state)
{
    heap_env *he = env_heap_off(ENV, MIB, PAGE, 0);
    slab_stats st = get_stats(he);
    size_t i;
    print_message("1 MiB arena: %zu pages, capacity %zu bytes (%.2f%%), "
                  "header+table %zu bytes\n",
                  st.pages_total, st.capacity,
                  100.0 * (double)st.capacity / (double)MIB,
                  (size_t)(up(he->first) - up(he->arena)));
    assert_int_equal(st.page_size, PAGE);
    assert_int_equal(st.capacity, st.pages_total * PAGE);
    /* the 98% figure needs at least 251 of the 256 pages */
    assert_true(st.capacity * 100u >= MIB * 98u);
    assert_int_equal(up(he->first) % PAGE, 0);
    for (i = 0; i < st.pages_total; i++) {
        page_info_t pi;
        assert_true(page_info(he->h, i, &pi));
        assert_int_equal(pi.kind, SLAB_PAGE_FREE);
        assert_ptr_equal(pi.start, he->first + i * PAGE);
    }
    assert_true(up(he->first) + st.pages_total * PAGE <=
                up(he->arena) + he->size);
    assert_int_equal(st.pages_free, st.pages_total);
    assert_int_equal(st.largest_free, st.capacity);
    finish(ENV);
}

/* Arenas at odd addresses and of odd sizes: the heap aligns itself, every
 * page lies in the arena, and the whole capacity is usable. */
static void test_init_misaligned_arena(void **state)
{
    const size_t offsets[] = {1, 2, 3, 4, 7, 8, 12, 16, 100, 2048, 4095};
    size_t k;
    for (k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        heap_env *he = env_heap_off(ENV, 64 * KIB + 123u + k, PAGE,
                                    offsets[k]);
        size_t n;
        assert_int_equal(up(he->h) % sizeof(void *), 0);
        assert_int_equal(up(he->first) % PAGE, 0);
        assert_true(up(he->first) + he->pages * PAGE <=
                    up(he->arena) + he->size);
        assert_true(he->pages >= 14);
        n = t_fill(he, 16, 1);
        assert_int_equal(n, he->pages * (PAGE / 16));
        check_consistent(he);
        t_free_all(he);
        /* the class may keep one page in reserve */
        assert_true(stat_largest_free(he) >= (he->pages - 1u) * PAGE);
        (void)t_alloc_ok(he, stat_largest_free(he), 1);
        check_consistent(he);
        t_free_all(he);
    }
    finish(ENV);
}

/* Garbage in the arena does not matter; init over a used heap gives a
 * fresh heap. */
static void test_init_garbage_and_reinit(void **state)
{
    const unsigned fills[] = {0x00, 0xFF, 0xA5};
    size_t k, i;
    for (k = 0; k < 3; k++) {
        heap_env *he = env_arena(ENV, 256 * KIB, PAGE, 0);
        slab_stats st;
        void *old[8];
        memset(he->arena, (int)fills[k], he->size);
        env_attach(he, slab_init(he->arena, he->size));
        for (i = 0; i < 8; i++) {
            old[i] = t_alloc_ok(he, 1u + i * 700u, 1);
        }
        slab_free(he->h, he->arena + 1); /* a fault, counted */
        check_consistent(he);
        /* re-init over the live heap */
        he->n = 0;
        env_attach(he, slab_init(he->arena, he->size));
        slab_get_stats(he->h, &st);
        assert_int_equal(st.bytes_used, 0);
        assert_int_equal(st.bytes_peak, 0);
        assert_int_equal(st.blocks_used, 0);
        assert_int_equal(st.fault_count, 0);
        assert_int_equal(st.oom_count, 0);
        assert_int_equal(st.pages_free, st.pages_total);
        for (i = 0; i < 8; i++) {
            assert_int_equal(slab_usable_size(he->h, old[i]), 0);
        }
        assert_int_equal(t_fill(he, 4096, 1), he->pages);
    }
    finish(ENV);
}

/* ======================================================================== */
/* NULL heaps and things that are not heaps                                 */
/* ======================================================================== */

static void test_null_heap_everywhere(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    void *p = t_alloc_ok(he, 100, 1);
    slab_stats st;
    page_info_t pi, pi0;
    hook_rec other;
    memset(&other, 0, sizeof other);

    assert_null(slab_alloc(NULL, 16, 1));
    assert_null(slab_alloc(NULL, 0, 1));
    assert_null(slab_realloc(NULL, NULL, 16, 1));
    assert_null(slab_realloc(NULL, p, 16, 1));
    slab_free(NULL, p);
    slab_free(NULL, NULL);
    slab_free_sized(NULL, p, 100, 1);
    assert_int_equal(slab_usable_size(NULL, p), 0);
    assert_false(slab_check(NULL));
    memset(&st, 0xFF, sizeof st);
    slab_get_stats(NULL, &st);
    {
        slab_stats zero;
        memset(&zero, 0, sizeof zero);
        assert_memory_equal(&st, &zero, sizeof st);
    }
    memset(&pi, 0xCD, sizeof pi);
    pi0 = pi;
    assert_false(page_info(NULL, 0, &pi));
    assert_memory_equal(&pi, &pi0, sizeof pi);
    slab_set_fault_hook(NULL, rec_hook, &other);
    assert_int_equal(other.count, 0);
    /* the real heap saw none of it */
    assert_int_equal(he->rec.count, 0);
    assert_int_equal(slab_usable_size(he->h, p), 128);
    finish(ENV);
}

static void check_not_a_heap(unsigned char *buf, size_t size, unsigned fill)
{
    slab_heap *h = (slab_heap *)(void *)buf;
    unsigned char *copy = (unsigned char *)malloc(size);
    slab_stats st, zero;
    page_info_t pi, pi0;
    assert_non_null(copy);
    memset(buf, (int)fill, size);
    memcpy(copy, buf, size);
    assert_null(slab_alloc(h, 16, 1));
    assert_null(slab_alloc(h, 100000, 1));
    assert_null(slab_realloc(h, NULL, 16, 1));
    assert_null(slab_realloc(h, buf + 2 * PAGE, 16, 1));
    slab_free(h, buf + 2 * PAGE);
    slab_free_sized(h, buf + 2 * PAGE, 16, 1);
    assert_int_equal(slab_usable_size(h, buf + 2 * PAGE), 0);
    assert_false(slab_check(h));
    memset(&st, 0xFF, sizeof st);
    memset(&zero, 0, sizeof zero);
    slab_get_stats(h, &st);
    assert_memory_equal(&st, &zero, sizeof st);
    memset(&pi, 0xCD, sizeof pi);
    pi0 = pi;
    assert_false(page_info(h, 0, &pi));
    assert_memory_equal(&pi, &pi0, sizeof pi);
    assert_memory_equal(buf, copy, size); /* nothing written */
    free(copy);
}

static void test_not_a_heap(void **state)
{
    heap_env *he = env_arena(ENV, 64 * KIB, PAGE, 0);
    heap_env *live;
    check_not_a_heap(he->buf, he->size, 0x00);
    check_not_a_heap(he->buf, he->size, 0xA5);
    check_not_a_heap(he->buf, he->size, 0xFF);
    /* a heap whose arena was wiped is no longer a heap */
    live = env_arena(ENV, 64 * KIB, PAGE, 0);
    assert_non_null(slab_init(live->arena, live->size));
    check_not_a_heap(live->arena, live->size, 0x00);
}

/* ======================================================================== */
/* slab_alloc: sizes, classes, alignment                                    */
/* ======================================================================== */

static void test_alloc_size_zero_unique(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t i;
    /* more than one page worth: all distinct (the tracker proves it) */
    for (i = 0; i < 300; i++) {
        void *p = t_alloc_ok(he, 0, 1);
        assert_int_equal(slab_usable_size(he->h, p), k_class[0]);
    }
    for (i = 0; i < 10; i++) {
        void *p = t_alloc_ok(he, 0, 64);
        assert_int_equal(up(p) % 64, 0);
        assert_int_equal(slab_usable_size(he->h, p), 64);
    }
    finish(ENV);
}

static void test_alloc_every_class_exact(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    size_t i;
    for (i = 0; i < NCLASS; i++) {
        size_t c = k_class[i];
        void *p = t_alloc_ok(he, c, 1);
        void *q = t_alloc_ok(he, c + 1u, 1);
        void *r = t_alloc_ok(he, c - 1u, 1); /* c - 1 is no class size */
        assert_int_equal(slab_usable_size(he->h, p), c);
        assert_int_equal(up(p) % nat_align(c), 0);
        assert_int_equal(slab_usable_size(he->h, q),
                         i + 1u < NCLASS ? k_class[i + 1u] : 2 * PAGE);
        assert_int_equal(slab_usable_size(he->h, r), c);
    }
    check_consistent(he);
    finish(ENV);
}

/* Hand-picked (size, align) -> class decisions of the default table. */
static void test_alloc_class_choice_examples(void **state)
{
    static const size_t t[][3] = {
        {0, 1, 16},        {1, 1, 16},        {2, 4, 16},
        {16, 16, 16},      {17, 1, 20},       {20, 1, 20},
        {20, 2, 20},       {20, 4, 20},       {20, 8, 24},
        {20, 16, 32},      {21, 1, 24},       {24, 16, 32},
        {16, 32, 32},      {40, 8, 40},       {40, 16, 48},
        {49, 16, 64},      {1, 64, 64},       {80, 32, 96},
        {100, 64, 128},    {129, 64, 192},    {130, 128, 256},
        {193, 64, 256},    {260, 64, 320},    {330, 128, 384},
        {400, 128, 512},   {600, 128, 640},   {700, 256, 768},
        {1025, 256, 1280}, {1300, 512, 1536}, {2049, 512, 2560},
        {2561, 1024, 3072}, {3000, 1, 3072},  {3073, 1, 4096},
        {1, 4096, 4096},   {0, 2048, 2048},   {1, 8192, 4096},
        {4097, 1, 8192},   {8192, 1, 8192},   {8193, 1, 12288},
        {100, 16384, 4096}, {5000, 65536, 8192}};
    heap_env *he = env_heap(ENV, MIB);
    size_t i;
    if (PAGE != 4096 || NCLASS != 25) {
        skip();
    }
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        void *p = t_alloc_ok(he, t[i][0], t[i][1]);
        if (slab_usable_size(he->h, p) != t[i][2]) {
            fail_msg("slab_alloc(%zu, %zu): usable %zu, expected %zu", t[i][0],
                     t[i][1], slab_usable_size(he->h, p), t[i][2]);
        }
        assert_int_equal(expected_usable(t[i][0], t[i][1]), t[i][2]);
        t_free(he, he->n - 1u);
    }
    finish(ENV);
}

/* Every size from 0 to past two pages, with every alignment up to two
 * pages: the usable size is the one the class rule gives. */
static void test_alloc_class_oracle_all_sizes(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    size_t size, align;
    for (align = 1; align <= 2 * PAGE; align <<= 1) {
        for (size = 0; size <= 2 * PAGE + 1u;
             size += (size < PAGE + 64u) ? 1u : 61u) {
            void *p = slab_alloc(he->h, size, align);
            size_t u;
            if (p == NULL) {
                fail_msg("slab_alloc(%zu, %zu) failed", size, align);
            }
            assert_int_equal(up(p) % align, 0);
            u = slab_usable_size(he->h, p);
            if (u != expected_usable(size, align)) {
                fail_msg("slab_alloc(%zu, %zu): usable %zu, expected %zu",
                         size, align, u, expected_usable(size, align));
            }
            slab_free(he->h, p);
        }
    }
    assert_int_equal(he->rec.count, 0);
    finish(ENV);
}

/* Alignments 1 .. 65536 with sizes around each alignment and the page. */
static void test_alloc_alignment_sweep(void **state)
{
    heap_env *he = env_heap(ENV, 4 * MIB);
    size_t align;
    for (align = 1; align <= 65536u; align <<= 1) {
        const size_t sizes[] = {0,        1,        align - 1u, align,
                                align + 1u, 3 * align, PAGE - 1u, PAGE + 1u,
                                3 * PAGE + 5u};
        size_t k;
        for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            void *p = t_alloc_ok(he, sizes[k], align);
            assert_int_equal(slab_usable_size(he->h, p),
                             expected_usable(sizes[k], align));
        }
        check_consistent(he);
        t_free_all(he);
    }
    finish(ENV);
}

/* Large alignments in an arena placed at a known offset from a 4 MiB
 * boundary B: the arena covers [B + 4 KiB, B + 2 MiB - 4 KiB). */
static void test_alloc_alignment_beyond_arena(void **state)
{
    heap_env *he = env_arena(ENV, 2 * MIB - 2 * PAGE, 4 * MIB, PAGE);
    const unsigned char *base = he->buf;
    void *p, *q, *r;
    env_attach(he, slab_init(he->arena, he->size));
    /* exactly one 1 MiB-aligned address lies in the arena: base + 1 MiB */
    p = t_alloc_ok(he, 1, MIB);
    assert_ptr_equal(p, base + MIB);
    assert_int_equal(slab_usable_size(he->h, p), PAGE);
    /* 512 KiB-aligned: base + 512 KiB and base + 1.5 MiB are left */
    q = t_alloc_ok(he, PAGE, 512 * KIB);
    r = t_alloc_ok(he, 2 * PAGE, 512 * KIB);
    assert_true((q == base + 512 * KIB && r == base + 3 * 512 * KIB) ||
                (r == base + 512 * KIB && q == base + 3 * 512 * KIB));
    expect_alloc_oom(he, 1, 512 * KIB);
    expect_alloc_oom(he, 1, MIB);
    /* alignments no address of the arena has */
    expect_alloc_oom(he, 1, 2 * MIB);
    expect_alloc_oom(he, 0, 4 * MIB);
    expect_alloc_oom(he, PAGE, 4 * MIB);
    expect_alloc_oom(he, 1, (size_t)1 << (sizeof(size_t) * 8u - 2u));
    expect_alloc_oom(he, 1, SIZE_MAX / 2u + 1u); /* top bit */
    /* a page-aligned request still works */
    (void)t_alloc_ok(he, 1, PAGE);
    finish(ENV);
}

static void test_alloc_bad_align(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    const size_t aligns[] = {0,        3,           5,           6,
                             7,        12,          24,          48,
                             100,      4095,        4097,        65537,
                             SIZE_MAX, SIZE_MAX / 2u, SIZE_MAX / 2u + 3u,
                             SIZE_MAX - 1u};
    const size_t sizes[] = {0, 1, 64, 5000};
    size_t i, k;
    (void)t_alloc_ok(he, 64, 1);
    (void)t_alloc_ok(he, 9000, 1);
    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            expect_alloc_bad_align(he, sizes[k], aligns[i]);
        }
    }
    /* also for a full heap: bad alignment is a fault, not an OOM */
    (void)t_fill(he, 64, 1);
    expect_alloc_bad_align(he, 64, 3);
    finish(ENV);
}

static void test_alloc_huge_sizes(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    slab_stats st;
    size_t i, k;
    size_t sizes[10];
    const size_t aligns[] = {1, 16, PAGE, 65536};
    slab_get_stats(he->h, &st);
    sizes[0] = SIZE_MAX;
    sizes[1] = SIZE_MAX - 1u;
    sizes[2] = SIZE_MAX - 4095u;
    sizes[3] = SIZE_MAX - 4096u;
    sizes[4] = SIZE_MAX / 2u;
    sizes[5] = SIZE_MAX / 2u + 1u;
    sizes[6] = st.capacity + 1u;
    sizes[7] = st.capacity + PAGE;
    sizes[8] = SIZE_MAX - PAGE - 1u;
    sizes[9] = 2 * st.capacity;
    (void)t_alloc_ok(he, 64, 1);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
            expect_alloc_oom(he, sizes[i], aligns[k]);
        }
    }
    assert_int_equal(get_stats(he).oom_count, 40);
    assert_int_equal(get_stats(he).fault_count, 0);
    finish(ENV);
}

static void test_alloc_whole_capacity(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    size_t cap = get_stats(he).capacity;
    void *p;
    expect_alloc_oom(he, cap + 1u, 1);
    p = t_alloc_ok(he, cap, 1);
    assert_ptr_equal(p, he->first);
    assert_int_equal(slab_usable_size(he->h, p), cap);
    assert_int_equal(get_stats(he).pages_large, he->pages);
    assert_int_equal(get_stats(he).largest_free, 0);
    expect_alloc_oom(he, 0, 1);
    expect_alloc_oom(he, 1, 1);
    expect_alloc_oom(he, PAGE, 1);
    check_consistent(he);
    t_free_all(he);
    assert_int_equal(get_stats(he).pages_free, he->pages);
    (void)t_alloc_ok(he, cap - PAGE + 1u, 1);
    finish(ENV);
}

/* A mixed bag of live blocks: all inside, aligned, disjoint, intact. */
static void test_alloc_mixed_disjoint(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    uint32_t seed = 12345;
    size_t i;
    for (i = 0; i < 3000; i++) {
        uint32_t r = xorshift32(&seed);
        size_t size = (r % 8u == 0) ? (size_t)(r % 20000u) : (size_t)(r % 600u);
        size_t align = (size_t)1 << ((r >> 16) % 8u);
        if (t_alloc(he, size, align) == NULL) {
            break;
        }
    }
    print_message("mixed: %zu live blocks, %zu bytes\n", he->n, t_bytes(he));
    assert_true(he->n > 500);
    check_consistent(he);
    finish(ENV);
}

/* ======================================================================== */
/* Exhaustion and reuse                                                     */
/* ======================================================================== */

static void exhaust_and_reuse(heap_env *he, size_t size, size_t align,
                              size_t expect_count)
{
    size_t n, oom0 = get_stats(he).oom_count, i;
    n = t_fill(he, size, align);
    assert_int_equal(n, expect_count);
    assert_int_equal(get_stats(he).oom_count, oom0 + 1u);
    check_consistent(he);
    expect_alloc_oom(he, size, align);
    /* free one in the middle; the same request succeeds once more */
    for (i = 0; i < 3; i++) {
        t_free(he, he->n / 2u);
        (void)t_alloc_ok(he, size, align);
        expect_alloc_oom(he, size, align);
    }
    check_consistent(he);
    t_free_all(he);
    check_consistent(he);
}

static void test_exhaust_class16(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    exhaust_and_reuse(he, 16, 1, he->pages * (PAGE / 16));
    exhaust_and_reuse(he, 1, 16, he->pages * (PAGE / 16));
    finish(ENV);
}

static void test_exhaust_class20_odd(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    /* 204 blocks of 20 bytes per page, 16 bytes of slack */
    exhaust_and_reuse(he, 20, 1, he->pages * (PAGE / 20));
    exhaust_and_reuse(he, 17, 4, he->pages * (PAGE / 20));
    finish(ENV);
}

static void test_exhaust_class_page(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    exhaust_and_reuse(he, PAGE, 1, he->pages);
    exhaust_and_reuse(he, 3000, 1, he->pages); /* class 3072 */
    finish(ENV);
}

static void test_exhaust_large_runs(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    exhaust_and_reuse(he, 3 * PAGE, 1, he->pages / 3u);
    exhaust_and_reuse(he, 2 * PAGE + 1u, 1, he->pages / 3u);
    exhaust_and_reuse(he, PAGE + 1u, 1, he->pages / 2u);
    finish(ENV);
}

/* On a full heap, every refusal changes nothing but oom_count. */
static void test_oom_refusal_changes_nothing(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    const size_t sizes[] = {0, 1, 16, 64, 100, 1000, 4096, 4097, 20000};
    size_t i;
    (void)t_fill(he, 64, 1);
    check_consistent(he);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        expect_alloc_oom(he, sizes[i], 1);
        expect_alloc_oom(he, sizes[i], 64);
        expect_alloc_oom(he, sizes[i], 8192);
    }
    assert_int_equal(stat_largest_free(he), 0);
    finish(ENV);
}

/* The block on page k of a heap filled with one 4096-byte block per page. */
static void free_page_block(heap_env *he, size_t k)
{
    size_t i;
    for (i = 0; i < he->n; i++) {
        if (page_of(he, he->live[i].p) == k) {
            t_free(he, i);
            return;
        }
    }
    fail_msg("no live block on page %zu", k);
}

/*
 * R22, large path (NO_RUN, spec/heap_spec.h): a large request (slab_alloc,
 * slab_realloc) is refused only when no run of its pages, each free or a
 * class's kept empty page, starts at a page with the asked alignment; and
 * such a run is served even when part of it is a kept empty page.
 */
static void test_large_refused_only_without_run(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t n, k;
    slab_stats st;
    slab_page_info pi;
    void *p, *q;
    n = t_fill(he, PAGE, 1); /* one class-4096 block per page */
    assert_int_equal(n, he->pages);
    /* page k: its address is not a multiple of two pages */
    for (k = 0; k + 1u < he->pages; k++) {
        if ((uintptr_t)page_start(he, k) % (2u * PAGE) != 0u) {
            break;
        }
    }
    assert_true(k + 1u < he->pages);
    free_page_block(he, k);     /* kept: class 4096's empty page */
    free_page_block(he, k + 1u); /* the class keeps one already: pool */
    check_consistent(he);
    slab_get_stats(he->h, &st);
    assert_int_equal(st.pages_free, 1);
    assert_true(slab_get_page_info(he->h, k, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_CLASS);
    assert_int_equal(pi.blocks_used, 0);
    assert_true(slab_get_page_info(he->h, k + 1u, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_FREE);
    /* the only available pages are k and k + 1 */
    expect_alloc_oom(he, 2u * PAGE + 1u, 1);  /* three pages: no run */
    expect_alloc_oom(he, 2u * PAGE, 2u * PAGE); /* aligned start k + 1:
                                                   a run of one page */
    /* realloc refuses alike, and the block it would move stays put */
    q = he->live[0].p;
    snap_take(he);
    assert_null(slab_realloc(he->h, q, 2u * PAGE + 1u, 1));
    snap_expect(he, 1, 0);
    snap_take(he);
    assert_null(slab_realloc(he->h, q, 2u * PAGE, 2u * PAGE));
    snap_expect(he, 1, 0);
    t_verify_all(he);
    check_consistent(he);
    /* two pages, any page alignment: the run k, k + 1, its first page
     * taken back from the class */
    p = t_alloc_ok(he, 2u * PAGE, PAGE);
    assert_ptr_equal(p, page_start(he, k));
    check_consistent(he);
    expect_alloc_oom(he, PAGE + 1u, 1);
    finish(ENV);
}

/* A large request that cannot be met must not give back reserve pages or
 * otherwise rearrange the heap. */
static void test_oom_large_with_reserves_changes_nothing(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t i, n;
    void *p;
    n = t_fill(he, PAGE, 1); /* one class-4096 block per page */
    assert_int_equal(n, he->pages);
    /* free every other page: the pool holds isolated pages and class 4096
     * keeps (at most) one of them in reserve */
    for (i = he->n; i-- > 0;) {
        if (page_of(he, he->live[i].p) % 2u == 0) {
            t_free(he, i);
        }
    }
    /* a reserve page in class 64 too */
    p = t_alloc_ok(he, 64, 1);
    t_free_ptr(he, p);
    check_consistent(he);
    expect_alloc_oom(he, 2 * PAGE + 1u, 1);
    expect_alloc_oom(he, 2 * PAGE, 1);
    expect_alloc_oom(he, 10 * PAGE, PAGE);
    finish(ENV);
}

/* ======================================================================== */
/* Memory flowing between classes                                           */
/* ======================================================================== */

static double fill_fraction(heap_env *he, size_t size, size_t *count)
{
    size_t n = t_fill(he, size, 1);
    *count = n;
    return (double)(n * size) / (double)MIB;
}

static void test_flow_64_then_1024(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    size_t n64, n1024, n64b;
    double f64, f1024, f64b;
    f64 = fill_fraction(he, 64, &n64);
    check_consistent(he);
    t_free_all(he);
    f1024 = fill_fraction(he, 1024, &n1024);
    check_consistent(he);
    t_free_all(he);
    f64b = fill_fraction(he, 64, &n64b);
    print_message("1 MiB arena, 64 then 1024 then 64: %zu x 64 = %.4f, "
                  "%zu x 1024 = %.4f, %zu x 64 = %.4f of 1048576 bytes\n",
                  n64, f64, n1024, f1024, n64b, f64b);
    assert_true(f64 >= 0.98);
    assert_true(f1024 >= 0.98);
    assert_true(f64b >= 0.98);
    /* every page was used each time (reserves were taken back) */
    assert_int_equal(n64, he->pages * (PAGE / 64));
    assert_int_equal(n1024, he->pages * (PAGE / 1024));
    assert_int_equal(n64b, he->pages * (PAGE / 64));
    finish(ENV);
}

static void test_flow_1024_then_64(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    size_t n1024, n64, n1024b;
    double f1024, f64, f1024b;
    f1024 = fill_fraction(he, 1024, &n1024);
    t_free_all(he);
    f64 = fill_fraction(he, 64, &n64);
    t_free_all(he);
    f1024b = fill_fraction(he, 1024, &n1024b);
    print_message("1 MiB arena, 1024 then 64 then 1024: %zu x 1024 = %.4f, "
                  "%zu x 64 = %.4f, %zu x 1024 = %.4f of 1048576 bytes\n",
                  n1024, f1024, n64, f64, n1024b, f1024b);
    assert_true(f1024 >= 0.98);
    assert_true(f64 >= 0.98);
    assert_true(f1024b >= 0.98);
    assert_int_equal(n1024, he->pages * (PAGE / 1024));
    assert_int_equal(n64, he->pages * (PAGE / 64));
    assert_int_equal(n1024b, he->pages * (PAGE / 1024));
    finish(ENV);
}

/* Each class in turn fills the whole heap: pages move from class to
 * class, then to one large block and back. */
static void test_flow_every_class_in_turn(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t i, lf;
    for (i = 0; i < NCLASS; i++) {
        size_t n = t_fill(he, k_class[i], 1);
        if (n != he->pages * (PAGE / k_class[i])) {
            fail_msg("class %zu: %zu blocks, expected %zu", k_class[i], n,
                     he->pages * (PAGE / k_class[i]));
        }
        t_free_all(he);
    }
    check_consistent(he);
    lf = stat_largest_free(he);
    assert_true(lf >= (he->pages - 1u) * PAGE);
    (void)t_alloc_ok(he, lf, 1);
    t_free_all(he);
    /* large to small */
    {
        heap_env *h2 = env_heap(ENV, 256 * KIB);
        (void)t_alloc_ok(h2, h2->pages * PAGE, 1);
        t_free_all(h2);
        assert_int_equal(t_fill(h2, 16, 1), h2->pages * (PAGE / 16));
        t_free_all(h2);
        assert_int_equal(t_fill(h2, 48, 1), h2->pages * (PAGE / 48));
    }
    finish(ENV);
}

/* A class keeps at most one empty page; the others go back to the pool. */
static void test_reserve_at_most_one_page(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    const size_t cls[] = {16, 20, 64, 1024, 4096};
    size_t k, i;
    for (k = 0; k < sizeof cls / sizeof cls[0]; k++) {
        size_t ci = class_index(cls[k]);
        size_t per = PAGE / cls[k];
        slab_stats st;
        for (i = 0; i < 3 * per; i++) {
            (void)t_alloc_ok(he, cls[k], 1);
        }
        st = get_stats(he);
        assert_int_equal(st.classes[ci].pages, 3);
        assert_int_equal(st.classes[ci].blocks_used, 3 * per);
        assert_int_equal(st.classes[ci].blocks_free, 0);
        /* free in an interleaved order so pages empty late */
        for (i = he->n; i-- > 0;) {
            if (i % 2u == 0) {
                t_free(he, i);
            }
        }
        t_free_all(he);
        st = get_stats(he);
        assert_true(st.classes[ci].pages <= 1);
        assert_int_equal(st.classes[ci].blocks_used, 0);
        assert_int_equal(st.classes[ci].blocks_free,
                         st.classes[ci].pages * per);
        check_consistent(he);
    }
    {
        slab_stats st = get_stats(he);
        size_t reserve = 0;
        for (i = 0; i < NCLASS; i++) {
            assert_true(st.classes[i].pages <= 1);
            reserve += st.classes[i].pages;
        }
        assert_int_equal(st.pages_free + reserve, st.pages_total);
    }
    finish(ENV);
}

/* Reserve pages of every class are taken back when the pool runs dry. */
static void test_reserve_taken_back(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t i, n;
    for (i = 0; i < NCLASS; i++) {
        void *p = t_alloc_ok(he, k_class[i], 1);
        t_free_ptr(he, p);
    }
    check_consistent(he);
    n = t_fill(he, 16, 1);
    assert_int_equal(n, he->pages * (PAGE / 16));
    t_free_all(he);
    for (i = 0; i < NCLASS; i++) {
        void *p = t_alloc_ok(he, k_class[i], 1);
        t_free_ptr(he, p);
    }
    n = t_fill(he, PAGE, 1);
    assert_int_equal(n, he->pages);
    finish(ENV);
}

/* R1 with R22: a request is refused only when the class it goes to (the
 * smallest that fits) is full and no page is left. A larger class that
 * still has free blocks does not serve it, and stays usable. */
static void test_refusal_is_for_routed_class(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    size_t k, full16 = 0, n;
    page_info_t pi;
    (void)t_alloc_ok(he, 32, 1); /* one page of the 32-byte class */
    n = t_fill(he, 16, 1);
    assert_int_equal(n, (he->pages - 1u) * (PAGE / 16));
    for (k = 0; k < he->pages; k++) {
        assert_true(page_info(he->h, k, &pi));
        assert_int_equal(pi.kind, SLAB_PAGE_CLASS);
        if (pi.block_size == 16) {
            assert_int_equal(pi.blocks_free, 0);
            full16++;
        } else {
            assert_int_equal(pi.block_size, 32);
            assert_int_equal(pi.blocks_free, PAGE / 32 - 1u);
        }
    }
    assert_int_equal(full16, he->pages - 1u);
    snap_take(he);
    assert_null(slab_alloc(he->h, 16, 1));
    assert_null(slab_alloc(he->h, 1, 16)); /* 16 bytes aligned to 16 too */
    snap_expect(he, 2, 0);
    (void)t_alloc_ok(he, 32, 1); /* its own class still has room */
    assert_int_equal(expected_usable(17, 1), 20);
    assert_null(slab_alloc(he->h, 17, 1)); /* 20-byte class: no page */
    check_consistent(he);
    finish(ENV);
}

/* ======================================================================== */
/* slab_free misuse                                                         */
/* ======================================================================== */

static void test_free_null_is_noop(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    void *p = t_alloc_ok(he, 100, 1);
    snap_take(he);
    slab_free(he->h, NULL);
    slab_free_sized(he->h, NULL, 16, 1);
    slab_free_sized(he->h, NULL, 0, 3); /* even with a bad layout */
    slab_free(NULL, p);
    slab_free_sized(NULL, p, 100, 1);
    snap_expect(he, 0, 0);
    assert_int_equal(he->rec.count, 0);
    assert_int_equal(slab_usable_size(he->h, p), 128);
    finish(ENV);
}

static void test_double_free_class_block(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    const size_t sizes[] = {16, 20, 48, 64, 1000, 2048};
    size_t k;
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        void *a = t_alloc_ok(he, sizes[k], 1);
        (void)t_alloc_ok(he, sizes[k], 1); /* keeps the page in use */
        void *a2;
        t_free_ptr(he, a);
        expect_free_refused(he, a, SLAB_FAULT_DOUBLE_FREE,
                            SLAB_FAULT_DOUBLE_FREE);
        expect_free_refused(he, a, SLAB_FAULT_DOUBLE_FREE,
                            SLAB_FAULT_DOUBLE_FREE);
        expect_free_sized_refused(he, a, 1, 1, SLAB_FAULT_DOUBLE_FREE,
                                  SLAB_FAULT_DOUBLE_FREE);
        /* the freed block is still allocatable exactly once */
        a2 = t_alloc_ok(he, sizes[k], 1);
        assert_ptr_equal(a2, a);
    }
    assert_int_equal(he->rec.kinds[SLAB_FAULT_DOUBLE_FREE], 18);
    finish(ENV);
}

/* Freeing a block whose page is empty: in a class reserve page it is a
 * double free; in a pool page DOUBLE_FREE or FOREIGN is accepted. */
static void test_double_free_empty_pages(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    void *ptrs[3];
    size_t i;
    /* blocks from three pages of class 64 */
    for (i = 0; i < 3 * (PAGE / 64); i++) {
        void *p = t_alloc_ok(he, 64, 1);
        if (i % (PAGE / 64) == 5) {
            ptrs[i / (PAGE / 64)] = p;
        }
    }
    t_free_all(he);
    for (i = 0; i < 3; i++) {
        page_info_t pi;
        assert_true(page_info(he->h, page_of(he, ptrs[i]), &pi));
        if (pi.kind == SLAB_PAGE_CLASS) {
            assert_int_equal(pi.blocks_used, 0);
            expect_free_refused(he, ptrs[i], SLAB_FAULT_DOUBLE_FREE,
                                SLAB_FAULT_DOUBLE_FREE);
        } else {
            assert_int_equal(pi.kind, SLAB_PAGE_FREE);
            expect_free_refused(he, ptrs[i], SLAB_FAULT_DOUBLE_FREE,
                                SLAB_FAULT_FOREIGN);
            /* interior of a pool page: refused, kind not pinned down */
            {
                size_t c = he->rec.count;
                snap_take(he);
                slab_free(he->h, (unsigned char *)ptrs[i] + 8);
                assert_int_equal(he->rec.count, c + 1u);
                snap_expect(he, 0, 1);
            }
        }
    }
    /* a pool page */
    {
        const unsigned char *pg = page_start(he, find_free_page(he));
        expect_free_refused(he, (void *)(uintptr_t)up(pg),
                            SLAB_FAULT_DOUBLE_FREE, SLAB_FAULT_FOREIGN);
    }
    finish(ENV);
}

static void test_double_free_large(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    void *p = t_alloc_ok(he, 3 * PAGE, 1);
    void *keep = t_alloc_ok(he, 5 * PAGE, 1);
    (void)keep;
    t_free_ptr(he, p);
    expect_free_refused(he, p, SLAB_FAULT_DOUBLE_FREE, SLAB_FAULT_FOREIGN);
    expect_free_refused(he, (unsigned char *)p + PAGE, SLAB_FAULT_DOUBLE_FREE,
                        SLAB_FAULT_FOREIGN);
    /* and the space is whole again */
    p = t_alloc_ok(he, 3 * PAGE, 1);
    finish(ENV);
}

/* A block start in the not yet carved part of a class page is not
 * allocated: DOUBLE_FREE. */
static void test_free_uncarved_block(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    const size_t cls[] = {64, 20, 16, 1024};
    size_t k;
    for (k = 0; k < sizeof cls / sizeof cls[0]; k++) {
        unsigned char *p = (unsigned char *)t_alloc_ok(he, cls[k], 1);
        unsigned char *pg = (unsigned char *)(uintptr_t)(up(p) & ~(PAGE - 1u));
        size_t per = PAGE / cls[k];
        size_t last = per - 1u, mid = per / 2u;
        page_info_t pi;
        assert_true(page_info(he->h, page_of(he, p), &pi));
        assert_int_equal(pi.kind, SLAB_PAGE_CLASS);
        assert_int_equal(pi.block_size, cls[k]);
        if (pg + last * cls[k] != p) {
            expect_free_refused(he, pg + last * cls[k],
                                SLAB_FAULT_DOUBLE_FREE, SLAB_FAULT_DOUBLE_FREE);
        }
        if (pg + mid * cls[k] != p) {
            expect_free_refused(he, pg + mid * cls[k], SLAB_FAULT_DOUBLE_FREE,
                                SLAB_FAULT_DOUBLE_FREE);
        }
        assert_int_equal(slab_usable_size(he->h, pg + last * cls[k]),
                         pg + last * cls[k] == p ? cls[k] : 0);
    }
    finish(ENV);
}

static void test_free_interior_class(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p64, *p48, *p20, *pg20, *p3072, *p2560;
    size_t i;
    p64 = (unsigned char *)t_alloc_ok(he, 64, 1);
    (void)t_alloc_ok(he, 64, 1);
    expect_free_refused(he, p64 + 1, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p64 + 4, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p64 + 16, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p64 + 32, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p64 + 63, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);

    p48 = (unsigned char *)t_alloc_ok(he, 48, 1);
    expect_free_refused(he, p48 + 16, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p48 + 32, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);

    /* class 20: granule-aligned addresses that are not block starts */
    for (i = 0; i < PAGE / 20; i++) {
        p20 = (unsigned char *)t_alloc_ok(he, 20, 1);
    }
    pg20 = (unsigned char *)(uintptr_t)(up(p20) & ~(PAGE - 1u));
    expect_free_refused(he, pg20 + 4, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, pg20 + 16, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    expect_free_refused(he, pg20 + 32, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    expect_free_refused(he, pg20 + PAGE - 4, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    /* classes with one block per page: inside the block */
    p3072 = (unsigned char *)t_alloc_ok(he, 3072, 1);
    expect_free_refused(he, p3072 + 1024, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    p2560 = (unsigned char *)t_alloc_ok(he, 2560, 1);
    expect_free_refused(he, p2560 + 512, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    assert_int_equal(he->rec.kinds[SLAB_FAULT_INTERIOR], he->rec.count);
    finish(ENV);
}

/* The slack at the end of a class page is a multiple of the block size
 * but no block fits there: it is not the start of a block (INTERIOR, by
 * the definition in slab.h), not a not-yet-carved block. */
static void test_free_page_slack_is_interior(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p20 = NULL, *pg20, *p3072, *p2560, *p1536;
    size_t i;
    for (i = 0; i < PAGE / 20; i++) { /* the whole page carved */
        p20 = (unsigned char *)t_alloc_ok(he, 20, 1);
    }
    pg20 = (unsigned char *)(uintptr_t)(up(p20) & ~(PAGE - 1u));
    /* 4080 = 204 * 20, but block 204 would end past the page */
    expect_free_refused(he, pg20 + (PAGE / 20) * 20, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    assert_int_equal(slab_usable_size(he->h, pg20 + (PAGE / 20) * 20), 0);
    p3072 = (unsigned char *)t_alloc_ok(he, 3072, 1);
    expect_free_refused(he, p3072 + 3072, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    p2560 = (unsigned char *)t_alloc_ok(he, 2560, 1);
    expect_free_refused(he, p2560 + 2560, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    p1536 = (unsigned char *)t_alloc_ok(he, 1536, 1);
    (void)t_alloc_ok(he, 1536, 1);
    p1536 = (unsigned char *)(uintptr_t)(up(p1536) & ~(PAGE - 1u));
    expect_free_refused(he, p1536 + 2 * 1536, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    finish(ENV);
}

static void test_free_interior_large(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 3 * PAGE, 1);
    unsigned char *q = (unsigned char *)t_alloc_ok(he, 5000, 8192);
    expect_free_refused(he, p + 1, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p + 16, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p + PAGE, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p + 2 * PAGE, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p + PAGE + 64, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    expect_free_refused(he, p + 3 * PAGE - 1, SLAB_FAULT_INTERIOR,
                        SLAB_FAULT_INTERIOR);
    expect_free_refused(he, q + PAGE, SLAB_FAULT_INTERIOR, SLAB_FAULT_INTERIOR);
    expect_free_sized_refused(he, p + PAGE, 1, 1, SLAB_FAULT_INTERIOR,
                              SLAB_FAULT_INTERIOR);
    finish(ENV);
}

static void test_free_foreign(void **state)
{
    heap_env *he = env_heap_off(ENV, 256 * KIB, PAGE, 64);
    heap_env *other = env_heap(ENV, 64 * KIB);
    int local = 0;
    void *mine = t_alloc_ok(he, 64, 1);
    void *theirs = t_alloc_ok(other, 64, 1);
    void *m = malloc(64);
    const unsigned char *end = he->first + he->pages * PAGE;
    size_t i;
    void *foreign[12];
    assert_non_null(m);
    (void)mine;
    foreign[0] = &local;
    foreign[1] = he->h;
    foreign[2] = (unsigned char *)he->h + 16;
    foreign[3] = (void *)(uintptr_t)(up(he->first) - 16u); /* page table */
    foreign[4] = (void *)(uintptr_t)(up(he->first) - 1u);
    foreign[5] = he->arena - 16; /* before the arena */
    foreign[6] = he->arena + he->size; /* just past it */
    foreign[7] = (void *)(uintptr_t)up(end); /* past the last page */
    foreign[8] = theirs;
    foreign[9] = m;
    foreign[10] = (void *)(uintptr_t)16u;
    foreign[11] = (void *)(uintptr_t)(UINTPTR_MAX - 15u);
    for (i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        expect_free_refused(he, foreign[i], SLAB_FAULT_FOREIGN,
                            SLAB_FAULT_FOREIGN);
        expect_free_sized_refused(he, foreign[i], 1, 1, SLAB_FAULT_FOREIGN,
                                  SLAB_FAULT_FOREIGN);
        assert_int_equal(slab_usable_size(he->h, foreign[i]), 0);
    }
    assert_int_equal(local, 0);
    assert_int_equal(other->rec.count, 0);
    assert_int_equal(slab_usable_size(other->h, theirs), 64);
    free(m);
    finish(ENV);
}

static void test_fault_hook_management(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    heap_env *b = env_heap(ENV, 64 * KIB);
    hook_rec r1, r2;
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
    size_t base;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);

    /* no hook: still refused and counted */
    slab_set_fault_hook(he->h, NULL, NULL);
    snap_take(he);
    slab_free(he->h, p + 1);
    assert_null(slab_alloc(he->h, 16, 3));
    snap_expect(he, 0, 2);
    assert_int_equal(he->rec.count, 0);

    /* hook with its own context */
    slab_set_fault_hook(he->h, rec_hook, &r1);
    slab_free(he->h, p + 1);
    assert_int_equal(r1.count, 1);
    assert_int_equal(r1.last_kind, SLAB_FAULT_INTERIOR);
    assert_ptr_equal(r1.last_ptr, p + 1);
    /* replacing it */
    slab_set_fault_hook(he->h, rec_hook, &r2);
    slab_free(he->h, p + 2);
    assert_int_equal(r1.count, 1);
    assert_int_equal(r2.count, 1);
    /* faults on another heap do not reach this hook */
    slab_free(b->h, p);
    assert_int_equal(r2.count, 1);
    assert_int_equal(b->rec.count, 1);
    assert_int_equal(b->rec.last_kind, SLAB_FAULT_FOREIGN);
    /* clearing */
    slab_set_fault_hook(he->h, NULL, &r2);
    slab_free(he->h, p + 3);
    assert_int_equal(r2.count, 1);
    base = get_stats(he).fault_count;
    assert_int_equal(base, 5);
    /* back to the tracker's recorder, synchronised for finish() */
    slab_set_fault_hook(he->h, rec_hook, &he->rec);
    he->rec.count = base;
    assert_int_equal(slab_usable_size(he->h, p), 64);
    finish(ENV);
}

/* ======================================================================== */
/* slab_free_sized                                                          */
/* ======================================================================== */

static void free_sized_ok(heap_env *he, void *p, size_t size, size_t align)
{
    size_t c = he->rec.count;
    size_t used = get_stats(he).bytes_used;
    size_t u = slab_usable_size(he->h, p);
    (void)t_forget_ptr(he, p);
    slab_free_sized(he->h, p, size, align);
    assert_int_equal(he->rec.count, c);
    assert_int_equal(slab_usable_size(he->h, p), 0);
    assert_int_equal(get_stats(he).bytes_used, used - u);
}

static void test_free_sized_valid_layouts(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    void *p;
    p = t_alloc_ok(he, 100, 1);
    free_sized_ok(he, p, 100, 1); /* the layout asked for */
    p = t_alloc_ok(he, 100, 1);
    free_sized_ok(he, p, 128, 1); /* the whole usable size */
    p = t_alloc_ok(he, 100, 1);
    free_sized_ok(he, p, 1, 1); /* smaller is fine */
    p = t_alloc_ok(he, 100, 1);
    free_sized_ok(he, p, 0, 1);
    p = t_alloc_ok(he, 20, 4);
    free_sized_ok(he, p, 20, 4);
    p = t_alloc_ok(he, 20, 16);
    free_sized_ok(he, p, 20, 16);
    p = t_alloc_ok(he, 64, 64);
    free_sized_ok(he, p, 64, 64);
    p = t_alloc_ok(he, 4096, 4096);
    free_sized_ok(he, p, 4096, 4096);
    p = t_alloc_ok(he, 10000, 8192);
    free_sized_ok(he, p, 10000, 8192);
    p = t_alloc_ok(he, 3 * PAGE, 1);
    free_sized_ok(he, p, 3 * PAGE, PAGE);
    p = t_alloc_ok(he, 5000, 1);
    free_sized_ok(he, p, 2 * PAGE, 1);
    finish(ENV);
}

static void test_free_sized_too_large(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
    unsigned char *q = (unsigned char *)t_alloc_ok(he, 3 * PAGE, 1);
    expect_free_sized_refused(he, p, 65, 1, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(he, p, 4096, 1, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(he, p, SIZE_MAX, 1, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(he, q, 3 * PAGE + 1u, 1, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(he, q, SIZE_MAX - 4095u, 1,
                              SLAB_FAULT_WRONG_LAYOUT, SLAB_FAULT_WRONG_LAYOUT);
    /* still allocated, contents intact (pattern checked), freeable */
    t_verify_all(he);
    free_sized_ok(he, p, 64, 1);
    free_sized_ok(he, q, 3 * PAGE, 1);
    finish(ENV);
}

static void test_free_sized_misaligned_pointer(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p20 = NULL, *p64 = NULL, *big;
    size_t i;
    /* a class-20 block that is 4- but not 8-aligned */
    for (i = 0; i < 4 && p20 == NULL; i++) {
        unsigned char *p = (unsigned char *)t_alloc_ok(he, 20, 1);
        if (up(p) % 8u != 0) {
            p20 = p;
        }
    }
    assert_non_null(p20);
    expect_free_sized_refused(he, p20, 20, 8, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(he, p20, 1, 16, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    /* a class-64 block that is not 128-aligned */
    for (i = 0; i < 4 && p64 == NULL; i++) {
        unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
        if (up(p) % 128u != 0) {
            p64 = p;
        }
    }
    assert_non_null(p64);
    expect_free_sized_refused(he, p64, 64, 128, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    /* a large block that is not 64 KiB-aligned */
    big = (unsigned char *)t_alloc_ok(he, 2 * PAGE, 1);
    if (up(big) % 65536u == 0) {
        big = (unsigned char *)t_alloc_ok(he, 2 * PAGE, 1);
    }
    assert_true(up(big) % 65536u != 0);
    expect_free_sized_refused(he, big, 1, 65536, SLAB_FAULT_WRONG_LAYOUT,
                              SLAB_FAULT_WRONG_LAYOUT);
    t_verify_all(he);
    free_sized_ok(he, p20, 20, 4);
    free_sized_ok(he, p64, 64, 64);
    free_sized_ok(he, big, 2 * PAGE, PAGE);
    finish(ENV);
}

static void test_free_sized_bad_align(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
    const size_t aligns[] = {0, 3, 6, 12, 24, 96, SIZE_MAX, SIZE_MAX / 2u};
    size_t i;
    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        expect_free_sized_refused(he, p, 64, aligns[i], SLAB_FAULT_WRONG_LAYOUT,
                                  SLAB_FAULT_WRONG_LAYOUT);
        expect_free_sized_refused(he, p, 1, aligns[i], SLAB_FAULT_WRONG_LAYOUT,
                                  SLAB_FAULT_WRONG_LAYOUT);
    }
    free_sized_ok(he, p, 64, 16);
    finish(ENV);
}

static void test_free_sized_misuse_kinds(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
    unsigned char *q = (unsigned char *)t_alloc_ok(he, 64, 1);
    int local = 0;
    expect_free_sized_refused(he, p + 16, 1, 1, SLAB_FAULT_INTERIOR,
                              SLAB_FAULT_INTERIOR);
    expect_free_sized_refused(he, &local, 1, 1, SLAB_FAULT_FOREIGN,
                              SLAB_FAULT_FOREIGN);
    free_sized_ok(he, q, 64, 1);
    expect_free_sized_refused(he, q, 64, 1, SLAB_FAULT_DOUBLE_FREE,
                              SLAB_FAULT_DOUBLE_FREE);
    /* slab_free after slab_free_sized is a double free too */
    expect_free_refused(he, q, SLAB_FAULT_DOUBLE_FREE, SLAB_FAULT_DOUBLE_FREE);
    assert_int_equal(local, 0);
    finish(ENV);
}

/* ======================================================================== */
/* slab_realloc                                                             */
/* ======================================================================== */

/* Fill block p (usable u) with a position-dependent pattern. */
static void pat_fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        p[i] = (unsigned char)((i * 7u + seed) & 0xFFu);
    }
}

static void pat_check(const unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] != (unsigned char)((i * 7u + seed) & 0xFFu)) {
            fail_msg("contents lost at byte %zu of %zu", i, n);
        }
    }
}

/* Realloc a tracked block; returns the new pointer (tracked) or NULL (old
 * block still tracked). Checks the contents were kept. */
static void *t_realloc(heap_env *he, void *p, size_t size, size_t align)
{
    size_t i = t_find(he, p);
    size_t old_u = he->live[i].usable;
    size_t keep = old_u < size ? old_u : size;
    unsigned char *q;
    t_verify(he, i);
    pat_fill((unsigned char *)p, old_u, 3);
    q = (unsigned char *)slab_realloc(he->h, p, size, align);
    if (q == NULL) {
        pat_check((const unsigned char *)p, old_u, 3);
        assert_int_equal(slab_usable_size(he->h, p), old_u);
        memset(p, he->live[i].tag, old_u);
        return NULL;
    }
    pat_check(q, keep, 3);
    if (q == (unsigned char *)p) {
        assert_int_equal(slab_usable_size(he->h, q), old_u);
        memset(q, he->live[i].tag, old_u);
        return q;
    }
    /* moved: the old block is free now (do not touch it) */
    (void)t_untrack(he, i);
    assert_int_equal(slab_usable_size(he->h, p), 0);
    t_check_new(he, q, size, align);
    t_add(he, q, size);
    return q;
}

static void test_realloc_null_acts_as_alloc(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    void *p;
    p = slab_realloc(he->h, NULL, 100, 1);
    t_check_new(he, p, 100, 1);
    t_add(he, p, 100);
    assert_int_equal(slab_usable_size(he->h, p), 128);
    p = slab_realloc(he->h, NULL, 100, 64);
    t_check_new(he, p, 100, 64);
    t_add(he, p, 100);
    p = slab_realloc(he->h, NULL, 0, 1);
    t_check_new(he, p, 0, 1);
    t_add(he, p, 0);
    assert_int_equal(slab_usable_size(he->h, p), 16);
    p = slab_realloc(he->h, NULL, 9000, 1);
    t_check_new(he, p, 9000, 1);
    t_add(he, p, 9000);
    snap_take(he);
    assert_null(slab_realloc(he->h, NULL, SIZE_MAX, 1));
    snap_expect(he, 1, 0);
    snap_take(he);
    assert_null(slab_realloc(he->h, NULL, 16, 3));
    snap_expect(he, 0, 1);
    assert_int_equal(he->rec.last_kind, SLAB_FAULT_BAD_ALIGN);
    finish(ENV);
}

static void test_realloc_grow_keeps_contents(void **state)
{
    heap_env *he = env_heap(ENV, MIB);
    const size_t steps[] = {16, 17, 100, 1000, 4000, 5000, 20000, 100000,
                            300000};
    void *p = t_alloc_ok(he, 1, 1);
    void *pin = t_alloc_ok(he, 20, 1); /* neighbours must stay intact */
    size_t i;
    (void)pin;
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        void *q = t_realloc(he, p, steps[i], 1);
        assert_non_null(q);
        assert_true(slab_usable_size(he->h, q) >= steps[i]);
        p = q;
        (void)t_alloc_ok(he, 30, 1);
    }
    check_consistent(he);
    finish(ENV);
}

static void test_realloc_shrink(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    void *p = t_alloc_ok(he, 64, 1);
    void *big, *q;
    /* fits and is at most twice as large as needed: unchanged */
    assert_ptr_equal(t_realloc(he, p, 64, 1), p);
    assert_ptr_equal(t_realloc(he, p, 40, 1), p);
    assert_ptr_equal(t_realloc(he, p, 33, 1), p);
    assert_ptr_equal(t_realloc(he, p, 40, 64), p);
    /* more than twice as large as needed: moves to a smaller block */
    q = t_realloc(he, p, 16, 1);
    assert_non_null(q);
    assert_true(q != p);
    assert_int_equal(slab_usable_size(he->h, q), 16);
    /* large blocks */
    big = t_alloc_ok(he, 5 * PAGE, 1);
    assert_ptr_equal(t_realloc(he, big, 4 * PAGE, 1), big);
    assert_ptr_equal(t_realloc(he, big, 3 * PAGE, 1), big);
    assert_ptr_equal(t_realloc(he, big, 5 * PAGE, PAGE), big);
    q = t_realloc(he, big, 2 * PAGE, 1);
    assert_non_null(q);
    assert_true(q != big);
    assert_int_equal(slab_usable_size(he->h, q), 2 * PAGE);
    big = q;
    q = t_realloc(he, big, 100, 1);
    assert_non_null(q);
    assert_int_equal(slab_usable_size(he->h, q), 128);
    finish(ENV);
}

static void test_realloc_alignment_change(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    void *p = NULL, *q;
    size_t i;
    for (i = 0; i < 8 && p == NULL; i++) {
        void *c = t_alloc_ok(he, 16, 1);
        if (up(c) % 64u != 0) {
            p = c;
        }
    }
    assert_non_null(p);
    assert_ptr_equal(t_realloc(he, p, 16, 16), p);
    q = t_realloc(he, p, 16, 64);
    assert_non_null(q);
    assert_int_equal(up(q) % 64, 0);
    assert_int_equal(slab_usable_size(he->h, q), 64);
    /* large block to a 64 KiB boundary */
    p = t_alloc_ok(he, 2 * PAGE, 1);
    if (up(p) % 65536u == 0) {
        p = t_alloc_ok(he, 2 * PAGE, 1);
    }
    q = t_realloc(he, p, 2 * PAGE, 65536);
    assert_non_null(q);
    assert_int_equal(up(q) % 65536, 0);
    finish(ENV);
}

static void test_realloc_oom_keeps_block(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
    unsigned char *big = (unsigned char *)t_alloc_ok(he, 2 * PAGE, 1);
    void *q;
    (void)t_fill(he, PAGE, 1); /* no free page left */
    check_consistent(he);
    snap_take(he);
    assert_null(t_realloc(he, p, 5000, 1));
    assert_null(t_realloc(he, p, 4096, 1));
    assert_null(t_realloc(he, big, 3 * PAGE, 1));
    {
        /* an alignment big does not have, so the block must move */
        size_t a = 4 * 65536u;
        while (up(big) % a == 0) {
            a *= 2u;
        }
        assert_null(t_realloc(he, big, 2 * PAGE, a));
    }
    assert_int_equal(get_stats(he).oom_count, he->snap_st.oom_count + 4u);
    assert_int_equal(he->rec.count, 0);
    t_verify_all(he);
    /* a shrink that needs a new block may fail too; p must survive */
    q = t_realloc(he, p, 16, 1);
    assert_true(q == NULL || q == p || slab_usable_size(he->h, q) == 16);
    /* in place still works */
    assert_ptr_equal(t_realloc(he, big, 2 * PAGE - 100u, 1), big);
    /* room again (one class-4096 page emptied, kept in reserve or pooled):
     * the move to class 3072 succeeds */
    {
        size_t i;
        for (i = 0; i < he->n; i++) {
            if (he->live[i].usable == PAGE) {
                break;
            }
        }
        assert_true(i < he->n);
        t_free(he, i);
    }
    q = t_realloc(he, big, 3000, 1);
    assert_non_null(q);
    finish(ENV);
}

/* R11 for realloc: on a full heap, a realloc that must move and finds no
 * room changes nothing but oom_count (pages' bytes, statistics, slab_check
 * all as before), and a shrink that finds no smaller block keeps the block
 * and counts nothing. */
static void test_realloc_oom_changes_nothing(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    void *p = t_alloc_ok(he, 64, 1);
    void *big = t_alloc_ok(he, 2 * PAGE, 1);
    const size_t grow[] = {65, 100, 1000, 4096, 4097, 3 * PAGE, SIZE_MAX / 2u};
    size_t i;
    (void)t_fill(he, PAGE, 1); /* no free page, no kept empty page */
    check_consistent(he);
    for (i = 0; i < sizeof grow / sizeof grow[0]; i++) {
        snap_take(he);
        assert_null(slab_realloc(he->h, p, grow[i], 1));
        snap_expect(he, 1, 0);
        snap_take(he);
        assert_null(slab_realloc(he->h, big, grow[i] + 2u * PAGE, 1));
        snap_expect(he, 1, 0);
    }
    /* as alloc (p == NULL) */
    snap_take(he);
    assert_null(slab_realloc(he->h, NULL, 100, 1));
    snap_expect(he, 1, 0);
    /* a shrink to a class with no page: p kept, not a refusal */
    snap_take(he);
    assert_ptr_equal(slab_realloc(he->h, p, 16, 1), p);
    snap_expect(he, 0, 0);
    assert_int_equal(he->rec.count, 0);
    t_verify_all(he);
    finish(ENV);
}

static void test_realloc_huge_and_bad_align(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    void *p = t_alloc_ok(he, 100, 1);
    const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1u, SIZE_MAX - 4095u,
                           SIZE_MAX / 2u, 64 * KIB};
    const size_t bad[] = {0, 3, 24, SIZE_MAX};
    size_t i;
    for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        snap_take(he);
        assert_null(slab_realloc(he->h, p, huge[i], 1));
        snap_expect(he, 1, 0);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t c = he->rec.count;
        snap_take(he);
        assert_null(slab_realloc(he->h, p, 16, bad[i]));
        snap_expect(he, 0, 1);
        assert_int_equal(he->rec.count, c + 1u);
        assert_true(kind_in(he->rec.last_kind, SLAB_FAULT_BAD_ALIGN,
                            SLAB_FAULT_WRONG_LAYOUT));
    }
    assert_int_equal(slab_usable_size(he->h, p), 128);
    finish(ENV);
}

static void test_realloc_invalid_pointer(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 64, 1);
    unsigned char *f = (unsigned char *)t_alloc_ok(he, 64, 1);
    unsigned char *big = (unsigned char *)t_alloc_ok(he, 2 * PAGE, 1);
    int local = 7;
    struct {
        void *ptr;
        slab_fault kind;
    } cases[6];
    size_t i;
    t_free_ptr(he, f);
    cases[0].ptr = f;
    cases[0].kind = SLAB_FAULT_DOUBLE_FREE;
    cases[1].ptr = p + 1;
    cases[1].kind = SLAB_FAULT_INTERIOR;
    cases[2].ptr = p + 16;
    cases[2].kind = SLAB_FAULT_INTERIOR;
    cases[3].ptr = big + PAGE;
    cases[3].kind = SLAB_FAULT_INTERIOR;
    cases[4].ptr = &local;
    cases[4].kind = SLAB_FAULT_FOREIGN;
    cases[5].ptr = he->h;
    cases[5].kind = SLAB_FAULT_FOREIGN;
    for (i = 0; i < 6; i++) {
        size_t c = he->rec.count;
        snap_take(he);
        assert_null(slab_realloc(he->h, cases[i].ptr, 32, 1));
        snap_expect(he, 0, 1);
        assert_int_equal(he->rec.count, c + 1u);
        assert_int_equal(he->rec.last_kind, cases[i].kind);
        assert_ptr_equal(he->rec.last_ptr, cases[i].ptr);
    }
    assert_int_equal(local, 7);
    finish(ENV);
}

static void test_realloc_size_zero(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    void *p = t_alloc_ok(he, 100, 1);
    void *q = t_realloc(he, p, 0, 1);
    assert_non_null(q);
    assert_true(slab_usable_size(he->h, q) >= 1);
    assert_true(slab_usable_size(he->h, q) <= 128);
    p = t_alloc_ok(he, 3 * PAGE, 1);
    q = t_realloc(he, p, 0, 1);
    assert_non_null(q);
    assert_true(slab_usable_size(he->h, q) < PAGE); /* a minimal block */
    finish(ENV);
}

/* ======================================================================== */
/* slab_usable_size                                                         */
/* ======================================================================== */

static void test_usable_size_cases(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *p = (unsigned char *)t_alloc_ok(he, 50, 1);
    unsigned char *q = (unsigned char *)t_alloc_ok(he, 50, 1);
    unsigned char *big = (unsigned char *)t_alloc_ok(he, 2 * PAGE + 1u, 1);
    int local;
    snap_take(he);
    assert_int_equal(slab_usable_size(he->h, NULL), 0);
    assert_int_equal(slab_usable_size(NULL, p), 0);
    assert_int_equal(slab_usable_size(he->h, p), 64);
    assert_int_equal(slab_usable_size(he->h, big), 3 * PAGE);
    assert_int_equal(slab_usable_size(he->h, p + 1), 0);
    assert_int_equal(slab_usable_size(he->h, p + 16), 0);
    assert_int_equal(slab_usable_size(he->h, big + 8), 0);
    assert_int_equal(slab_usable_size(he->h, big + PAGE), 0);
    assert_int_equal(slab_usable_size(he->h, &local), 0);
    assert_int_equal(slab_usable_size(he->h, he->h), 0);
    assert_int_equal(slab_usable_size(he->h, he->arena + he->size), 0);
    assert_int_equal(slab_usable_size(he->h, page_start(he, find_free_page(he))),
                     0);
    snap_expect(he, 0, 0); /* no faults, nothing changed */
    assert_int_equal(he->rec.count, 0);
    t_free_ptr(he, q);
    assert_int_equal(slab_usable_size(he->h, q), 0);
    t_free_ptr(he, big);
    assert_int_equal(slab_usable_size(he->h, big), 0);
    assert_int_equal(he->rec.count, 0);
    finish(ENV);
}

/* ======================================================================== */
/* Stats, page info, largest_free                                           */
/* ======================================================================== */

static void test_stats_fresh(void **state)
{
    heap_env *he = env_heap(ENV, 512 * KIB);
    slab_stats st = get_stats(he);
    size_t i;
    assert_int_equal(st.page_size, PAGE);
    assert_int_equal(st.capacity, st.pages_total * PAGE);
    assert_int_equal(st.pages_free, st.pages_total);
    assert_int_equal(st.pages_large, 0);
    assert_int_equal(st.bytes_used, 0);
    assert_int_equal(st.bytes_peak, 0);
    assert_int_equal(st.largest_free, st.capacity);
    assert_int_equal(st.blocks_used, 0);
    assert_int_equal(st.oom_count, 0);
    assert_int_equal(st.fault_count, 0);
    for (i = 0; i < NCLASS; i++) {
        assert_int_equal(st.classes[i].block_size, k_class[i]);
        assert_int_equal(st.classes[i].pages, 0);
        assert_int_equal(st.classes[i].blocks_used, 0);
        assert_int_equal(st.classes[i].blocks_free, 0);
    }
    finish(ENV);
}

static void test_stats_accounting(void **state)
{
    heap_env *he = env_heap(ENV, 512 * KIB);
    slab_stats st;
    size_t i, peak;
    for (i = 0; i < 10; i++) {
        (void)t_alloc_ok(he, 16, 1);
    }
    for (i = 0; i < 5; i++) {
        (void)t_alloc_ok(he, 20, 1);
    }
    for (i = 0; i < 3; i++) {
        (void)t_alloc_ok(he, 100, 1);
    }
    (void)t_alloc_ok(he, 4096, 1);
    (void)t_alloc_ok(he, 4000, 1);
    (void)t_alloc_ok(he, 3 * PAGE, 1);
    (void)t_alloc_ok(he, 10000, 8192);
    st = get_stats(he);
    assert_int_equal(st.blocks_used, 22);
    assert_int_equal(st.bytes_used, 10 * 16 + 5 * 20 + 3 * 128 + 2 * 4096 +
                                        3 * PAGE + 3 * PAGE);
    assert_int_equal(st.bytes_peak, st.bytes_used);
    assert_int_equal(st.pages_large, 6);
    assert_int_equal(st.classes[class_index(16)].pages, 1);
    assert_int_equal(st.classes[class_index(16)].blocks_used, 10);
    assert_int_equal(st.classes[class_index(16)].blocks_free, PAGE / 16 - 10);
    assert_int_equal(st.classes[class_index(20)].blocks_used, 5);
    assert_int_equal(st.classes[class_index(20)].blocks_free, PAGE / 20 - 5);
    assert_int_equal(st.classes[class_index(128)].blocks_used, 3);
    assert_int_equal(st.classes[class_index(4096)].pages, 2);
    assert_int_equal(st.classes[class_index(4096)].blocks_free, 0);
    assert_int_equal(st.pages_free, st.pages_total - 5u - 6u);
    check_consistent(he);
    peak = st.bytes_peak;
    /* freeing lowers bytes_used but not the peak */
    t_free(he, 0);
    t_free(he, he->n - 1u);
    st = get_stats(he);
    assert_int_equal(st.bytes_peak, peak);
    assert_true(st.bytes_used < peak);
    /* a new high raises it */
    (void)t_alloc_ok(he, 20 * PAGE, 1);
    st = get_stats(he);
    assert_int_equal(st.bytes_peak, st.bytes_used);
    assert_true(st.bytes_peak > peak);
    peak = st.bytes_peak;
    t_free_all(he);
    st = get_stats(he);
    assert_int_equal(st.bytes_used, 0);
    assert_int_equal(st.bytes_peak, peak);
    assert_int_equal(st.blocks_used, 0);
    finish(ENV);
}

/* largest_free is exactly the largest size slab_alloc(size, 1) serves. */
static void check_largest_free(heap_env *he)
{
    size_t lf = stat_largest_free(he);
    void *p;
    expect_alloc_oom(he, lf + 1u, 1);
    if (lf > 0) {
        p = t_alloc(he, lf, 1);
        if (p == NULL) {
            fail_msg("largest_free %zu but slab_alloc(%zu, 1) failed", lf, lf);
        }
        t_free_ptr(he, p);
    } else {
        expect_alloc_oom(he, 0, 1);
    }
}

static void test_largest_free(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t i;
    assert_int_equal(stat_largest_free(he), he->pages * PAGE);
    check_largest_free(he);
    (void)t_alloc_ok(he, 16, 1);
    check_largest_free(he);
    assert_true(stat_largest_free(he) >= (he->pages - 1u) * PAGE);
    t_free_all(he);
    /* pages taken one by one, every other one given back */
    (void)t_fill(he, PAGE + 1u, 1);
    check_largest_free(he);
    for (i = he->n; i-- > 0;) {
        if (i % 3u == 0) {
            t_free(he, i);
        }
    }
    check_largest_free(he);
    assert_true(stat_largest_free(he) >= 2 * PAGE);
    t_free_all(he);
    /* full of 16-byte blocks, then one freed */
    (void)t_fill(he, 16, 1);
    assert_int_equal(stat_largest_free(he), 0);
    check_largest_free(he);
    t_free(he, 100);
    assert_int_equal(stat_largest_free(he), 16);
    check_largest_free(he);
    finish(ENV);
}

static void test_page_info_range_and_fresh(void **state)
{
    heap_env *he = env_heap_off(ENV, 128 * KIB, PAGE, 300);
    page_info_t pi, pi0;
    size_t i;
    for (i = 0; i < he->pages; i++) {
        assert_true(page_info(he->h, i, &pi));
        assert_int_equal(pi.kind, SLAB_PAGE_FREE);
        assert_ptr_equal(pi.start, he->first + i * PAGE);
        assert_int_equal(up(pi.start) % PAGE, 0);
        assert_true(in_arena(he, pi.start));
        assert_true(up(pi.start) + PAGE <= up(he->arena) + he->size);
    }
    memset(&pi, 0xCD, sizeof pi);
    pi0 = pi;
    assert_false(page_info(he->h, he->pages, &pi));
    assert_false(page_info(he->h, he->pages + 1u, &pi));
    assert_false(page_info(he->h, SIZE_MAX, &pi));
    assert_false(page_info(NULL, 0, &pi));
    assert_memory_equal(&pi, &pi0, sizeof pi);
    finish(ENV);
}

static void test_page_info_kinds(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *s = (unsigned char *)t_alloc_ok(he, 16, 1);
    unsigned char *l = (unsigned char *)t_alloc_ok(he, 3 * PAGE, 1);
    unsigned char *c = (unsigned char *)t_alloc_ok(he, 1500, 1);
    page_info_t pi;
    size_t pl = page_of(he, l);
    assert_true(page_info(he->h, page_of(he, s), &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_CLASS);
    assert_int_equal(pi.block_size, 16);
    assert_int_equal(pi.blocks_used, 1);
    assert_int_equal(pi.blocks_free, PAGE / 16 - 1u);
    assert_true(page_info(he->h, page_of(he, c), &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_CLASS);
    assert_int_equal(pi.block_size, 1536);
    assert_int_equal(pi.blocks_used, 1);
    assert_int_equal(pi.blocks_free, 1);
    assert_true(page_info(he->h, pl, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_LARGE);
    assert_ptr_equal(pi.start, l);
    assert_int_equal(pi.block_size, 3 * PAGE);
    assert_int_equal(pi.blocks_used, 1);
    assert_true(page_info(he->h, pl + 1u, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_LARGE_TAIL);
    assert_true(page_info(he->h, pl + 2u, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_LARGE_TAIL);
    check_consistent(he);
    t_free_ptr(he, l);
    assert_true(page_info(he->h, pl, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_FREE);
    assert_true(page_info(he->h, pl + 2u, &pi));
    assert_int_equal(pi.kind, SLAB_PAGE_FREE);
    t_free_ptr(he, s);
    assert_true(page_info(he->h, page_of(he, s), &pi));
    if (pi.kind == SLAB_PAGE_CLASS) { /* kept in reserve */
        assert_int_equal(pi.blocks_used, 0);
        assert_int_equal(pi.blocks_free, PAGE / 16);
    } else {
        assert_int_equal(pi.kind, SLAB_PAGE_FREE);
    }
    finish(ENV);
}

/* ======================================================================== */
/* Corrupted free-list links                                                */
/* ======================================================================== */

/*
 * Free blocks 2, 5 and 6 of eight blocks of one class: the list is
 * 6 -> 5 -> 2. The links of 6 and 5 are read when they are popped, so an
 * overwritten one must be detected (CORRUPT_LINK) and slab_check must see
 * it. The link of the last block (2), or of blocks of a page that became
 * empty, may never be read (the page's count ends the list, or an empty
 * page may be reset): there only the safety properties are required.
 */
enum { LINK_HEAD, LINK_SECOND, LINK_LAST, LINK_EMPTY_PAGE };

/* Allocate everything the class had free at the start (plus a few),
 * through the tracker: no block outside the arena, no block that is live. */
static void drain_class(heap_env *he, size_t cls)
{
    size_t ci = class_index(cls);
    size_t n = get_stats(he).classes[ci].blocks_free + 3u, i;
    for (i = 0; i < n; i++) {
        (void)t_alloc_ok(he, cls, 1);
    }
}

static void corrupt_case(env_t *env, size_t cls, int where, uint32_t value,
                         bool relative_live)
{
    heap_env *he = env_heap(env, 256 * KIB);
    unsigned char *b[8];
    unsigned char *target, *pg;
    uint32_t orig, v = value;
    bool must_detect = where == LINK_HEAD || where == LINK_SECOND;
    size_t i;
    assert_true(PAGE / cls >= 8); /* all eight in one page */
    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char *)t_alloc_ok(he, cls, 1);
    }
    pg = (unsigned char *)(uintptr_t)(up(b[0]) & ~(PAGE - 1u));
    for (i = 0; i < 8; i++) {
        assert_ptr_equal((void *)(uintptr_t)(up(b[i]) & ~(PAGE - 1u)), pg);
    }
    if (where == LINK_EMPTY_PAGE) {
        for (i = 0; i < 8; i++) {
            t_free_ptr(he, b[i]);
        }
        target = b[7];
        (void)t_alloc_ok(he, 1000, 1); /* something live elsewhere */
    } else {
        t_free_ptr(he, b[2]);
        t_free_ptr(he, b[5]);
        t_free_ptr(he, b[6]); /* list: 6 -> 5 -> 2 */
        target = where == LINK_HEAD ? b[6] : where == LINK_SECOND ? b[5] : b[2];
    }
    if (relative_live) {
        /* the in-page offset of live block 0, plus `value` */
        v = (uint32_t)(up(b[0]) - up(pg)) + value;
    }
    memcpy(&orig, target, sizeof orig);
    memcpy(target, &v, sizeof v);
    if (orig == v) {
        must_detect = false;
    }
    if (must_detect && slab_check(he->h)) {
        fail_msg("class %zu, link %d overwritten with 0x%08lx: slab_check "
                 "still true",
                 cls, where, (unsigned long)v);
    }
    drain_class(he, cls);
    if (must_detect && he->rec.kinds[SLAB_FAULT_CORRUPT_LINK] == 0) {
        fail_msg("class %zu, link %d overwritten with 0x%08lx: no "
                 "CORRUPT_LINK fault",
                 cls, where, (unsigned long)v);
    }
    assert_int_equal(he->rec.count, he->rec.kinds[SLAB_FAULT_CORRUPT_LINK]);
    assert_true(slab_check(he->h));
    check_consistent(he);
    /* and the heap goes on working */
    drain_class(he, cls);
    (void)t_alloc_ok(he, 5000, 1);
    check_consistent(he);
}

static void test_corrupt_link_garbage(void **state)
{
    const uint32_t values[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x0000FFFFu,
                               0xFFFF0000u, 0x00010000u, 0x12345678u,
                               (uint32_t)SLAB_PAGE_SIZE, 0x00000001u};
    size_t i;
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        corrupt_case(ENV, 64, i % 2u ? LINK_SECOND : LINK_HEAD, values[i],
                     false);
    }
    finish(ENV);
}

static void test_corrupt_link_points_at_live(void **state)
{
    corrupt_case(ENV, 64, LINK_HEAD, 0, true);  /* live block's offset */
    corrupt_case(ENV, 64, LINK_HEAD, 16, true); /* inside it */
    corrupt_case(ENV, 64, LINK_SECOND, 0, true);
    corrupt_case(ENV, 64, LINK_HEAD, 0, false); /* zero */
    corrupt_case(ENV, 20, LINK_HEAD, 0, true);
    corrupt_case(ENV, 20, LINK_SECOND, 4, true);
    corrupt_case(ENV, 512, LINK_HEAD, 0, true);
    finish(ENV);
}

static void test_corrupt_link_unread_positions(void **state)
{
    corrupt_case(ENV, 64, LINK_LAST, 0xFFFFFFFFu, false);
    corrupt_case(ENV, 20, LINK_LAST, 0, true);
    corrupt_case(ENV, 64, LINK_EMPTY_PAGE, 0xFFFFFFFFu, false);
    corrupt_case(ENV, 16, LINK_EMPTY_PAGE, 0x00000000u, false);
    corrupt_case(ENV, 48, LINK_EMPTY_PAGE, 0x12345678u, false);
    corrupt_case(ENV, 512, LINK_SECOND, 0xFFFFFFFFu, false);
    finish(ENV);
}

/* Copy a genuine link into another free block: a cycle (or, with an
 * address-bound encoding, garbage). No block may be handed out twice. */
static void test_corrupt_link_cycle(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *b[8];
    uint32_t link, orig;
    size_t i;
    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char *)t_alloc_ok(he, 64, 1);
    }
    t_free_ptr(he, b[1]);
    t_free_ptr(he, b[3]);
    t_free_ptr(he, b[6]);
    t_free_ptr(he, b[7]); /* list: 7 -> 6 -> 3 -> 1 */
    memcpy(&link, b[7], sizeof link); /* "next is 6" */
    memcpy(&orig, b[3], sizeof orig);
    assert_true(link != orig);
    memcpy(b[3], &link, sizeof link); /* 7 -> 6 -> 3 -> 6 -> ... */
    assert_false(slab_check(he->h));
    drain_class(he, 64);
    assert_true(he->rec.kinds[SLAB_FAULT_CORRUPT_LINK] >= 1);
    assert_true(slab_check(he->h));
    check_consistent(he);
    /* a self loop */
    t_free_ptr(he, b[0]);
    t_free_ptr(he, b[4]);
    t_free_ptr(he, b[5]); /* 5 -> 4 -> 0 */
    memcpy(&link, b[5], sizeof link); /* "next is 4" */
    memcpy(b[4], &link, sizeof link); /* 4 -> 4 */
    assert_false(slab_check(he->h));
    drain_class(he, 64);
    assert_true(he->rec.kinds[SLAB_FAULT_CORRUPT_LINK] >= 2);
    assert_int_equal(he->rec.count, he->rec.kinds[SLAB_FAULT_CORRUPT_LINK]);
    assert_true(slab_check(he->h));
    finish(ENV);
}

/* ======================================================================== */
/* Several heaps                                                            */
/* ======================================================================== */

static void test_many_heaps_independent(void **state)
{
    heap_env *hs[12];
    size_t i, k;
    uint32_t seed = 777;
    for (i = 0; i < 12; i++) {
        hs[i] = env_heap_off(ENV, 32 * KIB + i * 16 * KIB + i * 13u, PAGE,
                             i * 24u);
    }
    for (k = 0; k < 4000; k++) {
        uint32_t r = xorshift32(&seed);
        heap_env *he = hs[r % 12u];
        if ((r >> 8) % 3u != 0 || he->n == 0) {
            size_t size = (r >> 12) % 9u == 0 ? (size_t)((r >> 4) % 9000u)
                                               : (size_t)((r >> 4) % 300u);
            (void)t_alloc(he, size, (size_t)1 << ((r >> 20) % 7u));
        } else {
            t_free(he, (size_t)((r >> 10) % he->n));
        }
    }
    /* a block of heap A freed into heap B: FOREIGN for B, A untouched */
    for (i = 0; i < 12; i++) {
        heap_env *a = hs[i], *b = hs[(i + 5u) % 12u];
        void *p;
        if (a->n == 0) {
            (void)t_alloc_ok(a, 32, 1);
        }
        p = a->live[0].p;
        snap_take(a);
        expect_free_refused(b, p, SLAB_FAULT_FOREIGN, SLAB_FAULT_FOREIGN);
        expect_free_sized_refused(b, p, 1, 1, SLAB_FAULT_FOREIGN,
                                  SLAB_FAULT_FOREIGN);
        assert_null(slab_realloc(b->h, p, 10, 1));
        assert_int_equal(b->rec.last_kind, SLAB_FAULT_FOREIGN);
        assert_int_equal(slab_usable_size(b->h, p), 0);
        snap_expect(a, 0, 0);
        assert_int_equal(a->rec.count, get_stats(a).fault_count);
    }
    for (i = 0; i < 12; i++) {
        check_consistent(hs[i]);
    }
    finish(ENV);
}

/* Two heaps back to back in one buffer. */
static void test_adjacent_heaps(void **state)
{
    heap_env *whole = env_arena(ENV, 2 * 128 * KIB, PAGE, 0);
    heap_env *a = env_borrow(ENV, whole->arena, 128 * KIB);
    heap_env *b = env_borrow(ENV, whole->arena + 128 * KIB, 128 * KIB);
    void *alast, *bfirst;
    env_attach(a, slab_init(a->arena, a->size));
    env_attach(b, slab_init(b->arena, b->size));
    assert_int_equal(t_fill(a, 64, 1), a->pages * (PAGE / 64));
    assert_int_equal(t_fill(b, 64, 1), b->pages * (PAGE / 64));
    alast = (void *)(uintptr_t)up(page_start(a, a->pages - 1u));
    bfirst = (void *)(uintptr_t)up(page_start(b, 0));
    assert_int_equal(slab_usable_size(a->h, alast), 64);
    expect_free_refused(b, alast, SLAB_FAULT_FOREIGN, SLAB_FAULT_FOREIGN);
    expect_free_refused(a, bfirst, SLAB_FAULT_FOREIGN, SLAB_FAULT_FOREIGN);
    expect_free_refused(a, b->h, SLAB_FAULT_FOREIGN, SLAB_FAULT_FOREIGN);
    expect_free_refused(b, a->h, SLAB_FAULT_FOREIGN, SLAB_FAULT_FOREIGN);
    t_free_all(a);
    assert_int_equal(t_fill(a, PAGE, 1), a->pages);
    check_consistent(a);
    check_consistent(b);
    finish(ENV);
}

/* ======================================================================== */
/* Random workload                                                          */
/* ======================================================================== */

static void test_random_workload(void **state)
{
    heap_env *he = env_heap_off(ENV, 512 * KIB, PAGE, 8);
    uint32_t seed = 0xC0FFEEu;
    size_t k, ooms = 0, allocs = 0;
    for (k = 0; k < 20000; k++) {
        uint32_t r = xorshift32(&seed);
        uint32_t op = r % 100u;
        uint32_t r2 = xorshift32(&seed);
        if (op < 55u || he->n == 0) {
            size_t size, align = 1;
            size_t lf = stat_largest_free(he);
            void *p;
            uint32_t z = r2 % 100u;
            if (z < 70u) {
                size = (size_t)(r2 >> 8) % 513u;
            } else if (z < 90u) {
                size = 513u + (size_t)(r2 >> 8) % (PAGE - 512u);
            } else {
                size = PAGE + (size_t)(r2 >> 8) % 40000u;
            }
            if ((r >> 8) % 5u == 0) {
                align = (size_t)1 << ((r >> 12) % 14u);
            }
            p = t_alloc(he, size, align);
            if (p == NULL) {
                ooms++;
            } else {
                allocs++;
                if (align == 1) {
                    assert_true(size <= lf);
                }
            }
        } else if (op < 85u) {
            t_free(he, (size_t)(r2 % he->n));
        } else if (op < 93u) {
            live_t l = he->live[r2 % he->n];
            (void)t_forget_ptr(he, l.p);
            slab_free_sized(he->h, l.p, l.req, 1);
            assert_int_equal(slab_usable_size(he->h, l.p), 0);
        } else {
            size_t size = (size_t)(r2 >> 8) % 6000u;
            (void)t_realloc(he, he->live[r2 % he->n].p, size, 1);
        }
        if (k % 1000u == 0) {
            check_consistent(he);
        }
    }
    print_message("random workload: %zu allocations, %zu refused, %zu live, "
                  "peak %zu bytes\n",
                  allocs, ooms, he->n, get_stats(he).bytes_peak);
    assert_true(ooms > 0);
    assert_int_equal(he->rec.count, 0);
    finish(ENV);
}

/* ======================================================================== */

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)


/* ======================================================================== */
/* slab_set_lock                                                            */

typedef struct lock_rec {
    int depth;     /* enter minus leave: must stay 0 or 1 */
    int max_depth;
    int enters;
    int leaves;
    int hook_depth; /* depth seen by the fault hook */
} lock_rec;

static void lock_enter(void *ctx)
{
    lock_rec *l = (lock_rec *)ctx;
    l->depth++;
    l->enters++;
    if (l->depth > l->max_depth) {
        l->max_depth = l->depth;
    }
}

static void lock_leave(void *ctx)
{
    lock_rec *l = (lock_rec *)ctx;
    l->depth--;
    l->leaves++;
}

static lock_rec *g_lock_for_hook;

static void depth_hook(void *ctx, slab_fault kind, const void *ptr)
{
    (void)ctx;
    (void)kind;
    (void)ptr;
    g_lock_for_hook->hook_depth = g_lock_for_hook->depth;
}

/* Every public operation takes the lock exactly once, never nested (so
 * realloc, which allocates and frees inside, does not lock again), and the
 * fault hook runs inside it. */
static void test_lock_hooks_once_per_operation(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    lock_rec l;
    slab_stats st;
    slab_page_info info;
    void *p;
    void *q;
    int ops = 0;
    memset(&l, 0, sizeof l);
    g_lock_for_hook = &l;

    slab_set_lock(he->h, lock_enter, lock_leave, &l);
    p = slab_alloc(he->h, 100, 8); ops++;
    assert_non_null(p);
    q = slab_realloc(he->h, p, 3000, 16); ops++;
    assert_non_null(q);
    assert_int_equal(slab_usable_size(he->h, q), 3072); ops++;
    assert_true(slab_check(he->h)); ops++;
    slab_get_stats(he->h, &st); ops++;
    assert_true(slab_get_page_info(he->h, 0, &info)); ops++;
    slab_set_fault_hook(he->h, depth_hook, NULL); ops++;
    slab_free(he->h, (char *)q + 1); ops++; /* refused: interior */
    assert_int_equal(l.hook_depth, 1);
    slab_free_sized(he->h, q, 3000, 16); ops++;
    assert_int_equal(l.enters, ops);
    assert_int_equal(l.leaves, ops);
    assert_int_equal(l.max_depth, 1);
    assert_int_equal(l.depth, 0);

    /* a NULL function removes locking altogether */
    slab_set_lock(he->h, lock_enter, NULL, &l);
    p = slab_alloc(he->h, 16, 1);
    assert_non_null(p);
    slab_free(he->h, p);
    assert_int_equal(l.enters, ops);
    assert_int_equal(l.leaves, ops);

    /* calls on a NULL heap take no lock and do nothing */
    slab_set_lock(NULL, lock_enter, lock_leave, &l);
    slab_get_stats(he->h, NULL);
    assert_int_equal(l.enters, ops);

    slab_set_fault_hook(he->h, rec_hook, &he->rec);
    he->rec.count = get_stats(he).fault_count;
    finish(ENV);
}

/* ======================================================================== */
/* Edges: every way into the code paths the other tests reach only one way */

/* One lock function without the other means no lock at all. */
static void test_lock_half_pair_is_no_lock(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    lock_rec l;
    memset(&l, 0, sizeof l);
    slab_set_lock(he->h, lock_enter, NULL, &l);
    (void)t_alloc_ok(he, 64, 1);
    slab_set_lock(he->h, NULL, lock_leave, &l);
    (void)t_alloc_ok(he, 64, 1);
    assert_int_equal(l.enters, 0);
    assert_int_equal(l.leaves, 0);
    finish(ENV);
}

/* Every alignment the fast path knows (1..16), and the next one, which it
 * hands to the general path, for small sizes on both sides of each class. */
static void test_alloc_small_alignments(void **state)
{
    static const size_t sizes[] = {1, 7, 8, 20, 24, 100, 1000, 1024};
    static const size_t aligns[] = {1, 2, 4, 8, 16, 32};
    heap_env *he = env_heap(ENV, 256 * KIB);
    size_t i, j;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (j = 0; j < sizeof aligns / sizeof aligns[0]; j++) {
            void *p = t_alloc_ok(he, sizes[i], aligns[j]);
            assert_int_equal(up(p) % aligns[j], 0);
            assert_int_equal(slab_usable_size(he->h, p),
                             expected_usable(sizes[i], aligns[j]));
        }
    }
    finish(ENV);
}

/* Each public entry that looks a pointer up (free, free_sized, realloc,
 * usable_size) sees each kind of page: a free page at a granule and off
 * it, a large block's first page off its start, and its tail pages. */
static void test_lookup_every_entry_every_page_kind(void **state)
{
    heap_env *he = env_heap(ENV, 256 * KIB);
    unsigned char *large = (unsigned char *)t_alloc_ok(he, 2 * PAGE, 1);
    unsigned char *freepg = (unsigned char *)page_start(he, find_free_page(he));
    struct { unsigned char *p; slab_fault kind; } cases[] = {
        {freepg, SLAB_FAULT_DOUBLE_FREE},
        {freepg + 32, SLAB_FAULT_DOUBLE_FREE},
        {freepg + 8, SLAB_FAULT_INTERIOR},
        {large + 8, SLAB_FAULT_INTERIOR},
        {large + PAGE, SLAB_FAULT_INTERIOR},
        {large + PAGE + 24, SLAB_FAULT_INTERIOR},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char *p = cases[i].p;
        expect_free_refused(he, p, cases[i].kind, cases[i].kind);
        expect_free_sized_refused(he, p, 1, 1, cases[i].kind, cases[i].kind);
        snap_take(he);
        assert_null(slab_realloc(he->h, p, 10, 1));
        assert_int_equal(he->rec.last_kind, cases[i].kind);
        assert_ptr_equal(he->rec.last_ptr, p);
        snap_expect(he, 0, 1);
        assert_int_equal(slab_usable_size(he->h, p), 0);
    }
    assert_int_equal(slab_usable_size(he->h, large), 2 * PAGE);
    assert_false(slab_get_page_info(he->h, 0, NULL));
    finish(ENV);
}

/* realloc of a one-granule block to a smaller size keeps it in place:
 * there is no smaller block to move to. */
static void test_realloc_smallest_block_stays(void **state)
{
    heap_env *he = env_heap(ENV, 64 * KIB);
    void *p = t_alloc_ok(he, 16, 1);
    size_t i = t_find(he, p);
    void *q = slab_realloc(he->h, p, 3, 1);
    assert_ptr_equal(q, p);
    assert_int_equal(slab_usable_size(he->h, q), 16);
    t_free(he, i);
    finish(ENV);
}

/* Every arena size over a range of a few pages, at two start offsets:
 * the header, the page table and the pages never overlap, lie inside the
 * arena, and as many pages as fit are used (the table is sized for the
 * pages, never more pages than entries). */
static void test_init_size_sweep(void **state)
{
    size_t offsets[] = {0, 16, 40};
    size_t k, size;
    heap_env *he = env_arena(ENV, 60 * PAGE, PAGE, 0);
    for (k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        unsigned char *arena = he->arena + offsets[k];
        /* 2..20 pages finely; then around 56 pages, where (64-bit) the
         * pages after a table of `fit` entries would have room for one
         * page more than the table has entries */
        for (size = 2 * PAGE; size <= 58 * PAGE;
             size += (size >= 20 * PAGE && size < 55 * PAGE) ? PAGE : 8) {
            slab_heap *h = slab_init(arena, size);
            slab_stats st;
            slab_page_info first, last;
            size_t used;
            assert_non_null(h);
            slab_get_stats(h, &st);
            assert_true(st.pages_total >= 1);
            assert_true(slab_get_page_info(h, 0, &first));
            assert_true(slab_get_page_info(h, st.pages_total - 1, &last));
            /* pages after the header and table, inside the arena */
            assert_true(up(first.start) > up(h));
            assert_int_equal(up(first.start) % PAGE, 0);
            assert_true(up(last.start) + PAGE <= up(arena) + size);
            /* one more page would not fit with its table entry */
            used = (size_t)(up(first.start) - up(arena));
            assert_true(used + st.pages_total * PAGE <= size);
            assert_true(used / st.pages_total <= 2 * PAGE);
            assert_true(slab_check(h));
            if (size % 1024 == 0 || size > 20 * PAGE) { /* all usable */
                void *big = slab_alloc(h, st.capacity, 1);
                assert_non_null(big);
                slab_free(h, big);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* configuration and names */
        T(test_config_class_table),
        T(test_fault_names),
        T(test_lock_hooks_once_per_operation),
        /* edges */
        T(test_lock_half_pair_is_no_lock),
        T(test_alloc_small_alignments),
        T(test_lookup_every_entry_every_page_kind),
        T(test_realloc_smallest_block_stays),
        T(test_init_size_sweep),
        /* slab_init */
        T(test_init_too_small_untouched),
        T(test_init_minimal_heap_works),
        T(test_init_null_and_wrapping_arena),
        T(test_init_layout_1mib),
        T(test_init_misaligned_arena),
        T(test_init_garbage_and_reinit),
        /* NULL and non-heaps */
        T(test_null_heap_everywhere),
        T(test_not_a_heap),
        /* slab_alloc */
        T(test_alloc_size_zero_unique),
        T(test_alloc_every_class_exact),
        T(test_alloc_class_choice_examples),
        T(test_alloc_class_oracle_all_sizes),
        T(test_alloc_alignment_sweep),
        T(test_alloc_alignment_beyond_arena),
        T(test_alloc_bad_align),
        T(test_alloc_huge_sizes),
        T(test_alloc_whole_capacity),
        T(test_alloc_mixed_disjoint),
        /* exhaustion and reuse */
        T(test_exhaust_class16),
        T(test_exhaust_class20_odd),
        T(test_exhaust_class_page),
        T(test_exhaust_large_runs),
        T(test_large_refused_only_without_run),
        T(test_oom_refusal_changes_nothing),
        T(test_oom_large_with_reserves_changes_nothing),
        /* memory flow between classes */
        T(test_flow_64_then_1024),
        T(test_flow_1024_then_64),
        T(test_flow_every_class_in_turn),
        T(test_reserve_at_most_one_page),
        T(test_reserve_taken_back),
        T(test_refusal_is_for_routed_class),
        /* slab_free misuse */
        T(test_free_null_is_noop),
        T(test_double_free_class_block),
        T(test_double_free_empty_pages),
        T(test_double_free_large),
        T(test_free_uncarved_block),
        T(test_free_interior_class),
        T(test_free_page_slack_is_interior),
        T(test_free_interior_large),
        T(test_free_foreign),
        T(test_fault_hook_management),
        /* slab_free_sized */
        T(test_free_sized_valid_layouts),
        T(test_free_sized_too_large),
        T(test_free_sized_misaligned_pointer),
        T(test_free_sized_bad_align),
        T(test_free_sized_misuse_kinds),
        /* slab_realloc */
        T(test_realloc_null_acts_as_alloc),
        T(test_realloc_grow_keeps_contents),
        T(test_realloc_shrink),
        T(test_realloc_alignment_change),
        T(test_realloc_oom_keeps_block),
        T(test_realloc_oom_changes_nothing),
        T(test_realloc_huge_and_bad_align),
        T(test_realloc_invalid_pointer),
        T(test_realloc_size_zero),
        /* slab_usable_size */
        T(test_usable_size_cases),
        /* stats, page info */
        T(test_stats_fresh),
        T(test_stats_accounting),
        T(test_largest_free),
        T(test_page_info_range_and_fresh),
        T(test_page_info_kinds),
        /* corrupted links */
        T(test_corrupt_link_garbage),
        T(test_corrupt_link_points_at_live),
        T(test_corrupt_link_unread_positions),
        T(test_corrupt_link_cycle),
        /* several heaps, random workload */
        T(test_many_heaps_independent),
        T(test_adjacent_heaps),
        T(test_random_workload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
