/*
 * heap_pages.c - page lists, the page pool and runs of pages
 * (see heap_pages.h).
 */
#include "heap_pages.h"

/*
 * The list operations the page layer uses itself. Each public one
 * (heap_pages.h) calls its static twin here, whose contract gives as plain
 * `ensures` what the public one states as `check ensures`: in this file
 * heap_pool_take and heap_steal_empty build their proof of R28 on it,
 * while callers see the public ones' R28 facts only in the runs that
 * prove R28 (LISTS_CHECK, spec/heap_spec.h): the other runs are not
 * handed facts they do not need.
 */
/*@ requires HEAP_SHAPE(h);
    requires l < HEAP_LISTS && 0 <= i < h->npages && h->head[l] != i;
    assigns h->head[l], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->head[l] == i;
    ensures h->links[i].prev == HEAP_NO_PAGE;
    ensures h->links[i].next == \old(h->head[l]);
    ensures linked_back: \old(h->head[l]) != HEAP_NO_PAGE ==>
      h->links[\old(h->head[l])].prev == i;
    ensures others_kept: \forall integer k; 0 <= k < h->npages && k != i ==>
      h->links[k].next == \old(h->links[k].next) &&
      (k != \old(h->head[l]) ==> h->links[k].prev == \old(h->links[k].prev));
    ensures lists_agree: \old(LISTS_AGREE(h) && LIST_OF(h, l, i) &&
      h->links[i].next == HEAP_NO_PAGE && h->links[i].prev == HEAP_NO_PAGE) ==>
      LISTS_AGREE(h);
    COMPLETE_ENSURES(complete_pushed, \old(LISTS_COMPLETE_BUT(h, i)) &&
      page_wants_list(h, i) ==> LISTS_COMPLETE(h))
 */
static void list_push(slab_heap *h, uint32_t l, int32_t i)
{
    int32_t old = h->head[l];
    h->links[i].prev = HEAP_NO_PAGE;
    h->links[i].next = old;
    if (heap_index_ok(h, old)) {
        h->links[old].prev = i;
    }
    h->head[l] = i;
    /* For the provers, the frame of the two writes, named once so that
     * each goal of lists_agree (R28) starts from it. */
    //@ assert heads_kept: \forall integer l_; 0 <= l_ < HEAP_LISTS && l_ != l ==> h->head[l_] == \at(h->head[l_], Pre);
    //@ assert nexts_kept: \forall integer k; 0 <= k < h->npages && k != i ==> h->links[k].next == \at(h->links[k].next, Pre);
    //@ assert prevs_kept: \forall integer k; 0 <= k < h->npages && k != i && k != old ==> h->links[k].prev == \at(h->links[k].prev, Pre);
}

void heap_list_push(slab_heap *h, uint32_t l, int32_t i)
{
    list_push(h, l, i);
}

/*
 * list_unlink's link writes: join the pages before and after page i
 * to each other and clear i's own links. A function apart so that its
 * proof sees only the links: with the whole heap invariant in view, the
 * provers ran out of time telling which write a link read back came from.
 * Its contract says what every link is afterwards, which is all
 * list_unlink's proof of R28 needs. A link of i to itself (damage
 * only) is written and then cleared.
 */
/*@ requires HEAP_MEM(h) && HEAP_LINKS(h) && 0 <= i < h->npages;
    assigns h->links[0 .. h->npages - 1];
    ensures HEAP_LINKS(h);
    ensures nexts_now: \forall integer k; 0 <= k < h->npages ==>
      h->links[k].next == (k == i ? HEAP_NO_PAGE :
                           k == \old(h->links[i].prev) ? \old(h->links[i].next) :
                           \old(h->links[k].next));
    ensures prevs_now: \forall integer k; 0 <= k < h->npages ==>
      h->links[k].prev == (k == i ? HEAP_NO_PAGE :
                           k == \old(h->links[i].next) ? \old(h->links[i].prev) :
                           \old(h->links[k].prev));
 */
static void links_join(slab_heap *h, int32_t i)
{
    int32_t prev = h->links[i].prev;
    int32_t next = h->links[i].next;
    /* Links are checked before they are followed (heap_index_ok): a
     * damaged one is dropped, never written through. */
    if (heap_index_ok(h, prev)) {
        h->links[prev].next = next;
    }
    if (heap_index_ok(h, next)) {
        h->links[next].prev = prev;
    }
    h->links[i].prev = HEAP_NO_PAGE;
    h->links[i].next = HEAP_NO_PAGE;
}

/*@ requires HEAP_SHAPE(h);
    requires l < HEAP_LISTS && 0 <= i < h->npages;
    assigns h->head[l], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->links[i].prev == HEAP_NO_PAGE && h->links[i].next == HEAP_NO_PAGE;
    ensures joined_head: \old(h->links[i].prev) == HEAP_NO_PAGE ==>
      h->head[l] == \old(h->links[i].next);
    ensures joined_forward:
      \old(h->links[i].prev) != HEAP_NO_PAGE && \old(h->links[i].prev) != i ==>
      h->links[\old(h->links[i].prev)].next == \old(h->links[i].next);
    ensures joined_back:
      \old(h->links[i].next) != HEAP_NO_PAGE && \old(h->links[i].next) != i ==>
      h->links[\old(h->links[i].next)].prev == \old(h->links[i].prev);
    ensures lists_agree: \old(LISTS_AGREE(h) && LIST_OF(h, l, i)) ==>
      LISTS_AGREE(h) && PAGE_UNLISTED(h, i);
    COMPLETE_ENSURES(complete_unlinked, \old(LISTS_AGREE(h) && LIST_OF(h, l, i) &&
      LISTS_COMPLETE_BUT(h, i) && page_listed(h, i)) ==>
      LISTS_COMPLETE_BUT(h, i) && !page_listed(h, i))
 */
static void list_unlink(slab_heap *h, uint32_t l, int32_t i)
{
    if (h->links[i].prev == HEAP_NO_PAGE) {
        h->head[l] = h->links[i].next;
    }
    /* For the provers: the head write left every link as it was, said once
     * here (links_join's contract speaks of the links after it), so that
     * no goal of lists_agree has to tell the head from the links again. */
    /*@ assert links_before_join: \forall integer k; 0 <= k < h->npages ==>
          h->links[k].next == \at(h->links[k].next, Pre) &&
          h->links[k].prev == \at(h->links[k].prev, Pre); */
    links_join(h, i);
    /* For the provers: the one list head written is l's. */
    //@ assert heads_kept: \forall integer l_; 0 <= l_ < HEAP_LISTS && l_ != l ==> h->head[l_] == \at(h->head[l_], Pre);
}

void heap_list_unlink(slab_heap *h, uint32_t l, int32_t i)
{
    list_unlink(h, l, i);
}

bool heap_page_unlisted(const slab_heap *h, uint32_t l, int32_t i)
{
    return h->links[i].next == HEAP_NO_PAGE &&
           h->links[i].prev == HEAP_NO_PAGE && h->head[l] != i;
}

/*
 * After a page was taken off the pool, its new first page must be free
 * (POOL_HEAD_FREE), or the next page taken would be a page in use. In a
 * heap only the library wrote, it is: the page after a free page on the
 * pool list is free (R28). The page-count half of the heap invariant does
 * not rest on R28, though: this check makes sure of it. If the first page
 * is in use, or is the page just taken, the list is damaged (a write from
 * outside the library) and the pool list is dropped: its free pages stay
 * free in the page table, where the refill's walk before a refusal finds
 * them and reports the damage (refill_refuse, src/slab.c), and large
 * blocks, which search the page table, still get them. A first page out
 * of range is dropped the same way. O(1).
 */
/*@ requires HEAP_SHAPE(h) && 0 <= taken < h->npages;
    assigns h->head[HEAP_POOL];
    ensures HEAP_SHAPE(h);
    ensures h->head[HEAP_POOL] == \old(h->head[HEAP_POOL]) ||
            h->head[HEAP_POOL] == HEAP_NO_PAGE;
    ensures pool_head_ok: h->head[HEAP_POOL] == HEAP_NO_PAGE ||
      (h->meta[h->head[HEAP_POOL]].state == PAGE_FREE &&
       h->head[HEAP_POOL] != taken);
    LISTS_ENSURES(lists_mend, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h))
    COMPLETE_ENSURES(complete_mend, \old(LISTS_AGREE(h)) &&
      \old(h->head[HEAP_POOL]) != taken ==>
      h->head[HEAP_POOL] == \old(h->head[HEAP_POOL]))
 */
static void pool_head_mend(slab_heap *h, int32_t taken)
{
    int32_t first = h->head[HEAP_POOL];
    /* The index is checked before it is followed, as every link is: the
     * proof assumes the shape invariant, the code does not. */
    if (first != HEAP_NO_PAGE &&
        (!heap_index_ok(h, first) || first == taken ||
         h->meta[first].state != (uint8_t)PAGE_FREE)) {
        h->head[HEAP_POOL] = HEAP_NO_PAGE;
    }
}

int32_t heap_pool_take(slab_heap *h)
{
    int32_t i = h->head[HEAP_POOL];
    if (i == HEAP_NO_PAGE) {
        return HEAP_NO_PAGE;
    }
    if (!heap_index_ok(h, i)) {
        /* Only a write from outside the library gets here. */
        //@ assert \false;
        return HEAP_NO_PAGE;
    }
    if (h->meta[i].state != (uint8_t)PAGE_FREE) {
        /* The pool's first page is in use: hand out nothing rather than
         * a live page (a damaged list; slab_check reports it). */
        return HEAP_NO_PAGE;
    }
    list_unlink(h, HEAP_POOL, i);
    h->pool_count--;
    pool_head_mend(h, i);
    return i;
}

/*
 * Set page i's state: the one place the page layer changes a state, so
 * that what one change does to the page counts (R26) is proved once. The
 * counts are sums over the page table, one page per step
 * (spec/heap_spec.h), and the provers do not reason by induction: the
 * ghost loop is the induction, written out. It walks the table comparing
 * the sums before and after the write; the compiled code is the one store.
 */
/*@ requires HEAP_MEM(h) && 0 <= i < h->npages && s <= PAGE_LARGE_TAIL;
    assigns h->meta[i].state;
    ensures h->meta[i].state == s;
    ensures others: \forall integer j; 0 <= j < h->npages && j != i ==>
      h->meta[j].state == \old(h->meta[j].state);
    ensures free_moved: FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) +
      STATE_FREE(s) - STATE_FREE(\old(h->meta[i].state));
    ensures large_moved: LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h)) +
      STATE_LARGE(s) - STATE_LARGE(\old(h->meta[i].state));
    ensures free_bounded: 0 <= FREE_PAGE_COUNT(h) <= h->npages;
    ensures large_bounded: 0 <= LARGE_PAGE_COUNT(h) <= h->npages;
    BYTES_ENSURES(bytes_state, CLASS_BYTES_MOVED(h, i))
    LISTS_ENSURES(lists_state, \old(LISTS_AGREE(h) && PAGE_UNLISTED(h, i)) ==>
      LISTS_AGREE(h))
    LISTS_ENSURES(lists_state_large, \old(LISTS_AGREE(h) && PAGE_OFF_LISTS(h, i)) ==>
      LISTS_AGREE(h))
 */
static void page_set_state(slab_heap *h, int32_t i, uint8_t s)
{
    h->meta[i].state = s;
    /*@ ghost
      int64_t k = 0;
      /@ loop invariant 0 <= k <= h->npages;
         loop invariant free_step: FREE_STEP(h, k, i, s);
         loop invariant large_step: LARGE_STEP(h, k, i, s);
         loop invariant free_within: 0 <= free_pages_below(h, k) <= k;
         loop invariant large_within: 0 <= large_pages_below(h, k) <= k;
         BYTES_INVARIANT(bytes_step, CLASS_BYTES_STEP(h, k, i))
         loop assigns k;
         loop variant h->npages - k;
       @/
      while (k < h->npages) {
        k++;
      }
    */
}

/*
 * heap_pool_give's work, with what it does to the counts (R26) as plain
 * ensures: heap_release_class and heap_run_give build their own counting
 * on it. heap_pool_give's contract states the same as `check ensures`,
 * which the proofs of src/slab.c do not take on.
 */
/*@ requires HEAP_SHAPE(h) && 0 <= i < h->npages;
    assigns h->head[HEAP_POOL], h->pool_count, h->meta[i].state,
            h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures h->meta[i].state == PAGE_FREE;
    ensures h->head[HEAP_POOL] == i;
    ensures h->pool_count ==
      (\old(h->head[HEAP_POOL]) == i ? \old(h->pool_count)
                                     : (size_t)(\old(h->pool_count) + 1));
    ensures POOL_GIVE_COUNTS(h, i);
    ensures large_bounded: 0 <= LARGE_PAGE_COUNT(h);
    BYTES_ENSURES(bytes_given, CLASS_BYTES(h) ==
      \old(CLASS_BYTES(h)) - CLASS_SHARE_OLD(h, i))
    LISTS_ENSURES(lists_given, \old(LISTS_AGREE(h) && PAGE_UNLISTED(h, i)) ==>
      LISTS_AGREE(h))
    LISTS_ENSURES(lists_given_large, \old(LISTS_AGREE(h) && PAGE_OFF_LISTS(h, i)) ==>
      LISTS_AGREE(h))
    COMPLETE_ENSURES(complete_given, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE(h))
 */
static void pool_give(slab_heap *h, int32_t i)
{
    page_set_state(h, i, (uint8_t)PAGE_FREE);
    /* For the provers (R31): setting the state wrote no link, so every
     * page but i is still listed exactly when it belongs on a list. */
    //@ COMPLETE_ASSERT(complete_state, \at(LISTS_COMPLETE_BUT(h, i), Pre) ==> LISTS_COMPLETE_BUT(h, i))
    if (h->head[HEAP_POOL] != i) {
        heap_list_push(h, HEAP_POOL, i);
        h->pool_count++;
    }
}

void heap_pool_give(slab_heap *h, int32_t i)
{
    pool_give(h, i);
}

/* pool_give's steps, with page_set_state's bound on the free pages in
 * view: a page taken from the pool left the pool's count one below the
 * free pages, as a size_t, and the bound is what rules out a wrap when
 * the count goes back up. */
void heap_pool_return(slab_heap *h, int32_t i)
{
    page_set_state(h, i, (uint8_t)PAGE_FREE);
    /* For the provers (R31): setting the state wrote no link, so every
     * page but i is still listed exactly when it belongs on a list. */
    //@ COMPLETE_ASSERT(complete_state, \at(LISTS_COMPLETE_BUT(h, i), Pre) ==> LISTS_COMPLETE_BUT(h, i))
    if (h->head[HEAP_POOL] != i) {
        heap_list_push(h, HEAP_POOL, i);
        h->pool_count++;
    }
}

void heap_page_to_class(slab_heap *h, int32_t i, uint8_t c)
{
    h->meta[i].cls = c;
    h->meta[i].state = (uint8_t)PAGE_CLASS;
    /* The induction, as in page_set_state: the class field is not
     * counted, so only the state's write moves the sums. */
    /*@ ghost
      int64_t k = 0;
      /@ loop invariant 0 <= k <= h->npages;
         loop invariant free_step: FREE_STEP(h, k, i, PAGE_CLASS);
         loop invariant large_step: LARGE_STEP(h, k, i, PAGE_CLASS);
         loop invariant free_within: 0 <= free_pages_below(h, k) <= k;
         BYTES_INVARIANT(bytes_step, CLASS_BYTES_STEP(h, k, i))
         loop assigns k;
         loop variant h->npages - k;
       @/
      while (k < h->npages) {
        k++;
      }
    */
}

/*
 * Is i, read from h->empty[c], an empty page of class c? The check keeps a
 * damaged table from handing a live page to another use.
 */
/*@ requires HEAP_MEM(h) && c < SLAB_NUM_CLASSES;
    assigns \nothing;
    ensures \result <==> KEPT_EMPTY(h, c, i);
 */
static bool empty_page_ok(const slab_heap *h, uint32_t c, int32_t i)
{
    return heap_index_ok(h, i) && h->meta[i].state == (uint8_t)PAGE_CLASS &&
           h->meta[i].cls == c && h->meta[i].used == 0u;
}

/*
 * Give class c's kept empty page, if it has one, back to the pool. One
 * step of heap_release_empty, a function of its own so that what one step
 * does to the page states is proved once, outside the loop.
 */
/*@ requires HEAP_SHAPE(h) && c < SLAB_NUM_CLASSES;
    assigns h->head[0 .. HEAP_LISTS - 1], h->pool_count, h->empty[c],
            h->meta[0 .. h->npages - 1], h->links[0 .. h->npages - 1];
    ensures HEAP_SHAPE(h);
    ensures USED_KEPT(h, Pre);
    ensures BLOCKS_KEPT(h, Pre);
    ensures EMPTIES_FREED(h, Pre);
    ensures released_counts: FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) +
      (\result ? 1 : 0) && LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h));
    ensures pool_moved: \old(POOL_HEAD_FREE(h) && h->pool_count < SIZE_MAX) ==>
      POOL_HEAD_FREE(h) &&
      h->pool_count == \old(h->pool_count) + (\result ? 1 : 0);
    LISTS_ENSURES(lists_released, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_released, CLASS_BYTES_KEPT(h))
    COMPLETE_ENSURES(complete_released, \old(LISTS_AGREE(h) && LISTS_COMPLETE(h)) ==>
      LISTS_COMPLETE(h))
 */
static bool heap_release_class(slab_heap *h, uint32_t c)
{
    int32_t i = h->empty[c];
    if (!empty_page_ok(h, c, i)) {
        return false;
    }
    /* For the provers: the list's index, computed in C, is the logic one
     * (R28's proof of the unlink needs the page to be of that list). */
    //@ assert class_index: (uint32_t)HEAP_CLASS(c) == HEAP_CLASS(c);
    heap_list_unlink(h, HEAP_CLASS(c), i);
    /*@ LISTS_ASSERT(lists_unlinked, \at(LISTS_AGREE(h), Pre) ==>
          LISTS_AGREE(h) && PAGE_UNLISTED(h, i)) */
    /*@ COMPLETE_ASSERT(complete_unlinked, \at(LISTS_AGREE(h) && LISTS_COMPLETE(h), Pre) ==>
          LISTS_COMPLETE_BUT(h, i)) */
    pool_give(h, i);
    //@ COMPLETE_ASSERT(complete_pooled, \at(LISTS_AGREE(h) && LISTS_COMPLETE(h), Pre) ==> LISTS_COMPLETE(h))
    //@ LISTS_ASSERT(lists_pooled, \at(LISTS_AGREE(h), Pre) ==> LISTS_AGREE(h))
    heap_set_kept(h, c, HEAP_NO_PAGE);
    return true;
}

uint32_t heap_release_empty(slab_heap *h)
{
    uint32_t moved = 0u;
    /* The pool's agreement with the page table (R26) is carried as its
     * two halves: the free pages grow by `moved`, and so does pool_count
     * while the pool's first page stays free; POOL_AGREES follows at the
     * end. Carried whole, that implication between sums over the table
     * made the proof that EMPTIES_FREED is kept time out at 10 s (measured
     * 2026-12-05; CVC4 needed 26 s). */
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES && moved <= c;
        loop invariant HEAP_SHAPE(h);
        loop invariant USED_KEPT(h, Pre);
        loop invariant BLOCKS_KEPT(h, Pre);
        loop invariant EMPTIES_FREED(h, Pre);
        loop invariant released_counts: FREE_PAGE_COUNT(h) ==
          \at(FREE_PAGE_COUNT(h), Pre) + moved &&
          LARGE_PAGE_COUNT(h) == \at(LARGE_PAGE_COUNT(h), Pre);
        loop invariant pool_moved:
          \at(POOL_HEAD_FREE(h) && h->pool_count <= h->npages, Pre) ==>
          POOL_HEAD_FREE(h) && h->pool_count == \at(h->pool_count, Pre) + moved;
        LISTS_INVARIANT(lists_released, \at(LISTS_AGREE(h), Pre) ==> LISTS_AGREE(h))
        COMPLETE_INVARIANT(complete_released,
          \at(LISTS_AGREE(h) && LISTS_COMPLETE(h), Pre) ==> LISTS_COMPLETE(h))
        MARKS_INVARIANT(marks_kept, \at(PAGES_COUNTED(h), Pre) ==> PAGES_COUNTED(h))
        BYTES_INVARIANT(bytes_released, CLASS_BYTES(h) == \at(CLASS_BYTES(h), Pre))
        loop assigns c, moved, h->head[0 .. HEAP_LISTS - 1], h->pool_count,
                h->empty[0 .. SLAB_NUM_CLASSES - 1],
                h->meta[0 .. h->npages - 1], h->links[0 .. h->npages - 1];
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        /* A page that is an empty class page now was one at entry: the
         * half of the step from EMPTIES_FREED before this class to after
         * it that needs the invariants alone. Stated, it takes that proof
         * from 13 s of CVC4 (7 s of Z3; a full re-proof on 2026-12-06
         * failed it under load) to 1.1 s: the sums over the table among
         * its hypotheses no longer share the goal with the case split. */
        /*@ assert still_class: \forall integer j; 0 <= j < h->npages ==>
              h->meta[j].state == PAGE_CLASS && h->meta[j].used == 0 ==>
              \at(h->meta[j].state, Pre) == PAGE_CLASS &&
              \at(h->meta[j].used, Pre) == 0;
         */
        if (heap_release_class(h, c)) {
            moved++;
        }
    }
    return moved;
}

void heap_set_kept(slab_heap *h, uint32_t c, int32_t i)
{
    h->empty[c] = i;
}

/*
 * heap_steal_empty's write of the kept-page slot, the one not made through
 * heap_set_kept: heap_steal_empty's R31 clause leaves out the page it took,
 * not the page written to the slot (none). A heap_set_kept whose R31 clause
 * held for any page left out (tried 2026-12-07) made its callers' R31 goals
 * time out. The slot shares its memory type with the links and list heads;
 * that the write leaves them as they were is proved here, with this one
 * write in view, and given to heap_steal_empty as a plain fact. With the
 * write in heap_steal_empty's body, one goal of its R31 clause took CVC4
 * 8.9 s of the 10 s limit; with this contract, 0.5 s. An assertion of the
 * same frame in that body timed out, and so did its R28 and R31 goals
 * when the slot was cleared before the unlink (tried 2026-12-08).
 */
/*@ requires HEAP_SHAPE(h) && c < SLAB_NUM_CLASSES;
    assigns h->empty[c];
    ensures HEAP_SHAPE(h);
    ensures h->empty[c] == HEAP_NO_PAGE;
    ensures links_kept: \forall integer k; 0 <= k < h->npages ==>
      h->links[k].next == \old(h->links[k].next) &&
      h->links[k].prev == \old(h->links[k].prev);
    ensures heads_kept: \forall integer l_; 0 <= l_ < HEAP_LISTS ==>
      h->head[l_] == \old(h->head[l_]);
    COMPLETE_ENSURES(complete_listed_kept, \forall integer k;
      0 <= k < h->npages ==> (page_listed(h, k) <==> \old(page_listed(h, k))))
 */
static void kept_clear(slab_heap *h, uint32_t c)
{
    h->empty[c] = HEAP_NO_PAGE;
}

int32_t heap_steal_empty(slab_heap *h)
{
    /* Counting down: the loop test is the decrement's own flag, so a class
     * costs 5 instructions (gcc -O2, x86-64), not 6 as counting up. */
    /*@ loop invariant -1 <= c < SLAB_NUM_CLASSES;
        loop invariant HEAP_SHAPE(h);
        loop invariant \forall integer k; c < k < SLAB_NUM_CLASSES ==>
                         !KEPT_EMPTY(h, k, h->empty[k]);
        loop assigns c;
        loop variant c;
     */
    for (int32_t c = (int32_t)SLAB_NUM_CLASSES - 1; c >= 0; c--) {
        int32_t i = h->empty[c];
        if (empty_page_ok(h, (uint32_t)c, i)) {
            list_unlink(h, HEAP_CLASS(c), i);
            kept_clear(h, (uint32_t)c);
            return i;
        }
    }
    return HEAP_NO_PAGE;
}

/*
 * Does page i start at a multiple of align_pages pages (counted from
 * address 0)? One division, none when align_pages is 1. heap_run_find asks
 * it only of a run's pages up to the run's first aligned page.
 */
/*@ requires \valid_read(h) && align_pages >= 1 && 0 <= i <= HEAP_MAX_PAGES;
    assigns \nothing;
    ensures \result <==> aligned_page(h, i, align_pages);
 */
static bool page_aligned(const slab_heap *h, int32_t i, size_t align_pages)
{
    uintptr_t number = (h->base / SLAB_PAGE_SIZE) + (uintptr_t)i;
    return align_pages == 1u || number % align_pages == 0u;
}

/* Is page i free, or (if with_empty) its class's empty page? */
/*@ requires \valid_read(h) && 0 <= i < h->npages;
    requires \valid_read(h->meta + (0 .. h->npages - 1));
    assigns \nothing;
    ensures !with_empty ==> (\result <==> h->meta[i].state == PAGE_FREE);
    ensures with_empty ==> (\result <==> PAGE_AVAILABLE(h, i));
 */
static bool page_available(const slab_heap *h, int32_t i, bool with_empty)
{
    const page_meta *m = &h->meta[i];
    if (m->state == (uint8_t)PAGE_FREE) {
        return true;
    }
    return with_empty && m->state == (uint8_t)PAGE_CLASS &&
           m->cls < (uint8_t)SLAB_NUM_CLASSES && h->empty[m->cls] == i;
}

int32_t heap_run_find(const slab_heap *h, size_t count, size_t align_pages,
                      bool with_empty)
{
    size_t want = 0u; /* the current run's first aligned page, if found */
    bool in_run = false;
    bool found = false;
    //@ ghost size_t run_start = 0u;
    if (count == 0u || (!with_empty && count > h->pool_count)) {
        return HEAP_NO_PAGE;
    }
    /* The run [run_start, i) is as long as it can be (the page before it
     * is not available); want, once found, is its first aligned page; and
     * every aligned run that ends before i holds a page not available. */
    /*@ loop invariant 0 <= i <= h->npages;
        loop invariant in_run ==> run_start < i;
        loop invariant found ==> in_run && run_start <= want < i &&
          aligned_page(h, want, align_pages);
        loop invariant first: in_run ==> \forall integer s;
          run_start <= s < i && (!found || s < want) ==>
          !aligned_page(h, s, align_pages);
        loop invariant in_run && !with_empty ==>
          \forall integer j; run_start <= j < i ==> h->meta[j].state == PAGE_FREE;
        loop invariant in_run && with_empty ==>
          \forall integer j; run_start <= j < i ==> PAGE_AVAILABLE(h, j);
        loop invariant in_run && with_empty && run_start > 0 ==>
          !PAGE_AVAILABLE(h, run_start - 1);
        loop invariant !in_run && with_empty && i > 0 ==>
          !PAGE_AVAILABLE(h, i - 1);
        loop invariant below: with_empty ==> \forall integer s;
          0 <= s && s + count <= i && aligned_page(h, s, align_pages) ==>
          run_blocked(h, s, count);
        loop assigns i, in_run, found, run_start, want;
        loop variant h->npages - i;
     */
    for (int32_t i = 0; i < h->npages; i++) {
        if (!page_available(h, i, with_empty)) {
            in_run = false;
            found = false;
            continue;
        }
        if (!in_run) {
            in_run = true;
            //@ ghost run_start = (size_t)i;
        }
        if (!found && page_aligned(h, i, align_pages)) {
            found = true;
            want = (size_t)i;
        }
        if (found && (size_t)i - want + 1u >= count) {
            return (int32_t)want;
        }
        /* An aligned run of count pages that ends at i starts before the
         * current run (which holds no such start), so it holds the page
         * before the current run, which is not available. */
        /*@ assert with_empty ==> \forall integer s;
              0 <= s && s + count == i + 1 &&
              aligned_page(h, s, align_pages) ==>
              0 < run_start && s <= run_start - 1 < s + count &&
              !PAGE_AVAILABLE(h, run_start - 1);
         */
        /*@ assert with_empty ==> \forall integer s;
              0 <= s && s + count == i + 1 &&
              aligned_page(h, s, align_pages) ==>
              run_blocked(h, s, count);
         */
    }
    return HEAP_NO_PAGE;
}

void heap_run_take(slab_heap *h, int32_t start, uint32_t count)
{
    /*@ loop invariant 0 <= k <= count;
        loop invariant HEAP_SHAPE(h);
        loop invariant \forall integer j; 0 <= j < h->npages &&
          (j < start || j >= start + count) ==>
          h->meta[j].state == \at(h->meta[j].state, Pre);
        loop invariant USED_KEPT(h, Pre) && BLOCKS_KEPT(h, Pre);
        loop invariant run_rest: \forall integer j; start + k <= j < start + count ==>
          h->meta[j].state == \at(h->meta[j].state, Pre);
        loop invariant run_tails: \forall integer j; start <= j < start + k ==>
          h->meta[j].state == PAGE_LARGE_TAIL;
        loop invariant run_counts: \at(RUN_FREE(h, start, count), Pre) ==>
          FREE_PAGE_COUNT(h) == \at(FREE_PAGE_COUNT(h), Pre) - k &&
          LARGE_PAGE_COUNT(h) == \at(LARGE_PAGE_COUNT(h), Pre) + k;
        LISTS_INVARIANT(lists_run, \at(LISTS_AGREE(h) && RUN_FREE(h, start, count), Pre) ==>
          LISTS_AGREE(h))
        COMPLETE_INVARIANT(complete_run, \at(LISTS_AGREE(h) &&
          RUN_FREE(h, start, count) && LISTS_COMPLETE(h), Pre) ==> LISTS_COMPLETE(h))
        MARKS_INVARIANT(marks_kept, \at(PAGES_COUNTED(h), Pre) ==> PAGES_COUNTED(h))
        BYTES_INVARIANT(bytes_run, \at(RUN_FREE(h, start, count), Pre) ==>
          CLASS_BYTES(h) == \at(CLASS_BYTES(h), Pre))
        loop assigns k, h->head[HEAP_POOL], h->meta[start .. start + count - 1],
                h->links[0 .. h->npages - 1];
        loop variant count - k;
     */
    for (uint32_t k = 0u; k < count; k++) {
        int32_t j = start + (int32_t)k;
        /* Said once here, the provers need not see through the cast in
         * each goal about page j (one timed out without it). */
        //@ assert in_run: j == start + k;
        /*@ LISTS_ASSERT(lists_run_free, \at(RUN_FREE(h, start, count), Pre) ==>
              h->meta[j].state == PAGE_FREE) */
        heap_list_unlink(h, HEAP_POOL, j);
        /*@ LISTS_ASSERT(lists_run_unlinked,
              \at(LISTS_AGREE(h) && RUN_FREE(h, start, count), Pre) ==>
              LISTS_AGREE(h) && PAGE_UNLISTED(h, j)) */
        /*@ COMPLETE_ASSERT(complete_run_unlinked, \at(LISTS_AGREE(h) &&
              RUN_FREE(h, start, count) && LISTS_COMPLETE(h), Pre) ==>
              LISTS_COMPLETE_BUT(h, j) && !page_listed(h, j)) */
        page_set_state(h, j, (uint8_t)PAGE_LARGE_TAIL);
    }
    h->pool_count -= count;
    page_set_state(h, start, (uint8_t)PAGE_LARGE);
    /*@ LISTS_ASSERT(lists_run_first,
          \at(LISTS_AGREE(h) && RUN_FREE(h, start, count), Pre) ==> LISTS_AGREE(h)) */
    h->meta[start].run = count;
    pool_head_mend(h, start);
}

size_t heap_run_give(slab_heap *h, int32_t start)
{
    size_t count = h->meta[start].run;
    size_t room = (size_t)h->npages - (size_t)start;
    size_t k = 1u;
    if (count > room) {
        count = room; /* never past the last page, whatever run says */
    }
    /* The first page, whatever run says (so the block is gone), then its
     * tail pages: a run length that was overwritten cannot hand out the
     * pages of the next block. */
    pool_give(h, start);
    /*@ loop invariant 1 <= k <= h->npages - start;
        loop invariant k <= count || k == 1;
        loop invariant HEAP_SHAPE(h);
        loop invariant h->meta[start].state == PAGE_FREE;
        loop invariant \forall integer j; 0 <= j < h->npages && j != start ==>
          h->meta[j].state == \at(h->meta[j].state, Pre) ||
          (\at(h->meta[j].state, Pre) == PAGE_LARGE_TAIL &&
           h->meta[j].state == PAGE_FREE);
        loop invariant USED_KEPT(h, Pre) && BLOCKS_KEPT(h, Pre);
        loop invariant give_counts: FREE_PAGE_COUNT(h) == \at(FREE_PAGE_COUNT(h), Pre) + k &&
          LARGE_PAGE_COUNT(h) == \at(LARGE_PAGE_COUNT(h), Pre) - k;
        loop invariant large_bounded: 0 <= LARGE_PAGE_COUNT(h);
        loop invariant pool_agrees: \at(POOL_AGREES(h), Pre) ==> POOL_AGREES(h);
        LISTS_INVARIANT(lists_run_back, \at(LISTS_AGREE(h), Pre) ==> LISTS_AGREE(h))
        COMPLETE_INVARIANT(complete_run_back, \at(LISTS_COMPLETE(h), Pre) ==> LISTS_COMPLETE(h))
        MARKS_INVARIANT(marks_kept, \at(PAGES_COUNTED(h), Pre) ==> PAGES_COUNTED(h))
        BYTES_INVARIANT(bytes_run_back, CLASS_BYTES(h) == \at(CLASS_BYTES(h), Pre))
        loop assigns k, h->head[HEAP_POOL], h->pool_count,
                h->meta[start + 1 .. h->npages - 1],
                h->links[0 .. h->npages - 1];
        loop variant count - k;
     */
    while (k < count &&
           h->meta[start + (int32_t)k].state == (uint8_t)PAGE_LARGE_TAIL) {
        pool_give(h, start + (int32_t)k);
        k++;
    }
    return k;
}

uint32_t heap_longest_run(const slab_heap *h)
{
    uint32_t best = 0u;
    uint32_t len = 0u;
    /*@ loop invariant 0 <= i <= h->npages && len <= i && best <= i;
        loop assigns i, len, best;
        loop variant h->npages - i;
     */
    for (uint32_t i = 0u; (int64_t)i < h->npages; i++) {
        len = page_idle(&h->meta[i]) ? len + 1u : 0u;
        if (len > best) {
            best = len;
        }
    }
    return best;
}
