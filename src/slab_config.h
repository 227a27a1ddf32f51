/*
 * slab_config.h - compile-time configuration of the slab heap.
 *
 * Every setting has a default below. To change one, either define it on the
 * compiler's command line (-DSLAB_PAGE_SHIFT=11) or write your own header and
 * name it with -DSLAB_CONFIG_HEADER='"my_slab_config.h"'; that header is read
 * first, so whatever it defines wins over the defaults.
 *
 * Impossible combinations stop the build (see the static assertions at the
 * end of this file), so a configuration that compiles is one the proofs and
 * tests cover.
 */
#ifndef SLAB_CONFIG_H
#define SLAB_CONFIG_H

#ifdef SLAB_CONFIG_HEADER
#include SLAB_CONFIG_HEADER
#endif

/*
 * Page size as a power of two. The arena is cut into pages of this size;
 * a page belongs to one size class at a time, or is part of a large run, or
 * is free. In-page offsets are stored in 16 bits, hence at most 2^15.
 */
#ifndef SLAB_PAGE_SHIFT
#define SLAB_PAGE_SHIFT 12
#endif

/*
 * Size classes, smallest first, as an X-macro: SLAB_CLASS_LIST(X) applies X
 * to each class size in bytes. Each size must be a multiple of 4, at least
 * 16 and at most the page size, and larger than the one before it (both
 * checked below at compile time).
 *
 * The default list grows by at most 4/3 from one class to the next, so a
 * request of 16 bytes or more that lands in class c wastes less than a
 * quarter of the block: (c - request) / c < 1 - 3/4 (README, "Waste").
 * A block of class c is aligned to the largest power of two dividing c
 * (its natural alignment), because pages are page-aligned and blocks sit at
 * multiples of c inside their page.
 */
#ifndef SLAB_CLASS_LIST
/* cppcheck-suppress misra-c2012-20.7 ; D2: X-macro, X names a macro, not an expression */
#define SLAB_CLASS_LIST(X)                                                    \
    X(16) X(20) X(24) X(32) X(40) X(48) X(64) X(80) X(96) X(128) X(160)       \
    X(192) X(256) X(320) X(384) X(512) X(640) X(768) X(1024) X(1280)          \
    X(1536) X(2048) X(2560) X(3072) X(4096)
#endif

/*
 * SLAB_CHECKS=1 (default) keeps every misuse check: double, interior,
 * foreign and wrong-size frees are refused and reported. There is no
 * unchecked mode of the public API; the setting exists so that an
 * integrator can see in the configuration header that checks are on.
 */
#ifndef SLAB_CHECKS
#define SLAB_CHECKS 1
#endif

/* ---- derived values, not meant to be changed ---------------------------- */

#define SLAB_PAGE_SIZE ((uint32_t)1u << SLAB_PAGE_SHIFT)
/* Minimum block size; also the granule of the per-page allocated bitmap. */
#define SLAB_GRANULE 16u
#define SLAB_PAGE_WORDS (SLAB_PAGE_SIZE / 4u)
#define SLAB_BITMAP_WORDS (SLAB_PAGE_SIZE / SLAB_GRANULE / 32u)

/* ---- static assertions on impossible configurations --------------------- */

#define SLAB_STATIC_ASSERT(cond, name) \
    typedef char slab_static_assert_##name[(cond) ? 1 : -1]

SLAB_STATIC_ASSERT(SLAB_PAGE_SHIFT >= 9 && SLAB_PAGE_SHIFT <= 15,
                   page_shift_between_9_and_15);
#define SLAB_COUNT_ONE_(s) +1
enum { SLAB_NUM_CLASSES = 0 SLAB_CLASS_LIST(SLAB_COUNT_ONE_) };
SLAB_STATIC_ASSERT(SLAB_NUM_CLASSES >= 1 && SLAB_NUM_CLASSES <= 64,
                   between_1_and_64_classes);

/* The largest class: the list is increasing, so it is the last entry
 * (each entry adds "*0 + (s)", which keeps only the last one). */
#define SLAB_LAST_ONE_(s) *0 + (s)
enum { SLAB_LARGEST_CLASS = 0 SLAB_CLASS_LIST(SLAB_LAST_ONE_) };

/*
 * The fast path: a request of any class size (alignment up to 16) finds
 * its class with one look-up in a per-heap table, never a scan of the
 * class list. The table has one slot per 4 bytes of request up to
 * SLAB_FAST_FINE, then one per 64 bytes up to the largest class
 * (layout_slot): 125 slots for the default list. A slot holds the first
 * class that covers the slot's smallest request, which is the smallest
 * class for every request in the slot when each class above
 * SLAB_FAST_FINE is a multiple of 64 (the default list's are). With
 * another list, a request its slot's class is too small for takes the
 * scan instead: slower, never wrong.
 */
enum {
    SLAB_FAST_FINE = SLAB_LARGEST_CLASS < 256 ? SLAB_LARGEST_CLASS : 256,
    SLAB_FAST_MAX = SLAB_LARGEST_CLASS,
    SLAB_FAST_SLOTS = SLAB_FAST_FINE / 4 + 1 +
                      (SLAB_FAST_MAX - SLAB_FAST_FINE + 63) / 64
};

#define SLAB_CHECK_CLASS_(s)                                                  \
    SLAB_STATIC_ASSERT((s) >= 16 && (s) % 4 == 0 && (s) <= SLAB_PAGE_SIZE,   \
                       class_##s##_is_a_multiple_of_4_from_16_to_page_size);
SLAB_CLASS_LIST(SLAB_CHECK_CLASS_)

/* Sizes strictly increasing: the list becomes the chain
 * "0 < (s1)) && ((s1) < (s2)) && ... && ((sn) < 0x7FFFFFFF". */
#define SLAB_ASCENDING_(s) (s)) && ((s) <
SLAB_STATIC_ASSERT(((0 < SLAB_CLASS_LIST(SLAB_ASCENDING_) 0x7FFFFFFF)),
                   class_sizes_increase);
SLAB_STATIC_ASSERT(SLAB_CHECKS == 1, checks_are_always_on);

#endif /* SLAB_CONFIG_H */
