# tests/threads/threads.mk - multi-threaded stress test under ThreadSanitizer
# (included by the top Makefile).
#
#   make check-threads   build/stress_threads: 4 threads on one heap locked
#                        by the hosted spin lock (hosted/slab_spinlock.c),
#                        blocks handed between threads; clang
#                        -fsanitize=thread, any TSan report fails the run.
#
# THREADS_ARGS: threads, operations per thread, seed.

THREADS_CC    ?= clang
THREADS_ARGS  ?= 4 100000 1
THREADS_WARN  := $(filter-out -std=c99,$(WARN)) -std=c11
THREADS_SRC   := tests/threads/stress.c hosted/slab_spinlock.c src/slab_unity.c
THREADS_BIN   := $(BUILD)/stress_threads

.PHONY: check-threads

# src/slab_unity.c #includes the rest of src/, so depend on all of it.
$(THREADS_BIN): $(THREADS_SRC) hosted/slab_spinlock.h $(SRC) $(HDR)
	@mkdir -p $(BUILD)
	$(THREADS_CC) $(THREADS_WARN) -O1 -g -fsanitize=thread -Isrc -Ihosted \
	  $(THREADS_SRC) -pthread -o $@

check-threads: tools-test $(THREADS_BIN)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 $(TSAN_OPTIONS)" \
	  ./$(THREADS_BIN) $(THREADS_ARGS)
