/*
 * wcet_values.c - the configuration values the audit's loop bounds are
 * written in, printed from the library's own macros (so the pack's numbers
 * follow src/slab_config.h), and the page count slab_init gives a
 * page-aligned 64 KiB and 1 MiB arena. Built and run by audit/audit.py against
 * src/slab_unity.c.
 */
#include <stdio.h>

#include "slab.h"
#include "slab_layout.h"

#include <stdint.h>

/* Room for the arena and for aligning its start to a page. */
static unsigned char buffer[1024u * 1024u + SLAB_PAGE_SIZE];

/* Pages of a heap made of `size` bytes starting at a page boundary. */
static unsigned long npages(size_t size)
{
    uintptr_t a = ((uintptr_t)buffer + SLAB_PAGE_SIZE - 1u) &
                  ~(uintptr_t)(SLAB_PAGE_SIZE - 1u);
    slab_stats st;
    slab_get_stats(slab_init((void *)a, size), &st);
    return (unsigned long)st.pages_total;
}

int main(void)
{
    printf("SLAB_PAGE_SIZE=%lu\n", (unsigned long)SLAB_PAGE_SIZE);
    printf("SLAB_GRANULE=%lu\n", (unsigned long)SLAB_GRANULE);
    printf("SLAB_NUM_CLASSES=%lu\n", (unsigned long)SLAB_NUM_CLASSES);
    printf("SLAB_LARGEST_CLASS=%lu\n", (unsigned long)SLAB_LARGEST_CLASS);
    printf("SLAB_BITMAP_WORDS=%lu\n", (unsigned long)SLAB_BITMAP_WORDS);
    printf("SLAB_FAST_MAX=%lu\n", (unsigned long)SLAB_FAST_MAX);
    printf("SLAB_FAST_SLOTS=%lu\n", (unsigned long)SLAB_FAST_SLOTS);
    printf("SLAB_SIZE_BITS=%lu\n", (unsigned long)SLAB_SIZE_BITS);
    printf("NPAGES_64KIB=%lu\n", npages(64u * 1024u));
    printf("NPAGES_1MIB=%lu\n", npages(1024u * 1024u));
    return 0;
}
