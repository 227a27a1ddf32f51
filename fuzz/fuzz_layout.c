/*
 * fuzz_layout.c - libFuzzer / AFL++ harness: where a layout (size, align)
 * goes, checked against a reference computed here from the class table.
 *
 * Input: an 8-byte header, then 8-byte requests (a trailing partial record
 * is ignored; a short input is zero-padded to one header).
 *
 * Header:
 *   [0..1] u16 LE  arena start offset in a page-aligned static buffer (& 4095)
 *   [2]    pages of the arena beyond the minimum (% 64): 1 .. 64 pages
 *   [3]    bit 0: free with slab_free (0: slab_free_sized with the request)
 *   [4..7] unused
 *
 * Request:
 *   [0..3] u32 LE value v
 *   [4]    size mode (% 8, see decode_size)
 *   [5]    alignment code (see decode_align)
 *   [6]    extra byte x (a shift or a delta, per mode)
 *   [7]    bit 0: keep the block until the end of the input (else free it
 *          at once); bit 1: also probe slab_realloc(NULL, ...)
 *
 * For every request the harness computes the reference: the smallest class
 * whose size is >= max(size, 1) and whose natural alignment is >= align,
 * else ceil(size / page) whole pages (NULL if that overflows); whether the
 * (fresh, nearly empty) heap must serve it (classes: always while a page or
 * a block is free; runs: iff an aligned run of free pages exists); and it
 * checks slab_alloc, layout_class, layout_pages and layout_is_pow2 against
 * it. A non-power-of-two alignment must give NULL and one
 * SLAB_FAULT_BAD_ALIGN. Any violation prints file:line and aborts.
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
#include "slab_layout.h"


#define PAGE ((size_t)SLAB_PAGE_SIZE)
#define REC 8u
#define MAX_PAGES 64u
/* header + page table + alignment slack, comfortably */
#define OVERHEAD (3u * 4096u)
#define BUF_SIZE (MAX_PAGES * PAGE + OVERHEAD + 4096u)
#define NKEEP 64u

#define X_CLASS_(s) (size_t)(s),
static const size_t k_class[SLAB_NUM_CLASSES] = {SLAB_CLASS_LIST(X_CLASS_)};
#define NCLASSES ((size_t)SLAB_NUM_CLASSES)

static unsigned char g_buf[BUF_SIZE] __attribute__((aligned(4096)));

static struct {
    slab_heap *h;
    uintptr_t base;
    size_t npages;
    size_t hooks;
    slab_fault last_kind;
    size_t recno;
    const uint8_t *rec;
    size_t req_size, req_align;
} g;

static void fail(const char *file, int line, const char *cond)
{
    fprintf(stderr, "fuzz_layout: %s:%d: check failed: %s\n", file, line,
            cond);
    fprintf(stderr, "fuzz_layout: request #%zu size %zu (%#zx) align %zu "
                    "(%#zx), %zu pages at %#lx\n",
            g.recno, g.req_size, g.req_size, g.req_align, g.req_align,
            g.npages, (unsigned long)g.base);
    if (g.rec) {
        fprintf(stderr, "fuzz_layout: record %02x %02x %02x %02x %02x %02x "
                        "%02x %02x\n",
                g.rec[0], g.rec[1], g.rec[2], g.rec[3], g.rec[4], g.rec[5],
                g.rec[6], g.rec[7]);
    }
    abort();
}


static void hook(void *ctx, slab_fault kind, const void *ptr)
{
    CHECK(ctx == &g);
    CHECK(kind == SLAB_FAULT_BAD_ALIGN);
    CHECK(ptr == NULL);
    g.last_kind = kind;
    g.hooks++;
}

/* ---- decoding ----------------------------------------------------------- */

#define SIZE_BITS (sizeof(size_t) * 8u)

/* Special sizes: 0, 1, page edges, near SIZE_MAX. */
static size_t special_size(uint32_t v)
{
    size_t k = (size_t)(v >> 8) & 0xFFFu;
    switch (v % 24u) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return 15;
    case 4: return PAGE - 1u;
    case 5: return PAGE;
    case 6: return PAGE + 1u;
    case 7: return 2u * PAGE - 1u;
    case 8: return 2u * PAGE;
    case 9: return 2u * PAGE + 1u;
    case 10: return SIZE_MAX;
    case 11: return SIZE_MAX - 1u;
    case 12: return SIZE_MAX - (PAGE - 1u);
    case 13: return SIZE_MAX - PAGE;
    case 14: return SIZE_MAX - PAGE + 1u - k;
    case 15: return SIZE_MAX / 2u;
    case 16: return SIZE_MAX / 2u + 1u;
    case 17: return (SIZE_MAX / PAGE) * PAGE;             /* largest whole */
    case 18: return (SIZE_MAX / PAGE) * PAGE + 1u;        /* overflows */
    case 19: return (SIZE_MAX / PAGE - 1u) * PAGE + 1u;
    case 20: return (size_t)SLAB_FAST_MAX;
    case 21: return (size_t)SLAB_FAST_MAX + 1u;
    case 22: return (size_t)SLAB_LARGEST_CLASS;
    default: return (size_t)SLAB_LARGEST_CLASS + 1u;
    }
}

static size_t decode_size(uint32_t v, uint8_t mode, uint8_t x)
{
    switch (mode % 8u) {
    case 0: /* a class edge: size - 1, size, size + 1 */
        return k_class[v % NCLASSES] + (size_t)(x % 3u) - 1u;
    case 1: /* small */
        return (size_t)(v % (PAGE + 1u));
    case 2:
        return special_size(v);
    case 3: /* whole pages, +- a small delta */
        return (size_t)(v % (2u * MAX_PAGES)) * PAGE + (size_t)(int8_t)x;
    case 4: /* near SIZE_MAX */
        return SIZE_MAX - (size_t)v;
    case 5: /* v shifted: anywhere in size_t */
        return (size_t)v << (x % SIZE_BITS) | (size_t)(x >> 7);
    case 6:
        return (size_t)v;
    default: /* tiny */
        return (size_t)(v & 255u);
    }
}

static size_t decode_align(uint32_t v, uint8_t code)
{
    if (code < 0xC0u) { /* powers of two, up to the top bit of size_t */
        return (size_t)1 << (code % SIZE_BITS);
    }
    if (code < 0xE0u) { /* small powers of two (common) */
        return (size_t)1 << ((code - 0xC0u) % 13u);
    }
    switch (code) {
    case 0xE0: return 0;
    case 0xE1: return 3;
    case 0xE2: return 6;
    case 0xE3: return 12;
    case 0xE4: return 24;
    case 0xE5: return 48;
    case 0xE6: return PAGE - 1u;
    case 0xE7: return PAGE + 1u;
    case 0xE8: return 3u * PAGE;
    case 0xE9: return SIZE_MAX;
    case 0xEA: return SIZE_MAX / 2u;
    case 0xEB: return ((size_t)1 << (SIZE_BITS - 1u)) + 1u;
    case 0xEC: return (size_t)v;        /* raw: mostly not a power of two */
    case 0xED: return (size_t)v | 1u;   /* odd */
    case 0xEE: return ((size_t)1 << (v % SIZE_BITS)) | ((size_t)1 << ((v >> 8) % SIZE_BITS));
    default: return (size_t)1 << (v % SIZE_BITS);
    }
}

/* ---- the reference ------------------------------------------------------ */

/* Class index, or NCLASSES for a page run. */
static size_t ref_class(size_t size, size_t align)
{
    size_t s = size == 0 ? 1u : size;
    size_t c;
    for (c = 0; c < NCLASSES; c++) {
        if (k_class[c] >= s && natural_align(k_class[c]) >= align) {
            break;
        }
    }
    return c;
}

/* ceil(size / page), without overflow. */
static size_t ref_pages(size_t size)
{
    return size / PAGE + (size % PAGE != 0u ? 1u : 0u);
}

/* ---- one request -------------------------------------------------------- */

typedef struct kept {
    void *p;
    size_t size, align, usable;
} kept;

static kept g_keep[NKEEP];
static size_t g_nkeep;

/* Is page i free in the heap's view (pool page, or an empty class page
 * that a run may take)? */
static bool page_free_for_run(size_t i)
{
    slab_page_info pi;
    CHECK(slab_get_page_info(g.h, i, &pi));
    return pi.kind == SLAB_PAGE_FREE ||
           (pi.kind == SLAB_PAGE_CLASS && pi.blocks_used == 0);
}

/* Must a run of n pages aligned to align be served? The first aligned
 * index of every stretch of free pages is the only candidate the heap's
 * first-fit takes, but any aligned run of n free pages means it must
 * succeed. */
static bool run_exists(size_t n, size_t align)
{
    size_t i, j;
    if (n == 0 || n > g.npages) {
        return false;
    }
    for (i = 0; i + n <= g.npages; i++) {
        uintptr_t a = g.base + i * PAGE;
        if (align > PAGE && a % align != 0) {
            continue;
        }
        for (j = 0; j < n && page_free_for_run(i + j); j++) {
        }
        if (j == n) {
            return true;
        }
    }
    return false;
}

static bool overlaps_kept(uintptr_t a, size_t n)
{
    size_t i;
    for (i = 0; i < g_nkeep; i++) {
        uintptr_t b = (uintptr_t)g_keep[i].p;
        if (!(b + g_keep[i].usable <= a || a + n <= b)) {
            return true;
        }
    }
    return false;
}

/* Does class c have room without a new page (a kept block of c was freed,
 * or a page of c has uncarved room)? Pages make this simple: a class
 * request must be served whenever a free page or a page of the class with
 * a free block exists. */
static bool class_has_room(size_t c)
{
    size_t i;
    for (i = 0; i < g.npages; i++) {
        slab_page_info pi;
        CHECK(slab_get_page_info(g.h, i, &pi));
        if (pi.kind == SLAB_PAGE_FREE) {
            return true;
        }
        if (pi.kind == SLAB_PAGE_CLASS &&
            (pi.blocks_used == 0 ||
             (pi.block_size == k_class[c] && pi.blocks_free > 0))) {
            return true;
        }
    }
    return false;
}

static void one_request(size_t size, size_t align, bool keep, bool use_free,
                        bool probe_realloc)
{
    slab_stats before, after;
    size_t hooks0 = g.hooks;
    size_t c = ref_class(size, align);
    bool pow2 = is_pow2(align);
    size_t want_usable = 0;
    bool must = false;
    void *p;

    g.req_size = size;
    g.req_align = align;

    /* the layout functions on their own */
    CHECK(layout_is_pow2(align) == pow2);
    CHECK(layout_pages(size) == ref_pages(size));
    if (pow2) {
        CHECK((size_t)layout_class(size, align) == c);
        CHECK((size_t)layout_class(size == 0 ? 1u : size, align) == c);
    }

    if (pow2 && c < NCLASSES) {
        want_usable = k_class[c];
        must = class_has_room(c);
    } else if (pow2) {
        size_t n = ref_pages(size == 0 ? 1u : size);
        if (n <= SIZE_MAX / PAGE) {
            want_usable = n * PAGE;
            must = run_exists(n, align);
        }
    }

    slab_get_stats(g.h, &before);
    p = slab_alloc(g.h, size, align);
    slab_get_stats(g.h, &after);

    if (!pow2) {
        CHECK(p == NULL);
        CHECK(g.hooks == hooks0 + 1u);
        CHECK(after.fault_count == before.fault_count + 1u);
        CHECK(after.oom_count == before.oom_count);
        CHECK(after.bytes_used == before.bytes_used);
        CHECK(after.pages_free == before.pages_free);
        /* realloc checks the alignment too */
        if (probe_realloc) {
            CHECK(slab_realloc(g.h, NULL, size, align) == NULL);
            CHECK(g.hooks == hooks0 + 2u);
        }
        return;
    }
    CHECK(g.hooks == hooks0);
    CHECK(after.fault_count == before.fault_count);
    if (p == NULL) {
        CHECK(!must && "a request the heap can serve was refused");
        CHECK(after.oom_count == before.oom_count + 1u);
        CHECK(after.bytes_used == before.bytes_used);
        CHECK(after.blocks_used == before.blocks_used);
        CHECK(after.pages_large == before.pages_large);
        return;
    }
    {
        uintptr_t a = (uintptr_t)p;
        size_t usable = slab_usable_size(g.h, p);
        CHECK(want_usable != 0 && "a request past SIZE_MAX pages was served");
        CHECK(a >= g.base && a - g.base < g.npages * PAGE);
        CHECK(a % align == 0);
        CHECK(usable == want_usable);
        CHECK(usable >= size);
        CHECK(usable <= g.npages * PAGE - (a - g.base));
        CHECK(!overlaps_kept(a, usable));
        CHECK(after.bytes_used == before.bytes_used + usable);
        CHECK(after.blocks_used == before.blocks_used + 1u);
        CHECK(after.oom_count == before.oom_count);
        if (c == NCLASSES) {
            CHECK(after.pages_large == before.pages_large + usable / PAGE);
        } else {
            CHECK(after.classes[c].blocks_used ==
                  before.classes[c].blocks_used + 1u);
        }
        /* the whole block is ours (ASan checks the bounds) */
        memset(p, 0x5A, usable);
        if (keep && g_nkeep < NKEEP) {
            kept *k = &g_keep[g_nkeep++];
            k->p = p;
            k->size = size;
            k->align = align;
            k->usable = usable;
        } else if (use_free) {
            slab_free(g.h, p);
        } else {
            slab_free_sized(g.h, p, size, align);
        }
        CHECK(g.hooks == hooks0);
    }
    if (probe_realloc) {
        /* realloc(NULL) is alloc: same class choice */
        void *q = slab_realloc(g.h, NULL, size, align);
        if (q != NULL) {
            CHECK((uintptr_t)q % align == 0);
            CHECK(slab_usable_size(g.h, q) == want_usable);
            slab_free_sized(g.h, q, size, align);
        }
        CHECK(g.hooks == hooks0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t hdr[REC];
    size_t off, npages, arena_size, i, nrec;
    bool use_free;
    slab_stats st;

    memset(&g, 0, sizeof g);
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, data, size < REC ? size : REC);
    off = ((size_t)hdr[0] | (size_t)hdr[1] << 8) & 4095u;
    npages = 1u + hdr[2] % MAX_PAGES;
    use_free = (hdr[3] & 1u) != 0;
    /* room for the header, the page table, alignment and npages pages */
    arena_size = npages * PAGE + OVERHEAD - 4096u + (4096u - off) % 4096u;
    if (off + arena_size > BUF_SIZE) {
        arena_size = BUF_SIZE - off;
    }

    g.h = slab_init(g_buf + off, arena_size);
    CHECK(g.h != NULL);
    CHECK(slab_check(g.h));
    slab_set_fault_hook(g.h, hook, &g);
    g.base = g.h->base;
    g.npages = (size_t)g.h->npages;
    CHECK(g.npages >= npages);
    g_nkeep = 0;

    nrec = size / REC;
    for (i = 1; i < nrec; i++) {
        const uint8_t *r = data + i * REC;
        uint32_t v = rd32(r);
        g.recno = i;
        g.rec = r;
        one_request(decode_size(v, r[4], r[6]), decode_align(v, r[5]),
                    (r[7] & 1u) != 0, use_free, (r[7] & 2u) != 0);
        CHECK(slab_check(g.h));
    }
    g.rec = NULL;
    for (i = 0; i < g_nkeep; i++) {
        CHECK(slab_usable_size(g.h, g_keep[i].p) == g_keep[i].usable);
        slab_free_sized(g.h, g_keep[i].p, g_keep[i].size, g_keep[i].align);
    }
    slab_get_stats(g.h, &st);
    CHECK(st.bytes_used == 0 && st.blocks_used == 0 && st.pages_large == 0);
    CHECK(st.fault_count == g.hooks);
    CHECK(slab_check(g.h));
    return 0;
}
