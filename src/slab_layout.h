/*
 * slab_layout.h - where a layout (size, alignment) goes.
 *
 * A request goes to the first size class whose block size and natural
 * alignment both cover it; the table is sorted by size, so the first is the
 * smallest. A request no class covers is served as a run of whole pages.
 * Everything here is a pure function of its arguments and two constant
 * tables, and is proved (spec/layout_spec.h).
 */
#ifndef SLAB_LAYOUT_H
#define SLAB_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slab_config.h"

/* cppcheck-suppress misra-c2012-20.9 ; false positive: SIZE_MAX is from <stdint.h> */
#if SIZE_MAX > 0xFFFFFFFFu
#define SLAB_SIZE_BITS 64
#else
#define SLAB_SIZE_BITS 32
#endif

/* Block size of each class, smallest first (SLAB_CLASS_LIST). */
extern const uint16_t slab_class_size[SLAB_NUM_CLASSES];
/* Natural alignment of each class: the largest power of two dividing its
 * size. Blocks of the class are aligned to it, because pages are aligned
 * to the page size and blocks start at multiples of the size. */
extern const uint16_t slab_class_align[SLAB_NUM_CLASSES];
/* The powers of two a size_t can hold: slab_pow2[k] == 2^k. */
extern const size_t slab_pow2[SLAB_SIZE_BITS];

#ifdef __FRAMAC__
#include "layout_spec.h"
#endif

/*
 * Is `a` a power of two? Compares against the table rather than using
 * a & (a - 1), so that the proof needs no lemma about bits; a small
 * alignment (the common case) is found in its first few entries.
 */
/*@ assigns \nothing;
    ensures \result <==> is_pow2(a);
 */
bool layout_is_pow2(size_t a);

/*
 * The class that serves (size, align): the first class whose block size is
 * at least `size` and whose natural alignment is at least `align`, or
 * SLAB_NUM_CLASSES if there is none. size 0 is served like size 1.
 */
/*@ assigns \nothing;
    ensures \result <= SLAB_NUM_CLASSES;
    behavior some_class:
      assumes \exists integer c; 0 <= c < SLAB_NUM_CLASSES &&
              class_fits(c, size, align);
      ensures \result < SLAB_NUM_CLASSES;
      ensures class_fits(\result, size, align);
      ensures \forall integer c; 0 <= c < \result ==>
                !class_fits(c, size, align);
    behavior no_class:
      assumes \forall integer c; 0 <= c < SLAB_NUM_CLASSES ==>
              !class_fits(c, size, align);
      ensures \result == SLAB_NUM_CLASSES;
    complete behaviors;
    disjoint behaviors;
 */
uint32_t layout_class(size_t size, size_t align);

/*
 * Is a class table of n entries (sizes and alignments) one the allocator
 * can use: classes_ok, the facts class_table_ok states of the configured
 * table. layout_table_ok asks it of the configured table; a test asks it
 * of bad tables, so every refusal is shown to work. O(n).
 */
/*@ requires 1 <= n;
    requires \valid_read(size + (0 .. n - 1));
    requires \valid_read(align + (0 .. n - 1));
    assigns \nothing;
    ensures \result <==> classes_ok(size, align, n);
 */
bool layout_classes_ok(const uint16_t *size, const uint16_t *align,
                       uint32_t n);

/*
 * Does the class table satisfy class_table_ok? It always does (the static
 * assertions of slab_config.h check the same at compile time); slab_init
 * asks once, so that the proof of src/slab.c, which is run without the
 * table's values, rests on a check rather than on an assumption.
 * O(classes).
 */
/*@ assigns \nothing;
    ensures \result <==> class_table_ok;
 */
bool layout_table_ok(void);

/*
 * The slot of the fast table a request of `size` bytes looks up: the
 * slot whose range of sizes holds `size` (slot_low(k) up to, not
 * including, slot_low(k + 1)). Two shifts and a test once compiled.
 */
/*@ requires size <= SLAB_FAST_MAX;
    assigns \nothing;
    ensures 0 <= \result < SLAB_FAST_SLOTS;
    ensures slot_low(\result) <= size;
    ensures \result + 1 < SLAB_FAST_SLOTS ==> size < slot_low(\result + 1);
 */
uint32_t layout_slot(size_t size);

/* The smallest request of slot k: what the table's entry for k is built
 * from, and what slab_check checks it against. */
/*@ requires k < SLAB_FAST_SLOTS;
    assigns \nothing;
    ensures \result == slot_low(k) && \result <= SLAB_FAST_MAX;
 */
size_t layout_slot_low(uint32_t k);

/*
 * Fill the look-up table of the fast path: table[k] is the class of the
 * requests of slot k (layout_slot) with no alignment constraint. Built once
 * per heap by slab_init (SLAB_FAST_SLOTS calls of layout_class), so the
 * table is proved, not hand-written, and follows the configured classes.
 */
/*@ requires \valid(table + (0 .. SLAB_FAST_SLOTS - 1));
    requires slab_class_size[SLAB_NUM_CLASSES - 1] >= SLAB_FAST_MAX;
    requires slab_class_align[SLAB_NUM_CLASSES - 1] >= 1;
    assigns table[0 .. SLAB_FAST_SLOTS - 1];
    ensures fast_table_ok(table);
    ensures fast_aligns_ok;
 */
void layout_fill_fast(uint8_t *table);

/*
 * Whole pages needed for `size` bytes: the ceiling of size / page size,
 * computed without any sum that could overflow (SIZE_MAX is fine).
 */
/*@ assigns \nothing;
    ensures \result * SLAB_PAGE_SIZE >= size;
    ensures \result == 0 || (\result - 1) * SLAB_PAGE_SIZE < size;
 */
size_t layout_pages(size_t size);

#endif /* SLAB_LAYOUT_H */
