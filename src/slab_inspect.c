/*
 * slab_inspect.c - reading the heap without changing it: the invariant
 * check, statistics and the page map (see slab.h).
 *
 * slab_check re-derives every fact the allocator relies on from the page
 * table and the free blocks, so a test, a watchdog or an auditor can ask
 * "is this heap sound?" at any time. Every walk is bounded by the page
 * count or the blocks in a page, so a corrupted list cannot make it loop.
 *
 * Contracts (spec/slab_inspect_spec.h): safe on any heap whose memory is
 * valid (HEAP_MEM), however damaged its bookkeeping; slab_check says true
 * only if every page is in a known state and every class page keeps the
 * page invariant (HEAP_PAGES). Proved in the `inspect` WP run of the
 * Makefile.
 */
#include "heap_pages.h"

#ifdef __FRAMAC__
#include "slab_inspect_spec.h"
#endif

/* The class sizes, as the proofs below use them (from the constant table
 * slab_class_size and the configuration's static assertions). */
#define CLASS_SIZES_IN_PAGE                                                  \
    ((\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                    \
        16 <= slab_class_size[c_]) &&                                        \
     (\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                    \
        slab_class_size[c_] <= SLAB_PAGE_SIZE))
#define CLASS_SIZES_OK                                                       \
    (CLASS_SIZES_IN_PAGE &&                                                  \
     (\forall integer c_; 0 <= c_ < SLAB_NUM_CLASSES ==>                    \
        slab_class_size[c_] % 4 == 0))

/* Granules g' < g of page m hold no set bit at or past the carved part. */
#define BITS_CLEAR_BELOW(m, g)                                               \
    (\forall integer g_; (m)->carved / 16 <= g_ < (g) ==> !bit_set(m, g_))

/*
 * Blocks of `size` bytes in the first `carved` bytes of a page, or
 * UINT32_MAX if `carved` is not a whole number of them.
 */
/*@ requires 16 <= size <= SLAB_PAGE_SIZE && carved <= SLAB_PAGE_SIZE;
    assigns \nothing;
    ensures \result == UINT32_MAX <==> carved % size != 0;
    ensures \result != UINT32_MAX ==> \result == carved / size &&
              \result * size == carved && 16 * \result <= carved;
 */
static uint32_t page_blocks(uint32_t carved, uint32_t size)
{
    if (carved % size != 0u) {
        return UINT32_MAX;
    }
    //@ assert carved == (carved / size) * size;
    return carved / size;
}

/*
 * Is granule g the granule of the start of one of the first `blocks`
 * blocks of `size` bytes? (The one block that can start in it is the
 * first at or after its first byte.)
 */
/*@ requires 16 <= size <= SLAB_PAGE_SIZE && g < PAGE_GRANULES;
    requires blocks * size <= SLAB_PAGE_SIZE;
    assigns \nothing;
    ensures \result ==> 16 * (g + 1) <= blocks * size;
 */
static bool granule_starts_block(uint32_t g, uint32_t size, uint32_t blocks)
{
    uint32_t off = g * SLAB_GRANULE;
    uint32_t b = (off + size - 1u) / size;
    if (b >= blocks) {
        return false;
    }
    //@ assert b_end: b * size + size <= blocks * size;
    return b * size / SLAB_GRANULE == g;
}

/*
 * One class page: shape, bitmap (bits only at block starts, `used` of
 * them), free list (exactly nfree distinct free blocks). "nfree links,
 * each to an unmarked carved block, then the end" rules out a repeat:
 * a block's successor is its link, so a walk that met a block twice
 * would go round the same blocks for ever and never read the end. The
 * page has exactly nfree unmarked carved blocks (blocks - used), so the
 * list holds each of them once.
 * True only if the page keeps the page invariant for its class's size.
 */
/*@ requires HEAP_MEM(h) && 0 <= i < h->npages && class_table_ok;
    assigns \nothing;
    ensures \result ==> h->meta[i].cls < SLAB_NUM_CLASSES &&
              h->meta[i].size == slab_class_size[h->meta[i].cls];
    ensures \result ==> h->meta[i].used + h->meta[i].nfree ==
              h->meta[i].carved / h->meta[i].size;
    ensures \result ==> PAGE_OK(&h->meta[i]);
 */
static bool class_page_ok(const slab_heap *h, int32_t i)
{
    const page_meta *m = &h->meta[i];
    const uint32_t *words = page_words(h, i);
    uint32_t size = m->size;
    uint32_t blocks;
    uint32_t marked = 0u;
    uint32_t link;

    //@ assert CLASS_SIZES_OK;
    if (m->cls >= (uint32_t)SLAB_NUM_CLASSES || size != slab_class_size[m->cls] ||
        m->carved > SLAB_PAGE_SIZE) {
        return false;
    }
    blocks = page_blocks(m->carved, size);
    if (blocks == UINT32_MAX) {
        return false;
    }
    //@ assert page_shape(m);
    if ((uint32_t)m->used + m->nfree != blocks) {
        return false;
    }
    /* The granules, each once: a bit is set only at the granule of a
     * carved block's start. */
    /*@ loop invariant 0 <= g <= PAGE_GRANULES && marked <= g;
        loop invariant BITS_CLEAR_BELOW(m, g);
        loop invariant none_yet: marked == 0 ==>
          \forall integer k; 0 <= k < g ==> !bit_set(m, k);
        loop assigns g, marked;
        loop variant PAGE_GRANULES - g;
     */
    for (uint32_t g = 0u; g < SLAB_PAGE_SIZE / SLAB_GRANULE; g++) {
        if (page_bit(m, g)) {
            if (!granule_starts_block(g, size, blocks)) {
                return false;
            }
            //@ assert g_carved: g < m->carved / 16;
            marked++;
        }
    }
    if (marked != m->used) {
        return false;
    }
    //@ assert idle_unmarked: m->used == 0 ==> no_block_marked(m);
    /* At most nfree links, each checked before it is followed. */
    link = m->nfree > 0u ? m->head : PAGE_NO_BLOCK;
    /*@ loop invariant 0 <= k <= m->nfree;
        loop invariant k == 0 ==> link == (m->nfree > 0 ? m->head : PAGE_NO_BLOCK);
        loop invariant k > 0 ==> m->head < m->carved &&
                         m->head % m->size == 0 && !bit_set(m, granule(m->head));
        loop assigns k, link;
        loop variant m->nfree - k;
     */
    for (uint32_t k = 0u; k < m->nfree; k++) {
        if (link >= m->carved || link % size != 0u ||
            page_bit(m, link / SLAB_GRANULE)) {
            return false;
        }
        link = words[link / 4u];
    }
    //@ assert head_fits: m->nfree > 0 ==> m->head + m->size <= m->carved;
    return link == PAGE_NO_BLOCK;
}

/* Bytes a sound class page hands out: its blocks in use times its block
 * size, at most a page. A step of its own, over the page's figures as
 * values, so that the product's bound is proved apart from the page walk
 * of heap_check, whose context hides it from the provers. The page's free
 * count and carved bytes, which only the bound needs, are ghost
 * parameters: the compiled function takes two. */
/*@ requires 16 <= size <= SLAB_PAGE_SIZE && carved <= SLAB_PAGE_SIZE;
    requires used + nfree == carved / size;
    assigns \nothing;
    ensures \result == used * size && \result <= SLAB_PAGE_SIZE;
 */
static size_t class_page_bytes(uint32_t used, uint32_t size)
    /*@ ghost (uint32_t nfree, uint32_t carved) */
{
    //@ assert used_carved: used <= carved / size;
    //@ assert used_whole: used * size <= carved;
    return (size_t)used * size;
}

/* What list_count returns for a list that is not well formed. */
#define LIST_BAD UINT32_MAX

/*
 * Pages on the list starting at `head`, all in `state` (and, for a class
 * list, of class `cls` and not full), each one's back link naming the one
 * before: their number, or LIST_BAD. The walk stops after npages pages, so
 * a cycle cannot make it loop.
 */
/*@ requires INSPECT_MEM(h);
    assigns \nothing;
    ensures \result == LIST_BAD || \result <= h->npages;
    ensures \result != LIST_BAD ==> page_or_none(h, head);
 */
static uint32_t list_count(const slab_heap *h, int32_t head, uint8_t state,
                           uint32_t cls)
{
    int32_t prev = HEAP_NO_PAGE;
    int32_t i = head;
    uint32_t n = 0u;
    /*@ loop invariant 0 <= n <= h->npages;
        loop invariant n == 0 ==> i == head;
        loop invariant n > 0 ==> 0 <= head < h->npages;
        loop assigns i, prev, n;
        loop variant h->npages - n;
     */
    while (i != HEAP_NO_PAGE) {
        const page_meta *m;
        if (i < 0 || i >= h->npages || (int64_t)n >= h->npages) {
            return LIST_BAD;
        }
        m = &h->meta[i];
        if (m->state != state || h->links[i].prev != prev) {
            return LIST_BAD;
        }
        if (state == (uint8_t)PAGE_CLASS &&
            (m->cls != cls ||
             (m->nfree == 0u && (uint32_t)m->carved + m->size > SLAB_PAGE_SIZE))) {
            return LIST_BAD;
        }
        prev = i;
        i = h->links[i].next;
        n++;
    }
    return n;
}

/* How many of page i's two links name a page (0, 1 or 2). */
/*@ requires INSPECT_MEM(h) && h->npages > 0 && i < h->npages;
    assigns \nothing;
    ensures \result <= 2;
 */
static uint32_t page_links(const slab_heap *h, uint32_t i)
{
    uint32_t n = 0u;
    if (h->links[i].prev != HEAP_NO_PAGE) {
        n++;
    }
    if (h->links[i].next != HEAP_NO_PAGE) {
        n++;
    }
    return n;
}

/* The links a well formed list of n pages holds: 2 (n - 1), none if n
 * is 0 (each page but the first names the one before, each but the last
 * the one after). */
/*@ requires n <= HEAP_MAX_PAGES;
    assigns \nothing;
    ensures \result == (n == 0 ? 0 : 2 * (n - 1));
 */
static uint32_t list_links(uint32_t n)
{
    return n == 0u ? 0u : 2u * (n - 1u);
}

/* Pages q with i < q < j are tail pages. */
#define TAILS_BETWEEN(h, i, j)                                               \
    (\forall integer q_; (i) < q_ < (j) ==>                                 \
        (h)->meta[q_].state == PAGE_LARGE_TAIL)

/* Pages below i are in a known state, class pages keeping page_ok. */
#define PAGES_BELOW(h, i)                                                    \
    (\forall integer p_; 0 <= p_ < (i) ==> PAGE_IN_STATE(h, p_))

/*
 * The whole invariant, read from the header, the page table and the free
 * blocks: O(pages + blocks), every walk bounded.
 *
 * The lists (R28, R31): each list walk checks that its pages are distinct
 * (a page's back link names the page before it), of the list's kind and,
 * on a class list, not full; the pool must hold as many pages as are free
 * and class c's list as many as c has pages with room, so each holds all
 * of them. That leaves the pages on no list, which the library asks
 * whether they are listed by their links (heap_page_unlisted): a well
 * formed list of n pages holds 2 (n - 1) links, so the page table may hold
 * no other link. `links` counts the link fields that name a page, over
 * every page, and each list walk takes its own off.
 */
/*@ requires INSPECT_MEM(h) && class_table_ok;
    assigns \nothing;
    ensures \result ==> h->npages > 0 && HEAP_MEM(h);
    ensures \result ==> h->span == h->npages * SLAB_PAGE_SIZE;
    ensures \result ==> h->base % SLAB_PAGE_SIZE == 0;
    ensures \result ==> HEAP_PAGES(h);
    ensures \result ==> h->bytes_peak >= h->bytes_used;
    ensures \result ==> \forall integer l; 0 <= l < HEAP_LISTS ==>
              page_or_none(h, h->head[l]);
    ensures counters: \result ==> HEAP_COUNTERS_AGREE(h);
 */
static bool heap_check(const slab_heap *h)
{
    uint32_t free_pages = 0u;
    uint32_t room[SLAB_NUM_CLASSES];
    uint32_t empties[SLAB_NUM_CLASSES];
    size_t bytes = 0u;
    size_t large = 0u;
    uint32_t links = 0u;
    uint32_t n;

    if (h->npages <= 0 || h->npages > (int64_t)HEAP_MAX_PAGES ||
        h->span != (uintptr_t)h->npages * SLAB_PAGE_SIZE ||
        h->base % SLAB_PAGE_SIZE != 0u) {
        return false;
    }
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES;
        loop assigns c, room[0 .. SLAB_NUM_CLASSES - 1],
                empties[0 .. SLAB_NUM_CLASSES - 1];
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        room[c] = 0u;
        empties[c] = 0u;
    }
    uint32_t i = 0u;
    /*@ loop invariant 0 <= i <= h->npages;
        loop invariant PAGES_BELOW(h, i);
        loop invariant counted_free: free_pages == free_pages_below(h, i) &&
                         free_pages <= i;
        loop invariant counted_large: large == large_pages_below(h, i) &&
                         large <= i;
        loop invariant counted_bytes: bytes == live_bytes_below(h, i) &&
                         bytes <= i * SLAB_PAGE_SIZE;
        loop invariant counted_links: links <= 2 * i;
        loop assigns i, free_pages, bytes, large, links,
                room[0 .. SLAB_NUM_CLASSES - 1],
                empties[0 .. SLAB_NUM_CLASSES - 1];
        loop variant h->npages - i;
     */
    while ((int64_t)i < h->npages) {
        const page_meta *m = &h->meta[i];
        uint32_t step = 1u; /* a large block is checked whole */
        links += page_links(h, i);
        switch (m->state) {
        case PAGE_FREE:
            free_pages++;
            break;
        case PAGE_CLASS:
            if (!class_page_ok(h, (int32_t)i)) {
                return false;
            }
            /*@ assert class_page_counted: live_bytes_below(h, i + 1) ==
                  live_bytes_below(h, i) + m->used * m->size;
             */
            if (m->nfree > 0u || (uint32_t)m->carved + m->size <= SLAB_PAGE_SIZE) {
                room[m->cls]++;
            }
            if (m->used == 0u) {
                if (h->empty[m->cls] != (int32_t)i) {
                    return false;
                }
                empties[m->cls]++;
            }
            bytes += class_page_bytes(m->used, m->size) /*@ ghost (m->nfree, m->carved) */;
            //@ assert class_counted: bytes == live_bytes_below(h, i + 1);
            break;
        case PAGE_LARGE:
            if (m->run == 0u || m->run > (size_t)h->npages - i) {
                return false;
            }
            /*@ loop invariant i + 1 <= j <= i + m->run;
                loop invariant TAILS_BETWEEN(h, i, j);
                loop invariant run_free:
                  free_pages_below(h, j) == free_pages_below(h, i);
                loop invariant run_large:
                  large_pages_below(h, j) == large_pages_below(h, i) + (j - i);
                loop invariant run_bytes: live_bytes_below(h, j) ==
                  live_bytes_below(h, i) + m->run * SLAB_PAGE_SIZE;
                loop invariant run_links: links <= 2 * j;
                loop assigns j, links;
                loop variant i + m->run - j;
             */
            for (uint32_t j = i + 1u; j - i < m->run; j++) {
                if (h->meta[j].state != (uint8_t)PAGE_LARGE_TAIL) {
                    return false;
                }
                links += page_links(h, j);
            }
            /*@ assert run_counted:
                  free_pages_below(h, i + m->run) == free_pages_below(h, i) &&
                  large_pages_below(h, i + m->run) ==
                    large_pages_below(h, i) + m->run &&
                  live_bytes_below(h, i + m->run) ==
                    live_bytes_below(h, i) + m->run * SLAB_PAGE_SIZE;
             */
            bytes += (size_t)m->run * SLAB_PAGE_SIZE;
            large += m->run;
            //@ assert large_counted: large == large_pages_below(h, i + m->run);
            //@ assert large_bytes_counted: bytes == live_bytes_below(h, i + m->run);
            step = (uint32_t)m->run; /* the tail pages were just checked */
            //@ assert TAILS_BETWEEN(h, i, i + step);
            break;
        default: /* a tail page not reached from its head, or garbage */
            return false;
        }
        //@ assert PAGES_BELOW(h, i + 1);
        //@ assert PAGES_BELOW(h, i + step);
        i += step;
    }
    n = list_count(h, h->head[HEAP_POOL], (uint8_t)PAGE_FREE, 0u);
    if (n == LIST_BAD || n != free_pages || n != h->pool_count ||
        list_links(n) > links) {
        return false;
    }
    links -= list_links(n);
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES;
        loop invariant \forall integer l; 1 <= l < 1 + c ==>
                         page_or_none(h, h->head[l]);
        loop assigns c, n, links;
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        n = list_count(h, h->head[HEAP_CLASS(c)], (uint8_t)PAGE_CLASS, c);
        if (n == LIST_BAD || n != room[c] || list_links(n) > links) {
            return false;
        }
        links -= list_links(n);
        if (empties[c] != (h->empty[c] == HEAP_NO_PAGE ? 0u : 1u)) {
            return false;
        }
    }
    /*@ loop invariant 0 <= k <= SLAB_FAST_SLOTS;
        loop assigns k;
        loop variant SLAB_FAST_SLOTS - k;
     */
    for (uint32_t k = 0u; k < (uint32_t)SLAB_FAST_SLOTS; k++) {
        uint32_t c = h->class_of[k];
        size_t low = layout_slot_low(k);
        if (c >= (uint32_t)SLAB_NUM_CLASSES || slab_class_size[c] < low ||
            (c > 0u && slab_class_size[c - 1u] >= low)) {
            return false;
        }
    }
    return links == 0u && bytes == h->bytes_used &&
           large == h->large_pages && h->bytes_peak >= h->bytes_used;
}

/* The entry of page i. A step of its own so that a loop over the pages
 * reads each entry through a pointer known to be readable, rather than
 * re-deriving that from the heap's memory facts under the loop's frame. */
/*@ requires INSPECT_MEM(h) && i < h->npages;
    assigns \nothing;
    ensures \result == h->meta + i && \valid_read(\result);
 */
static const page_meta *page_entry(const slab_heap *h, uint32_t i)
{
    return &h->meta[i];
}

/* Blocks a sound class page can still hand out: its free blocks and the
 * blocks that fit in its uncut part. In size_t, where neither the
 * quotient nor the sum can wrap. */
/*@ requires \valid_read(m) && m->carved <= SLAB_PAGE_SIZE;
    requires 16 <= m->size <= SLAB_PAGE_SIZE;
    assigns \nothing;
    ensures \result == m->nfree + (SLAB_PAGE_SIZE - m->carved) / m->size;
 */
static size_t page_blocks_left(const page_meta *m)
{
    size_t uncut = ((size_t)SLAB_PAGE_SIZE - m->carved) / m->size;
    //@ assert uncut <= SLAB_PAGE_SIZE;
    return (size_t)m->nfree + uncut;
}

/* Every figure of *out set to zero (field by field, so the proof sees
 * each one). */
/*@ requires \valid(out);
    assigns *out;
    ensures STATS_ZERO(out);
 */
static void stats_clear(slab_stats *out)
{
    out->capacity = 0u;
    out->page_size = 0u;
    out->pages_total = 0u;
    out->pages_free = 0u;
    out->pages_large = 0u;
    out->bytes_used = 0u;
    out->bytes_peak = 0u;
    out->largest_free = 0u;
    out->blocks_used = 0u;
    out->oom_count = 0u;
    out->fault_count = 0u;
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES;
        loop invariant \forall integer d; 0 <= d < c ==>
          out->classes[d].block_size == 0 && out->classes[d].pages == 0 &&
          out->classes[d].blocks_used == 0 && out->classes[d].blocks_free == 0;
        loop assigns c, out->classes[0 .. SLAB_NUM_CLASSES - 1];
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        out->classes[c].block_size = 0u;
        out->classes[c].pages = 0u;
        out->classes[c].blocks_used = 0u;
        out->classes[c].blocks_free = 0u;
    }
}

/* Count one sound page of class c, with `used` blocks in use and `left` it
 * can still hand out, into the class's figures. A step of its own, so that
 * the proof of heap_stats's page loop sees what it needs (no class gained
 * more than one page) rather than three updates of the same memory. */
/*@ requires \valid(out) && c < SLAB_NUM_CLASSES;
    requires out->classes[c].pages < SIZE_MAX;
    assigns out->classes[c].pages, out->classes[c].blocks_used,
            out->classes[c].blocks_free;
    ensures \forall integer d; 0 <= d < SLAB_NUM_CLASSES ==>
              out->classes[d].pages <= \old(out->classes[d].pages) + 1;
 */
static void stats_add_page(slab_stats *out, uint32_t c, size_t used,
                           size_t left)
{
    out->classes[c].pages++;
    out->classes[c].blocks_used += used;
    out->classes[c].blocks_free += left;
}

/* The statistics of a heap, into zeroed *out. A damaged class page is
 * left out of the per-class figures (slab_check reports it). */
/*@ requires INSPECT_MEM(h) && \valid(out) && OUT_SEPARATED(h, out);
    requires STATS_ZERO(out) && class_table_ok;
    assigns *out;
    ensures \forall integer c; 0 <= c < SLAB_NUM_CLASSES ==>
              out->classes[c].pages <= \old(h->npages);
    ensures out->largest_free <= \old(h->npages) * SLAB_PAGE_SIZE;
 */
static void heap_stats(const slab_heap *h, slab_stats *out)
{
    size_t largest_class = 0u;
    size_t blocks_used = 0u; /* summed here, written to *out once */
    out->page_size = SLAB_PAGE_SIZE;
    out->pages_total = (size_t)h->npages;
    out->capacity = (size_t)h->npages * SLAB_PAGE_SIZE;
    out->pages_free = h->pool_count;
    out->pages_large = h->large_pages;
    out->bytes_used = h->bytes_used;
    out->bytes_peak = h->bytes_peak;
    out->oom_count = h->oom_count;
    out->fault_count = h->fault_count;
    //@ assert CLASS_SIZES_IN_PAGE;
    /*@ loop invariant 0 <= c <= SLAB_NUM_CLASSES;
        loop invariant \forall integer d; 0 <= d < SLAB_NUM_CLASSES ==>
                         out->classes[d].pages == 0;
        loop assigns c, out->classes[0 .. SLAB_NUM_CLASSES - 1].block_size;
        loop variant SLAB_NUM_CLASSES - c;
     */
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        out->classes[c].block_size = slab_class_size[c];
    }
    /*@ loop invariant 0 <= i <= h->npages;
        loop invariant largest_class <= i * SLAB_PAGE_SIZE;
        loop invariant \forall integer d; 0 <= d < SLAB_NUM_CLASSES ==>
                         out->classes[d].pages <= i;
        loop assigns i, largest_class, blocks_used,
                out->classes[0 .. SLAB_NUM_CLASSES - 1].pages,
                out->classes[0 .. SLAB_NUM_CLASSES - 1].blocks_used,
                out->classes[0 .. SLAB_NUM_CLASSES - 1].blocks_free;
        loop variant h->npages - i;
     */
    for (uint32_t i = 0u; (int64_t)i < h->npages; i++) {
        const page_meta *m = page_entry(h, i);
        if (m->state == (uint8_t)PAGE_LARGE) {
            blocks_used++;
        }
        /* a damaged entry is left out (slab_check reports it) */
        if (heap_class_page_sane(h, (int32_t)i, m->cls)) {
            size_t left = page_blocks_left(m);
            stats_add_page(out, m->cls, m->used, left);
            blocks_used += m->used;
            if (left > 0u && m->size > largest_class) {
                largest_class = m->size;
            }
        }
    }
    out->blocks_used = blocks_used;
    /* heap_longest_run (src/heap_pages.c) asks only that the header and
     * the page table be readable (INSPECT_MEM implies it), not the shape
     * invariant: this heap's bookkeeping may be damaged. */
    out->largest_free = (size_t)heap_longest_run(h) * SLAB_PAGE_SIZE;
    if (out->largest_free < largest_class) {
        out->largest_free = largest_class;
    }
}

bool slab_get_page_info(const slab_heap *h, size_t index, slab_page_info *out)
{
    const page_meta *m;
    slab_page_info info = {SLAB_PAGE_FREE, NULL, 0u, 0u, 0u};
    if (!heap_ok(h) || out == NULL) {
        return false;
    }
    heap_lock(h);
    if (index >= (size_t)h->npages) {
        heap_unlock(h);
        return false;
    }
    //@ assert index_fits: (int32_t)index == index;
    m = &h->meta[index];
    info.start = page_words(h, (int32_t)index);
    //@ assert CLASS_SIZES_IN_PAGE;
    switch (m->state) {
    case PAGE_CLASS:
        info.kind = SLAB_PAGE_CLASS;
        info.block_size = m->size;
        info.blocks_used = m->used;
        if (heap_class_page_sane(h, (int32_t)index, m->cls)) {
            info.blocks_free = page_blocks_left(m);
        }
        break;
    case PAGE_LARGE:
        info.kind = SLAB_PAGE_LARGE;
        info.block_size = (size_t)m->run * SLAB_PAGE_SIZE;
        info.blocks_used = 1u;
        break;
    case PAGE_LARGE_TAIL:
        info.kind = SLAB_PAGE_LARGE_TAIL;
        break;
    default:
        break;
    }
    heap_unlock(h);
    *out = info;
    return true;
}

bool slab_check(const slab_heap *h)
{
    bool ok;
    if (!heap_ok(h)) {
        return false;
    }
    heap_lock(h);
    ok = heap_check(h);
    heap_unlock(h);
    return ok;
}

void slab_get_stats(const slab_heap *h, slab_stats *out)
{
    if (out == NULL) {
        return;
    }
    stats_clear(out);
    if (!heap_ok(h)) {
        return;
    }
    heap_lock(h);
    heap_stats(h, out);
    heap_unlock(h);
}
