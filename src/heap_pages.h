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

/* Put page i at the front of the list starting at *head. */
void heap_list_push(page_meta *meta, uint32_t *head, uint32_t i);

/* Take page i, which is on the list starting at *head, off it. */
void heap_list_unlink(page_meta *meta, uint32_t *head, uint32_t i);

/* A page from the pool (state unchanged: the caller sets it), or
 * HEAP_NO_PAGE if the pool is empty. O(1). */
uint32_t heap_pool_take(slab_heap *h);

/* Return page i to the pool as PAGE_FREE. O(1). */
void heap_pool_give(slab_heap *h, uint32_t i);

/* Move every class's empty page back to the pool; returns how many moved.
 * O(classes). Used before giving up on a large block. */
uint32_t heap_release_empty(slab_heap *h);

/* Take some class's empty page for another use (it is off all lists when
 * this returns), or HEAP_NO_PAGE. O(classes). */
uint32_t heap_steal_empty(slab_heap *h);

/*
 * First index of `count` consecutive free pages whose first page's address
 * is a multiple of align_pages pages, or HEAP_NO_PAGE. With with_empty,
 * the classes' empty pages count as free too (heap_release_empty would
 * free them). One pass: O(pages).
 */
uint32_t heap_run_find(const slab_heap *h, size_t count, size_t align_pages,
                       bool with_empty);

/* Make the free pages [start, start + count) a large block. O(count). */
void heap_run_take(slab_heap *h, uint32_t start, uint32_t count);

/* Return the large block starting at page `start` to the pool. O(run). */
void heap_run_give(slab_heap *h, uint32_t start);

/* Length of the longest run of pages that are free or an empty class page
 * (what a large request could get after heap_release_empty). O(pages). */
uint32_t heap_longest_run(const slab_heap *h);

#endif /* HEAP_PAGES_H */
