/*
 * fuzz_misuse.c - libFuzzer / AFL++ harness: misuse and corruption.
 *
 * Valid allocations and frees are interleaved with double, interior,
 * foreign and wrong-layout frees (and reallocs of such pointers), with
 * writes of arbitrary bytes into FREE memory (free blocks, whose first word
 * is the free-list link; the harness keeps the pointers of blocks it freed),
 * and with writes into the heap's own bookkeeping (page table entries,
 * list links, and the header's list heads, counters and class table).
 *
 * Input: an 8-byte header, then 8-byte records (a trailing partial record
 * is ignored; a short input is zero-padded to one header).
 *
 * Header:
 *   [0..1] u16 LE  arena start offset in a page-aligned buffer (& 4095)
 *   [2]    pages: 4 + (b % 32)
 *   [3..7] unused
 *
 * Record:
 *   [0]    op (% 16, see the enum)
 *   [1]    slot s (live slot, or ghost index, or page index)
 *   [2..5] u32 LE value v
 *   [6]    byte a
 *   [7]    byte b
 *
 * Oracles:
 *  - misuse (until metadata is corrupted): refused, the hook called once
 *    with the kind the pointer deserves (computed here from the page map)
 *    and the pointer; stats identical but fault_count + 1; live contents
 *    intact (live blocks are ASan-poisoned while the heap runs);
 *  - free-memory corruption: every allocation stays inside the pages,
 *    aligned, at least as large as asked, overlapping no live block; a
 *    SLAB_FAULT_CORRUPT_LINK may be reported (with the returned pointer);
 *    live contents intact;
 *  - metadata corruption (op 8; from then on blocks are no longer
 *    tracked): every returned block lies in the pages, start and requested
 *    end, and there is no sanitizer error (the library must never read or
 *    write outside its arena: the buffer around the arena is poisoned).
 *    Overlap with live blocks is not checked: once the bitmaps or lists
 *    are overwritten, the heap cannot know which blocks are live; it
 *    reports SLAB_FAULT_CORRUPT_META where it notices and slab_check says
 *    false.
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
#define REC 8u
#define MAX_PAGES 36u
#define OVERHEAD (3u * 4096u)
#define BUF_SIZE (MAX_PAGES * PAGE + OVERHEAD + 4096u)
#define NSLOTS 64u
#define NGHOSTS 64u
#define PERIOD 251u

enum {
    OP_ALLOC = 0,
    OP_FREE = 1,
    OP_GHOST_FREE = 2,
    OP_INTERIOR_FREE = 3,
    OP_FOREIGN_FREE = 4,
    OP_ANY_FREE = 5,
    OP_WRONG_LAYOUT = 6,
    OP_CORRUPT_FREE = 7,
    OP_CORRUPT_META = 8,
    OP_CHECK = 9,
    OP_ALLOC_MANY = 10,
    OP_REALLOC = 11,
    OP_BAD_REALLOC = 12,
    OP_CORRUPT_ANY_FREE = 13,
    OP_FREE_ALL = 14,
    OP_ALLOC2 = 15
};

#define X_CLASS_(s) (size_t)(s),
static const size_t k_class[SLAB_NUM_CLASSES] = {SLAB_CLASS_LIST(X_CLASS_)};
#define NCLASSES ((size_t)SLAB_NUM_CLASSES)

typedef struct slot {
    unsigned char *p;
    size_t req, align, usable;
    unsigned phase;
    bool live;
} slot;

typedef struct ghost {
    unsigned char *p;
    size_t usable;
} ghost;

static unsigned char g_buf[BUF_SIZE] __attribute__((aligned(4096)));
static unsigned char g_pat[PERIOD + 4096u];
static bool g_pat_ready;

static struct state {
    unsigned char *arena;
    size_t arena_size;
    slab_heap *h;
    uintptr_t base;
    size_t span;
    size_t npages;
    slot slots[NSLOTS];
    ghost ghosts[NGHOSTS];
    size_t nghosts, ghost_next;
    size_t nlive;
    size_t hooks;
    slab_fault last_kind;
    const void *last_ptr;
    bool expect_link_fault; /* CORRUPT_LINK allowed (free memory written) */
    bool misuse;            /* inside a misuse call: any kind, checked after */
    bool links_dirty;       /* free memory was written */
    bool meta_dirty;        /* bookkeeping was written: weakest oracle */
    unsigned next_phase;
    size_t opno;
    const uint8_t *rec;
} g;

static void fail(const char *file, int line, const char *cond)
{
    fprintf(stderr, "fuzz_misuse: %s:%d: check failed: %s\n", file, line,
            cond);
    fprintf(stderr, "fuzz_misuse: %zu pages, op #%zu", g.npages, g.opno);
    if (g.rec) {
        fprintf(stderr, " record %02x %02x %02x %02x %02x %02x %02x %02x",
                g.rec[0], g.rec[1], g.rec[2], g.rec[3], g.rec[4], g.rec[5],
                g.rec[6], g.rec[7]);
    }
    fprintf(stderr, ", %zu live, links_dirty %d, meta_dirty %d\n", g.nlive,
            (int)g.links_dirty, (int)g.meta_dirty);
    abort();
}


static uintptr_t addr(const void *p) { return (uintptr_t)p; }

static void hook(void *ctx, slab_fault kind, const void *ptr)
{
    CHECK(ctx == &g);
    /* every kind the heap reports has a name of its own */
    CHECK(strcmp(slab_fault_name(kind), slab_fault_name((slab_fault)99)) != 0);
    if (!g.misuse && !g.meta_dirty) {
        /* outside a misuse call only a repaired link may be reported */
        CHECK(kind == SLAB_FAULT_CORRUPT_LINK && g.expect_link_fault);
    }
    g.last_kind = kind;
    g.last_ptr = ptr;
    g.hooks++;
}

/* ---- contents ----------------------------------------------------------- */

static void pat_init(void)
{
    size_t i;
    if (!g_pat_ready) {
        for (i = 0; i < sizeof g_pat; i++) {
            g_pat[i] = (unsigned char)((i % PERIOD) * 97u + 13u);
        }
        g_pat_ready = true;
    }
}

static void fill(unsigned char *p, size_t n, unsigned ph)
{
    size_t off = 0;
    while (off < n) {
        size_t chunk = n - off < 4096u ? n - off : 4096u;
        memcpy(p + off, g_pat + (ph + off) % PERIOD, chunk);
        off += chunk;
    }
}

static bool same(const unsigned char *p, size_t from, size_t n, unsigned ph)
{
    size_t off = from, end = from + n;
    while (off < end) {
        size_t chunk = end - off < 4096u ? end - off : 4096u;
        if (memcmp(p + off, g_pat + (ph + off) % PERIOD, chunk) != 0) {
            return false;
        }
        off += chunk;
    }
    return true;
}

static void verify(const slot *s, bool full)
{
    bool ok;
    size_t n = s->usable < 16u ? s->usable : 16u;
    if (g.meta_dirty) {
        return;
    }
    UNPOISON(s->p, s->usable);
    ok = full ? same(s->p, 0, s->usable, s->phase)
              : same(s->p, 0, n, s->phase) &&
                    same(s->p, s->usable - n, n, s->phase);
    POISON(s->p, s->usable);
    CHECK(ok && "contents of a live block changed");
}

static void verify_all(bool full)
{
    size_t i;
    for (i = 0; i < NSLOTS; i++) {
        if (g.slots[i].live) {
            verify(&g.slots[i], full);
        }
    }
}

/* ---- model -------------------------------------------------------------- */

static slot *find_empty(unsigned from)
{
    unsigned i;
    for (i = 0; i < NSLOTS; i++) {
        slot *s = &g.slots[(from + i) % NSLOTS];
        if (!s->live) {
            return s;
        }
    }
    return NULL;
}

static slot *find_live(unsigned from)
{
    unsigned i;
    for (i = 0; g.nlive > 0 && i < NSLOTS; i++) {
        slot *s = &g.slots[(from + i) % NSLOTS];
        if (s->live) {
            return s;
        }
    }
    return NULL;
}

static const slot *live_containing(uintptr_t a)
{
    size_t i;
    for (i = 0; i < NSLOTS; i++) {
        const slot *s = &g.slots[i];
        if (s->live && a - addr(s->p) < s->usable) {
            return s;
        }
    }
    return NULL;
}

static bool overlaps_live(uintptr_t a, size_t n, const slot *except)
{
    size_t i;
    for (i = 0; i < NSLOTS; i++) {
        const slot *s = &g.slots[i];
        if (s->live && s != except &&
            !(addr(s->p) + s->usable <= a || a + n <= addr(s->p))) {
            return true;
        }
    }
    return false;
}

static void ghost_add(unsigned char *p, size_t usable)
{
    g.ghosts[g.ghost_next] = (ghost){p, usable};
    g.ghost_next = (g.ghost_next + 1u) % NGHOSTS;
    if (g.nghosts < NGHOSTS) {
        g.nghosts++;
    }
}

static bool in_pages(uintptr_t a) { return a - g.base < g.span; }

/*
 * The fault a free of address a deserves, from the page map (the heap's
 * bookkeeping is intact when this is called). SLAB_FAULT_NONE: a is a
 * live block start.
 */
static slab_fault classify(uintptr_t a)
{
    slab_page_info pi;
    size_t idx, off;
    const slot *s;
    if (!in_pages(a)) {
        return SLAB_FAULT_FOREIGN;
    }
    s = live_containing(a);
    if (s != NULL) {
        return addr(s->p) == a ? SLAB_FAULT_NONE : SLAB_FAULT_INTERIOR;
    }
    idx = (size_t)(a - g.base) / PAGE;
    off = (size_t)(a - g.base) % PAGE;
    CHECK(slab_get_page_info(g.h, idx, &pi));
    switch (pi.kind) {
    case SLAB_PAGE_FREE:
        return off % 16u == 0 ? SLAB_FAULT_DOUBLE_FREE : SLAB_FAULT_INTERIOR;
    case SLAB_PAGE_CLASS:
        if (off % pi.block_size != 0 || off + pi.block_size > PAGE) {
            return SLAB_FAULT_INTERIOR;
        }
        return SLAB_FAULT_DOUBLE_FREE;
    case SLAB_PAGE_LARGE:
        CHECK(off != 0 && "an untracked live large block");
        return SLAB_FAULT_INTERIOR;
    default:
        return SLAB_FAULT_INTERIOR;
    }
}

static void model_check_stats(void)
{
    slab_stats st;
    size_t i, bytes = 0;
    if (g.meta_dirty) {
        return;
    }
    for (i = 0; i < NSLOTS; i++) {
        if (g.slots[i].live) {
            bytes += g.slots[i].usable;
        }
    }
    slab_get_stats(g.h, &st);
    CHECK(st.bytes_used == bytes);
    CHECK(st.blocks_used == g.nlive);
    CHECK(st.fault_count == g.hooks);
}

/* ---- operations --------------------------------------------------------- */

static size_t decode_size(uint32_t v, uint8_t b)
{
    switch (b % 4u) {
    case 0: return (size_t)(v % 600u);
    case 1: return (size_t)(v % (3u * PAGE));
    case 2: return k_class[v % NCLASSES] + (size_t)((v >> 8) % 3u) - 1u;
    default: return (size_t)(v & 63u);
    }
}

static size_t decode_align(uint8_t a)
{
    return (size_t)1 << ((a & 0x80u) ? a % 14u : a % 6u);
}

/* Checks on a block the heap just returned for (req, align). */
static void check_new(const unsigned char *p, size_t req, size_t align,
                      size_t *usable_out, const slot *except)
{
    uintptr_t a = addr(p);
    size_t usable;
    CHECK(in_pages(a) && "a block outside the pages");
    CHECK(g.span - (a - g.base) >= req && "a block running past the pages");
    if (g.meta_dirty) {
        *usable_out = 0;
        return;
    }
    usable = slab_usable_size(g.h, p);
    CHECK(a % align == 0);
    CHECK(usable >= req);
    CHECK(usable <= g.span - (a - g.base));
    CHECK(!overlaps_live(a, usable, except) &&
          "a block overlapping a live block");
    *usable_out = usable;
}

static void do_alloc(unsigned from, size_t req, size_t align)
{
    slot *s = find_empty(from);
    size_t hooks0 = g.hooks;
    unsigned char *p;
    size_t usable;
    if (s == NULL) {
        return;
    }
    g.expect_link_fault = g.links_dirty;
    p = slab_alloc(g.h, req, align);
    g.expect_link_fault = false;
    if (p == NULL) {
        return;
    }
    if (g.hooks != hooks0 && !g.meta_dirty) {
        CHECK(g.hooks == hooks0 + 1u && g.last_ptr == p);
    }
    check_new(p, req, align, &usable, NULL);
    if (g.meta_dirty) {
        return; /* not tracked: the heap may hand it out again */
    }
    s->p = p;
    s->req = req;
    s->align = align;
    s->usable = usable;
    s->phase = g.next_phase;
    g.next_phase = (g.next_phase + 1u) % PERIOD;
    s->live = true;
    g.nlive++;
    UNPOISON(p, usable);
    fill(p, usable, s->phase);
    POISON(p, usable);
}

static void do_free(slot *s, bool sized)
{
    size_t hooks0 = g.hooks;
    verify(s, true);
    UNPOISON(s->p, s->usable);
    s->live = false;
    g.nlive--;
    if (sized) {
        slab_free_sized(g.h, s->p, s->req, s->align);
    } else {
        slab_free(g.h, s->p);
    }
    if (!g.meta_dirty) {
        CHECK(g.hooks == hooks0);
    }
    ghost_add(s->p, s->usable);
}

/*
 * Run one misuse call (kind = which API) on pointer p and check: refused,
 * one hook call of kind `want` with p, stats unchanged but fault_count,
 * live contents intact. `want` NONE: p is a live block start; then nothing
 * is called (the caller's model would have to change).
 */
enum { CALL_FREE, CALL_FREE_SIZED, CALL_REALLOC };

static void misuse(int call, void *p, size_t size, size_t align,
                   slab_fault want)
{
    slab_stats before, after;
    size_t hooks0 = g.hooks;
    void *r = NULL;
    size_t c;

    if (g.meta_dirty) {
        /* the heap's answers are no longer predictable; only its safety */
        g.misuse = true;
        if (call == CALL_FREE) {
            slab_free(g.h, p);
        } else if (call == CALL_FREE_SIZED) {
            slab_free_sized(g.h, p, size, align);
        } else {
            r = slab_realloc(g.h, p, size, align);
            CHECK(r == NULL || in_pages(addr(r)));
        }
        g.misuse = false;
        return;
    }
    if (want == SLAB_FAULT_NONE) {
        return;
    }
    slab_get_stats(g.h, &before);
    g.misuse = true;
    if (call == CALL_FREE) {
        slab_free(g.h, p);
    } else if (call == CALL_FREE_SIZED) {
        slab_free_sized(g.h, p, size, align);
    } else {
        r = slab_realloc(g.h, p, size, align);
    }
    g.misuse = false;
    slab_get_stats(g.h, &after);
    CHECK(r == NULL);
    CHECK(g.hooks == hooks0 + 1u);
    if (g.last_kind != want) {
        fprintf(stderr, "fuzz_misuse: fault \"%s\", expected \"%s\"\n",
                slab_fault_name(g.last_kind), slab_fault_name(want));
    }
    CHECK(g.last_kind == want);
    CHECK(g.last_ptr == (want == SLAB_FAULT_BAD_ALIGN ? NULL : p));
    CHECK(after.fault_count == before.fault_count + 1u);
    after.fault_count = before.fault_count;
    CHECK(after.oom_count == before.oom_count);
    CHECK(after.capacity == before.capacity);
    CHECK(after.pages_free == before.pages_free);
    CHECK(after.pages_large == before.pages_large);
    CHECK(after.bytes_used == before.bytes_used);
    CHECK(after.bytes_peak == before.bytes_peak);
    CHECK(after.largest_free == before.largest_free);
    CHECK(after.blocks_used == before.blocks_used);
    for (c = 0; c < NCLASSES; c++) {
        CHECK(after.classes[c].pages == before.classes[c].pages);
        CHECK(after.classes[c].blocks_used == before.classes[c].blocks_used);
        CHECK(after.classes[c].blocks_free == before.classes[c].blocks_free);
    }
    verify_all(false);
}

/* A misuse call on address a: the fault is computed from the page map. */
static void misuse_at(int call, uintptr_t a, size_t size, size_t align)
{
    slab_fault want;
    if (a == 0) {
        return; /* NULL: free does nothing, realloc allocates */
    }
    want = g.meta_dirty ? SLAB_FAULT_NONE : classify(a);
    if (!g.meta_dirty && want == SLAB_FAULT_NONE) {
        return; /* a live block: not misuse */
    }
    if (call == CALL_FREE_SIZED && want == SLAB_FAULT_NONE) {
        return;
    }
    misuse(call, (void *)a, size, align, want);
}

/* A pointer the heap does not own, chosen by v and a. */
static uintptr_t foreign_ptr(uint32_t v, uint8_t a)
{
    static const int k_static_obj = 0;
    int local = 0;
    uintptr_t arena = addr(g.arena);
    uintptr_t hdr_room = g.base - arena;
    switch (a % 10u) {
    case 0: return arena + v % hdr_room;          /* the bookkeeping */
    case 1: return g.base - 1u - v % 64u;         /* just below the pages */
    case 2: return g.base + g.span + v % 8192u;   /* just past them */
    case 3: return addr(&k_static_obj);
    case 4: return addr(&local);                  /* never dereferenced */
    case 5: return (uintptr_t)v;
    case 6: return UINTPTR_MAX - (uintptr_t)v;
    case 7: return addr(g.h);
    case 8: return addr(g_buf) + v % 4096u;
    default: return g.base + g.span - 1u - v % 16u; /* last bytes: in */
    }
}

static void op_wrong_layout(slot *s, uint32_t v, uint8_t a, uint8_t b)
{
    size_t size = s->req, align = s->align;
    uintptr_t low = addr(s->p) & (~addr(s->p) + 1u);
    switch (a % 6u) {
    case 0: size = s->usable + 1u + v % 4096u; break;
    case 1: size = SIZE_MAX - (size_t)v; break;
    case 2: align = 0; break;
    case 3: align = (size_t)(v | 1u) == 1u ? 3u : (size_t)(v | 1u); break;
    case 4: align = (size_t)low * 2u; break; /* p is not aligned to it */
    default: align = (size_t)3 << (v % 20u); break;
    }
    if (size <= s->usable && is_pow2(align) && addr(s->p) % align == 0) {
        return; /* it fits after all */
    }
    if (b & 1u) {
        /* realloc checks the alignment before the pointer */
        if (!is_pow2(align)) {
            misuse(CALL_REALLOC, s->p, size, align, SLAB_FAULT_BAD_ALIGN);
        }
        return;
    }
    misuse(CALL_FREE_SIZED, s->p, size, align, SLAB_FAULT_WRONG_LAYOUT);
}

/* Write n bytes derived from v at address a, if [a, a + n) is free memory. */
static void corrupt_at(uintptr_t a, size_t n, uint32_t v, uint8_t how)
{
    unsigned char bytes[8];
    size_t i;
    if (n > 8u) {
        n = 8u;
    }
    if (!in_pages(a) || g.span - (a - g.base) < n) {
        return;
    }
    if (!g.meta_dirty && overlaps_live(a, n, NULL)) {
        return;
    }
    for (i = 0; i < n; i++) {
        bytes[i] = (unsigned char)(v >> (8u * (i % 4u)));
    }
    if (how & 0x10u) { /* a plausible link: an offset in the page */
        uint32_t link = (v % (uint32_t)PAGE) & ~(uint32_t)(how & 0x20u ? 15u : 0u);
        memcpy(bytes, &link, 4);
        n = n < 4u ? 4u : n;
        if (g.span - (a - g.base) < n || (!g.meta_dirty && overlaps_live(a, n, NULL))) {
            return;
        }
    }
    memcpy((void *)a, bytes, n);
    g.links_dirty = true;
}

/* Write a byte of the page table or of the header's lists and counters. */
static void corrupt_meta(uint8_t sidx, uint32_t v, uint8_t a, uint8_t b)
{
    unsigned char *t;
    size_t n;
    if (!g.meta_dirty) {
        /* from now on the heap may hand out anything inside its pages:
         * stop tracking and poisoning blocks */
        size_t i;
        for (i = 0; i < NSLOTS; i++) {
            if (g.slots[i].live) {
                UNPOISON(g.slots[i].p, g.slots[i].usable);
                g.slots[i].live = false;
            }
        }
        g.nlive = 0;
        g.meta_dirty = true;
    }
    if (b & 1u) {
        /* the header's lists, counters and class table (not its magic,
         * geometry, pointers or hooks) */
        t = (unsigned char *)g.h->head;
        n = (size_t)((unsigned char *)&g.h->bytes_used - t);
        if (b & 2u) {
            t = g.h->class_of;
            n = sizeof g.h->class_of;
        }
    } else if (b & 2u) {
        /* a page's list links */
        t = (unsigned char *)&g.h->links[sidx % g.npages];
        n = sizeof(page_link);
    } else {
        t = (unsigned char *)&g.h->meta[sidx % g.npages];
        n = sizeof(page_meta);
    }
    if (a & 1u) {
        t[v % n] ^= (unsigned char)(a | 1u);
    } else {
        t[v % n] = (unsigned char)(v >> 16);
    }
}

static void do_op(const uint8_t *r)
{
    unsigned op = r[0] % 16u;
    unsigned sidx = r[1];
    uint32_t v = rd32(r + 2);
    uint8_t a = r[6], b = r[7];
    slot *s;

    switch (op) {
    case OP_ALLOC:
    case OP_ALLOC2:
        do_alloc(sidx, decode_size(v, b), decode_align(a));
        break;
    case OP_ALLOC_MANY: {
        unsigned k, n = 1u + b % 16u;
        for (k = 0; k < n; k++) {
            do_alloc(sidx + k, decode_size(v, b >> 4), decode_align(a));
        }
        break;
    }
    case OP_FREE:
        s = find_live(sidx);
        if (s != NULL) {
            do_free(s, (a & 1u) != 0);
        }
        break;
    case OP_FREE_ALL: {
        size_t i;
        for (i = 0; i < NSLOTS; i++) {
            if (g.slots[i].live && ((i ^ a) & 1u)) {
                do_free(&g.slots[i], (b & 1u) != 0);
            }
        }
        break;
    }
    case OP_GHOST_FREE:
        if (g.nghosts > 0) {
            ghost *gh = &g.ghosts[sidx % g.nghosts];
            misuse_at(a % 3u == 0 ? CALL_FREE
                      : a % 3u == 1 ? CALL_FREE_SIZED : CALL_REALLOC,
                      addr(gh->p), a % 3u == 1 ? 1u : (size_t)v % 100u, 1u);
        }
        break;
    case OP_INTERIOR_FREE:
        s = find_live(sidx);
        if (s != NULL && s->usable > 1u) {
            uintptr_t p = addr(s->p) + 1u + v % (s->usable - 1u);
            misuse_at(a % 3u == 0 ? CALL_FREE
                      : a % 3u == 1 ? CALL_FREE_SIZED : CALL_REALLOC,
                      p, 1u, 1u);
        }
        break;
    case OP_FOREIGN_FREE:
        misuse_at(b % 3u == 0 ? CALL_FREE
                  : b % 3u == 1 ? CALL_FREE_SIZED : CALL_REALLOC,
                  foreign_ptr(v, a), 1u, 1u);
        break;
    case OP_ANY_FREE: {
        uintptr_t p = g.base + v % g.span;
        if (a & 1u) {
            p &= ~(uintptr_t)15u;
        }
        if (!g.meta_dirty) {
            const slot *ls = live_containing(p);
            if (ls != NULL && addr(ls->p) == p) {
                do_free(&g.slots[ls - g.slots], (b & 1u) != 0);
                break;
            }
        }
        misuse_at(b % 3u == 0 ? CALL_FREE
                  : b % 3u == 1 ? CALL_FREE_SIZED : CALL_REALLOC,
                  p, 1u, 1u);
        break;
    }
    case OP_WRONG_LAYOUT:
        s = find_live(sidx);
        if (s != NULL && !g.meta_dirty) {
            op_wrong_layout(s, v, a, b);
        }
        break;
    case OP_BAD_REALLOC:
        s = find_live(sidx);
        if (s != NULL && !g.meta_dirty) {
            size_t al = (a % 3u == 0) ? 0u : (size_t)3u << (a % 16u);
            misuse(CALL_REALLOC, s->p, (size_t)v % 5000u, al,
                   SLAB_FAULT_BAD_ALIGN);
        }
        break;
    case OP_CORRUPT_FREE:
        if (g.nghosts > 0) {
            ghost *gh = &g.ghosts[sidx % g.nghosts];
            size_t off = (a & 0x40u) ? (size_t)(v >> 8) % gh->usable : 0u;
            corrupt_at(addr(gh->p) + off, 1u + b % 8u, v, a);
        }
        break;
    case OP_CORRUPT_ANY_FREE:
        corrupt_at(g.base + (v ^ ((uint32_t)b << 24)) % g.span, 1u + b % 8u,
                   v, a);
        break;
    case OP_CORRUPT_META:
        corrupt_meta((uint8_t)sidx, v, a, b);
        break;
    case OP_REALLOC:
        s = find_live(sidx);
        if (s != NULL && !g.meta_dirty) {
            size_t req = decode_size(v, b);
            size_t align = decode_align(a);
            size_t hooks0 = g.hooks;
            size_t keep = s->usable < req ? s->usable : req;
            unsigned char *q;
            verify(s, true);
            UNPOISON(s->p, s->usable);
            g.expect_link_fault = g.links_dirty;
            q = slab_realloc(g.h, s->p, req, align);
            g.expect_link_fault = false;
            if (g.hooks != hooks0) {
                CHECK(g.hooks == hooks0 + 1u);
            }
            if (q == NULL) {
                POISON(s->p, s->usable);
                break;
            }
            {
                size_t usable;
                check_new(q, req, align, &usable, s);
                CHECK(same(q, 0, keep, s->phase) &&
                      "realloc lost the contents");
                if (q != s->p) {
                    ghost_add(s->p, s->usable);
                }
                s->p = q;
                s->req = req;
                s->align = align;
                s->usable = usable;
                s->phase = g.next_phase;
                g.next_phase = (g.next_phase + 1u) % PERIOD;
                fill(q, usable, s->phase);
                POISON(q, usable);
            }
        }
        break;
    case OP_CHECK:
    default:
        if (g.meta_dirty) {
            (void)slab_check(g.h);
        } else {
            verify_all(true);
            if (!g.links_dirty) {
                CHECK(slab_check(g.h));
            } else {
                (void)slab_check(g.h);
            }
        }
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t hdr[REC];
    size_t off, npages, i, nrec;

    pat_init();
    memset(&g, 0, sizeof g);
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, data, size < REC ? size : REC);
    off = ((size_t)hdr[0] | (size_t)hdr[1] << 8) & 4095u;
    npages = 4u + hdr[2] % 32u;
    g.arena = g_buf + off;
    g.arena_size = npages * PAGE + OVERHEAD - 4096u + (4096u - off) % 4096u;
    if (off + g.arena_size > BUF_SIZE) {
        g.arena_size = BUF_SIZE - off;
    }
    UNPOISON(g_buf, BUF_SIZE);
    memset(g_buf, 0xEE, BUF_SIZE);
    g.h = slab_init(g.arena, g.arena_size);
    CHECK(g.h != NULL);
    g.base = g.h->base;
    g.npages = g.h->npages;
    g.span = g.npages * PAGE;
    slab_set_fault_hook(g.h, hook, &g);
    {
        /* the names of all kinds, "none" included, are distinct */
        unsigned k1, k2;
        for (k1 = 0; k1 <= (unsigned)SLAB_FAULT_CORRUPT_META; k1++) {
            for (k2 = 0; k2 < k1; k2++) {
                CHECK(strcmp(slab_fault_name((slab_fault)k1),
                             slab_fault_name((slab_fault)k2)) != 0);
            }
        }
    }
    /* everything around the arena, and the tail after the pages */
    POISON(g_buf, off);
    POISON(g.arena + g.arena_size, BUF_SIZE - off - g.arena_size);
    POISON((void *)(g.base + g.span),
           (size_t)(addr(g.arena) + g.arena_size - (g.base + g.span)));

    nrec = size / REC;
    for (i = 1; i < nrec; i++) {
        g.opno = i;
        g.rec = data + i * REC;
        do_op(g.rec);
        if ((i & 7u) == 0) {
            model_check_stats();
        }
    }
    g.rec = NULL;
    /* the end: free what is live; an intact heap must be empty and sound */
    if (!g.meta_dirty) {
        verify_all(true);
        model_check_stats();
        for (i = 0; i < NSLOTS; i++) {
            if (g.slots[i].live) {
                do_free(&g.slots[i], false);
            }
        }
        {
            slab_stats st;
            slab_get_stats(g.h, &st);
            CHECK(st.bytes_used == 0 && st.blocks_used == 0);
            CHECK(st.fault_count == g.hooks);
        }
        if (!g.links_dirty) {
            CHECK(slab_check(g.h));
        }
    }
    UNPOISON(g_buf, BUF_SIZE);
    return 0;
}
