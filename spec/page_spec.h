/*
 * page_spec.h - ACSL vocabulary of one class page (src/page_block.h).
 *
 * Read only by Frama-C (included under __FRAMAC__). Written as predicates
 * over the page's bookkeeping `m`; the words of the page itself appear only
 * in the contracts that read or write a link.
 *
 * Requirements this file serves (spec/REQUIREMENTS.md):
 *   R3 a handed-out block lies inside its page's carved part, at a block
 *      start;  R4 a block is never handed out twice (allocated bit);
 *   R6 a link read from a free block is validated before use.
 */
#ifndef PAGE_SPEC_H
#define PAGE_SPEC_H

/*
 * The page invariant.
 *  - the block size is a legal class size;
 *  - the carved part lies in the page, and holds at least one 16-byte
 *    granule per block counted as used or free (so counts cannot overflow);
 *  - while the list is not empty, its head is a free carved block;
 *  - no granule past the carved part is marked;
 *  - a page that counts no block in use has no block start marked: the
 *    count of blocks in use never says "empty" while a block is live, so a
 *    page given back for being empty holds no live block (R19).
 * A macro, so that WP splits it into one goal per conjunct in the page
 * functions' contracts (PAGE_OK); page_ok below is the same formula as a
 * predicate.
 */
#define PAGE_OK_AT(m, L)                                                     \
    (page_shape{L}(m) &&                                                     \
     16 * (\at((m)->used, L) + \at((m)->nfree, L)) <= \at((m)->carved, L) && \
     (\at((m)->nfree, L) > 0 ==>                                             \
        block_start{L}(m, \at((m)->head, L)) &&                              \
        !bit_set{L}(m, granule(\at((m)->head, L)))) &&                       \
     bits_past_carved_clear{L}(m) &&                                         \
     (\at((m)->used, L) == 0 ==> no_block_marked{L}(m)))
#define PAGE_OK(m) PAGE_OK_AT(m, Here)

/*@
  // Bits are kept per 16-byte granule.
  logic integer PAGE_GRANULES = SLAB_PAGE_SIZE / 16;

  // The granule that owns the block starting at byte offset off.
  logic integer granule(integer off) = off / 16;

  // Is granule g marked allocated?
  predicate bit_set{L}(page_meta *m, integer g) =
    ((\at(m->bits[g / 32], L) >> (g % 32)) & 1) != 0;

  // No granule changed between labels A and B.
  predicate bits_unchanged{A, B}(page_meta *m) =
    \forall integer w; 0 <= w < SLAB_BITMAP_WORDS ==>
      \at(m->bits[w], A) == \at(m->bits[w], B);

  // off is the start of a carved block of the page.
  predicate block_start{L}(page_meta *m, integer off) =
    0 <= off && off + \at(m->size, L) <= \at(m->carved, L) &&
    off % \at(m->size, L) == 0;

  // Nothing left to hand out: no free block and no room to carve one.
  predicate page_full{L}(page_meta *m) =
    \at(m->nfree, L) == 0 &&
    \at(m->carved, L) + \at(m->size, L) > SLAB_PAGE_SIZE;

  // Stepping from one block start to the next stays on block starts.
  lemma mod_step: \forall integer a, b; b > 0 && a >= 0 && a % b == 0 ==>
    (a + b) % b == 0;

  // Two block starts less than a block apart are the same block: a loop
  // that steps over the blocks visits every block start in its range.
  lemma block_step: \forall integer a, b, s; s > 0 && a >= 0 && a % s == 0 &&
    b >= 0 && b % s == 0 && b < a + s ==> b <= a;

  // An all-zero word has no bit set.
  lemma zero_word_no_bit: \forall integer k; 0 <= k < 32 ==> ((0 >> k) & 1) == 0;

  // The shape every function on a page relies on, invariant or not.
  predicate page_shape{L}(page_meta *m) =
    16 <= \at(m->size, L) <= SLAB_PAGE_SIZE && \at(m->size, L) % 4 == 0 &&
    \at(m->carved, L) <= SLAB_PAGE_SIZE &&
    \at(m->carved, L) % \at(m->size, L) == 0;

  // No granule past the carved part is marked.
  predicate bits_past_carved_clear{L}(page_meta *m) =
    \forall integer g; \at(m->carved, L) / 16 <= g < PAGE_GRANULES ==>
      !bit_set{L}(m, g);


  // No block start of the page has its allocated bit set.
  predicate no_block_marked{L}(page_meta *m) =
    \forall integer o; block_start{L}(m, o) ==> !bit_set{L}(m, granule(o));

  // The page invariant as one predicate, for the heap's invariant over all
  // pages (spec/heap_spec.h), where it must stay opaque; its body is
  // PAGE_OK below.
  predicate page_ok{L}(page_meta *m) = PAGE_OK_AT(m, L);
*/

/*
 * The counting half of the page's bookkeeping (R23): `used` is the number
 * of carved block starts marked allocated, and `used + nfree` the number of
 * carved blocks. The count is a function of the bitmap's words as values,
 * not of the page through a pointer: a page whose eight words did not
 * change keeps its count by plain equality of arguments, with no induction
 * over the blocks. Written for 4 KiB pages (eight bitmap words), the
 * configuration the proofs run on; another page size stops the proof here.
 */
#if SLAB_PAGE_SHIFT != 12 || SLAB_GRANULE != 16
#error "spec/page_spec.h: the block count is written for 8 bitmap words"
#endif
#define PAGE_BITS_AT(m, L)                                                   \
    \at((m)->bits[0], L), \at((m)->bits[1], L), \at((m)->bits[2], L),       \
    \at((m)->bits[3], L), \at((m)->bits[4], L), \at((m)->bits[5], L),       \
    \at((m)->bits[6], L), \at((m)->bits[7], L)
#define PAGE_BITS(m) PAGE_BITS_AT(m, Here)
/* The same words in ghost C code (where \at is not allowed), and the same
 * words saved in ghost variables w0 .. w7 (PAGE_GHOST_SAVE declares them). */
#define PAGE_BITS_C(m)                                                       \
    (m)->bits[0], (m)->bits[1], (m)->bits[2], (m)->bits[3], (m)->bits[4],   \
    (m)->bits[5], (m)->bits[6], (m)->bits[7]
#define PAGE_GHOST_SAVE(m)                                                   \
    uint32_t w0 = (m)->bits[0], w1 = (m)->bits[1], w2 = (m)->bits[2],       \
             w3 = (m)->bits[3], w4 = (m)->bits[4], w5 = (m)->bits[5],       \
             w6 = (m)->bits[6], w7 = (m)->bits[7]
#define PAGE_GHOST_SAVED w0, w1, w2, w3, w4, w5, w6, w7

/* Every granule but g has the bit it had before the call, read both as
 * bit_set (for the page invariant) and as bitmap_bit (for the count): what
 * setting or clearing granule g's bit leaves. The name h_ is bound here. */
#define OTHER_BITS_KEPT(m, g)                                                \
    ((\forall integer h_; 0 <= h_ < PAGE_GRANULES && h_ != (g) ==>          \
        (bit_set(m, h_) <==> bit_set{Old}(m, h_))) &&                        \
     (\forall integer h_; 0 <= h_ < PAGE_GRANULES && h_ != (g) ==>          \
        bitmap_bit(PAGE_BITS(m), h_) == bitmap_bit(PAGE_BITS_AT(m, Old), h_)))

/*@
  // Word w of a bitmap given as its eight words' values.
  logic integer bitmap_word(integer w0, integer w1, integer w2, integer w3,
                            integer w4, integer w5, integer w6, integer w7,
                            integer w) =
    w == 0 ? w0 : w == 1 ? w1 : w == 2 ? w2 : w == 3 ? w3 :
    w == 4 ? w4 : w == 5 ? w5 : w == 6 ? w6 : w7;

  // Granule g's bit in that bitmap: 1 if marked, else 0 (bit_set, over
  // values).
  logic integer bitmap_bit(integer w0, integer w1, integer w2, integer w3,
                           integer w4, integer w5, integer w6, integer w7,
                           integer g) =
    (bitmap_word(w0, w1, w2, w3, w4, w5, w6, w7, g / 32) >> (g % 32)) & 1;

  // How many of the blocks of s bytes that start below offset o are
  // marked: blocks are counted from the page's start, one step of s each.
  logic integer marks(integer w0, integer w1, integer w2, integer w3,
                      integer w4, integer w5, integer w6, integer w7,
                      integer s, integer o) =
    (o <= 0 || s <= 0) ? 0 :
      marks(w0, w1, w2, w3, w4, w5, w6, w7, s, o - s) +
      bitmap_bit(w0, w1, w2, w3, w4, w5, w6, w7, (o - s) / 16);

  // How many blocks of s bytes start below offset o.
  logic integer blocks(integer s, integer o) =
    (o <= 0 || s <= 0) ? 0 : blocks(s, o - s) + 1;

  // The page's counts agree with its bitmap: the blocks in use are the
  // marked carved blocks, and the blocks in use and on the free list are
  // all the carved blocks.
  predicate page_counted{L}(page_meta *m) =
    \at(m->used, L) ==
      marks(PAGE_BITS_AT(m, L), \at(m->size, L), \at(m->carved, L)) &&
    \at(m->used, L) + \at(m->nfree, L) ==
      blocks(\at(m->size, L), \at(m->carved, L));
*/

/*
 * R23 in the heap invariant: every class page's counts agree with its
 * bitmap (PAGES_COUNTED, spec/heap_spec.h). The page functions prove that
 * they make or keep page_counted as `check ensures` in the page layer's
 * main run (given to no caller: as plain ensures, their extra facts made
 * goals of src/slab.c that need none of them time out). Every function
 * that writes a page's counts, bitmap or state is proved to keep
 * PAGES_COUNTED in runs of their own, `core-marks` and `api-marks`
 * (Makefile), which define SLAB_PROOF_MARKS and prove only the clauses
 * and loop invariants written with these macros (their names start with
 * marks_), the way R28 is proved (LISTS_ENSURES, spec/heap_spec.h). The
 * other runs do not see them, so their goals are as they were. MARKS_CHECK
 * is a clause the main run proves as `check ensures` and the marks runs
 * give to callers.
 */
#ifdef SLAB_PROOF_MARKS
#define MARKS_ENSURES(name, ...) ensures name: __VA_ARGS__;
#define MARKS_INVARIANT(name, ...) loop invariant name: __VA_ARGS__;
#define MARKS_ASSERT(name, ...) assert name: __VA_ARGS__;
#else
#define MARKS_ENSURES(name, ...)
#define MARKS_INVARIANT(name, ...)
#define MARKS_ASSERT(name, ...) assert 1 == 1;
#endif
/* List completeness (R31, spec/heap_spec.h) is proved the same way, in
 * the runs `core-complete` and `api-complete`, which define
 * SLAB_PROOF_COMPLETE and prove only the clauses, loop invariants and
 * assertions written with these macros (their names start with
 * complete_). */
#ifdef SLAB_PROOF_COMPLETE
#define COMPLETE_ENSURES(name, ...) ensures name: __VA_ARGS__;
#define COMPLETE_INVARIANT(name, ...) loop invariant name: __VA_ARGS__;
#define COMPLETE_ASSERT(name, ...) assert name: __VA_ARGS__;
#else
#define COMPLETE_ENSURES(name, ...)
#define COMPLETE_INVARIANT(name, ...)
#define COMPLETE_ASSERT(name, ...) assert 1 == 1;
#endif
/* The byte count's runs (SLAB_PROOF_BYTES, spec/heap_spec.h) take the
 * exact count steps too: a block taken or given back moves its page's
 * share of the bytes by one block. */
#if defined(SLAB_PROOF_MARKS) || defined(SLAB_PROOF_BYTES)
#define MARKS_CHECK(name, ...) ensures name: __VA_ARGS__;
#else
#define MARKS_CHECK(name, ...) check ensures name: __VA_ARGS__;
#endif

#endif /* PAGE_SPEC_H */
