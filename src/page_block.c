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
    ensures \forall integer h; 0 <= h < PAGE_GRANULES && h != g ==>
              (bit_set(m, h) <==> bit_set{Old}(m, h));
 */
static SLAB_INLINE void bit_mark(page_meta *m, uint32_t g)
{
    m->bits[g / 32u] |= (uint32_t)1u << (g % 32u);
}

/*@ requires \valid(m) && g < PAGE_GRANULES;
    assigns m->bits[g / 32];
    ensures !bit_set(m, g);
    ensures \forall integer h; 0 <= h < PAGE_GRANULES && h != g ==>
              (bit_set(m, h) <==> bit_set{Old}(m, h));
 */
static SLAB_INLINE void bit_unmark(page_meta *m, uint32_t g)
{
    m->bits[g / 32u] &= ~((uint32_t)1u << (g % 32u));
}

PAGE_API void page_format(page_meta *m, uint16_t size, uint8_t cls)
{
    m->head = (uint16_t)PAGE_NO_BLOCK;
    m->carved = 0u;
    m->nfree = 0u;
    m->used = 0u;
    m->size = size;
    m->cls = cls;
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
 * SLAB_PAGE_SIZE / 16 steps.
 */
/*@ requires \valid(m) && \valid(words + (0 .. SLAB_PAGE_WORDS - 1));
    requires \separated(m, words + (0 .. SLAB_PAGE_WORDS - 1));
    requires page_shape(m) && bits_past_carved_clear(m);
    assigns m->head, m->nfree, m->used, words[0 .. SLAB_PAGE_WORDS - 1];
    ensures PAGE_OK(m);
 */
SLAB_COLD static void page_rebuild(page_meta *m, uint32_t *words)
{
    uint32_t off = 0u;
    uint16_t nfree = 0u;
    uint16_t used = 0u;
    /*@ loop invariant 0 <= off <= m->carved;
        loop invariant off % m->size == 0;
        loop invariant 16 * (nfree + used) <= off;
        loop invariant \forall integer b; 0 <= b < off && b % m->size == 0 &&
          bit_set(m, granule(b)) ==> used > 0;
        loop invariant nfree > 0 ==>
          block_start(m, m->head) && !bit_set(m, granule(m->head));
        loop assigns off, nfree, used, m->head, words[0 .. SLAB_PAGE_WORDS - 1];
        loop variant m->carved - off;
     */
    while (off < m->carved && (uint32_t)m->carved - off >= m->size) {
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
        bit_mark(m, off / 16u);
        if (m->nfree == 0u) {
            m->head = (uint16_t)PAGE_NO_BLOCK;
        } else {
            uint32_t link = words[off / 4u];
            if (link_ok(m, link)) {
                m->head = (uint16_t)link;
            } else {
                //@ assert block_start(m, off) && bit_set(m, granule(off));
                page_rebuild(m, words);
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
        bit_mark(m, off / 16u);
        return off;
    }
    return PAGE_NO_BLOCK;
}

PAGE_API void page_give(page_meta *m, uint32_t *words, uint32_t off)
{
    words[off / 4u] = (m->nfree > 0u) ? m->head : PAGE_NO_BLOCK;
    m->head = (uint16_t)off;
    m->nfree++;
    m->used--;
    bit_unmark(m, off / 16u);
    if (m->used == 0u && !page_unmarked(m)) {
        /* The count says the page is empty but the bitmap, the authority
         * on what is allocated, still marks a granule: take both counts and
         * the list from the bitmap, as after a bad link. */
        page_rebuild(m, words);
    }
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
