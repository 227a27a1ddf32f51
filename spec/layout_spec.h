/*
 * layout_spec.h - ACSL vocabulary of the layout router (src/slab_layout.h).
 *
 * Requirements served (spec/REQUIREMENTS.md): R1 a request goes to the
 * smallest class that fits both its size and its alignment; R2 only powers
 * of two are accepted as alignments.
 */
#ifndef LAYOUT_SPEC_H
#define LAYOUT_SPEC_H

/*@
  // Powers of two, defined by the table rather than by induction, so no
  // prover has to reason about an inductive definition.
  predicate is_pow2(integer a) =
    \exists integer k; 0 <= k < SLAB_SIZE_BITS && a == slab_pow2[k];

  // Class c can serve a request of `size` bytes aligned to `align`.
  predicate class_fits(integer c, integer size, integer align) =
    slab_class_size[c] >= size && slab_class_align[c] >= align;

  // Class c is the one a request of (size, align) goes to (R1): it fits,
  // and no class before it (a smaller one, the table being sorted) does.
  predicate routed_class(integer c, integer size, integer align) =
    0 <= c < SLAB_NUM_CLASSES && class_fits(c, size, align) &&
    \forall integer j; 0 <= j < c ==> !class_fits(j, size, align);

  // The class table is what slab_config.h's static assertions demand
  // (sizes multiples of 4 from 16 to a page, every alignment at least 1)
  // and the fast table can rely on (the largest class covers
  // SLAB_FAST_MAX). layout_table_ok checks it at run time, so the proofs of
  // src/slab.c, which does not see the table's values, may assume it.
  predicate class_entry_ok(integer size, integer align) =
    16 <= size <= SLAB_PAGE_SIZE && size % 4 == 0 && align >= 1;
  predicate class_ok(integer c) =
    class_entry_ok(slab_class_size[c], slab_class_align[c]);
  // A class table given as two arrays of n entries, which is what
  // layout_classes_ok checks (so a test can hand it a bad one).
  predicate classes_ok{L}(uint16_t *size, uint16_t *align, integer n) =
    (\forall integer c; 0 <= c < n ==> class_entry_ok(size[c], align[c])) &&
    size[n - 1] >= SLAB_FAST_MAX;
  predicate class_table_ok =
    (\forall integer c; 0 <= c < SLAB_NUM_CLASSES ==> class_ok(c)) &&
    slab_class_size[SLAB_NUM_CLASSES - 1] >= SLAB_FAST_MAX;

  // Smallest request size of slot k of the fast table: slots of 4 bytes
  // up to SLAB_FAST_FINE, then of 64 bytes (slab_config.h).
  logic integer slot_low(integer k) =
    k == 0 ? 0 :
    k <= SLAB_FAST_FINE / 4 ? 4 * k - 3 :
    SLAB_FAST_FINE + 64 * (k - SLAB_FAST_FINE / 4 - 1) + 1;

  // The fast table: slot k holds the first class whose size is at least
  // the slot's smallest size. A look-up is then the smallest class for
  // any size in the slot; the caller checks it is large enough and
  // aligned enough, and takes the proved scan if not.
  // Slot k may hold class c: the first class whose size covers the
  // slot's smallest size.
  predicate fast_slot_ok(integer k, integer c) =
    c < SLAB_NUM_CLASSES && slab_class_size[c] >= slot_low(k) &&
    (\forall integer j; 0 <= j < c ==> slab_class_size[j] < slot_low(k));
  predicate fast_table_ok{L}(uint8_t *t) =
    \forall integer k; 0 <= k < SLAB_FAST_SLOTS ==> fast_slot_ok(k, t[k]);

  // The alignments the fast path takes without asking layout_is_pow2
  // (1, 2, 4, 8 and 16) are powers of two: the fast path never serves a
  // request whose alignment the scan would refuse.
  predicate fast_aligns_ok =
    is_pow2(1) && is_pow2(2) && is_pow2(4) && is_pow2(8) && is_pow2(16);
*/

#endif /* LAYOUT_SPEC_H */
