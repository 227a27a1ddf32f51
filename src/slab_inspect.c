/*
 * slab_inspect.c - reading the heap without changing it: the invariant
 * check, statistics and the page map (see slab.h).
 *
 * slab_check re-derives every fact the allocator relies on from the page
 * table and the free blocks, so a test, a watchdog or an auditor can ask
 * "is this heap sound?" at any time. Every walk is bounded by the page
 * count or the blocks in a page, so a corrupted list cannot make it loop.
 */
#include "heap_pages.h"

/*
 * One class page: shape, bitmap (bits only at block starts, `used` of
 * them), free list (exactly nfree distinct free blocks; see README for why
 * "nfree valid links, then the end" rules out repeats).
 */
static bool class_page_ok(const slab_heap *h, int32_t i)
{
    const page_meta *m = &h->meta[i];
    const uint32_t *words = page_words(h, i);
    uint32_t size = m->size;
    uint32_t blocks;
    uint32_t marked = 0u;
    uint32_t link;

    if (m->cls >= (uint32_t)SLAB_NUM_CLASSES || size != slab_class_size[m->cls] ||
        m->carved > SLAB_PAGE_SIZE || m->carved % size != 0u) {
        return false;
    }
    blocks = m->carved / size;
    if ((uint32_t)m->used + m->nfree != blocks) {
        return false;
    }
    for (uint32_t g = 0u; g < SLAB_PAGE_SIZE / SLAB_GRANULE; g++) {
        if (page_bit(m, g)) {
            uint32_t off = g * SLAB_GRANULE;
            /* the granule must be the one owning a carved block start */
            uint32_t b = (off + size - 1u) / size;
            if (b >= blocks || b * size / SLAB_GRANULE != g) {
                return false;
            }
            marked++;
        }
    }
    if (marked != m->used) {
        return false;
    }
    link = m->nfree > 0u ? m->head : PAGE_NO_BLOCK;
    for (uint32_t k = 0u; k < m->nfree; k++) {
        if (link >= m->carved || link % size != 0u ||
            page_bit(m, link / SLAB_GRANULE)) {
            return false;
        }
        link = words[link / 4u];
    }
    return link == PAGE_NO_BLOCK;
}

/* A page list: bounded walk, back links, and every member passes `member`. */
static bool list_ok(const slab_heap *h, int32_t head, uint32_t *count,
                    uint8_t state, uint32_t cls)
{
    int32_t prev = HEAP_NO_PAGE;
    int32_t i = head;
    uint32_t n = 0u;
    while (i != HEAP_NO_PAGE) {
        const page_meta *m;
        if (i < 0 || i >= (int32_t)h->npages || n >= h->npages) {
            return false;
        }
        m = &h->meta[i];
        if (m->state != state || h->links[i].prev != prev) {
            return false;
        }
        if (state == (uint8_t)PAGE_CLASS &&
            (m->cls != cls ||
             (m->nfree == 0u && (uint32_t)m->carved + m->size > SLAB_PAGE_SIZE))) {
            return false;
        }
        prev = i;
        i = h->links[i].next;
        n++;
    }
    *count = n;
    return true;
}

static bool heap_check(const slab_heap *h)
{
    uint32_t free_pages = 0u;
    uint32_t room[SLAB_NUM_CLASSES];
    uint32_t empties[SLAB_NUM_CLASSES];
    size_t bytes = 0u;
    size_t large = 0u;
    uint32_t n;

    if (h->npages == 0u ||
        h->span != (uintptr_t)h->npages * SLAB_PAGE_SIZE ||
        h->base % SLAB_PAGE_SIZE != 0u) {
        return false;
    }
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        room[c] = 0u;
        empties[c] = 0u;
    }
    uint32_t i = 0u;
    while (i < h->npages) {
        const page_meta *m = &h->meta[i];
        uint32_t step = 1u; /* a large block is checked whole */
        switch (m->state) {
        case PAGE_FREE:
            free_pages++;
            break;
        case PAGE_CLASS:
            if (!class_page_ok(h, (int32_t)i)) {
                return false;
            }
            if (m->nfree > 0u || (uint32_t)m->carved + m->size <= SLAB_PAGE_SIZE) {
                room[m->cls]++;
            }
            if (m->used == 0u) {
                if (h->empty[m->cls] != (int32_t)i) {
                    return false;
                }
                empties[m->cls]++;
            }
            bytes += (size_t)m->used * m->size;
            break;
        case PAGE_LARGE:
            if (m->run == 0u || m->run > h->npages - i) {
                return false;
            }
            for (uint32_t j = i + 1u; j - i < m->run; j++) {
                if (h->meta[j].state != (uint8_t)PAGE_LARGE_TAIL) {
                    return false;
                }
            }
            bytes += (size_t)m->run * SLAB_PAGE_SIZE;
            large += m->run;
            step = (uint32_t)m->run; /* the tail pages were just checked */
            break;
        default: /* a tail page not reached from its head, or garbage */
            return false;
        }
        i += step;
    }
    if (!list_ok(h, h->head[HEAP_POOL], &n, (uint8_t)PAGE_FREE, 0u) ||
        n != free_pages || n != h->pool_count) {
        return false;
    }
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        if (!list_ok(h, h->head[HEAP_CLASS(c)], &n, (uint8_t)PAGE_CLASS, c) || n != room[c]) {
            return false;
        }
        if (empties[c] != (h->empty[c] == HEAP_NO_PAGE ? 0u : 1u)) {
            return false;
        }
    }
    for (uint32_t k = 0u; k < (uint32_t)SLAB_FAST_SLOTS; k++) {
        uint32_t c = h->class_of[k];
        size_t low = k == 0u ? 0u : 4u * (size_t)k - 3u;
        if (c >= (uint32_t)SLAB_NUM_CLASSES || slab_class_size[c] < low ||
            (c > 0u && slab_class_size[c - 1u] >= low)) {
            return false;
        }
    }
    return bytes == h->bytes_used &&
           large == h->large_pages && h->bytes_peak >= h->bytes_used;
}

static void heap_stats(const slab_heap *h, slab_stats *out)
{
    size_t largest_class = 0u;
    out->page_size = SLAB_PAGE_SIZE;
    out->pages_total = h->npages;
    out->capacity = (size_t)h->npages * SLAB_PAGE_SIZE;
    out->pages_free = h->pool_count;
    out->pages_large = h->large_pages;
    out->bytes_used = h->bytes_used;
    out->bytes_peak = h->bytes_peak;
    out->oom_count = h->oom_count;
    out->fault_count = h->fault_count;
    for (uint32_t c = 0u; c < (uint32_t)SLAB_NUM_CLASSES; c++) {
        out->classes[c].block_size = slab_class_size[c];
    }
    for (uint32_t i = 0u; i < h->npages; i++) {
        const page_meta *m = &h->meta[i];
        if (m->state == (uint8_t)PAGE_LARGE) {
            out->blocks_used++;
        }
        /* a damaged entry is left out (slab_check reports it) */
        if (heap_class_page_sane(h, (int32_t)i, m->cls)) {
            slab_class_stats *cs = &out->classes[m->cls];
            size_t left = m->nfree + (SLAB_PAGE_SIZE - m->carved) / m->size;
            cs->pages++;
            cs->blocks_used += m->used;
            out->blocks_used += m->used;
            cs->blocks_free += left;
            if (left > 0u && m->size > largest_class) {
                largest_class = m->size;
            }
        }
    }
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
    if (index >= h->npages) {
        heap_unlock(h);
        return false;
    }
    m = &h->meta[index];
    info.start = page_words(h, (int32_t)index);
    switch (m->state) {
    case PAGE_CLASS:
        info.kind = SLAB_PAGE_CLASS;
        info.block_size = m->size;
        info.blocks_used = m->used;
        if (heap_class_page_sane(h, (int32_t)index, m->cls)) {
            info.blocks_free = m->nfree + (SLAB_PAGE_SIZE - m->carved) / m->size;
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
    {
        slab_stats zero = {0};
        *out = zero;
    }
    if (!heap_ok(h)) {
        return;
    }
    heap_lock(h);
    heap_stats(h, out);
    heap_unlock(h);
}
