/*
 * bench.c - the allocation benchmark: one source, one binary per allocator.
 *
 * The workload code below is identical for every allocator; only the
 * adapter (bench_alloc / bench_free, chosen with -D) differs:
 *
 *   -DBENCH_SLAB      this library, on a static 64 MiB arena
 *   -DBENCH_MALLOC    malloc/free of whatever is linked: glibc, or jemalloc,
 *                     mimalloc, tcmalloc when their library is on the link
 *                     line (they replace malloc and free)
 *   -DBENCH_NULL      a "null allocator": returns one static block and frees
 *                     nothing; it measures the harness loop alone
 *
 * The adapters are out-of-line functions that the compiler may neither
 * inline nor analyse (noipa), so every binary executes the same loop code
 * and the same calls; only what happens inside the calls differs.
 *
 * Modes (argv[1]):
 *   time   wall-clock timing: ns per alloc+free pair of each of REPS runs
 *          (clock_gettime(CLOCK_MONOTONIC) around N pairs)
 *   cg     the same workloads for callgrind: each runs N and then 2N pairs,
 *          and each run is one callgrind dump (CALLGRIND_ZERO_STATS before,
 *          CALLGRIND_DUMP_STATS_AT after) labelled "TP <workload> <n>"
 *   ct     (slab) single calls of slab_alloc / slab_free on every path, at
 *          heap fill levels from empty to full and fragmented, one dump each
 *   prof   hot 64-byte pairs inside prof_hot(), for callgrind_annotate
 *   mem    (slab) how much of a 64 KiB and a 1 MiB arena can be allocated,
 *          and for random sizes where the rest of the arena went
 *   info   which library provides malloc
 *
 * bench/run_bench.py runs all of this and writes bench/RESULTS.md.
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#if defined(__GNUC__) && !defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline, noipa))
#else
#define BENCH_NOINLINE __attribute__((noinline))
#endif
#define BENCH_ALIGNED(n) __attribute__((aligned(n)))

/* Every workload asks for this alignment (what a struct holding a pointer or
 * a 64-bit integer needs); malloc gives at least 16, so it serves it as is. */
#define ALIGN 8u

static void die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(1);
}

/* ---- adapters ----------------------------------------------------------- */

#if defined(BENCH_SLAB)
#include "heap_internal.h" /* sizeof the page table entry and header only */
#include "slab.h"

#ifndef BENCH_NAME
#define BENCH_NAME "slab"
#endif
#define ARENA_BYTES ((size_t)64u << 20)
static unsigned char arena[ARENA_BYTES] BENCH_ALIGNED(4096);
static slab_heap *heap;

static void bench_setup(void)
{
    heap = slab_init(arena, sizeof arena);
    if (heap == NULL) {
        die("slab_init failed");
    }
}

BENCH_NOINLINE static void *bench_alloc(size_t size, size_t align)
{
    return slab_alloc(heap, size, align);
}

BENCH_NOINLINE static void bench_free(void *p)
{
    slab_free(heap, p);
}

#elif defined(BENCH_NULL)
#define BENCH_NAME "null"
static unsigned char null_block[16384] BENCH_ALIGNED(64);

static void bench_setup(void)
{
}

BENCH_NOINLINE static void *bench_alloc(size_t size, size_t align)
{
    (void)size;
    (void)align;
    return null_block;
}

BENCH_NOINLINE static void bench_free(void *p)
{
    (void)p;
}

#elif defined(BENCH_MALLOC)
#ifndef BENCH_NAME
#define BENCH_NAME "malloc"
#endif

static void bench_setup(void)
{
}

BENCH_NOINLINE static void *bench_alloc(size_t size, size_t align)
{
    (void)align; /* ALIGN <= 16: malloc's own alignment covers it */
    return malloc(size);
}

BENCH_NOINLINE static void bench_free(void *p)
{
    free(p);
}

#else
#error "define BENCH_SLAB, BENCH_MALLOC or BENCH_NULL"
#endif

/* ---- random sequences (generated before any measurement) ---------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
    rng_state = s * 0x9E3779B97F4A7C15u + 1u;
}

static uint64_t rng_next(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

/* Uniform in [0, n). */
static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in (0, 1]. */
static double rng_unit(void)
{
    return ((double)(rng_next() >> 11) + 1.0) / 9007199254740992.0;
}

#define SEQ_LEN ((size_t)1 << 21) /* longest run: 2 x cg_n or time_n */
#define CHURN_LIVE 4096u
#define RAND_LIVE 1024u
#define PC_BASE 256u     /* blocks always in the queue */
#define PC_RING 4096u    /* ring capacity (power of two) */
#define PC_BURSTS 4096u

static uint16_t seq_idx[SEQ_LEN];    /* uniform in [0, 4096) */
static uint16_t seq_u512[SEQ_LEN];   /* uniform 16..512 */
static uint16_t seq_u4096[SEQ_LEN];  /* uniform 16..4096 */
static uint16_t seq_pareto[SEQ_LEN]; /* power law, small-biased */
static uint16_t seq_msg[SEQ_LEN];    /* producer/consumer: uniform 16..256 */
static uint8_t pc_burst[PC_BURSTS];  /* 1..32 */

/* Pareto(x_min = 16, alpha = 1.2), capped at 16384: median about 28 B,
 * 19% above 64 B, 0.4% above 1 KiB, 0.13% above 4 KiB (served as pages). */
static uint16_t pareto_size(void)
{
    double s = 16.0 / pow(rng_unit(), 1.0 / 1.2);
    if (s > 16384.0) {
        s = 16384.0;
    }
    return (uint16_t)s;
}

static void make_sequences(size_t len)
{
    rng_seed(42u);
    for (size_t i = 0; i < len; i++) {
        seq_idx[i] = (uint16_t)rng_below(CHURN_LIVE);
        seq_u512[i] = (uint16_t)(16u + rng_below(512u - 16u + 1u));
        seq_u4096[i] = (uint16_t)(16u + rng_below(4096u - 16u + 1u));
        seq_pareto[i] = pareto_size();
        seq_msg[i] = (uint16_t)(16u + rng_below(256u - 16u + 1u));
    }
    for (size_t i = 0; i < PC_BURSTS; i++) {
        pc_burst[i] = (uint8_t)(1u + rng_below(32u));
    }
}

/* ---- workloads ------------------------------------------------------------ */

BENCH_NOINLINE static void out_of_memory(void)
{
    die("allocation failed during a workload");
}

/* Every block handed out is written once (so it is real memory) and
 * checked for NULL: the same few instructions for every allocator. */
#define TOUCH(p, i)                                                           \
    do {                                                                      \
        if ((p) == NULL) {                                                    \
            out_of_memory();                                                  \
        }                                                                     \
        *(volatile unsigned char *)(p) = (unsigned char)(i);                  \
    } while (0)

enum workload { WL_HOT, WL_CHURN, WL_PC, WL_U512, WL_U4096, WL_PARETO };

static const char *const wl_name[] = {"hot", "churn", "prodcons", "rand512",
                                      "rand4096", "pareto"};

static void *slots[CHURN_LIVE];
static void *ring[PC_RING];
static size_t ring_head;
static size_t ring_tail;

/* (1) one alloc + free pair of the same size, again and again */
static void hot_run(size_t size, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        void *p = bench_alloc(size, ALIGN);
        TOUCH(p, i);
        bench_free(p);
    }
}

/* (2) 4096 live 64-byte blocks: free a random one, allocate its successor */
static void churn_run(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t k = seq_idx[i];
        void *p;
        bench_free(slots[k]);
        p = bench_alloc(64u, ALIGN);
        TOUCH(p, i);
        slots[k] = p;
    }
}

/* (4) 1024 live blocks of random sizes: free a random one, allocate one of
 * the next size from the distribution */
static void rand_run(const uint16_t *sizes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t k = seq_idx[i] & (RAND_LIVE - 1u);
        void *p;
        bench_free(slots[k]);
        p = bench_alloc(sizes[i], ALIGN);
        TOUCH(p, i);
        slots[k] = p;
    }
}

/* (3) producer/consumer: a FIFO queue of messages (16..256 B). The producer
 * enqueues a burst of 1..32 messages, the consumer then dequeues as many;
 * PC_BASE older messages stay queued, so blocks are freed oldest first, in
 * allocation order, never the LIFO order a free list favours. */
static void pc_run(size_t n)
{
    size_t done = 0;
    size_t b = 0;
    while (done < n) {
        size_t k = pc_burst[b % PC_BURSTS];
        b++;
        if (k > n - done) {
            k = n - done;
        }
        for (size_t j = 0; j < k; j++) {
            void *p = bench_alloc(seq_msg[done + j], ALIGN);
            TOUCH(p, j);
            ring[ring_tail % PC_RING] = p;
            ring_tail++;
        }
        for (size_t j = 0; j < k; j++) {
            bench_free(ring[ring_head % PC_RING]);
            ring_head++;
        }
        done += k;
    }
}

static const uint16_t *rand_sizes(int wl)
{
    switch (wl) {
    case WL_U512:
        return seq_u512;
    case WL_U4096:
        return seq_u4096;
    default:
        return seq_pareto;
    }
}

static void wl_setup(int wl)
{
    switch (wl) {
    case WL_CHURN:
        for (size_t k = 0; k < CHURN_LIVE; k++) {
            slots[k] = bench_alloc(64u, ALIGN);
            TOUCH(slots[k], k);
        }
        break;
    case WL_U512:
    case WL_U4096:
    case WL_PARETO:
        for (size_t k = 0; k < RAND_LIVE; k++) {
            slots[k] = bench_alloc(rand_sizes(wl)[k], ALIGN);
            TOUCH(slots[k], k);
        }
        break;
    case WL_PC:
        ring_head = ring_tail = 0;
        for (size_t k = 0; k < PC_BASE; k++) {
            void *p = bench_alloc(seq_msg[k], ALIGN);
            TOUCH(p, k);
            ring[ring_tail % PC_RING] = p;
            ring_tail++;
        }
        break;
    default:
        break;
    }
}

static void wl_teardown(int wl)
{
    switch (wl) {
    case WL_CHURN:
        for (size_t k = 0; k < CHURN_LIVE; k++) {
            bench_free(slots[k]);
        }
        break;
    case WL_U512:
    case WL_U4096:
    case WL_PARETO:
        for (size_t k = 0; k < RAND_LIVE; k++) {
            bench_free(slots[k]);
        }
        break;
    case WL_PC:
        while (ring_head != ring_tail) {
            bench_free(ring[ring_head % PC_RING]);
            ring_head++;
        }
        break;
    default:
        break;
    }
}

static void wl_run(int wl, size_t size, size_t n)
{
    switch (wl) {
    case WL_HOT:
        hot_run(size, n);
        break;
    case WL_CHURN:
        churn_run(n);
        break;
    case WL_PC:
        pc_run(n);
        break;
    default:
        rand_run(rand_sizes(wl), n);
        break;
    }
}

static const size_t hot_sizes[] = {16, 32, 64, 128, 256, 512, 1024, 2048,
                                   4096, 16384};
#define N_HOT (sizeof hot_sizes / sizeof hot_sizes[0])

/* Calls fn(wl, size) for every workload, in one fixed order. */
static void for_each_workload(void (*fn)(int, size_t))
{
    for (size_t s = 0; s < N_HOT; s++) {
        fn(WL_HOT, hot_sizes[s]);
    }
    fn(WL_CHURN, 64);
    fn(WL_PC, 0);
    fn(WL_U512, 0);
    fn(WL_U4096, 0);
    fn(WL_PARETO, 0);
}

/* ---- mode "prof" ---------------------------------------------------------- */

BENCH_NOINLINE static void prof_hot(size_t size, size_t n)
{
    hot_run(size, n);
}

/* ---- mode "time" ------------------------------------------------------------- */

static size_t time_n = (size_t)1 << 20;
static int time_reps = 9;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

static void time_one(int wl, size_t size)
{
    double t[64];
    int reps = time_reps < 64 ? time_reps : 64;
    wl_setup(wl);
    wl_run(wl, size, time_n / 4u); /* warm up */
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        wl_run(wl, size, time_n);
        t[r] = (now_ns() - t0) / (double)time_n;
    }
    wl_teardown(wl);
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    printf("TIME %s %zu", wl_name[wl], size); /* every run, sorted */
    for (int r = 0; r < reps; r++) {
        printf(" %.3f", t[r]);
    }
    printf("\n");
    fflush(stdout);
}

/* ---- mode "cg" ----------------------------------------------------------------- */

static size_t cg_n = 10000;

/* One callgrind dump per run: the part holds exactly the instructions of
 * wl_run(n) plus the fixed cost of the two client requests. */
static void cg_region(int wl, size_t size, size_t n)
{
    char label[96];
    snprintf(label, sizeof label, "TP %s %zu %zu", wl_name[wl], size, n);
    CALLGRIND_ZERO_STATS;
    wl_run(wl, size, n);
    CALLGRIND_DUMP_STATS_AT(label);
}

static void cg_one(int wl, size_t size)
{
    wl_setup(wl);
    wl_run(wl, size, cg_n); /* warm up: steady state before measuring */
    cg_region(wl, size, cg_n);
    cg_region(wl, size, 2u * cg_n);
    wl_teardown(wl);
}

/* ---- slab only: single calls on every path ("ct"), memory use ("mem") ---- */

#if defined(BENCH_SLAB)

#define CT_ARENA ((size_t)1 << 20)
#define CT_MAXLIVE 70000u
#define CT_PAGE ((size_t)SLAB_PAGE_SIZE)

static unsigned char ct_arena[CT_ARENA] BENCH_ALIGNED(4096);
static slab_heap *ct_h;
static void *live[CT_MAXLIVE];
static size_t nlive;

enum level { L_EMPTY, L_25, L_50, L_75, L_FULL, L_FRAG, NLEVELS };
static const char *const level_name[] = {"empty", "25%", "50%", "75%", "full",
                                         "fragmented"};

/* A snapshot of each level's heap (the heap has no pointers outside the
 * arena and is restored at the same address, so a byte copy is a copy). */
static unsigned char snap[NLEVELS][CT_ARENA];
static void *snap_live[NLEVELS][CT_MAXLIVE];
static size_t snap_nlive[NLEVELS];
static slab_heap *snap_h[NLEVELS];

static void keep(void *p)
{
    if (p != NULL && nlive < CT_MAXLIVE) {
        live[nlive++] = p;
    }
}

static slab_stats stats(void)
{
    slab_stats st;
    slab_get_stats(ct_h, &st);
    return st;
}

static size_t pages_used(void)
{
    slab_stats st = stats();
    return st.pages_total - st.pages_free;
}

static size_t rand_size(size_t lo, size_t hi)
{
    return lo + rng_below((uint32_t)(hi - lo + 1u));
}

/* Fill a fresh heap to a level with random sizes 16..4096 (seeded). */
static void build_level(int level)
{
    ct_h = slab_init(ct_arena, CT_ARENA);
    if (ct_h == NULL) {
        die("slab_init (1 MiB) failed");
    }
    nlive = 0;
    rng_seed(1000u + (uint64_t)level);
    if (level == L_EMPTY) {
        return;
    }
    if (level <= L_75) {
        size_t total = stats().pages_total;
        size_t want = total * (size_t)(level == L_25 ? 1 : level == L_50 ? 2 : 3) / 4u;
        while (pages_used() < want) {
            void *p = slab_alloc(ct_h, rand_size(16, 4096), ALIGN);
            if (p == NULL) {
                break;
            }
            keep(p);
        }
        return;
    }
    for (;;) { /* full: random sizes to the first refusal, then 16 B */
        void *p = slab_alloc(ct_h, rand_size(16, 4096), ALIGN);
        if (p == NULL) {
            break;
        }
        keep(p);
    }
    for (;;) {
        void *p = slab_alloc(ct_h, 16, ALIGN);
        if (p == NULL) {
            break;
        }
        keep(p);
    }
    if (level == L_FRAG) { /* free every other block */
        size_t k = 0;
        for (size_t i = 0; i < nlive; i++) {
            if (i % 2u == 1u) {
                slab_free(ct_h, live[i]);
            } else {
                live[k++] = live[i];
            }
        }
        nlive = k;
    }
}

static void snapshot_levels(void)
{
    for (int l = 0; l < NLEVELS; l++) {
        build_level(l);
        memcpy(snap[l], ct_arena, CT_ARENA);
        memcpy(snap_live[l], live, nlive * sizeof live[0]);
        snap_nlive[l] = nlive;
        snap_h[l] = ct_h;
    }
}

static void restore_level(int l)
{
    memcpy(ct_arena, snap[l], CT_ARENA);
    memcpy(live, snap_live[l], snap_nlive[l] * sizeof live[0]);
    nlive = snap_nlive[l];
    ct_h = snap_h[l];
}

static uint32_t class_of(size_t size)
{
    slab_stats st = stats();
    for (uint32_t c = 0; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        size_t b = st.classes[c].block_size;
        if (b >= size && (b & (0u - b)) >= ALIGN) {
            return c;
        }
    }
    return (uint32_t)SLAB_NUM_CLASSES;
}

/* Allocate until the class of `size` has no room left in its pages. */
static void drain(size_t size)
{
    uint32_t c = class_of(size);
    size_t n = stats().classes[c].blocks_free;
    for (size_t i = 0; i < n; i++) {
        keep(slab_alloc(ct_h, size, ALIGN));
    }
}

static size_t page_of(const void *p)
{
    slab_page_info first;
    if (!slab_get_page_info(ct_h, 0, &first)) {
        die("page info");
    }
    return (size_t)((const unsigned char *)p - (const unsigned char *)first.start) /
           CT_PAGE;
}

static unsigned ct_id;

/* The measured calls: one call between ZERO_STATS and DUMP_STATS; the
 * driver reads slab_alloc's / slab_free's inclusive cost from the dump. */
BENCH_NOINLINE static void *ct_alloc(size_t size, const char *label)
{
    void *p;
    CALLGRIND_ZERO_STATS;
    p = slab_alloc(ct_h, size, ALIGN);
    CALLGRIND_DUMP_STATS_AT(label);
    return p;
}

BENCH_NOINLINE static void ct_free_call(void *p, const char *label)
{
    CALLGRIND_ZERO_STATS;
    slab_free(ct_h, p);
    CALLGRIND_DUMP_STATS_AT(label);
}

/* Measure one slab_alloc and name its path from what it did. */
static void *measure_alloc(size_t size, int level, const char *scenario)
{
    char label[32];
    slab_stats before = stats();
    slab_stats after;
    uint32_t c = class_of(size);
    const char *path;
    void *p;
    snprintf(label, sizeof label, "CT %u", ++ct_id);
    p = ct_alloc(size, label);
    after = stats();
    if (c == (uint32_t)SLAB_NUM_CLASSES) {
        path = p == NULL ? "large-alloc-refused" : "large-alloc";
    } else if (after.fault_count != before.fault_count) {
        path = "alloc-repair";
    } else if (p == NULL) {
        path = "alloc-refused";
    } else if (before.classes[c].blocks_free > 0u) {
        path = "alloc-room";
    } else if (after.pages_free + 1u == before.pages_free) {
        path = "alloc-pool";
    } else {
        path = "alloc-steal";
    }
    printf("CT %u alloc %s %s %zu %s\n", ct_id, path, level_name[level], size,
           scenario);
    keep(p);
    return p;
}

/* Measure one slab_free and name its path from what it did. */
static void measure_free(void *p, int level, const char *scenario)
{
    char label[32];
    slab_stats before = stats();
    slab_stats after;
    slab_page_info pb;
    slab_page_info pa;
    size_t pg = page_of(p);
    size_t size;
    const char *path;
    if (!slab_get_page_info(ct_h, pg, &pb)) {
        die("page info");
    }
    size = pb.block_size;
    snprintf(label, sizeof label, "CT %u", ++ct_id);
    ct_free_call(p, label);
    after = stats();
    if (!slab_get_page_info(ct_h, pg, &pa)) {
        die("page info");
    }
    if (after.fault_count != before.fault_count) {
        path = "free-refused";
    } else if (pb.kind == SLAB_PAGE_LARGE) {
        path = "large-free";
    } else if (pa.kind == SLAB_PAGE_FREE) {
        path = pb.blocks_free == 0u ? "free-to-pool-was-full" : "free-to-pool";
    } else if (pa.blocks_used == 0u) {
        path = pb.blocks_free == 0u ? "free-reserve-was-full" : "free-reserve";
    } else if (pb.blocks_free == 0u) {
        path = "free-was-full";
    } else {
        path = "free-partial";
    }
    printf("CT %u free %s %s %zu %s\n", ct_id, path, level_name[level], size,
           scenario);
}

static void forget(const void *p)
{
    for (size_t i = 0; i < nlive; i++) {
        if (live[i] == p) {
            live[i] = live[--nlive];
            return;
        }
    }
}

static void ct_run(void)
{
    slab_stats st0;
    size_t class_sizes[SLAB_NUM_CLASSES];
    size_t nclass = 0;

    snapshot_levels();
    slab_get_stats(snap_h[L_EMPTY], &st0);
    for (uint32_t c = 0; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        size_t b = st0.classes[c].block_size;
        if ((b & (0u - b)) >= ALIGN) { /* classes an ALIGN request reaches */
            class_sizes[nclass++] = b;
        }
    }

    /* The empty-region cost (client requests only), for reference. */
    CALLGRIND_ZERO_STATS;
    CALLGRIND_DUMP_STATS_AT("CT 0");

    for (int l = 0; l < NLEVELS; l++) {
        for (size_t k = 0; k < nclass; k++) {
            size_t s = class_sizes[k];
            void *p;
            void *q;

            /* alloc: the class has a free block (pop) or uncut room */
            restore_level(l);
            p = slab_alloc(ct_h, s, ALIGN);
            if (p != NULL) {
                slab_free(ct_h, p);
                (void)measure_alloc(s, l, "room");
            }

            /* alloc: the class is full, a page comes from the pool (or, with
             * the pool empty, from another class, or the call is refused) */
            restore_level(l);
            drain(s);
            (void)measure_alloc(s, l, "class-full");

            /* free: the page keeps other live blocks */
            restore_level(l);
            p = slab_alloc(ct_h, s, ALIGN);
            q = slab_alloc(ct_h, s, ALIGN);
            if (p != NULL && q != NULL) {
                measure_free(p, l, "two-live");
            }

            /* free: the block is the last one of a full page */
            restore_level(l);
            drain(s);
            if (nlive > snap_nlive[l]) {
                measure_free(live[nlive - 1u], l, "full-page");
            }

            /* free: the page's only block; the class has no empty page */
            restore_level(l);
            drain(s);
            p = slab_alloc(ct_h, s, ALIGN);
            if (p != NULL) {
                measure_free(p, l, "only-block");
            }

            /* free: the page's only block; the class already keeps an empty
             * page, so this one goes back to the pool */
            restore_level(l);
            drain(s);
            if (stats().pages_free >= 2u) {
                size_t mark = nlive;
                void *y;
                drain(s); /* no-op: the class is full */
                p = slab_alloc(ct_h, s, ALIGN); /* new page P1 */
                keep(p);
                drain(s);                       /* fill P1 */
                y = slab_alloc(ct_h, s, ALIGN); /* new page P2 */
                if (y != NULL) {
                    while (nlive > mark) {      /* P1 becomes empty: kept */
                        slab_free(ct_h, live[--nlive]);
                    }
                    measure_free(y, l, "second-empty");
                }
            }
        }

        /* alloc with the pool empty: another class's empty page is taken.
         * The steal scan (heap_steal_empty) runs from the largest class
         * down, so it is longest when the empty page is the smallest
         * class's; the pairs put that page under the classes whose pages
         * cost most to format (4096 B, 2560 B: alloc-pool), and keep
         * {2560, 4096}, the worst case of a scan the other way. */
        {
            static const size_t pairs[][2] = {{16, 4096}, {4096, 16}, {64, 512},
                                              {512, 64}, {16, 3072},
                                              {2560, 16}, {2560, 4096}};
            for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
                size_t t = pairs[k][0];
                size_t x = pairs[k][1];
                size_t filler = (t == 4096 || x == 4096) ? 3072 : 4096;
                restore_level(l);
                drain(t);
                drain(x);
                if (x == 4096) {
                    while (stats().pages_free > 0u) {
                        keep(slab_alloc(ct_h, x, ALIGN));
                    }
                    /* free a 4096-byte block: its page becomes x's empty page */
                    for (size_t i = nlive; i > 0; i--) {
                        if (slab_usable_size(ct_h, live[i - 1u]) == 4096u) {
                            slab_free(ct_h, live[i - 1u]);
                            live[i - 1u] = live[--nlive];
                            break;
                        }
                    }
                } else {
                    void *p;
                    if (stats().pages_free == 0u) {
                        continue;
                    }
                    while (stats().pages_free > 1u) {
                        void *f = slab_alloc(ct_h, filler, ALIGN);
                        if (f == NULL) {
                            break;
                        }
                        keep(f);
                    }
                    p = slab_alloc(ct_h, x, ALIGN);
                    if (p == NULL) {
                        continue;
                    }
                    slab_free(ct_h, p);
                }
                (void)measure_alloc(t, l, "steal");
            }
        }

        /* alloc refused: class full, pool empty (and, unless the level is
         * fragmented, no class keeps an empty page) */
        {
            static const size_t ts[] = {16, 64, 4096};
            for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
                size_t filler = ts[k] == 4096 ? 3072 : 4096;
                restore_level(l);
                drain(ts[k]);
                while (stats().pages_free > 0u) {
                    void *f = slab_alloc(ct_h, filler, ALIGN);
                    if (f == NULL) {
                        break;
                    }
                    keep(f);
                }
                drain(ts[k]);
                (void)measure_alloc(ts[k], l, "oom");
            }
        }

        /* large blocks: one pass over the page table to find a run */
        {
            static const size_t ls[] = {4097, 16384, 65536};
            for (size_t k = 0; k < sizeof ls / sizeof ls[0]; k++) {
                void *p;
                restore_level(l);
                p = measure_alloc(ls[k], l, "large");
                if (p != NULL) {
                    forget(p);
                    measure_free(p, l, "large");
                }
            }
        }

        /* double free: refused */
        {
            void *p;
            void *q;
            restore_level(l);
            p = slab_alloc(ct_h, 64, ALIGN);
            q = slab_alloc(ct_h, 64, ALIGN);
            if (p != NULL && q != NULL) {
                slab_free(ct_h, p);
                measure_free(p, l, "double-free");
            }
        }
    }

    /* Misuse: a free block's link overwritten; the next alloc rebuilds the
     * page's free list from the bitmap (bounded by the blocks in a page). */
    {
        static const size_t rs[] = {16, 64, 256, 1024};
        for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
            size_t s = rs[k];
            size_t per = CT_PAGE / s;
            size_t mark;
            restore_level(L_EMPTY);
            mark = nlive;
            for (size_t i = 0; i < per; i++) {
                keep(slab_alloc(ct_h, s, ALIGN));
            }
            while (nlive > mark + 1u) { /* all but the first block freed */
                slab_free(ct_h, live[--nlive]);
            }
            /* live[nlive] is the last freed block: the list head */
            memset(live[nlive], 0x5A, 4);
            (void)measure_alloc(s, L_EMPTY, "corrupt-link");
        }
    }
}

/*
 * Where an arena goes at the first refusal of a random-size run: every
 * byte of it is in exactly one of
 *   requested      what the program asked for;
 *   min16          requests under 16 B rounded up to the 16 B minimum block;
 *   align          a class skipped because its blocks are not aligned to
 *                  the request's alignment (20 B blocks for 8-byte requests);
 *   round          rounding up to the class size (the rest of usable - asked);
 *   free_partial   free blocks, and uncut room, of class pages in use;
 *   empty_kept     class pages with no live block (each class keeps one);
 *   tail           the end of each class page too short for a block
 *                  (page size % block size);
 *   pool           pages owned by no class;
 *   header, table  the heap header and one page-table entry and list link
 *                  per page;
 *   padding        the rest: alignment of the header, the gap up to the
 *                  first page boundary, the arena's end after the last page.
 * Printed as "MEMB <arena> rand<lo>-<hi> <seed> <key> <value> ...", one
 * "MEMC ..." line per class with pages, and the refused request.
 */
typedef struct mem_budget {
    size_t min16;
    size_t align;
    size_t round;
} mem_budget;

/* The smallest class of at least `size` bytes whose blocks are aligned to
 * `align` (what slab_alloc serves for a small request). */
static size_t class_size_for(size_t size, size_t align)
{
    slab_stats st = stats();
    for (uint32_t c = 0; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        size_t b = st.classes[c].block_size;
        if (b >= size && (b & (0u - b)) >= align) {
            return b;
        }
    }
    return 0;
}

static void budget_request(mem_budget *b, size_t s, size_t usable)
{
    size_t at_least = s < SLAB_GRANULE ? SLAB_GRANULE : s;
    size_t any = class_size_for(at_least, 1);
    if (any == 0 || usable < any) { /* a large block: no class */
        return;
    }
    b->min16 += at_least - s;
    b->round += any - at_least;
    b->align += usable - any;
}

static void budget_print(const mem_budget *b, size_t bytes, size_t lo, size_t hi,
                         unsigned seed, size_t refused)
{
    slab_stats st = stats();
    slab_page_info first;
    size_t free_partial = 0;
    size_t empty_kept = 0;
    size_t tail = 0;
    size_t pool = 0;
    size_t header = (sizeof(struct slab_heap) + 7u) & ~(size_t)7u;
    size_t table = st.pages_total * (sizeof(page_meta) + sizeof(page_link));
    size_t first_off;
    size_t cpages[SLAB_NUM_CLASSES] = {0};
    size_t cpartial[SLAB_NUM_CLASSES] = {0};
    size_t cfree[SLAB_NUM_CLASSES] = {0};
    size_t ctail[SLAB_NUM_CLASSES] = {0};
    size_t cempty[SLAB_NUM_CLASSES] = {0};

    if (!slab_get_page_info(ct_h, 0, &first)) {
        die("page info");
    }
    first_off = (size_t)((const unsigned char *)first.start - ct_arena);
    for (size_t i = 0; i < st.pages_total; i++) {
        slab_page_info pi;
        if (!slab_get_page_info(ct_h, i, &pi)) {
            die("page info");
        }
        if (pi.kind == SLAB_PAGE_FREE) {
            pool += CT_PAGE;
        } else if (pi.kind == SLAB_PAGE_CLASS) {
            uint32_t c = 0;
            size_t t = CT_PAGE - (pi.blocks_used + pi.blocks_free) * pi.block_size;
            while (c + 1u < (uint32_t)SLAB_NUM_CLASSES &&
                   st.classes[c].block_size != pi.block_size) {
                c++;
            }
            cpages[c]++;
            if (pi.blocks_used == 0u) {
                empty_kept += CT_PAGE;
                cempty[c]++;
            } else {
                free_partial += pi.blocks_free * pi.block_size;
                tail += t;
                ctail[c] += t;
                if (pi.blocks_free > 0u) {
                    cpartial[c]++;
                    cfree[c] += pi.blocks_free * pi.block_size;
                }
            }
        } else {
            /* a large block's pages: all usable, counted there */
        }
    }
    printf("MEMB %zu rand%zu-%zu %u min16 %zu align %zu round %zu free_partial %zu "
           "empty_kept %zu tail %zu pool %zu header %zu table %zu padding %zu "
           "refused %zu refused_class %zu\n",
           bytes, lo, hi, seed, b->min16, b->align, b->round, free_partial,
           empty_kept, tail, pool, header, table,
           first_off + (bytes - first_off - st.pages_total * CT_PAGE) - header - table,
           refused, class_size_for(refused < SLAB_GRANULE ? SLAB_GRANULE : refused,
                                   ALIGN));
    for (uint32_t c = 0; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        if (cpages[c] > 0u) {
            printf("MEMC %zu rand%zu-%zu %u %zu pages %zu partial %zu free %zu "
                   "empty %zu tail %zu\n",
                   bytes, lo, hi, seed, st.classes[c].block_size, cpages[c],
                   cpartial[c], cfree[c], cempty[c], ctail[c]);
        }
    }
}

/* How much of an arena can be allocated until the first refusal. */
static void mem_run(void)
{
    static const size_t arenas[] = {(size_t)64 << 10, (size_t)1 << 20};
    slab_stats st;

    printf("META page_meta %zu page_link %zu heap_header %zu page_size %zu "
           "classes %d\n",
           sizeof(page_meta), sizeof(page_link), sizeof(struct slab_heap), CT_PAGE,
           (int)SLAB_NUM_CLASSES);
    for (size_t a = 0; a < sizeof arenas / sizeof arenas[0]; a++) {
        size_t bytes = arenas[a];
        ct_h = slab_init(ct_arena, bytes);
        if (ct_h == NULL) {
            die("slab_init failed");
        }
        slab_get_stats(ct_h, &st);
        {
            slab_page_info first;
            if (!slab_get_page_info(ct_h, 0, &first)) {
                die("page info");
            }
            printf("ARENA %zu pages %zu capacity %zu first_page_offset %zu "
                   "header_offset %zu\n",
                   bytes, st.pages_total, st.capacity,
                   (size_t)((const unsigned char *)first.start - ct_arena),
                   (size_t)((const unsigned char *)(void *)ct_h - ct_arena));
        }
        /* each class size, exactly (align 1: the request lands in its class) */
        for (uint32_t c = 0; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
            size_t s = st.classes[c].block_size;
            size_t n = 0;
            ct_h = slab_init(ct_arena, bytes);
            while (slab_alloc(ct_h, s, 1) != NULL) {
                n++;
            }
            printf("MEM %zu class %zu %zu %zu %zu\n", bytes, s, n * s, n * s, n);
        }
        /* random sizes, seeded, align 8, until the first refusal */
        for (int d = 0; d < 2; d++) {
            size_t lo = d == 0 ? 8 : 16;
            size_t hi = d == 0 ? 512 : 4096;
            for (unsigned seed = 1; seed <= 20; seed++) {
                size_t req = 0;
                size_t usable = 0;
                size_t n = 0;
                size_t s;
                mem_budget b;
                memset(&b, 0, sizeof b);
                rng_seed(seed);
                ct_h = slab_init(ct_arena, bytes);
                for (;;) {
                    void *p;
                    s = rand_size(lo, hi);
                    p = slab_alloc(ct_h, s, ALIGN);
                    if (p == NULL) {
                        break;
                    }
                    req += s;
                    usable += slab_usable_size(ct_h, p);
                    n++;
                    budget_request(&b, s, slab_usable_size(ct_h, p));
                }
                printf("MEM %zu rand%zu-%zu %u %zu %zu %zu\n", bytes, lo, hi, seed,
                       req, usable, n);
                budget_print(&b, bytes, lo, hi, seed, s);
            }
        }
    }
}

#endif /* BENCH_SLAB */

/* ---- main ---------------------------------------------------------------------- */

static void info(void)
{
    Dl_info di;
    void *(*fn)(size_t) = malloc;
    void *addr;
    memcpy(&addr, &fn, sizeof addr);
    printf("ALLOCATOR %s\n", BENCH_NAME);
    if (dladdr(addr, &di) != 0 && di.dli_fname != NULL) {
        printf("MALLOC_FROM %s\n", di.dli_fname);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "time";
    if (argc > 2) {
        size_t n = (size_t)strtoull(argv[2], NULL, 10);
        if (n > SEQ_LEN / 2u || n < 16u) {
            die("n out of range");
        }
        time_n = n;
        cg_n = n;
    }
    if (argc > 3) {
        time_reps = atoi(argv[3]);
        if (time_reps < 1) {
            time_reps = 1;
        }
    }
    bench_setup();
    if (strcmp(mode, "info") == 0) {
        info();
        return 0;
    }
    if (strcmp(mode, "time") == 0) {
        make_sequences(time_n > CHURN_LIVE ? time_n : CHURN_LIVE);
        for_each_workload(time_one);
    } else if (strcmp(mode, "cg") == 0) {
        make_sequences(2u * cg_n > CHURN_LIVE ? 2u * cg_n : CHURN_LIVE);
        for_each_workload(cg_one);
    } else if (strcmp(mode, "prof") == 0) {
        /* hot 64-byte pairs for callgrind --toggle-collect=prof_hot */
        make_sequences(CHURN_LIVE);
        hot_run(64u, cg_n);
        prof_hot(64u, cg_n);
#if defined(BENCH_SLAB)
    } else if (strcmp(mode, "ct") == 0) {
        ct_run();
    } else if (strcmp(mode, "mem") == 0) {
        mem_run();
#endif
    } else {
        die("unknown mode (time, cg, prof, info; slab also: ct, mem)");
    }
    return 0;
}
