/*
 * page_block.h - the blocks of one class page: format, take, give, status.
 *
 * This is the proved core of the allocator. A class page is SLAB_PAGE_SIZE
 * bytes, seen here as an array of 32-bit words. It is cut into blocks of one
 * size from its start, lazily: `carved` bytes have been cut so far, so
 * formatting a page costs the same whatever its block size. A carved block
 * is either handed out (its bit in `bits` is set) or on the page's free list
 * (bit clear). The free list is intrusive: the first word of a free block
 * holds the byte offset of the next free block. Offsets, not pointers, so
 * that the links live in the same typed memory WP reasons about, and so that
 * a link read back from a free block can be checked (inside the carved part,
 * at a block start, bit clear) before it is trusted.
 *
 * One bit per 16-byte granule: a block of size s >= 16 starting at offset o
 * owns granule o / 16, and two blocks never share one, so the bitmap works
 * for any block size without a division on the hot path.
 *
 * The contracts sit on the declarations below; the predicates they use are
 * in spec/page_spec.h.
 */
#ifndef PAGE_BLOCK_H
#define PAGE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slab_config.h"

/* No block: the end of a free list. No in-page offset can have this value. */
#define PAGE_NO_BLOCK 0xFFFFu

/* Bookkeeping of one page, kept in the page table outside the page. */
typedef struct page_meta {
    size_t run;      /* first page of a large block: pages in the block
                        (a size_t, a type of its own in WP's memory model) */
    uint16_t head;   /* offset of the first free block (valid if nfree > 0) */
    uint16_t carved; /* bytes from the page start cut into blocks */
    uint16_t nfree;  /* blocks on the free list */
    uint16_t used;   /* blocks handed out */
    uint16_t size;   /* block size of the page's class */
    uint8_t state;   /* enum page_state, see heap_internal.h */
    uint8_t cls;     /* class index when state is a class page */
    uint32_t bits[SLAB_BITMAP_WORDS]; /* allocated bit per 16-byte granule */
} page_meta;

/* What a pointer into a class page designates. */
typedef enum page_block_status {
    PAGE_BLOCK_LIVE = 0,     /* a handed-out block: may be freed */
    PAGE_BLOCK_FREE = 1,     /* a block start, but the block is free */
    PAGE_BLOCK_INTERIOR = 2, /* not at a block start, nor can one be there */
    PAGE_BLOCK_UNCARVED = 3  /* beyond the carved part: never handed out */
} page_block_status;

#ifdef __FRAMAC__
#include "page_spec.h"
#endif

/*
 * Linkage of the page core. Empty (external functions) when each file is
 * compiled on its own; slab_unity.c makes them `static inline` so the
 * compiler can fold them into the allocation and free paths.
 */
#ifndef PAGE_API
#define PAGE_API
#endif

/* A small function on the allocation or free path: inline it always (the
 * compiler's size heuristics otherwise keep the call, which here costs as
 * much as the work). */
#ifndef SLAB_INLINE
#if defined(__GNUC__) && !defined(__FRAMAC__)
#define SLAB_INLINE inline __attribute__((always_inline))
#else
#define SLAB_INLINE inline
#endif
#endif

/* A cold path (corruption repair, fault reports): keep it out of line so
 * the hot path it hangs off stays small enough to inline. */
#if defined(__GNUC__) && !defined(__FRAMAC__)
#define SLAB_COLD __attribute__((noinline, cold))
#else
#define SLAB_COLD
#endif

/* Is granule g of the page marked allocated? */
/*@ requires \valid_read(m) && g < PAGE_GRANULES;
    assigns \nothing;
    ensures \result <==> bit_set(m, g);
 */
PAGE_API bool page_bit(const page_meta *m, uint32_t g);

/*
 * Make `m` describe an empty page of blocks of `size` bytes. No block is
 * carved yet, so this takes SLAB_BITMAP_WORDS steps whatever the size.
 * The page's class and state are the page table's to set, not this
 * layer's (heap_page_to_class, src/heap_pages.h): what sets a page's state
 * also keeps the heap's page counts, so this writes neither.
 */
/*@ requires \valid(m);
    requires 16 <= size <= SLAB_PAGE_SIZE && size % 4 == 0;
    assigns m->head, m->carved, m->nfree, m->used, m->size,
            m->bits[0 .. SLAB_BITMAP_WORDS - 1];
    ensures PAGE_OK(m);
    ensures m->size == size;
    ensures m->carved == 0 && m->nfree == 0 && m->used == 0;
    ensures \forall integer g; 0 <= g < PAGE_GRANULES ==> !bit_set(m, g);
    MARKS_CHECK(counted, page_counted(m))
 */
PAGE_API void page_format(page_meta *m, uint16_t size);

/*
 * Hand out one block: the head of the free list if there is one, else a
 * block carved from the uncut rest of the page. Returns its offset, or
 * PAGE_NO_BLOCK if the page is full. The link read from the popped block is
 * checked before it becomes the new head; if it fails the check, the free
 * list is rebuilt from the bitmap (bounded by the blocks in a page) and
 * *repaired is set, so a corrupted link costs time but never safety.
 */
/*@ requires \valid(m) && \valid(repaired);
    requires \valid(words + (0 .. SLAB_PAGE_WORDS - 1));
    requires \separated(m, repaired, words + (0 .. SLAB_PAGE_WORDS - 1));
    requires PAGE_OK(m);
    assigns m->head, m->carved, m->nfree, m->used,
            m->bits[0 .. SLAB_BITMAP_WORDS - 1], *repaired,
            words[0 .. SLAB_PAGE_WORDS - 1];
    ensures PAGE_OK(m);
    MARKS_CHECK(counts_kept, page_counted{Old}(m) ==> page_counted(m))
    ensures m->size == \old(m->size);
    behavior full:
      assumes page_full(m);
      ensures \result == PAGE_NO_BLOCK;
      ensures m->head == \old(m->head) && m->carved == \old(m->carved);
      ensures m->nfree == \old(m->nfree) && m->used == \old(m->used);
      ensures bits_unchanged{Old, Post}(m);
      ensures *repaired == \false;
    behavior room:
      assumes !page_full(m);
      ensures at_block_start: block_start(m, \result);
      ensures was_free: !bit_set{Old}(m, granule(\result));
      ensures now_live: bit_set(m, granule(\result));
      ensures counted: *repaired == \false ==> m->used == \old(m->used) + 1;
      MARKS_CHECK(used_one_more,
        page_counted{Old}(m) ==> m->used == \old(m->used) + 1)
      ensures in_use: m->used > 0;
      ensures carved_grows: m->carved >= \old(m->carved);
      ensures others_kept: \forall integer o; 0 <= o < SLAB_PAGE_SIZE &&
              granule(o) != granule(\result) &&
              bit_set{Old}(m, granule(o)) ==> bit_set(m, granule(o));
    complete behaviors;
    disjoint behaviors;
 */
PAGE_API uint32_t page_take(page_meta *m, uint32_t *words, bool *repaired);

/*
 * Put back a live block: its first word becomes the link to the old head,
 * it becomes the head, its bit is cleared. The caller has checked with
 * page_status that the block is live.
 *
 * When the count of blocks in use drops to zero, the bitmap is checked
 * too (the words holding a carved block's start): a page is only counted
 * empty, and so given back, when no block of it is marked allocated. If a
 * mark is left (the count and the bitmap disagree: never seen in tests or
 * fuzzing, but a stray write to the page table can do it), both counts and
 * the free list are rebuilt from the bitmap, as after a bad link, and the
 * result is true so that the caller can report the damage.
 */
/*@ requires \valid(m) && \valid(words + (0 .. SLAB_PAGE_WORDS - 1));
    requires \separated(m, words + (0 .. SLAB_PAGE_WORDS - 1));
    requires PAGE_OK(m);
    requires block_start(m, off) && bit_set(m, granule(off)) && m->used > 0;
    assigns m->head, m->nfree, m->used, m->bits[0 .. SLAB_BITMAP_WORDS - 1],
            words[0 .. SLAB_PAGE_WORDS - 1];
    ensures PAGE_OK(m);
    MARKS_CHECK(counts_kept, page_counted{Old}(m) ==> page_counted(m))
    ensures counted: !\result ==> m->used == \old(m->used) - 1 &&
                     m->nfree == \old(m->nfree) + 1 && m->head == off;
    ensures rebuilt: \result ==> \old(m->used) == 1;
    MARKS_CHECK(used_one_less,
      page_counted{Old}(m) ==> m->used == \old(m->used) - 1)
    ensures !bit_set(m, granule(off));
    ensures \forall integer g; 0 <= g < PAGE_GRANULES && g != granule(off) ==>
              (bit_set(m, g) <==> bit_set{Old}(m, g));
    COMPLETE_ENSURES(complete_room, !page_full(m))
 */
PAGE_API bool page_give(page_meta *m, uint32_t *words, uint32_t off);

/*
 * Classify offset `off` of a class page: a live block (the only kind that
 * may be freed), a free block (double free), the inside of a block (or the
 * slack at the end of the page, where no block can start), or the part of
 * the page not cut into blocks yet. Constant time.
 */
/*@ requires \valid_read(m) && PAGE_OK(m);
    requires off < SLAB_PAGE_SIZE;
    assigns \nothing;
    ensures \result == PAGE_BLOCK_LIVE <==>
            (block_start(m, off) && bit_set(m, granule(off)) && m->used > 0);
    ensures \result == PAGE_BLOCK_INTERIOR ==>
            off % m->size != 0 || off + m->size > SLAB_PAGE_SIZE;
    ensures \result == PAGE_BLOCK_UNCARVED ==> off + m->size > m->carved;
    ensures \result == PAGE_BLOCK_FREE ==>
            block_start(m, off) && !(bit_set(m, granule(off)) && m->used > 0);
    ensures \result <= PAGE_BLOCK_UNCARVED;
 */
PAGE_API page_block_status page_status(const page_meta *m, uint32_t off);

#endif /* PAGE_BLOCK_H */
