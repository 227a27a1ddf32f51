/*
 * slab_malloc.c - the C library's malloc family over one slab heap.
 *
 * Hosted code, outside the proved core: it uses libc (mmap, madvise,
 * getenv, write, sched_yield, pthread_atfork) and gives the programs it is
 * linked into, or preloaded into (LD_PRELOAD=build/libslabmalloc.so), the
 * functions glibc's manual lists for replacing malloc: malloc, free, calloc,
 * realloc, reallocarray, aligned_alloc, posix_memalign, memalign, valloc,
 * pvalloc and malloc_usable_size. See slab_malloc.h for the environment
 * variables and the extra functions.
 *
 * Behaviour, where the standards leave a choice:
 *  - Every block is aligned to 16 bytes (alignof(max_align_t)), or more if
 *    asked for. malloc(0) returns a unique 16-byte block.
 *  - realloc(p, 0) with a live p returns a minimal (16-byte) block and frees
 *    p (or keeps p if it already is one); it never returns NULL for a live
 *    p. glibc instead frees p and returns NULL. Returning a block keeps the
 *    common "q = realloc(p, n); if (!q) keep using p" pattern from turning
 *    into a use after free; code written for glibc's answer only leaks the
 *    16-byte block. C17 allows both; C23 makes the call undefined.
 *  - Out of memory (arena full, size too large, alignment larger than the
 *    heap can give, calloc/reallocarray overflow): NULL with errno =
 *    ENOMEM, never a crash. posix_memalign returns ENOMEM instead.
 *  - A bad alignment: aligned_alloc (zero or not a power of two) gives
 *    NULL and EINVAL, as glibc 2.38 does; posix_memalign returns EINVAL
 *    (not a power of two times sizeof(void *)); memalign rounds it up to a
 *    power of two, as glibc does, and gives EINVAL only past SIZE_MAX/2+1.
 *  - free of a pointer the heap did not hand out (foreign, e.g. memory the
 *    dynamic loader allocated before this library was in place), of one
 *    inside a block, or of a block already free: the heap refuses it and
 *    changes nothing; the call is counted (slab_malloc_fault_count) and,
 *    with SLAB_MALLOC_VERBOSE, reported in one line on stderr. glibc aborts
 *    on the last two; this library keeps the program running. realloc of
 *    such a pointer returns NULL with errno = ENOMEM.
 *  - malloc_usable_size of such a pointer (or NULL) is 0.
 *  - Freed large blocks of 1 MiB or more give their whole host pages back
 *    to the system (madvise MADV_DONTNEED); the address range stays in the
 *    arena. Nothing else is returned before exit.
 *
 * Threads: one spin lock (C11 atomics, sched_yield after a short spin)
 * around every call into the heap. fork() in a threaded program is safe:
 * pthread_atfork handlers take the lock before the fork and release it in
 * both processes after it. A signal handler must not call malloc (as with
 * any malloc that is not async-signal-safe).
 *
 * Initialisation is lazy, inside the lock, on the first call: getenv, mmap,
 * madvise and slab_init, none of which allocates. (SLAB_MALLOC_VERBOSE and
 * the fault messages use write(2), not stdio, for the same reason.)
 *
 * calloc relies on one fact about the core (src/): the heap writes into the
 * pages only inside blocks it has handed out (free-list links live in freed
 * blocks; all other bookkeeping is in the page table before the pages). So
 * a block lying wholly above every block ever handed out has never been
 * written since mmap made it zero, and calloc need not clear it. Only large
 * requests (CALLOC_FRESH_MIN and up) use this, so big zeroed arrays cost no
 * memory until they are touched, as with glibc.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SLAB_MALLOC_STATIC_BYTES
#include <sys/mman.h>
#endif

#include "slab_malloc.h"

#define EXPORT __attribute__((visibility("default")))

/* alignof(max_align_t) on the hosts we target (x86-64, AArch64, i386). */
#define MALLOC_ALIGN ((size_t)16)
/* Default arena: 1 GiB of address space, reserved, not committed. */
#define DEFAULT_ARENA ((size_t)1 << 30)
/* Smallest arena we try: below this the heap would hardly be usable. */
#define MIN_ARENA ((size_t)64 << 10)
/* If mmap refuses the size asked for, halve it down to this. */
#define MMAP_FLOOR ((size_t)16 << 20)
/* A transparent huge page (x86-64, AArch64 with 4 KiB pages). */
#define HUGE_PAGE ((size_t)2 << 20)
/* Large frees of at least this many bytes give their pages back. */
#define TRIM_BYTES ((size_t)1 << 20)
/* calloc trusts never-used memory to be zero from this size on. */
#define CALLOC_FRESH_MIN ((size_t)16 << 10)
/* At most this many refused-free warnings (SLAB_MALLOC_VERBOSE). */
#define MAX_WARNINGS 100u
#define NKINDS 8

/* ---- state (all of it guarded by the lock, except the lock) ------------- */

static atomic_int lock_word;
static bool init_done;
static slab_heap *heap;
static size_t arena_bytes;
static uintptr_t high_water; /* end of the highest block ever handed out */
static bool verbose;
static unsigned warnings;
static const char *current_op = "free";
static size_t faults[NKINDS];

/* ---- lock ---------------------------------------------------------------- */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void heap_lock(void)
{
    unsigned spins = 0u;
    for (;;) {
        if (atomic_exchange_explicit(&lock_word, 1, memory_order_acquire) == 0) {
            return;
        }
        while (atomic_load_explicit(&lock_word, memory_order_relaxed) != 0) {
            if (spins < 64u) {
                spins++;
                cpu_relax();
            } else {
                (void)sched_yield();
            }
        }
    }
}

static void heap_unlock(void)
{
    atomic_store_explicit(&lock_word, 0, memory_order_release);
}

/* fork: hold the lock across it, so the child gets a consistent heap. */
static void fork_prepare(void) { heap_lock(); }
static void fork_parent(void) { heap_unlock(); }
static void fork_child(void) { atomic_store_explicit(&lock_word, 0, memory_order_relaxed); }

__attribute__((constructor)) static void slab_malloc_register_fork(void)
{
    /* May allocate (glibc keeps its handlers in a growing array): that is
     * fine here, the lock is not held. */
    (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* ---- messages on stderr, without stdio (it may allocate) ------------------ */

typedef struct line {
    char buf[256];
    size_t len;
} line;

static void put_str(line *l, const char *s)
{
    while (*s != '\0' && l->len < sizeof l->buf - 1u) {
        l->buf[l->len++] = *s++;
    }
}

static void put_uint(line *l, uintmax_t v, unsigned base)
{
    char tmp[3 * sizeof v + 1];
    size_t n = 0u;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10u ? '0' + d : 'a' + (d - 10u));
        v /= base;
    } while (v != 0u);
    if (base == 16u) {
        put_str(l, "0x");
    }
    while (n > 0u && l->len < sizeof l->buf - 1u) {
        l->buf[l->len++] = tmp[--n];
    }
}

static void put_field(line *l, const char *name, uintmax_t v)
{
    put_str(l, name);
    put_uint(l, v, 10u);
}

static void emit_to(int fd, line *l)
{
    size_t off = 0u;
    put_str(l, "\n");
    while (off < l->len) {
        ssize_t n = write(fd, l->buf + off, l->len - off);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            break;
        }
        off += (size_t)n;
    }
}

static void emit(line *l)
{
    emit_to(STDERR_FILENO, l);
}

/* ---- environment ------------------------------------------------------------ */

static bool env_flag(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' && !(v[0] == '0' && v[1] == '\0');
}

#ifndef SLAB_MALLOC_STATIC_BYTES
static bool env_off(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] == '0' && v[1] == '\0';
}

/* "123", "64k", "8M", "1G", "8MiB", "8mb": bytes, or false if malformed. */
static bool parse_size(const char *s, size_t *out)
{
    size_t v = 0u;
    unsigned shift = 0u;
    if (s == NULL || *s < '0' || *s > '9') {
        return false;
    }
    while (*s >= '0' && *s <= '9') {
        size_t d = (size_t)(*s - '0');
        if (v > (SIZE_MAX - d) / 10u) {
            return false;
        }
        v = v * 10u + d;
        s++;
    }
    switch (*s) {
    case 'k': case 'K': shift = 10u; s++; break;
    case 'm': case 'M': shift = 20u; s++; break;
    case 'g': case 'G': shift = 30u; s++; break;
    default: break;
    }
    if (shift != 0u && (*s == 'i' || *s == 'I')) {
        s++;
        if (*s != 'b' && *s != 'B') {
            return false;
        }
    }
    if (*s == 'b' || *s == 'B') {
        s++;
    }
    if (*s != '\0' || (shift != 0u && v > (SIZE_MAX >> shift))) {
        return false;
    }
    *out = v << shift;
    return true;
}
#endif

/* ---- the heap --------------------------------------------------------------- */

static void on_fault(void *ctx, slab_fault kind, const void *p)
{
    (void)ctx;
    faults[(unsigned)kind < NKINDS ? (unsigned)kind : 0u]++;
    if (verbose && warnings < MAX_WARNINGS) {
        line l = {.len = 0u};
        warnings++;
        put_str(&l, "slab_malloc: ");
        put_str(&l, current_op);
        put_str(&l, "(");
        put_uint(&l, (uintptr_t)p, 16u);
        put_str(&l, ") refused: ");
        put_str(&l, slab_fault_name(kind));
        if (warnings == MAX_WARNINGS) {
            put_str(&l, " (no more warnings)");
        }
        emit(&l);
    }
}

#ifdef SLAB_MALLOC_STATIC_BYTES
static _Alignas(4096) unsigned char static_arena[SLAB_MALLOC_STATIC_BYTES];
#endif

static void heap_init_locked(void)
{
    void *arena = NULL;
    size_t size = DEFAULT_ARENA;
    const char *how;
    bool bad_env = false;

    init_done = true;
    verbose = env_flag("SLAB_MALLOC_VERBOSE");
#ifdef SLAB_MALLOC_STATIC_BYTES
    arena = static_arena;
    size = sizeof static_arena;
    how = "static buffer";
#else
    {
        const char *env = getenv("SLAB_MALLOC_ARENA");
        if (env != NULL && (!parse_size(env, &size) || size == 0u)) {
            bad_env = true;
            size = DEFAULT_ARENA;
        }
        if (size < MIN_ARENA) {
            size = MIN_ARENA;
        }
    }
    how = "mmap";
    for (;;) {
        /* 2 MiB more, to start the arena on a huge-page boundary */
        void *p = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            arena = (void *)(((uintptr_t)p + (HUGE_PAGE - 1u)) & ~(uintptr_t)(HUGE_PAGE - 1u));
            break;
        }
        if (size <= MMAP_FLOOR) {
            break;
        }
        size = size / 2u < MMAP_FLOOR ? MMAP_FLOOR : size / 2u;
    }
#ifdef MADV_HUGEPAGE
    /* slab_init writes the whole page table (56 bytes per 4 KiB page, 15 MB
     * for 1 GiB) at once: in 2 MiB pages that is a few faults instead of
     * thousands, about 1 ms instead of 10 at every process start. */
    if (arena != NULL && size >= 64 * HUGE_PAGE && !env_off("SLAB_MALLOC_THP")) {
        size_t table = (size / 64u + (HUGE_PAGE - 1u)) & ~(HUGE_PAGE - 1u);
        (void)madvise(arena, table, MADV_HUGEPAGE);
        how = "mmap, page table in huge pages";
    }
#endif
#endif
    heap = arena != NULL ? slab_init(arena, size) : NULL;
    if (heap != NULL) {
        arena_bytes = size;
        slab_set_fault_hook(heap, on_fault, NULL);
    }
    if (verbose || heap == NULL || bad_env) {
        line l = {.len = 0u};
        put_str(&l, "slab_malloc: ");
        if (bad_env) {
            put_str(&l, "SLAB_MALLOC_ARENA not understood, using the default; ");
        }
        if (heap != NULL) {
            put_field(&l, "heap ready, pid ", (uintmax_t)getpid());
            put_field(&l, ", arena ", size);
            put_str(&l, " bytes (");
            put_str(&l, how);
            put_str(&l, ")");
        } else {
            put_field(&l, "no heap (arena of ", size);
            put_str(&l, " bytes refused): every allocation fails");
        }
        emit(&l);
    }
}

/* Lock held. The heap, made on first use; NULL if it could not be made. */
static slab_heap *heap_get(void)
{
    if (!init_done) {
        heap_init_locked();
    }
    return heap;
}

static void note_block(slab_heap *h, const void *p)
{
    uintptr_t end = (uintptr_t)p + slab_usable_size(h, p);
    if (end > high_water) {
        high_water = end;
    }
}

/* Lock held. */
static void *alloc_locked(size_t size, size_t align)
{
    slab_heap *h = heap_get();
    void *p = slab_alloc(h, size, align);
    if (p != NULL) {
        note_block(h, p);
    }
    return p;
}

/* Give the whole host pages inside a freed large block back (lock held). */
static void trim(void *p, size_t n)
{
#ifndef SLAB_MALLOC_STATIC_BYTES
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : (uintptr_t)4096;
    uintptr_t from = ((uintptr_t)p + page - 1u) & ~(page - 1u);
    uintptr_t to = ((uintptr_t)p + n) & ~(page - 1u);
    if (n >= TRIM_BYTES && to > from) {
        (void)madvise((void *)from, (size_t)(to - from), MADV_DONTNEED);
    }
#else
    (void)p;
    (void)n;
#endif
}

/* An aligned block, or NULL with errno = ENOMEM. */
static void *alloc_aligned(size_t size, size_t align)
{
    void *p;
    if (align < MALLOC_ALIGN) {
        align = MALLOC_ALIGN;
    }
    heap_lock();
    p = alloc_locked(size, align);
    heap_unlock();
    if (p == NULL) {
        errno = ENOMEM;
    }
    return p;
}

static bool is_pow2(size_t a)
{
    return a != 0u && (a & (a - 1u)) == 0u;
}

static size_t host_page(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : (size_t)4096;
}

/* ---- the malloc family --------------------------------------------------------- */

EXPORT void *malloc(size_t size)
{
    return alloc_aligned(size, MALLOC_ALIGN);
}

EXPORT void free(void *p)
{
    int saved = errno;
    slab_heap *h;
    if (p == NULL) {
        return;
    }
    heap_lock();
    h = heap_get();
    if (h != NULL) {
        size_t n = slab_usable_size(h, p);
        if (n >= TRIM_BYTES) {
            trim(p, n); /* p is a live block: its pages are ours to drop */
        }
        current_op = "free";
        slab_free(h, p);
    } else {
        faults[SLAB_FAULT_FOREIGN]++;
    }
    heap_unlock();
    errno = saved;
}

EXPORT void *calloc(size_t n, size_t size)
{
    size_t bytes;
    uintptr_t fresh_from;
    void *p;
    if (size != 0u && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    bytes = n * size;
    heap_lock();
    fresh_from = high_water;
    p = alloc_locked(bytes, MALLOC_ALIGN);
    heap_unlock();
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if (bytes < CALLOC_FRESH_MIN || (uintptr_t)p < fresh_from) {
        memset(p, 0, bytes);
    }
    return p;
}

/*
 * realloc keeps slab_realloc's rules (kept in place when the block fits and
 * is less than twice the need; a shrink that finds no room keeps p) but
 * copies with memcpy, outside the lock: the core's byte loop was a sixth of
 * perl's run time. A bad p goes to slab_realloc, which reports the fault.
 */
EXPORT void *realloc(void *p, size_t size)
{
    slab_heap *h;
    size_t old = 0u;
    void *q = NULL;
    if (p == NULL) {
        return malloc(size);
    }
    heap_lock();
    h = heap_get();
    if (h == NULL) {
        faults[SLAB_FAULT_FOREIGN]++;
    } else if ((old = slab_usable_size(h, p)) == 0u) {
        current_op = "realloc";
        q = slab_realloc(h, p, size, MALLOC_ALIGN); /* refuses, reports */
    } else if (size <= old && (size >= old / 2u || old <= MALLOC_ALIGN)) {
        q = p;
    } else {
        q = alloc_locked(size, MALLOC_ALIGN);
        if (q == NULL && size <= old) {
            q = p; /* no room to shrink into: p fits */
        }
    }
    heap_unlock();
    if (q == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    if (q != p) {
        /* p is still the caller's and q is not yet anyone's: copy unlocked */
        memcpy(q, p, size < old ? size : old);
        heap_lock();
        trim(p, old);
        current_op = "free";
        slab_free(h, p);
        heap_unlock();
    }
    return q;
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    if (size != 0u && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n * size);
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (!is_pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc_aligned(size, align);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    int saved = errno;
    void *p;
    if (!is_pow2(align) || align % sizeof(void *) != 0u) {
        return EINVAL;
    }
    p = alloc_aligned(size, align);
    errno = saved;
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

EXPORT void *memalign(size_t align, size_t size)
{
    if (align > SIZE_MAX / 2u + 1u) {
        errno = EINVAL;
        return NULL;
    }
    if (!is_pow2(align)) {
        size_t a = MALLOC_ALIGN;
        while (a < align) {
            a *= 2u;
        }
        align = a;
    }
    return alloc_aligned(size, align);
}

EXPORT void *valloc(size_t size)
{
    return alloc_aligned(size, host_page());
}

EXPORT void *pvalloc(size_t size)
{
    size_t page = host_page();
    if (size > SIZE_MAX - (page - 1u)) {
        errno = ENOMEM;
        return NULL;
    }
    size = size == 0u ? page : (size + page - 1u) & ~(page - 1u);
    return alloc_aligned(size, page);
}

EXPORT size_t malloc_usable_size(void *p)
{
    size_t n = 0u;
    if (p == NULL) {
        return 0u;
    }
    heap_lock();
    n = slab_usable_size(heap_get(), p);
    heap_unlock();
    return n;
}

/* ---- extras ---------------------------------------------------------------------- */

EXPORT void slab_malloc_get_stats(slab_stats *out)
{
    heap_lock();
    slab_get_stats(heap_get(), out);
    heap_unlock();
}

EXPORT size_t slab_malloc_fault_count(slab_fault kind)
{
    size_t n = 0u;
    heap_lock();
    if (kind == SLAB_FAULT_NONE) {
        for (unsigned k = 1u; k < NKINDS; k++) {
            n += faults[k];
        }
    } else if ((unsigned)kind < NKINDS) {
        n = faults[kind];
    }
    heap_unlock();
    return n;
}

EXPORT size_t slab_malloc_arena_bytes(void)
{
    size_t n;
    heap_lock();
    (void)heap_get();
    n = arena_bytes;
    heap_unlock();
    return n;
}

/*
 * SLAB_MALLOC_STATS: one line of figures when the process exits through
 * exit() (not _exit): on stderr, or appended to the file if the value is an
 * absolute path.
 */
__attribute__((destructor)) static void slab_malloc_report(void)
{
    slab_stats st;
    size_t f[NKINDS];
    size_t bytes;
    line l = {.len = 0u};
    const char *where = getenv("SLAB_MALLOC_STATS");
    if (!env_flag("SLAB_MALLOC_STATS")) {
        return;
    }
    heap_lock();
    slab_get_stats(heap, &st); /* zeroed if there is no heap */
    memcpy(f, faults, sizeof f);
    bytes = arena_bytes;
    heap_unlock();
    put_field(&l, "slab_malloc: stats pid ", (uintmax_t)getpid());
    put_field(&l, " arena ", bytes);
    put_field(&l, " live ", st.bytes_used);
    put_field(&l, " peak ", st.bytes_peak);
    put_field(&l, " blocks ", st.blocks_used);
    put_field(&l, " oom ", st.oom_count);
    put_field(&l, " foreign ", f[SLAB_FAULT_FOREIGN]);
    put_field(&l, " double ", f[SLAB_FAULT_DOUBLE_FREE]);
    put_field(&l, " interior ", f[SLAB_FAULT_INTERIOR]);
    if (where[0] == '/') {
        /* A file: programs that close stderr before exiting (coreutils'
         * close_stdout) would lose the line otherwise. */
        int fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            emit_to(fd, &l);
            (void)close(fd);
        }
    } else {
        emit(&l);
    }
}
