/*
 * arm_bench.c - instruction counts of the slab heap on a Cortex-M target
 * under QEMU (mps2-an386), for `make bench-arm` (bench/run_arm.py).
 *
 * The guest half of the measurement: it runs the workloads of bench.c that
 * fit a small board, and calls bench_mark() before and after each measured
 * region. The host half is the TCG plugin bench/qemu_icount.c, which counts
 * every executed instruction and logs the count (and the count per
 * instruction address) at each bench_mark(). This program prints, over
 * semihosting, what each region was:
 *
 *   REGION <r> TP <workload> <size> <n>   region r = marks 2r .. 2r+1: n pairs
 *   REGION <r> CT <op> <path> <size>      one slab_alloc / slab_free call
 *
 * Like bench.c, one source is built twice: -DBENCH_SLAB (this library on the
 * board's RAM, 2 MiB) and -DBENCH_NULL (an allocator that returns one
 * static block: the harness loop alone). The adapters may not be inlined
 * (noipa), so both images run the same loop code.
 *
 * The command line (semihosting SYS_GET_CMDLINE, QEMU's -append) gives N,
 * the pairs per region (default 1000); the word "hot64" limits the run to
 * the hot 64-byte pairs (for the -d exec cross-check, whose log grows with
 * every instruction).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINL __attribute__((noinline, noipa))
#define ALIGN 8u

void bench_mark(void);

/* The mark: its first instruction is what the plugin watches. */
NOINL void bench_mark(void)
{
    __asm__ volatile("" ::: "memory");
}

static void die(const char *what)
{
    printf("arm_bench: %s\n", what);
    exit(2);
}

/* ---- adapters --------------------------------------------------------------- */

#if defined(BENCH_SLAB)
#include "slab.h"

/* The arena is the linker script's .heap region (examples/cortex-m/mps2.ld;
 * its size comes from the link line), which the startup code does not
 * clear: slab_init formats what it needs. newlib's malloc, which printf
 * uses, starts at `end`: the link line moves it past the region. */
extern unsigned char __heap_start[], __heap_end[];
static slab_heap *heap;

static size_t arena_bytes(void)
{
    return (size_t)(__heap_end - __heap_start);
}

static void bench_setup(void)
{
    heap = slab_init(__heap_start, arena_bytes());
    if (heap == NULL) {
        die("slab_init failed");
    }
}

NOINL static void *bench_alloc(size_t size, size_t align)
{
    return slab_alloc(heap, size, align);
}

NOINL static void bench_free(void *p)
{
    slab_free(heap, p);
}

#elif defined(BENCH_NULL)
static unsigned char null_block[16384] __attribute__((aligned(64)));

static void bench_setup(void)
{
}

NOINL static void *bench_alloc(size_t size, size_t align)
{
    (void)size;
    (void)align;
    return null_block;
}

NOINL static void bench_free(void *p)
{
    (void)p;
}

#else
#error "define BENCH_SLAB or BENCH_NULL"
#endif

/* ---- semihosting command line -------------------------------------------- */

static char cmdline[128];

static void read_cmdline(void)
{
    struct {
        char *buf;
        int len;
    } block = {cmdline, (int)sizeof cmdline - 1};
    register uintptr_t r0 __asm__("r0") = 0x15u; /* SYS_GET_CMDLINE */
    register void *r1 __asm__("r1") = &block;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    if (r0 != 0u) {
        cmdline[0] = '\0';
    }
}

/* ---- random sequences (drawn before any measurement) ---------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
    rng_state = s * 0x9E3779B97F4A7C15u + 1u;
}

static uint32_t rng_below(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((((rng_state * 0x2545F4914F6CDD1Du) >> 32) * (uint64_t)n) >> 32);
}

#define N_MAX 4096u
#define SEQ_LEN (2u * N_MAX)
#define CHURN_LIVE 4096u
#define RAND_LIVE 1024u
#define PC_BASE 256u
#define PC_RING 4096u
#define PC_BURSTS 4096u

static uint16_t seq_idx[SEQ_LEN];
static uint16_t seq_u512[SEQ_LEN];
static uint16_t seq_msg[SEQ_LEN];
static uint8_t pc_burst[PC_BURSTS];

static void make_sequences(void)
{
    rng_seed(42u);
    for (size_t i = 0; i < SEQ_LEN; i++) {
        seq_idx[i] = (uint16_t)rng_below(CHURN_LIVE);
        seq_u512[i] = (uint16_t)(16u + rng_below(512u - 16u + 1u));
        seq_msg[i] = (uint16_t)(16u + rng_below(256u - 16u + 1u));
    }
    for (size_t i = 0; i < PC_BURSTS; i++) {
        pc_burst[i] = (uint8_t)(1u + rng_below(32u));
    }
}

/* ---- workloads (as in bench.c) ------------------------------------------- */

NOINL static void out_of_memory(void)
{
    die("allocation failed during a workload");
}

#define TOUCH(p, i)                                                           \
    do {                                                                      \
        if ((p) == NULL) {                                                    \
            out_of_memory();                                                  \
        }                                                                     \
        *(volatile unsigned char *)(p) = (unsigned char)(i);                  \
    } while (0)

enum workload { WL_HOT, WL_CHURN, WL_PC, WL_U512 };
static const char *const wl_name[] = {"hot", "churn", "prodcons", "rand512"};

static void *slots[CHURN_LIVE];
static void *ring[PC_RING];
static size_t ring_head;
static size_t ring_tail;

static void hot_run(size_t size, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        void *p = bench_alloc(size, ALIGN);
        TOUCH(p, i);
        bench_free(p);
    }
}

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

static void rand_run(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t k = seq_idx[i] & (RAND_LIVE - 1u);
        void *p;
        bench_free(slots[k]);
        p = bench_alloc(seq_u512[i], ALIGN);
        TOUCH(p, i);
        slots[k] = p;
    }
}

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

static void wl_setup(int wl)
{
    if (wl == WL_CHURN || wl == WL_U512) {
        size_t live = wl == WL_CHURN ? CHURN_LIVE : RAND_LIVE;
        for (size_t k = 0; k < live; k++) {
            slots[k] = bench_alloc(wl == WL_CHURN ? 64u : seq_u512[k], ALIGN);
            TOUCH(slots[k], k);
        }
    } else if (wl == WL_PC) {
        ring_head = ring_tail = 0;
        for (size_t k = 0; k < PC_BASE; k++) {
            void *p = bench_alloc(seq_msg[k], ALIGN);
            TOUCH(p, k);
            ring[ring_tail % PC_RING] = p;
            ring_tail++;
        }
    } else {
        /* hot: nothing */
    }
}

static void wl_teardown(int wl)
{
    if (wl == WL_CHURN || wl == WL_U512) {
        size_t live = wl == WL_CHURN ? CHURN_LIVE : RAND_LIVE;
        for (size_t k = 0; k < live; k++) {
            bench_free(slots[k]);
        }
    } else if (wl == WL_PC) {
        while (ring_head != ring_tail) {
            bench_free(ring[ring_head % PC_RING]);
            ring_head++;
        }
    } else {
        /* hot: nothing */
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
        rand_run(n);
        break;
    }
}

static unsigned region;

/* One measured region: marks 2r and 2r+1 around n pairs. */
NOINL static void tp_region(int wl, size_t size, size_t n)
{
    bench_mark();
    wl_run(wl, size, n);
    bench_mark();
    printf("REGION %u TP %s %u %u\n", region++, wl_name[wl], (unsigned)size,
           (unsigned)n);
}

static void tp_one(int wl, size_t size, size_t n)
{
    wl_setup(wl);
    wl_run(wl, size, n); /* warm up */
    tp_region(wl, size, n);
    tp_region(wl, size, 2u * n);
    wl_teardown(wl);
}

/* ---- single calls on each class path (slab only) ---------------------------- */

#if defined(BENCH_SLAB)

#define CT_MAXLIVE 1200u
static void *live[CT_MAXLIVE];
static size_t nlive;

static slab_stats stats(void)
{
    slab_stats st;
    slab_get_stats(heap, &st);
    return st;
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

static void keep(void *p)
{
    if (p != NULL && nlive < CT_MAXLIVE) {
        live[nlive++] = p;
    }
}

/* The measured calls: the library is called directly, so the instructions
 * executed between the marks outside this file are the call's. */
NOINL static void *ct_alloc(size_t size)
{
    void *p;
    bench_mark();
    p = slab_alloc(heap, size, ALIGN);
    bench_mark();
    return p;
}

NOINL static void ct_free(void *p)
{
    bench_mark();
    slab_free(heap, p);
    bench_mark();
}

/* Name each call's path from what it did, as bench.c's "ct" mode does. */
static void *measure_alloc(size_t size)
{
    slab_stats before = stats();
    slab_stats after;
    uint32_t c = class_of(size);
    const char *path;
    void *p = ct_alloc(size);
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
    printf("REGION %u CT alloc %s %u\n", region++, path, (unsigned)size);
    keep(p);
    return p;
}

static size_t page_of(const void *p)
{
    slab_page_info first;
    if (!slab_get_page_info(heap, 0, &first)) {
        die("page info");
    }
    return (size_t)((const unsigned char *)p - (const unsigned char *)first.start) /
           (size_t)SLAB_PAGE_SIZE;
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

static void measure_free(void *p)
{
    slab_stats before = stats();
    slab_stats after;
    slab_page_info pb;
    slab_page_info pa;
    size_t pg = page_of(p);
    const char *path;
    if (!slab_get_page_info(heap, pg, &pb)) {
        die("page info");
    }
    ct_free(p);
    forget(p);
    after = stats();
    if (!slab_get_page_info(heap, pg, &pa)) {
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
    printf("REGION %u CT free %s %u\n", region++, path, (unsigned)pb.block_size);
}

static void fresh_heap(void)
{
    heap = slab_init(__heap_start, arena_bytes());
    if (heap == NULL) {
        die("slab_init failed");
    }
    nlive = 0;
}

/* Allocate until the class of `size` has no room left in its pages. */
static void drain(size_t size)
{
    uint32_t c = class_of(size);
    size_t n = stats().classes[c].blocks_free;
    for (size_t i = 0; i < n; i++) {
        keep(slab_alloc(heap, size, ALIGN));
    }
}

/* Every class path once per class, on a fresh heap: a page from the pool,
 * carve, pop, the frees that keep, refill and empty a page, the second
 * empty page of a class going back to the pool. */
static void ct_classes(void)
{
    slab_stats st;
    fresh_heap();
    st = stats();
    for (uint32_t c = 0; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        size_t s = st.classes[c].block_size;
        void *b;
        if ((s & (0u - s)) < ALIGN) {
            continue; /* no ALIGN request reaches this class */
        }
        fresh_heap();
        (void)measure_alloc(s);   /* a page from the pool */
        b = measure_alloc(s);     /* carve (or pool: one block per page) */
        measure_free(b);          /* page keeps a block (or becomes empty) */
        (void)measure_alloc(s);   /* pop (or the kept empty page) */
        drain(s);                 /* the class's pages are full */
        measure_free(live[nlive - 1u]); /* a full page gets room */
        while (nlive > 1u) {      /* every block but one freed */
            slab_free(heap, live[--nlive]);
        }
        measure_free(live[0]);    /* last block: its page is kept empty */
        /* a second empty page goes back to the pool */
        drain(s);                 /* fills the kept page */
        b = slab_alloc(heap, s, ALIGN); /* a new page */
        if (b != NULL) {
            while (nlive > 0u) {  /* the first page empty again: kept */
                slab_free(heap, live[--nlive]);
            }
            keep(b);
            measure_free(b);      /* the second empty page: to the pool */
        }
    }

    /* pool empty: refused, then another class's empty page taken */
    fresh_heap();
    for (;;) {
        void *p = slab_alloc(heap, 4096u, ALIGN);
        if (p == NULL) {
            break;
        }
        keep(p);
    }
    (void)measure_alloc(64u); /* refused */
    slab_free(heap, live[0]);  /* a 4096 page: that class's empty page */
    live[0] = live[--nlive];
    (void)measure_alloc(64u); /* steal */

    /* large blocks: a run from the pool and back */
    {
        static const size_t ls[] = {4097u, 16384u, 65536u};
        for (size_t k = 0; k < sizeof ls / sizeof ls[0]; k++) {
            void *p;
            fresh_heap();
            p = measure_alloc(ls[k]);
            if (p != NULL) {
                measure_free(p);
            }
        }
    }
}
#endif /* BENCH_SLAB */

int main(void)
{
    static const size_t hot_sizes[] = {16, 32, 64, 128, 256, 512, 1024, 2048,
                                       4096, 16384};
    size_t n = 1000u;
    bool only_hot64 = false;
    read_cmdline();
    for (char *t = strtok(cmdline, " "); t != NULL; t = strtok(NULL, " ")) {
        if (strcmp(t, "hot64") == 0) {
            only_hot64 = true;
        } else if (t[0] >= '1' && t[0] <= '9') {
            n = (size_t)strtoul(t, NULL, 10);
        } else {
            /* the image's name */
        }
    }
    if (n < 16u || n > N_MAX) {
        die("n out of range (16..4096)");
    }
    bench_setup();
    {
        unsigned pages = 0u;
#if defined(BENCH_SLAB)
        slab_stats st;
        slab_get_stats(heap, &st);
        pages = (unsigned)st.pages_total;
#endif
        printf("ARM_BENCH n %u pages %u\n", (unsigned)n, pages);
    }
    if (only_hot64) {
        tp_one(WL_HOT, 64u, n);
        return 0;
    }
    make_sequences();
    for (size_t s = 0; s < sizeof hot_sizes / sizeof hot_sizes[0]; s++) {
        tp_one(WL_HOT, hot_sizes[s], n);
    }
    tp_one(WL_CHURN, 64u, n);
    tp_one(WL_PC, 0u, n);
    tp_one(WL_U512, 0u, n);
#if defined(BENCH_SLAB)
    ct_classes();
#endif
    return 0;
}
