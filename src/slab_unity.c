/*
 * slab_unity.c - the whole library as one translation unit.
 *
 * The Makefile builds libslab.a from this file so that the compiler can
 * inline the page core (page_take, page_give, page_status) into the API
 * functions: on the allocation fast path a call costs as much as the work.
 * Each included file also compiles, and is proved, on its own; a firmware
 * build may compile either this file or the seven separately.
 */
#define PAGE_API static SLAB_INLINE
#include "page_block.h"
#include "page_block.c"
#include "slab_layout.c"
#include "heap_arena.c"
#include "heap_pages.c"
#include "slab_edge.c"
#include "slab.c"
#include "slab_inspect.c"
