/*
 * demo.c - a tour of the slab heap on a hosted machine.
 *
 * Builds a 256 KiB heap in a static buffer, allocates a mix of blocks the way
 * a firmware image might (sensor records, message buffers, a frame buffer, a
 * DMA buffer with a strict alignment), frees some of them, and prints:
 *   - a map of the heap, one character per page,
 *   - the size classes in use,
 *   - the heap's totals,
 *   - one misuse (a double free) caught by the fault hook.
 * Exits 0 when every step behaved as documented in slab.h, 1 otherwise.
 *
 *   cc -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror -Isrc \
 *      examples/demo.c build/libslab.a -o build/demo && build/demo
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "slab.h"

#define ARENA_BYTES (256u * 1024u)
#define MAP_ROW 32u /* pages per row of the map */

/* C99 has no _Alignas: the union gives the buffer uint64_t alignment. The
 * heap aligns its pages itself; this only keeps the header access natural. */
static union {
    uint64_t align;
    unsigned char bytes[ARENA_BYTES];
} arena;

static int failures;

static void expect(bool ok, const char *what)
{
    if (!ok) {
        failures++;
        fprintf(stderr, "demo: FAILED: %s\n", what);
    }
}

/* Offset of an address inside the arena. */
static unsigned long off(const void *p)
{
    return (unsigned long)((uintptr_t)p - (uintptr_t)arena.bytes);
}

/* Allocate and check what slab.h promises about the block. */
static void *take(slab_heap *h, size_t size, size_t align)
{
    void *p = slab_alloc(h, size, align);
    expect(p != NULL, "allocation succeeded");
    if (p != NULL) {
        expect((uintptr_t)p % align == 0, "block has the asked alignment");
        expect(slab_usable_size(h, p) >= size, "block is large enough");
        memset(p, 0xA5, size); /* the caller may use every byte it asked for */
    }
    return p;
}

/* ---- fault hook ---------------------------------------------------------- */

typedef struct fault_log {
    unsigned count;
    slab_fault last_kind;
    const void *last_ptr;
} fault_log;

static void on_fault(void *ctx, slab_fault kind, const void *ptr)
{
    fault_log *log = ctx;
    log->count++;
    log->last_kind = kind;
    log->last_ptr = ptr;
    printf("  fault hook: %s, pointer %p\n", slab_fault_name(kind), ptr);
}

/* ---- heap map ------------------------------------------------------------ */

/* Map letters for classes; 'L' and 'l' are kept for large blocks. */
static const char class_letters[] = "ABCDEFGHIJKMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static char letter_of[SLAB_NUM_CLASSES];

static void assign_letters(const slab_stats *st)
{
    size_t next = 0;
    for (size_t c = 0; c < (size_t)SLAB_NUM_CLASSES; c++) {
        letter_of[c] = '?';
        if (st->classes[c].pages > 0 && next < sizeof class_letters - 1) {
            letter_of[c] = class_letters[next++];
        }
    }
}

static char page_char(const slab_stats *st, const slab_page_info *pi)
{
    switch (pi->kind) {
    case SLAB_PAGE_FREE:
        return '.';
    case SLAB_PAGE_LARGE:
        return 'L';
    case SLAB_PAGE_LARGE_TAIL:
        return 'l';
    case SLAB_PAGE_CLASS:
        for (size_t c = 0; c < (size_t)SLAB_NUM_CLASSES; c++) {
            if (st->classes[c].block_size == pi->block_size) {
                return letter_of[c];
            }
        }
        return '?';
    }
    return '?';
}

static void print_map(const slab_heap *h, const slab_stats *st)
{
    char row[MAP_ROW + 1];
    size_t n = 0;
    slab_page_info pi;

    if (!slab_get_page_info(h, 0, &pi)) {
        expect(false, "slab_get_page_info describes page 0");
        return;
    }
    printf("Heap map: %zu pages of %zu B at %p\n", st->pages_total,
           st->page_size, pi.start);
    printf("  (the %lu B before them hold the header and page table)\n",
           off(pi.start));
    printf("  ('.' free, 'L' large block head, 'l' its tail, letters: "
           "classes below)\n");
    for (size_t i = 0; i < st->pages_total; i++) {
        if (!slab_get_page_info(h, i, &pi)) {
            expect(false, "slab_get_page_info accepts every page index");
            return;
        }
        row[n++] = page_char(st, &pi);
        if (n == MAP_ROW || i + 1 == st->pages_total) {
            row[n] = '\0';
            printf("  %3zu  %s\n", i + 1 - n, row);
            n = 0;
        }
    }
    expect(!slab_get_page_info(h, st->pages_total, &pi),
           "slab_get_page_info refuses an index past the end");

    /* The large blocks, from the same page table walk. */
    for (size_t i = 0; i < st->pages_total; i++) {
        if (slab_get_page_info(h, i, &pi) && pi.kind == SLAB_PAGE_LARGE) {
            size_t pages = (pi.block_size + st->page_size - 1) / st->page_size;
            printf("  large block at page %2zu: %6zu B in %zu page%s at %p\n",
                   i, pi.block_size, pages, pages == 1 ? "" : "s",
                   pi.start);
        }
    }
}

static void print_classes(const slab_stats *st)
{
    printf("\nSize classes in use\n");
    printf("  map  block B  pages  blocks used  blocks free\n");
    for (size_t c = 0; c < (size_t)SLAB_NUM_CLASSES; c++) {
        const slab_class_stats *cs = &st->classes[c];
        if (cs->pages == 0 && cs->blocks_used == 0) {
            continue;
        }
        printf("   %c   %7zu  %5zu  %11zu  %11zu\n", letter_of[c],
               cs->block_size, cs->pages, cs->blocks_used, cs->blocks_free);
    }
}

static void print_totals(const slab_stats *st)
{
    printf("\nTotals\n");
    printf("  capacity        %7zu B  (%zu pages)\n", st->capacity,
           st->pages_total);
    printf("  bytes used      %7zu B  (peak %zu B)\n", st->bytes_used,
           st->bytes_peak);
    printf("  live blocks     %7zu\n", st->blocks_used);
    printf("  pages free      %7zu     of %zu (%zu in large blocks, %zu in "
           "classes)\n", st->pages_free, st->pages_total, st->pages_large,
           st->pages_total - st->pages_free - st->pages_large);
    printf("  largest free    %7zu B\n", st->largest_free);
    printf("  out of memory   %7zu     faults %zu\n", st->oom_count,
           st->fault_count);
}

/* ---- the tour ------------------------------------------------------------ */

int main(void)
{
    enum { N_SENSOR = 40, N_MSG = 30, N_DESC = 10, N_CACHE = 8, N_PKT = 12,
           N_SECTOR = 6, N_IMAGE = 3 };
    void *sensor[N_SENSOR]; /* 24 B sensor records */
    void *msg[N_MSG];       /* 64 B message buffers */
    void *desc[N_DESC];     /* 48 B descriptors, 16-aligned */
    void *cache[N_CACHE];   /* 100 B cache lines, 64-aligned */
    void *pkt[N_PKT];       /* 200 B packets */
    void *sector[N_SECTOR]; /* 1000 B flash sectors */
    void *image[N_IMAGE];   /* 3000 B image tiles */
    void *scratch, *frame, *dma;
    size_t live = 0;
    slab_stats st;
    fault_log faults = { 0, SLAB_FAULT_NONE, NULL };

    slab_heap *h = slab_init(arena.bytes, sizeof arena.bytes);
    if (h == NULL) {
        fprintf(stderr, "demo: slab_init refused the arena\n");
        return 1;
    }
    slab_set_fault_hook(h, on_fault, &faults);
    printf("slab %s demo: %u KiB arena at %p\n\n", SLAB_VERSION_STRING,
           (unsigned)(ARENA_BYTES / 1024u), (void *)arena.bytes);

    /* A mix of sizes and alignments. */
    for (size_t i = 0; i < N_SENSOR; i++) { sensor[i] = take(h, 24, 1); live++; }
    for (size_t i = 0; i < N_MSG; i++)    { msg[i] = take(h, 64, 8); live++; }
    for (size_t i = 0; i < N_DESC; i++)   { desc[i] = take(h, 48, 16); live++; }
    for (size_t i = 0; i < N_CACHE; i++)  { cache[i] = take(h, 100, 64); live++; }
    scratch = take(h, 6000, 1);  /* a temporary large block */
    live++;
    for (size_t i = 0; i < N_PKT; i++)    { pkt[i] = take(h, 200, 4); live++; }
    frame = take(h, 10 * 1024, 4); /* ~10 KiB frame buffer: a large block */
    live++;
    dma = take(h, 512, 8192);      /* DMA buffer: 8 KiB alignment */
    live++;
    for (size_t i = 0; i < N_SECTOR; i++) { sector[i] = take(h, 1000, 8); live++; }
    for (size_t i = 0; i < N_IMAGE; i++)  { image[i] = take(h, 3000, 8); live++; }

    /* Give some back: every other sensor record, two sectors, one image
     * tile, and the scratch block, which leaves a hole between large runs. */
    for (size_t i = 0; i < N_SENSOR; i += 2) { slab_free(h, sensor[i]); live--; }
    slab_free(h, sector[1]);
    slab_free(h, sector[4]);
    live -= 2;
    slab_free(h, image[2]);
    live--;
    slab_free(h, scratch);
    live--;

    /* One request the heap cannot serve: refused, counted, nothing else. */
    expect(slab_alloc(h, 1024u * 1024u, 1) == NULL,
           "a 1 MiB request is refused");

    expect(slab_check(h), "heap consistent after the mix");
    slab_get_stats(h, &st);
    expect(st.blocks_used == live, "stats count every live block");
    expect(st.oom_count == 1, "the refused request is counted");
    expect(st.fault_count == 0 && faults.count == 0, "no fault so far");
    expect(st.pages_large >= 4, "frame and DMA buffer are large blocks");

    assign_letters(&st);
    print_map(h, &st);
    print_classes(&st);
    print_totals(&st);

    /* Misuse: sensor[0] was freed above; free it again. */
    printf("\nMisuse: freeing the sensor record at %p a second time\n",
           sensor[0]);
    {
        slab_stats after;
        slab_free(h, sensor[0]);
        slab_get_stats(h, &after);
        bool ok = slab_check(h);
        printf("  heap consistent (slab_check): %s\n", ok ? "yes" : "NO");
        printf("  fault_count: %zu, live blocks %zu -> %zu, "
               "bytes used %zu -> %zu\n", after.fault_count, st.blocks_used,
               after.blocks_used, st.bytes_used, after.bytes_used);
        expect(ok, "heap consistent after the double free");
        expect(faults.count == 1 && faults.last_kind == SLAB_FAULT_DOUBLE_FREE
                   && faults.last_ptr == sensor[0],
               "the hook saw one DOUBLE_FREE of that pointer");
        expect(after.fault_count == 1, "fault_count is 1");
        expect(after.blocks_used == st.blocks_used
                   && after.bytes_used == st.bytes_used
                   && after.pages_free == st.pages_free,
               "the refused free changed nothing else");
    }

    /* Tidy up: everything back, the heap is empty again. */
    for (size_t i = 1; i < N_SENSOR; i += 2) slab_free(h, sensor[i]);
    for (size_t i = 0; i < N_MSG; i++) slab_free(h, msg[i]);
    for (size_t i = 0; i < N_DESC; i++) slab_free(h, desc[i]);
    for (size_t i = 0; i < N_CACHE; i++) slab_free(h, cache[i]);
    for (size_t i = 0; i < N_PKT; i++) slab_free(h, pkt[i]);
    for (size_t i = 0; i < N_SECTOR; i++) {
        if (i != 1 && i != 4) slab_free(h, sector[i]);
    }
    for (size_t i = 0; i + 1 < N_IMAGE; i++) slab_free(h, image[i]);
    slab_free(h, frame);
    slab_free(h, dma);
    slab_get_stats(h, &st);
    expect(slab_check(h) && st.blocks_used == 0 && st.bytes_used == 0,
           "heap empty after freeing everything");
    expect(st.fault_count == 1, "no further faults");

    if (failures == 0) {
        printf("\nAll checks passed. Everything freed: %zu of %zu pages "
               "free, %zu kept\nin reserve by their classes.\n",
               st.pages_free, st.pages_total, st.pages_total - st.pages_free);
        return 0;
    }
    printf("\n%d check(s) FAILED (see stderr)\n", failures);
    return 1;
}
