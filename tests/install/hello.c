/*
 * hello.c - the smallest program against the installed library: one heap,
 * one block, a check, a free. Built by tests/install/run.sh with
 * `pkg-config --cflags --libs slab`, linked statically and dynamically.
 * Prints "hello: ..." and exits 0 if every step did what slab.h says.
 */
#include <stdio.h>
#include <string.h>

#include <slab.h>

static unsigned char arena[64u * 1024u];

int main(void)
{
    slab_stats st;
    slab_heap *h = slab_init(arena, sizeof arena);
    char *p;

    if (h == NULL) {
        printf("hello: slab_init failed\n");
        return 1;
    }
    p = slab_alloc(h, 32u, 8u);
    if (p == NULL || slab_usable_size(h, p) < 32u) {
        printf("hello: slab_alloc failed\n");
        return 1;
    }
    strcpy(p, "slab");
    slab_get_stats(h, &st);
    if (strcmp(p, "slab") != 0 || st.blocks_used != 1u || !slab_check(h)) {
        printf("hello: stats or heap check wrong\n");
        return 1;
    }
    slab_free(h, p);
    slab_get_stats(h, &st);
    if (st.blocks_used != 0u || st.fault_count != 0u || !slab_check(h)) {
        printf("hello: free failed\n");
        return 1;
    }
    printf("hello: slab %s, %zu pages of %zu bytes, alloc/free ok\n",
           SLAB_VERSION_STRING, st.pages_total, st.page_size);
    return 0;
}
