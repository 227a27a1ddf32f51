/*
 * page_block.c - the blocks of one class page (see page_block.h).
 */
#include "page_block.h"

/*
 * Bit helpers. Granule g lives in word g / 32 at bit g % 32; written with
 * division and remainder by constants, which the provers handle, rather
 * than shifts and masks.
 */

PAGE_API bool page_bit(const page_meta *m, uint32_t g)
{
    return ((m->bits[g / 32u] >> (g % 32u)) & 1u) != 0u;
}

/*@ requires \valid(m) && g < PAGE_GRANULES;
    assigns m->bits[g / 32];
    ensures bit_set(m, g);
    ensures OTHER_BITS_KEPT(m, g);
    ensures bitmap_bit(PAGE_BITS(m), g) == 1;
 */
static SLAB_INLINE void bit_mark(page_meta *m, uint32_t g)
{
    m->bits[g / 32u] |= (uint32_t)1u << (g % 32u);
}

/*@ requires \valid(m) && g < PAGE_GRANULES;
    assigns m->bits[g / 32];
    ensures !bit_set(m, g);
    ensures OTHER_BITS_KEPT(m, g);
    ensures bitmap_bit(PAGE_BITS(m), g) == 0;
 */
static SLAB_INLINE void bit_unmark(page_meta *m, uint32_t g)
{
    m->bits[g / 32u] &= ~((uint32_t)1u << (g % 32u));
    //@ assert bitmap_word(PAGE_BITS(m), g / 32) == m->bits[g / 32];
}

PAGE_API void page_format(page_meta *m, uint16_t size)
{
    m->head = (uint16_t)PAGE_NO_BLOCK;
    m->carved = 0u;
    m->nfree = 0u;
    m->used = 0u;
    m->size = size;
    /*@ loop invariant 0 <= w <= SLAB_BITMAP_WORDS;
        loop invariant \forall integer j; 0 <= j < w ==> m->bits[j] == 0;
        loop assigns w, m->bits[0 .. SLAB_BITMAP_WORDS - 1];
        loop variant SLAB_BITMAP_WORDS - w;
     */
    for (uint32_t w = 0u; w < SLAB_BITMAP_WORDS; w++) {
        m->bits[w] = 0u;
    }
}

/*
 * Lemma functions for the count of marked blocks (page_counted,
 * spec/page_spec.h). Ghost code: not compiled, called only from other
 * ghost statements; WP proves their contracts like any function's, and a
 * call hands the caller the contract. They exist because the count is
 * defined block by block (recursively) and the provers do not reason by
 * induction: the loop in marks_one_more is the induction, written out.
 */

/*@ ghost
  /@ requires \valid_read(m) && g < PAGE_GRANULES;
     assigns \nothing;
     ensures bit_set(m, g) ==> bitmap_bit(PAGE_BITS(m), g) == 1;
     ensures !bit_set(m, g) ==> bitmap_bit(PAGE_BITS(m), g) == 0;
   @/
  static void bit_value(const page_meta *m, uint32_t g)
  {
    /@ assert bitmap_word(PAGE_BITS(m), g / 32) == m->bits[g / 32]; @/
  }
*/

/* Bitmap b is bitmap a with granule r's bit, a block start, set: below
 * any block boundary `end`, b counts one more marked block than a if the
 * block at r is below end, else as many. */
/*@ ghost
  /@ requires 16 <= s <= SLAB_PAGE_SIZE;
     requires r % s == 0 && r + s <= SLAB_PAGE_SIZE;
     requires end <= SLAB_PAGE_SIZE && end % s == 0;
     requires bitmap_bit(a0, a1, a2, a3, a4, a5, a6, a7, granule(r)) == 0;
     requires bitmap_bit(b0, b1, b2, b3, b4, b5, b6, b7, granule(r)) == 1;
     requires \forall integer g; 0 <= g < PAGE_GRANULES && g != granule(r) ==>
       bitmap_bit(b0, b1, b2, b3, b4, b5, b6, b7, g) ==
       bitmap_bit(a0, a1, a2, a3, a4, a5, a6, a7, g);
     assigns \nothing;
     ensures marks(b0, b1, b2, b3, b4, b5, b6, b7, s, end) ==
             marks(a0, a1, a2, a3, a4, a5, a6, a7, s, end) + (r < end ? 1 : 0);
   @/
  static void marks_one_more(uint32_t a0, uint32_t a1, uint32_t a2,
                             uint32_t a3, uint32_t a4, uint32_t a5,
                             uint32_t a6, uint32_t a7,
                             uint32_t b0, uint32_t b1, uint32_t b2,
                             uint32_t b3, uint32_t b4, uint32_t b5,
                             uint32_t b6, uint32_t b7,
                             uint32_t s, uint32_t r, uint32_t end)
  {
    uint32_t o = 0u;
    /@ loop invariant 0 <= o <= end && o % s == 0;
       loop invariant marks(b0, b1, b2, b3, b4, b5, b6, b7, s, o) ==
         marks(a0, a1, a2, a3, a4, a5, a6, a7, s, o) + (r < o ? 1 : 0);
       loop assigns o;
       loop variant end - o;
     @/
    while (o < end) {
      /@ assert o + s <= end; @/
      /@ assert o < r ==> o + s <= r; @/
      /@ assert o != r ==> granule(o) != granule(r); @/
      /@ assert granule(o) < PAGE_GRANULES; @/
      o += s;
    }
  }
*/

/*
 * Is `link`, a value read from the first word of a free block, the offset
 * of a free carved block of this page? Written so no sum can overflow: the
 * value may be anything a stray write left there.
 */
/*@ requires \valid_read(m) && page_shape(m);
    assigns \nothing;
    ensures \result <==> block_start(m, link) && !bit_set(m, granule(link));
 */
static SLAB_INLINE bool link_ok(const page_meta *m, uint32_t link)
{
    if (link >= m->carved) {
        return false;
    }
    if ((uint32_t)m->carved - link < m->size) {
        return false;
    }
    if (link % m->size != 0u) {
        return false;
    }
    return !page_bit(m, link / 16u);
}

/*
 * Rebuild the free list from the bitmap after a bad link: every carved
 * block whose bit is clear goes on the list, and both counts are taken
 * from the bitmap, which is the authority on what is allocated. At most
 * SLAB_PAGE_SIZE / 16 steps. words_kept says what the assigns clause
 * already implies, as one fact over the eight bitmap words: without it,
 * a caller's goal on the block count had to tell every bitmap word from
 * the page's words written here (Z3 8.6 s on page_give's marks_less_kept,
 * and a time-out from an empty cache).
 */
/*@ requires \valid(m) && \valid(words + (0 .. SLAB_PAGE_WORDS - 1));
    requires \separated(m, words + (0 .. SLAB_PAGE_WORDS - 1));
    requires page_shape(m) && bits_past_carved_clear(m);
    assigns m->head, m->nfree, m->used, words[0 .. SLAB_PAGE_WORDS - 1];
    ensures PAGE_OK(m);
    ensures page_counted(m);
    ensures bits_kept: \forall integer g; 0 <= g < PAGE_GRANULES ==>
              (bit_set(m, g) <==> bit_set{Old}(m, g));
    ensures words_kept: bits_unchanged{Old, Here}(m);
    COMPLETE_ENSURES(complete_some_free, \forall integer b;
      block_start(m, b) && !bit_set(m, granule(b)) ==> m->nfree > 0)
 */
SLAB_COLD static void page_rebuild(page_meta *m, uint32_t *words)
{
    uint32_t off = 0u;
    uint16_t nfree = 0u;
    uint16_t used = 0u;
    /*@ loop invariant 0 <= off <= m->carved;
        loop invariant off % m->size == 0;
        loop invariant 16 * (nfree + used) <= off;
        loop invariant used == marks(PAGE_BITS(m), m->size, off);
        loop invariant nfree + used == blocks(m->size, off);
        loop invariant \forall integer b; 0 <= b < off && b % m->size == 0 &&
          bit_set(m, granule(b)) ==> used > 0;
        COMPLETE_INVARIANT(complete_some_free, \forall integer b;
          0 <= b < off && b % m->size == 0 && !bit_set(m, granule(b)) ==>
          nfree > 0)
        loop invariant nfree > 0 ==>
          block_start(m, m->head) && !bit_set(m, granule(m->head));
        loop assigns off, nfree, used, m->head, words[0 .. SLAB_PAGE_WORDS - 1];
        loop variant m->carved - off;
     */
    while (off < m->carved && (uint32_t)m->carved - off >= m->size) {
        //@ ghost bit_value(m, off / 16u);
        if (page_bit(m, off / 16u)) {
            used++;
        } else {
            words[off / 4u] = (nfree > 0u) ? m->head : PAGE_NO_BLOCK;
            m->head = (uint16_t)off;
            nfree++;
            /*@ assert bits_unchanged{LoopCurrent, Here}(m) &&
                       !bit_set(m, granule(off)); */
        }
        //@ assert off + m->size <= m->carved;
        //@ assert (off + m->size) % m->size == 0;
        //@ assert (uint32_t)(off + m->size) == off + m->size;
        off += m->size;
        //@ assert off % m->size == 0;
    }
    //@ assert off == m->carved;
    m->nfree = nfree;
    m->used = used;
    if (nfree == 0u) {
        m->head = (uint16_t)PAGE_NO_BLOCK;
    }
}

/*
 * Is no block start of the page marked? The check page_give makes before
 * it lets a page count no block in use. Reads only the bitmap words that
 * hold a carved block's start (one word covers 32 granules, 512 bytes), so
 * a page with few blocks carved, or with blocks of 512 bytes or more each
 * in a word of their own, costs a word or two, not the whole bitmap.
 */
/*@ requires \valid_read(m) && page_shape(m);
    assigns \nothing;
    ensures \result ==> no_block_marked(m);
 */
static SLAB_INLINE bool page_unmarked(const page_meta *m)
{
    /*@ loop invariant 0 <= w <= SLAB_BITMAP_WORDS;
        loop invariant \forall integer j; 0 <= j < w ==> m->bits[j] == 0;
        loop assigns w;
        loop variant SLAB_BITMAP_WORDS - w;
     */
    for (uint32_t w = 0u;
         w < SLAB_BITMAP_WORDS && w * 512u + m->size <= m->carved; w++) {
        if (m->bits[w] != 0u) {
            return false;
        }
    }
    return true;
}

PAGE_API uint32_t page_take(page_meta *m, uint32_t *words, bool *repaired)
{
    uint32_t off;
    *repaired = false;
    if (m->nfree > 0u) {
        off = m->head;
        m->nfree--;
        m->used++;
        //@ ghost bit_value(m, off / 16u);
        //@ ghost PAGE_GHOST_SAVE(m);
        bit_mark(m, off / 16u);
        /*@ ghost marks_one_more(PAGE_GHOST_SAVED, PAGE_BITS_C(m), m->size,
                                 off, m->carved); */
        if (m->nfree == 0u) {
            m->head = (uint16_t)PAGE_NO_BLOCK;
        } else {
            uint32_t link = words[off / 4u];
            if (link_ok(m, link)) {
                m->head = (uint16_t)link;
            } else {
                //@ assert block_start(m, off) && bit_set(m, granule(off));
                /* For the provers: the bitmap counts one block more than
                 * at entry (marks_one_more above), and the rebuild takes
                 * the count from it (used_one_more). */
                /*@ assert marks_more: marks(PAGE_BITS(m), m->size, m->carved) ==
                      marks(PAGE_BITS_AT(m, Pre), \at(m->size, Pre), \at(m->carved, Pre)) + 1; */
                page_rebuild(m, words);
                /*@ assert marks_more_kept: marks(PAGE_BITS(m), m->size, m->carved) ==
                      marks(PAGE_BITS_AT(m, Pre), \at(m->size, Pre), \at(m->carved, Pre)) + 1; */
                //@ assert rebuilt_used: m->used == marks(PAGE_BITS(m), m->size, m->carved);
                /*@ assert rebuilt_more: page_counted{Pre}(m) ==>
                      m->used == \at(m->used, Pre) + 1; */
                //@ assert bit_set(m, granule(off)) && block_start(m, off);
                *repaired = true;
            }
        }
        return off;
    }
    if ((uint32_t)m->carved + m->size <= SLAB_PAGE_SIZE) {
        off = m->carved;
        /* For the provers: the new carved end is still a block boundary. */
        //@ assert carve_step: (off + m->size) % m->size == 0;
        m->carved = (uint16_t)(m->carved + m->size);
        m->used++;
        /* For the provers: the shape holds before the bit is marked (with
         * the bit's frame in the context they time out on it). */
        //@ assert carved_shape: page_shape(m);
        //@ ghost bit_value(m, off / 16u);
        //@ ghost PAGE_GHOST_SAVE(m);
        bit_mark(m, off / 16u);
        /*@ ghost marks_one_more(PAGE_GHOST_SAVED, PAGE_BITS_C(m), m->size,
                                 off, off); */
        return off;
    }
    return PAGE_NO_BLOCK;
}

PAGE_API bool page_give(page_meta *m, uint32_t *words, uint32_t off)
{
    words[off / 4u] = (m->nfree > 0u) ? m->head : PAGE_NO_BLOCK;
    m->head = (uint16_t)off;
    m->nfree++;
    m->used--;
    //@ ghost bit_value(m, off / 16u);
    //@ ghost PAGE_GHOST_SAVE(m);
    bit_unmark(m, off / 16u);
    if (m->used == 0u && !page_unmarked(m)) {
        /* The count says the page is empty but the bitmap, the authority
         * on what is allocated, still marks a granule: take both counts and
         * the list from the bitmap, as after a bad link. */
        /*@ assert last: \at(m->used, Pre) == 1 &&
              !bit_set(m, granule(off)) &&
              \forall integer g; 0 <= g < PAGE_GRANULES &&
                g != granule(off) ==> (bit_set(m, g) <==> bit_set{Pre}(m, g));
         */
        /* The bitmap before counts one block more than now: with counts
         * that agreed with it, the rebuilt count is one less than before
         * (used_one_less), as on the common path. What page_rebuild
         * needs is stated first, before the count's recursive definition
         * comes into the provers' context. */
        //@ assert rebuild_ready: page_shape(m) && bits_past_carved_clear(m);
        /*@ ghost marks_one_more(PAGE_BITS_C(m), PAGE_GHOST_SAVED, m->size,
                                 off, m->carved); */
        /*@ assert marks_less: marks(PAGE_BITS(m), m->size, m->carved) + 1 ==
              marks(PAGE_BITS_AT(m, Pre), \at(m->size, Pre), \at(m->carved, Pre)); */
        page_rebuild(m, words);
        /*@ assert marks_less_kept: marks(PAGE_BITS(m), m->size, m->carved) + 1 ==
              marks(PAGE_BITS_AT(m, Pre), \at(m->size, Pre), \at(m->carved, Pre)); */
        //@ assert rebuilt_used: m->used == marks(PAGE_BITS(m), m->size, m->carved);
        /*@ assert rebuilt_less: page_counted{Pre}(m) ==>
              m->used == \at(m->used, Pre) - 1; */
        return true;
    }
    /* For the provers: the postconditions other than the count, stated
     * before the count's lemma brings its recursive definition into the
     * context (with it there, they time out). */
    /*@ assert given: PAGE_OK(m) && m->head == off &&
          m->used == \at(m->used, Pre) - 1 &&
          m->nfree == \at(m->nfree, Pre) + 1 && !bit_set(m, granule(off)) &&
          off < m->carved &&
          \forall integer g; 0 <= g < PAGE_GRANULES && g != granule(off) ==>
            (bit_set(m, g) <==> bit_set{Pre}(m, g)); */
    /*@ ghost marks_one_more(PAGE_BITS_C(m), PAGE_GHOST_SAVED, m->size,
                             off, m->carved); */
    return false;
}

PAGE_API page_block_status page_status(const page_meta *m, uint32_t off)
{
    if (off % m->size != 0u || SLAB_PAGE_SIZE - off < m->size) {
        return PAGE_BLOCK_INTERIOR;
    }
    if (off >= m->carved || (uint32_t)m->carved - off < m->size) {
        return PAGE_BLOCK_UNCARVED;
    }
    if (page_bit(m, off / 16u) && m->used > 0u) {
        return PAGE_BLOCK_LIVE;
    }
    return PAGE_BLOCK_FREE;
}
