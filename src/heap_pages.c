/*
 * heap_pages.c - page lists, the page pool and runs of pages
 * (see heap_pages.h).
 */
#include "heap_pages.h"

void heap_list_push(page_meta *meta, uint32_t *head, uint32_t i)
{
    uint32_t old = *head;
    meta[i].prev = HEAP_NO_PAGE;
    meta[i].next = old;
    if (old != HEAP_NO_PAGE) {
        meta[old].prev = i;
    }
    *head = i;
}

void heap_list_unlink(page_meta *meta, uint32_t *head, uint32_t i)
{
    uint32_t prev = meta[i].prev;
    uint32_t next = meta[i].next;
    if (prev == HEAP_NO_PAGE) {
        *head = next;
    } else {
        meta[prev].next = next;
    }
    if (next != HEAP_NO_PAGE) {
        meta[next].prev = prev;
    }
    meta[i].prev = HEAP_NO_PAGE;
    meta[i].next = HEAP_NO_PAGE;
}

uint32_t heap_pool_take(slab_heap *h)
{
    uint32_t i = h->pool_head;
    if (i != HEAP_NO_PAGE) {
        heap_list_unlink(h->meta, &h->pool_head, i);
        h->pool_count--;
    }
    return i;
}

void heap_pool_give(slab_heap *h, uint32_t i)
{
    h->meta[i].state = (uint8_t)PAGE_FREE;
    h->meta[i].run = 0u;
    heap_list_push(h->meta, &h->pool_head, i);
    h->pool_count++;
}

uint32_t heap_release_empty(slab_heap *h)
{
    uint32_t moved = 0u;
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        uint32_t i = h->empty[c];
        if (i != HEAP_NO_PAGE) {
            heap_list_unlink(h->meta, &h->partial[c], i);
            h->empty[c] = HEAP_NO_PAGE;
            heap_pool_give(h, i);
            moved++;
        }
    }
    return moved;
}

uint32_t heap_steal_empty(slab_heap *h)
{
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        uint32_t i = h->empty[c];
        if (i != HEAP_NO_PAGE) {
            heap_list_unlink(h->meta, &h->partial[c], i);
            h->empty[c] = HEAP_NO_PAGE;
            return i;
        }
    }
    return HEAP_NO_PAGE;
}

/*
 * The first index at or after `from` whose page address is a multiple of
 * align_pages pages. align_pages is a power of two, so the page number's
 * remainder is found with a mask.
 */
static size_t first_aligned(const slab_heap *h, size_t from, size_t align_pages)
{
    uintptr_t number = (h->base / SLAB_PAGE_SIZE) + from;
    uintptr_t rem = number & (uintptr_t)(align_pages - 1u);
    return rem == 0u ? from : from + (size_t)(align_pages - rem);
}

/* Is page i free, or (if with_empty) its class's empty page? */
static bool page_available(const slab_heap *h, size_t i, bool with_empty)
{
    const page_meta *m = &h->meta[i];
    if (m->state == (uint8_t)PAGE_FREE) {
        return true;
    }
    return with_empty && m->state == (uint8_t)PAGE_CLASS &&
           h->empty[m->cls] == i;
}

uint32_t heap_run_find(const slab_heap *h, size_t count, size_t align_pages,
                       bool with_empty)
{
    size_t run_start = 0u;
    size_t want = 0u; /* first aligned index in the current run */
    bool in_run = false;
    if (count == 0u || (!with_empty && count > h->pool_count)) {
        return HEAP_NO_PAGE;
    }
    for (size_t i = 0u; i < h->npages; i++) {
        if (!page_available(h, i, with_empty)) {
            in_run = false;
            continue;
        }
        if (!in_run) {
            in_run = true;
            run_start = i;
            want = first_aligned(h, run_start, align_pages);
        }
        if (want <= i && i - want + 1u >= count) {
            return (uint32_t)want;
        }
    }
    return HEAP_NO_PAGE;
}

void heap_run_take(slab_heap *h, uint32_t start, uint32_t count)
{
    for (uint32_t j = start; j - start < count; j++) {
        heap_list_unlink(h->meta, &h->pool_head, j);
        h->meta[j].state = (uint8_t)PAGE_LARGE_TAIL;
        h->meta[j].run = 0u;
    }
    h->pool_count -= count;
    h->meta[start].state = (uint8_t)PAGE_LARGE;
    h->meta[start].run = count;
}

void heap_run_give(slab_heap *h, uint32_t start)
{
    uint32_t count = h->meta[start].run;
    for (uint32_t j = start; j - start < count; j++) {
        heap_pool_give(h, j);
    }
}

uint32_t heap_longest_run(const slab_heap *h)
{
    uint32_t best = 0u;
    uint32_t len = 0u;
    for (uint32_t i = 0u; i < h->npages; i++) {
        const page_meta *m = &h->meta[i];
        bool usable = m->state == (uint8_t)PAGE_FREE ||
                      (m->state == (uint8_t)PAGE_CLASS && m->used == 0u);
        len = usable ? len + 1u : 0u;
        if (len > best) {
            best = len;
        }
    }
    return best;
}
