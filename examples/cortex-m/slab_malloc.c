/*
 * slab_malloc.c - newlib's malloc family over one slab heap (slab_malloc.h).
 *
 * newlib lets a program replace its allocator: define malloc, free,
 * realloc, calloc and their reentrant forms _malloc_r, _free_r, _realloc_r,
 * _calloc_r (newlib's stdio, strdup, dtoa, ... call the _r forms), and the
 * linker never pulls in newlib's mallocr.o, so neither its code nor its
 * _sbrk-based arena ends up in the image (and _sbrk below refuses, in
 * case anything else calls it). The other entry points newlib
 * has (memalign, malloc_usable_size, mallinfo) are defined too, so that no
 * call can drag the old allocator back in; target.mk checks the ELF for it.
 *
 * Calls are bracketed with __malloc_lock/__malloc_unlock, like newlib's
 * own malloc: they do nothing on bare metal; an RTOS that supports newlib
 * defines them (a recursive mutex, or masking interrupts) and the slab
 * heap, which does not lock by itself, is then safe to share between
 * threads. Interrupt handlers must not allocate unless that lock masks
 * them.
 *
 * Semantics are the C library's: malloc(0) returns a unique block,
 * realloc(p, 0) frees p and returns NULL (like newlib's malloc),
 * failures return NULL with errno = ENOMEM. Misuse (a double, interior or
 * foreign free) is refused by the heap, counted and reported to its fault
 * hook instead of corrupting memory.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slab_malloc.h"

/* C11's aligned_alloc; newlib declares it only for C11 and later. */
void *aligned_alloc(size_t align, size_t size);

/* Linker-script symbols (mps2.ld): the heap region. */
extern unsigned char __heap_start[], __heap_end[];

/* What malloc guarantees: the largest alignment of any type (8 on ARM). */
#define MALLOC_ALIGN ((size_t)__BIGGEST_ALIGNMENT__)

static slab_heap *g_heap;
static int g_heap_tried;
static unsigned long g_faults;

/* The default fault hook: count. On a board with a debugger, define
 * SLAB_MALLOC_BKPT_ON_FAULT to stop at the misuse (README.md). */
static void default_fault_hook(void *ctx, slab_fault kind, const void *ptr)
{
    (void)ctx;
    (void)kind;
    (void)ptr;
    g_faults++;
#if defined(SLAB_MALLOC_BKPT_ON_FAULT) && defined(__arm__)
    /* only with a debugger attached (DHCSR.C_DEBUGEN): a BKPT without one
     * escalates to a HardFault */
    if ((*(volatile const uint32_t *)0xE000EDF0u & 1u) != 0) {
        __asm__ volatile("bkpt #0");
    }
#endif
}

slab_heap *slab_malloc_heap(void)
{
    if (!g_heap_tried) {
        g_heap_tried = 1;
        g_heap = slab_init(__heap_start,
                           (size_t)(__heap_end - __heap_start));
        slab_set_fault_hook(g_heap, default_fault_hook, NULL);
    }
    return g_heap;
}

unsigned long slab_malloc_fault_count(void)
{
    return g_faults;
}

/* ---- the reentrant forms newlib calls -------------------------------------- */

void *_memalign_r(struct _reent *r, size_t align, size_t size)
{
    void *p;
    if (align < MALLOC_ALIGN) {
        align = MALLOC_ALIGN;
    }
    __malloc_lock(r);
    p = slab_alloc(slab_malloc_heap(), size, align);
    __malloc_unlock(r);
    if (p == NULL) {
        r->_errno = ENOMEM;
    }
    return p;
}

void *_malloc_r(struct _reent *r, size_t size)
{
    return _memalign_r(r, MALLOC_ALIGN, size);
}

void _free_r(struct _reent *r, void *p)
{
    if (p == NULL) {
        return;
    }
    __malloc_lock(r);
    slab_free(slab_malloc_heap(), p);
    __malloc_unlock(r);
}

void *_calloc_r(struct _reent *r, size_t n, size_t size)
{
    void *p;
    if (size != 0 && n > SIZE_MAX / size) {
        r->_errno = ENOMEM;
        return NULL;
    }
    p = _malloc_r(r, n * size);
    if (p != NULL) {
        memset(p, 0, n * size); /* slab blocks are not zeroed */
    }
    return p;
}

void *_realloc_r(struct _reent *r, void *p, size_t size)
{
    void *q;
    if (p == NULL) {
        return _malloc_r(r, size);
    }
    if (size == 0) {
        _free_r(r, p);
        return NULL;
    }
    __malloc_lock(r);
    q = slab_realloc(slab_malloc_heap(), p, size, MALLOC_ALIGN);
    __malloc_unlock(r);
    if (q == NULL) {
        r->_errno = ENOMEM;
    }
    return q;
}

size_t _malloc_usable_size_r(struct _reent *r, void *p)
{
    size_t n;
    __malloc_lock(r);
    n = slab_usable_size(slab_malloc_heap(), p);
    __malloc_unlock(r);
    return n;
}

struct mallinfo _mallinfo_r(struct _reent *r)
{
    struct mallinfo mi;
    slab_stats st;
    __malloc_lock(r);
    slab_get_stats(slab_malloc_heap(), &st);
    __malloc_unlock(r);
    memset(&mi, 0, sizeof mi);
    mi.arena = st.capacity;
    mi.ordblks = st.pages_free;
    mi.hblks = st.pages_large;
    mi.usmblks = st.bytes_peak;
    mi.uordblks = st.bytes_used;
    mi.fordblks = st.capacity - st.bytes_used;
    mi.keepcost = st.largest_free;
    return mi;
}

/* ---- sbrk ------------------------------------------------------------------ */

/* Nothing may grow a heap with sbrk any more: the region it would grow
 * into (from the linker symbol `end`) belongs to the slab heap. librdimon
 * links a weak _sbrk; this one wins and always refuses. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    (void)incr;
    errno = ENOMEM;
    return (void *)(intptr_t)-1;
}

/* ---- the standard names ---------------------------------------------------- */

void *malloc(size_t size)
{
    return _malloc_r(_REENT, size);
}

void free(void *p)
{
    _free_r(_REENT, p);
}

void *calloc(size_t n, size_t size)
{
    return _calloc_r(_REENT, n, size);
}

void *realloc(void *p, size_t size)
{
    return _realloc_r(_REENT, p, size);
}

void *memalign(size_t align, size_t size)
{
    return _memalign_r(_REENT, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    return _memalign_r(_REENT, align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p;
    if (align < sizeof(void *) || (align & (align - 1u)) != 0) {
        return EINVAL;
    }
    p = _memalign_r(_REENT, align, size);
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

size_t malloc_usable_size(void *p)
{
    return _malloc_usable_size_r(_REENT, p);
}

struct mallinfo mallinfo(void)
{
    return _mallinfo_r(_REENT);
}
