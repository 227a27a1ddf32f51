/*
 * slab_api_spec.h - the contracts of the public functions of src/slab.c.
 *
 * Read only by Frama-C: slab.h declares these functions for users, with an
 * opaque heap type; here they are declared again, with the heap's insides
 * visible, and their contracts. Every public function:
 *  - accepts h == NULL or any readable pointer, and does nothing (or
 *    returns NULL / 0) unless h is a heap (its magic number: IS_HEAP);
 *  - for a heap, requires and keeps the heap invariant HEAP_INV (the two
 *    that allocate also require HEAP_ROUTES, which no call writes);
 *  - has named behaviours, complete and disjoint, one per kind of input;
 *  - writes nothing outside the heap's bookkeeping and pages (HEAP_STATE);
 *  - keeps the functional parts of the heap invariant, each proved by
 *    induction over calls in a WP run of its own: the page counters
 *    (R27: counts_alloc, page_counts), the page lists (R28: lists_kept),
 *    every class page's counts against its bitmap (R23: marks_kept),
 *    bytes_used (R30: bytes_kept) and the lists' completeness (R31:
 *    complete_kept).
 * The pointer a function returns is the one src/slab_edge.c makes from a
 * page index and offset (trusted, T12); which block it is, is recorded in
 * the ghost variables slab_ghost_page and slab_ghost_off, so the contract
 * can say what was proved of it.
 */
#ifndef SLAB_API_SPEC_H
#define SLAB_API_SPEC_H

/* The page and offset of the block the last allocation returned. */
//@ ghost int32_t slab_ghost_page;
//@ ghost uint32_t slab_ghost_off;

/* R20 for a call that returns a new block: the block the ghost variables
 * name was not live before the call, is live now and holds size bytes. */
#define SERVED_NEW_BLOCK(size)                                               \
    ensures served: \result != \null ==>                                     \
        live_at(h, slab_ghost_page, slab_ghost_off) &&                       \
        !live_at{Pre}(h, slab_ghost_page, slab_ghost_off) &&                 \
        usable_at(h, slab_ghost_page) >= (size)

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h) && HEAP_ROUTES(h);
    assigns HEAP_STATE(h), slab_ghost_page, slab_ghost_off;
    behavior not_a_heap:
      assumes !IS_HEAP(h);
      assigns \nothing;
      ensures \result == \null;
    behavior bad_align:
      assumes IS_HEAP(h) && !is_pow2(align);
      ensures \result == \null;
      ensures HEAP_INV_M(h);
      ensures MISUSE_UNCHANGED(h, Pre);
    behavior request:
      assumes IS_HEAP(h) && is_pow2(align);
      ensures HEAP_INV_M(h);
      SERVED_NEW_BLOCK(size);
      REFUSED_ONLY_WITHOUT_ROOM(PTR_REFUSED(h), h, size, align);
      ensures PTR_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
      ensures LIVE_KEPT(h, Pre);
      COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
      LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
      COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
      MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
      BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
    complete behaviors;
    disjoint behaviors;
 */
void *slab_alloc(slab_heap *h, size_t size, size_t align);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h);
    assigns HEAP_STATE(h);
    behavior nothing_to_do:
      assumes p == \null || !IS_HEAP(h);
      assigns \nothing;
    behavior misuse:
      assumes p != \null && IS_HEAP(h) && !PTR_LIVE(h, p);
      assigns h->fault_count;
      ensures HEAP_INV_M(h);
    behavior live:
      assumes p != \null && IS_HEAP(h) && PTR_LIVE(h, p);
      ensures HEAP_INV_M(h);
      FREES_LIVE_BLOCK(h, p);
      ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h);
      LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
      COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
      MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
      BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
    complete behaviors;
    disjoint behaviors;
 */
void slab_free(slab_heap *h, void *p);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h);
    assigns HEAP_STATE(h);
    behavior nothing_to_do:
      assumes p == \null || !IS_HEAP(h);
      assigns \nothing;
    behavior misuse:
      assumes p != \null && IS_HEAP(h) && !PTR_LIVE(h, p);
      assigns h->fault_count;
      ensures HEAP_INV_M(h);
    behavior wrong_layout:
      assumes p != \null && IS_HEAP(h) && PTR_LIVE(h, p) &&
              !LAYOUT_FITS(h, p, size, align);
      assigns h->fault_count;
      ensures HEAP_INV_M(h);
    behavior live:
      assumes p != \null && IS_HEAP(h) && PTR_LIVE(h, p) &&
              LAYOUT_FITS(h, p, size, align);
      ensures HEAP_INV_M(h);
      FREES_LIVE_BLOCK(h, p);
      ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h);
      LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
      COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
      MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
      BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
    complete behaviors;
    disjoint behaviors;
 */
void slab_free_sized(slab_heap *h, void *p, size_t size, size_t align);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h) && HEAP_ROUTES(h);
    assigns HEAP_STATE(h), slab_ghost_page, slab_ghost_off;
    behavior not_a_heap:
      assumes !IS_HEAP(h);
      assigns \nothing;
      ensures \result == \null;
    behavior bad_align:
      assumes IS_HEAP(h) && !is_pow2(align);
      ensures \result == \null;
      ensures HEAP_INV_M(h);
      ensures MISUSE_UNCHANGED(h, Pre);
    behavior new_block:
      assumes IS_HEAP(h) && is_pow2(align) && p == \null;
      ensures HEAP_INV_M(h);
      SERVED_NEW_BLOCK(size);
      REFUSED_ONLY_WITHOUT_ROOM(PTR_REFUSED(h), h, size, align);
      ensures PTR_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
      COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
      LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
      COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
      MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
      BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
    behavior misuse:
      assumes IS_HEAP(h) && is_pow2(align) && p != \null && !PTR_LIVE(h, p);
      assigns h->fault_count;
      ensures \result == \null;
      ensures HEAP_INV_M(h);
    behavior resize:
      assumes IS_HEAP(h) && is_pow2(align) && p != \null && PTR_LIVE(h, p);
      ensures HEAP_INV_M(h);
      REFUSED_ONLY_WITHOUT_ROOM(PTR_REFUSED(h), h, size, align);
      ensures PTR_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
      COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
      LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
      COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
      MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
      BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
    complete behaviors;
    disjoint behaviors;
 */
void *slab_realloc(slab_heap *h, void *p, size_t size, size_t align);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h);
    assigns \nothing;
    behavior nothing_to_do:
      assumes p == \null || !IS_HEAP(h);
      ensures \result == 0;
    behavior not_live:
      assumes p != \null && IS_HEAP(h) && !PTR_LIVE(h, p);
      ensures \result == 0;
    behavior live:
      assumes p != \null && IS_HEAP(h) && PTR_LIVE(h, p);
      ensures \result == usable_at(h, PTR_DIST(h, p) / SLAB_PAGE_SIZE);
    complete behaviors;
    disjoint behaviors;
 */
size_t slab_usable_size(const slab_heap *h, const void *p);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h);
    behavior not_a_heap:
      assumes !IS_HEAP(h);
      assigns \nothing;
    behavior heap:
      assumes IS_HEAP(h);
      assigns h->hook, h->hook_ctx;
      ensures h->hook == hook;
      ensures HEAP_INV_M(h);
    complete behaviors;
    disjoint behaviors;
 */
void slab_set_fault_hook(slab_heap *h, slab_fault_hook hook, void *ctx);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> HEAP_INV(h);
    behavior not_a_heap:
      assumes !IS_HEAP(h);
      assigns \nothing;
    behavior heap:
      assumes IS_HEAP(h);
      assigns h->lock_enter, h->lock_leave, h->lock_ctx;
      ensures HEAP_INV_M(h);
      ensures (h->lock_enter == \null) <==> (h->lock_leave == \null);
    complete behaviors;
    disjoint behaviors;
 */
void slab_set_lock(slab_heap *h, slab_lock_fn enter, slab_lock_fn leave,
                   void *ctx);

#endif /* SLAB_API_SPEC_H */
