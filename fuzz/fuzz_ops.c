/*
 * fuzz_ops.c - libFuzzer / AFL++ harness for the slab heap: valid operations
 * against a shadow model.
 *
 * Input: a stream of 8-byte records (a trailing partial record is ignored).
 *
 * Record 0 is the arena header:
 *   [0..3] u32 LE  arena size value
 *   [4..5] u16 LE  start offset inside a page-aligned static buffer (& 4095)
 *   [6]    bits 0-1: size range (0: 8 KiB..64 KiB, 1: 8 KiB..256 KiB,
 *          2: 8 KiB..1 MiB, 3: 0..4 pages, where slab_init may refuse);
 *          bit 2: install lock hooks (slab_set_lock) that check every
 *          public call takes the lock exactly once, never nested, and that
 *          the fault hook runs under it
 *   [7]    byte the arena is filled with before slab_init
 * An input shorter than 8 bytes is zero-padded (64 KiB-ish arena at offset 0).
 *
 * Every later record is one operation:
 *   [0]    op: bits 0-2 the operation, bits 3-7 operation flags
 *   [1]    slot (0..255) of the shadow table; alloc uses the first empty slot
 *          from there, free/realloc/... the first live one
 *   [2..5] u32 LE value v, interpreted by the size mode
 *   [6]    alignment code (see decode_align)
 *   [7]    bits 0-2: size mode (see decode_size)
 *
 * Operations: 0 alloc, 1 free, 2 free_sized (a correct layout), 3 realloc,
 * 4 usable_size probes, 5 stats / largest_free probe, 6 full check,
 * 7 refill a block with a new pattern.
 *
 * After every operation the harness checks the heap against the model (see
 * post_op and page_walk); at the end of the input it frees every live block
 * and checks that every page can be handed out again. Any violation prints
 * file:line and the failed condition and calls abort().
 *
 * The harness does no misuse (no double, interior, foreign or wrong-layout
 * frees): the only faults it provokes are bad alignments, and any other fault
 * reported to the hook is a failure.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"
#include "fuzz_common.h"



/* ---- configuration ------------------------------------------------------ */

#define PAGE ((size_t)SLAB_PAGE_SIZE)
#define REC 8u
#define NSLOTS 256u
#define ARENA_MIN ((size_t)8192)
#define ARENA_MAX ((size_t)1 << 20)
#define MAX_PAGES (ARENA_MAX / PAGE + 1u)
#define BUF_SIZE (ARENA_MAX + 2u * 4096u)
/* slab_init may refuse an arena this small (header + page table + a page);
 * it must accept anything larger. */
#define ARENA_NULL_OK (3u * PAGE + 4096u)
/* Pattern period: a prime that divides no class size or page size. */
#define PERIOD 251u
#define PATBUF (PERIOD + 4096u)

enum {
    OP_ALLOC = 0,
    OP_FREE = 1,
    OP_FREE_SIZED = 2,
    OP_REALLOC = 3,
    OP_USABLE = 4,
    OP_STATS = 5,
    OP_CHECK = 6,
    OP_REFILL = 7
};

#define X_CLASS_(s) (size_t)(s),
static const size_t k_class[SLAB_NUM_CLASSES] = {SLAB_CLASS_LIST(X_CLASS_)};
#define NCLASSES ((size_t)SLAB_NUM_CLASSES)

typedef struct slot {
    unsigned char *p;
    size_t req;    /* size asked for */
    size_t align;  /* alignment asked for */
    size_t usable; /* slab_usable_size at allocation */
    unsigned phase; /* pattern phase (the fill tag) */
    bool live;
    bool large;
} slot;

typedef struct walk {
    slab_page_info info[MAX_PAGES];
    size_t run_free[MAX_PAGES]; /* FREE pages in a row starting at i */
    size_t run_avail[MAX_PAGES]; /* FREE or empty CLASS pages in a row
                                    starting at i: what a large block may
                                    take (R22, NO_RUN in spec/heap_spec.h) */
    size_t empty_class_pages;   /* CLASS pages with no block in use */
    size_t longest_free_run;
} walk;

static struct state {
    unsigned char *buf;    /* page-aligned start of g_raw */
    unsigned char *arena;  /* arena start given to slab_init */
    size_t arena_size;
    slab_heap *h;
    uintptr_t pages_base;  /* address of page 0 */
    size_t npages;
    slot slots[NSLOTS];
    size_t nlive;
    size_t model_bytes;       /* sum of usable sizes of live slots */
    size_t model_large_pages; /* pages of live large blocks */
    size_t hooks;             /* fault hook calls */
    bool locked;              /* lock hooks installed (header [6] bit 2) */
    unsigned lock_depth;      /* 1 between lock_enter and lock_leave */
    size_t lock_enters, lock_leaves;
    unsigned allow_faults;    /* bit per slab_fault the hook may see */
    unsigned next_phase;
    size_t opno;
    const uint8_t *rec;
    slab_stats st; /* stats after the last operation */
    walk w;
} g;

static unsigned char g_raw[BUF_SIZE + 4096u];
static unsigned char g_pat[PATBUF];
static bool g_pat_ready;
/* FUZZ_OPS_TRACE=1 in the environment prints every operation. */
static bool g_trace;

static const char *const k_op_name[8] = {"alloc", "free", "free_sized",
                                         "realloc", "usable", "stats",
                                         "check", "refill"};

/* Offset of p from page 0, for traces. */
static long rel(const void *p)
{
    return p == NULL ? -1L : (long)((uintptr_t)p - g.pages_base);
}

/* ---- failure reporting -------------------------------------------------- */

static void fail(const char *file, int line, const char *cond)
{
    fprintf(stderr, "fuzz_ops: %s:%d: check failed: %s\n", file, line, cond);
    fprintf(stderr, "fuzz_ops: arena size %zu at offset %zu, op #%zu",
            g.arena_size,
            g.arena ? (size_t)(g.arena - g.buf) : (size_t)0, g.opno);
    if (g.rec) {
        fprintf(stderr, " record %02x %02x %02x %02x %02x %02x %02x %02x",
                g.rec[0], g.rec[1], g.rec[2], g.rec[3], g.rec[4], g.rec[5],
                g.rec[6], g.rec[7]);
    }
    fprintf(stderr, ", %zu live blocks\n", g.nlive);
    abort();
}


/* ---- small helpers ------------------------------------------------------ */

static uintptr_t addr(const void *p) { return (uintptr_t)p; }

/* Smallest class whose size and natural alignment fit, or -1. */
static int class_for(size_t size, size_t align)
{
    size_t c;
    for (c = 0; c < NCLASSES; c++) {
        if (k_class[c] >= size && natural_align(k_class[c]) >= align) {
            return (int)c;
        }
    }
    return -1;
}

/* Pages of a large request; false if rounding up would overflow. */
static bool large_pages(size_t size, size_t *n)
{
    if (size > SIZE_MAX - (PAGE - 1u)) {
        return false;
    }
    *n = (size + PAGE - 1u) / PAGE;
    if (*n == 0) {
        *n = 1;
    }
    return true;
}

/* Usable size of the block a valid request gets (SIZE_MAX: none). */
static size_t expected_usable(size_t size, size_t align)
{
    int c = class_for(size, align);
    size_t n;
    if (c >= 0) {
        return k_class[c];
    }
    if (!large_pages(size, &n) || n > SIZE_MAX / PAGE) {
        return SIZE_MAX;
    }
    return n * PAGE;
}

static void lock_enter(void *ctx)
{
    CHECK(ctx == &g && g.locked);
    CHECK(g.lock_depth == 0 && "the heap's lock taken twice");
    g.lock_depth = 1;
    g.lock_enters++;
}

static void lock_leave(void *ctx)
{
    CHECK(ctx == &g && g.locked);
    CHECK(g.lock_depth == 1 && "the heap's lock released but not held");
    g.lock_depth = 0;
    g.lock_leaves++;
}

static void fault_hook(void *ctx, slab_fault kind, const void *ptr)
{
    CHECK(ctx == &g);
    CHECK(!g.locked || g.lock_depth == 1);
    CHECK((unsigned)kind < 32u);
    /* every kind the heap reports has a name of its own */
    CHECK(strcmp(slab_fault_name(kind), slab_fault_name((slab_fault)99)) != 0);
    if (!((g.allow_faults >> (unsigned)kind) & 1u)) {
        fprintf(stderr, "fuzz_ops: unexpected fault \"%s\" at page offset %ld\n",
                slab_fault_name(kind), rel(ptr));
    }
    CHECK((g.allow_faults >> (unsigned)kind) & 1u);
    if (kind == SLAB_FAULT_BAD_ALIGN) {
        CHECK(ptr == NULL);
    }
    g.hooks++;
}

/* ---- block contents ----------------------------------------------------- */

static void pat_init(void)
{
    size_t i;
    if (g_pat_ready) {
        return;
    }
    for (i = 0; i < PATBUF; i++) {
        g_pat[i] = (unsigned char)((i % PERIOD) * 97u + 13u);
    }
    g_pat_ready = true;
}

/* Byte i of a block with phase ph is g_pat[(ph + i) % PERIOD]. */
static void fill(unsigned char *p, size_t n, unsigned ph)
{
    size_t off = 0;
    while (off < n) {
        size_t k = (ph + off) % PERIOD;
        size_t chunk = n - off < 4096u ? n - off : 4096u;
        memcpy(p + off, g_pat + k, chunk);
        off += chunk;
    }
}

static bool same_pattern(const unsigned char *p, size_t from, size_t n,
                         unsigned ph)
{
    size_t off = from;
    size_t end = from + n;
    while (off < end) {
        size_t k = (ph + off) % PERIOD;
        size_t chunk = end - off < 4096u ? end - off : 4096u;
        if (memcmp(p + off, g_pat + k, chunk) != 0) {
            return false;
        }
        off += chunk;
    }
    return true;
}

static void verify_range(const slot *s, size_t from, size_t n)
{
    bool ok;
    UNPOISON(s->p, s->usable);
    ok = same_pattern(s->p, from, n, s->phase);
    POISON(s->p, s->usable);
    CHECK(ok && "contents of a live block changed");
}

static void verify_full(const slot *s) { verify_range(s, 0, s->usable); }

static void verify_ends(const slot *s)
{
    size_t n = s->usable < 16u ? s->usable : 16u;
    verify_range(s, 0, n);
    verify_range(s, s->usable - n, n);
}

/* Give the block a fresh pattern over its whole usable size. */
static void refill(slot *s)
{
    s->phase = g.next_phase;
    g.next_phase = (g.next_phase + 1u) % PERIOD;
    UNPOISON(s->p, s->usable);
    fill(s->p, s->usable, s->phase);
    POISON(s->p, s->usable);
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
    if (g.nlive == 0) {
        return NULL;
    }
    for (i = 0; i < NSLOTS; i++) {
        slot *s = &g.slots[(from + i) % NSLOTS];
        if (s->live) {
            return s;
        }
    }
    return NULL;
}

/* Usable size the heap must report for address a, by the model. */
static size_t model_usable_at(uintptr_t a)
{
    size_t i;
    for (i = 0; i < NSLOTS; i++) {
        if (g.slots[i].live && addr(g.slots[i].p) == a) {
            return g.slots[i].usable;
        }
    }
    return 0;
}

static void model_add(slot *s, unsigned char *p, size_t req, size_t align,
                      size_t usable, bool large)
{
    s->p = p;
    s->req = req;
    s->align = align;
    s->usable = usable;
    s->large = large;
    s->live = true;
    g.nlive++;
    g.model_bytes += usable;
    if (large) {
        g.model_large_pages += usable / PAGE;
    }
}

static void model_remove(slot *s)
{
    CHECK(s->live);
    s->live = false;
    g.nlive--;
    g.model_bytes -= s->usable;
    if (s->large) {
        g.model_large_pages -= s->usable / PAGE;
    }
}

/*
 * Checks on a block the heap just handed out for (req, align): inside the
 * pages, aligned, exactly the size the documented class choice gives, on a
 * page of the right kind, overlapping no live block (`except` is skipped).
 * Returns the usable size; *large tells whether it is a page run.
 */
static size_t check_new_block(const unsigned char *p, size_t req, size_t align,
                              const slot *except, bool *large)
{
    uintptr_t a = addr(p);
    uintptr_t cap = (uintptr_t)(g.npages * PAGE);
    size_t usable = slab_usable_size(g.h, p);
    int c = class_for(req, align);
    size_t idx, i, n;
    slab_page_info pi;

    CHECK(a >= g.pages_base && a - g.pages_base < cap);
    CHECK(a >= addr(g.arena) && a - addr(g.arena) < g.arena_size);
    CHECK(a % align == 0);
    CHECK(usable >= req);
    CHECK(usable <= cap - (a - g.pages_base));
    if (c >= 0) {
        CHECK(usable == k_class[c]);
        *large = false;
    } else {
        CHECK(large_pages(req, &n));
        CHECK(usable == n * PAGE);
        *large = true;
    }
    idx = (size_t)(a - g.pages_base) / PAGE;
    CHECK(slab_get_page_info(g.h, idx, &pi));
    if (*large) {
        CHECK(pi.kind == SLAB_PAGE_LARGE);
        CHECK(addr(pi.start) == a);
        CHECK(pi.block_size == usable);
    } else {
        CHECK(pi.kind == SLAB_PAGE_CLASS);
        CHECK(pi.block_size == usable);
        CHECK((a - addr(pi.start)) % usable == 0);
    }
    for (i = 0; i < NSLOTS; i++) {
        const slot *s = &g.slots[i];
        if (!s->live || s == except) {
            continue;
        }
        CHECK((addr(s->p) + s->usable <= a || a + usable <= addr(s->p)) &&
              "new block overlaps a live block");
    }
    return usable;
}

/* ---- stats -------------------------------------------------------------- */

static void get_stats(slab_stats *s)
{
    memset(s, 0xa5, sizeof *s);
    slab_get_stats(g.h, s);
}

/* Everything but the refusal and fault counters equal (and those too if
 * `counters`). */
static void same_stats(const slab_stats *a, const slab_stats *b, bool counters)
{
    size_t c;
    CHECK(a->capacity == b->capacity);
    CHECK(a->page_size == b->page_size);
    CHECK(a->pages_total == b->pages_total);
    CHECK(a->pages_free == b->pages_free);
    CHECK(a->pages_large == b->pages_large);
    CHECK(a->bytes_used == b->bytes_used);
    CHECK(a->bytes_peak == b->bytes_peak);
    CHECK(a->largest_free == b->largest_free);
    CHECK(a->blocks_used == b->blocks_used);
    for (c = 0; c < NCLASSES; c++) {
        CHECK(a->classes[c].block_size == b->classes[c].block_size);
        CHECK(a->classes[c].pages == b->classes[c].pages);
        CHECK(a->classes[c].blocks_used == b->classes[c].blocks_used);
        CHECK(a->classes[c].blocks_free == b->classes[c].blocks_free);
    }
    if (counters) {
        CHECK(a->oom_count == b->oom_count);
        CHECK(a->fault_count == b->fault_count);
    }
}

/*
 * Walk the page table: every page well described, class figures adding up
 * to the stats, large runs well formed, at most one empty page per class,
 * and largest_free at least what the free pages and blocks certainly allow.
 */
static void page_walk(const slab_stats *st)
{
    size_t i, c;
    size_t n_free = 0, n_large = 0;
    size_t cls_pages[SLAB_NUM_CLASSES], cls_used[SLAB_NUM_CLASSES];
    size_t cls_free[SLAB_NUM_CLASSES], cls_empty[SLAB_NUM_CLASSES];
    size_t tail_left = 0;
    size_t lower = 0;
    slab_page_info dummy;

    memset(cls_pages, 0, sizeof cls_pages);
    memset(cls_used, 0, sizeof cls_used);
    memset(cls_free, 0, sizeof cls_free);
    memset(cls_empty, 0, sizeof cls_empty);
    g.w.empty_class_pages = 0;
    g.w.longest_free_run = 0;

    for (i = 0; i < g.npages; i++) {
        slab_page_info *pi = &g.w.info[i];
        CHECK(slab_get_page_info(g.h, i, pi));
        CHECK(addr(pi->start) == g.pages_base + i * PAGE);
        if (tail_left > 0) {
            CHECK(pi->kind == SLAB_PAGE_LARGE_TAIL);
            tail_left--;
            n_large++;
            continue;
        }
        switch (pi->kind) {
        case SLAB_PAGE_FREE:
            n_free++;
            break;
        case SLAB_PAGE_CLASS:
            for (c = 0; c < NCLASSES; c++) {
                if (k_class[c] == pi->block_size) {
                    break;
                }
            }
            CHECK(c < NCLASSES);
            CHECK(pi->blocks_used + pi->blocks_free == PAGE / pi->block_size);
            cls_pages[c]++;
            cls_used[c] += pi->blocks_used;
            cls_free[c] += pi->blocks_free;
            if (pi->blocks_used == 0) {
                cls_empty[c]++;
                g.w.empty_class_pages++;
            }
            break;
        case SLAB_PAGE_LARGE:
            CHECK(pi->block_size >= PAGE && pi->block_size % PAGE == 0);
            CHECK(pi->block_size / PAGE <= g.npages - i);
            CHECK(pi->blocks_used == 1);
            tail_left = pi->block_size / PAGE - 1u;
            n_large++;
            break;
        default:
            fail(__FILE__, __LINE__, "page kind is FREE, CLASS or LARGE");
        }
    }
    CHECK(tail_left == 0);
    CHECK(!slab_get_page_info(g.h, g.npages, &dummy));
    CHECK(!slab_get_page_info(g.h, 0, NULL));

    for (i = g.npages; i-- > 0;) {
        size_t next = i + 1u < g.npages ? g.w.run_free[i + 1u] : 0;
        size_t next_avail = i + 1u < g.npages ? g.w.run_avail[i + 1u] : 0;
        bool avail = g.w.info[i].kind == SLAB_PAGE_FREE ||
                     (g.w.info[i].kind == SLAB_PAGE_CLASS &&
                      g.w.info[i].blocks_used == 0);
        g.w.run_free[i] = g.w.info[i].kind == SLAB_PAGE_FREE ? next + 1u : 0;
        g.w.run_avail[i] = avail ? next_avail + 1u : 0;
        if (g.w.run_free[i] > g.w.longest_free_run) {
            g.w.longest_free_run = g.w.run_free[i];
        }
    }

    CHECK(st->pages_total == g.npages);
    CHECK(st->pages_free == n_free);
    CHECK(st->pages_large == n_large);
    for (c = 0; c < NCLASSES; c++) {
        CHECK(st->classes[c].block_size == k_class[c]);
        CHECK(st->classes[c].pages == cls_pages[c]);
        CHECK(st->classes[c].blocks_used == cls_used[c]);
        CHECK(st->classes[c].blocks_free == cls_free[c]);
        CHECK(cls_empty[c] <= 1u && "a class keeps at most one empty page");
        if (cls_free[c] > 0 && k_class[c] > lower) {
            lower = k_class[c];
        }
    }
    /* Sizes that certainly can be served now. */
    if (g.w.longest_free_run * PAGE > lower) {
        lower = g.w.longest_free_run * PAGE;
    }
    if (g.w.empty_class_pages > 0 && PAGE > lower) {
        lower = PAGE;
    }
    CHECK(st->largest_free >= lower);
    CHECK(st->largest_free <= st->capacity);
}

/*
 * Is a refusal of the valid request (size, align) impossible by the stats
 * and page walk of the (unchanged) heap? Only what is certain counts.
 */
static bool oom_is_bug(const slab_stats *st, size_t size, size_t align)
{
    int c = class_for(size, align);
    size_t n, i;
    if (c >= 0) {
        return st->classes[c].blocks_free > 0 || st->pages_free > 0 ||
               g.w.empty_class_pages > 0;
    }
    if (!large_pages(size, &n) || n > g.npages) {
        return false;
    }
    /* Exact, as R22 is proved: a refusal is a bug iff some aligned run of
     * n pages, each free or a class's empty page, exists. */
    for (i = 0; i < g.npages; i++) {
        if (g.w.run_avail[i] >= n && addr(g.w.info[i].start) % align == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Checks after every operation. The page walk and slab_check (both linear
 * in the heap) run after every fourth operation, every check operation and
 * always on small heaps; `full` also compares every byte of every block.
 */
static void post_op(bool full)
{
    bool deep = full || g.npages <= 16u || g.opno % 4u == 0;
    slab_stats st;
    size_t i;

    CHECK(g.lock_depth == 0 && g.lock_enters == g.lock_leaves);
    CHECK(g.locked || g.lock_enters == 0);
    get_stats(&st);
    CHECK(st.capacity == g.npages * PAGE);
    CHECK(st.page_size == PAGE);
    CHECK(st.bytes_used == g.model_bytes);
    CHECK(st.blocks_used == g.nlive);
    CHECK(st.pages_large == g.model_large_pages);
    CHECK(st.fault_count == g.hooks);
    CHECK(st.oom_count >= g.st.oom_count);
    CHECK(st.bytes_peak >= g.st.bytes_peak);
    CHECK(st.bytes_peak >= st.bytes_used);
    CHECK(st.bytes_peak <= st.capacity);
    if (deep) {
        page_walk(&st);
        CHECK(slab_check(g.h));
    }
    for (i = 0; i < NSLOTS; i++) {
        if (g.slots[i].live) {
            if (full) {
                verify_full(&g.slots[i]);
            } else {
                verify_ends(&g.slots[i]);
            }
        }
    }
    g.st = st;
}

/* ---- decoding ----------------------------------------------------------- */

static size_t decode_align(uint8_t b)
{
    if (b < 0xC0u) {
        return (size_t)1 << (b % (SLAB_PAGE_SHIFT + 1));
    }
    if (b < 0xF0u) {
        return (size_t)1 << ((b - 0xC0u) % 25u);
    }
    switch (b & 0x0Fu) {
    case 0: return 0;
    case 1: return 3;
    case 2: return 6;
    case 3: return 12;
    case 4: return 24;
    case 5: return 48;
    case 6: return PAGE * 3u;
    case 7: return PAGE - 1u;
    case 8: return SIZE_MAX;
    case 9: return SIZE_MAX / 2u + 1u; /* the top bit: a power of two */
    case 10: return SIZE_MAX / 2u;
    case 11: return (SIZE_MAX / 2u + 1u) >> 1;
    case 12: return (size_t)1 << 30;
    case 13: return PAGE * 2u;
    case 14: return 1000;
    default: return 65537;
    }
}

static size_t sub_sat(size_t a, size_t b) { return a > b ? a - b : 0; }

static size_t decode_size(uint32_t v, uint8_t mode)
{
    switch (mode & 7u) {
    case 0:
        return v % (PAGE + 1u);
    case 1:
        return v & 0xFFu;
    case 2: { /* class edge: class size - 1, + 0, + 1 */
        size_t c = k_class[(v & 0xFFu) % NCLASSES];
        return c + ((v >> 8) % 3u) - 1u;
    }
    case 3:
        return v % (ARENA_MAX + 2u * PAGE + 1u);
    case 4: {
        size_t k = v >> 8;
        switch (v % 21u) {
        case 0: return 0;
        case 1: return 1;
        case 2: return 2;
        case 3: return 7;
        case 4: return 8;
        case 5: return PAGE / 2u;
        case 6: return PAGE - 1u;
        case 7: return PAGE;
        case 8: return PAGE + 1u;
        case 9: return 2u * PAGE - 1u;
        case 10: return 2u * PAGE;
        case 11: return 2u * PAGE + 1u;
        case 12: return SIZE_MAX;
        case 13: return SIZE_MAX - 1u;
        case 14: return SIZE_MAX - (PAGE - 1u);
        case 15: return SIZE_MAX - PAGE;
        case 16: return SIZE_MAX - k;
        case 17: return SIZE_MAX / 2u;
        case 18: return SIZE_MAX / 2u + 1u;
        case 19: return SIZE_MAX / PAGE * PAGE;
        default: return SIZE_MAX / PAGE * PAGE - PAGE + 1u;
        }
    }
    case 5:
        return SIZE_MAX - (v & 0xFFFFFu);
    case 6:
        return (size_t)v;
    default: { /* relative to the heap's current figures */
        size_t base;
        size_t d = v % 9u;
        switch ((v >> 8) % 4u) {
        case 0: base = g.st.largest_free; break;
        case 1: base = g.st.capacity; break;
        case 2: base = g.st.pages_free * PAGE; break;
        default: base = ((v >> 10) % 300u) * PAGE; break;
        }
        return d >= 4u ? base + (d - 4u) : sub_sat(base, 4u - d);
    }
    }
}

/* ---- operations --------------------------------------------------------- */

/* A fresh allocation into slot s, through slab_alloc or slab_realloc(NULL). */
static void op_alloc(slot *s, size_t size, size_t align, bool via_realloc)
{
    slab_stats before = g.st, after;
    size_t hooks = g.hooks;
    bool valid = is_pow2(align);
    unsigned char *p;

    g.allow_faults = valid ? 0u : 1u << SLAB_FAULT_BAD_ALIGN;
    p = via_realloc ? slab_realloc(g.h, NULL, size, align)
                    : slab_alloc(g.h, size, align);
    g.allow_faults = 0;
    get_stats(&after);
    if (g_trace) {
        fprintf(stderr, "  %s(%zu, %zu) -> page offset %ld\n",
                via_realloc ? "realloc(NULL)" : "alloc", size, align, rel(p));
    }

    if (!valid) {
        CHECK(p == NULL && "bad alignment accepted");
        CHECK(g.hooks == hooks + 1u);
        CHECK(after.fault_count == before.fault_count + 1u);
        CHECK(after.oom_count - before.oom_count <= 1u);
        same_stats(&before, &after, false);
        return;
    }
    if (p == NULL) {
        CHECK(g.hooks == hooks);
        CHECK(after.fault_count == before.fault_count);
        CHECK(after.oom_count == before.oom_count + 1u);
        same_stats(&before, &after, false);
        page_walk(&after);
        CHECK(!oom_is_bug(&after, size, align) &&
              "valid request refused although the heap has room");
        return;
    }
    {
        bool large;
        size_t usable = check_new_block(p, size, align, NULL, &large);
        CHECK(g.hooks == hooks);
        CHECK(after.oom_count == before.oom_count);
        CHECK(after.fault_count == before.fault_count);
        CHECK(after.blocks_used == before.blocks_used + 1u);
        CHECK(after.bytes_used == before.bytes_used + usable);
        CHECK(after.bytes_peak == (before.bytes_peak > after.bytes_used
                                       ? before.bytes_peak
                                       : after.bytes_used));
        model_add(s, p, size, align, usable, large);
        refill(s);
    }
}

static void op_free(const uint8_t *r, bool sized)
{
    slot *s = find_live(r[1]);
    slab_stats before = g.st, after;
    size_t hooks = g.hooks;
    unsigned char *p;

    if (s == NULL) {
        if (sized) {
            slab_free_sized(g.h, NULL, 0, 1);
        } else {
            slab_free(g.h, NULL);
        }
        get_stats(&after);
        same_stats(&before, &after, true);
        CHECK(g.hooks == hooks);
        return;
    }
    verify_full(s);
    p = s->p;
    if (g_trace) {
        fprintf(stderr, "  free%s(%ld [%zu])\n", sized ? "_sized" : "", rel(p),
                s->usable);
    }
    UNPOISON(p, s->usable);
    if (sized) {
        size_t size, align;
        switch ((r[0] >> 3) & 3u) {
        case 0: size = s->req; break;
        case 1: size = s->usable; break;
        case 2: size = rd32(r + 2) % (s->usable + 1u); break;
        default: size = 0; break;
        }
        switch ((r[0] >> 5) & 3u) {
        case 0: align = s->align; break;
        case 1: align = 1; break;
        case 2: align = natural_align((size_t)addr(p)); break;
        default: align = s->align > 1u ? s->align / 2u : 1u; break;
        }
        slab_free_sized(g.h, p, size, align);
    } else {
        slab_free(g.h, p);
    }
    get_stats(&after);
    CHECK(g.hooks == hooks);
    CHECK(after.oom_count == before.oom_count);
    CHECK(after.fault_count == before.fault_count);
    CHECK(after.bytes_peak == before.bytes_peak);
    CHECK(after.blocks_used + 1u == before.blocks_used);
    CHECK(after.bytes_used + s->usable == before.bytes_used);
    model_remove(s);
    CHECK(slab_usable_size(g.h, p) == 0);
}

static void op_realloc(const uint8_t *r, size_t size, size_t align)
{
    slot *s = (r[0] & 0x08u) ? NULL : find_live(r[1]);
    slab_stats before = g.st, after;
    size_t hooks = g.hooks;
    bool valid = is_pow2(align);
    bool fits, keep, move;
    slot old;
    unsigned char *q;

    if (s == NULL) {
        s = find_empty(r[1]);
        if (s != NULL) {
            op_alloc(s, size, align, true);
        }
        return;
    }
    old = *s;
    verify_full(s);
    fits = valid && old.usable >= size && addr(old.p) % align == 0;
    /* Documented: a block that fits and is at most twice the size asked
     * for is returned unchanged. (Size 0 is left open: "a minimal block".) */
    keep = fits && size > 0 && old.usable <= 2u * size;
    /* ... and one more than twice the block the request gets is replaced
     * (whether "needed" means the size or its block, this one is too big) */
    move = !fits || old.usable / 2u > expected_usable(size, align);

    UNPOISON(old.p, old.usable);
    g.allow_faults = valid ? 0u : 1u << SLAB_FAULT_BAD_ALIGN;
    q = slab_realloc(g.h, old.p, size, align);
    g.allow_faults = 0;
    if (q == NULL || q == old.p) {
        POISON(old.p, old.usable); /* still live */
    }
    get_stats(&after);
    if (g_trace) {
        fprintf(stderr, "  realloc(%ld [%zu], %zu, %zu) -> %ld\n", rel(old.p),
                old.usable, size, align, rel(q));
    }

    if (!valid) {
        CHECK(q == NULL && "bad alignment accepted");
        CHECK(g.hooks == hooks + 1u);
        CHECK(after.fault_count == before.fault_count + 1u);
        CHECK(after.oom_count - before.oom_count <= 1u);
        same_stats(&before, &after, false);
        verify_full(s);
        return;
    }
    CHECK(g.hooks == hooks);
    CHECK(after.fault_count == before.fault_count);
    if (q == NULL) {
        /* a block that fits is returned as it is when no new one is had */
        CHECK(!fits && "realloc refused a layout its block already fits");
        CHECK(after.oom_count == before.oom_count + 1u);
        same_stats(&before, &after, false);
        verify_full(s);
        CHECK(slab_usable_size(g.h, old.p) == old.usable);
        page_walk(&after);
        CHECK(!oom_is_bug(&after, size, align) &&
              "valid realloc refused although the heap has room");
        return;
    }
    CHECK(after.oom_count == before.oom_count);
    if (q == old.p) {
        CHECK(fits && "realloc kept a block that does not fit");
        same_stats(&before, &after, true);
        if (move) {
            /* Kept although more than twice the block the request needs:
             * only acceptable when no new block could be had. */
            page_walk(&after);
            CHECK(!oom_is_bug(&after, size, align) &&
                  "realloc kept an oversized block although it could move");
        }
        CHECK(slab_usable_size(g.h, q) == old.usable);
        s->req = size;
        s->align = align;
        verify_full(s);
        return;
    }
    CHECK(!keep && "realloc moved a block it must keep");
    {
        bool large;
        size_t usable, n = old.req < size ? old.req : size;
        model_remove(s);
        usable = check_new_block(q, size, align, NULL, &large);
        CHECK((addr(q) + usable <= addr(old.p) ||
               addr(old.p) + old.usable <= addr(q)) &&
              "realloc's new block overlaps the old one");
        CHECK(slab_usable_size(g.h, old.p) == 0);
        CHECK(after.blocks_used == before.blocks_used);
        CHECK(after.bytes_used == before.bytes_used - old.usable + usable);
        CHECK(after.bytes_peak >= before.bytes_peak);
        CHECK(after.bytes_peak >= after.bytes_used);
        CHECK(after.bytes_peak <= (before.bytes_peak >
                                           before.bytes_used + usable
                                       ? before.bytes_peak
                                       : before.bytes_used + usable));
        model_add(s, q, size, align, usable, large);
        s->phase = old.phase;
        verify_range(s, 0, n); /* contents kept up to the smaller size */
        refill(s);
    }
}

static void op_usable(const uint8_t *r)
{
    slab_stats before = g.st, after;
    size_t hooks = g.hooks;
    uint32_t v = rd32(r + 2);
    slot *s = find_live(r[1]);
    uintptr_t a;
    int local = 0;

    CHECK(slab_usable_size(g.h, NULL) == 0);
    CHECK(slab_usable_size(g.h, &local) == 0);
    CHECK(slab_usable_size(g.h, g.buf) == model_usable_at(addr(g.buf)));
    if (s != NULL) {
        CHECK(slab_usable_size(g.h, s->p) == s->usable);
        if (s->usable > 1u) {
            size_t k = 1u + v % (s->usable - 1u);
            CHECK(slab_usable_size(g.h, s->p + k) == 0);
        }
        a = addr(s->p) + s->usable;
        if (a - g.pages_base < g.npages * PAGE) {
            CHECK(slab_usable_size(g.h, s->p + s->usable) ==
                  model_usable_at(a));
        }
    }
    /* any byte of the arena: the start of a live block or 0 */
    {
        const unsigned char *q = g.arena + v % g.arena_size;
        const slab_page_info *pi = &g.w.info[(v >> 4) % g.npages];
        CHECK(slab_usable_size(g.h, q) == model_usable_at(addr(q)));
        /* a block start (free or live) of some page */
        q = g.arena + (addr(pi->start) - addr(g.arena));
        if (pi->kind == SLAB_PAGE_CLASS) {
            q += (v >> 12) % (PAGE / pi->block_size) * pi->block_size;
        }
        CHECK(slab_usable_size(g.h, q) == model_usable_at(addr(q)));
    }
    get_stats(&after);
    same_stats(&before, &after, true);
    CHECK(g.hooks == hooks);
}

/* largest_free: slab_alloc(largest_free, 1) succeeds and one byte more is
 * refused. */
static void op_stats(const uint8_t *r)
{
    slab_stats before = g.st, after;
    size_t lf = before.largest_free;
    slot *s;

    if (lf < SIZE_MAX) {
        void *p = slab_alloc(g.h, lf == 0 ? 1u : lf + 1u, 1);
        CHECK(p == NULL && "largest_free + 1 was served");
        get_stats(&after);
        CHECK(after.oom_count == before.oom_count + 1u);
        same_stats(&before, &after, false);
        g.st = after;
    }
    if (lf == 0) {
        return;
    }
    s = find_empty(r[1]);
    if (s != NULL) {
        op_alloc(s, lf, 1, false);
        CHECK(s->live && "largest_free was refused");
    } else {
        void *p = slab_alloc(g.h, lf, 1);
        CHECK(p != NULL && "largest_free was refused");
        CHECK(slab_usable_size(g.h, p) >= lf);
        slab_free(g.h, p);
    }
}

static void op_refill(const uint8_t *r)
{
    slot *s = find_live(r[1]);
    if (s != NULL) {
        verify_full(s);
        refill(s);
    }
}

/* ---- input lifecycle ---------------------------------------------------- */

/* The first bytes of the arena (where a heap header would go) still hold
 * the fill byte. */
static bool arena_untouched(uint8_t fill_byte)
{
    size_t i, n = g.arena_size < 2u * PAGE ? g.arena_size : 2u * PAGE;
    for (i = 0; i < n; i++) {
        if (g.arena[i] != fill_byte) {
            return false;
        }
    }
    return true;
}

static bool setup(const uint8_t *hdr)
{
    uint32_t v = rd32(hdr);
    size_t off = ((size_t)hdr[4] | (size_t)hdr[5] << 8) & 4095u;
    size_t span;
    slab_stats st;
    size_t c;

    memset(&g, 0, sizeof g);
    pat_init();
    {
        const char *t = getenv("FUZZ_OPS_TRACE");
        g_trace = t != NULL && t[0] != '\0' && t[0] != '0';
    }
    g.buf = g_raw + (4096u - addr(g_raw) % 4096u) % 4096u;
    switch (hdr[6] & 3u) {
    case 0: span = (size_t)64 << 10; break;
    case 1: span = (size_t)256 << 10; break;
    case 2: span = ARENA_MAX; break;
    default: span = 0; break;
    }
    g.arena_size = span != 0 ? ARENA_MIN + v % (span - ARENA_MIN + 1u)
                             : v % (4u * PAGE + 1u);
    g.arena = g.buf + off;

    UNPOISON(g_raw, sizeof g_raw);
    memset(g.arena, hdr[7], g.arena_size);
    POISON(g_raw, (size_t)(g.arena - g_raw));
    POISON(g.arena + g.arena_size,
           sizeof g_raw - (size_t)(g.arena - g_raw) - g.arena_size);

    CHECK(slab_alloc(NULL, 16, 1) == NULL);
    /* every entry point refuses a NULL heap without touching anything */
    CHECK(slab_realloc(NULL, NULL, 16, 1) == NULL);
    CHECK(slab_usable_size(NULL, g.arena) == 0);
    CHECK(!slab_check(NULL));
    {
        slab_page_info pi0;
        CHECK(!slab_get_page_info(NULL, 0, &pi0));
    }
    slab_free(NULL, g.arena);
    slab_free_sized(NULL, g.arena, 16, 1);
    get_stats(&st); /* g.h is NULL: zeroed */
    slab_get_stats(g.h, NULL); /* no place to write: nothing happens */
    CHECK(st.pages_total == 0 && st.capacity == 0 && st.bytes_used == 0);

    /* refusals touch nothing */
    CHECK(slab_init(NULL, g.arena_size) == NULL);
    CHECK(slab_init(g.arena, SIZE_MAX) == NULL); /* arena + size wraps */
    CHECK(arena_untouched(hdr[7]));

    g.h = slab_init(g.arena, g.arena_size);
    if (g.h == NULL) {
        CHECK(g.arena_size < ARENA_NULL_OK && "slab_init refused an arena");
        CHECK(arena_untouched(hdr[7]));
        return false;
    }
    CHECK(addr(g.h) >= addr(g.arena) &&
          addr(g.h) - addr(g.arena) < g.arena_size);
    slab_set_fault_hook(g.h, fault_hook, &g);
    if (hdr[6] & 4u) {
        slab_set_lock(g.h, lock_enter, lock_leave, &g);
        g.locked = true;
    }

    get_stats(&st);
    CHECK(st.page_size == PAGE);
    CHECK(st.pages_total >= 1u && st.pages_total <= MAX_PAGES);
    CHECK(st.capacity == st.pages_total * PAGE);
    CHECK(st.pages_free == st.pages_total);
    CHECK(st.pages_large == 0 && st.bytes_used == 0 && st.bytes_peak == 0);
    CHECK(st.blocks_used == 0 && st.oom_count == 0 && st.fault_count == 0);
    CHECK(st.largest_free == st.capacity);
    for (c = 0; c < NCLASSES; c++) {
        CHECK(st.classes[c].block_size == k_class[c]);
        CHECK(st.classes[c].pages == 0 && st.classes[c].blocks_used == 0 &&
              st.classes[c].blocks_free == 0);
    }
    g.npages = st.pages_total;
    if (g_trace) {
        fprintf(stderr, "arena %zu bytes at offset %zu: %zu pages\n",
                g.arena_size, (size_t)(g.arena - g.buf), g.npages);
    }
    {
        slab_page_info pi;
        CHECK(slab_get_page_info(g.h, 0, &pi));
        g.pages_base = addr(pi.start);
    }
    CHECK(g.pages_base % PAGE == 0);
    CHECK(g.pages_base > addr(g.h));
    CHECK(g.pages_base >= addr(g.arena));
    CHECK(g.pages_base - addr(g.arena) + g.npages * PAGE <= g.arena_size);
    g.st = st;
    page_walk(&st);
    CHECK(slab_check(g.h));
    return true;
}

/* Free everything; then every page must be reachable again. */
static void finish(void)
{
    static unsigned char *pages[MAX_PAGES + 1u];
    size_t i, n = 0, c;
    slab_stats st;
    uint8_t r[REC];

    g.rec = NULL;
    memset(r, 0, sizeof r);
    for (i = 0; i < NSLOTS; i++) {
        if (g.slots[i].live) {
            bool sized = i % 4u == 0;
            r[0] = (uint8_t)((sized ? OP_FREE_SIZED : OP_FREE) | (i % 3u) << 3);
            r[1] = (uint8_t)i;
            op_free(r, sized);
            post_op(false);
        }
    }
    post_op(true);
    get_stats(&st);
    CHECK(st.bytes_used == 0 && st.blocks_used == 0 && st.pages_large == 0);
    for (c = 0; c < NCLASSES; c++) {
        CHECK(st.classes[c].blocks_used == 0);
        CHECK(st.classes[c].pages <= 1u);
    }
    page_walk(&st);
    for (n = 0; n <= g.npages; n++) {
        pages[n] = slab_alloc(g.h, PAGE, 1);
        if (pages[n] == NULL) {
            break;
        }
        CHECK(addr(pages[n]) % PAGE == 0);
        CHECK(addr(pages[n]) - g.pages_base < g.npages * PAGE);
        CHECK(slab_usable_size(g.h, pages[n]) == PAGE);
    }
    CHECK(n == g.npages && "not every page is reachable after freeing all");
    get_stats(&st);
    CHECK(st.pages_free == 0 && st.largest_free == 0);
    CHECK(st.bytes_used == g.npages * PAGE);
    CHECK(slab_check(g.h));
    for (i = 0; i < n; i++) {
        slab_free(g.h, pages[i]);
    }
    get_stats(&st);
    CHECK(st.bytes_used == 0 && st.blocks_used == 0);
    CHECK(st.fault_count == g.hooks);
    CHECK(slab_check(g.h));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t hdr[REC];
    size_t pos;

    memset(hdr, 0, sizeof hdr);
    if (size > 0) {
        memcpy(hdr, data, size < REC ? size : REC);
    }
    if (setup(hdr)) {
        for (pos = REC; pos + REC <= size; pos += REC) {
            const uint8_t *r = data + pos;
            uint32_t v = rd32(r + 2);
            size_t sz = decode_size(v, r[7]);
            size_t al = decode_align(r[6]);
            g.rec = r;
            g.opno++;
            if (g_trace) {
                fprintf(stderr, "#%zu %s slot %u size %zu align %zu\n",
                        g.opno, k_op_name[r[0] & 7u], r[1], sz, al);
            }
            switch (r[0] & 7u) {
            case OP_ALLOC: {
                slot *s = find_empty(r[1]);
                if (s != NULL) {
                    op_alloc(s, sz, al, false);
                }
                break;
            }
            case OP_FREE:
                op_free(r, false);
                break;
            case OP_FREE_SIZED:
                op_free(r, true);
                break;
            case OP_REALLOC:
                op_realloc(r, sz, al);
                break;
            case OP_USABLE:
                op_usable(r);
                break;
            case OP_STATS:
                op_stats(r);
                break;
            case OP_CHECK:
                break;
            default:
                op_refill(r);
                break;
            }
            post_op((r[0] & 7u) == OP_CHECK);
        }
        finish();
    }
    UNPOISON(g_raw, sizeof g_raw);
    memset(&g, 0, sizeof g);
    return 0;
}
