/*
 * heap_arena.c - where a heap's parts go in an arena (see heap_arena.h).
 */
#include "heap_arena.h"

/*
 * How many pages, each with its page entry (meta_size) and list link
 * (link_size), fit in `room` bytes, at most cap; with the bytes of their
 * entries and of entries and links together. Counted one page at a time,
 * so that every fact of the proof is linear (a quotient and a product of
 * two unknowns are not); slab_init's cost is O(pages) anyway.
 */
/*@ requires 1 <= meta_size <= 65536 && 1 <= link_size <= 65536;
    requires \valid(meta_bytes) && \valid(entry_bytes);
    requires \separated(meta_bytes, entry_bytes);
    assigns *meta_bytes, *entry_bytes;
    ensures \result <= cap;
    ensures *meta_bytes == \result * meta_size;
    ensures *entry_bytes == *meta_bytes + \result * link_size;
    ensures *entry_bytes + \result * SLAB_PAGE_SIZE <= room;
    ensures *meta_bytes <= *entry_bytes;
    ensures \result >= 1 ==> *entry_bytes >= meta_size + link_size;
    ensures \result == cap ||
            room < *entry_bytes + \result * SLAB_PAGE_SIZE +
                   meta_size + link_size + SLAB_PAGE_SIZE;
    ensures room >= 2 * (meta_size + link_size + SLAB_PAGE_SIZE) && cap >= 2 ==>
              \result >= 2;
 */
static size_t heap_arena_fit(uintptr_t room, size_t meta_size,
                             size_t link_size, size_t cap,
                             uintptr_t *meta_bytes, uintptr_t *entry_bytes)
{
    const size_t per_page = meta_size + link_size + (size_t)SLAB_PAGE_SIZE;
    size_t fit = 0u;
    uintptr_t meta = 0u;  /* fit entries */
    uintptr_t entries = 0u; /* fit entries and links */
    uintptr_t used = 0u;  /* fit entries, links and pages */
    /*@ loop invariant 0 <= fit <= cap;
        loop invariant meta == fit * meta_size;
        loop invariant entries == meta + fit * link_size;
        loop invariant used == entries + fit * SLAB_PAGE_SIZE;
        loop invariant used <= room;
        loop invariant meta <= entries;
        loop invariant fit >= 1 ==> entries >= meta_size + link_size;
        loop invariant fit == 0 ==> used == 0;
        loop invariant fit == 1 ==> used == per_page;
        loop assigns fit, meta, entries, used;
        loop variant cap - fit;
     */
    while (fit < cap && room - used >= per_page) {
        fit++;
        meta += meta_size;
        entries += meta_size + link_size;
        used += per_page;
    }
    *meta_bytes = meta;
    *entry_bytes = entries;
    return fit;
}

bool heap_arena_layout(uintptr_t start, size_t size, size_t header_size,
                       size_t meta_size, size_t link_size, size_t max_pages,
                       heap_arena_plan *plan)
{
    /* the header rounded up to 8 bytes, so the table after it is aligned */
    const size_t header = (header_size + 7u) / 8u * 8u;
    uintptr_t end;
    uintptr_t at;
    uintptr_t table;
    uintptr_t meta_bytes;
    uintptr_t entry_bytes;
    uintptr_t first;
    size_t fit;
    size_t npages;

    /* (an arena starting in the last page of the address space is too
     * small anyway; refusing it keeps the rounding below from wrapping) */
    if (start == 0u || size > UINTPTR_MAX - start ||
        start > UINTPTR_MAX - SLAB_PAGE_SIZE) {
        return false; /* NULL, or past the top of the address space */
    }
    end = start + size;
    at = (start + 15u) / 16u * 16u;
    //@ assert start <= at < start + 16 && at % 16 == 0;
    //@ assert header_size <= header < header_size + 8 && header % 8 == 0;
    if (at > end || header > end - at) {
        return false;
    }
    table = at + header;
    /* Room for `fit` pages with their entries; the pages start at the
     * first page boundary after the entries, which wastes less than a
     * page, so at least fit - 1 of them fit. */
    fit = heap_arena_fit(end - table, meta_size, link_size, max_pages,
                         &meta_bytes, &entry_bytes);
    if (fit == 0u) {
        return false;
    }
    first = (table + entry_bytes + (SLAB_PAGE_SIZE - 1u)) / SLAB_PAGE_SIZE *
            SLAB_PAGE_SIZE;
    //@ assert table + entry_bytes <= first < table + entry_bytes + SLAB_PAGE_SIZE;
    //@ assert first % SLAB_PAGE_SIZE == 0;
    npages = (size_t)((end - first) / SLAB_PAGE_SIZE);
    //@ assert npages * SLAB_PAGE_SIZE <= end - first < (npages + 1) * SLAB_PAGE_SIZE;
    if (npages > fit) {
        npages = fit;
    }
    if (npages == 0u) {
        return false;
    }
    plan->header = at;
    plan->table = table;
    plan->links = table + meta_bytes;
    plan->first = first;
    plan->fit = fit;
    plan->npages = npages;
    return true;
}
