/*
 * heap_arena.h - where a heap's parts go in the arena slab_init is given:
 * the address arithmetic of slab_init, apart from its pointer casts, so
 * that it is proved (spec/arena_spec.h). Addresses are integers here;
 * slab_init (src/slab_edge.c, trusted T12) only turns them into pointers.
 * Not part of the public API.
 *
 * Requirement served (spec/REQUIREMENTS.md): R13 a NULL, wrapping or too
 * small arena is refused.
 */
#ifndef HEAP_ARENA_H
#define HEAP_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slab_config.h"

/*
 * Where the parts of a heap go in an arena of `size` bytes at address
 * `start` (integers: slab_init, in src/slab_edge.c, makes them pointers).
 * The header (header_size bytes, 16-aligned), then the page table: `fit`
 * page entries of meta_size bytes, then `fit` list links of link_size
 * bytes; then npages pages from the first page boundary after the table.
 * The table is sized for every page that fits with its entry, and as many
 * of those pages are used as fit after it (at most max_pages).
 */
typedef struct heap_arena_plan {
    uintptr_t header; /* heap header: the arena's first 16-aligned byte */
    uintptr_t table;  /* page entries: 8-aligned, after the header */
    uintptr_t links;  /* list links: right after the `fit` page entries */
    uintptr_t first;  /* first page: a page boundary after the links */
    size_t fit;       /* entries the table has room for */
    size_t npages;    /* pages: 1 .. fit */
} heap_arena_plan;

#ifdef __FRAMAC__
#include "arena_spec.h"
#endif

/*
 * The arithmetic of slab_init, apart from its pointer casts so that it is
 * proved: no sum wraps, every part lies inside the arena and after the
 * previous one. Refuses (false, *plan untouched) a NULL arena (start 0),
 * one that wraps past the top of the address space, and one too small for
 * the header, an entry and one page; accepts every arena that has room
 * for the header, two entries and two pages, wherever it starts. The
 * struct sizes are arguments, so the proof holds for any target's sizes.
 */
/*@ requires 1 <= header_size <= 65536;
    requires 1 <= meta_size <= 65536 && 1 <= link_size <= 65536;
    requires 2 <= max_pages;
    requires \valid(plan);
    assigns *plan;
    ensures \result ==> ARENA_PLAN_OK(start, size, header_size, meta_size,
                                      link_size, max_pages, plan);
    ensures start == 0 ==> !\result;
    ensures size > UINTPTR_MAX - start ==> !\result;
    ensures size < header_size + meta_size + link_size + SLAB_PAGE_SIZE ==>
              !\result;
    ensures start != 0 && size <= UINTPTR_MAX - start &&
            size >= 16 + header_size + 8 +
                    2 * (meta_size + link_size + SLAB_PAGE_SIZE) ==> \result;
    ensures !\result ==> \at(*plan, Pre) == *plan;
 */
bool heap_arena_layout(uintptr_t start, size_t size, size_t header_size,
                       size_t meta_size, size_t link_size, size_t max_pages,
                       heap_arena_plan *plan);

#endif /* HEAP_ARENA_H */
