/*
 * test_target.c - the slab heap's unit tests, run on the target.
 *
 * A representative subset of tests/test_slab.c for bare-metal targets, where
 * cmocka is not available: a tiny harness (CHECK, per-test counts, one
 * "N passed, N failed" line) and the same kind of tracker the host tests
 * use: every block handed out is checked (inside the heap's pages, aligned,
 * large enough, the size the class oracle predicts, overlapping no live
 * block - a shadow bit per arena byte), filled with its own pattern that is
 * verified before it is freed; every refused call is checked to change
 * nothing but the refusal counters (stats and a byte copy of all pages);
 * every test ends with slab_check and the agreement of stats, page info and
 * the tracker, frees everything and checks again.
 *
 * Built for the Cortex-M QEMU boards with newlib + semihosting (printf,
 * exit status), and for RV32 with a freestanding runtime
 * (tests/target/riscv/rt.h, -DTARGET_FREESTANDING). main() returns 0 when
 * every test passed, 1 otherwise; the startup code makes that the
 * emulator's exit status.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef TARGET_FREESTANDING
#include "rt.h"
#else
#include <stdio.h>
#include <string.h>
#endif

#include "slab.h"

/* ======================================================================== */
/* Target description                                                       */
/* ======================================================================== */

#if defined(__ARM_ARCH_7EM__)
#define TARGET_NAME "Cortex-M4 (ARMv7E-M)"
#elif defined(__ARM_ARCH_7M__)
#define TARGET_NAME "Cortex-M3 (ARMv7-M)"
#elif defined(__ARM_ARCH_6M__)
#define TARGET_NAME "Cortex-M0 (ARMv6-M)"
#elif defined(__riscv) && __riscv_xlen == 32
#define TARGET_NAME "RV32"
#elif defined(__riscv)
#define TARGET_NAME "RV64"
#else
#define TARGET_NAME "unknown target"
#endif

/* An address where nothing is mapped: reading it faults (the startup code
 * reports the fault and stops the run), so the foreign-pointer tests also
 * prove that a refused pointer is never dereferenced. */
#if defined(__arm__)
#define UNMAPPED_ADDR 0x30000000u /* mps2: between PSRAM and peripherals */
#elif defined(__riscv)
#define UNMAPPED_ADDR 0x28000000u /* virt: between flash1 and PCIe ECAM */
#else
#define UNMAPPED_ADDR 0x10u
#endif

/* ======================================================================== */
/* Harness                                                                  */
/* ======================================================================== */

static const char *g_test;        /* running test */
static unsigned long g_checks;    /* all checks run */
static unsigned long g_test_bad;  /* failed checks in the running test */

static bool check_(bool ok, const char *what, int line)
{
    g_checks++;
    if (!ok) {
        if (g_test_bad < 8) {
            printf("  FAIL %s, line %d: %s\n", g_test, line, what);
        }
        g_test_bad++;
    }
    return ok;
}

static bool check_eq_(size_t a, size_t b, const char *what, int line)
{
    bool ok = check_(a == b, what, line);
    if (!ok && g_test_bad <= 8) {
        printf("       %lu != %lu\n", (unsigned long)a, (unsigned long)b);
    }
    return ok;
}

#define CHECK(cond) check_((cond) ? true : false, #cond, __LINE__)
#define CHECK_EQ(a, b) check_eq_((size_t)(a), (size_t)(b), #a " == " #b, __LINE__)

/* ======================================================================== */
/* Configuration-derived constants and the class oracle                     */
/* ======================================================================== */

#define PAGE ((size_t)SLAB_PAGE_SIZE)
#define KIB ((size_t)1024)
#define ARENA_BYTES (64u * 1024u)
#define ARENA2_BYTES (16u * 1024u)
#define MAX_LIVE 4096u
#define NKINDS 8u

#define CLASS_ENTRY_(s) (size_t)(s),
static const size_t k_class[] = {SLAB_CLASS_LIST(CLASS_ENTRY_)};
#define NCLASS (sizeof k_class / sizeof k_class[0])
#define MAX_CLASS (k_class[NCLASS - 1u])

static uintptr_t up(const void *p)
{
    return (uintptr_t)p;
}

static size_t nat_align(size_t c)
{
    return c & (~c + 1u);
}

static size_t round_pages(size_t size)
{
    return (size + PAGE - 1u) / PAGE * PAGE;
}

/* The usable size slab.h promises for (size, align). */
static size_t expected_usable(size_t size, size_t align)
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

static size_t class_index(size_t cls)
{
    size_t i;
    for (i = 0; i < NCLASS; i++) {
        if (k_class[i] == cls) {
            return i;
        }
    }
    return 0;
}

/* ======================================================================== */
/* The environment: arena, heap, fault recorder, tracker, snapshots         */
/* ======================================================================== */

/* C99 has no _Alignas; the unions give uint64_t alignment and the extra
 * page lets the arena start on a page boundary, wherever .bss put it. */
static union {
    uint64_t align;
    unsigned char bytes[ARENA_BYTES + SLAB_PAGE_SIZE];
} g_buf, g_snap_buf;

static union {
    uint64_t align;
    unsigned char bytes[ARENA2_BYTES];
} g_buf2;

typedef struct hook_rec {
    size_t count;
    size_t kinds[NKINDS];
    slab_fault last_kind;
    const void *last_ptr;
} hook_rec;

typedef struct live_block {
    unsigned char *p;
    size_t size;
    size_t usable;
    unsigned char tag;
} live_block;

static struct env {
    unsigned char *arena;   /* page-aligned start of the ARENA_BYTES arena */
    slab_heap *h;
    unsigned char *first;   /* first page */
    size_t pages;
    hook_rec rec;
    live_block live[MAX_LIVE];
    size_t n;
    unsigned char next_tag;
    slab_stats snap_st;
} E;

/* One bit per arena byte: set while a live block covers the byte. */
static unsigned char g_shadow[ARENA_BYTES / 8u];

static void rec_hook(void *ctx, slab_fault kind, const void *ptr)
{
    hook_rec *r = (hook_rec *)ctx;
    r->count++;
    if ((unsigned)kind < NKINDS) {
        r->kinds[kind]++;
    }
    r->last_kind = kind;
    r->last_ptr = ptr;
}

static slab_stats get_stats(void)
{
    slab_stats st;
    slab_get_stats(E.h, &st);
    return st;
}

static unsigned char *arena_base(void)
{
    uintptr_t b = up(g_buf.bytes);
    return g_buf.bytes + (PAGE - b % PAGE) % PAGE;
}

/* A fresh heap over the whole arena, filled with garbage first. */
static void heap_fresh(void)
{
    slab_page_info pi;
    slab_stats st;
    E.arena = arena_base();
    memset(E.arena, 0xA5, ARENA_BYTES);
    memset(g_shadow, 0, sizeof g_shadow);
    memset(&E.rec, 0, sizeof E.rec);
    E.n = 0;
    E.h = slab_init(E.arena, ARENA_BYTES);
    E.first = NULL;
    E.pages = 0;
    if (!CHECK(E.h != NULL)) {
        return;
    }
    slab_set_fault_hook(E.h, rec_hook, &E.rec);
    if (CHECK(slab_get_page_info(E.h, 0, &pi))) {
        E.first = (unsigned char *)(uintptr_t)up(pi.start);
    }
    slab_get_stats(E.h, &st);
    E.pages = st.pages_total;
}

static bool in_pages(const void *p, size_t n)
{
    uintptr_t a = up(p), lo = up(E.first), hi = lo + E.pages * PAGE;
    return a >= lo && a <= hi && n <= hi - a;
}

/* Mark (or clear) the shadow bits of [p, p + n); false if marking finds a
 * byte that a live block already covers. */
static bool shadow_set(const unsigned char *p, size_t n, bool set)
{
    size_t off = (size_t)(up(p) - up(E.arena)), i;
    bool clean = true;
    for (i = off; i < off + n; i++) {
        unsigned char bit = (unsigned char)(1u << (i % 8u));
        if (set) {
            if (g_shadow[i / 8u] & bit) {
                clean = false;
            }
            g_shadow[i / 8u] = (unsigned char)(g_shadow[i / 8u] | bit);
        } else {
            g_shadow[i / 8u] = (unsigned char)(g_shadow[i / 8u] & ~bit);
        }
    }
    return clean;
}

/* What slab.h promises about a block just handed out. */
static bool t_check_new(const void *p, size_t size, size_t align)
{
    size_t u;
    if (!CHECK(p != NULL)) {
        return false;
    }
    u = slab_usable_size(E.h, p);
    return CHECK(in_pages(p, u)) && CHECK(up(p) % align == 0) &&
           CHECK(u >= size) && CHECK(size != 0 || u >= 1);
}

static void t_add(void *p, size_t size)
{
    live_block *b;
    size_t u = slab_usable_size(E.h, p);
    if (!CHECK(E.n < MAX_LIVE) || !CHECK(in_pages(p, u))) {
        return;
    }
    CHECK(shadow_set((unsigned char *)p, u, true)); /* overlaps no block */
    b = &E.live[E.n++];
    b->p = (unsigned char *)p;
    b->size = size;
    b->usable = u;
    b->tag = (unsigned char)(++E.next_tag | 1u);
    memset(p, b->tag, u); /* every usable byte may be written */
}

static void *t_alloc(size_t size, size_t align)
{
    void *p = slab_alloc(E.h, size, align);
    if (p != NULL && t_check_new(p, size, align)) {
        CHECK_EQ(slab_usable_size(E.h, p), expected_usable(size, align));
        t_add(p, size);
    }
    return p;
}

static void *t_alloc_ok(size_t size, size_t align)
{
    void *p = t_alloc(size, align);
    if (!CHECK(p != NULL)) {
        printf("       slab_alloc(%lu, %lu) gave NULL\n",
               (unsigned long)size, (unsigned long)align);
    }
    return p;
}

static bool t_verify(size_t i)
{
    const live_block *b = &E.live[i];
    size_t k;
    for (k = 0; k < b->usable; k++) {
        if (b->p[k] != b->tag) {
            return CHECK(!"block contents intact");
        }
    }
    return true;
}

static void t_verify_all(void)
{
    size_t i;
    for (i = 0; i < E.n; i++) {
        t_verify(i);
    }
}

static size_t t_find(const void *p)
{
    size_t i;
    for (i = 0; i < E.n; i++) {
        if (E.live[i].p == p) {
            return i;
        }
    }
    CHECK(!"pointer is tracked");
    return 0;
}

/* Forget block i (the heap has freed it or will). */
static void t_untrack(size_t i)
{
    shadow_set(E.live[i].p, E.live[i].usable, false);
    E.live[i] = E.live[--E.n];
}

static void t_free(size_t i)
{
    size_t faults = E.rec.count;
    unsigned char *p = E.live[i].p;
    t_verify(i);
    t_untrack(i);
    slab_free(E.h, p);
    CHECK_EQ(E.rec.count, faults);
    CHECK_EQ(slab_usable_size(E.h, p), 0);
}

static void t_free_ptr(const void *p)
{
    if (E.n > 0) {
        t_free(t_find(p));
    }
}

static void t_free_all(void)
{
    while (E.n > 0) {
        t_free(E.n - 1u);
    }
}

/* Allocate (size, align) until the heap refuses; returns how many. */
static size_t t_fill(size_t size, size_t align)
{
    size_t n = 0;
    while (E.n < MAX_LIVE && t_alloc(size, align) != NULL) {
        n++;
    }
    return n;
}

/* slab_check, and stats, page info and the tracker agree. */
static void check_consistent(void)
{
    slab_stats st = get_stats();
    slab_page_info pi;
    size_t i, used = 0, class_blocks = 0, class_pages = 0;
    size_t n_free = 0, n_large = 0, n_tail = 0, n_class = 0, large_pages = 0;
    CHECK(slab_check(E.h));
    for (i = 0; i < E.n; i++) {
        used += E.live[i].usable;
    }
    CHECK_EQ(st.blocks_used, E.n);
    CHECK_EQ(st.bytes_used, used);
    CHECK(st.bytes_peak >= st.bytes_used);
    CHECK_EQ(st.fault_count, E.rec.count);
    CHECK_EQ(st.pages_total, E.pages);
    CHECK_EQ(st.capacity, E.pages * PAGE);
    CHECK_EQ(st.page_size, PAGE);
    CHECK(st.largest_free <= st.capacity);
    for (i = 0; i < NCLASS; i++) {
        CHECK_EQ(st.classes[i].block_size, k_class[i]);
        class_blocks += st.classes[i].blocks_used;
        class_pages += st.classes[i].pages;
    }
    for (i = 0; i < E.pages; i++) {
        if (!CHECK(slab_get_page_info(E.h, i, &pi))) {
            break;
        }
        CHECK(pi.start == E.first + i * PAGE);
        switch (pi.kind) {
        case SLAB_PAGE_FREE: n_free++; break;
        case SLAB_PAGE_CLASS: n_class++; break;
        case SLAB_PAGE_LARGE:
            n_large++;
            large_pages += round_pages(pi.block_size) / PAGE;
            break;
        case SLAB_PAGE_LARGE_TAIL: n_tail++; break;
        default: CHECK(!"known page kind"); break;
        }
    }
    CHECK(!slab_get_page_info(E.h, E.pages, &pi));
    CHECK_EQ(n_free, st.pages_free);
    CHECK_EQ(n_class, class_pages);
    CHECK_EQ(n_large + n_tail, st.pages_large);
    CHECK_EQ(large_pages, st.pages_large);
    CHECK_EQ(class_blocks + n_large, st.blocks_used);
    CHECK_EQ(st.pages_free + st.pages_large + class_pages, st.pages_total);
}

/* Every test ends here: consistent, free everything, consistent, empty. */
static void finish(void)
{
    slab_stats st;
    if (E.h == NULL) {
        return;
    }
    t_verify_all();
    check_consistent();
    t_free_all();
    check_consistent();
    st = get_stats();
    CHECK_EQ(st.blocks_used, 0);
    CHECK_EQ(st.bytes_used, 0);
    CHECK_EQ(st.pages_large, 0);
}

/* ---- snapshots: a refused call changes nothing but its counter ---------- */

static void snap_take(void)
{
    E.snap_st = get_stats();
    memcpy(g_snap_buf.bytes, E.first, E.pages * PAGE);
}

static void snap_expect(size_t d_oom, size_t d_fault)
{
    slab_stats st = get_stats();
    CHECK_EQ(st.oom_count, E.snap_st.oom_count + d_oom);
    CHECK_EQ(st.fault_count, E.snap_st.fault_count + d_fault);
    st.oom_count = E.snap_st.oom_count;
    st.fault_count = E.snap_st.fault_count;
    CHECK(memcmp(&st, &E.snap_st, sizeof st) == 0);
    CHECK(memcmp(g_snap_buf.bytes, E.first, E.pages * PAGE) == 0);
}

static void expect_fault(size_t before, slab_fault kind, const void *p)
{
    CHECK_EQ(E.rec.count, before + 1u);
    if (!CHECK_EQ(E.rec.last_kind, kind)) {
        printf("       got %s, expected %s\n", slab_fault_name(E.rec.last_kind),
               slab_fault_name(kind));
    }
    CHECK(E.rec.last_ptr == p);
}

static void expect_free_refused(void *p, slab_fault kind)
{
    size_t c = E.rec.count;
    snap_take();
    slab_free(E.h, p);
    snap_expect(0, 1);
    expect_fault(c, kind, p);
}

static void expect_free_sized_refused(void *p, size_t size, size_t align,
                                      slab_fault kind)
{
    size_t c = E.rec.count;
    snap_take();
    slab_free_sized(E.h, p, size, align);
    snap_expect(0, 1);
    expect_fault(c, kind, p);
}

static void expect_alloc_oom(size_t size, size_t align)
{
    size_t c = E.rec.count;
    snap_take();
    CHECK(slab_alloc(E.h, size, align) == NULL);
    snap_expect(1, 0);
    CHECK_EQ(E.rec.count, c);
}

static void expect_alloc_bad_align(size_t size, size_t align)
{
    size_t c = E.rec.count;
    snap_take();
    CHECK(slab_alloc(E.h, size, align) == NULL);
    snap_expect(0, 1);
    expect_fault(c, SLAB_FAULT_BAD_ALIGN, NULL);
}

static void free_sized_ok(void *p, size_t size, size_t align)
{
    size_t i = t_find(p), c = E.rec.count;
    t_verify(i);
    t_untrack(i);
    slab_free_sized(E.h, p, size, align);
    CHECK_EQ(E.rec.count, c);
    CHECK_EQ(slab_usable_size(E.h, p), 0);
}

/* ======================================================================== */
/* Tests                                                                    */
/* ======================================================================== */

static void test_fault_names(void)
{
    const slab_fault kinds[] = {
        SLAB_FAULT_NONE,    SLAB_FAULT_DOUBLE_FREE,  SLAB_FAULT_INTERIOR,
        SLAB_FAULT_FOREIGN, SLAB_FAULT_WRONG_LAYOUT, SLAB_FAULT_BAD_ALIGN,
        SLAB_FAULT_CORRUPT_LINK, SLAB_FAULT_CORRUPT_META};
    size_t n = sizeof kinds / sizeof kinds[0], i, j;
    for (i = 0; i < n; i++) {
        const char *a = slab_fault_name(kinds[i]);
        if (!CHECK(a != NULL) || !CHECK(a[0] != '\0')) {
            continue;
        }
        CHECK(a == slab_fault_name(kinds[i]));
        for (j = 0; j < i; j++) {
            CHECK(strcmp(a, slab_fault_name(kinds[j])) != 0);
        }
    }
    CHECK(slab_fault_name((slab_fault)99) != NULL);
}

/* slab_init: refusals touch nothing; sizes, layout, misaligned arenas. */
static void test_init(void)
{
    unsigned char *a = arena_base();
    const size_t small[] = {0, 1, 8, 64, 100, 1000, PAGE - 1u, PAGE,
                            PAGE + 1u, 2 * PAGE - 1u};
    size_t i;
    slab_heap *h;
    slab_stats st;
    slab_page_info pi;

    CHECK(slab_init(NULL, 0) == NULL);
    CHECK(slab_init(NULL, ARENA_BYTES) == NULL);
    CHECK(slab_init(NULL, SIZE_MAX) == NULL);
    /* wrapping arenas: refused before anything is touched */
    CHECK(slab_init((void *)(uintptr_t)(UINTPTR_MAX - 100u), 4096) == NULL);
    CHECK(slab_init((void *)(uintptr_t)(UINTPTR_MAX - 4095u), 2 * PAGE) ==
          NULL);
    CHECK(slab_init(a, SIZE_MAX) == NULL);
    CHECK(slab_init(a, (size_t)(UINTPTR_MAX - up(a)) + 1u) == NULL);

    /* too small for header + table + one page: refused, untouched */
    memset(a, 0x5A, 2 * PAGE);
    for (i = 0; i < sizeof small / sizeof small[0]; i++) {
        CHECK(slab_init(a, small[i]) == NULL);
    }
    for (i = 0; i < 2 * PAGE; i++) {
        if (a[i] != 0x5A) {
            CHECK(!"a refused slab_init wrote nothing");
            break;
        }
    }
    /* the smallest arena that works has one page */
    h = slab_init(a, 2 * PAGE);
    if (CHECK(h != NULL)) {
        slab_get_stats(h, &st);
        CHECK_EQ(st.pages_total, 1);
        CHECK_EQ(st.capacity, PAGE);
        CHECK(slab_check(h));
    }

    /* the test arena: header and table, then page-aligned pages */
    heap_fresh();
    if (E.h == NULL) {
        return;
    }
    st = get_stats();
    CHECK(up(E.h) >= up(E.arena));
    CHECK(up(E.first) % PAGE == 0);
    CHECK(up(E.first) > up(E.h));
    CHECK(up(E.first) + E.pages * PAGE <= up(E.arena) + ARENA_BYTES);
    CHECK(E.pages >= ARENA_BYTES / PAGE - 2u);
    CHECK_EQ(st.pages_free, st.pages_total);
    CHECK_EQ(st.largest_free, st.capacity);
    CHECK_EQ(st.bytes_used, 0);
    CHECK_EQ(st.bytes_peak, 0);
    CHECK_EQ(st.oom_count, 0);
    for (i = 0; i < E.pages; i++) {
        CHECK(slab_get_page_info(E.h, i, &pi) && pi.kind == SLAB_PAGE_FREE);
    }
    check_consistent();

    /* misaligned arena starts work and are aligned up */
    for (i = 1; i < 8; i += 2) {
        h = slab_init(a + i, ARENA_BYTES - i);
        if (CHECK(h != NULL)) {
            CHECK(up(h) >= up(a + i));
            CHECK(slab_get_page_info(h, 0, &pi) && up(pi.start) % PAGE == 0);
            CHECK(slab_check(h));
            CHECK(slab_alloc(h, 40, 8) != NULL);
        }
    }

    /* re-initialising an arena full of garbage gives a fresh heap */
    memset(a, 0xFF, ARENA_BYTES);
    heap_fresh();
    (void)t_alloc_ok(100, 1);
    (void)t_alloc_ok(3 * PAGE, 1);
    heap_fresh();
    CHECK_EQ(get_stats().blocks_used, 0);
    finish();
}

/* NULL heaps, and memory that is not a heap: nothing happens. */
static void test_null_and_not_a_heap(void)
{
    slab_stats st, zero;
    slab_page_info pi, pi0;
    unsigned char *buf = g_buf2.bytes;
    slab_heap *fake = (slab_heap *)(void *)buf;
    hook_rec other;
    size_t fill;
    void *p;

    heap_fresh();
    p = t_alloc_ok(100, 1);
    memset(&other, 0, sizeof other);
    memset(&zero, 0, sizeof zero);
    CHECK(slab_alloc(NULL, 16, 1) == NULL);
    CHECK(slab_realloc(NULL, NULL, 16, 1) == NULL);
    CHECK(slab_realloc(NULL, p, 16, 1) == NULL);
    slab_free(NULL, p);
    slab_free_sized(NULL, p, 100, 1);
    CHECK_EQ(slab_usable_size(NULL, p), 0);
    CHECK(!slab_check(NULL));
    memset(&st, 0xFF, sizeof st);
    slab_get_stats(NULL, &st);
    CHECK(memcmp(&st, &zero, sizeof st) == 0);
    memset(&pi, 0xCD, sizeof pi);
    pi0 = pi;
    CHECK(!slab_get_page_info(NULL, 0, &pi));
    CHECK(memcmp(&pi, &pi0, sizeof pi) == 0);
    slab_set_fault_hook(NULL, rec_hook, &other);
    slab_get_stats(E.h, NULL); /* no-op */
    CHECK_EQ(other.count, 0);
    CHECK_EQ(E.rec.count, 0);
    CHECK_EQ(slab_usable_size(E.h, p), 128);

    for (fill = 0; fill < 0x100; fill += 0x5A) {
        memset(buf, (int)fill, ARENA2_BYTES);
        CHECK(slab_alloc(fake, 16, 1) == NULL);
        CHECK(slab_alloc(fake, 9000, 1) == NULL);
        CHECK(slab_realloc(fake, buf + PAGE, 16, 1) == NULL);
        slab_free(fake, buf + PAGE);
        slab_free_sized(fake, buf + PAGE, 16, 1);
        CHECK_EQ(slab_usable_size(fake, buf + PAGE), 0);
        CHECK(!slab_check(fake));
        slab_get_stats(fake, &st);
        CHECK(memcmp(&st, &zero, sizeof st) == 0);
        CHECK(!slab_get_page_info(fake, 0, &pi));
        {
            size_t i;
            for (i = 0; i < ARENA2_BYTES; i++) {
                if (buf[i] != (unsigned char)fill) {
                    CHECK(!"nothing written to a non-heap");
                    break;
                }
            }
        }
    }
    finish();
}

/* Every class: exact size, one byte more, size 0; natural alignment. */
static void test_every_class(void)
{
    size_t i;
    slab_page_info pi;
    heap_fresh();
    for (i = 0; i < NCLASS; i++) {
        size_t c = k_class[i];
        unsigned char *p = (unsigned char *)t_alloc_ok(c, 1);
        if (p == NULL) {
            continue;
        }
        CHECK_EQ(slab_usable_size(E.h, p), c);
        CHECK_EQ(up(p) % nat_align(c), 0);
        CHECK(slab_get_page_info(E.h, (size_t)(up(p) - up(E.first)) / PAGE,
                                 &pi));
        CHECK_EQ(pi.kind, SLAB_PAGE_CLASS);
        CHECK_EQ(pi.block_size, c);
        CHECK_EQ(get_stats().classes[i].blocks_used, 1);
        if (i + 1u < NCLASS) {
            unsigned char *q = (unsigned char *)t_alloc_ok(c + 1u, 1);
            if (q != NULL) {
                CHECK_EQ(slab_usable_size(E.h, q), k_class[i + 1u]);
            }
        }
        check_consistent();
        t_free_all();
    }
    /* size 0: unique smallest blocks */
    {
        void *a = t_alloc_ok(0, 1), *b = t_alloc_ok(0, 1);
        CHECK(a != b);
        CHECK_EQ(slab_usable_size(E.h, a), k_class[0]);
    }
    /* past the largest class: whole pages */
    CHECK(t_alloc_ok(MAX_CLASS + 1u, 1) != NULL);
    finish();
}

/* The class router against the oracle, for every size up to two pages. */
static void test_class_oracle_all_sizes(void)
{
    const size_t aligns[] = {1, 4, 8, 16, 64};
    size_t size, k;
    heap_fresh();
    (void)t_alloc_ok(20, 1); /* something live throughout */
    for (k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
        for (size = 0; size <= 2 * PAGE + 1u; size++) {
            void *p = slab_alloc(E.h, size, aligns[k]);
            if (!CHECK(p != NULL)) {
                break;
            }
            if (!CHECK_EQ(slab_usable_size(E.h, p),
                          expected_usable(size, aligns[k]))) {
                printf("       size %lu align %lu\n", (unsigned long)size,
                       (unsigned long)aligns[k]);
            }
            CHECK_EQ(up(p) % aligns[k], 0);
            slab_free(E.h, p);
        }
    }
    CHECK_EQ(E.rec.count, 0);
    finish();
}

/* Alignments 1 .. 8192 around each alignment and the page size; bad and
 * impossible alignments; sizes no heap can serve. */
static void test_alignment(void)
{
    size_t align, k;
    const size_t bad[] = {0, 3, 6, 12, 24, 100, 4095, 4097, SIZE_MAX,
                          SIZE_MAX / 2u + 3u};
    const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1u, SIZE_MAX - 4095u,
                           SIZE_MAX / 2u, SIZE_MAX / 2u + 1u};
    heap_fresh();
    (void)t_alloc_ok(24, 1);
    for (align = 1; align <= 8192u; align <<= 1) {
        const size_t sizes[] = {0,          1,         align - 1u,
                                align,      align + 1u, 3 * align,
                                PAGE - 1u,  PAGE + 1u};
        for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            void *p = t_alloc_ok(sizes[k], align);
            if (p != NULL) {
                t_free_ptr(p);
            }
        }
        /* a few live at once */
        (void)t_alloc_ok(1, align);
        (void)t_alloc_ok(align, align);
        check_consistent();
        t_free_all();
    }
    /* alignments no address of the heap's pages has */
    {
        const unsigned shifts[] = {16, 20, 22, 24, 28, 31};
        for (k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
            uint64_t a = (uint64_t)1 << shifts[k];
            uint64_t lo = up(E.first), hi = lo + E.pages * PAGE;
            uint64_t first_aligned = (lo + a - 1u) / a * a;
            if (first_aligned + PAGE > hi) {
                expect_alloc_oom(1, (size_t)a);
                expect_alloc_oom(0, (size_t)a);
            } else {
                void *p = t_alloc_ok(1, (size_t)a);
                CHECK(p == (void *)(uintptr_t)first_aligned);
                t_free_all();
            }
        }
    }
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        expect_alloc_bad_align(0, bad[k]);
        expect_alloc_bad_align(64, bad[k]);
        expect_alloc_bad_align(5000, bad[k]);
    }
    for (k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        expect_alloc_oom(huge[k], 1);
        expect_alloc_oom(huge[k], PAGE);
    }
    expect_alloc_oom(get_stats().capacity + 1u, 1);
    CHECK_EQ(E.rec.kinds[SLAB_FAULT_BAD_ALIGN], 3 * (sizeof bad / sizeof bad[0]));
    finish();
}

/* Fill the heap with one size, free it all, fill it with another:
 * memory flows between classes and the counts repeat exactly. */
static void test_exhaust_and_reuse(void)
{
    size_t n64, n, i;
    void *p;
    heap_fresh();
    n64 = t_fill(64, 1);
    CHECK_EQ(n64, E.pages * (PAGE / 64u));
    CHECK_EQ(get_stats().oom_count, 1);
    expect_alloc_oom(64, 1);
    expect_alloc_oom(16, 1);
    expect_alloc_oom(PAGE + 1u, 1);
    CHECK_EQ(get_stats().largest_free, 0);
    check_consistent();
    /* reuse: a freed block is the next one handed out */
    p = E.live[17].p;
    t_free(17);
    CHECK(t_alloc_ok(64, 1) == p);
    t_free_all();
    check_consistent();
    CHECK(get_stats().pages_free >= E.pages - 1u); /* one kept in reserve */

    n = t_fill(1024, 1);
    CHECK_EQ(n, E.pages * (PAGE / 1024u));
    t_free_all();
    n = t_fill(64, 1);
    CHECK_EQ(n, n64);
    t_free_all();
    n = t_fill(20, 1);
    CHECK_EQ(n, E.pages * (PAGE / 20u));
    t_free_all();
    n = t_fill(16, 1);
    CHECK_EQ(n, E.pages * (PAGE / 16u));
    /* free half of the blocks, refill the holes exactly */
    for (i = 0; i < n / 2u; i++) {
        t_free(i);
    }
    CHECK_EQ(t_fill(16, 1), n / 2u);
    t_free_all();
    n = t_fill(3 * PAGE, 1);
    CHECK_EQ(n, E.pages / 3u);
    check_consistent();
    t_free_all();
    CHECK_EQ(get_stats().largest_free, get_stats().capacity);
    finish();
}

/* Double frees: refused, reported, nothing changes, the block is still
 * allocatable exactly once. */
static void test_double_free(void)
{
    const size_t sizes[] = {16, 20, 48, 64, 1000, 2048, MAX_CLASS};
    size_t k;
    heap_fresh();
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        void *a = t_alloc_ok(sizes[k], 1), *a2;
        (void)t_alloc_ok(sizes[k], 1); /* keeps the page in use */
        t_free_ptr(a);
        expect_free_refused(a, SLAB_FAULT_DOUBLE_FREE);
        expect_free_refused(a, SLAB_FAULT_DOUBLE_FREE);
        expect_free_sized_refused(a, 1, 1, SLAB_FAULT_DOUBLE_FREE);
        {
            size_t c = E.rec.count;
            snap_take();
            CHECK(slab_realloc(E.h, a, 32, 1) == NULL);
            snap_expect(0, 1);
            expect_fault(c, SLAB_FAULT_DOUBLE_FREE, a);
        }
        a2 = t_alloc_ok(sizes[k], 1);
        CHECK(a2 == a);
    }
    CHECK_EQ(E.rec.kinds[SLAB_FAULT_DOUBLE_FREE], 4 * (sizeof sizes / sizeof sizes[0]));
    /* large blocks: double (or, once the pages are pooled, foreign) */
    {
        void *p = t_alloc_ok(3 * PAGE, 1);
        size_t c;
        (void)t_alloc_ok(2 * PAGE, 1);
        t_free_ptr(p);
        c = E.rec.count;
        snap_take();
        slab_free(E.h, p);
        snap_expect(0, 1);
        CHECK_EQ(E.rec.count, c + 1u);
        CHECK(E.rec.last_kind == SLAB_FAULT_DOUBLE_FREE ||
              E.rec.last_kind == SLAB_FAULT_FOREIGN);
        CHECK(t_alloc_ok(3 * PAGE, 1) != NULL);
    }
    finish();
}

/* Pointers into the middle of blocks and page slack: INTERIOR. */
static void test_interior(void)
{
    unsigned char *p64, *p48, *p20 = NULL, *pg20, *p3072, *big;
    size_t i, c;
    heap_fresh();
    p64 = (unsigned char *)t_alloc_ok(64, 1);
    (void)t_alloc_ok(64, 1);
    expect_free_refused(p64 + 1, SLAB_FAULT_INTERIOR);
    expect_free_refused(p64 + 4, SLAB_FAULT_INTERIOR);
    expect_free_refused(p64 + 16, SLAB_FAULT_INTERIOR);
    expect_free_refused(p64 + 63, SLAB_FAULT_INTERIOR);
    CHECK_EQ(slab_usable_size(E.h, p64 + 16), 0);
    p48 = (unsigned char *)t_alloc_ok(48, 1);
    expect_free_refused(p48 + 16, SLAB_FAULT_INTERIOR);
    expect_free_refused(p48 + 32, SLAB_FAULT_INTERIOR);
    /* class 20: granule-aligned addresses that are not block starts, and
     * the slack at the end of a fully carved page */
    for (i = 0; i < PAGE / 20u; i++) {
        p20 = (unsigned char *)t_alloc_ok(20, 1);
    }
    if (p20 != NULL) {
        pg20 = (unsigned char *)(uintptr_t)(up(p20) & ~(uintptr_t)(PAGE - 1u));
        expect_free_refused(pg20 + 4, SLAB_FAULT_INTERIOR);
        expect_free_refused(pg20 + 16, SLAB_FAULT_INTERIOR);
        expect_free_refused(pg20 + (PAGE / 20u) * 20u, SLAB_FAULT_INTERIOR);
        expect_free_refused(pg20 + PAGE - 4u, SLAB_FAULT_INTERIOR);
    }
    p3072 = (unsigned char *)t_alloc_ok(3072, 1);
    expect_free_refused(p3072 + 1024, SLAB_FAULT_INTERIOR);
    expect_free_refused(p3072 + 3072, SLAB_FAULT_INTERIOR);
    big = (unsigned char *)t_alloc_ok(3 * PAGE, 1);
    expect_free_refused(big + 1, SLAB_FAULT_INTERIOR);
    expect_free_refused(big + PAGE, SLAB_FAULT_INTERIOR);
    expect_free_refused(big + 2 * PAGE + 64u, SLAB_FAULT_INTERIOR);
    expect_free_refused(big + 3 * PAGE - 1u, SLAB_FAULT_INTERIOR);
    expect_free_sized_refused(big + PAGE, 1, 1, SLAB_FAULT_INTERIOR);
    c = E.rec.count;
    snap_take();
    CHECK(slab_realloc(E.h, p64 + 1, 32, 1) == NULL);
    snap_expect(0, 1);
    expect_fault(c, SLAB_FAULT_INTERIOR, p64 + 1);
    CHECK_EQ(E.rec.kinds[SLAB_FAULT_INTERIOR], E.rec.count);
    finish();
}

static const char k_in_flash[] = "a constant, in FLASH on Cortex-M";

/* Pointers the heap does not own: FOREIGN, never dereferenced. */
static void test_foreign(void)
{
    slab_heap *h2;
    hook_rec rec2;
    int local = 0;
    void *mine, *theirs = NULL;
    void *foreign[12];
    size_t i, n = 0;
    heap_fresh();
    memset(&rec2, 0, sizeof rec2);
    h2 = slab_init(g_buf2.bytes, sizeof g_buf2.bytes);
    if (CHECK(h2 != NULL)) {
        slab_set_fault_hook(h2, rec_hook, &rec2);
        theirs = slab_alloc(h2, 64, 1);
        CHECK(theirs != NULL);
    }
    mine = t_alloc_ok(64, 1);
    foreign[n++] = &local;                              /* the stack */
    foreign[n++] = E.h;                                 /* heap header */
    foreign[n++] = (unsigned char *)E.h + 16;
    foreign[n++] = E.first - 16;                        /* page table */
    foreign[n++] = E.first + E.pages * PAGE;            /* past the pages */
    foreign[n++] = (void *)(uintptr_t)up(k_in_flash);   /* read-only data */
    foreign[n++] = (void *)(uintptr_t)16u;
    foreign[n++] = (void *)(uintptr_t)(UINTPTR_MAX - 15u);
    foreign[n++] = (void *)(uintptr_t)UNMAPPED_ADDR;    /* faults if read */
    foreign[n++] = &E;                                  /* other .bss */
    if (theirs != NULL) {
        foreign[n++] = theirs;                          /* another heap's */
    }
    for (i = 0; i < n; i++) {
        size_t c;
        expect_free_refused(foreign[i], SLAB_FAULT_FOREIGN);
        expect_free_sized_refused(foreign[i], 1, 1, SLAB_FAULT_FOREIGN);
        c = E.rec.count;
        snap_take();
        CHECK(slab_realloc(E.h, foreign[i], 16, 1) == NULL);
        snap_expect(0, 1);
        expect_fault(c, SLAB_FAULT_FOREIGN, foreign[i]);
        CHECK_EQ(slab_usable_size(E.h, foreign[i]), 0);
    }
    CHECK_EQ(local, 0);
    CHECK_EQ(E.rec.kinds[SLAB_FAULT_FOREIGN], 3 * n);
    if (h2 != NULL) {
        /* the other way round, and the other heap saw none of the above */
        CHECK_EQ(rec2.count, 0);
        slab_free(h2, mine);
        CHECK_EQ(rec2.count, 1);
        CHECK_EQ(rec2.last_kind, SLAB_FAULT_FOREIGN);
        CHECK_EQ(slab_usable_size(h2, theirs), 64);
        slab_free(h2, theirs);
        CHECK(slab_check(h2));
        CHECK_EQ(rec2.count, 1);
    }
    finish();
}

/* slab_free_sized: right layouts free, wrong ones are refused. */
static void test_free_sized(void)
{
    const size_t bad_align[] = {0, 3, 24, 96, SIZE_MAX};
    unsigned char *p, *q, *p20 = NULL, *p64 = NULL;
    size_t i;
    int local = 0;
    heap_fresh();
    p = (unsigned char *)t_alloc_ok(100, 1);
    free_sized_ok(p, 100, 1);
    p = (unsigned char *)t_alloc_ok(100, 1);
    free_sized_ok(p, 128, 1); /* the whole usable size */
    p = (unsigned char *)t_alloc_ok(100, 1);
    free_sized_ok(p, 0, 1);
    p = (unsigned char *)t_alloc_ok(64, 64);
    free_sized_ok(p, 64, 64);
    p = (unsigned char *)t_alloc_ok(PAGE, PAGE);
    free_sized_ok(p, PAGE, PAGE);
    p = (unsigned char *)t_alloc_ok(10000, 8192);
    free_sized_ok(p, 10000, 8192);
    p = (unsigned char *)t_alloc_ok(5000, 1);
    free_sized_ok(p, 2 * PAGE, 1);

    /* too large for the block */
    p = (unsigned char *)t_alloc_ok(64, 1);
    q = (unsigned char *)t_alloc_ok(3 * PAGE, 1);
    expect_free_sized_refused(p, 65, 1, SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(p, PAGE, 1, SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(p, SIZE_MAX, 1, SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(q, 3 * PAGE + 1u, 1, SLAB_FAULT_WRONG_LAYOUT);
    expect_free_sized_refused(q, SIZE_MAX - 4095u, 1, SLAB_FAULT_WRONG_LAYOUT);
    /* not a power of two */
    for (i = 0; i < sizeof bad_align / sizeof bad_align[0]; i++) {
        expect_free_sized_refused(p, 64, bad_align[i], SLAB_FAULT_WRONG_LAYOUT);
    }
    /* pointer not aligned as claimed */
    for (i = 0; i < 4 && p20 == NULL; i++) {
        unsigned char *c = (unsigned char *)t_alloc_ok(20, 1);
        if (c != NULL && up(c) % 8u != 0) {
            p20 = c;
        }
    }
    if (CHECK(p20 != NULL)) {
        expect_free_sized_refused(p20, 20, 8, SLAB_FAULT_WRONG_LAYOUT);
        expect_free_sized_refused(p20, 1, 16, SLAB_FAULT_WRONG_LAYOUT);
    }
    for (i = 0; i < 4 && p64 == NULL; i++) {
        unsigned char *c = (unsigned char *)t_alloc_ok(64, 1);
        if (c != NULL && up(c) % 128u != 0) {
            p64 = c;
        }
    }
    if (CHECK(p64 != NULL)) {
        expect_free_sized_refused(p64, 64, 128, SLAB_FAULT_WRONG_LAYOUT);
    }
    /* other misuse keeps its own kind */
    expect_free_sized_refused(p + 16, 1, 1, SLAB_FAULT_INTERIOR);
    expect_free_sized_refused(&local, 1, 1, SLAB_FAULT_FOREIGN);
    t_verify_all(); /* nothing was freed: contents intact */
    free_sized_ok(p, 64, 16);
    free_sized_ok(q, 3 * PAGE, PAGE);
    if (p20 != NULL) { /* its page keeps other live blocks */
        free_sized_ok(p20, 20, 4);
        expect_free_sized_refused(p20, 20, 4, SLAB_FAULT_DOUBLE_FREE);
    }
    finish();
}

static void pat_fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        p[i] = (unsigned char)((i * 7u + seed) & 0xFFu);
    }
}

static bool pat_ok(const unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] != (unsigned char)((i * 7u + seed) & 0xFFu)) {
            return false;
        }
    }
    return true;
}

/* Realloc a tracked block; contents kept up to the smaller size. */
static void *t_realloc(void *p, size_t size, size_t align)
{
    size_t i = t_find(p);
    size_t old_u = E.live[i].usable;
    size_t keep = old_u < size ? old_u : size;
    unsigned char *q;
    t_verify(i);
    pat_fill((unsigned char *)p, old_u, 3);
    q = (unsigned char *)slab_realloc(E.h, p, size, align);
    if (q == NULL) {
        CHECK(pat_ok((unsigned char *)p, old_u, 3));
        CHECK_EQ(slab_usable_size(E.h, p), old_u);
        memset(p, E.live[i].tag, old_u);
        return NULL;
    }
    CHECK(pat_ok(q, keep, 3));
    if (q == (unsigned char *)p) {
        CHECK_EQ(slab_usable_size(E.h, q), old_u);
        memset(q, E.live[i].tag, old_u);
        return q;
    }
    t_untrack(i); /* the old block is free now */
    CHECK_EQ(slab_usable_size(E.h, p), 0);
    if (t_check_new(q, size, align)) {
        t_add(q, size);
    }
    return q;
}

static void test_realloc(void)
{
    const size_t steps[] = {16, 17, 100, 1000, 4000, 5000, 20000};
    unsigned char *p, *q, *big, *f;
    int local = 7;
    size_t i;
    heap_fresh();
    /* NULL acts as alloc */
    p = (unsigned char *)slab_realloc(E.h, NULL, 100, 1);
    if (t_check_new(p, 100, 1)) {
        t_add(p, 100);
        CHECK_EQ(slab_usable_size(E.h, p), 128);
    }
    /* grow keeps the contents, with neighbours pinned around */
    p = (unsigned char *)t_alloc_ok(1, 1);
    for (i = 0; i < sizeof steps / sizeof steps[0] && p != NULL; i++) {
        p = (unsigned char *)t_realloc(p, steps[i], 1);
        CHECK(p != NULL);
        (void)t_alloc_ok(30, 1);
    }
    check_consistent();
    t_free_all();
    /* shrink: in place while at most twice the need, else moved */
    p = (unsigned char *)t_alloc_ok(64, 1);
    CHECK(t_realloc(p, 64, 1) == p);
    CHECK(t_realloc(p, 40, 1) == p);
    CHECK(t_realloc(p, 33, 1) == p);
    q = (unsigned char *)t_realloc(p, 16, 1);
    CHECK(q != NULL && q != p && slab_usable_size(E.h, q) == 16);
    big = (unsigned char *)t_alloc_ok(5 * PAGE, 1);
    CHECK(t_realloc(big, 4 * PAGE, 1) == big);
    CHECK(t_realloc(big, 3 * PAGE, 1) == big);
    q = (unsigned char *)t_realloc(big, 2 * PAGE - 100u, 1);
    CHECK(q != NULL && q != big && slab_usable_size(E.h, q) == 2 * PAGE);
    big = q;
    q = (unsigned char *)t_realloc(big, 100, 1);
    CHECK(q != NULL && slab_usable_size(E.h, q) == 128);
    /* alignment change moves the block */
    p = (unsigned char *)t_alloc_ok(16, 1);
    q = (unsigned char *)t_realloc(p, 16, 256);
    CHECK(q != NULL && up(q) % 256u == 0);
    /* size 0 asks for a minimal block */
    p = (unsigned char *)t_alloc_ok(3 * PAGE, 1);
    q = (unsigned char *)t_realloc(p, 0, 1);
    CHECK(q != NULL && slab_usable_size(E.h, q) < PAGE);
    t_free_all();

    /* out of memory: NULL, the block is kept as it was */
    p = (unsigned char *)t_alloc_ok(64, 1);
    big = (unsigned char *)t_alloc_ok(2 * PAGE, 1);
    (void)t_fill(PAGE, 1);
    snap_take();
    CHECK(t_realloc(p, 5000, 1) == NULL);
    CHECK(t_realloc(big, 3 * PAGE, 1) == NULL);
    CHECK_EQ(get_stats().oom_count, E.snap_st.oom_count + 2u);
    CHECK_EQ(E.rec.count, 0);
    t_verify_all();
    CHECK(t_realloc(big, 2 * PAGE - 100u, 1) == big); /* in place works */

    /* bad pointers and alignments: NULL, the fault, nothing changes */
    f = (unsigned char *)t_alloc_ok(64, 1); /* beside p, in its page */
    {
        struct {
            void *ptr;
            slab_fault kind;
        } cases[5];
        cases[0].ptr = f;
        cases[0].kind = SLAB_FAULT_DOUBLE_FREE;
        cases[1].ptr = p + 1;
        cases[1].kind = SLAB_FAULT_INTERIOR;
        cases[2].ptr = big + PAGE;
        cases[2].kind = SLAB_FAULT_INTERIOR;
        cases[3].ptr = &local;
        cases[3].kind = SLAB_FAULT_FOREIGN;
        cases[4].ptr = E.h;
        cases[4].kind = SLAB_FAULT_FOREIGN;
        t_free_ptr(f);
        for (i = 0; i < 5; i++) {
            size_t c = E.rec.count;
            snap_take();
            CHECK(slab_realloc(E.h, cases[i].ptr, 32, 1) == NULL);
            snap_expect(0, 1);
            expect_fault(c, cases[i].kind, cases[i].ptr);
        }
        for (i = 0; i < 3; i++) {
            const size_t bad[] = {0, 3, SIZE_MAX};
            size_t c = E.rec.count;
            snap_take();
            CHECK(slab_realloc(E.h, p, 16, bad[i]) == NULL);
            snap_expect(0, 1);
            CHECK_EQ(E.rec.count, c + 1u);
            CHECK(E.rec.last_kind == SLAB_FAULT_BAD_ALIGN ||
                  E.rec.last_kind == SLAB_FAULT_WRONG_LAYOUT);
        }
    }
    CHECK_EQ(local, 7);
    CHECK_EQ(slab_usable_size(E.h, p), 64);
    finish();
}

/* Statistics follow the heap exactly; page info describes each page. */
static void test_stats_and_page_info(void)
{
    slab_stats st;
    slab_page_info pi, pi0;
    unsigned char *a, *big;
    size_t i64 = class_index(64), pg;
    heap_fresh();
    st = get_stats();
    CHECK_EQ(st.capacity, E.pages * PAGE);
    CHECK_EQ(st.largest_free, st.capacity);
    a = (unsigned char *)t_alloc_ok(64, 1);
    (void)t_alloc_ok(64, 1);
    (void)t_alloc_ok(100, 1);
    big = (unsigned char *)t_alloc_ok(2 * PAGE + 1u, 1);
    st = get_stats();
    CHECK_EQ(st.bytes_used, 64 + 64 + 128 + 3 * PAGE);
    CHECK_EQ(st.bytes_peak, st.bytes_used);
    CHECK_EQ(st.blocks_used, 4);
    CHECK_EQ(st.pages_large, 3);
    CHECK_EQ(st.classes[i64].pages, 1);
    CHECK_EQ(st.classes[i64].blocks_used, 2);
    CHECK_EQ(st.classes[i64].blocks_free, PAGE / 64u - 2u);
    CHECK_EQ(st.pages_free, E.pages - 5u);
    CHECK_EQ(st.largest_free, (E.pages - 5u) * PAGE);
    /* page info of each kind */
    pg = (size_t)(up(a) - up(E.first)) / PAGE;
    CHECK(slab_get_page_info(E.h, pg, &pi));
    CHECK(pi.kind == SLAB_PAGE_CLASS && pi.block_size == 64 &&
          pi.blocks_used == 2 && pi.blocks_free == PAGE / 64u - 2u);
    CHECK(pi.start == E.first + pg * PAGE);
    pg = (size_t)(up(big) - up(E.first)) / PAGE;
    CHECK(slab_get_page_info(E.h, pg, &pi));
    CHECK(pi.kind == SLAB_PAGE_LARGE && pi.block_size == 3 * PAGE &&
          pi.blocks_used == 1 && pi.start == big);
    CHECK(slab_get_page_info(E.h, pg + 2u, &pi));
    CHECK(pi.kind == SLAB_PAGE_LARGE_TAIL);
    memset(&pi, 0xCD, sizeof pi);
    pi0 = pi;
    CHECK(!slab_get_page_info(E.h, E.pages, &pi));
    CHECK(!slab_get_page_info(E.h, SIZE_MAX, &pi));
    CHECK(memcmp(&pi, &pi0, sizeof pi) == 0);
    /* peak stays, counters count */
    t_free_ptr(big);
    expect_alloc_oom(SIZE_MAX, 1);
    expect_free_refused(a + 1, SLAB_FAULT_INTERIOR);
    st = get_stats();
    CHECK_EQ(st.bytes_peak, 64 + 64 + 128 + 3 * PAGE);
    CHECK_EQ(st.bytes_used, 64 + 64 + 128);
    CHECK_EQ(st.oom_count, 1);
    CHECK_EQ(st.fault_count, 1);
    /* hook management: cleared hook, faults still counted */
    slab_set_fault_hook(E.h, NULL, NULL);
    slab_free(E.h, a + 1);
    CHECK_EQ(get_stats().fault_count, 2);
    CHECK_EQ(E.rec.count, 1);
    slab_set_fault_hook(E.h, rec_hook, &E.rec);
    E.rec.count = 2; /* keep the tracker's tally in line with the heap's */
    finish();
}

/*
 * Corrupted free-list links. Blocks 2, 5 and 6 of eight of one class are
 * freed: the list is 6 -> 5 -> 2. The links of 6 and 5 are read when they
 * are popped, so an overwritten one must be detected (CORRUPT_LINK, and
 * slab_check sees it); the link of the last block may never be read. In
 * every case no block outside the heap's pages or overlapping a live block
 * is handed out (the tracker checks both), and the heap goes on working.
 */
enum { LINK_HEAD, LINK_SECOND, LINK_LAST };

static void drain_class(size_t cls)
{
    size_t n = get_stats().classes[class_index(cls)].blocks_free + 3u, i;
    for (i = 0; i < n; i++) {
        (void)t_alloc_ok(cls, 1);
    }
}

static void corrupt_case(size_t cls, int where, uint32_t value,
                         bool relative_live)
{
    unsigned char *b[8], *target, *pg;
    uint32_t orig, v = value;
    bool must_detect = where != LINK_LAST;
    size_t i;
    heap_fresh();
    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char *)t_alloc_ok(cls, 1);
        if (b[i] == NULL) {
            return;
        }
    }
    pg = (unsigned char *)(uintptr_t)(up(b[0]) & ~(uintptr_t)(PAGE - 1u));
    t_free_ptr(b[2]);
    t_free_ptr(b[5]);
    t_free_ptr(b[6]);
    target = where == LINK_HEAD ? b[6] : where == LINK_SECOND ? b[5] : b[2];
    if (relative_live) {
        v = (uint32_t)(up(b[0]) - up(pg)) + value;
    }
    memcpy(&orig, target, sizeof orig);
    memcpy(target, &v, sizeof v);
    if (orig == v) {
        must_detect = false;
    }
    if (must_detect) {
        CHECK(!slab_check(E.h));
    }
    drain_class(cls);
    if (must_detect && !CHECK(E.rec.kinds[SLAB_FAULT_CORRUPT_LINK] > 0)) {
        printf("       class %lu, link %d = 0x%08lx\n", (unsigned long)cls,
               where, (unsigned long)v);
    }
    CHECK_EQ(E.rec.count, E.rec.kinds[SLAB_FAULT_CORRUPT_LINK]);
    CHECK(slab_check(E.h));
    check_consistent();
    drain_class(cls); /* and the heap goes on working */
    (void)t_alloc_ok(5000, 1);
    check_consistent();
    finish();
}

static void test_corrupt_links(void)
{
    const uint32_t garbage[] = {0xFFFFFFFFu, 0x7FFFFFFFu, 0x0000FFFFu,
                                0xFFFF0000u, 0x00010000u, 0x12345678u,
                                (uint32_t)SLAB_PAGE_SIZE, 0x00000001u,
                                0x20000000u, 0x80000000u};
    size_t i;
    for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        corrupt_case(64, i % 2u ? LINK_SECOND : LINK_HEAD, garbage[i], false);
    }
    corrupt_case(64, LINK_HEAD, 0, true);  /* a live block's offset */
    corrupt_case(64, LINK_HEAD, 16, true); /* inside it */
    corrupt_case(64, LINK_SECOND, 0, true);
    corrupt_case(20, LINK_HEAD, 0, true);
    corrupt_case(20, LINK_SECOND, 4, true);
    corrupt_case(512, LINK_HEAD, 0, true);
    corrupt_case(64, LINK_LAST, 0xFFFFFFFFu, false);
    corrupt_case(20, LINK_LAST, 0, true);

    /* a genuine link copied into another free block: a cycle */
    {
        unsigned char *b[8];
        uint32_t link;
        heap_fresh();
        for (i = 0; i < 8; i++) {
            b[i] = (unsigned char *)t_alloc_ok(64, 1);
        }
        t_free_ptr(b[1]);
        t_free_ptr(b[3]);
        t_free_ptr(b[6]);
        t_free_ptr(b[7]);                  /* 7 -> 6 -> 3 -> 1 */
        memcpy(&link, b[7], sizeof link);  /* "next is 6" */
        memcpy(b[3], &link, sizeof link);  /* 7 -> 6 -> 3 -> 6 ... */
        CHECK(!slab_check(E.h));
        drain_class(64);
        CHECK(E.rec.kinds[SLAB_FAULT_CORRUPT_LINK] >= 1);
        CHECK(slab_check(E.h));
        finish();
    }
}

/* Two heaps side by side: independent state, hooks and statistics. */
static void test_two_heaps(void)
{
    hook_rec r2;
    slab_heap *h2;
    void *a, *b;
    slab_stats s2;
    heap_fresh();
    memset(&r2, 0, sizeof r2);
    h2 = slab_init(g_buf2.bytes, sizeof g_buf2.bytes);
    if (!CHECK(h2 != NULL)) {
        return;
    }
    slab_set_fault_hook(h2, rec_hook, &r2);
    a = t_alloc_ok(200, 8);
    b = slab_alloc(h2, 200, 8);
    CHECK(b != NULL && b != a);
    CHECK_EQ(slab_usable_size(h2, a), 0);
    CHECK_EQ(slab_usable_size(E.h, b), 0);
    expect_free_refused(b, SLAB_FAULT_FOREIGN);
    CHECK_EQ(r2.count, 0);
    slab_get_stats(h2, &s2);
    CHECK_EQ(s2.blocks_used, 1);
    CHECK_EQ(s2.fault_count, 0);
    slab_free(h2, b);
    slab_free(h2, b);
    CHECK_EQ(r2.count, 1);
    CHECK_EQ(r2.last_kind, SLAB_FAULT_DOUBLE_FREE);
    CHECK(slab_check(h2));
    CHECK(slab_check(E.h));
    finish();
}

/* A random workload (fixed seed) through the tracker. */
static uint32_t g_rng = 0x2545F491u;

static uint32_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 17;
    g_rng ^= g_rng << 5;
    return g_rng;
}

static void test_random_workload(void)
{
    unsigned op;
    size_t refused = 0;
    heap_fresh();
    for (op = 0; op < 6000u && g_test_bad == 0; op++) {
        uint32_t r = rnd();
        unsigned kind = r % 16u;
        if (kind < 8u && E.n < MAX_LIVE) {
            size_t size = (r >> 8) % 4u == 0 ? (size_t)(rnd() % 9000u)
                                             : (size_t)(rnd() % 400u);
            size_t align = (size_t)1 << ((r >> 12) % 8u == 0 ? rnd() % 13u
                                                             : rnd() % 4u);
            size_t oom = get_stats().oom_count;
            if (t_alloc(size, align) == NULL) {
                CHECK_EQ(get_stats().oom_count, oom + 1u);
                refused++;
            }
        } else if (kind < 14u && E.n > 0) {
            t_free((size_t)(rnd() % E.n));
        } else if (E.n > 0) {
            size_t i = (size_t)(rnd() % E.n);
            (void)t_realloc(E.live[i].p, (size_t)(rnd() % 6000u), 1);
        }
        if (op % 256u == 0) {
            check_consistent();
        }
    }
    CHECK_EQ(E.rec.count, 0);
    CHECK(refused > 0); /* the workload did reach the heap's limits */
    finish();
}

/* ======================================================================== */
/* Runner                                                                   */
/* ======================================================================== */

struct test {
    const char *name;
    void (*fn)(void);
};

#define T(f) {#f, f}

static const struct test k_tests[] = {
    T(test_fault_names),
    T(test_init),
    T(test_null_and_not_a_heap),
    T(test_every_class),
    T(test_class_oracle_all_sizes),
    T(test_alignment),
    T(test_exhaust_and_reuse),
    T(test_double_free),
    T(test_interior),
    T(test_foreign),
    T(test_free_sized),
    T(test_realloc),
    T(test_stats_and_page_info),
    T(test_corrupt_links),
    T(test_two_heaps),
    T(test_random_workload),
};

int main(void)
{
    size_t i, passed = 0, failed = 0;
    printf("slab %s target tests on %s: %u KiB arena at %p, %lu B pages, "
           "%lu classes\n",
           SLAB_VERSION_STRING, TARGET_NAME, (unsigned)(ARENA_BYTES / KIB),
           (void *)arena_base(), (unsigned long)PAGE, (unsigned long)NCLASS);
    for (i = 0; i < sizeof k_tests / sizeof k_tests[0]; i++) {
        unsigned long before = g_checks;
        g_test = k_tests[i].name;
        g_test_bad = 0;
        E.h = NULL;
        k_tests[i].fn();
        if (g_test_bad == 0) {
            passed++;
            printf("[ ok ] %s (%lu checks)\n", g_test, g_checks - before);
        } else {
            failed++;
            printf("[FAIL] %s (%lu of %lu checks failed)\n", g_test,
                   g_test_bad, g_checks - before);
        }
    }
    printf("%lu checks\n%lu passed, %lu failed\n", g_checks,
           (unsigned long)passed, (unsigned long)failed);
    return failed == 0 ? 0 : 1;
}
