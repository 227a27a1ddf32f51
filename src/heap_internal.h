/*
 * heap_internal.h - the heap's own bookkeeping, shared by the files of src/.
 * Not part of the public API.
 *
 * Arena layout, lowest address first:
 *
 *   [padding to 16] [struct slab_heap] [page_meta x npages] [padding to a
 *   page boundary] [page 0] [page 1] ... [page npages-1] [unused tail]
 *
 * Every page is in exactly one state:
 *   PAGE_FREE        on the pool list (h->head[HEAP_POOL]);
 *   PAGE_CLASS       cut into blocks of class meta.cls; on the class's
 *                    list (h->head[HEAP_CLASS(cls)]) exactly when it has a
 *                    block to hand out; at most one page per class is empty
 *                    (h->empty[cls]), and it stays on the partial list so a
 *                    class that allocates and frees one block in a loop does
 *                    not move pages at all;
 *   PAGE_LARGE       first page of a large block of meta.run pages;
 *   PAGE_LARGE_TAIL  a later page of a large block.
 * Lists link pages by index through links[i].next / links[i].prev, kept
 * in a table of their own beside the page table. Page indices are int32_t
 * (HEAP_NO_PAGE is -1) and the pool count a size_t: types of their own, so
 * that in WP's typed memory model a proof that moves pages between lists
 * never has to show it left the pages' blocks and bitmaps alone;
 * HEAP_NO_PAGE ends them. For the same reason the page count npages is an
 * int64_t, a type no other word of the heap has: every call that writes
 * blocks, bitmaps, lists or counters visibly leaves it alone, so no proof
 * has to re-derive it from the arena's separation.
 */
#ifndef HEAP_INTERNAL_H
#define HEAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "page_block.h"
#include "slab.h"
#include "slab_layout.h"

#define HEAP_NO_PAGE (-1)
/* Most pages a heap may have: page indices are int32_t, -1 means none. */
#define HEAP_MAX_PAGES 0x7FFFFFFFu
/* "SLAB" in ASCII; a heap pointer whose magic differs is refused. */
#define HEAP_MAGIC 0x534C4142u

/* The page lists: the pool of free pages, then one per class holding the
 * class's pages that have a block to hand out. */
#define HEAP_POOL 0u
#define HEAP_CLASS(c) (1u + (uint32_t)(c))
#define HEAP_LISTS (1 + SLAB_NUM_CLASSES)

enum page_state {
    PAGE_FREE = 0,
    PAGE_CLASS = 1,
    PAGE_LARGE = 2,
    PAGE_LARGE_TAIL = 3
};

/* A page's place on the list it is on (pool or class list). */
typedef struct page_link {
    int32_t next;
    int32_t prev;
} page_link;

struct slab_heap {
    uint32_t magic;
    int64_t npages;     /* a type no other heap word has (see above) */
    uint32_t *pages;    /* page i starts at pages + i * SLAB_PAGE_WORDS */
    page_meta *meta;    /* the page table, npages entries */
    page_link *links;   /* list links of the pages, npages entries */
    uintptr_t base;     /* address of page 0 */
    uintptr_t span;     /* bytes in all pages: p is in a page iff
                           (uintptr_t)p - base < span */
    int32_t head[HEAP_LISTS]; /* first page of each page list */
    size_t pool_count;        /* pages on the pool list */
    int32_t empty[SLAB_NUM_CLASSES];   /* the class's empty page, if any */
    size_t bytes_used;  /* usable bytes of live blocks */
    size_t bytes_peak;
    size_t large_pages; /* pages in live large blocks */
    size_t oom_count;
    size_t fault_count;
    slab_fault_hook hook;
    void *hook_ctx;
    slab_lock_fn lock_enter; /* both set, or both NULL */
    slab_lock_fn lock_leave;
    void *lock_ctx;
    uint8_t class_of[SLAB_FAST_SLOTS]; /* fast class look-up, see
                                          layout_fill_fast */
};

#ifdef __FRAMAC__
#include "heap_spec.h"
#endif

/* Take and release the heap's lock, if it has one (slab.c). Every public
 * operation takes it exactly once. They call the user's lock functions,
 * which are outside the proof: their contract is trusted (spec/TRUSTED.md,
 * T11: a lock function does not write the heap's memory). */
/*@ requires \valid_read(h);
    assigns \nothing;
 */
void heap_lock(const slab_heap *h);
/*@ requires \valid_read(h);
    assigns \nothing;
 */
void heap_unlock(const slab_heap *h);

/* Is h a heap made by slab_init? (A NULL or foreign pointer is not.) The
 * magic number is read, so h must be NULL or point to readable memory. */
/*@ requires h == \null || \valid_read(h);
    assigns \nothing;
    ensures \result <==> h != \null && h->magic == HEAP_MAGIC;
 */
static inline bool heap_ok(const slab_heap *h)
{
    return h != NULL && h->magic == HEAP_MAGIC;
}

/*
 * Is i a page of h? Every page index the heap reads from its own
 * bookkeeping (list heads and links, the empty-page table) passes this
 * before it is followed, so damage to those words can lose pages but never
 * make the heap touch memory outside its arena. In a heap only the library
 * wrote, it always holds (HEAP_LINKS in spec/heap_spec.h).
 */
/*@ requires \valid_read(h);
    assigns \nothing;
    ensures \result <==> 0 <= i < h->npages;
 */
static inline bool heap_index_ok(const slab_heap *h, int32_t i)
{
    return i >= 0 && i < h->npages;
}

/* Is the page idle: free, or a class page with no block in use? An idle
 * page can serve any request that needs a page (an empty class page is
 * given back to the pool first). */
/*@ requires \valid_read(m);
    assigns \nothing;
    ensures \result <==> PAGE_IDLE(m);
 */
static inline bool page_idle(const page_meta *m)
{
    return m->state == (uint8_t)PAGE_FREE ||
           (m->state == (uint8_t)PAGE_CLASS && m->used == 0u);
}

/*
 * The O(1) facts about the entry of page i that keep every access the page
 * core makes inside the page, whatever else the entry holds: a class page
 * of class c, its block size the class's, the carved part inside the page,
 * and the first free block inside the carved part. The allocator asks this
 * before it takes a block from, or gives one back to, a class page; in a
 * heap only the library wrote it always holds (PAGE_IN_STATE), so a false
 * answer means the page table was damaged (SLAB_FAULT_CORRUPT_META).
 */
/*@ requires \valid_read(h) && 0 <= i < h->npages;
    requires \valid_read(h->meta + i);
    assigns \nothing;
    ensures \result <==> h->meta[i].state == PAGE_CLASS &&
              h->meta[i].cls == c && c < SLAB_NUM_CLASSES &&
              h->meta[i].size == slab_class_size[c] &&
              h->meta[i].carved <= SLAB_PAGE_SIZE &&
              (h->meta[i].nfree > 0 ==> h->meta[i].head < h->meta[i].carved &&
                 h->meta[i].carved - h->meta[i].head >= h->meta[i].size);
 */
static inline bool heap_class_page_sane(const slab_heap *h, int32_t i,
                                        uint32_t c)
{
    const page_meta *m = &h->meta[i];
    return m->state == (uint8_t)PAGE_CLASS && m->cls == c &&
           c < (uint32_t)SLAB_NUM_CLASSES && m->size == slab_class_size[c] &&
           m->carved <= SLAB_PAGE_SIZE &&
           (m->nfree == 0u ||
            (m->head < m->carved && (uint32_t)m->carved - m->head >= m->size));
}

/* The words of page i. */
/*@ requires \valid_read(h) && 0 <= i < h->npages;
    assigns \nothing;
    ensures \result == h->pages + i * SLAB_PAGE_WORDS;
 */
static inline uint32_t *page_words(const slab_heap *h, int32_t i)
{
    return h->pages + (size_t)i * SLAB_PAGE_WORDS;
}

#endif /* HEAP_INTERNAL_H */
