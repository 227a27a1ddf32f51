/*
 * slab_spec.h - ACSL vocabulary of the API layer (src/slab.c).
 *
 * Read only by Frama-C. It adds to the page-list layers of heap_spec.h
 * the geometry the API relies on (HEAP_GEOM) and what "a live block" means
 * at the offset level: page i, byte offset off in it. Pointers are turned
 * into (page, offset) and back only in src/slab_edge.c, which is trusted
 * (spec/TRUSTED.md, T12); everything here is about offsets.
 *
 * Requirements served (spec/REQUIREMENTS.md): R10 misuse refused, R11 a
 * refusal for lack of memory changes nothing else (HEAP_UNCHANGED), R19 free
 * makes exactly that block not live (FREE_FRAME), R20 a block handed out
 * was not live and is live afterwards, and every live block stays live
 * (LIVE_KEPT), R21 usable size, R22 a class request is refused for lack of
 * memory only when no page is left to give (NO_PAGE_TO_GIVE), a large one
 * only when no run of pages could hold it (NO_ROOM_LARGE); both premised
 * on SPOT_REFUSED / PTR_REFUSED.
 */
#ifndef SLAB_SPEC_H
#define SLAB_SPEC_H

/* The pages span exactly npages pages (set once by slab_init; T10). */
#define HEAP_GEOM(h) ((h)->span == (h)->npages * SLAB_PAGE_SIZE)

/* The heap's fast routing table (class_of, filled by heap_format) sends
 * every slot to the first class that covers the slot's smallest size, so
 * a look-up is the class R1 names; and the alignments the fast path
 * takes are powers of two. Kept apart from HEAP_INV, which every
 * function of src/slab.c requires: only the allocation path reads the
 * table, and only heap_format writes it (no public function's assigns
 * clause, HEAP_STATE, holds class_of; T10), so once slab_init has made
 * the heap it holds at every later call. */
#define HEAP_ROUTES(h) (fast_table_ok(&(h)->class_of[0]) && fast_aligns_ok)
/* Every slot of the fast table holds what it held at label L. */
#define ROUTES_KEPT(h, L)                                                    \
    (\forall integer k_; 0 <= k_ < SLAB_FAST_SLOTS ==>                       \
       (h)->class_of[k_] == \at((h)->class_of[k_], L))

/* h is a heap made by slab_init (what heap_ok tests). */
#define IS_HEAP(h) ((h) != \null && (h)->magic == HEAP_MAGIC)

/*@
  // The invariant every public function requires and keeps. A predicate,
  // not a macro like the layers it is made of: a call then has one
  // precondition goal, not one per conjunct, which keeps the number of
  // goals of src/slab.c (whose functions call one another a lot) small.
  // The class table's sanity (class_table_ok, checked by slab_init) is
  // part of it: src/slab.c is proved without the table's values.
  predicate heap_inv{L}(slab_heap *h) =
    HEAP_SHAPE(h) && HEAP_GEOM(h) && class_table_ok;
*/
#define HEAP_INV(h) heap_inv(h)
/* The same, as a macro: used in postconditions, so that WP splits the
 * goal into one small goal per layer and conjunct. */
#define HEAP_INV_M(h) (HEAP_SHAPE(h) && HEAP_GEOM(h) && class_table_ok)

/*@
  // The block at byte offset off of page i is live: a handed-out class
  // block (a block start whose allocated bit is set) or the first page of
  // a large block.
  predicate live_at{L}(slab_heap *h, integer i, integer off) =
    0 <= i < \at(h->npages, L) &&
    ((\at(h->meta[i].state, L) == PAGE_CLASS &&
      block_start{L}(&h->meta[i], off) &&
      bit_set{L}(&h->meta[i], granule(off)) && \at(h->meta[i].used, L) > 0) ||
     (\at(h->meta[i].state, L) == PAGE_LARGE && off == 0));

  // The byte distance from the heap's first page to p, as
  // heap_ptr_dist (src/slab_edge.c, trusted T12) computes it (base is the
  // address of the first page, h->base). Declared, not defined: nothing is
  // assumed of it but what heap_ptr_dist's contract says.
  axiomatic PtrDist {
    logic integer ptr_dist(integer base, void *p);
  }

  // p's address is a multiple of align, as heap_ptr_aligned (T12) tests
  // it. Declared, not defined, like ptr_dist.
  axiomatic PtrAligned {
    predicate ptr_aligned(void *p, integer align);
  }

  // Usable bytes of the live block at page i.
  logic integer usable_at{L}(slab_heap *h, integer i) =
    \at(h->meta[i].state, L) == PAGE_CLASS ? \at(h->meta[i].size, L)
      : (\at(h->meta[i].run, L) < \at(h->npages, L) - i ?
           \at(h->meta[i].run, L) : \at(h->npages, L) - i) * SLAB_PAGE_SIZE;
*/

/* An allocation's result b (a heap_spot, src/slab.c): a block that is live
 * now and was not at Pre, or no block (page HEAP_NO_PAGE); and one of at
 * least `size` usable bytes. */
#define SPOT_NEW(h, b)                                                       \
    ((b).page != HEAP_NO_PAGE ==>                                            \
       live_at(h, (b).page, (b).off) && !live_at{Pre}(h, (b).page, (b).off))
#define SPOT_FITS(h, b, size)                                                \
    ((b).page != HEAP_NO_PAGE ==> usable_at(h, (b).page) >= (size))

/* No page on the lists for a class to take: at the call (label Pre) the
 * pool had no page, and now no class keeps an empty page. What the lists
 * say when a class refill finds no page (refill_take). */
#define NO_PAGE_LISTED(h) (\at(POOL_DRY(h), Pre) && NO_KEPT_EMPTY(h))

/* No page for a class to take at all: none on the lists, and no page of
 * the heap was idle at the call (no free page, no empty class page), which
 * the walk of the page table before a refusal shows (class_room_left).
 * What a refusal for lack of memory of a class request implies
 * (resource-aware refusal, R22). Used in postconditions only. */
#define NO_PAGE_TO_GIVE(h) (NO_PAGE_LISTED(h) && \at(no_idle_page(h), Pre))

/* In a postcondition: the call gave no block and counted a refusal for
 * lack of memory (oom_count changed), the premise of R11 and R22. For a
 * result that is a heap_spot, and for one that is a pointer. */
#define SPOT_REFUSED(h)                                                      \
    (\result.page == HEAP_NO_PAGE && (h)->oom_count != \old((h)->oom_count))
#define PTR_REFUSED(h)                                                       \
    (\result == \null && (h)->oom_count != \old((h)->oom_count))

/* Every part of the heap's state (HEAP_STATE) but the refusal counter
 * oom_count is as it was at label L: what a refusal for lack of memory
 * leaves (R11). */
#define HEAP_UNCHANGED(h, L)                                                 \
    (HEAP_KEPT_BUT_COUNTS(h, L) &&                                           \
     (h)->fault_count == \at((h)->fault_count, L))

/* What a call refused for misuse leaves (R10): every part of the heap's
 * state but the fault counter is as it was at label L, the refusal
 * counter too. */
#define MISUSE_UNCHANGED(h, L)                                               \
    (HEAP_KEPT_BUT_COUNTS(h, L) &&                                           \
     (h)->oom_count == \at((h)->oom_count, L))

/* Both: everything but the refusal and the fault counters. Page-table
 * entries are compared field by field (the fields page_ok reads,
 * PAGE_FIELDS_KEPT, and the rest): the provers could not turn field facts
 * into whole-entry equality (an entry holds an array), not even in 40 s. */
#define HEAP_KEPT_BUT_COUNTS(h, L)                                           \
    (LISTS_UNCHANGED(h, L) &&                                                \
     (\forall integer q; 0 <= q < (h)->npages ==>                            \
        (h)->meta[q].run == \at((h)->meta[q].run, L) &&                      \
        (h)->meta[q].state == \at((h)->meta[q].state, L) &&                  \
        (h)->meta[q].cls == \at((h)->meta[q].cls, L) &&                      \
        PAGE_FIELDS_KEPT(h, q, L)) &&                                        \
     (\forall integer w_; 0 <= w_ < (h)->npages * SLAB_PAGE_WORDS ==>       \
        (h)->pages[w_] == \at((h)->pages[w_], L)) &&                        \
     (h)->bytes_used == \at((h)->bytes_used, L) &&                          \
     (h)->bytes_peak == \at((h)->bytes_peak, L) &&                          \
     (h)->large_pages == \at((h)->large_pages, L))

/* What freeing the live block at (i, off) does to the other blocks (R19),
 * from label Pre to now: no block becomes live; every block of another
 * page that was live still is; and so is every other block of page i (a
 * page counts itself empty, and is given back, only when none of its
 * blocks is marked: the page invariant, spec/page_spec.h). */
#define FREE_FRAME(h, i, off)                                                \
    ((\forall integer j_, o_;                                                \
        live_at(h, j_, o_) ==> live_at{Pre}(h, j_, o_)) &&                   \
     LIVE_KEPT_BUT(h, i, Pre) &&                                             \
     (\forall integer o_; o_ != (off) && live_at{Pre}(h, i, o_) ==>          \
        live_at(h, i, o_)))

/* Two postconditions of a free of the live block at p (R19): that block
 * is no longer live, and nothing else changed liveness (FREE_FRAME). */
#define FREES_LIVE_BLOCK(h, p)                                               \
    ensures !live_at(h, PTR_DIST(h, p) / SLAB_PAGE_SIZE,                     \
                     PTR_DIST(h, p) % SLAB_PAGE_SIZE);                       \
    ensures FREE_FRAME(h, PTR_DIST(h, p) / SLAB_PAGE_SIZE,                   \
                       PTR_DIST(h, p) % SLAB_PAGE_SIZE)

/* Every block live at label L is live now: what an allocation does to
 * the blocks already handed out (R20). */
#define LIVE_KEPT(h, L)                                                      \
    (\forall integer j_, o_; live_at{L}(h, j_, o_) ==> live_at(h, j_, o_))

/* The same, for the blocks of every page but page i. */
#define LIVE_KEPT_BUT(h, i, L)                                               \
    (\forall integer j_, o_; j_ != (i) && live_at{L}(h, j_, o_) ==>         \
        live_at(h, j_, o_))

/* Some class serves (size, align): the request does not go to a run of
 * whole pages. */
#define CLASS_REQUEST(size, align)                                           \
    (\exists integer c_; 0 <= c_ < SLAB_NUM_CLASSES &&                       \
       class_fits(c_, size, align))

/* A large block of `size` bytes aligned to `align`: its pages (the least
 * count >= 1 that holds size bytes, what large_alloc asks layout_pages
 * for) and its first page's alignment in pages. */
#define LARGE_PAGES(size)                                                    \
    ((size) == 0 ? 1 : ((size) + SLAB_PAGE_SIZE - 1) / SLAB_PAGE_SIZE)
#define LARGE_ALIGN_PAGES(align)                                             \
    ((align) > SLAB_PAGE_SIZE ? (align) / SLAB_PAGE_SIZE : 1)

/* R22 for a request no class serves: no run of pages could hold it, even
 * if every class gave up its kept empty page (spec/heap_spec.h, NO_RUN). */
#define NO_ROOM_LARGE(h, size, align)                                        \
    NO_RUN(h, LARGE_PAGES(size), LARGE_ALIGN_PAGES(align))

/* R22, resource-aware refusal, as three postconditions: a call whose
 * result `refused` (SPOT_REFUSED or PTR_REFUSED) refused a request some
 * class serves only if there was no page to give it and the class it goes
 * to (R1: the first class that fits it, routed_class) had every page full
 * when the call began; a request no class serves, only if no run of its
 * pages was available when the call began. */
#define REFUSED_ONLY_WITHOUT_ROOM(refused, h, size, align)                  \
    ensures refused_no_page: refused && CLASS_REQUEST(size, align) ==>       \
            NO_PAGE_TO_GIVE(h);                                              \
    ensures refused_class_full: refused && CLASS_REQUEST(size, align) ==>    \
            \exists integer c_; routed_class(c_, size, align) &&             \
              \at(class_pages_full(h, c_), Pre);                             \
    ensures refused_no_run: refused && !CLASS_REQUEST(size, align) ==>       \
            \at(NO_ROOM_LARGE(h, size, align), Pre)

/* p points to the start of a live block of h. */
#define PTR_LIVE(h, p)                                                       \
    (PTR_DIST(h, p) < (h)->span &&                                           \
     live_at(h, PTR_DIST(h, p) / SLAB_PAGE_SIZE,                             \
             PTR_DIST(h, p) % SLAB_PAGE_SIZE))
#define PTR_DIST(h, p) ptr_dist((h)->base, (void *)(p))

/* The live block at p fits the layout (size, align) that slab_free_sized
 * is given: the alignment is a power of two the block's address has, and
 * the block holds size bytes. */
#define LAYOUT_FITS(h, p, size, align)                                       \
    (is_pow2(align) && ptr_aligned((void *)(p), align) &&                    \
     (size) <= usable_at(h, PTR_DIST(h, p) / SLAB_PAGE_SIZE))

/* Everything an operation on the heap may write: its lists, counters and
 * page table, and the words of its pages. The header's geometry, hooks,
 * lock and class table are not in it. */
#define HEAP_STATE(h)                                                        \
    (h)->head[0 .. HEAP_LISTS - 1], (h)->pool_count,                         \
    (h)->empty[0 .. SLAB_NUM_CLASSES - 1],                                   \
    (h)->meta[0 .. (h)->npages - 1], (h)->links[0 .. (h)->npages - 1],       \
    (h)->pages[0 .. (h)->npages * SLAB_PAGE_WORDS - 1],                      \
    (h)->bytes_used, (h)->bytes_peak, (h)->large_pages, (h)->oom_count,      \
    (h)->fault_count

/* What a free of a block of class page i may write: the lists and the
 * pool's count, the classes' kept empty pages, page i's list, counts and
 * bitmap, the page links, page i's words and the bytes in use
 * (class_free; class_free_reported adds the fault counter). Written once
 * so that both contracts name the same locations, which WP's simplifier
 * then matches without a prover. */
#define CLASS_FREE_WRITES(h, i)                                              \
    (h)->head[0 .. HEAP_LISTS - 1], (h)->pool_count,                         \
    (h)->empty[0 .. SLAB_NUM_CLASSES - 1], (h)->meta[i].state,               \
    (h)->meta[i].head, (h)->meta[i].nfree, (h)->meta[i].used,                \
    (h)->meta[i].bits[0 .. SLAB_BITMAP_WORDS - 1],                           \
    (h)->links[0 .. (h)->npages - 1],                                        \
    (h)->pages[(i) * SLAB_PAGE_WORDS ..                                      \
               (i) * SLAB_PAGE_WORDS + SLAB_PAGE_WORDS - 1],                 \
    (h)->bytes_used

/* Page q's entry has at label L the fields it has now that page_ok reads
 * (its block size, carved part, counts, list head and bitmap). The name w
 * is bound here. */
#define PAGE_FIELDS_KEPT(h, q, L)                                            \
    ((h)->meta[q].size == \at((h)->meta[q].size, L) &&                       \
     (h)->meta[q].carved == \at((h)->meta[q].carved, L) &&                   \
     (h)->meta[q].used == \at((h)->meta[q].used, L) &&                       \
     (h)->meta[q].nfree == \at((h)->meta[q].nfree, L) &&                     \
     (h)->meta[q].head == \at((h)->meta[q].head, L) &&                       \
     (\forall integer w; 0 <= w < SLAB_BITMAP_WORDS ==>                      \
        (h)->meta[q].bits[w] == \at((h)->meta[q].bits[w], L)))

/* Every page but i keeps at label L the fields page_ok reads: what a
 * function that wrote only page i's entry asserts right after the write,
 * so that the provers carry the page invariant of the other pages over
 * (the quantified frame is more than they find unaided). The name q is
 * bound here. */
#define PAGES_KEPT_BUT(h, i, L)                                              \
    (\forall integer q; 0 <= q < (h)->npages && q != (i) ==>                 \
       PAGE_FIELDS_KEPT(h, q, L))

/*@
  // The page invariant reads the page's own entry only: an entry whose
  // fields did not change between labels A and B keeps it. With
  // PAGES_KEPT_BUT, what lets a function that wrote one page's entry show
  // that every other page keeps the invariant without unfolding page_ok
  // for each. (Here, not in page_spec.h: in the core run's context this
  // lemma slows Z3 on page_take's goals past the time limit.)
  lemma page_ok_kept{A, B}: \forall page_meta *m;
    page_ok{A}(m) &&
    \at(m->size, A) == \at(m->size, B) &&
    \at(m->carved, A) == \at(m->carved, B) &&
    \at(m->used, A) == \at(m->used, B) &&
    \at(m->nfree, A) == \at(m->nfree, B) &&
    \at(m->head, A) == \at(m->head, B) &&
    bits_unchanged{A, B}(m) ==> page_ok{B}(m);
*/

/* p (a caller's local) is apart from everything the heap owns. */
#define HEAP_APART(h, p)                                                     \
    \separated(p, h, (h)->meta + (0 .. (h)->npages - 1),                     \
              (h)->links + (0 .. (h)->npages - 1),                          \
              (h)->pages + (0 .. (h)->npages * SLAB_PAGE_WORDS - 1))

#endif /* SLAB_SPEC_H */
