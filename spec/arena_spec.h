/*
 * arena_spec.h - ACSL vocabulary of the arena layout (src/heap_arena.h).
 *
 * Read only by Frama-C. Requirement served (spec/REQUIREMENTS.md): R13.
 */
#ifndef ARENA_SPEC_H
#define ARENA_SPEC_H

/* A heap's layout in the arena [start, start + size) (heap_arena_layout):
 * header, page entries, list links and pages in that order, none
 * overlapping the next, all inside the arena; the header 16-aligned, the
 * table 8-aligned, the pages on page boundaries; 1 <= npages <= fit <=
 * maxp entries; and no page that would fit after the table left out. A
 * macro, so that WP proves each conjunct as a goal of its own. */
#define ARENA_PLAN_OK(start, size, hsize, msize, lsize, maxp, p)            \
    ((start) <= (p)->header && (p)->header % 16 == 0 &&                     \
     (p)->header + (hsize) <= (p)->table && (p)->table % 8 == 0 &&          \
     1 <= (p)->npages <= (p)->fit <= (maxp) &&                              \
     (p)->links == (p)->table + (p)->fit * (msize) &&                       \
     (p)->links + (p)->fit * (lsize) <= (p)->first &&                       \
     (p)->first % SLAB_PAGE_SIZE == 0 &&                                    \
     (p)->first + (p)->npages * SLAB_PAGE_SIZE <= (start) + (size) &&       \
     ((p)->npages == (p)->fit ||                                            \
      (p)->first + ((p)->npages + 1) * SLAB_PAGE_SIZE > (start) + (size)))

#endif /* ARENA_SPEC_H */
