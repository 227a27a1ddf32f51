/*
 * slab_malloc.h - newlib's malloc family over one slab heap.
 *
 * slab_malloc.c defines malloc, free, calloc, realloc, memalign,
 * aligned_alloc, posix_memalign, malloc_usable_size and mallinfo, and the
 * reentrant versions newlib's own code calls (_malloc_r, _free_r,
 * _calloc_r, _realloc_r, _memalign_r, _malloc_usable_size_r,
 * _mallinfo_r). Linked before libc, they replace newlib's allocator
 * entirely: printf's buffers, strdup, dtoa's big numbers and every other
 * allocation in newlib come from the slab heap, and _sbrk is never called.
 *
 * The heap is the region between the linker-script symbols __heap_start
 * and __heap_end. It is formatted on the first allocation (or on the first
 * call of slab_malloc_heap). Blocks are aligned to 8 bytes (the largest
 * alignment of any C type on ARM EABI), like newlib's malloc.
 */
#ifndef SLAB_MALLOC_H
#define SLAB_MALLOC_H

#include "slab.h"

/* The heap behind malloc (for statistics, slab_check, the fault hook), or
 * NULL if the region cannot hold one (then every allocation fails). */
slab_heap *slab_malloc_heap(void);

/* Misuse of free/realloc (double, interior, foreign frees) seen by the
 * default fault hook, which slab_malloc_heap installs. Replace the hook
 * with slab_set_fault_hook(slab_malloc_heap(), fn, ctx). */
unsigned long slab_malloc_fault_count(void);

#endif /* SLAB_MALLOC_H */
