/*
 * stress.c - several threads on one slab heap guarded by the hosted spin
 * lock (hosted/slab_spinlock.c), built and run under ThreadSanitizer by
 * `make check-threads` (tests/threads/threads.mk).
 *
 * Each thread, from its own xorshift seed, allocates blocks of random sizes
 * (mostly small, some up to 4 KiB, a few large runs) and random power-of-two
 * alignments (1 .. 8192), fills them with a pattern, and then at random:
 * frees one of its blocks, reallocates one (checking the kept prefix),
 * hands one to another thread through that thread's lock-free inbox (a
 * Treiber stack; the owner takes the whole stack with one exchange), or
 * takes its inbox and frees what it finds there, so blocks allocated by one
 * thread are freed by another. Every block is checked (alignment, usable
 * size, pattern) before it is freed, with slab_free_sized when the layout
 * is known. Now and then a thread also calls slab_check, slab_get_stats and
 * slab_usable_size concurrently with the others.
 *
 * At the end the threads are joined, everything left is freed, and the test
 * passes iff slab_check(h) holds, bytes_used == 0, blocks_used == 0 and
 * fault_count == 0 (and no check failed on the way). TSan reports are made
 * fatal by the make target (TSAN_OPTIONS=halt_on_error=1 exitcode=66).
 *
 * Usage: stress [threads [ops-per-thread [seed]]]   (defaults 4 30000 1)
 * Built with -DSTRESS_NO_LOCK the heap gets no lock: only for showing that
 * TSan then reports races (not part of any target).
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"
#include "slab_spinlock.h"

#define MAX_THREADS 16
#define SLOTS 256                   /* live blocks a thread keeps */
#define ARENA_SIZE (48u << 20)      /* 48 MiB */

/* The first bytes of every tracked block; the rest is filled with `tag`. */
typedef struct node {
    struct node *next;  /* inbox link while the block is in flight */
    size_t size;        /* bytes asked for */
    size_t align;       /* alignment asked for */
    uint32_t tag;       /* fill byte (low 8 bits) and owner id (bits 8..) */
    uint32_t check;     /* ~tag, to catch a header overwritten by others */
} node;

typedef struct worker {
    pthread_t tid;
    unsigned id;
    uint64_t rng;
    _Atomic(node *) inbox;
    node *slot[SLOTS];
    unsigned long allocs, frees, reallocs, sent, received, oom;
} worker;

static slab_heap *heap;
static slab_spinlock heap_lock_obj = SLAB_SPINLOCK_INIT;
static worker workers[MAX_THREADS];
static unsigned nthreads = 4;
static unsigned long nops = 30000;
static atomic_uint started;
static atomic_ulong failures;

static void fail(const char *what, const void *p)
{
    atomic_fetch_add(&failures, 1ul);
    fprintf(stderr, "stress: FAIL %s (%p)\n", what, p);
}

static uint64_t rnd(worker *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

static size_t rnd_size(worker *w)
{
    uint64_t r = rnd(w) % 1000u;
    size_t n;
    if (r < 700u) {
        n = (size_t)(rnd(w) % 257u);            /* small classes */
    } else if (r < 960u) {
        n = (size_t)(rnd(w) % 4097u);           /* up to the largest class */
    } else {
        n = (size_t)(4097u + rnd(w) % 61440u);  /* large runs, < 64 KiB */
    }
    return n < sizeof(node) ? sizeof(node) : n;
}

static size_t rnd_align(worker *w)
{
    uint64_t r = rnd(w) % 100u;
    if (r < 60u) {
        return (size_t)1u << (rnd(w) % 5u);     /* 1 .. 16 */
    }
    if (r < 95u) {
        return (size_t)1u << (rnd(w) % 10u);    /* 1 .. 512 */
    }
    return (size_t)1u << (rnd(w) % 14u);        /* 1 .. 8192 */
}

static void fill(node *b, size_t from)
{
    unsigned char *p = (unsigned char *)b;
    if (from < sizeof(node)) {
        from = sizeof(node);
    }
    if (b->size > from) {
        memset(p + from, (int)(b->tag & 0xffu), b->size - from);
    }
}

/* Everything we know about a live block must hold. */
static void verify(node *b)
{
    const unsigned char *p = (const unsigned char *)b;
    unsigned char t;
    size_t i;
    if (b->check != ~b->tag) {
        fail("header overwritten", b);
        return;
    }
    if ((uintptr_t)b % b->align != 0u) {
        fail("misaligned block", b);
    }
    if (slab_usable_size(heap, b) < b->size) {
        fail("usable size below request", b);
    }
    t = (unsigned char)(b->tag & 0xffu);
    for (i = sizeof(node); i < b->size; i++) {
        if (p[i] != t) {
            fail("fill pattern overwritten", b);
            return;
        }
    }
}

static node *new_block(worker *w)
{
    size_t size = rnd_size(w);
    size_t align = rnd_align(w);
    node *b = slab_alloc(heap, size, align);
    if (b == NULL) {
        w->oom++;
        return NULL;
    }
    w->allocs++;
    b->next = NULL;
    b->size = size;
    b->align = align;
    b->tag = (uint32_t)((w->id << 8) | (1u + (unsigned)(rnd(w) % 255u)));
    b->check = ~b->tag;
    fill(b, 0u);
    return b;
}

static void release(worker *w, node *b)
{
    verify(b);
    /* Half by address, half with the layout (Rust's dealloc path). */
    if ((rnd(w) & 1u) != 0u) {
        slab_free_sized(heap, b, b->size, b->align);
    } else {
        slab_free(heap, b);
    }
    w->frees++;
}

static void resize(worker *w, unsigned s)
{
    node *b = w->slot[s];
    size_t size = rnd_size(w);
    size_t keep = size < b->size ? size : b->size;
    node *q;
    verify(b);
    q = slab_realloc(heap, b, size, b->align);
    if (q == NULL) {
        w->oom++;       /* b is still live and unchanged */
        return;
    }
    w->reallocs++;
    if ((uintptr_t)q % q->align != 0u) {
        fail("realloc lost the alignment", q);
    }
    q->size = keep;
    verify(q);          /* the kept prefix survived the move */
    q->size = size;
    fill(q, keep);
    w->slot[s] = q;
}

static void send(worker *w, node *b)
{
    worker *to = &workers[rnd(w) % nthreads];
    node *head = atomic_load_explicit(&to->inbox, memory_order_relaxed);
    do {
        b->next = head;
    } while (!atomic_compare_exchange_weak_explicit(
        &to->inbox, &head, b, memory_order_release, memory_order_relaxed));
    w->sent++;
}

static void drain(worker *w)
{
    node *b = atomic_exchange_explicit(&w->inbox, NULL, memory_order_acquire);
    while (b != NULL) {
        node *next = b->next;
        w->received++;
        release(w, b);
        b = next;
    }
}

static void audit(worker *w)
{
    slab_stats st;
    slab_get_stats(heap, &st);
    if (st.fault_count != 0u) {
        fail("fault counted during the run", NULL);
    }
    if ((rnd(w) % 4u) == 0u && !slab_check(heap)) {
        fail("slab_check during the run", NULL);
    }
}

static void *run(void *arg)
{
    worker *w = arg;
    unsigned long op;
    atomic_fetch_add(&started, 1u);
    while (atomic_load(&started) < nthreads) {
        /* start together */
    }
    for (op = 0; op < nops; op++) {
        unsigned s = (unsigned)(rnd(w) % SLOTS);
        uint64_t r = rnd(w) % 100u;
        if (w->slot[s] == NULL) {
            w->slot[s] = new_block(w);
        } else if (r < 35u) {
            release(w, w->slot[s]);
            w->slot[s] = NULL;
        } else if (r < 50u) {
            resize(w, s);
        } else if (r < 80u) {
            send(w, w->slot[s]);
            w->slot[s] = NULL;
        } else if (r < 95u) {
            drain(w);
        } else {
            verify(w->slot[s]);
        }
        if (op % 2000u == 1999u) {
            audit(w);
        }
    }
    for (unsigned s = 0; s < SLOTS; s++) {
        if (w->slot[s] != NULL) {
            release(w, w->slot[s]);
            w->slot[s] = NULL;
        }
    }
    drain(w);
    return NULL;
}

int main(int argc, char **argv)
{
    void *arena;
    slab_stats st;
    unsigned long seed = 1;
    unsigned long tot_alloc = 0, tot_free = 0, tot_realloc = 0, tot_sent = 0,
                  tot_recv = 0, tot_oom = 0;
    bool ok;

    if (argc > 1) {
        nthreads = (unsigned)strtoul(argv[1], NULL, 10);
    }
    if (argc > 2) {
        nops = strtoul(argv[2], NULL, 10);
    }
    if (argc > 3) {
        seed = strtoul(argv[3], NULL, 10);
    }
    if (nthreads < 1u || nthreads > MAX_THREADS) {
        fprintf(stderr, "stress: threads must be 1..%d\n", MAX_THREADS);
        return 2;
    }
    arena = malloc(ARENA_SIZE);
    if (arena == NULL) {
        fprintf(stderr, "stress: no memory for the arena\n");
        return 2;
    }
#ifdef STRESS_NO_LOCK
    heap = slab_init(arena, ARENA_SIZE);
    (void)heap_lock_obj;
    printf("stress: WITHOUT a lock (STRESS_NO_LOCK): races expected\n");
#else
    heap = slab_init_spinlocked(arena, ARENA_SIZE, &heap_lock_obj);
#endif
    if (heap == NULL) {
        fprintf(stderr, "stress: slab_init refused the arena\n");
        return 2;
    }

    for (unsigned i = 0; i < nthreads; i++) {
        workers[i].id = i;
        workers[i].rng = 0x9e3779b97f4a7c15ull * (seed + i + 1u);
        atomic_init(&workers[i].inbox, NULL);
    }
    for (unsigned i = 0; i < nthreads; i++) {
        if (pthread_create(&workers[i].tid, NULL, run, &workers[i]) != 0) {
            fprintf(stderr, "stress: pthread_create failed\n");
            return 2;
        }
    }
    for (unsigned i = 0; i < nthreads; i++) {
        pthread_join(workers[i].tid, NULL);
    }
    /* Blocks sent to a thread after its last drain. */
    for (unsigned i = 0; i < nthreads; i++) {
        drain(&workers[i]);
    }
    for (unsigned i = 0; i < nthreads; i++) {
        tot_alloc += workers[i].allocs;
        tot_free += workers[i].frees;
        tot_realloc += workers[i].reallocs;
        tot_sent += workers[i].sent;
        tot_recv += workers[i].received;
        tot_oom += workers[i].oom;
    }

    ok = slab_check(heap);
    slab_get_stats(heap, &st);
    printf("stress: %u threads x %lu ops: %lu allocs, %lu frees, %lu reallocs, "
           "%lu handed over (%lu freed by the receiver), %lu refused\n",
           nthreads, nops, tot_alloc, tot_free, tot_realloc, tot_sent, tot_recv,
           tot_oom);
    printf("stress: peak %zu bytes; at end bytes_used=%zu blocks_used=%zu "
           "fault_count=%zu slab_check=%s\n",
           st.bytes_peak, st.bytes_used, st.blocks_used, st.fault_count,
           ok ? "true" : "false");
    if (tot_alloc != tot_free) {
        fail("allocs and frees differ", NULL);
    }
    if (tot_sent != tot_recv) {
        fail("a handed-over block was lost", NULL);
    }
    if (!ok) {
        fail("slab_check at the end", NULL);
    }
    if (st.bytes_used != 0u || st.blocks_used != 0u) {
        fail("heap not empty at the end", NULL);
    }
    if (st.fault_count != 0u) {
        fail("faults counted", NULL);
    }
    if (st.bytes_peak == 0u) {
        fail("heap never used", NULL);
    }
    free(arena);
    if (atomic_load(&failures) != 0u) {
        printf("stress: FAILED (%lu checks)\n", atomic_load(&failures));
        return 1;
    }
    printf("stress: PASSED\n");
    return 0;
}
