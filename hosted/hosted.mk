# hosted/hosted.mk - the hosted malloc family (included by the top Makefile).
#
#   make preload        build/libslabmalloc.so: malloc, free, calloc, realloc,
#                       ... over one slab heap, for LD_PRELOAD or linking
#   make check-preload  the malloc-family API test, against the library
#                       (build/test_malloc_api) and with a static arena
#                       (build/test_malloc_api_static), then real programs
#                       run with and without the preload
#                       (tests/preload/run.sh; ends "N passed, N failed")
#
# The core (src/) is compiled again as position-independent code with its
# symbols hidden, so the library exports only the malloc family and the
# slab_malloc_* extras. The hosted file is C11 (atomics) with GNU
# extensions (mmap flags, sched_yield); same warnings as the core.

HOSTED_DIR   := hosted
HOSTED_SRC   := $(HOSTED_DIR)/slab_malloc.c
HOSTED_HDR   := $(HOSTED_DIR)/slab_malloc.h
HOSTED_WARN  := $(filter-out -std=c99,$(WARN)) -std=c11
PIC_FLAGS    := -fPIC -O2 -g -fvisibility=hidden
PRELOAD_LIB  := $(BUILD)/libslabmalloc.so
PRELOAD_TEST := $(BUILD)/test_malloc_api

.PHONY: preload check-preload

$(BUILD)/pic/%.o: src/%.c $(HDR) | $(BUILD)/pic
	$(CC) $(WARN) $(PIC_FLAGS) -Isrc -c $< -o $@

$(BUILD)/pic/slab_malloc.o: $(HOSTED_SRC) $(HOSTED_HDR) $(HDR) | $(BUILD)/pic
	$(CC) $(HOSTED_WARN) $(PIC_FLAGS) -fno-builtin -Isrc -I$(HOSTED_DIR) -c $< -o $@

$(BUILD)/pic:
	mkdir -p $@

# The core as one unit (src/slab_unity.c) when there is one, so the page
# core inlines into the API as in libslab.a; otherwise file by file.
PIC_CORE     := $(if $(wildcard src/slab_unity.c),$(BUILD)/pic/slab_unity.o,\
                  $(patsubst src/%.c,$(BUILD)/pic/%.o,$(SRC)))

# slab_unity.c #includes the other sources: rebuild it when they change.
$(BUILD)/pic/slab_unity.o: $(SRC)

$(PRELOAD_LIB): $(PIC_CORE) $(BUILD)/pic/slab_malloc.o
	$(CC) -shared -pthread -Wl,-z,now -Wl,--no-undefined -o $@ $^

preload: tools-build $(PRELOAD_LIB)

# The API test links the shared library, so the executable (and libc inside
# it) allocates from the slab heap from its first malloc on.
$(PRELOAD_TEST): tests/preload/test_malloc_api.c $(HOSTED_HDR) $(HDR) $(PRELOAD_LIB)
	$(CC) $(HOSTED_WARN) -O1 -g -fno-builtin -Isrc -I$(HOSTED_DIR) $< \
	  -L$(BUILD) -Wl,-rpath,'$$ORIGIN' -lslabmalloc -lcmocka -pthread -o $@

# The same test with the sources linked in and a static 64 MiB arena
# (-DSLAB_MALLOC_STATIC_BYTES, the mode for hosts without mmap), under
# UBSan (ASan would replace malloc itself).
$(PRELOAD_TEST)_static: tests/preload/test_malloc_api.c $(HOSTED_SRC) $(HOSTED_HDR) $(SRC) $(HDR)
	$(CC) $(HOSTED_WARN) -O1 -g -fno-builtin -fsanitize=undefined -fno-sanitize-recover=all \
	  -DSLAB_MALLOC_STATIC_BYTES=67108864 -Isrc -I$(HOSTED_DIR) \
	  $< $(HOSTED_SRC) $(PIC_CORE:$(BUILD)/pic/%.o=src/%.c) -lcmocka -pthread -o $@

check-preload: tools-test $(PRELOAD_LIB) $(PRELOAD_TEST) $(PRELOAD_TEST)_static
	./$(PRELOAD_TEST)
	./$(PRELOAD_TEST)_static
	tests/preload/run.sh $(PRELOAD_LIB)
