/*
 * heap_pages.h - page lists, the page pool and runs of pages.
 *
 * Pages move between the pool, the size classes and large blocks. A list
 * of pages is doubly linked by index through the page table, so a page can
 * leave any list in O(1). Large blocks are runs of consecutive free pages
 * found by one pass over the page table: O(pages), bounded, and the only
 * loop whose length depends on the heap size.
 */
#ifndef HEAP_PAGES_H
#define HEAP_PAGES_H

#include "heap_internal.h"
#include "slab_layout.h"

/* Put page i at the front of list l (HEAP_POOL or HEAP_CLASS(c)).
 * The `check ensures` (R24) say the two-way links are kept: the old first
 * page points back at i and no other link changes; and (R28) that a page
 * of l's kind with no links, put first, leaves the lists agreeing with
 * the page states. The page layer's main run proves them as `check
 * ensures`, given to no caller there; the runs that prove R28 of the
 * callers (core-lists, api-lists: LISTS_CHECK, spec/heap_spec.h) give
 * them as plain `ensures`. R24's clauses are given to no caller. */
/*@ requires HEAP_SHAPE(h);
    requires l < HEAP_LISTS && 0 <= i < h->npages && h->head[l] != i;
    assigns h->head[l], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->head[l] == i;
    ensures h->links[i].prev == HEAP_NO_PAGE;
    ensures h->links[i].next == \old(h->head[l]);
    check ensures linked_back: \old(h->head[l]) != HEAP_NO_PAGE ==>
      h->links[\old(h->head[l])].prev == i;
    check ensures others_kept: \forall integer k; 0 <= k < h->npages && k != i ==>
      h->links[k].next == \old(h->links[k].next) &&
      (k != \old(h->head[l]) ==> h->links[k].prev == \old(h->links[k].prev));
    LISTS_CHECK(lists_agree, \old(LISTS_AGREE(h) && LIST_OF(h, l, i) &&
      h->links[i].next == HEAP_NO_PAGE && h->links[i].prev == HEAP_NO_PAGE) ==>
      LISTS_AGREE(h))
    COMPLETE_ENSURES(complete_pushed, \old(LISTS_COMPLETE_BUT(h, i)) &&
      page_wants_list(h, i) ==> LISTS_COMPLETE(h))
 */
void heap_list_push(slab_heap *h, uint32_t l, int32_t i);

/* Is page i on no list: no links, and not the first page of list l? A
 * page that belongs on l (LIST_OF) and passes this test heads no list at
 * all while the lists agree with the page states (R28: a first page has
 * the state and class of its list's kind), so it can be put first on l or
 * given to the pool as it is; one that fails it is taken off l first.
 * How a free decides whether its page must be linked or unlinked, rather
 * than from whether the page was full, which says the same only while the
 * partial lists hold exactly the class pages with room. O(1). */
/*@ requires HEAP_SHAPE(h);
    requires l < HEAP_LISTS && 0 <= i < h->npages;
    assigns \nothing;
    ensures \result <==> h->links[i].next == HEAP_NO_PAGE &&
                         h->links[i].prev == HEAP_NO_PAGE && h->head[l] != i;
    LISTS_CHECK(lists_alone, LISTS_AGREE(h) && LIST_OF(h, l, i) && \result ==>
      PAGE_UNLISTED(h, i))
 */
bool heap_page_unlisted(const slab_heap *h, uint32_t l, int32_t i);

/* Take page i, which is on list l, off it. The `check ensures` (R24, not
 * given to callers, as for heap_list_push) say its neighbours are joined:
 * the page before it (or the list head) now points at the page after it,
 * and that page back at the page before; and (R28) that the lists still
 * agree with the page states and i is on no list. A link of i to itself,
 * which only damage can make, is left out: i's own links are cleared. */
/*@ requires HEAP_SHAPE(h);
    requires l < HEAP_LISTS && 0 <= i < h->npages;
    assigns h->head[l], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->links[i].prev == HEAP_NO_PAGE && h->links[i].next == HEAP_NO_PAGE;
    check ensures joined_head: \old(h->links[i].prev) == HEAP_NO_PAGE ==>
      h->head[l] == \old(h->links[i].next);
    check ensures joined_forward:
      \old(h->links[i].prev) != HEAP_NO_PAGE && \old(h->links[i].prev) != i ==>
      h->links[\old(h->links[i].prev)].next == \old(h->links[i].next);
    check ensures joined_back:
      \old(h->links[i].next) != HEAP_NO_PAGE && \old(h->links[i].next) != i ==>
      h->links[\old(h->links[i].next)].prev == \old(h->links[i].prev);
    LISTS_CHECK(lists_agree, \old(LISTS_AGREE(h) && LIST_OF(h, l, i)) ==>
      LISTS_AGREE(h) && PAGE_UNLISTED(h, i))
    COMPLETE_ENSURES(complete_unlinked, \old(LISTS_AGREE(h) && LIST_OF(h, l, i) &&
      LISTS_COMPLETE_BUT(h, i) && page_listed(h, i)) ==>
      LISTS_COMPLETE_BUT(h, i) && !page_listed(h, i))
 */
void heap_list_unlink(slab_heap *h, uint32_t l, int32_t i);

/* A page from the pool (state unchanged: the caller sets it), or
 * HEAP_NO_PAGE if the pool is empty or its first page is not free (which
 * only damage from outside can cause). O(1). The pool's count follows
 * (`counted`, R24: given only to the page-count proof, COUNTS_ENSURES in
 * spec/heap_spec.h). The pool's new first
 * page is free and is not the page taken (`head_free`): checked, not
 * derived from the lists (R28), so that the page counts can build on it
 * (a damaged list is dropped: pool_head_mend, src/heap_pages.c). */
/*@ requires HEAP_SHAPE(h);
    assigns h->head[HEAP_POOL], h->pool_count,
            h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures page_or_none(h, \result);
    ensures \result != HEAP_NO_PAGE ==>
              \result == \old(h->head[HEAP_POOL]) && h->meta[\result].state == PAGE_FREE;
    ensures \result == HEAP_NO_PAGE <==>
              (\old(h->head[HEAP_POOL]) == HEAP_NO_PAGE ||
               h->meta[\old(h->head[HEAP_POOL])].state != PAGE_FREE);
    ensures \result == HEAP_NO_PAGE ==> LISTS_UNCHANGED(h, Pre);
    ensures head_free: \result != HEAP_NO_PAGE ==>
      POOL_HEAD_FREE(h) && h->head[HEAP_POOL] != \result;
    COUNTS_ENSURES(counted, \result != HEAP_NO_PAGE ==>
      h->pool_count == (size_t)(\old(h->pool_count) - 1))
    LISTS_CHECK(lists_agree, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h) &&
      (\result != HEAP_NO_PAGE ==> PAGE_UNLISTED(h, \result)))
    COMPLETE_ENSURES(complete_taken, \old(LISTS_AGREE(h) && LISTS_COMPLETE(h)) ==>
      LISTS_COMPLETE_BUT(h, \result) &&
      (\result != HEAP_NO_PAGE ==> !page_listed(h, \result)))
 */
int32_t heap_pool_take(slab_heap *h);

/* Return page i to the pool as PAGE_FREE, at its front. O(1). The
 * pool's count follows (`check ensures`, R24, not given to callers for
 * the reason given at heap_list_push), and the page counts move with the
 * state (`counts`, R26, given to callers: a free builds on it, R27). */
/*@ requires HEAP_SHAPE(h) && 0 <= i < h->npages;
    assigns h->head[HEAP_POOL], h->pool_count, h->meta[i].state,
            h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->meta[i].state == PAGE_FREE;
    check ensures first: h->head[HEAP_POOL] == i;
    check ensures counted: h->pool_count ==
      (\old(h->head[HEAP_POOL]) == i ? \old(h->pool_count)
                                     : (size_t)(\old(h->pool_count) + 1));
    ensures counts: POOL_GIVE_COUNTS(h, i);
    BYTES_ENSURES(bytes_given, CLASS_BYTES(h) ==
      \old(CLASS_BYTES(h)) - CLASS_SHARE_OLD(h, i))
    LISTS_ENSURES(lists_given, \old(LISTS_AGREE(h) && PAGE_UNLISTED(h, i)) ==>
      LISTS_AGREE(h))
    COMPLETE_ENSURES(complete_given, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE(h))
 */
void heap_pool_give(slab_heap *h, int32_t i);

/* Give back to the pool a page that heap_pool_take or heap_steal_empty
 * has just handed out and the caller cannot use (src/slab.c, class_refill,
 * on a damaged class list). O(1). Its contract says what the counts need:
 * a page from the pool (free; the pool counted one page fewer than the
 * free pages, its first page free and not this one) or a kept empty page
 * (a class page; the pool agreed), given back, leaves the page counters
 * agreeing with the page table (R27). */
/*@ requires HEAP_SHAPE(h) && 0 <= i < h->npages;
    assigns h->head[HEAP_POOL], h->pool_count, h->meta[i].state,
            h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->meta[i].state == PAGE_FREE;
    COUNTS_ENSURES(returned, \old(TAKEN_COUNTS(h, i)) ==> PAGE_COUNTS_AGREE(h))
    BYTES_ENSURES(bytes_given, CLASS_BYTES(h) ==
      \old(CLASS_BYTES(h)) - CLASS_SHARE_OLD(h, i))
    COMPLETE_ENSURES(complete_given, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE(h))
 */
void heap_pool_return(slab_heap *h, int32_t i);

/* Make page i a class-c page: its state and class, the page table's
 * share of making it a class page (its block fields are page_format's,
 * src/page_block.h). O(1) (the walk of the table in its body is ghost
 * code: the induction that proves the counts). The free pages shrink by
 * one if it was free, the large-block pages if it was one (R26). */
/*@ requires HEAP_MEM(h) && 0 <= i < h->npages && c < SLAB_NUM_CLASSES;
    assigns h->meta[i].state, h->meta[i].cls;
    ensures h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c;
    ensures others: \forall integer j; 0 <= j < h->npages && j != i ==>
      h->meta[j].state == \old(h->meta[j].state) &&
      h->meta[j].cls == \old(h->meta[j].cls);
    COUNTS_ENSURES(class_counts,
      FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) - STATE_FREE(\old(h->meta[i].state)) &&
      LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h)) - STATE_LARGE(\old(h->meta[i].state)))
    COUNTS_ENSURES(free_bounded, 0 <= FREE_PAGE_COUNT(h) <= h->npages)
    BYTES_ENSURES(bytes_state, CLASS_BYTES_MOVED(h, i))
 */
void heap_page_to_class(slab_heap *h, int32_t i, uint8_t c);

/* Move every class's empty page back to the pool; returns how many moved.
 * O(classes). Used before giving up on a large block. The free pages grow
 * by the pages moved, and a pool that agreed with the page table still
 * does (R26, COUNTS_ENSURES: given to the page-count proof of a large
 * allocation, large_make_room); the bound on `pool_count` rules out a
 * wrap-around of the count, which the sum's own bound would too, were it
 * in this proof's reach (it takes an induction over the table). */
/*@ requires HEAP_SHAPE(h);
    assigns h->head[0 .. HEAP_LISTS - 1], h->pool_count,
            h->empty[0 .. SLAB_NUM_CLASSES - 1],
            h->meta[0 .. h->npages - 1], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures \result <= SLAB_NUM_CLASSES;
    ensures EMPTIES_FREED(h, Pre);
    ensures USED_KEPT(h, Pre) && BLOCKS_KEPT(h, Pre);
    COUNTS_ENSURES(released_counts, FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) + \result &&
      LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h)))
    COUNTS_ENSURES(pool_agrees,
      \old(POOL_AGREES(h) && h->pool_count <= h->npages) ==> POOL_AGREES(h))
    LISTS_ENSURES(lists_released, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_released, CLASS_BYTES_KEPT(h))
    COMPLETE_ENSURES(complete_released, \old(LISTS_AGREE(h) && LISTS_COMPLETE(h)) ==>
      LISTS_COMPLETE(h))
 */
uint32_t heap_release_empty(slab_heap *h);

/* Class c keeps page i as its empty page (HEAP_NO_PAGE: none). A function
 * of its own so that the proofs of R28 and R31 show once, with this one
 * write in view, that the slot (which shares its memory type with the page
 * links and list heads) leaves every link and head as it was. */
/*@ requires HEAP_SHAPE(h) && c < SLAB_NUM_CLASSES && page_or_none(h, i);
    assigns h->empty[c];
    ensures HEAP_SHAPE(h);
    ensures h->empty[c] == i;
    LISTS_ENSURES(lists_kept_empty, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h))
    COMPLETE_ENSURES(complete_kept_empty, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE_BUT(h, i))
 */
void heap_set_kept(slab_heap *h, uint32_t c, int32_t i);

/* Take some class's empty page for another use (it is off all lists when
 * this returns), or HEAP_NO_PAGE when no class keeps one. O(classes). */
/*@ requires HEAP_SHAPE(h);
    assigns h->head[0 .. HEAP_LISTS - 1], h->empty[0 .. SLAB_NUM_CLASSES - 1],
            h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures page_or_none(h, \result);
    ensures \result != HEAP_NO_PAGE ==>
              h->meta[\result].state == PAGE_CLASS && h->meta[\result].used == 0;
    ensures \result == HEAP_NO_PAGE ==> NO_KEPT_EMPTY(h);
    ensures \result == HEAP_NO_PAGE ==> LISTS_UNCHANGED(h, Pre);
    ensures pool_kept: h->head[HEAP_POOL] == \old(h->head[HEAP_POOL]);
    LISTS_CHECK(lists_agree, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h) &&
      (\result != HEAP_NO_PAGE ==> PAGE_UNLISTED(h, \result)))
    COMPLETE_ENSURES(complete_taken, \old(LISTS_AGREE(h) && LISTS_COMPLETE(h)) ==>
      LISTS_COMPLETE_BUT(h, \result) &&
      (\result != HEAP_NO_PAGE ==> !page_listed(h, \result)))
 */
int32_t heap_steal_empty(slab_heap *h);

/*
 * First index of `count` consecutive free pages whose first page's address
 * is a multiple of align_pages pages (a power of two, or any number >= 1),
 * or HEAP_NO_PAGE. With with_empty,
 * the classes' empty pages count as free too (heap_release_empty would
 * free them), and HEAP_NO_PAGE means no such run exists (`complete`, the
 * large path's half of R22). One pass: O(pages).
 */
/*@ requires HEAP_SHAPE(h);
    requires align_pages >= 1;
    assigns \nothing;
    ensures \result == HEAP_NO_PAGE ||
            (0 <= \result < h->npages && 1 <= count <= h->npages - \result);
    ensures \result != HEAP_NO_PAGE ==> aligned_page(h, \result, align_pages);
    ensures \result != HEAP_NO_PAGE && !with_empty ==>
            \forall integer j; \result <= j < \result + count ==>
              h->meta[j].state == PAGE_FREE;
    ensures \result != HEAP_NO_PAGE && with_empty ==>
            \forall integer j; \result <= j < \result + count ==>
              PAGE_AVAILABLE(h, j);
    ensures complete: \result == HEAP_NO_PAGE && with_empty && count > 0 ==>
            NO_RUN(h, count, align_pages);
 */
int32_t heap_run_find(const slab_heap *h, size_t count, size_t align_pages,
                      bool with_empty);

/* Make the free pages [start, start + count) a large block. O(count).
 * If they were free, the free pages shrink and the large-block pages grow
 * by count, and a pool count that agreed with the page table still does,
 * with a free page first (`check ensures`, R26; the first page is checked
 * as in heap_pool_take). */
/*@ requires HEAP_SHAPE(h);
    requires 0 <= start < h->npages && 1 <= count <= h->npages - start;
    assigns h->head[HEAP_POOL], h->pool_count,
            h->meta[start .. start + count - 1], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->meta[start].state == PAGE_LARGE && h->meta[start].run == count;
    ensures run_only: \forall integer j; 0 <= j < h->npages &&
              (j < start || j >= start + count) ==>
              h->meta[j].state == \old(h->meta[j].state);
    ensures USED_KEPT(h, Pre) && BLOCKS_KEPT(h, Pre);
    COUNTS_ENSURES(run_counts, \old(RUN_FREE(h, start, count)) ==>
      FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) - count &&
      LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h)) + count)
    ensures pool_head_ok: POOL_HEAD_FREE(h);
    COUNTS_ENSURES(pool_agrees, \old(RUN_FREE(h, start, count)) &&
      \old(POOL_COUNTED(h)) ==> POOL_AGREES(h))
    COUNTS_ENSURES(large_bounded, 0 <= LARGE_PAGE_COUNT(h) <= h->npages)
    LISTS_ENSURES(lists_run, \old(LISTS_AGREE(h) && RUN_FREE(h, start, count)) ==>
      LISTS_AGREE(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_run, \old(RUN_FREE(h, start, count)) ==> CLASS_BYTES_KEPT(h))
    COMPLETE_ENSURES(complete_run, \old(LISTS_AGREE(h) && RUN_FREE(h, start, count) &&
      LISTS_COMPLETE(h)) ==> LISTS_COMPLETE(h))
 */
void heap_run_take(slab_heap *h, int32_t start, uint32_t count);

/* Return the large block starting at page `start` to the pool: its first
 * page and the tail pages after it, at most meta.run pages and never past
 * the heap's end. Returns the pages given back. O(run). The free pages
 * grow and the large-block pages shrink by that many, and a pool that
 * agreed with the page table still does (R26; ensures: a free of a large
 * block builds on them, R27). The large-block pages stay a count
 * (`large_bounded`), so the caller's counter cannot wrap when it follows. */
/*@ requires HEAP_SHAPE(h);
    requires 0 <= start < h->npages && h->meta[start].state == PAGE_LARGE;
    assigns h->head[HEAP_POOL], h->pool_count,
            h->meta[start .. h->npages - 1], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures 1 <= \result <= h->npages - start;
    ensures \result <= \old(h->meta[start].run) || \result == 1;
    ensures h->meta[start].state == PAGE_FREE;
    ensures only_tails_freed: \forall integer j;
              0 <= j < h->npages && j != start ==>
              h->meta[j].state == \old(h->meta[j].state) ||
              (\old(h->meta[j].state) == PAGE_LARGE_TAIL &&
               h->meta[j].state == PAGE_FREE);
    ensures USED_KEPT(h, Pre) && BLOCKS_KEPT(h, Pre);
    ensures give_counts: FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) + \result &&
      LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h)) - \result;
    ensures large_bounded: 0 <= LARGE_PAGE_COUNT(h);
    ensures pool_agrees: \old(POOL_AGREES(h)) ==> POOL_AGREES(h);
    LISTS_ENSURES(lists_run_back, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_run_back, CLASS_BYTES_KEPT(h))
    COMPLETE_ENSURES(complete_run_back, \old(LISTS_COMPLETE(h)) ==> LISTS_COMPLETE(h))
 */
size_t heap_run_give(slab_heap *h, int32_t start);

/* Length of the longest run of pages that are free or an empty class page
 * (what a large request could get after heap_release_empty). O(pages).
 * It reads only the header and the page table's states and use counts, so
 * it asks only that they are readable, not the shape invariant:
 * slab_get_stats (src/slab_inspect.c) calls it on a heap whose
 * bookkeeping may be damaged, where INSPECT_MEM implies this precondition. */
/*@ requires \valid_read(h) && 0 <= h->npages <= HEAP_MAX_PAGES;
    requires \valid_read(h->meta + (0 .. h->npages - 1));
    assigns \nothing;
    ensures \result <= h->npages;
 */
uint32_t heap_longest_run(const slab_heap *h);

#endif /* HEAP_PAGES_H */
