/*
 * test_util.h - helpers for tests/test_slab.c (host unit tests, cmocka).
 *
 * Included only by test_slab.c, after <cmocka.h> and "slab.h". Everything
 * is `static inline` so that an unused helper draws no warning.
 *
 * Pieces:
 *  - the class table of the configuration (from SLAB_CLASS_LIST) and an
 *    oracle for the usable size of a request (expected_usable);
 *  - a recording fault hook (hook_rec);
 *  - heap environments (heap_env) that own an arena, the heap in it and a
 *    tracker of live blocks: a shadow byte per arena byte proves that no two
 *    live blocks overlap, and every live block is filled with its own byte
 *    pattern that is verified before it is freed;
 *  - snapshots: stats plus a copy of every page, to prove that a refused
 *    call changed nothing but the refusal counters;
 *  - consistency checks tying slab_check, slab_get_stats, slab_page_info
 *    and the tracker together.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE ((size_t)SLAB_PAGE_SIZE)
#define KIB ((size_t)1024)
#define MIB ((size_t)1024 * 1024)
#define MAX_HEAPS 16
#define NKINDS 8

#define CLASS_ENTRY_(s) (size_t)(s),
static const size_t k_class[] = {SLAB_CLASS_LIST(CLASS_ENTRY_)};
#define NCLASS ((size_t)SLAB_NUM_CLASSES)

/* Page descriptions (slab_get_page_info), under short local names. */
typedef slab_page_info page_info_t;
#define page_info(h, i, out) slab_get_page_info((h), (i), (out))

/* ---- size classes ------------------------------------------------------- */

static inline bool is_pow2(size_t a) { return a != 0 && (a & (a - 1u)) == 0; }

/* Natural alignment of a class block: largest power of two dividing c. */
static inline size_t nat_align(size_t c) { return c & (~c + 1u); }

/* Index of the class with this block size, or NCLASS. */
static inline size_t class_index(size_t block)
{
    size_t i;
    for (i = 0; i < NCLASS; i++) {
        if (k_class[i] == block) {
            return i;
        }
    }
    return NCLASS;
}

static inline size_t round_pages(size_t size)
{
    return ((size + PAGE - 1u) / PAGE) * PAGE;
}

/* The usable size the design promises for a (size, align) request. */
static inline size_t expected_usable(size_t size, size_t align)
{
    size_t i;
    if (size == 0) {
        size = 1;
    }
    for (i = 0; i < NCLASS; i++) {
        if (k_class[i] >= size && nat_align(k_class[i]) >= align) {
            return k_class[i];
        }
    }
    return round_pages(size);
}

/* ---- recording fault hook ----------------------------------------------- */

typedef struct hook_rec {
    size_t count;
    size_t kinds[NKINDS];
    slab_fault last_kind;
    const void *last_ptr;
} hook_rec;

static inline void rec_hook(void *ctx, slab_fault kind, const void *ptr)
{
    hook_rec *r = (hook_rec *)ctx;
    r->count++;
    if ((unsigned)kind < NKINDS) {
        r->kinds[(unsigned)kind]++;
    }
    r->last_kind = kind;
    r->last_ptr = ptr;
}

/* ---- heap environments -------------------------------------------------- */

typedef struct live_t {
    unsigned char *p;
    size_t req;
    size_t usable;
    unsigned char tag;
} live_t;

typedef struct heap_env {
    unsigned char *buf; /* owned allocation (NULL if the arena is borrowed) */
    size_t buf_size;
    unsigned char *arena;
    size_t size;
    slab_heap *h;
    hook_rec rec;
    const unsigned char *first; /* start of page 0 */
    size_t pages;
    unsigned char *shadow; /* one byte per arena byte, 1 = in a live block */
    live_t *live;
    size_t n, cap;
    unsigned tagseq;
    unsigned char *snap_pages;
    size_t snap_len;
    slab_stats snap_st;
} heap_env;

typedef struct env_t {
    heap_env e[MAX_HEAPS];
    size_t n;
} env_t;

static inline int env_setup(void **state)
{
    env_t *env = (env_t *)calloc(1, sizeof *env);
    if (env == NULL) {
        return -1;
    }
    *state = env;
    return 0;
}

static inline int env_teardown(void **state)
{
    env_t *env = (env_t *)*state;
    size_t i;
    if (env == NULL) {
        return 0;
    }
    for (i = 0; i < env->n; i++) {
        free(env->e[i].buf);
        free(env->e[i].shadow);
        free(env->e[i].live);
        free(env->e[i].snap_pages);
    }
    free(env);
    *state = NULL;
    return 0;
}

static inline uintptr_t up(const void *p) { return (uintptr_t)p; }

/* An arena of `size` bytes at `offset` from a `base_align`-aligned base.
 * The arena ends exactly where the allocation ends, so AddressSanitizer
 * sees any access past its end. Filled with 0xA5 (the heap must not need
 * zeroed memory). */
static inline heap_env *env_arena(env_t *env, size_t size, size_t base_align,
                                  size_t offset)
{
    heap_env *he;
    void *buf = NULL;
    assert_true(env->n < MAX_HEAPS);
    he = &env->e[env->n++];
    memset(he, 0, sizeof *he);
    if (base_align < sizeof(void *)) {
        base_align = sizeof(void *);
    }
    assert_int_equal(posix_memalign(&buf, base_align, offset + size), 0);
    he->buf = (unsigned char *)buf;
    he->buf_size = offset + size;
    he->arena = he->buf + offset;
    he->size = size;
    memset(he->buf, 0xA5, he->buf_size);
    return he;
}

/* An environment for an arena the test owns elsewhere. */
static inline heap_env *env_borrow(env_t *env, unsigned char *arena,
                                   size_t size)
{
    heap_env *he;
    assert_true(env->n < MAX_HEAPS);
    he = &env->e[env->n++];
    memset(he, 0, sizeof *he);
    he->arena = arena;
    he->size = size;
    return he;
}

/* Adopt a heap made by slab_init on he's arena: check where it lies, set
 * the recording hook, make the tracker. */
static inline void env_attach(heap_env *he, slab_heap *h)
{
    slab_stats st;
    page_info_t pi;
    assert_non_null(h);
    he->h = h;
    assert_true(up(h) >= up(he->arena) && up(h) < up(he->arena) + he->size);
    assert_true(page_info(h, 0, &pi));
    he->first = (const unsigned char *)pi.start;
    assert_true(up(h) < up(he->first));
    slab_get_stats(h, &st);
    he->pages = st.pages_total;
    assert_true(he->pages >= 1);
    memset(&he->rec, 0, sizeof he->rec);
    slab_set_fault_hook(h, rec_hook, &he->rec);
    free(he->shadow);
    he->shadow = (unsigned char *)calloc(he->size, 1);
    assert_non_null(he->shadow);
    he->n = 0;
    assert_true(slab_check(h));
}

static inline heap_env *env_heap_off(env_t *env, size_t size,
                                     size_t base_align, size_t offset)
{
    heap_env *he = env_arena(env, size, base_align, offset);
    env_attach(he, slab_init(he->arena, he->size));
    return he;
}

/* The usual heap: `size` bytes, page aligned. */
static inline heap_env *env_heap(env_t *env, size_t size)
{
    return env_heap_off(env, size, PAGE, 0);
}

static inline bool in_arena(const heap_env *he, const void *p)
{
    return up(p) >= up(he->arena) && up(p) - up(he->arena) < he->size;
}

static inline size_t page_of(const heap_env *he, const void *p)
{
    return (size_t)((up(p) - up(he->first)) / PAGE);
}

static inline const unsigned char *page_start(const heap_env *he, size_t i)
{
    return he->first + i * PAGE;
}

static inline size_t stat_largest_free(const heap_env *he);

/* ---- tracker of live blocks --------------------------------------------- */

static inline void t_check_new(heap_env *he, const void *vp, size_t size,
                               size_t align)
{
    const unsigned char *p = (const unsigned char *)vp;
    size_t u, off, i;
    assert_non_null(p);
    assert_true(in_arena(he, p));
    /* inside the pages, not in the bookkeeping */
    assert_true(up(p) >= up(he->first));
    assert_true(up(p) - up(he->first) < he->pages * PAGE);
    if (is_pow2(align)) {
        assert_int_equal(up(p) & (align - 1u), 0);
    }
    u = slab_usable_size(he->h, p);
    assert_true(u >= (size == 0 ? 1u : size));
    off = (size_t)(up(p) - up(he->arena));
    assert_true(u <= he->size - off);
    assert_true(up(p) - up(he->first) + u <= he->pages * PAGE);
    for (i = 0; i < u; i++) {
        if (he->shadow[off + i] != 0) {
            print_message("block %p (+%zu, usable %zu) overlaps a live block "
                          "at byte %zu\n",
                          vp, off, u, i);
            fail();
        }
    }
}

static inline void t_add(heap_env *he, void *vp, size_t req)
{
    unsigned char *p = (unsigned char *)vp;
    live_t *l;
    size_t off = (size_t)(up(p) - up(he->arena));
    size_t u = slab_usable_size(he->h, p);
    if (he->n == he->cap) {
        size_t nc = he->cap ? he->cap * 2u : 256u;
        live_t *nl = (live_t *)realloc(he->live, nc * sizeof *nl);
        assert_non_null(nl);
        he->live = nl;
        he->cap = nc;
    }
    l = &he->live[he->n++];
    l->p = p;
    l->req = req;
    l->usable = u;
    he->tagseq++;
    l->tag = (unsigned char)((he->tagseq * 37u + 11u) & 0xFFu);
    if (l->tag == 0 || l->tag == 0xA5) {
        l->tag = 0x3C;
    }
    memset(he->shadow + off, 1, u);
    memset(p, l->tag, u);
}

/* slab_alloc through the tracker: NULL, or a checked and recorded block. */
static inline void *t_alloc(heap_env *he, size_t size, size_t align)
{
    void *p = slab_alloc(he->h, size, align);
    if (p == NULL) {
        return NULL;
    }
    t_check_new(he, p, size, align);
    t_add(he, p, size);
    return p;
}

static inline void *t_alloc_ok(heap_env *he, size_t size, size_t align)
{
    void *p = t_alloc(he, size, align);
    if (p == NULL) {
        fail_msg("slab_alloc(%zu, %zu) returned NULL (largest_free %zu)",
                 size, align, stat_largest_free(he));
    }
    return p;
}

static inline void t_verify(const heap_env *he, size_t i)
{
    const live_t *l = &he->live[i];
    size_t k;
    for (k = 0; k < l->usable; k++) {
        if (l->p[k] != l->tag) {
            print_message("live block %p (usable %zu): byte %zu is 0x%02x, "
                          "expected 0x%02x\n",
                          (void *)l->p, l->usable, k, (unsigned)l->p[k],
                          (unsigned)l->tag);
            fail();
        }
    }
    assert_int_equal(slab_usable_size(he->h, l->p), l->usable);
}

static inline void t_verify_all(const heap_env *he)
{
    size_t i;
    for (i = 0; i < he->n; i++) {
        t_verify(he, i);
    }
}

static inline size_t t_find(const heap_env *he, const void *p)
{
    size_t i;
    for (i = 0; i < he->n; i++) {
        if (he->live[i].p == (const unsigned char *)p) {
            return i;
        }
    }
    fail_msg("pointer %p is not tracked", p);
    return 0;
}

/* Drop block i from the tracker without looking at its contents. */
static inline void *t_untrack(heap_env *he, size_t i)
{
    live_t l;
    size_t off;
    assert_true(i < he->n);
    l = he->live[i];
    off = (size_t)(up(l.p) - up(he->arena));
    memset(he->shadow + off, 0, l.usable);
    he->live[i] = he->live[he->n - 1u];
    he->n--;
    return l.p;
}

/* Drop block i from the tracker (pattern verified) without freeing it. */
static inline void *t_forget(heap_env *he, size_t i)
{
    assert_true(i < he->n);
    t_verify(he, i);
    return t_untrack(he, i);
}

/* Index of some page in the pool, or fail. */
static inline size_t find_free_page(const heap_env *he)
{
    size_t i;
    for (i = he->pages; i-- > 0;) {
        page_info_t pi;
        assert_true(page_info(he->h, i, &pi));
        if (pi.kind == SLAB_PAGE_FREE) {
            return i;
        }
    }
    fail_msg("no free page");
    return 0;
}

static inline void t_free(heap_env *he, size_t i)
{
    size_t faults = he->rec.count;
    void *p = t_forget(he, i);
    slab_free(he->h, p);
    assert_int_equal(he->rec.count, faults);
    assert_int_equal(slab_usable_size(he->h, p), 0);
}

static inline void t_free_ptr(heap_env *he, void *p)
{
    t_free(he, t_find(he, p));
}

static inline void *t_forget_ptr(heap_env *he, void *p)
{
    return t_forget(he, t_find(he, p));
}

static inline void t_free_all(heap_env *he)
{
    while (he->n > 0) {
        t_free(he, he->n - 1u);
    }
}

/* Allocate (size, align) until the heap refuses; returns the count. */
static inline size_t t_fill(heap_env *he, size_t size, size_t align)
{
    size_t n = 0;
    while (t_alloc(he, size, align) != NULL) {
        n++;
    }
    return n;
}

static inline size_t t_bytes(const heap_env *he)
{
    size_t i, s = 0;
    for (i = 0; i < he->n; i++) {
        s += he->live[i].usable;
    }
    return s;
}

/* ---- snapshots ---------------------------------------------------------- */

static inline void snap_take(heap_env *he)
{
    size_t len;
    slab_get_stats(he->h, &he->snap_st);
    len = he->snap_st.pages_total * PAGE;
    if (he->snap_pages == NULL || he->snap_len != len) {
        free(he->snap_pages);
        he->snap_pages = (unsigned char *)malloc(len);
        assert_non_null(he->snap_pages);
        he->snap_len = len;
    }
    memcpy(he->snap_pages, he->first, len);
}

static inline void stats_equal_but_counters(const slab_stats *a,
                                            const slab_stats *b)
{
    size_t i;
    assert_int_equal(a->capacity, b->capacity);
    assert_int_equal(a->page_size, b->page_size);
    assert_int_equal(a->pages_total, b->pages_total);
    assert_int_equal(a->pages_free, b->pages_free);
    assert_int_equal(a->pages_large, b->pages_large);
    assert_int_equal(a->bytes_used, b->bytes_used);
    assert_int_equal(a->bytes_peak, b->bytes_peak);
    assert_int_equal(a->largest_free, b->largest_free);
    assert_int_equal(a->blocks_used, b->blocks_used);
    for (i = 0; i < NCLASS; i++) {
        assert_int_equal(a->classes[i].block_size, b->classes[i].block_size);
        assert_int_equal(a->classes[i].pages, b->classes[i].pages);
        assert_int_equal(a->classes[i].blocks_used, b->classes[i].blocks_used);
        assert_int_equal(a->classes[i].blocks_free, b->classes[i].blocks_free);
    }
}

/* Since snap_take: nothing changed but oom_count (+d_oom) and fault_count
 * (+d_fault); every page byte-identical. */
static inline void snap_expect(heap_env *he, size_t d_oom, size_t d_fault)
{
    slab_stats now;
    size_t i;
    slab_get_stats(he->h, &now);
    assert_int_equal(now.oom_count, he->snap_st.oom_count + d_oom);
    assert_int_equal(now.fault_count, he->snap_st.fault_count + d_fault);
    stats_equal_but_counters(&now, &he->snap_st);
    for (i = 0; i < he->snap_len; i++) {
        if (he->snap_pages[i] != he->first[i]) {
            print_message("page byte %zu (page %zu, offset %zu) changed by a "
                          "refused call: 0x%02x -> 0x%02x\n",
                          i, i / PAGE, i % PAGE, (unsigned)he->snap_pages[i],
                          (unsigned)he->first[i]);
            fail();
        }
    }
    assert_true(slab_check(he->h));
}

/* ---- consistency -------------------------------------------------------- */

/* slab_check, stats identities, page_info aggregates and the tracker all
 * agree; live blocks still hold their patterns. */
static inline void check_consistent(heap_env *he)
{
    slab_stats st;
    size_t i, pages_class = 0, nlarge = 0, tails = 0, used_small = 0;
    size_t cls_pages[SLAB_NUM_CLASSES];
    size_t cls_used[SLAB_NUM_CLASSES];
    size_t cls_free[SLAB_NUM_CLASSES];
    size_t nfree_pages = 0;
    size_t large_left = 0;

    assert_true(slab_check(he->h));
    slab_get_stats(he->h, &st);
    assert_int_equal(st.page_size, PAGE);
    assert_int_equal(st.pages_total, he->pages);
    assert_int_equal(st.capacity, st.pages_total * PAGE);
    assert_int_equal(st.bytes_used, t_bytes(he));
    assert_int_equal(st.blocks_used, he->n);
    assert_true(st.bytes_peak >= st.bytes_used);
    assert_true(st.largest_free <= st.capacity);
    assert_int_equal(st.fault_count, he->rec.count);

    memset(cls_pages, 0, sizeof cls_pages);
    memset(cls_used, 0, sizeof cls_used);
    memset(cls_free, 0, sizeof cls_free);
    for (i = 0; i < st.pages_total; i++) {
        page_info_t pi;
        size_t c;
        assert_true(page_info(he->h, i, &pi));
        assert_ptr_equal(pi.start, page_start(he, i));
        switch (pi.kind) {
        case SLAB_PAGE_FREE:
            assert_int_equal(large_left, 0);
            nfree_pages++;
            break;
        case SLAB_PAGE_CLASS:
            assert_int_equal(large_left, 0);
            c = class_index(pi.block_size);
            assert_true(c < NCLASS);
            assert_int_equal(pi.blocks_used + pi.blocks_free,
                             PAGE / pi.block_size);
            cls_pages[c]++;
            cls_used[c] += pi.blocks_used;
            cls_free[c] += pi.blocks_free;
            pages_class++;
            break;
        case SLAB_PAGE_LARGE:
            assert_int_equal(large_left, 0);
            assert_true(pi.block_size >= PAGE);
            assert_int_equal(pi.block_size % PAGE, 0);
            assert_int_equal(pi.blocks_used, 1);
            nlarge++;
            large_left = pi.block_size / PAGE - 1u;
            assert_true(i + large_left < st.pages_total);
            break;
        case SLAB_PAGE_LARGE_TAIL:
            assert_true(large_left > 0);
            large_left--;
            tails++;
            break;
        default:
            fail_msg("page %zu has kind %d", i, (int)pi.kind);
        }
    }
    assert_int_equal(large_left, 0);
    assert_int_equal(st.pages_free, nfree_pages);
    assert_int_equal(st.pages_large, nlarge + tails);
    assert_int_equal(st.pages_free + st.pages_large + pages_class,
                     st.pages_total);
    for (i = 0; i < NCLASS; i++) {
        assert_int_equal(st.classes[i].block_size, k_class[i]);
        assert_int_equal(st.classes[i].pages, cls_pages[i]);
        assert_int_equal(st.classes[i].blocks_used, cls_used[i]);
        assert_int_equal(st.classes[i].blocks_free, cls_free[i]);
        assert_int_equal(st.classes[i].blocks_used + st.classes[i].blocks_free,
                         st.classes[i].pages * (PAGE / k_class[i]));
        used_small += st.classes[i].blocks_used;
    }
    assert_int_equal(st.blocks_used, used_small + nlarge);
    t_verify_all(he);
}

/* End of every test: each heap consistent, bytes before the arena intact;
 * then free everything and check again. */
static inline void finish(env_t *env)
{
    size_t k;
    for (k = 0; k < env->n; k++) {
        heap_env *he = &env->e[k];
        slab_stats st;
        if (he->h == NULL) {
            continue;
        }
        check_consistent(he);
        if (he->buf != NULL) {
            size_t i;
            for (i = 0; i < (size_t)(up(he->arena) - up(he->buf)); i++) {
                assert_int_equal(he->buf[i], 0xA5);
            }
        }
        t_free_all(he);
        check_consistent(he);
        slab_get_stats(he->h, &st);
        assert_int_equal(st.bytes_used, 0);
        assert_int_equal(st.blocks_used, 0);
        assert_int_equal(st.pages_large, 0);
        assert_true(slab_check(he->h));
    }
}

/* ---- expectations on refused calls -------------------------------------- */

static inline bool kind_in(slab_fault k, slab_fault a, slab_fault b)
{
    return k == a || k == b;
}

/* slab_free(h, p) must be refused with one fault of kind a (or b), reported
 * with p, and change nothing else. */
static inline void expect_free_refused(heap_env *he, void *p, slab_fault a,
                                       slab_fault b)
{
    size_t c = he->rec.count;
    snap_take(he);
    slab_free(he->h, p);
    assert_int_equal(he->rec.count, c + 1u);
    if (!kind_in(he->rec.last_kind, a, b)) {
        fail_msg("slab_free(%p): fault %d (%s), expected %d or %d", p,
                 (int)he->rec.last_kind, slab_fault_name(he->rec.last_kind),
                 (int)a, (int)b);
    }
    assert_ptr_equal(he->rec.last_ptr, p);
    snap_expect(he, 0, 1);
}

static inline void expect_free_sized_refused(heap_env *he, void *p,
                                             size_t size, size_t align,
                                             slab_fault a, slab_fault b)
{
    size_t c = he->rec.count;
    snap_take(he);
    slab_free_sized(he->h, p, size, align);
    assert_int_equal(he->rec.count, c + 1u);
    if (!kind_in(he->rec.last_kind, a, b)) {
        fail_msg("slab_free_sized(%p, %zu, %zu): fault %d (%s), expected %d "
                 "or %d",
                 p, size, align, (int)he->rec.last_kind,
                 slab_fault_name(he->rec.last_kind), (int)a, (int)b);
    }
    assert_ptr_equal(he->rec.last_ptr, p);
    snap_expect(he, 0, 1);
}

/* slab_alloc(size, align) must return NULL and count one refusal (oom) or
 * one BAD_ALIGN fault, changing nothing else. */
static inline void expect_alloc_oom(heap_env *he, size_t size, size_t align)
{
    size_t c = he->rec.count;
    snap_take(he);
    if (slab_alloc(he->h, size, align) != NULL) {
        fail_msg("slab_alloc(%zu, %zu) should have been refused", size, align);
    }
    assert_int_equal(he->rec.count, c);
    snap_expect(he, 1, 0);
}

static inline void expect_alloc_bad_align(heap_env *he, size_t size,
                                          size_t align)
{
    size_t c = he->rec.count;
    snap_take(he);
    if (slab_alloc(he->h, size, align) != NULL) {
        fail_msg("slab_alloc(%zu, %zu) should have been refused", size, align);
    }
    assert_int_equal(he->rec.count, c + 1u);
    assert_int_equal(he->rec.last_kind, SLAB_FAULT_BAD_ALIGN);
    assert_null(he->rec.last_ptr);
    snap_expect(he, 0, 1);
}

/* ---- misc --------------------------------------------------------------- */

static inline uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static inline size_t stat_largest_free(const heap_env *he)
{
    slab_stats st;
    slab_get_stats(he->h, &st);
    return st.largest_free;
}

static inline slab_stats get_stats(const heap_env *he)
{
    slab_stats st;
    slab_get_stats(he->h, &st);
    return st;
}

#endif /* TEST_UTIL_H */
