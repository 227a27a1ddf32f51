/*
 * main.c - a bare-metal Cortex-M program whose heap is a slab heap, used
 * through the C library (newlib): malloc, calloc, realloc, free, memalign,
 * posix_memalign, strdup, printf. Runs on QEMU's mps2-an385 board:
 *
 *   make example-cortex-m
 *
 * It works the heap the way a firmware image might (a list of sensor
 * records, their names, a log buffer that grows, DMA buffers with strict
 * alignments, a frame buffer), prints a map of the heap and its classes over
 * semihosting, shows three kinds of misuse caught by the fault hook, frees
 * everything and exits 0 if every check held (1 otherwise): the exit status
 * is QEMU's.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, posix_memalign */

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slab_malloc.h"

extern unsigned char __heap_start[], __heap_end[];

static int g_failures;

static void expect(bool ok, const char *what)
{
    if (!ok) {
        g_failures++;
        printf("FAILED: %s\n", what);
    }
}

static uintptr_t up(const void *p)
{
    return (uintptr_t)p;
}

static bool in_heap(const void *p, size_t n)
{
    return up(p) >= up(__heap_start) && up(p) <= up(__heap_end) &&
           n <= (size_t)(up(__heap_end) - up(p));
}

/* Checks on every block the program gets. */
static void *got(void *p, size_t size, size_t align, const char *what)
{
    expect(p != NULL, what);
    if (p != NULL) {
        expect(in_heap(p, size), "block inside __heap_start..__heap_end");
        expect(up(p) % align == 0, "block aligned as asked");
        expect(malloc_usable_size(p) >= size, "block large enough");
    }
    return p;
}

/* ---- fault hook: records only (it must not call malloc, and printf may) -- */

#define MAX_FAULTS 8
static struct {
    unsigned n;
    slab_fault kind[MAX_FAULTS];
    const void *ptr[MAX_FAULTS];
} g_faults;

static void on_fault(void *ctx, slab_fault kind, const void *ptr)
{
    (void)ctx;
    if (g_faults.n < MAX_FAULTS) {
        g_faults.kind[g_faults.n] = kind;
        g_faults.ptr[g_faults.n] = ptr;
    }
    g_faults.n++;
}

/* ---- heap map ------------------------------------------------------------ */

/* One character per page: '.' free, 'L' first page of a large block, 'l'
 * the rest of it, 'a' + n a page of size class n (see the class table). */
static char page_char(const slab_page_info *pi, const slab_stats *st)
{
    size_t c;
    switch (pi->kind) {
    case SLAB_PAGE_FREE: return '.';
    case SLAB_PAGE_LARGE: return 'L';
    case SLAB_PAGE_LARGE_TAIL: return 'l';
    case SLAB_PAGE_CLASS:
        for (c = 0; c < (size_t)SLAB_NUM_CLASSES; c++) {
            if (st->classes[c].block_size == pi->block_size) {
                return (char)('a' + (int)c);
            }
        }
        return '?';
    }
    return '?';
}

static void print_heap(const slab_heap *h)
{
    slab_stats st;
    slab_page_info pi;
    char row[33];
    size_t i, n = 0, c;

    slab_get_stats(h, &st);
    if (!slab_get_page_info(h, 0, &pi)) {
        expect(false, "page info of page 0");
        return;
    }
    printf("\nHeap map: %u pages of %u B from %p ('.' free, 'L'/'l' large "
           "block, letters: classes)\n", (unsigned)st.pages_total,
           (unsigned)st.page_size, pi.start);
    for (i = 0; i < st.pages_total; i++) {
        if (!slab_get_page_info(h, i, &pi)) {
            break;
        }
        row[n++] = page_char(&pi, &st);
        if (n == 32 || i + 1 == st.pages_total) {
            row[n] = '\0';
            printf("  %3u  %s\n", (unsigned)(i + 1 - n), row);
            n = 0;
        }
    }
    printf("\n  map  block B  pages  used  free\n");
    for (c = 0; c < (size_t)SLAB_NUM_CLASSES; c++) {
        const slab_class_stats *cs = &st.classes[c];
        if (cs->pages > 0 || cs->blocks_used > 0) {
            printf("   %c   %7u  %5u  %4u  %4u\n", 'a' + (int)c,
                   (unsigned)cs->block_size, (unsigned)cs->pages,
                   (unsigned)cs->blocks_used, (unsigned)cs->blocks_free);
        }
    }
    printf("\n  %u of %u B in use (peak %u) in %u blocks; %u pages free, "
           "%u in large blocks;\n  largest free %u B; refused %u, "
           "faults %u\n", (unsigned)st.bytes_used, (unsigned)st.capacity,
           (unsigned)st.bytes_peak, (unsigned)st.blocks_used,
           (unsigned)st.pages_free, (unsigned)st.pages_large,
           (unsigned)st.largest_free, (unsigned)st.oom_count,
           (unsigned)st.fault_count);
}

/* ---- the program ----------------------------------------------------------- */

struct record {
    struct record *next;
    uint32_t time;
    int16_t value[6];
};

int main(void)
{
    enum { N_REC = 60, N_NAME = 16 };
    slab_heap *h = slab_malloc_heap();
    struct record *list = NULL, *r, **link;
    char *name[N_NAME];
    char *log, *dma, *frame, *tile = NULL;
    size_t log_cap = 32, log_len = 0, i;
    slab_stats base, st;
    const void *stdout_buf;
    void *volatile launder; /* hides misuse from the compiler's warnings */
    int local = 0;

    if (h == NULL) {
        return 2; /* no heap: nothing below would work, printf included */
    }
    slab_set_fault_hook(h, on_fault, NULL);

    /* The first printf makes newlib allocate stdout's buffer: with malloc
     * replaced, that is a slab block too. */
    printf("slab %s on Cortex-M: heap %p..%p (%u KiB), malloc family from "
           "slab_malloc.c\n", SLAB_VERSION_STRING, (void *)__heap_start,
           (void *)__heap_end,
           (unsigned)((size_t)(__heap_end - __heap_start) / 1024u));
    stdout_buf = stdout->_bf._base;
    printf("newlib's stdout buffer: %u B block at %p, inside the heap: %s\n",
           (unsigned)malloc_usable_size((void *)(uintptr_t)up(stdout_buf)),
           stdout_buf, in_heap(stdout_buf, 1) ? "yes" : "NO");
    expect(in_heap(stdout_buf, 1) &&
               malloc_usable_size((void *)(uintptr_t)up(stdout_buf)) > 0,
           "newlib's own allocations go through the slab heap");
    slab_get_stats(h, &base); /* newlib's own blocks, for the end */

    /* sensor records: a list built with calloc (zeroed blocks) */
    for (i = 0; i < N_REC; i++) {
        r = got(calloc(1, sizeof *r), sizeof *r, 8, "calloc a record");
        if (r == NULL) {
            break;
        }
        expect(r->time == 0 && r->value[5] == 0, "calloc zeroes the block");
        r->time = (uint32_t)i;
        r->value[0] = (int16_t)(i * 3);
        r->next = list;
        list = r;
    }
    /* their names: strdup is newlib's, its malloc ours */
    for (i = 0; i < N_NAME; i++) {
        char buf[24];
        (void)snprintf(buf, sizeof buf, "sensor-%02u", (unsigned)i);
        name[i] = got(strdup(buf), strlen(buf) + 1, 8, "strdup a name");
    }
    /* a log that grows with realloc: from a 32 B class block to pages */
    log = got(malloc(log_cap), log_cap, 8, "malloc the log");
    while (log != NULL && log_len < 5000) {
        char line[48];
        int n = snprintf(line, sizeof line, "t=%u v=%d\n",
                         (unsigned)log_len, (int)(log_len % 97));
        if (log_len + (size_t)n + 1 > log_cap) {
            char *bigger = realloc(log, log_cap * 2);
            if (bigger == NULL) {
                expect(false, "realloc the log");
                break;
            }
            log = got(bigger, log_cap * 2, 8, "realloc the log");
            log_cap *= 2;
        }
        memcpy(log + log_len, line, (size_t)n + 1);
        log_len += (size_t)n;
    }
    expect(log != NULL && strncmp(log, "t=0 v=0\nt=8 v=8\n", 16) == 0,
           "realloc kept the log's contents");
    /* DMA buffers with strict alignments, and a frame buffer (large) */
    dma = got(memalign(1024, 1000), 1000, 1024, "memalign a DMA buffer");
    expect(posix_memalign((void **)&tile, 2048, 2048) == 0,
           "posix_memalign a tile");
    (void)got(tile, 2048, 2048, "posix_memalign a tile");
    frame = got(malloc(12 * 1024), 12 * 1024, 8, "malloc a frame buffer");
    if (frame != NULL) {
        memset(frame, 0x3C, 12 * 1024);
    }
    /* requests that cannot be served: NULL and ENOMEM, nothing else */
    errno = 0;
    expect(malloc(1024u * 1024u) == NULL && errno == ENOMEM,
           "malloc(1 MiB) fails with ENOMEM");
    errno = 0;
    {
        volatile size_t count = SIZE_MAX / 2u; /* n * size overflows */
        expect(calloc(count, 4) == NULL && errno == ENOMEM,
               "calloc overflow fails with ENOMEM");
    }

    /* give some back: every other record, half of the names */
    for (link = &list, i = 0; *link != NULL; i++) {
        if (i % 2u == 0) {
            r = *link;
            *link = r->next;
            free(r);
        } else {
            link = &(*link)->next;
        }
    }
    for (i = 0; i < N_NAME; i += 2) {
        free(name[i]);
        name[i] = NULL;
    }
    expect(slab_check(h), "heap consistent after the workload");
    print_heap(h);

    /* misuse: refused, reported to the hook, nothing corrupted */
    slab_get_stats(h, &st);
    printf("\nMisuse through free():\n");
    launder = name[0 + 1];
    free(launder);
    free(launder);               /* double free */
    name[1] = NULL;
    launder = name[3] + 1;
    free(launder);               /* interior pointer */
    launder = &local;
    free(launder);               /* not from the heap */
    for (i = 0; i < g_faults.n && i < MAX_FAULTS; i++) {
        printf("  fault hook: %-17s %p\n", slab_fault_name(g_faults.kind[i]),
               g_faults.ptr[i]);
    }
    expect(g_faults.n == 3 && g_faults.kind[0] == SLAB_FAULT_DOUBLE_FREE &&
               g_faults.kind[1] == SLAB_FAULT_INTERIOR &&
               g_faults.kind[2] == SLAB_FAULT_FOREIGN,
           "the hook saw a double, an interior and a foreign free");
    {
        slab_stats after;
        slab_get_stats(h, &after);
        expect(after.fault_count == st.fault_count + 3u, "3 faults counted");
        expect(after.blocks_used == st.blocks_used - 1u,
               "only the one real free changed the heap");
        expect(slab_check(h), "heap consistent after the misuse");
        expect(strcmp(name[3], "sensor-03") == 0, "name[3] intact");
        printf("  heap consistent: %s; live blocks %u -> %u\n",
               slab_check(h) ? "yes" : "NO", (unsigned)st.blocks_used,
               (unsigned)after.blocks_used);
    }

    /* the rest: contents still right, then everything back */
    for (r = list, i = 0; r != NULL; r = r->next, i++) {
        expect(r->value[0] == (int16_t)(r->time * 3u), "record intact");
    }
    expect(i == N_REC / 2, "half of the records left");
    while (list != NULL) {
        r = list->next;
        free(list);
        list = r;
    }
    for (i = 0; i < N_NAME; i++) {
        free(name[i]);
    }
    for (i = 0; frame != NULL && i < 12 * 1024; i++) {
        if ((unsigned char)frame[i] != 0x3C) {
            expect(false, "frame buffer intact");
            break;
        }
    }
    free(log);
    free(dma);
    free(tile);
    free(frame);
    slab_get_stats(h, &st);
    expect(slab_check(h), "heap consistent at the end");
    expect(st.blocks_used == base.blocks_used &&
               st.bytes_used == base.bytes_used,
           "everything freed: only newlib's own blocks are left");
    printf("\nAfter freeing everything: %u block%s (%u B) in use, newlib's "
           "own; %u of %u pages free.\n", (unsigned)st.blocks_used,
           st.blocks_used == 1 ? "" : "s", (unsigned)st.bytes_used,
           (unsigned)st.pages_free, (unsigned)st.pages_total);
    if (g_failures == 0) {
        printf("All checks passed.\n");
        return 0;
    }
    printf("%d check(s) FAILED\n", g_failures);
    return 1;
}
