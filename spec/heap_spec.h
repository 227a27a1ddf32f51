/*
 * heap_spec.h - ACSL vocabulary of the heap (src/heap_internal.h).
 *
 * Read only by Frama-C. The heap invariant is layered, as the functions
 * are: heap_mem (the memory the heap owns is valid and its three regions
 * are separate), heap_links (every page index stored anywhere is a page or
 * HEAP_NO_PAGE), heap_pages (every page is in a known state; a class page
 * satisfies the page invariant of spec/page_spec.h for its class's size; a
 * large block lies inside the heap). A function requires only the layers
 * it relies on.
 *
 * Requirements served (spec/REQUIREMENTS.md): R15 every page index the
 * heap follows is in range; R16 every class page keeps the page invariant;
 * R12 and R22 are stated with KEPT_EMPTY, NO_KEPT_EMPTY, POOL_DRY,
 * no_idle_page and class_pages_full, and
 * R22's large path with PAGE_AVAILABLE, aligned_page, run_blocked and NO_RUN.
 */
#ifndef HEAP_SPEC_H
#define HEAP_SPEC_H

/*@
  // i names a page of h, or no page.
  predicate page_or_none{L}(slab_heap *h, integer i) =
    i == HEAP_NO_PAGE || (0 <= i < \at(h->npages, L));

*/

/* The layers are macros, not predicates, so that WP splits them into one
 * small goal per conjunct (an opaque predicate would have to be unfolded
 * by the provers). */

/* The header, the page table and the pages are valid and separate. */
#define HEAP_MEM(h)                                                          \
    (\valid(h) &&                                                          \
     0 < (h)->npages <= HEAP_MAX_PAGES &&                                   \
     \valid((h)->meta + (0 .. (h)->npages - 1)) &&                          \
     \valid((h)->links + (0 .. (h)->npages - 1)) &&                         \
     \valid((h)->pages + (0 .. (h)->npages * SLAB_PAGE_WORDS - 1)) &&       \
     \separated(h, (h)->meta + (0 .. (h)->npages - 1),                      \
                (h)->links + (0 .. (h)->npages - 1),                        \
                (h)->pages + (0 .. (h)->npages * SLAB_PAGE_WORDS - 1)))

/* Every list link and every page index kept in the header is in range. */
#define HEAP_LINKS(h)                                                        \
    ((\forall integer i_; 0 <= i_ < (h)->npages ==>                         \
        page_or_none(h, (h)->links[i_].next) &&                              \
        page_or_none(h, (h)->links[i_].prev)) &&                             \
     (\forall integer l_; 0 <= l_ < HEAP_LISTS ==>                          \
        page_or_none(h, (h)->head[l_])) &&                                  \
     (\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                    \
        page_or_none(h, (h)->empty[c_])))

/* The state of page i: a known state, and a class page keeps the page
 * invariant for its class's size. (A large block's length is not part of
 * it: heap_run_give bounds its loop by the heap's end at run time.) */
#define PAGE_IN_STATE(h, i)                                                  \
    ((h)->meta[i].state <= PAGE_LARGE_TAIL &&                                \
     ((h)->meta[i].state == PAGE_CLASS ==>                                   \
        (h)->meta[i].cls < SLAB_NUM_CLASSES &&                               \
        (h)->meta[i].size == slab_class_size[(h)->meta[i].cls] &&            \
        page_ok(&(h)->meta[i])))

#define HEAP_PAGES(h)                                                        \
    (\forall integer p_; 0 <= p_ < (h)->npages ==> PAGE_IN_STATE(h, p_))

/* Every page whose state changed since label L was an empty class page
 * (no block in use) and is now free: what giving the classes' empty pages
 * back to the pool does, and all it does to the page states. */
#define EMPTIES_FREED(h, L)                                                  \
    (\forall integer j_; 0 <= j_ < (h)->npages ==>                           \
       (h)->meta[j_].state == \at((h)->meta[j_].state, L) ||                 \
       (\at((h)->meta[j_].state, L) == PAGE_CLASS &&                         \
        \at((h)->meta[j_].used, L) == 0 && (h)->meta[j_].state == PAGE_FREE))

/* No page's count of blocks in use changed since label L. */
#define USED_KEPT(h, L)                                                      \
    (\forall integer j_; 0 <= j_ < (h)->npages ==>                           \
       (h)->meta[j_].used == \at((h)->meta[j_].used, L))

/* No page's block size, carved part or allocated bits changed since label
 * L: with USED_KEPT, a page whose state did not change keeps every block
 * it had live. One quantifier per field, so that the provers can use each
 * fact apart. */
#define BLOCKS_KEPT(h, L)                                                    \
    ((\forall integer j_; 0 <= j_ < (h)->npages ==>                          \
        (h)->meta[j_].size == \at((h)->meta[j_].size, L)) &&                 \
     (\forall integer j_; 0 <= j_ < (h)->npages ==>                          \
        (h)->meta[j_].carved == \at((h)->meta[j_].carved, L)) &&             \
     (\forall integer j_, w_; 0 <= j_ < (h)->npages &&                       \
        0 <= w_ < SLAB_BITMAP_WORDS ==>                                      \
        (h)->meta[j_].bits[w_] == \at((h)->meta[j_].bits[w_], L)))

/* Page i, read from h->empty[c], is an empty page of class c: what
 * empty_page_ok checks before the page is taken or given back. */
#define KEPT_EMPTY(h, c, i)                                                  \
    (0 <= (i) < (h)->npages && (h)->meta[i].state == PAGE_CLASS &&          \
     (h)->meta[i].cls == (c) && (h)->meta[i].used == 0)

/* The page lists, the pool count and the kept empty pages are as they
 * were at label L: what a page allocator call that found no page leaves. */
#define LISTS_UNCHANGED(h, L)                                                \
    ((\forall integer l_; 0 <= l_ < HEAP_LISTS ==>                          \
        (h)->head[l_] == \at((h)->head[l_], L)) &&                          \
     (h)->pool_count == \at((h)->pool_count, L) &&                          \
     (\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                    \
        (h)->empty[c_] == \at((h)->empty[c_], L)) &&                        \
     (\forall integer i_; 0 <= i_ < (h)->npages ==>                         \
        (h)->links[i_] == \at((h)->links[i_], L)))

/* No class keeps an empty page another use could take. */
#define NO_KEPT_EMPTY(h)                                                     \
    (\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                      \
       !KEPT_EMPTY(h, c_, (h)->empty[c_]))

/* The pool has no page to give: its list is empty, or (damage from
 * outside only) its first page is not free. */
#define POOL_DRY(h)                                                          \
    ((h)->head[HEAP_POOL] == HEAP_NO_PAGE ||                                 \
     (h)->meta[(h)->head[HEAP_POOL]].state != PAGE_FREE)

/* Page m is idle: free, or a class page that counts no block in use (an
 * empty class page can be given to another class or to a large block). */
#define PAGE_IDLE(m)                                                         \
    ((m)->state == PAGE_FREE || ((m)->state == PAGE_CLASS && (m)->used == 0))

/* Predicates, not macros: they are established once (by the walk that
 * precedes a refusal, class_room_left in src/slab.c) and then only carried
 * up the call chain, where the provers match them whole instead of
 * instantiating a quantifier in every caller's goal. */
/*@
  // No page is idle: every page is part of a large block or a class page
  // that counts a block in use.
  predicate no_idle_page{L}(slab_heap *h) =
    \forall integer j; 0 <= j < h->npages ==> !PAGE_IDLE(&h->meta[j]);

  // Every page of class c is full: none has a free block or room to carve
  // one.
  predicate class_pages_full{L}(slab_heap *h, integer c) =
    \forall integer j; 0 <= j < h->npages &&
      h->meta[j].state == PAGE_CLASS && h->meta[j].cls == c ==>
      page_full(&h->meta[j]);
*/

/* What the heap's counters count, read from the page table (R25). Each is
 * a sum over the pages below n, one page per step, so a loop that visits
 * the pages in order keeps "counter == sum below i" by unfolding one step;
 * no lemma is needed. */
/*@
  // Free pages below page n.
  logic integer free_pages_below{L}(slab_heap *h, integer n) =
    n <= 0 ? 0 :
      free_pages_below(h, n - 1) + (h->meta[n - 1].state == PAGE_FREE ? 1 : 0);

  // Pages below page n that are part of a large block (its first page or
  // a tail page).
  logic integer large_pages_below{L}(slab_heap *h, integer n) =
    n <= 0 ? 0 :
      large_pages_below(h, n - 1) +
      (h->meta[n - 1].state == PAGE_LARGE ||
       h->meta[n - 1].state == PAGE_LARGE_TAIL ? 1 : 0);

  // Bytes page i hands out: a class page's blocks in use times its block
  // size; a large block's pages, counted once at its first page.
  logic integer page_live_bytes{L}(slab_heap *h, integer i) =
    h->meta[i].state == PAGE_CLASS ? h->meta[i].used * h->meta[i].size :
    h->meta[i].state == PAGE_LARGE ? h->meta[i].run * SLAB_PAGE_SIZE : 0;

  // Bytes handed out from the pages below page n.
  logic integer live_bytes_below{L}(slab_heap *h, integer n) =
    n <= 0 ? 0 : live_bytes_below(h, n - 1) + page_live_bytes(h, n - 1);
*/

/* The counters agree with the page table: the pool counts the free pages,
 * large_pages the pages of large blocks, bytes_used the bytes the pages
 * hand out (R25). */
#define HEAP_COUNTERS_AGREE(h)                                               \
    ((h)->pool_count == free_pages_below(h, (h)->npages) &&                  \
     (h)->large_pages == large_pages_below(h, (h)->npages) &&                \
     (h)->bytes_used == live_bytes_below(h, (h)->npages))

/* The page layer's share of the counting (R26): how one page's state
 * counts in free_pages_below and large_pages_below, the two sums over the
 * whole table, and the pool's agreement with the first. */
#define STATE_FREE(s) ((s) == PAGE_FREE ? 1 : 0)
#define STATE_LARGE(s) ((s) == PAGE_LARGE || (s) == PAGE_LARGE_TAIL ? 1 : 0)
#define FREE_PAGE_COUNT(h) free_pages_below(h, (h)->npages)
#define LARGE_PAGE_COUNT(h) large_pages_below(h, (h)->npages)

/* The pool counts the free pages. */
#define POOL_COUNTED(h) ((h)->pool_count == FREE_PAGE_COUNT(h))

/* ... and its first page, if any, is free. The second half is what lets a
 * page that is not free be given to the pool without the count going
 * wrong: such a page is not the pool's first, so heap_pool_give counts
 * it. */
#define POOL_AGREES(h) (POOL_COUNTED(h) && POOL_HEAD_FREE(h))
#define POOL_HEAD_FREE(h)                                                    \
    ((h)->head[HEAP_POOL] == HEAP_NO_PAGE ||                                 \
     (h)->meta[(h)->head[HEAP_POOL]].state == PAGE_FREE)

/* The allocation paths' share of R27 ("a call keeps the page counters")
 * is proved in a WP run of its own, `api-counts` (Makefile), which defines
 * SLAB_PROOF_COUNTS and proves only the clauses written with
 * COUNTS_ENSURES (their names start with counts_ in src/slab.c). The other
 * runs of src/slab.c do not see these clauses at all, neither as goals nor
 * as callees' guarantees: with the page counts among their hypotheses,
 * goals that do not need them (frame, liveness) timed out
 * (proofs/JOURNAL.md, "Landed on 2026-12-07, first"). Sound, because every clause is still proved once: a
 * function's contract is the conjunction of what the two kinds of run
 * prove, and each run assumes of a callee only clauses proved in some run.
 * The page layer's run (`core`) defines SLAB_PROOF_COUNTS too and proves
 * the page layer's COUNTS_ENSURES clauses with the rest. */
#ifdef SLAB_PROOF_COUNTS
#define COUNTS_ENSURES(name, ...) ensures name: __VA_ARGS__;
#else
#define COUNTS_ENSURES(name, ...)
#endif

/* The page counters agree with the page table: the pool counts the free
 * pages and its first page is free (POOL_AGREES), and large_pages counts
 * the pages of large blocks. The page-count half of HEAP_COUNTERS_AGREE,
 * with the pool's first page, which a page given to the pool needs
 * (POOL_GIVE_COUNTS); what a free keeps (R27). */
#define PAGE_COUNTS_AGREE(h)                                                 \
    (POOL_AGREES(h) && (h)->large_pages == LARGE_PAGE_COUNT(h))

/* What giving page i to the pool does to the counts: one more free page
 * unless i was free, one fewer large-block page if i was one, and a pool
 * that agreed with the page table still does if i was not free. */
#define POOL_GIVE_COUNTS(h, i)                                               \
    (FREE_PAGE_COUNT(h) ==                                                   \
       \old(FREE_PAGE_COUNT(h)) + 1 - STATE_FREE(\old((h)->meta[i].state)) && \
     LARGE_PAGE_COUNT(h) ==                                                  \
       \old(LARGE_PAGE_COUNT(h)) - STATE_LARGE(\old((h)->meta[i].state)) &&  \
     (\old(POOL_AGREES(h)) && \old((h)->meta[i].state) != PAGE_FREE ==>      \
        POOL_AGREES(h)))

/* The counts just after page i was handed out by heap_pool_take or
 * heap_steal_empty, from a heap whose page counters agreed
 * (PAGE_COUNTS_AGREE): the large-block pages still agree, the pool's first
 * page is free and is not i, and the pool counts every free page but i if
 * i came from the pool (it is still free), or every free page if i is a
 * class's kept empty page. What a page taken for a class needs for the
 * counters to agree again once it is a class page (R27). */
#define TAKEN_COUNTS(h, i)                                                   \
    ((h)->large_pages == LARGE_PAGE_COUNT(h) && POOL_HEAD_FREE(h) &&         \
     (h)->head[HEAP_POOL] != (i) &&                                          \
     ((h)->meta[i].state == PAGE_FREE                                        \
        ? (h)->pool_count + 1 == FREE_PAGE_COUNT(h)                          \
        : (h)->meta[i].state == PAGE_CLASS && POOL_COUNTED(h)))

/* The ghost induction of a change of page i's state to s (page_set_state,
 * heap_page_to_class): below page k, the sums differ from those at Pre by
 * page i's share, once k is past it. */
#define FREE_STEP(h, k, i, s)                                                \
    (free_pages_below(h, k) == free_pages_below{Pre}(h, k) + ((k) > (i) ?    \
       STATE_FREE(s) - STATE_FREE(\at((h)->meta[i].state, Pre)) : 0))
#define LARGE_STEP(h, k, i, s)                                               \
    (large_pages_below(h, k) == large_pages_below{Pre}(h, k) + ((k) > (i) ?  \
       STATE_LARGE(s) - STATE_LARGE(\at((h)->meta[i].state, Pre)) : 0))

/* The page lists agree with the page states (R28). Written as three
 * parts, each a fact about single links, so that no part needs a walk
 * along a list (which the provers would need an induction for):
 *   LINKS_AGREE     page a's next link names page b exactly when b's
 *                   prev link names a, and such a link joins pages of one
 *                   kind: two free pages (the pool) or two class pages of
 *                   one class (its partial list);
 *   HEADS_AGREE     the pool's first page is free, class c's first page
 *                   is a class-c page, and a first page has no page before
 *                   it;
 *   LARGE_UNLISTED  a page of a large block is on no list.
 * What it buys: the page after the pool's first is free, so taking a page
 * from the pool leaves a free page first (POOL_HEAD_FREE), and a page that
 * has no links is one no other page links to, so its state can change
 * without a list noticing. */
#define LIST_MATES(h, i, k)                                                  \
    ((h)->meta[i].state == (h)->meta[k].state &&                             \
     ((h)->meta[i].state == PAGE_CLASS ==>                                   \
        (h)->meta[i].cls == (h)->meta[k].cls))

#define LINKS_AGREE(h)                                                       \
    ((\forall integer a_, b_; 0 <= a_ < (h)->npages && 0 <= b_ < (h)->npages  \
        && (h)->links[a_].next == b_ ==> (h)->links[b_].prev == a_) &&       \
     (\forall integer a_, b_; 0 <= a_ < (h)->npages && 0 <= b_ < (h)->npages  \
        && (h)->links[b_].prev == a_ ==> (h)->links[a_].next == b_) &&       \
     (\forall integer a_, b_; 0 <= a_ < (h)->npages && 0 <= b_ < (h)->npages  \
        && (h)->links[a_].next == b_ ==> LIST_MATES(h, a_, b_)))

#define HEADS_AGREE(h)                                                       \
    (((h)->head[HEAP_POOL] == HEAP_NO_PAGE ||                                \
      ((h)->meta[(h)->head[HEAP_POOL]].state == PAGE_FREE &&                 \
       (h)->links[(h)->head[HEAP_POOL]].prev == HEAP_NO_PAGE)) &&            \
     (\forall integer l_; 1 <= l_ < HEAP_LISTS ==>                           \
        (h)->head[l_] == HEAP_NO_PAGE ||                                     \
        ((h)->meta[(h)->head[l_]].state == PAGE_CLASS &&                     \
         (h)->meta[(h)->head[l_]].cls == l_ - 1 &&                           \
         (h)->links[(h)->head[l_]].prev == HEAP_NO_PAGE)))

#define LARGE_UNLISTED(h)                                                    \
    (\forall integer i_; 0 <= i_ < (h)->npages &&                            \
       (h)->meta[i_].state != PAGE_FREE && (h)->meta[i_].state != PAGE_CLASS \
       ==> (h)->links[i_].next == HEAP_NO_PAGE &&                            \
           (h)->links[i_].prev == HEAP_NO_PAGE)

#define LISTS_AGREE(h)                                                       \
    (LINKS_AGREE(h) && HEADS_AGREE(h) && LARGE_UNLISTED(h))

/* R28 for the page layer's functions that give pages to the pool or take
 * runs of them (pool_give and its callers) is proved the way the
 * allocation paths' page counts are (COUNTS_ENSURES): in a WP run of its
 * own, `core-lists` (Makefile), which defines SLAB_PROOF_LISTS and proves
 * only the clauses and loop invariants written with these two macros
 * (their names start with lists_). The page layer's main run, `core`,
 * does not see them: with them among its hypotheses, 31 goals that do not
 * need them timed out (proofs/JOURNAL.md, "Tried on 2026-12-06"). LISTS_CHECK is
 * for a clause `core` proves as `check ensures` (given to no caller) and
 * `core-lists` gives to the callers it proves R28 for: the public list
 * operations' `lists_agree`. LISTS_ASSERT is a step of such a proof;
 * elsewhere it is a trivial assertion, since an annotation cannot be
 * empty (and `\true` written in a macro's body does not survive Frama-C
 * 25's preprocessing of annotations: "illegal character \"). */
#ifdef SLAB_PROOF_LISTS
#define LISTS_ENSURES(name, ...) ensures name: __VA_ARGS__;
#define LISTS_INVARIANT(name, ...) loop invariant name: __VA_ARGS__;
#define LISTS_CHECK(name, ...) ensures name: __VA_ARGS__;
#define LISTS_ASSERT(name, ...) assert name: __VA_ARGS__;
#else
#define LISTS_ENSURES(name, ...)
#define LISTS_INVARIANT(name, ...)
#define LISTS_CHECK(name, ...) check ensures name: __VA_ARGS__;
#define LISTS_ASSERT(name, ...) assert 1 == 1;
#endif

/* A call keeps R28: if the page lists agreed with the page states before
 * it, they still do. What every function of src/slab.c that writes the
 * lists or the page states ensures, in the run `api-lists` (as
 * LISTS_ENSURES(lists_kept, ...)); with heap_format making the lists
 * agree, it is the list half of the heap invariant. */
#define LISTS_KEPT(h) (\old(LISTS_AGREE(h)) ==> LISTS_AGREE(h))

/* The lists are complete (R31): the pool holds every free page, and each
 * class's partial list every page of the class with room, and no list
 * holds any other page. R28 says what a listed page is; this says which
 * pages are listed. "Listed" is a fact about page i alone, as R28's parts
 * are: a page is before it, or it is a list's first page (page_listed). A
 * walk along a list would need an induction the provers do not do; what
 * stands in for it is CHAINED below: a page that links to another is
 * listed itself, so no run of linked pages starts anywhere but at a list's
 * first page. A cycle of linked pages that no list reaches would pass
 * (each of its pages has a page before it); slab_check rules one out at
 * run time: its walks from the lists' first pages must reach as many
 * pages as belong on the lists, and no other page may hold a link
 * (src/slab_inspect.c).
 * What it buys:
 *   - a class page with room is found from its class's list, so a refill
 *     happens only when the class has no page with room, and a page the
 *     list's first page names is never full;
 *   - a full page is on no list, so a free from it decides by the page's
 *     counts alone whether to put it back on its list;
 *   - a free page is always the pool's to hand out.
 * Written, and proved, only in the runs `core-complete` and
 * `api-complete` (Makefile), which define SLAB_PROOF_COMPLETE and prove
 * only the clauses and loop invariants named complete_ (COMPLETE_ENSURES,
 * COMPLETE_INVARIANT, COMPLETE_ASSERT, spec/page_spec.h, where the page
 * core's share is written: a page given a block back has room). They see R28's clauses too: completeness holds
 * given the lists agree with the page states. No other run sees them, so
 * their goals are the ones they were. */
#ifdef SLAB_PROOF_COMPLETE
/*@
  // Page i is on a list: a page is before it, or it is a list's first
  // page.
  predicate page_listed{L}(slab_heap *h, integer i) =
    h->links[i].prev != HEAP_NO_PAGE ||
    (\exists integer l; 0 <= l < HEAP_LISTS && h->head[l] == i);

  // Page i belongs on a list: it is free (the pool's), or a class page
  // with room or with no block in use (its class's partial list, where a
  // class keeps its empty page). While a page's counts agree with its
  // bitmap (R23), a page with no block in use has room, so the second
  // case adds no page; it is written out so that this part of the
  // invariant holds without R23.
  predicate page_wants_list{L}(slab_heap *h, integer i) =
    h->meta[i].state == PAGE_FREE ||
    (h->meta[i].state == PAGE_CLASS &&
     (!page_full(&h->meta[i]) || h->meta[i].used == 0));
*/
#endif

/* Every page that links to another is on a list. */
#define CHAINED(h)                                                           \
    (\forall integer i_; 0 <= i_ < (h)->npages &&                            \
       (h)->links[i_].next != HEAP_NO_PAGE ==> page_listed(h, i_))

/* R31 for every page but page x (which a step has just taken off, or not
 * yet put on, its list; HEAP_NO_PAGE for none): a page is listed exactly
 * when it belongs on a list. */
#define LISTS_COMPLETE_BUT(h, x)                                             \
    (CHAINED(h) &&                                                           \
     (\forall integer i_; 0 <= i_ < (h)->npages && i_ != (x) ==>             \
        (page_listed(h, i_) <==> page_wants_list(h, i_))))
#define LISTS_COMPLETE(h) LISTS_COMPLETE_BUT(h, HEAP_NO_PAGE)

/* A call keeps R31, given R28 before it. What every function of src/slab.c
 * that writes the lists, the page states or a class page's counts ensures
 * (COMPLETE_ENSURES(complete_kept, ...)). */
#define COMPLETE_KEPT(h)                                                     \
    (\old(LISTS_AGREE(h) && LISTS_COMPLETE(h)) ==> LISTS_COMPLETE(h))

/* R23 in the heap invariant: every class page's counts agree with its
 * bitmap (page_counted, spec/page_spec.h). A free page's or a large
 * block's entry is not read as a class page's, so it may hold anything.
 * Proved in the runs core-marks and api-marks (MARKS_ENSURES,
 * spec/page_spec.h): heap_format leaves no class page, and every call
 * keeps it (MARKS_KEPT), so it holds at every call. */
#define PAGES_COUNTED(h)                                                     \
    (\forall integer i_; 0 <= i_ < (h)->npages &&                            \
       (h)->meta[i_].state == PAGE_CLASS ==> page_counted(&(h)->meta[i_]))
#define MARKS_KEPT(h) (\old(PAGES_COUNTED(h)) ==> PAGES_COUNTED(h))

/* The bytes the class pages hand out, the class half of what `bytes_used`
 * counts (the other half is a page for every large-block page, which the
 * page counts carry: R27). The page layer's share (R29): setting a page's
 * state moves the sum by that page's share alone, and giving pages to the
 * pool, taking or giving back a large block's run and giving back the
 * classes' empty pages leave it as it was. Written, and proved, only in
 * the run `core-bytes` (Makefile), which defines SLAB_PROOF_BYTES and
 * proves only the clauses and loop invariants named bytes_ (BYTES_ENSURES,
 * BYTES_INVARIANT); no other run sees them, so their goals are the ones
 * they were. src/slab.c's share (R30, BYTES_KEPT below) is proved the
 * same way in the run `api-bytes`. */
#ifdef SLAB_PROOF_BYTES
/*@
  // u blocks of s bytes each: u * s, written as repeated addition so that
  // the provers reason about the byte count linearly (a product of two
  // unknowns sends them to non-linear arithmetic, where the count's
  // goals timed out). Taking a block adds s, giving one back takes s off:
  // one unfolding each.
  logic integer blocks_bytes(integer u, integer s) =
    u <= 0 ? 0 : blocks_bytes(u - 1, s) + s;

  // Bytes a page hands out as a class page, from its state, count of
  // blocks in use and block size as values: nothing if it is not a class
  // page. A function of values, so that once WP's simplifier has read a
  // page's fields (the ghost lemma page_share_is, src/slab.c) the provers
  // meet plain values, not reads through a chain of writes.
  logic integer class_share(integer state, integer used, integer size) =
    state == PAGE_CLASS ? blocks_bytes(used, size) : 0;

  // Bytes class page i hands out: its blocks in use times its block size;
  // nothing if it is not a class page. The term the sum below is made of,
  // so that a fact about one page's share meets the sum's unfolding as is.
  logic integer page_class_bytes{L}(slab_heap *h, integer i) =
    class_share(h->meta[i].state, h->meta[i].used, h->meta[i].size);

  // Bytes the class pages below page n hand out.
  logic integer class_bytes_below{L}(slab_heap *h, integer n) =
    n <= 0 ? 0 : class_bytes_below(h, n - 1) + page_class_bytes(h, n - 1);
*/
#define BYTES_ENSURES(name, ...) ensures name: __VA_ARGS__;
#define BYTES_INVARIANT(name, ...) loop invariant name: __VA_ARGS__;
/* Written only inside #ifdef SLAB_PROOF_BYTES (an empty annotation is not
 * allowed): no other run sees the assertion. */
#define BYTES_ASSERT(name, ...) assert name: __VA_ARGS__;
#else
#define BYTES_ENSURES(name, ...)
#define BYTES_INVARIANT(name, ...)
#endif
#define CLASS_BYTES(h) class_bytes_below(h, (h)->npages)
/* The sum of the class bytes after a write to page i's entry alone (the
 * ghost induction of page_set_state and heap_page_to_class): below page
 * k it differs from the sum at Pre by page i's change, once k is past i. */
#define CLASS_BYTES_STEP(h, k, i)                                            \
    (class_bytes_below(h, k) == class_bytes_below{Pre}(h, k) +               \
       ((k) > (i) ? page_class_bytes(h, i) - page_class_bytes{Pre}(h, i) : 0))
/* Every page but i has the state, count and block size it had at label
 * L: what the ghost inductions over the class bytes need of a write to
 * page i's entry. */
#define SHARES_KEPT_BUT(h, i, L)                                             \
    (\forall integer q_; 0 <= q_ < (h)->npages && q_ != (i) ==>              \
       (h)->meta[q_].state == \at((h)->meta[q_].state, L) &&                 \
       (h)->meta[q_].used == \at((h)->meta[q_].used, L) &&                   \
       (h)->meta[q_].size == \at((h)->meta[q_].size, L))
/* The ghost induction after a write to page i's entry alone (class_take,
 * class_free, class_page_format, src/slab.c), written once: a first walk
 * over the table shows that every other page's share is as it was at Pre
 * (bytes_frame_below; the ghost lemma page_share_is reads each page's
 * fields for the provers), a second that the class bytes moved by page
 * i's change of share alone (bytes_step). MORE: further invariants of the
 * second walk, over its counter k_. Code in every run (its bounds,
 * variants and run-time-error goals are proved with the rest); only its
 * bytes_ invariants are in the run api-bytes alone. */
#define BYTES_WRITE_STEP(h, i, MORE)                                          \
    int64_t j_ = 0;                                                          \
    /@ loop invariant 0 <= j_ <= (h)->npages;                                \
       BYTES_INVARIANT(bytes_same, SHARES_KEPT_BUT(h, i, Pre))               \
       BYTES_INVARIANT(bytes_frame_below, \forall integer q;                 \
         0 <= q < j_ && q != (i) ==>                                         \
           page_class_bytes(h, q) == page_class_bytes{Pre}(h, q))            \
       loop assigns j_;                                                      \
       loop variant (h)->npages - j_;                                        \
     @/                                                                      \
    while (j_ < (h)->npages) {                                               \
      page_share_is(h, (int32_t)j_);                                         \
      j_++;                                                                  \
    }                                                                        \
    int64_t k_ = 0;                                                          \
    /@ loop invariant 0 <= k_ <= (h)->npages;                                \
       BYTES_INVARIANT(bytes_step, CLASS_BYTES_STEP(h, k_, i))               \
       BYTES_INVARIANT(bytes_frame, \forall integer q;                       \
         0 <= q < (h)->npages && q != (i) ==>                                \
           page_class_bytes(h, q) == page_class_bytes{Pre}(h, q))            \
       MORE                                                                  \
       loop assigns k_;                                                      \
       loop variant (h)->npages - k_;                                        \
     @/                                                                      \
    while (k_ < (h)->npages) {                                               \
      k_++;                                                                  \
    }

/* Page i's write moved the class bytes by page i's change of share. */
#define CLASS_BYTES_MOVED(h, i)                                              \
    (CLASS_BYTES(h) == \old(CLASS_BYTES(h)) + page_class_bytes(h, i) -       \
       \old(page_class_bytes(h, i)))
#define CLASS_BYTES_KEPT(h) (CLASS_BYTES(h) == \old(CLASS_BYTES(h)))
/* Page i's share of the class bytes at the call, written out (what a
 * caller that knows the page's state and count sees at once). */
#define CLASS_SHARE_OLD(h, i)                                                \
    (\old((h)->meta[i].state) == PAGE_CLASS ?                                \
       blocks_bytes(\old((h)->meta[i].used), \old((h)->meta[i].size)) : 0)

/* bytes_used agrees with the page table (R30): the class pages' bytes
 * plus a whole page for every page of a large block (a large block's
 * usable size is its pages). heap_format makes it true; every call keeps
 * it (BYTES_KEPT) when it starts from a heap whose class pages' counts
 * agree with their bitmaps (PAGES_COUNTED, R23: a block taken or given
 * back then moves its page's count by exactly one) and whose page
 * counters agree with the page table (PAGE_COUNTS_AGREE, R27: large_pages
 * counts the large blocks' pages, so the sum cannot wrap), the two other
 * parts of the heap invariant every call keeps. Proved in the run
 * `api-bytes` (BYTES_ENSURES(bytes_kept, ...)). */
#define BYTES_AGREE(h)                                                       \
    ((h)->bytes_used == CLASS_BYTES(h) + SLAB_PAGE_SIZE * (h)->large_pages)
#define BYTES_KEPT(h)                                                        \
    (\old(BYTES_AGREE(h) && PAGES_COUNTED(h) && PAGE_COUNTS_AGREE(h)) ==>     \
       BYTES_AGREE(h))

/* Page i is of a kind no list holds (a large block's first or tail
 * page): under LISTS_AGREE it has no links and heads no list, so its state
 * can change without a list noticing. */
#define PAGE_OFF_LISTS(h, i)                                                 \
    ((h)->meta[i].state != PAGE_FREE && (h)->meta[i].state != PAGE_CLASS)

/* Page i belongs on list l: the pool for a free page, class c's list for
 * a class-c page. */
#define LIST_OF(h, l, i)                                                     \
    (((l) == HEAP_POOL ==> (h)->meta[i].state == PAGE_FREE) &&               \
     ((l) != HEAP_POOL ==> (h)->meta[i].state == PAGE_CLASS &&               \
                           (h)->meta[i].cls + 1 == (l)))

/* Page i is on no list: it has no links and heads no list. Under
 * LINKS_AGREE no page links to it either. */
#define PAGE_UNLISTED(h, i)                                                  \
    ((h)->links[i].next == HEAP_NO_PAGE &&                                   \
     (h)->links[i].prev == HEAP_NO_PAGE &&                                   \
     (\forall integer l_; 0 <= l_ < HEAP_LISTS ==> (h)->head[l_] != (i)))

/* The n pages from page s are free. */
#define RUN_FREE(h, s, n)                                                    \
    (\forall integer j_; (s) <= j_ < (s) + (n) ==>                           \
       (h)->meta[j_].state == PAGE_FREE)

/* Page j could be part of a new large block: it is free, or it is its
 * class's kept empty page (heap_release_empty would free it). */
#define PAGE_AVAILABLE(h, j)                                                 \
    ((h)->meta[j].state == PAGE_FREE ||                                      \
     ((h)->meta[j].state == PAGE_CLASS &&                                    \
      (h)->meta[j].cls < SLAB_NUM_CLASSES &&                                 \
      (h)->empty[(h)->meta[j].cls] == (j)))

/* Predicates, not macros: a quantifier over run starts needs a term of its
 * own for the provers to instantiate it on (arithmetic is no such term). */
/*@
  // Page s's address is a multiple of a pages (a >= 1), counted from
  // address 0 as heap_run_find counts: how a large block's first page is
  // aligned.
  predicate aligned_page{L}(slab_heap *h, integer s, integer a) =
    (h->base / SLAB_PAGE_SIZE + s) % a == 0;

  // The n pages from page s hold one that is not PAGE_AVAILABLE.
  predicate run_blocked{L}(slab_heap *h, integer s, integer n) =
    \exists integer j; s <= j < s + n && !PAGE_AVAILABLE(h, j);
*/

/* No run of n pages whose first page is aligned to a pages (aligned_page)
 * has every page PAGE_AVAILABLE: the heap has no room for such a large
 * block, even with the classes' kept empty pages given up. */
#define NO_RUN(h, n, a)                                                      \
    (\forall integer s_; 0 <= s_ && s_ + (n) <= (h)->npages &&               \
       aligned_page(h, s_, a) ==> run_blocked(h, s_, n))

/* The whole shape invariant. */
#define HEAP_SHAPE(h) (HEAP_MEM(h) && HEAP_LINKS(h) && HEAP_PAGES(h))

#endif /* HEAP_SPEC_H */
