/*
 * slab_inspect_spec.h - contracts of the inspection API (src/slab_inspect.c):
 * slab_check, slab_get_stats, slab_get_page_info, re-declared here with
 * their ACSL contracts. Read only by Frama-C (slab_inspect.c includes it
 * under __FRAMAC__).
 *
 * These functions exist to look at a heap that may have been damaged, so
 * for a heap (the magic number matches) they require only that its memory
 * is valid and separate (HEAP_MEM, spec/heap_spec.h), never the shape
 * invariant: every list walk is bounded and every index read from the
 * bookkeeping is range-checked. slab_check and the page walk of
 * slab_get_stats also accept a heap whose page count was zeroed
 * (INSPECT_MEM), since then no page is read at all. Like every function
 * on a heap, they rely on the class table's sanity (class_table_ok,
 * spec/layout_spec.h), which slab_init checked before it made the heap:
 * the table is constant, so it still holds.
 *
 * Requirements served (spec/REQUIREMENTS.md): R15 (every page index
 * followed is in range), R16 (slab_check says true only if every class
 * page keeps the page invariant).
 */
#ifndef SLAB_INSPECT_SPEC_H
#define SLAB_INSPECT_SPEC_H

/* h is a heap: the magic number check of heap_ok (also in slab_spec.h). */
#ifndef IS_HEAP
#define IS_HEAP(h) ((h) != \null && (h)->magic == HEAP_MAGIC)
#endif

/*@
  // Arithmetic of a page cut into blocks of size s (proved here, used by
  // class_page_ok): a carved length that is a multiple of s is
  // (carved / s) blocks of s bytes ...
  lemma div_exact: \forall integer a, s; s > 0 && a >= 0 && a % s == 0 ==>
    (a / s) * s == a;
  // ... and a block start below it leaves room for a whole block.
  lemma block_fits: \forall integer a, c, s; s > 0 && 0 <= a < c &&
    a % s == 0 && c % s == 0 ==> a + s <= c;
  // Block b of n (b < n) ends inside n blocks.
  lemma block_end: \forall integer b, n, s; s > 0 && 0 <= b < n ==>
    b * s + s <= n * s;
*/

/* What the inspection functions need of a heap: its memory, unless it
 * has no pages at all (then only the header is read). */
#define INSPECT_MEM(h) (\valid(h) && ((h)->npages == 0 || HEAP_MEM(h)))

/* out lies outside the heap's header and tables. */
#define OUT_SEPARATED(h, out)                                               \
    \separated(out, h, (h)->meta + (0 .. (h)->npages - 1),                  \
               (h)->links + (0 .. (h)->npages - 1),                         \
               (h)->pages + (0 .. (h)->npages * SLAB_PAGE_WORDS - 1))

/* Every field of the statistics is zero. */
#define STATS_ZERO(s)                                                        \
    ((s)->capacity == 0 && (s)->page_size == 0 && (s)->pages_total == 0 &&  \
     (s)->pages_free == 0 && (s)->pages_large == 0 &&                       \
     (s)->bytes_used == 0 && (s)->bytes_peak == 0 &&                        \
     (s)->largest_free == 0 && (s)->blocks_used == 0 &&                     \
     (s)->oom_count == 0 && (s)->fault_count == 0 &&                        \
     (\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                    \
        (s)->classes[c_].block_size == 0 && (s)->classes[c_].pages == 0 &&  \
        (s)->classes[c_].blocks_used == 0 &&                                \
        (s)->classes[c_].blocks_free == 0))

/*
 * true only if every page is in a known state and every class page keeps
 * the page invariant for its class's size (HEAP_PAGES), the pages are
 * span bytes from a page-aligned base, the list heads name pages or
 * none, and the heap's counters agree with the page table
 * (HEAP_COUNTERS_AGREE, R25). Reads only.
 */
/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> INSPECT_MEM(h) && class_table_ok;
    assigns \nothing;
    behavior not_a_heap:
      assumes !IS_HEAP(h);
      ensures !\result;
    behavior heap:
      assumes IS_HEAP(h);
      ensures \result ==> h->npages > 0 && HEAP_MEM(h);
      ensures \result ==> h->span == h->npages * SLAB_PAGE_SIZE;
      ensures \result ==> h->base % SLAB_PAGE_SIZE == 0;
      ensures \result ==> HEAP_PAGES(h);
      ensures \result ==> h->bytes_peak >= h->bytes_used;
      ensures \result ==> \forall integer l; 0 <= l < HEAP_LISTS ==>
                page_or_none(h, h->head[l]);
      ensures counters: \result ==> HEAP_COUNTERS_AGREE(h);
    complete behaviors;
    disjoint behaviors;
 */
bool slab_check(const slab_heap *h);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> INSPECT_MEM(h) && class_table_ok;
    requires out != \null ==> \valid(out);
    requires out != \null && IS_HEAP(h) ==> OUT_SEPARATED(h, out);
    behavior no_out:
      assumes out == \null;
      assigns \nothing;
    behavior not_a_heap:
      assumes out != \null && !IS_HEAP(h);
      assigns *out;
      ensures STATS_ZERO(out);
    behavior heap:
      assumes out != \null && IS_HEAP(h);
      assigns *out;
      ensures \forall integer c; 0 <= c < SLAB_NUM_CLASSES ==>
                out->classes[c].pages <= \old(h->npages);
      ensures out->largest_free <= \old(h->npages) * SLAB_PAGE_SIZE;
    complete behaviors;
    disjoint behaviors;
 */
void slab_get_stats(const slab_heap *h, slab_stats *out);

/*@ requires h == \null || \valid_read(h);
    requires IS_HEAP(h) ==> INSPECT_MEM(h) && class_table_ok;
    requires out != \null ==> \valid(out);
    requires out != \null && IS_HEAP(h) ==> OUT_SEPARATED(h, out);
    behavior refused:
      assumes !IS_HEAP(h) || out == \null || index >= h->npages;
      assigns \nothing;
      ensures !\result;
    behavior page:
      assumes IS_HEAP(h) && out != \null && index < h->npages;
      assigns *out;
      ensures \result;
      ensures \old(h->meta[index]).state == PAGE_CLASS ==>
                out->kind == SLAB_PAGE_CLASS &&
                out->block_size == \old(h->meta[index]).size &&
                out->blocks_used == \old(h->meta[index]).used;
      ensures \old(h->meta[index]).state == PAGE_CLASS && out->blocks_free != 0 ==>
                out->blocks_free == \old(h->meta[index]).nfree +
                  (SLAB_PAGE_SIZE - \old(h->meta[index]).carved) / \old(h->meta[index]).size;
      ensures \old(h->meta[index]).state == PAGE_LARGE ==>
                out->kind == SLAB_PAGE_LARGE &&
                out->block_size == (size_t)(\old(h->meta[index]).run * SLAB_PAGE_SIZE) &&
                out->blocks_used == 1 && out->blocks_free == 0;
      ensures \old(h->meta[index]).state == PAGE_LARGE_TAIL ==>
                out->kind == SLAB_PAGE_LARGE_TAIL && out->block_size == 0 &&
                out->blocks_used == 0 && out->blocks_free == 0;
      ensures \old(h->meta[index]).state != PAGE_CLASS &&
              \old(h->meta[index]).state != PAGE_LARGE &&
              \old(h->meta[index]).state != PAGE_LARGE_TAIL ==>
                out->kind == SLAB_PAGE_FREE && out->block_size == 0 &&
                out->blocks_used == 0 && out->blocks_free == 0;
    complete behaviors;
    disjoint behaviors;
 */
bool slab_get_page_info(const slab_heap *h, size_t index, slab_page_info *out);

#endif /* SLAB_INSPECT_SPEC_H */
