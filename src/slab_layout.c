/*
 * slab_layout.c - where a layout (size, alignment) goes (see slab_layout.h).
 */
#include "slab_layout.h"

#define SLAB_SIZE_ENTRY_(s) (uint16_t)(s),
#define SLAB_ALIGN_ENTRY_(s) (uint16_t)((uint32_t)(s) & (0u - (uint32_t)(s))),

const uint16_t slab_class_size[SLAB_NUM_CLASSES] = {
    SLAB_CLASS_LIST(SLAB_SIZE_ENTRY_)
};

const uint16_t slab_class_align[SLAB_NUM_CLASSES] = {
    SLAB_CLASS_LIST(SLAB_ALIGN_ENTRY_)
};

#define P2_(k) ((size_t)1u << (k))
#define P2_8_(k) P2_(k), P2_((k) + 1u), P2_((k) + 2u), P2_((k) + 3u),        \
    P2_((k) + 4u), P2_((k) + 5u), P2_((k) + 6u), P2_((k) + 7u)

const size_t slab_pow2[SLAB_SIZE_BITS] = {
    P2_8_(0u), P2_8_(8u), P2_8_(16u), P2_8_(24u)
#if SLAB_SIZE_BITS == 64
    , P2_8_(32u), P2_8_(40u), P2_8_(48u), P2_8_(56u)
#endif
};

bool layout_is_pow2(size_t a)
{
    /*@ loop invariant 0 <= k <= SLAB_SIZE_BITS;
        loop invariant \forall integer j; 0 <= j < k ==> a != slab_pow2[j];
        loop assigns k;
        loop variant SLAB_SIZE_BITS - k;
     */
    for (uint32_t k = 0u; k < (uint32_t)SLAB_SIZE_BITS; k++) {
        if (slab_pow2[k] == a) {
            return true;
        }
    }
    return false;
}

uint32_t layout_class(size_t size, size_t align)
{
    uint32_t c;
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES;
        loop invariant \forall integer j; 0 <= j < c ==>
                         !class_fits(j, size, align);
        loop assigns c;
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        if (slab_class_size[c] >= size && slab_class_align[c] >= align) {
            break;
        }
    }
    return c;
}

bool layout_classes_ok(const uint16_t *size, const uint16_t *align,
                       uint32_t n)
{
    /*@ loop invariant 0 <= c <= n;
        loop invariant \forall integer k; 0 <= k < c ==>
                         class_entry_ok(size[k], align[k]);
        loop assigns c;
        loop variant n - c;
     */
    for (uint32_t c = 0u; c < n; c++) {
        uint32_t s = size[c];
        if (s < 16u || s > SLAB_PAGE_SIZE || s % 4u != 0u || align[c] == 0u) {
            return false;
        }
    }
    return (uint32_t)size[n - 1u] >= (uint32_t)SLAB_FAST_MAX;
}

bool layout_table_ok(void)
{
    return layout_classes_ok(slab_class_size, slab_class_align,
                             (uint32_t)SLAB_NUM_CLASSES);
}

uint32_t layout_slot(size_t size)
{
    if (size <= (size_t)SLAB_FAST_FINE) {
        return (uint32_t)((size + 3u) / 4u);
    }
    return (uint32_t)SLAB_FAST_FINE / 4u +
           (uint32_t)((size - (size_t)SLAB_FAST_FINE + 63u) / 64u);
}

size_t layout_slot_low(uint32_t k)
{
    if (k == 0u) {
        return 0u;
    }
    if (k <= (uint32_t)SLAB_FAST_FINE / 4u) {
        return 4u * (size_t)k - 3u;
    }
    return (size_t)SLAB_FAST_FINE +
           64u * (size_t)(k - (uint32_t)SLAB_FAST_FINE / 4u - 1u) + 1u;
}

void layout_fill_fast(uint8_t *table)
{
    //@ assert \forall integer c; 0 <= c < SLAB_NUM_CLASSES ==> slab_class_align[c] >= 1;
    /*@ loop invariant 0 <= k <= SLAB_FAST_SLOTS;
        loop invariant \forall integer i; 0 <= i < k ==>
          table[i] < SLAB_NUM_CLASSES &&
          slab_class_size[table[i]] >= slot_low(i) &&
          (\forall integer j; 0 <= j < table[i] ==>
             slab_class_size[j] < slot_low(i));
        loop assigns k, table[0 .. SLAB_FAST_SLOTS - 1];
        loop variant SLAB_FAST_SLOTS - k;
     */
    for (uint32_t k = 0u; k < (uint32_t)SLAB_FAST_SLOTS; k++) {
        size_t low = layout_slot_low(k);
        //@ assert class_fits(SLAB_NUM_CLASSES - 1, low, 1);
        table[k] = (uint8_t)layout_class(low, 1u);
    }
}

size_t layout_pages(size_t size)
{
    size_t pages = size / SLAB_PAGE_SIZE;
    if (size % SLAB_PAGE_SIZE != 0u) {
        pages++;
    }
    return pages;
}
