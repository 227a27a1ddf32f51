/*
 * slab.c - the public API (see slab.h): allocation, free, realloc, and the
 * lookups they share, at the level of page offsets.
 *
 * A block is named here by its page index and its byte offset in the page;
 * pointers are turned into that pair and back only in src/slab_edge.c. So
 * every function of this file is proved with WP (spec/slab_spec.h): it
 * keeps the heap invariant, and a block it hands out was not live and is
 * live afterwards.
 */
#include "heap_pages.h"
#include "slab_edge.h"
#ifdef __FRAMAC__
#include "slab_api_spec.h"
#endif

/* ---- small helpers ------------------------------------------------------ */

/* Count a fault and tell the user's hook (outside the proof, T11). */
/*@ requires \valid(h);
    assigns h->fault_count;
 */
SLAB_COLD static void report(slab_heap *h, slab_fault kind, const void *p)
{
    h->fault_count++;
    heap_fault_notify(h, kind, p);
}

/*@ requires \valid(h);
    assigns h->bytes_used, h->bytes_peak;
    BYTES_ENSURES(bytes_added, \old(h->bytes_used) + bytes <= SIZE_MAX ==>
      h->bytes_used == \old(h->bytes_used) + bytes)
 */
static SLAB_INLINE void count_alloc(slab_heap *h, size_t bytes)
{
    h->bytes_used += bytes;
    if (h->bytes_used > h->bytes_peak) {
        h->bytes_peak = h->bytes_used;
    }
}

/*@ requires \valid(h);
    assigns h->bytes_used;
    BYTES_ENSURES(bytes_taken, bytes <= \old(h->bytes_used) ==>
      h->bytes_used == \old(h->bytes_used) - bytes)
 */
static SLAB_INLINE void count_free(slab_heap *h, size_t bytes)
{
    h->bytes_used -= bytes;
}

/* A class page is full when it has neither a free block nor room to carve. */
/*@ requires \valid_read(m);
    assigns \nothing;
    ensures \result <==> page_full(m);
 */
static SLAB_INLINE bool page_is_full(const page_meta *m)
{
    return m->nfree == 0u && (uint32_t)m->carved + m->size > SLAB_PAGE_SIZE;
}

/*
 * What lies at byte distance d from the heap's first page: the page and the
 * offset in it, if d is inside the pages; SLAB_FAULT_NONE if a live block
 * starts there, otherwise the fault a free of it would be. Constant time.
 */
/*@ requires HEAP_INV(h);
    requires \valid(page) && \valid(off) && \separated(page, off);
    requires HEAP_APART(h, page) && HEAP_APART(h, off);
    assigns *page, *off;
    behavior outside:
      assumes d >= h->span;
      ensures \result == SLAB_FAULT_FOREIGN;
    behavior inside:
      assumes d < h->span;
      ensures 0 <= *page < h->npages && *off < SLAB_PAGE_SIZE;
      ensures *page == d / SLAB_PAGE_SIZE && *off == d % SLAB_PAGE_SIZE;
      ensures \result == SLAB_FAULT_NONE <==> live_at(h, *page, *off);
      ensures \result == SLAB_FAULT_DOUBLE_FREE ||
              \result == SLAB_FAULT_INTERIOR || \result == SLAB_FAULT_NONE;
    complete behaviors;
    disjoint behaviors;
 */
static SLAB_INLINE slab_fault block_find(const slab_heap *h, uintptr_t d,
                                         int32_t *page, uint32_t *off)
{
    uintptr_t pg;
    const page_meta *m;
    if (d >= h->span) {
        return SLAB_FAULT_FOREIGN;
    }
    pg = d / SLAB_PAGE_SIZE;
    *page = (int32_t)pg;
    *off = (uint32_t)(d % SLAB_PAGE_SIZE);
    m = &h->meta[*page];
    if (m->state == (uint8_t)PAGE_CLASS) { /* the common case first */
        page_block_status st;
        if (!heap_class_page_sane(h, *page, m->cls)) {
            /* Only a write from outside the library gets here. */
            //@ assert \false;
            return SLAB_FAULT_CORRUPT_META;
        }
        st = page_status(m, *off);
        if (st == PAGE_BLOCK_LIVE) {
            return SLAB_FAULT_NONE;
        }
        return st == PAGE_BLOCK_INTERIOR ? SLAB_FAULT_INTERIOR
                                         : SLAB_FAULT_DOUBLE_FREE;
    }
    if (m->state == (uint8_t)PAGE_LARGE) {
        return *off == 0u ? SLAB_FAULT_NONE : SLAB_FAULT_INTERIOR;
    }
    if (m->state == (uint8_t)PAGE_LARGE_TAIL) {
        return SLAB_FAULT_INTERIOR;
    }
    /* a free page: nothing in it is allocated */
    return *off % SLAB_GRANULE == 0u ? SLAB_FAULT_DOUBLE_FREE
                                     : SLAB_FAULT_INTERIOR;
}

/* Usable bytes of the live block that starts page i: a class block's size,
 * or a large block's pages (never counted past the heap's last page,
 * whatever the page table says). */
/*@ requires HEAP_INV(h) && 0 <= i < h->npages;
    assigns \nothing;
    ensures \result == usable_at(h, i);
 */
static SLAB_INLINE size_t block_usable(const slab_heap *h, int32_t i)
{
    const page_meta *m = &h->meta[i];
    size_t room;
    if (m->state == (uint8_t)PAGE_CLASS) {
        return m->size;
    }
    room = (size_t)h->npages - (size_t)i;
    return (m->run < room ? m->run : room) * SLAB_PAGE_SIZE;
}

/* ---- initialisation ----------------------------------------------------- */

/*
 * A lemma, as ghost code, for heap_format: when every page is free, the
 * free pages are all the pages and no page is a large block's. The counts
 * are sums over the page table, defined page by page; the loop is the
 * induction the provers do not do.
 */
/*@ ghost
  /@ requires HEAP_MEM(h);
     requires \forall integer k; 0 <= k < h->npages ==> h->meta[k].state == PAGE_FREE;
     assigns \nothing;
     ensures FREE_PAGE_COUNT(h) == h->npages && LARGE_PAGE_COUNT(h) == 0;
     BYTES_ENSURES(bytes_none, CLASS_BYTES(h) == 0)
   @/
  static void all_free_counts(const slab_heap *h)
  {
    int64_t k = 0;
    /@ loop invariant 0 <= k <= h->npages;
       loop invariant free_pages_below(h, k) == k;
       loop invariant large_pages_below(h, k) == 0;
       BYTES_INVARIANT(bytes_none, class_bytes_below(h, k) == 0)
       loop assigns k;
       loop variant h->npages - k;
     @/
    while (k < h->npages) {
      k++;
    }
  }
*/

/*
 * The bookkeeping of a new heap (slab_init in slab_edge.c has set its
 * geometry): every page free, every list empty but the pool, which holds
 * every page in address order, so the pool hands out low pages first. The
 * pool list is written out directly (page k links to k - 1 and k + 1),
 * which makes it plain that the lists agree with the page states (R28)
 * and that the page counters agree with the page table (R27) from the
 * start: every later call keeps both. O(pages).
 */
void heap_format(slab_heap *h)
{
    uint32_t n = (uint32_t)h->npages;
    //@ assert n == h->npages;
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES;
        loop invariant \forall integer k; 0 <= k < c ==>
          h->empty[k] == HEAP_NO_PAGE;
        loop invariant \forall integer l; 1 <= l <= c ==>
          h->head[l] == HEAP_NO_PAGE;
        loop assigns c, h->head[1 .. HEAP_LISTS - 1], h->empty[0 .. SLAB_NUM_CLASSES - 1];
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        h->head[HEAP_CLASS(c)] = HEAP_NO_PAGE;
        h->empty[c] = HEAP_NO_PAGE;
    }
    h->head[HEAP_POOL] = 0;
    h->pool_count = n;
    h->bytes_used = 0u;
    h->bytes_peak = 0u;
    h->large_pages = 0u;
    h->oom_count = 0u;
    h->fault_count = 0u;
    h->hook = NULL;
    h->hook_ctx = NULL;
    h->lock_enter = NULL;
    h->lock_leave = NULL;
    h->lock_ctx = NULL;
    layout_fill_fast(h->class_of);
    //@ ghost Filled:;
    /*@ loop invariant 0 <= i <= n;
        loop invariant ROUTES_KEPT(h, Filled);
        loop invariant \forall integer k; 0 <= k < i ==>
          h->meta[k].state == PAGE_FREE;
        loop invariant pool_links: \forall integer k; 0 <= k < i ==>
          h->links[k].next == (k + 1 < n ? k + 1 : HEAP_NO_PAGE) &&
          h->links[k].prev == (k > 0 ? k - 1 : HEAP_NO_PAGE);
        loop invariant lists_cleared:
          h->head[HEAP_POOL] == 0 &&
          (\forall integer l; 1 <= l < HEAP_LISTS ==>
             h->head[l] == HEAP_NO_PAGE) &&
          (\forall integer k; 0 <= k < SLAB_NUM_CLASSES ==>
             h->empty[k] == HEAP_NO_PAGE);
        loop assigns i, h->meta[0 .. n - 1], h->links[0 .. n - 1];
        loop variant n - i;
     */
    for (uint32_t i = 0u; i < n; i++) {
        page_meta *m = &h->meta[i];
        m->head = (uint16_t)PAGE_NO_BLOCK;
        m->carved = 0u;
        m->nfree = 0u;
        m->used = 0u;
        m->size = 0u;
        m->cls = 0u;
        m->run = 0u;
        m->state = (uint8_t)PAGE_FREE;
        h->links[i].next = i + 1u < n ? (int32_t)(i + 1u) : HEAP_NO_PAGE;
        h->links[i].prev = i > 0u ? (int32_t)(i - 1u) : HEAP_NO_PAGE;
    }
    h->magic = HEAP_MAGIC;
    //@ ghost all_free_counts(h);
    //@ assert kept: ROUTES_KEPT(h, Filled);
    //@ assert routes: HEAP_ROUTES(h);
}

/*@ requires \valid(h) && h->magic == HEAP_MAGIC;
    assigns h->hook, h->hook_ctx;
    ensures h->hook == hook;
 */
static void heap_set_hook(slab_heap *h, slab_fault_hook hook, void *ctx)
{
    h->hook = hook;
    h->hook_ctx = hook != NULL ? ctx : NULL;
}

/* ---- allocation --------------------------------------------------------- */

/* Where an allocation put its block: page HEAP_NO_PAGE if it made none.
 * The allocation path returns it by value, so no step of it writes through
 * a pointer that its proof would have to show lies apart from the heap. */
typedef struct heap_spot {
    int32_t page;
    uint32_t off;
} heap_spot;

/* A lemma, as ghost code: the free pages are at most the pages, and at
 * least one if page i is free. The count is a sum over the page table,
 * defined page by page, and the provers do not reason by induction: the
 * loop is the induction. It tells refill_take that the pool's count, equal
 * to the free pages, does not wrap when a free page is taken, and
 * heap_release_empty that it does not wrap when the empty pages join. */
/*@ ghost
  /@ requires HEAP_MEM(h);
     assigns \nothing;
     COUNTS_ENSURES(counts_below, 0 <= FREE_PAGE_COUNT(h) <= h->npages)
     COUNTS_ENSURES(counts_one, 0 <= i < h->npages && h->meta[i].state == PAGE_FREE ==>
       1 <= FREE_PAGE_COUNT(h))
   @/
  static void free_count_bounds(const slab_heap *h, int32_t i)
  {
    int64_t k = 0;
    /@ loop invariant 0 <= k <= h->npages;
       loop invariant 0 <= free_pages_below(h, k) <= k;
       loop invariant 0 <= i < k && h->meta[i].state == PAGE_FREE ==>
         1 <= free_pages_below(h, k);
       loop assigns k;
       loop variant h->npages - k;
     @/
    while (k < h->npages) {
      k++;
    }
  }
*/

/*
 * Ghost lemmas of the byte count (R30), whose clauses are seen only in the
 * run api-bytes (SLAB_PROOF_BYTES), the only run whose code calls them.
 * page_share_is: a page's share is the one its three fields give, stated
 * where it is called, so that WP's simplifier reads the fields through
 * the writes before a prover sees them. blocks_bytes_bound and
 * bytes_bounds: the byte count has room. A class page hands out at most
 * 256 blocks (16 bytes at least each, page_ok) of at most 4 KiB, so its
 * share is at most 2^20 bytes; no more pages are in large blocks than the
 * heap has. With at most 2^31 pages, bytes_used stays below 2^52 and
 * adding a block or a run cannot wrap it.
 */
/*@ ghost
  /@ assigns \nothing;
     BYTES_ENSURES(bytes_share_is, page_class_bytes(h, i) ==
       class_share(h->meta[i].state, h->meta[i].used, h->meta[i].size))
   @/
  static void page_share_is(const slab_heap *h, int32_t i)
  {
  }

  /@ requires bytes_factor_ok: 0 <= u <= 256 && 0 <= s <= 4096;
     assigns \nothing;
     BYTES_ENSURES(bytes_of_page, 0 <= blocks_bytes(u, s) <= u * 4096)
   @/
  static void blocks_bytes_bound(int64_t u, int64_t s)
  {
    int64_t j = 0;
    /@ loop invariant 0 <= j <= u;
       BYTES_INVARIANT(bytes_of_below, 0 <= blocks_bytes(j, s) <= j * 4096)
       loop assigns j;
       loop variant u - j;
     @/
    while (j < u) {
      j++;
    }
  }

  /@ requires bytes_heap: HEAP_MEM(h) && HEAP_PAGES(h);
     assigns \nothing;
     BYTES_ENSURES(bytes_bounded, 0 <= CLASS_BYTES(h) <= h->npages * 1048576 &&
       0 <= LARGE_PAGE_COUNT(h) <= h->npages)
     BYTES_ENSURES(bytes_shares, \forall integer q; 0 <= q < h->npages ==>
       0 <= page_class_bytes(h, q) <= 1048576)
   @/
  static void bytes_bounds(const slab_heap *h)
  {
    int64_t k = 0;
    /@ loop invariant 0 <= k <= h->npages;
       BYTES_INVARIANT(bytes_below, 0 <= class_bytes_below(h, k) <= k * 1048576)
       BYTES_INVARIANT(bytes_large_below, 0 <= large_pages_below(h, k) <= k)
       BYTES_INVARIANT(bytes_pages, \forall integer q; 0 <= q < k ==>
         0 <= page_class_bytes(h, q) <= 1048576)
       loop assigns k;
       loop variant h->npages - k;
     @/
    while (k < h->npages) {
      if (h->meta[k].state == PAGE_CLASS) {
        blocks_bytes_bound(h->meta[k].used, h->meta[k].size);
      }
      k++;
    }
  }
*/

/*
 * Make page i, which is on no list, an empty page of class c: no block
 * carved, none allocated. The state and class first, through the page
 * table (heap_page_to_class), which moves the page counts; page_format
 * then writes only the block fields, which the counts do not read.
 */
/*@ requires HEAP_INV(h) && 0 <= i < h->npages && c < SLAB_NUM_CLASSES;
    assigns h->meta[i].head, h->meta[i].carved, h->meta[i].nfree,
            h->meta[i].used, h->meta[i].size, h->meta[i].cls,
            h->meta[i].bits[0 .. SLAB_BITMAP_WORDS - 1],
            h->meta[i].state, h->meta[i].run;
    ensures HEAP_INV_M(h);
    ensures h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c &&
            h->meta[i].size == slab_class_size[c] &&
            h->meta[i].carved == 0 && h->meta[i].nfree == 0 &&
            h->meta[i].used == 0;
    ensures LIVE_KEPT_BUT(h, i, Pre);
    COUNTS_ENSURES(counts_class,
      FREE_PAGE_COUNT(h) == \old(FREE_PAGE_COUNT(h)) - STATE_FREE(\old(h->meta[i].state)) &&
      LARGE_PAGE_COUNT(h) == \old(LARGE_PAGE_COUNT(h)) - STATE_LARGE(\old(h->meta[i].state)))
    COUNTS_ENSURES(counts_bounded, 0 <= FREE_PAGE_COUNT(h))
    LISTS_ENSURES(lists_formatted, \old(LISTS_AGREE(h) && PAGE_UNLISTED(h, i)) ==>
      LISTS_AGREE(h) && PAGE_UNLISTED(h, i))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_formatted, CLASS_BYTES(h) == \old(CLASS_BYTES(h)) - CLASS_SHARE_OLD(h, i))
    COMPLETE_ENSURES(complete_formatted, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE_BUT(h, i))
 */
SLAB_COLD static void class_page_format(slab_heap *h, int32_t i, uint32_t c)
{
    page_format(&h->meta[i], slab_class_size[c]);
    /* (page_format wrote page i's entry only: the other pages keep their
     * fields, hence the page invariant; the fields first, as class_free
     * does: in one step, others_ok took CVC4 8.8 s) */
    //@ assert others_format: PAGES_KEPT_BUT(h, i, Pre);
    //@ assert others_ok: \forall integer q; 0 <= q < h->npages && q != i ==> page_ok{Pre}(&h->meta[q]) ==> page_ok(&h->meta[q]);
    heap_page_to_class(h, i, (uint8_t)c);
    //@ assert others: PAGES_KEPT_BUT(h, i, Pre);
    //@ assert others_cls: \forall integer q; 0 <= q < h->npages && q != i ==> h->meta[q].cls == \at(h->meta[q].cls, Pre);
    //@ assert others_state: \forall integer q; 0 <= q < h->npages && q != i ==> h->meta[q].state == \at(h->meta[q].state, Pre);
    h->meta[i].run = 0u;
    /* For the provers (R30): only page i's entry was written, so the class
     * pages' bytes moved by page i's share only, none now (no block in
     * use): the induction over the table (BYTES_WRITE_STEP). */
    /*@ ghost
      BYTES_WRITE_STEP(h, i,
       BYTES_INVARIANT(bytes_share, page_class_bytes(h, i) == 0))
    */
}

/*
 * Does some page have room for class c: an idle page (free, or a class
 * page with no block in use), or a page of class c with room? One walk of
 * the page table, O(pages): it makes a refusal for lack of memory provable
 * against the pages themselves, not only against the lists, whose
 * contents the heap invariant does not state (R22).
 */
/*@ requires HEAP_MEM(h) && c < SLAB_NUM_CLASSES;
    assigns \nothing;
    ensures !\result <==> no_idle_page(h) && class_pages_full(h, c);
 */
SLAB_COLD static bool class_room_left(const slab_heap *h, uint32_t c)
{
    /*@ loop invariant 0 <= i <= h->npages;
        loop invariant \forall integer j; 0 <= j < i ==>
          !PAGE_IDLE(&h->meta[j]) &&
          (h->meta[j].state == PAGE_CLASS && h->meta[j].cls == c ==>
             page_full(&h->meta[j]));
        loop assigns i;
        loop variant h->npages - i;
     */
    for (int32_t i = 0; i < h->npages; i++) {
        const page_meta *m = &h->meta[i];
        if (page_idle(m) || (m->state == (uint8_t)PAGE_CLASS &&
                             m->cls == c && !page_is_full(m))) {
            return true;
        }
    }
    return false;
}

/*
 * A refill found no page on the lists (the pool list empty, no class
 * keeping an empty page): count a refusal for lack of memory only if no
 * page of the heap has room for class c. In a heap only the library
 * wrote the lists hold every page with room (R31), so a page found here
 * is one they lost (a free page off the pool list, an empty page no class
 * keeps, a page of class c with room off its list), which only a write
 * from outside the library does: a fault, not a refusal. Only the refusal
 * path walks the page table.
 */
/*@ requires HEAP_MEM(h) && c < SLAB_NUM_CLASSES;
    assigns h->oom_count, h->fault_count;
    ensures h->oom_count != \old(h->oom_count) ==>
              no_idle_page(h) && class_pages_full(h, c) &&
              h->fault_count == \old(h->fault_count);
 */
SLAB_COLD static void refill_refuse(slab_heap *h, uint32_t c)
{
    if (class_room_left(h, c)) {
        report(h, SLAB_FAULT_CORRUPT_META, NULL);
    } else {
        h->oom_count++;
    }
}

/*
 * The page a refill takes: the pool's first page, or else some class's
 * kept empty page (off every list then); HEAP_NO_PAGE when there is none,
 * and then nothing was written. A step of its own so that class_refill's
 * proof meets one call rather than both look-ups' facts.
 */
/*@ requires HEAP_INV(h);
    assigns h->head[0 .. HEAP_LISTS - 1], h->pool_count,
            h->empty[0 .. SLAB_NUM_CLASSES - 1], h->links[0 .. h->npages - 1];
    ensures HEAP_INV_M(h);
    ensures page_or_none(h, \result);
    ensures \result != HEAP_NO_PAGE ==>
      h->meta[\result].state == PAGE_FREE ||
      (h->meta[\result].state == PAGE_CLASS && h->meta[\result].used == 0);
    ensures \result == HEAP_NO_PAGE ==>
      NO_PAGE_LISTED(h) && LISTS_UNCHANGED(h, Pre);
    COUNTS_ENSURES(counts_taken, \result != HEAP_NO_PAGE && \old(PAGE_COUNTS_AGREE(h)) ==>
      TAKEN_COUNTS(h, \result))
    LISTS_ENSURES(lists_taken, \old(LISTS_AGREE(h)) ==> LISTS_AGREE(h) &&
      (\result != HEAP_NO_PAGE ==> PAGE_UNLISTED(h, \result)))
    COMPLETE_ENSURES(complete_taken, \old(LISTS_AGREE(h) && LISTS_COMPLETE(h)) ==>
      LISTS_COMPLETE_BUT(h, \result))
 */
SLAB_COLD static int32_t refill_take(slab_heap *h)
{
    int32_t i = heap_pool_take(h);
    if (i == HEAP_NO_PAGE) {
        i = heap_steal_empty(h);
    } else {
        //@ ghost free_count_bounds(h, i);
    }
    return i;
}

/*
 * The last step of a refill that got page i: make it an empty page of
 * class c, first on the class's list. A step of its own so that the page
 * counts' proof of class_refill meets one call on this path, with the
 * counts in one clause (`counts_installed`).
 */
/*@ requires HEAP_INV(h) && c < SLAB_NUM_CLASSES;
    requires idx_ok: 0 <= i < h->npages;
    requires h->head[HEAP_CLASS(c)] != i;
    assigns h->meta[i].head, h->meta[i].carved, h->meta[i].nfree,
            h->meta[i].used, h->meta[i].size, h->meta[i].cls,
            h->meta[i].bits[0 .. SLAB_BITMAP_WORDS - 1],
            h->meta[i].state, h->meta[i].run,
            h->head[HEAP_CLASS(c)], h->links[0 .. h->npages - 1];
    ensures HEAP_INV_M(h);
    ensures h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c &&
            h->meta[i].size == slab_class_size[c] &&
            h->meta[i].carved == 0 && h->meta[i].nfree == 0 &&
            h->meta[i].used == 0 && h->head[HEAP_CLASS(c)] == i;
    ensures LIVE_KEPT_BUT(h, i, Pre);
    COUNTS_ENSURES(counts_installed, \old(TAKEN_COUNTS(h, i)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_installed, \old(LISTS_AGREE(h) && PAGE_UNLISTED(h, i)) ==>
      LISTS_AGREE(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_installed, CLASS_BYTES(h) == \old(CLASS_BYTES(h)) - CLASS_SHARE_OLD(h, i))
    COMPLETE_ENSURES(complete_installed, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE(h))
 */
SLAB_COLD static void refill_install(slab_heap *h, int32_t i, uint32_t c)
{
    class_page_format(h, i, c);
    //@ assert (uint32_t)HEAP_CLASS(c) == HEAP_CLASS(c);
    heap_list_push(h, HEAP_CLASS(c), i);
}

/*
 * Give class c a page with room: its kept empty page is already on the
 * partial list, so this is only called when the list is empty. Takes a
 * page from the pool, or else another class's empty page; refuses for
 * lack of memory (oom_count) only when the pool has no page, no class
 * keeps an empty page, and a walk of the page table finds no idle page and
 * no page of class c with room. O(classes), and O(pages) to refuse.
 */
/*@ requires HEAP_INV(h) && c < SLAB_NUM_CLASSES;
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures page_or_none(h, \result);
    ensures \result != HEAP_NO_PAGE ==>
      h->meta[\result].state == PAGE_CLASS && h->meta[\result].cls == c &&
      h->meta[\result].size == slab_class_size[c] &&
      h->meta[\result].carved == 0 && h->meta[\result].nfree == 0 &&
      h->meta[\result].used == 0 &&
      h->head[HEAP_CLASS(c)] == \result;
    ensures \result != HEAP_NO_PAGE ==>
      \forall integer o; !live_at{Pre}(h, \result, o);
    ensures h->oom_count != \old(h->oom_count) ==>
      \result == HEAP_NO_PAGE && NO_PAGE_TO_GIVE(h) &&
      \at(class_pages_full(h, c), Pre);
    ensures h->oom_count != \old(h->oom_count) ==> HEAP_UNCHANGED(h, Pre);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
SLAB_COLD static int32_t class_refill(slab_heap *h, uint32_t c)
{
    /* For the provers: the refusal counter has the C type of a page
     * entry's run length, which class_page_format writes; this names the
     * separation HEAP_MEM gives, so the counter is seen unchanged. */
    //@ assert oom_apart: \separated(&h->oom_count, h->meta + (0 .. h->npages - 1));
    int32_t i = refill_take(h);
    if (i == HEAP_NO_PAGE) {
        refill_refuse(h, c);
        return HEAP_NO_PAGE;
    }
    //@ assert class_index: (uint32_t)HEAP_CLASS(c) == HEAP_CLASS(c);
    if (h->head[HEAP_CLASS(c)] == i) {
        /* A page off every list heads the class's list: only a write from
         * outside the library does that. Put the page back, refuse. */
        heap_pool_return(h, i);
        report(h, SLAB_FAULT_CORRUPT_META, NULL);
        //@ assert oom_kept_corrupt: h->oom_count == \at(h->oom_count, Pre);
        return HEAP_NO_PAGE;
    }
    refill_install(h, i, c);
    /* For the provers: the counter is unchanged on both paths that do not
     * refuse for lack of memory, so the refusal clauses hold vacuously
     * there (without this, two of their goals took 9 s of a 10 s budget). */
    //@ assert oom_kept: h->oom_count == \at(h->oom_count, Pre);
    return i;
}

/*
 * Hand out a block of class page i, which has room. The block was not
 * live and is live afterwards.
 */
/*@ requires HEAP_INV(h) && 0 <= i < h->npages;
    requires h->meta[i].state == PAGE_CLASS && !page_full(&h->meta[i]);
    requires \valid(repaired) && HEAP_APART(h, repaired);
    assigns h->meta[i].head, h->meta[i].carved, h->meta[i].nfree,
            h->meta[i].used, h->meta[i].bits[0 .. SLAB_BITMAP_WORDS - 1],
            h->pages[i * SLAB_PAGE_WORDS .. i * SLAB_PAGE_WORDS + SLAB_PAGE_WORDS - 1],
            *repaired;
    ensures HEAP_INV_M(h);
    ensures live_at(h, i, \result) && !live_at{Pre}(h, i, \result);
    ensures LIVE_KEPT(h, Pre);
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_took, \old(page_counted(&h->meta[i])) ==>
      CLASS_BYTES(h) == \old(CLASS_BYTES(h)) + h->meta[i].size)
    COMPLETE_ENSURES(complete_took, \old(LISTS_COMPLETE_BUT(h, i)) ==>
      LISTS_COMPLETE_BUT(h, i))
    COMPLETE_ENSURES(complete_listed, page_listed(h, i) <==> \old(page_listed(h, i)))
 */
static SLAB_INLINE uint32_t class_take(slab_heap *h, int32_t i, bool *repaired)
{
    page_meta *m = &h->meta[i];
    uint32_t off;
#ifdef SLAB_PROOF_BYTES
    //@ ghost page_share_is(h, i);
#endif
    off = page_take(m, page_words(h, i), repaired);
    /* For the provers: page i keeps the page invariant; page_take wrote
     * its entry and words only, so the other pages keep their fields and
     * bits, hence the invariant (page_ok_kept). Without the first, the
     * last took CVC4 8.3 s of the 10 s budget; with it, 5.5 to 7.7 s. */
    //@ assert page_ok(&h->meta[i]);
    //@ assert others: PAGES_KEPT_BUT(h, i, Pre);
    //@ assert others_bits: \forall integer q; 0 <= q < h->npages && q != i ==> bits_unchanged{Pre, Here}(&h->meta[q]);
    //@ assert \forall integer q; 0 <= q < h->npages && q != i ==> page_ok{Pre}(&h->meta[q]) ==> page_ok(&h->meta[q]);
    /* For the provers (R23): page i's counts follow its bitmap still
     * (page_take), the other pages' entries are as they were. */
    //@ MARKS_ASSERT(marks_page, page_counted{Pre}(&h->meta[i]) ==> page_counted(&h->meta[i]))
    //@ MARKS_ASSERT(marks_others, \forall integer q; 0 <= q < h->npages && q != i ==> page_counted{Pre}(&h->meta[q]) ==> page_counted(&h->meta[q]))
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): page i's share, from its fields. */
    //@ ghost page_share_is(h, i);
#endif
    /* For the provers (R30): only page i's share of the class pages'
     * bytes moved, by one block if its counts agreed (the induction over
     * the table, BYTES_WRITE_STEP). */
    /*@ ghost
      BYTES_WRITE_STEP(h, i,
       BYTES_INVARIANT(bytes_one_more, \at(page_counted(&h->meta[i]), Pre) ==>
         h->meta[i].used == \at(h->meta[i].used, Pre) + 1)
       BYTES_INVARIANT(bytes_share, \at(page_counted(&h->meta[i]), Pre) ==>
         page_class_bytes(h, i) == page_class_bytes{Pre}(h, i) + h->meta[i].size))
    */
    return off;
}

/*
 * The page class c hands its next block out of: the first page of its
 * partial list, or a page given to the class now. HEAP_NO_PAGE if there is
 * none (out of memory), or if the list's first page is not a page of this
 * class with room (only damage from outside does that: reported). O(1) but
 * for the refill.
 */
/*@ requires HEAP_INV(h) && c < SLAB_NUM_CLASSES;
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures page_or_none(h, \result);
    ensures \result != HEAP_NO_PAGE ==>
      h->meta[\result].state == PAGE_CLASS && h->meta[\result].cls == c &&
      h->meta[\result].size == slab_class_size[c] &&
      !page_full(&h->meta[\result]);
    ensures \result != HEAP_NO_PAGE ==>
      \forall integer o; live_at{Pre}(h, \result, o) ==> live_at(h, \result, o);
    ensures h->oom_count != \old(h->oom_count) ==>
      \result == HEAP_NO_PAGE && \old(h->head[HEAP_CLASS(c)]) == HEAP_NO_PAGE &&
      NO_PAGE_TO_GIVE(h) && \at(class_pages_full(h, c), Pre);
    ensures h->oom_count != \old(h->oom_count) ==> HEAP_UNCHANGED(h, Pre);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE int32_t class_page(slab_heap *h, uint32_t c)
{
    //@ assert (uint32_t)HEAP_CLASS(c) == HEAP_CLASS(c);
    int32_t i = h->head[HEAP_CLASS(c)];
    if (i == HEAP_NO_PAGE) {
        return class_refill(h, c);
    }
    if (!heap_index_ok(h, i) || !heap_class_page_sane(h, i, c) ||
        page_is_full(&h->meta[i])) {
        report(h, SLAB_FAULT_CORRUPT_META, NULL);
        return HEAP_NO_PAGE;
    }
    return i;
}

/*
 * Hand out a block of page i of class c, which has room: take it, keep
 * the page's place (no longer the kept empty page; off the partial list
 * once full) and the byte count. O(1).
 */
/*@ requires HEAP_INV(h) && c < SLAB_NUM_CLASSES && 0 <= i < h->npages;
    requires h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c &&
             h->meta[i].size == slab_class_size[c] && !page_full(&h->meta[i]);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures live_at(h, i, \result) && !live_at{Pre}(h, i, \result);
    ensures h->meta[i].state == PAGE_CLASS &&
            h->meta[i].size == slab_class_size[c];
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE uint32_t class_take_from(slab_heap *h, uint32_t c, int32_t i)
{
    bool repaired = false;
    uint32_t off;
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): the byte count has room for the block. */
    //@ ghost bytes_bounds(h);
#endif
    /* Through the page layer, whose contract says the slot write leaves
     * the lists as they were (R28, R31); the provers did not see that
     * through a write of the slot here. */
    if (h->meta[i].used == 0u && h->empty[c] == i) {
        heap_set_kept(h, c, HEAP_NO_PAGE);
    }
    off = class_take(h, i, &repaired);
    if (page_is_full(&h->meta[i])) {
        heap_list_unlink(h, HEAP_CLASS(c), i);
    }
    count_alloc(h, h->meta[i].size);
    if (repaired) {
        report(h, SLAB_FAULT_CORRUPT_LINK, heap_block_ptr(h, i, off));
    }
    return off;
}

/* A block of class c. */
/*@ requires HEAP_INV(h) && c < SLAB_NUM_CLASSES;
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures SPOT_NEW(h, \result);
    ensures \result.page != HEAP_NO_PAGE ==>
              h->meta[\result.page].state == PAGE_CLASS &&
              h->meta[\result.page].size == slab_class_size[c];
    ensures SPOT_REFUSED(h) ==>
              \old(h->head[HEAP_CLASS(c)]) == HEAP_NO_PAGE && NO_PAGE_TO_GIVE(h) &&
              \at(class_pages_full(h, c), Pre);
    ensures SPOT_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE heap_spot class_alloc(slab_heap *h, uint32_t c)
{
    heap_spot b = {HEAP_NO_PAGE, 0u};
    int32_t i = class_page(h, c);
    if (i != HEAP_NO_PAGE) {
        b.off = class_take_from(h, c, i);
        b.page = i;
    }
    return b;
}

/*
 * Give every class's kept empty page back to the pool, for a large block
 * they make room for. A step of its own, with the whole page table in its
 * frame, so that large_alloc's proof sees one effect (HEAP_STATE) rather
 * than the page lists' field by field ones. O(classes).
 */
/*@ requires HEAP_INV(h);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures EMPTIES_FREED(h, Pre);
    ensures h->oom_count == \old(h->oom_count);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
SLAB_COLD static void large_make_room(slab_heap *h)
{
    //@ ghost free_count_bounds(h, HEAP_NO_PAGE);
    (void)heap_release_empty(h);
}

/*
 * Make the free pages [start, start + count) a live large block and count
 * it. A step of its own for the same reason as large_make_room. O(count).
 */
/*@ requires HEAP_INV(h);
    requires 0 <= start < h->npages && 1 <= count <= h->npages - start;
    requires \forall integer j; start <= j < start + count ==>
               h->meta[j].state == PAGE_FREE;
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures h->meta[start].state == PAGE_LARGE && h->meta[start].run == count;
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
SLAB_COLD static void large_take(slab_heap *h, int32_t start, size_t count)
{
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): the byte count has room for the run. */
    //@ ghost bytes_bounds(h);
#endif
    heap_run_take(h, start, (uint32_t)count);
    h->large_pages += count;
    count_alloc(h, count * SLAB_PAGE_SIZE);
}

/*
 * A run of whole pages for a request no class serves. The classes' empty
 * pages are given up only when they make the run possible, so a refused
 * request leaves every page where it was; and it is refused only when no
 * run exists even with them (R22: heap_run_find is complete). O(pages).
 */
/*@ requires HEAP_INV(h);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures SPOT_NEW(h, \result);
    ensures \result.page != HEAP_NO_PAGE ==>
              \result.off == 0 && h->meta[\result.page].state == PAGE_LARGE &&
              usable_at(h, \result.page) >= size;
    ensures SPOT_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
    ensures SPOT_REFUSED(h) ==> \at(NO_ROOM_LARGE(h, size, align), Pre);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
SLAB_COLD static heap_spot large_alloc(slab_heap *h, size_t size,
                                       size_t align)
{
    heap_spot b = {HEAP_NO_PAGE, 0u};
    size_t count = layout_pages(size > 0u ? size : 1u);
    size_t align_pages = align > SLAB_PAGE_SIZE ? align / SLAB_PAGE_SIZE : 1u;
    int32_t start;

    //@ assert count == LARGE_PAGES(size);
    if (count > (size_t)h->npages) {
        h->oom_count++;
        return b;
    }
    start = heap_run_find(h, count, align_pages, false);
    if (start == HEAP_NO_PAGE &&
        heap_run_find(h, count, align_pages, true) != HEAP_NO_PAGE) {
        /* The classes' empty pages make the run: only now give them up,
         * so a refused request leaves every page where it was. */
        large_make_room(h);
        start = heap_run_find(h, count, align_pages, false);
        if (start == HEAP_NO_PAGE) {
            /* The pages just freed make no run: the page table disagrees
             * with itself, which only a write from outside does. A fault,
             * not a refusal: a refusal leaves the heap as it was. */
            report(h, SLAB_FAULT_CORRUPT_META, NULL);
            return b;
        }
    }
    if (start == HEAP_NO_PAGE) {
        h->oom_count++;
        return b;
    }
    //@ assert was_free: \forall integer o; !live_at{Pre}(h, start, o);
    large_take(h, start, count);
    b.page = start;
    return b;
}

/* The general path: any alignment, any size. */
/*@ requires HEAP_INV(h);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures SPOT_NEW(h, \result) && SPOT_FITS(h, \result, size);
    ensures \result.page != HEAP_NO_PAGE ==> is_pow2(align);
    ensures bad_align: !is_pow2(align) ==>
              \result.page == HEAP_NO_PAGE && MISUSE_UNCHANGED(h, Pre);
    REFUSED_ONLY_WITHOUT_ROOM(SPOT_REFUSED(h), h, size, align);
    ensures SPOT_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
SLAB_COLD static heap_spot alloc_slow(slab_heap *h, size_t size, size_t align)
{
    uint32_t c;
    if (!layout_is_pow2(align)) {
        heap_spot none = {HEAP_NO_PAGE, 0u};
        report(h, SLAB_FAULT_BAD_ALIGN, NULL);
        return none;
    }
    c = layout_class(size, align);
    if (c < (uint32_t)SLAB_NUM_CLASSES) {
        //@ assert routed: routed_class(c, size, align);
        return class_alloc(h, c);
    }
    return large_alloc(h, size, align);
}

/*
 * The common case, a request a class holds, aligned to at most 16, takes
 * one look-up in the heap's class table (layout_slot); the checks after it
 * make the answer safe by construction, whatever the table holds (and the
 * table is proved right, so they always pass). Anything else: alloc_slow.
 */
/*@ requires HEAP_INV(h) && HEAP_ROUTES(h);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures SPOT_NEW(h, \result) && SPOT_FITS(h, \result, size);
    ensures bad_align: !is_pow2(align) ==>
              \result.page == HEAP_NO_PAGE && MISUSE_UNCHANGED(h, Pre);
    REFUSED_ONLY_WITHOUT_ROOM(SPOT_REFUSED(h), h, size, align);
    ensures SPOT_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
    ensures LIVE_KEPT(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE heap_spot heap_alloc(slab_heap *h, size_t size,
                                        size_t align)
{
    if (size <= (size_t)SLAB_FAST_MAX &&
        (align == 1u || align == 2u || align == 4u || align == 8u || align == 16u)) {
        uint32_t k = layout_slot(size);
        uint32_t c = h->class_of[k];
        if (c < (uint32_t)SLAB_NUM_CLASSES && slab_class_size[c] >= size &&
            slab_class_align[c] >= align) {
            /* No class before c is as large as the slot's smallest size
             * (HEAP_ROUTES), so none holds size: c is the class of R1. */
            //@ assert smaller_too_small: \forall integer j; 0 <= j < c ==> slab_class_size[j] < size;
            //@ assert routed: routed_class(c, size, align);
            return class_alloc(h, c);
        }
    }
    return alloc_slow(h, size, align);
}

/* ---- free --------------------------------------------------------------- */

/*
 * After a free in page i of class c, the page became empty or stopped
 * being full: put it where it now belongs (partial list, the class's kept
 * empty page, or the pool). Off the hot path. Whether the page is on its
 * class's list is asked of the links (heap_page_unlisted), not inferred
 * from whether it was full: the two agree while the lists are complete
 * (R31, part of the heap invariant), and asking keeps the lists agreeing
 * with the page states (R28) whatever the page's counts say.
 */
/*@ requires HEAP_INV_M(h) && 0 <= i < h->npages && c < SLAB_NUM_CLASSES;
    assigns h->head[0 .. HEAP_LISTS - 1], h->pool_count,
            h->empty[0 .. SLAB_NUM_CLASSES - 1], h->meta[i].state,
            h->links[0 .. h->npages - 1];
    ensures HEAP_INV_M(h);
    ensures h->meta[i].state == PAGE_FREE ||
            h->meta[i].state == \old(h->meta[i].state);
    ensures h->meta[i].used == 0 && \old(h->empty[c]) == HEAP_NO_PAGE ==>
              h->empty[c] == i && h->meta[i].state == \old(h->meta[i].state);
    ensures h->meta[i].used == 0 && \old(h->empty[c]) != HEAP_NO_PAGE ==>
              h->meta[i].state == PAGE_FREE;
    ensures h->meta[i].used > 0 ==> h->meta[i].state == \old(h->meta[i].state);
    ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) &&
            \old(h->meta[i].state) == PAGE_CLASS ==> PAGE_COUNTS_AGREE(h);
    LISTS_ENSURES(lists_kept, \old(LISTS_AGREE(h)) &&
      \old(h->meta[i].state) == PAGE_CLASS && \old(h->meta[i].cls) == c ==>
      LISTS_AGREE(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_moves, CLASS_BYTES_KEPT(h))
    COMPLETE_ENSURES(complete_moves, \old(LISTS_AGREE(h) &&
      LISTS_COMPLETE_BUT(h, i) && page_wants_list(h, i)) &&
      \old(h->meta[i].state) == PAGE_CLASS && \old(h->meta[i].cls) == c ==>
      LISTS_COMPLETE(h))
 */
SLAB_COLD static void class_page_moves(slab_heap *h, int32_t i, uint32_t c)
{
    const page_meta *m = &h->meta[i];
    bool unlisted = heap_page_unlisted(h, HEAP_CLASS(c), i);
    /* For the provers (R31): a page that links to another is listed
     * (CHAINED), and a class-c page heads no list but its class's (R28),
     * so the answer is whether the page is listed. */
    //@ COMPLETE_ASSERT(complete_asked, \at(LISTS_AGREE(h) && LISTS_COMPLETE_BUT(h, i) && h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c, Pre) ==> (unlisted <==> !page_listed(h, i)))
    if (m->used == 0u) {
        if (h->empty[c] == HEAP_NO_PAGE) {
            /* Keep it, on the partial list, as the class's empty page. */
            heap_set_kept(h, c, i);
            if (unlisted) {
                heap_list_push(h, HEAP_CLASS(c), i);
            }
        } else {
            if (!unlisted) {
                heap_list_unlink(h, HEAP_CLASS(c), i);
            }
            /* For the provers (R28): either way the page is now on no
             * list, which giving it to the pool needs. */
            //@ LISTS_ASSERT(lists_off, \at(LISTS_AGREE(h) && h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c, Pre) ==> LISTS_AGREE(h) && PAGE_UNLISTED(h, i))
            //@ COMPLETE_ASSERT(complete_off, \at(LISTS_AGREE(h) && LISTS_COMPLETE_BUT(h, i) && h->meta[i].state == PAGE_CLASS && h->meta[i].cls == c, Pre) ==> LISTS_COMPLETE_BUT(h, i))
            heap_pool_give(h, i);
        }
    } else if (unlisted) {
        heap_list_push(h, HEAP_CLASS(c), i);
    } else {
        /* still on the partial list, where it was */
    }
}

/*
 * Give back live block `off` of class page i and move the page to where it
 * now belongs (class_page_moves). Returns true if the page's count of
 * blocks in use disagreed with its bitmap, so that page_give rebuilt the
 * counts from the bitmap: only a write from outside does that, and the
 * caller reports it.
 */
/*@ requires HEAP_INV_M(h) && 0 <= i < h->npages;
    requires live_at(h, i, off) && h->meta[i].state == PAGE_CLASS;
    assigns CLASS_FREE_WRITES(h, i);
    ensures HEAP_INV_M(h);
    ensures !live_at(h, i, off);
    ensures h->meta[i].used == 0 &&
            \old(h->empty[h->meta[i].cls]) == HEAP_NO_PAGE ==>
              h->empty[h->meta[i].cls] == i && h->meta[i].state == PAGE_CLASS;
    ensures h->meta[i].used == 0 &&
            \old(h->empty[h->meta[i].cls]) != HEAP_NO_PAGE ==>
              h->meta[i].state == PAGE_FREE;
    ensures FREE_FRAME(h, i, off);
    ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h);
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE bool class_free(slab_heap *h, int32_t i, uint32_t off)
{
    page_meta *m = &h->meta[i];
    uint32_t c = m->cls;
    bool was_full = page_is_full(m);
    bool rebuilt;
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): no page's share of the bytes is negative;
     * page i's share, from its fields. */
    //@ ghost bytes_bounds(h);
    //@ ghost page_share_is(h, i);
#endif

    /* For the provers: the words of page i that page_give writes have the
     * C type of the bitmap words of the other pages' entries; this names
     * the separation HEAP_MEM gives, for those words. */
    //@ assert words_apart: \separated(h->pages + (i * SLAB_PAGE_WORDS .. i * SLAB_PAGE_WORDS + SLAB_PAGE_WORDS - 1), h->meta + (0 .. h->npages - 1));
    rebuilt = page_give(m, page_words(h, i), off);
#ifdef SLAB_PROOF_BYTES
    //@ ghost page_share_is(h, i);
#endif
    //@ assert page_ok(&h->meta[i]);
    /* For the provers: page_give wrote page i's entry only, so every other
     * page keeps its fields and hence page_ok. */
    //@ assert others: PAGES_KEPT_BUT(h, i, Pre);
    //@ assert \forall integer q; 0 <= q < h->npages && q != i ==> page_ok{Pre}(&h->meta[q]) ==> page_ok(&h->meta[q]);
    /* For the provers (R23): page i's counts follow its bitmap still
     * (page_give), the other pages' entries are as they were. */
    //@ MARKS_ASSERT(marks_page, page_counted{Pre}(&h->meta[i]) ==> page_counted(&h->meta[i]))
    //@ MARKS_ASSERT(marks_others, \forall integer q; 0 <= q < h->npages && q != i ==> page_counted{Pre}(&h->meta[q]) ==> page_counted(&h->meta[q]))
    /* For the provers: two block starts of a page are a block apart, so
     * they own different granules (FREE_FRAME: the other blocks of page i
     * keep their allocated bits). */
    //@ assert granules_apart: \forall integer o; o != off && block_start(&h->meta[i], o) ==> granule(o) != granule(off);
    /* For the provers: another block of page i live before keeps its
     * bit, so the page still counts a block in use (its invariant: a page
     * that counts none has no block marked). */
    //@ assert others_marked: \forall integer o; o != off && live_at{Pre}(h, i, o) ==> bit_set(&h->meta[i], granule(o)) && h->meta[i].used > 0;
    /* For the provers (R30): only page i's share of the class pages'
     * bytes moved, by one block if its counts agreed, and the sum before
     * held page i's share (the induction over the table,
     * BYTES_WRITE_STEP). */
    /*@ ghost
      BYTES_WRITE_STEP(h, i,
       BYTES_INVARIANT(bytes_held, class_bytes_below{Pre}(h, k_) >=
         (k_ > i ? page_class_bytes{Pre}(h, i) : 0))
       BYTES_INVARIANT(bytes_one_less, \at(page_counted(&h->meta[i]), Pre) ==>
         h->meta[i].used + 1 == \at(h->meta[i].used, Pre))
       BYTES_INVARIANT(bytes_share, \at(page_counted(&h->meta[i]), Pre) ==>
         page_class_bytes(h, i) + h->meta[i].size == page_class_bytes{Pre}(h, i)))
    */
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): page i's share now is not negative, so the
     * counter holds the block's bytes. */
    //@ ghost blocks_bytes_bound(h->meta[i].used, h->meta[i].size);
#endif
    count_free(h, m->size);
    /* For the provers: page_give and count_free wrote no page state and
     * no page counter. */
    //@ assert counts_kept: \at(PAGE_COUNTS_AGREE(h), Pre) ==> PAGE_COUNTS_AGREE(h);
    /* For the provers (R31): page_give wrote page i's block fields only,
     * so the lists and every other page are as they were, and page i has
     * room now; if it had room before, it was listed and still is. */
    //@ COMPLETE_ASSERT(complete_given_back, \at(LISTS_COMPLETE(h), Pre) ==> LISTS_COMPLETE_BUT(h, i) && page_wants_list(h, i) && (page_listed(h, i) <==> \at(page_listed(h, i), Pre)))
    //@ COMPLETE_ASSERT(complete_lists_now, \at(LISTS_AGREE(h), Pre) ==> LISTS_AGREE(h))
    //@ COMPLETE_ASSERT(complete_stays, \at(LISTS_COMPLETE(h), Pre) && !was_full ==> LISTS_COMPLETE(h))
    if (m->used == 0u || was_full) {
        class_page_moves(h, i, c);
    }
    /* For the provers: FREE_FRAME's first clause (a block live now was
     * live before), for the other pages and for page i apart; proved in
     * one piece, one of its goals took 9 s of the 10 s budget. */
    //@ assert live_back_others: \forall integer j, o; j != i && live_at(h, j, o) ==> live_at{Pre}(h, j, o);
    //@ assert live_back_page: \forall integer o; live_at(h, i, o) ==> live_at{Pre}(h, i, o);
    return rebuilt;
}

/*@ requires HEAP_INV(h) && 0 <= i < h->npages;
    requires h->meta[i].state == PAGE_LARGE;
    assigns h->head[HEAP_POOL], h->pool_count,
            h->meta[i .. h->npages - 1], h->links[0 .. h->npages - 1],
            h->large_pages, h->bytes_used;
    ensures HEAP_INV_M(h);
    ensures h->meta[i].state == PAGE_FREE;
    ensures FREE_FRAME(h, i, 0);
    ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h);
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
SLAB_COLD static void large_free(slab_heap *h, int32_t i)
{
    size_t count;
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): the counters have the C type of a page
     * entry's run length, which heap_run_give writes; this names the
     * separation HEAP_MEM gives. */
    //@ BYTES_ASSERT(bytes_apart, \separated(&h->bytes_used, h->meta + (i .. h->npages - 1)) && \separated(&h->large_pages, h->meta + (i .. h->npages - 1)))
    /* ... and no more pages are in large blocks than the heap has. */
    //@ ghost bytes_bounds(h);
#endif
    count = heap_run_give(h, i);
#ifdef SLAB_PROOF_BYTES
    /* For the provers (R30): giving the run back wrote no counter, and the
     * run's pages were counted in large_pages. */
    //@ BYTES_ASSERT(bytes_counters, h->bytes_used == \at(h->bytes_used, Pre) && h->large_pages == \at(h->large_pages, Pre))
    //@ BYTES_ASSERT(bytes_run_counted, \at(PAGE_COUNTS_AGREE(h), Pre) ==> count <= h->large_pages)
#endif
    h->large_pages -= count;
    count_free(h, count * SLAB_PAGE_SIZE);
}

/*
 * class_free, and the report when it had to rebuild the page's counts.
 * A function apart from live_free for the provers: its assigns repeat
 * class_free's, so WP's simplifier alone checks that the two calls write
 * nothing else, and in live_free no call follows class_free. (With the
 * page counts class_free states among the hypotheses, the provers ran out
 * of time on live_free's frame goals for the path on which report does
 * not return.)
 */
/*@ requires HEAP_INV_M(h) && 0 <= i < h->npages;
    requires live_at(h, i, off) && h->meta[i].state == PAGE_CLASS;
    assigns CLASS_FREE_WRITES(h, i), h->fault_count;
    ensures HEAP_INV_M(h);
    ensures !live_at(h, i, off);
    ensures FREE_FRAME(h, i, off);
    ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h);
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE void class_free_reported(slab_heap *h, int32_t i,
                                            uint32_t off)
{
    if (class_free(h, i, off)) {
        /* The block is freed, but its page's count of blocks in use had
         * been overwritten (rebuilt from the bitmap): tell. */
        report(h, SLAB_FAULT_CORRUPT_META, heap_block_ptr(h, i, off));
    }
}

/*@ requires HEAP_INV(h) && live_at(h, i, off);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    ensures !live_at(h, i, off);
    ensures FREE_FRAME(h, i, off);
    ensures page_counts: \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h);
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static SLAB_INLINE void live_free(slab_heap *h, int32_t i, uint32_t off)
{
    if (h->meta[i].state == (uint8_t)PAGE_CLASS) {
        class_free_reported(h, i, off);
    } else {
        large_free(h, i);
    }
}

/* Does the live block at p, of `usable` bytes, fit the layout? */
/*@ assigns \nothing;
    ensures \result <==> is_pow2(align) && ptr_aligned((void *)p, align) &&
                         size <= usable;
 */
static bool layout_fits(const void *p, size_t usable, size_t size, size_t align)
{
    return layout_is_pow2(align) && heap_ptr_aligned(p, align) && size <= usable;
}

/* ---- realloc ------------------------------------------------------------ */

/*
 * Move the live block at p (page i, offset off, usable bytes `usable`) to
 * one of the new layout, or keep it where it is if it fits and is not more
 * than twice the need. The old block is looked up again (d) after the new
 * one is taken, so that the free rests on a check made then.
 */
/*@ requires HEAP_INV(h) && HEAP_ROUTES(h) && live_at(h, i, off) && is_pow2(align);
    assigns HEAP_STATE(h);
    ensures HEAP_INV_M(h);
    REFUSED_ONLY_WITHOUT_ROOM(PTR_REFUSED(h), h, size, align);
    ensures PTR_REFUSED(h) ==> HEAP_UNCHANGED(h, Pre);
    COUNTS_ENSURES(counts_alloc, \old(PAGE_COUNTS_AGREE(h)) ==> PAGE_COUNTS_AGREE(h))
    LISTS_ENSURES(lists_kept, LISTS_KEPT(h))
    COMPLETE_ENSURES(complete_kept, COMPLETE_KEPT(h))
    MARKS_ENSURES(marks_kept, MARKS_KEPT(h))
    BYTES_ENSURES(bytes_kept, BYTES_KEPT(h))
 */
static void *heap_move(slab_heap *h, uintptr_t d, void *p, int32_t i,
                       uint32_t off, size_t size, size_t align)
{
    heap_spot b;
    size_t usable = block_usable(h, i);
    bool fits = layout_fits(p, usable, size, align);
    size_t refusals;
    void *q;

    if (fits && (size >= usable / 2u || usable <= SLAB_GRANULE)) {
        return p;
    }
    refusals = h->oom_count;
    b = heap_alloc(h, size, align);
    if (b.page == HEAP_NO_PAGE) {
        if (fits) {
            /* No room to shrink into: keep p, which fits; not a refusal. */
            h->oom_count = refusals;
            return p;
        }
        return NULL; /* p stays allocated and unchanged */
    }
    /* For the provers: the new block is a block of its page, so its
     * offset is inside the page (one step at a time: the contract of
     * heap_alloc gives the provers much to search). */
    //@ assert new_block: live_at(h, b.page, b.off);
    //@ assert new_page: h->meta[b.page].state == PAGE_CLASS ==> page_ok(&h->meta[b.page]);
    //@ assert new_off: b.off < SLAB_PAGE_SIZE;
    q = heap_block_ptr(h, b.page, b.off);
    heap_copy_bytes(q, p, size < usable ? size : usable);
    if (block_find(h, d, &i, &off) == SLAB_FAULT_NONE) {
        live_free(h, i, off);
    } else {
        /* Only a write from outside the library gets here. */
        report(h, SLAB_FAULT_CORRUPT_META, p);
    }
    return q;
}

/* ---- the public entry points: argument checks and the lock ------------- */

void slab_set_fault_hook(slab_heap *h, slab_fault_hook hook, void *ctx)
{
    if (heap_ok(h)) {
        heap_lock(h);
        heap_set_hook(h, hook, ctx);
        heap_unlock(h);
    }
}

void slab_set_lock(slab_heap *h, slab_lock_fn enter, slab_lock_fn leave, void *ctx)
{
    if (heap_ok(h)) {
        bool both = enter != NULL && leave != NULL;
        h->lock_enter = both ? enter : NULL;
        h->lock_leave = both ? leave : NULL;
        h->lock_ctx = both ? ctx : NULL;
    }
}

void *slab_alloc(slab_heap *h, size_t size, size_t align)
{
    heap_spot b;
    void *p = NULL;
    if (!heap_ok(h)) {
        return NULL;
    }
    heap_lock(h);
    b = heap_alloc(h, size, align);
    if (b.page != HEAP_NO_PAGE) {
        p = heap_block_ptr(h, b.page, b.off);
        //@ ghost slab_ghost_page = b.page;
        //@ ghost slab_ghost_off = b.off;
    }
    heap_unlock(h);
    return p;
}

/*
 * Free by address: anything but a live block is refused and only counted
 * (and reported). The checks are here, not in a helper, so that the proof
 * sees a refused call write nothing but the fault counter.
 */
void slab_free(slab_heap *h, void *p)
{
    int32_t i = 0;
    uint32_t off = 0u;
    slab_fault f;
    if (p == NULL || !heap_ok(h)) {
        return;
    }
    heap_lock(h);
    f = block_find(h, heap_ptr_dist(h, p), &i, &off);
    if (f != SLAB_FAULT_NONE) {
        report(h, f, p);
    } else {
        live_free(h, i, off);
    }
    heap_unlock(h);
}

void slab_free_sized(slab_heap *h, void *p, size_t size, size_t align)
{
    int32_t i = 0;
    uint32_t off = 0u;
    slab_fault f;
    if (p == NULL || !heap_ok(h)) {
        return;
    }
    heap_lock(h);
    f = block_find(h, heap_ptr_dist(h, p), &i, &off);
    if (f == SLAB_FAULT_NONE && !layout_fits(p, block_usable(h, i), size, align)) {
        f = SLAB_FAULT_WRONG_LAYOUT;
    }
    if (f != SLAB_FAULT_NONE) {
        report(h, f, p);
    } else {
        live_free(h, i, off);
    }
    heap_unlock(h);
}

void *slab_realloc(slab_heap *h, void *p, size_t size, size_t align)
{
    void *q = NULL;
    int32_t i = 0;
    uint32_t off = 0u;
    if (!heap_ok(h)) {
        return NULL;
    }
    heap_lock(h);
    if (p == NULL) {
        heap_spot b = heap_alloc(h, size, align);
        if (b.page != HEAP_NO_PAGE) {
            q = heap_block_ptr(h, b.page, b.off);
            //@ ghost slab_ghost_page = b.page;
            //@ ghost slab_ghost_off = b.off;
        }
    } else if (!layout_is_pow2(align)) {
        report(h, SLAB_FAULT_BAD_ALIGN, NULL);
    } else {
        uintptr_t d = heap_ptr_dist(h, p);
        slab_fault f = block_find(h, d, &i, &off);
        if (f != SLAB_FAULT_NONE) {
            report(h, f, p);
        } else {
            q = heap_move(h, d, p, i, off, size, align);
        }
    }
    heap_unlock(h);
    return q;
}

size_t slab_usable_size(const slab_heap *h, const void *p)
{
    int32_t i = 0;
    uint32_t off = 0u;
    size_t n = 0u;
    if (p == NULL || !heap_ok(h)) {
        return 0u;
    }
    heap_lock(h);
    if (block_find(h, heap_ptr_dist(h, p), &i, &off) == SLAB_FAULT_NONE) {
        n = block_usable(h, i);
    }
    heap_unlock(h);
    return n;
}

/*@ assigns \nothing;
    ensures \result != \null;
 */
const char *slab_fault_name(slab_fault kind)
{
    switch (kind) {
    case SLAB_FAULT_NONE:
        return "none";
    case SLAB_FAULT_DOUBLE_FREE:
        return "double free";
    case SLAB_FAULT_INTERIOR:
        return "interior pointer";
    case SLAB_FAULT_FOREIGN:
        return "foreign pointer";
    case SLAB_FAULT_WRONG_LAYOUT:
        return "wrong layout";
    case SLAB_FAULT_BAD_ALIGN:
        return "bad alignment";
    case SLAB_FAULT_CORRUPT_LINK:
        return "corrupt free-list link";
    case SLAB_FAULT_CORRUPT_META:
        return "corrupt page table";
    default:
        return "unknown";
    }
}
