/*
 * fuzz_init.c - libFuzzer / AFL++ harness: slab_init on arbitrary arenas.
 *
 * Input (zero-padded to 16 bytes; the rest is ignored):
 *   [0..1]  u16 LE  start offset in a page-aligned static buffer (& 4095)
 *   [2..5]  u32 LE  size value v
 *   [6]     size mode (% 6): 0 v % 64 KiB, 1 v % (1 MiB + 8 KiB),
 *           2 v % 24 KiB (around the smallest arena), 3 the smallest
 *           arena that must be accepted +- (v % 512), 4 v raw (clamped to
 *           the buffer), 5 0
 *   [7]     kind (% 4): 0/1 a real arena in the buffer; 2 an impossible
 *           (address, size) pair that wraps around the address space;
 *           3 a fake address with a size too small for a heap
 *   [8..15] u64 LE  w: the fake address (kinds 2 and 3), or for a real
 *           arena byte 8 is the fill byte and bytes 9.. pick allocations
 *
 * Real arena: the buffer is filled, the bytes around the arena poisoned
 * (ASan), slab_init called. Refused: every byte of the arena is unchanged.
 * Accepted: the heap, its page table and its pages lie inside the arena,
 * capacity == pages * page size, the page count is at least what the
 * arena certainly holds, every page is free, nothing outside the arena
 * changed, slab_check holds, every page can be handed out as a page block
 * (and no more), small blocks work.
 * Impossible pairs: slab_init must return NULL without touching anything
 * (the address is never dereferenced by the harness; a write would crash).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_internal.h"
#include "slab.h"
#include "fuzz_common.h"



#define PAGE ((size_t)SLAB_PAGE_SIZE)
#define ARENA_MAX (((size_t)1 << 20) + 8192u)
#define BUF_SIZE (ARENA_MAX + 4096u)
#define MAX_PAGES (ARENA_MAX / PAGE + 1u)

static unsigned char g_buf[BUF_SIZE] __attribute__((aligned(4096)));
static unsigned char g_copy[BUF_SIZE];
static void *g_blocks[MAX_PAGES + 1u];

static struct {
    size_t off, size;
    unsigned kind;
    uintptr_t fake;
} g;

static void fail(const char *file, int line, const char *cond)
{
    fprintf(stderr, "fuzz_init: %s:%d: check failed: %s\n", file, line, cond);
    fprintf(stderr, "fuzz_init: kind %u, offset %zu, size %zu (%#zx), "
                    "address %#llx\n",
            g.kind, g.off, g.size, g.size, (unsigned long long)g.fake);
    abort();
}


static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Bookkeeping per page: its page table entry and its list links. */
#ifndef FUZZ_PAGE_ENTRY
#define FUZZ_PAGE_ENTRY (sizeof(page_meta) + sizeof(page_link))
#endif

/* Worst-case bytes before the first page entry: alignment of the header
 * to 16, the header, alignment of the table to 8. */
#define HEAD_MAX (15u + sizeof(slab_heap) + 7u)
/* Smallest arena that must be accepted wherever it starts: the header,
 * one page table entry, up to a page of alignment and one page. */
#define MUST_ACCEPT (HEAD_MAX + FUZZ_PAGE_ENTRY + (PAGE - 1u) + PAGE)
/* No arena smaller than this can hold a header, an entry and a page. */
#define CANNOT_HOLD (sizeof(slab_heap) + FUZZ_PAGE_ENTRY + PAGE)

static size_t decode_size(uint32_t v, uint8_t mode)
{
    switch (mode % 6u) {
    case 0: return (size_t)(v % 65536u);
    case 1: return (size_t)(v % (uint32_t)ARENA_MAX);
    case 2: return (size_t)(v % 24576u);
    case 3: return MUST_ACCEPT + 256u - (size_t)(v % 512u);
    case 4: return (size_t)v;
    default: return 0;
    }
}

/* An (address, size) pair slab_init must refuse without touching it. */
static void impossible(uint64_t w, uint32_t v, unsigned kind)
{
    uintptr_t a = (uintptr_t)w;
    size_t size;
    if (a == 0) {
        a = 1;
    }
    if (kind == 2) {
        /* a + size wraps: size = (UINTPTR_MAX - a) + 1 + k, k < a */
        uintptr_t room = UINTPTR_MAX - a;
        size_t k = (size_t)((uintptr_t)v % a);
        size = (size_t)room + 1u + k;
        if (sizeof(size_t) < sizeof(uintptr_t) || size == 0) {
            size = SIZE_MAX;
        }
    } else {
        /* too small to hold a heap (keep a + size in the address space) */
        size = (size_t)v % CANNOT_HOLD;
        if (UINTPTR_MAX - a < size) {
            size = (size_t)(UINTPTR_MAX - a);
        }
    }
    g.fake = a;
    g.size = size;
    CHECK(slab_init((void *)a, size) == NULL);
    /* NULL is always refused, whatever the size */
    CHECK(slab_init(NULL, size) == NULL);
}

static void real_arena(size_t off, size_t size, const uint8_t *w)
{
    unsigned char *arena = g_buf + off;
    uintptr_t start = (uintptr_t)arena, end;
    slab_heap *h;
    slab_stats st;
    size_t i, n, lower;
    unsigned char fill = w[0];

    if (size > BUF_SIZE - off) {
        size = BUF_SIZE - off;
    }
    g.size = size;
    end = start + size;
    UNPOISON(g_buf, BUF_SIZE);
    for (i = 0; i < BUF_SIZE; i++) {
        g_buf[i] = (unsigned char)(fill + i * 7u);
    }
    memcpy(g_copy, g_buf, BUF_SIZE);
    POISON(g_buf, off);
    POISON(arena + size, BUF_SIZE - off - size);

    h = slab_init(arena, size);
    if (h == NULL) {
        CHECK(size < MUST_ACCEPT && "a usable arena was refused");
        UNPOISON(g_buf, BUF_SIZE);
        CHECK(memcmp(g_buf, g_copy, BUF_SIZE) == 0 &&
              "a refused slab_init changed memory");
        return;
    }
    CHECK(size >= CANNOT_HOLD && "an arena too small was accepted");
    CHECK((uintptr_t)h >= start && (uintptr_t)h % 16u == 0);
    CHECK(end - (uintptr_t)h >= sizeof(slab_heap));
    CHECK((uintptr_t)h->meta >= (uintptr_t)h + sizeof(slab_heap));
    CHECK(h->npages >= 1);
    CHECK((uintptr_t)h->meta + (size_t)h->npages * sizeof(page_meta) <= h->base);
    CHECK((uintptr_t)h->links >= (uintptr_t)h->meta + (size_t)h->npages * sizeof(page_meta));
    CHECK((uintptr_t)h->links + (size_t)h->npages * sizeof(page_link) <= h->base);
    CHECK(h->base % PAGE == 0);
    CHECK(h->base > start && h->base < end);
    CHECK(end - h->base >= (size_t)h->npages * PAGE);
    CHECK(h->span == (size_t)h->npages * PAGE);
    /* at least what the arena certainly holds (see slab_init) */
    lower = (size - HEAD_MAX) / (PAGE + FUZZ_PAGE_ENTRY);
    CHECK((size_t)h->npages + 1u >= lower);
    /* at most what fits at all */
    CHECK((size_t)h->npages <= size / (PAGE + FUZZ_PAGE_ENTRY));

    slab_get_stats(h, &st);
    CHECK(st.page_size == PAGE);
    CHECK(st.pages_total == (size_t)h->npages);
    CHECK(st.capacity == st.pages_total * PAGE);
    CHECK(st.pages_free == st.pages_total);
    CHECK(st.pages_large == 0 && st.bytes_used == 0 && st.bytes_peak == 0);
    CHECK(st.blocks_used == 0 && st.oom_count == 0 && st.fault_count == 0);
    CHECK(st.largest_free == st.capacity);
    for (i = 0; i < st.pages_total; i++) {
        slab_page_info pi;
        CHECK(slab_get_page_info(h, i, &pi));
        CHECK(pi.kind == SLAB_PAGE_FREE);
        CHECK((uintptr_t)pi.start == h->base + i * PAGE);
        CHECK((uintptr_t)pi.start >= start && end - (uintptr_t)pi.start >= PAGE);
    }
    {
        slab_page_info pi;
        CHECK(!slab_get_page_info(h, st.pages_total, &pi));
    }
    CHECK(slab_check(h));

    /* nothing outside the arena changed */
    UNPOISON(g_buf, off);
    UNPOISON(arena + size, BUF_SIZE - off - size);
    CHECK(memcmp(g_buf, g_copy, off) == 0);
    CHECK(memcmp(arena + size, g_copy + off + size, BUF_SIZE - off - size) == 0);
    POISON(g_buf, off);
    POISON(arena + size, BUF_SIZE - off - size);

    /* every page as a page block, and no more */
    n = 0;
    for (i = 0; i <= st.pages_total; i++) {
        void *p = slab_alloc(h, PAGE, (w[1] & 1u) ? PAGE : 1u);
        if (p == NULL) {
            break;
        }
        CHECK((uintptr_t)p - h->base < h->span);
        memset(p, 0xA5, PAGE);
        g_blocks[n++] = p;
    }
    CHECK(n == st.pages_total);
    for (i = 0; i < n; i++) { /* in order or in reverse */
        slab_free(h, g_blocks[(w[2] & 1u) ? n - 1u - i : i]);
    }
    /* a few small blocks and one as large as it gets */
    {
        size_t k, m = 0, want = 1u + w[3] % 32u;
        for (k = 0; k < want; k++) {
            size_t sz = (size_t)w[4 + k % 4u] * (k + 1u);
            void *p = slab_alloc(h, sz, (size_t)1 << (w[5] % 6u));
            /* the first block always fits: the heap is empty */
            CHECK(p != NULL || k > 0 || sz > st.capacity);
            if (p == NULL) {
                continue;
            }
            CHECK((uintptr_t)p - h->base < h->span);
            CHECK(slab_usable_size(h, p) >= sz);
            memset(p, 0x3C, sz);
            g_blocks[m++] = p;
        }
        slab_get_stats(h, &st);
        CHECK(st.blocks_used == m);
        for (k = 0; k < m; k++) {
            slab_free(h, g_blocks[k]);
        }
        slab_get_stats(h, &st);
        CHECK(st.bytes_used == 0 && st.fault_count == 0);
        {
            void *p = slab_alloc(h, st.largest_free, 1);
            CHECK(p != NULL);
            memset(p, 0x11, st.largest_free);
            slab_free(h, p);
        }
    }
    CHECK(slab_check(h));
    /* a second slab_init of the same arena starts over */
    CHECK(slab_init(arena, size) == h);
    slab_get_stats(h, &st);
    CHECK(st.pages_free == st.pages_total && st.bytes_peak == 0);
    UNPOISON(g_buf, BUF_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t in[16];
    memset(&g, 0, sizeof g);
    memset(in, 0, sizeof in);
    memcpy(in, data, size < sizeof in ? size : sizeof in);
    g.off = ((size_t)in[0] | (size_t)in[1] << 8) & 4095u;
    g.kind = in[7] % 4u;
    if (g.kind >= 2) {
        impossible(rd64(in + 8), rd32(in + 2), g.kind);
        return 0;
    }
    g.size = decode_size(rd32(in + 2), in[6]);
    real_arena(g.off, g.size, in + 8);
    return 0;
}
