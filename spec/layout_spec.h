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
*/

#endif /* LAYOUT_SPEC_H */
