/*
 * slab_edge.h - where the heap meets the machine: pointers turned into
 * page offsets and back, the arena's address arithmetic, the user's
 * callbacks, byte copies of user data. Not part of the public API.
 *
 * WP's typed memory model cannot follow a pointer cast to an integer and
 * back, a cast between pointer types, or a call through a user's function
 * pointer; so these few functions are kept apart, in src/slab_edge.c, and
 * are not proved: their contracts below are trusted, each listed in
 * spec/TRUSTED.md (T11, T12, T13) with the tests that back it. Every other
 * function of src/ is proved against these contracts.
 */
#ifndef SLAB_EDGE_H
#define SLAB_EDGE_H

#include "heap_internal.h"
#ifdef __FRAMAC__
#include "slab_spec.h"
#endif

/* The address of byte `off` of page i. Never NULL: the pages lie after the
 * heap header, inside an arena slab_init accepted. (T12) */
/*@ requires \valid_read(h) && 0 <= i < h->npages && off < SLAB_PAGE_SIZE;
    assigns \nothing;
    ensures \result != \null;
 */
void *heap_block_ptr(const slab_heap *h, int32_t i, uint32_t off);

/* Bytes from the heap's first page to p, as an unsigned difference: below
 * h->span exactly when p points into the pages (a pointer below the pages
 * wraps to a huge value). (T12) */
/*@ requires \valid_read(h);
    assigns \nothing;
    ensures \result == PTR_DIST(h, p);
 */
uintptr_t heap_ptr_dist(const slab_heap *h, const void *p);

/* Is p a multiple of align (a power of two)? (T12) */
/*@ assigns \nothing;
    ensures \result <==> ptr_aligned((void *)p, align);
 */
bool heap_ptr_aligned(const void *p, size_t align);

/* Call the heap's fault hook, if one is set. The hook is the user's code:
 * it must not write the heap's memory (it may read statistics). (T11) */
/*@ requires \valid_read(h);
    assigns \nothing;
 */
void heap_fault_notify(const slab_heap *h, slab_fault kind, const void *p);

/* Copy n bytes of user data from one live block to another (realloc).
 * Blocks are the user's bytes, a memory WP's typed model keeps apart from
 * the heap's own words (T3, T13). */
/*@ assigns \nothing; */
void heap_copy_bytes(void *to, const void *from, size_t n);

/* Provided by src/slab.c for slab_init: with the geometry set (npages,
 * pages, meta, links, base, span) and the class table checked
 * (layout_table_ok), make every page free, put them all in
 * the pool, and clear every list, counter, hook and lock. The page lists
 * then agree with the page states (R28) and the page counters with the
 * page table (R27): every later call keeps both. */
/*@ requires \valid(h);
    requires 0 < h->npages <= HEAP_MAX_PAGES;
    requires \valid(h->meta + (0 .. h->npages - 1));
    requires \valid(h->links + (0 .. h->npages - 1));
    requires \valid(h->pages + (0 .. h->npages * SLAB_PAGE_WORDS - 1));
    requires \separated(h, h->meta + (0 .. h->npages - 1),
                        h->links + (0 .. h->npages - 1),
                        h->pages + (0 .. h->npages * SLAB_PAGE_WORDS - 1));
    requires h->span == h->npages * SLAB_PAGE_SIZE;
    requires class_table_ok;
    assigns h->magic, h->head[0 .. HEAP_LISTS - 1], h->pool_count,
            h->empty[0 .. SLAB_NUM_CLASSES - 1], h->bytes_used, h->bytes_peak,
            h->large_pages, h->oom_count, h->fault_count, h->hook, h->hook_ctx,
            h->lock_enter, h->lock_leave, h->lock_ctx,
            h->class_of[0 .. SLAB_FAST_SLOTS - 1],
            h->meta[0 .. h->npages - 1], h->links[0 .. h->npages - 1];
    ensures HEAP_INV_M(h);
    ensures routes: HEAP_ROUTES(h);
    ensures h->magic == HEAP_MAGIC;
    ensures \forall integer i; 0 <= i < h->npages ==>
              h->meta[i].state == PAGE_FREE;
    ensures h->bytes_used == 0 && h->large_pages == 0;
    ensures lists: LISTS_AGREE(h);
    ensures counts: PAGE_COUNTS_AGREE(h);
    MARKS_ENSURES(marks_formatted, PAGES_COUNTED(h))
    BYTES_ENSURES(bytes_formatted, BYTES_AGREE(h))
    COMPLETE_ENSURES(complete_lists, LISTS_COMPLETE(h))
 */
void heap_format(slab_heap *h);

#endif /* SLAB_EDGE_H */
