# slab - a formally specified slab heap.
#
#   make             build build/libslab.a and run the demo (heap map)
#   make check       everything CI runs: unit tests, proof replay, fuzz
#                    corpus replay, cross builds; ends "N passed, N failed"
#   make prove       replay the proofs from the committed cache (offline)
#   make prove-full  re-prove every goal from an empty cache, refresh it
#   make fuzz        run every libFuzzer harness for FUZZ_SECONDS each
#                    (fuzz/fuzz.mk: also fuzz-afl, fuzz-coverage, fuzz-cflite)
#   make clean
#
# Every target installs the tools it needs first (ci/install-tools.sh),
# so a fresh Debian machine needs nothing by hand.

BUILD    := build
SRC      := src/slab.c src/slab_edge.c src/slab_inspect.c src/heap_pages.c src/page_block.c \
            src/slab_layout.c src/heap_arena.c
HDR      := $(wildcard src/*.h)
WARN     := -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Wcast-align -Werror
CC       ?= cc
CFLAGS   ?= -O2 -g
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
TOOLS    := ci/install-tools.sh
ARM_CC   := arm-none-eabi-gcc
ARM_FLAGS := -mcpu=cortex-m4 -mthumb -Os

# Proofs: every file of src/ but the trusted edge (src/slab_edge.c,
# spec/TRUSTED.md T11-T13) and the unity file.
PROVED   := src/page_block.c src/slab_layout.c src/heap_pages.c
# src/slab.c in runs of its own: its goals are many and slow, and it reads
# the core only through its contracts.
PROVED_API := src/slab.c
PROVED_INSPECT := src/slab_inspect.c
# The arena layout slab_init uses, in a run of its own so that its goals
# and the other runs' do not share a context.
PROVED_ARENA := src/heap_arena.c
WP_CACHE := proofs/cache
WP_FLAGS := -wp -wp-rte -wp-split \
            -wp-prover z3,cvc4 -wp-timeout 10 \
            -wp-smoke-tests -wp-cache-dir $(WP_CACHE)
# Proof slots: 2 when the provers run (2 cores; more would make goals
# near the 10 s limit time out). Not fewer either: with 2 slots a goal's
# two provers run side by side and the first answer wins; with 1 they run
# one after the other, and every goal only CVC4 proves first waits out
# Z3's 10 s (measured: two runs side by side with 1 slot each met 221
# such time-outs in src/slab.c alone, 37 min of a core spent waiting).
# In a replay no prover runs, and WP's
# scheduler pauses between cache look-ups, so more slots finish sooner
# (measured: a third of src/slab.c replays in 2 min 36 s with 16, 4 min 32 s
# with 2). The slot count is not part of a goal's cache key.
WP_PAR_update  := 2
WP_PAR_offline := 16
# The WP runs of `make prove` / `prove-full`, each one frama-c invocation on a
# fixed set of files; a goal's cache entry replays in any run of the same
# files that generates it, whatever the function selection:
#   core: $(PROVED);  inspect: $(PROVED_INSPECT);  arena: $(PROVED_ARENA);
#   api-a, api-b: $(PROVED_API) split in two (WP_API_A and the rest), so a
#   replay can run them side by side; api-lemmas: the lemmas of that file
#   set, which a run restricted to some functions does not prove;
#   api-counts: the allocation paths' page-count clauses of $(PROVED_API)
#   (COUNTS_ENSURES, spec/heap_spec.h), seen only in that run and in core;
#   core-lists: the page layer's R28 clauses (LISTS_ENSURES), seen only there;
#   api-lists: the same for $(PROVED_API) and the public contracts;
#   core-marks, api-marks: R23 in the heap invariant (MARKS_ENSURES,
#   spec/page_spec.h), the same way for the page layer and $(PROVED_API).
#   core-bytes: the page layer's share of the byte count (BYTES_ENSURES,
#   spec/heap_spec.h), seen only there; api-bytes: R30 (bytes_used kept
#   by every call) for $(PROVED_API) and the public contracts.
#   core-complete, api-complete: R31, the lists' completeness
#   (COMPLETE_ENSURES, spec/page_spec.h), the same way; both see R28's
#   clauses too, which R31's take as given.
# To add a run X: WP_FILES_X, WP_ARGS_X (files and options), WP_DEFS_X
# (preprocessor options, if any) and X in WP_RUNS; for a run of named
# clauses, X in WP_RUNS and one $(call WP_SPLIT_RUN,...) line below, which
# sets the four and puts X in WP_SPLIT_RUNS, so that make prove-mutants
# gives it the mutants of its files.
WP_API_A := heap_alloc,large_alloc,heap_move,class_take_from,slab_set_lock
# The names of the clauses a run of named clauses proves, read from the
# sources so that none is left unproved: $(call WP_NAMES,<macro prefix>,<files>)
# lists every name written as <prefix>_ENSURES(name, ...), _INVARIANT or
# _ASSERT, also in the body of a macro (spec/heap_spec.h's
# BYTES_WRITE_STEP), but not on a #define line, whose name is a macro
# parameter. (PAREN: a literal parenthesis, which make would count inside
# $(shell ...).)
PAREN := (
WP_NAMES = $(shell sed -n '/^\#define/!s/.*$(1)_\(ENSURES\|INVARIANT\|ASSERT\)[$(PAREN)]\([A-Za-z_0-9]*\),.*/\2/p' $(2) | sort -u | paste -sd, -)
# COUNTS_ENSURES of src/slab.c and of the public contracts it proves (R27).
WP_COUNTS := $(call WP_NAMES,COUNTS,$(PROVED_API) spec/slab_api_spec.h)
# The page layer's R28 clauses, proved in the run core-lists.
WP_LISTS := $(call WP_NAMES,LISTS,$(PROVED) $(PROVED:.c=.h))
# R28 for src/slab.c and the public contracts, proved in the run api-lists.
WP_LISTS_API := $(call WP_NAMES,LISTS,$(PROVED_API) spec/slab_api_spec.h)
# R23 in the heap invariant: the page layer's clauses, proved in the run
# core-marks, and those of src/slab.c and the public contracts, in api-marks.
WP_MARKS := $(call WP_NAMES,MARKS,$(PROVED) $(PROVED:.c=.h))
WP_MARKS_API := $(call WP_NAMES,MARKS,$(PROVED_API) src/slab_edge.h spec/slab_api_spec.h)
# The page layer's share of the byte count (R29), proved in core-bytes.
WP_BYTES := $(call WP_NAMES,BYTES,$(PROVED) $(PROVED:.c=.h))
# R30 for src/slab.c (bytes_used agrees with the page table, kept by every
# call), proved in api-bytes; with the preconditions of the ghost lemmas
# bytes_bounds and blocks_bytes_bound, which that run's code calls (under
# SLAB_PROOF_BYTES). It sees the R27 and R23 clauses too: every call keeps
# R30 given them.
WP_BYTES_API := $(call WP_NAMES,BYTES,$(PROVED_API) src/slab_edge.h spec/slab_api_spec.h spec/heap_spec.h),bytes_heap,bytes_factor_ok
# List completeness (R31): the page layer's share in core-complete, src/slab.c's
# and the public contracts' in api-complete; both see R28's clauses, which
# the completeness clauses take as given.
WP_COMPLETE := $(call WP_NAMES,COMPLETE,$(PROVED) $(PROVED:.c=.h))
WP_COMPLETE_API := $(call WP_NAMES,COMPLETE,$(PROVED_API) src/slab_edge.h spec/slab_api_spec.h)
WP_RUNS             = core core-lists core-marks core-bytes core-complete api-a api-b api-lemmas api-counts api-lists api-marks api-bytes api-complete inspect arena
WP_FILES_core       = $(PROVED)
WP_ARGS_core        = $(PROVED)
WP_DEFS_core        = -DSLAB_PROOF_COUNTS
# $(call WP_SPLIT_RUN,<run>,<files variable>,<names variable>,<defines>):
# the settings of a run of named clauses, which also joins WP_SPLIT_RUNS.
define WP_SPLIT_RUN
WP_FILES_$(1) = $$($(2))
WP_PROPS_$(1) = $$($(3))
WP_ARGS_$(1)  = -wp-prop $$(WP_PROPS_$(1)) $$($(2))
WP_DEFS_$(1)  = $(4)
WP_SPLIT_RUNS += $(1)
endef
$(eval $(call WP_SPLIT_RUN,core-lists,PROVED,WP_LISTS,-DSLAB_PROOF_LISTS))
$(eval $(call WP_SPLIT_RUN,core-marks,PROVED,WP_MARKS,-DSLAB_PROOF_MARKS))
$(eval $(call WP_SPLIT_RUN,core-bytes,PROVED,WP_BYTES,-DSLAB_PROOF_COUNTS -DSLAB_PROOF_BYTES))
$(eval $(call WP_SPLIT_RUN,api-counts,PROVED_API,WP_COUNTS,-DSLAB_PROOF_COUNTS))
$(eval $(call WP_SPLIT_RUN,api-lists,PROVED_API,WP_LISTS_API,-DSLAB_PROOF_LISTS))
$(eval $(call WP_SPLIT_RUN,api-marks,PROVED_API,WP_MARKS_API,-DSLAB_PROOF_MARKS))
$(eval $(call WP_SPLIT_RUN,core-complete,PROVED,WP_COMPLETE,-DSLAB_PROOF_LISTS -DSLAB_PROOF_COMPLETE))
$(eval $(call WP_SPLIT_RUN,api-complete,PROVED_API,WP_COMPLETE_API,-DSLAB_PROOF_LISTS -DSLAB_PROOF_COMPLETE))
$(eval $(call WP_SPLIT_RUN,api-bytes,PROVED_API,WP_BYTES_API,-DSLAB_PROOF_COUNTS -DSLAB_PROOF_MARKS -DSLAB_PROOF_BYTES))
WP_FILES_api-a      = $(PROVED_API)
WP_ARGS_api-a       = -wp-fct $(WP_API_A) $(PROVED_API)
WP_FILES_api-b      = $(PROVED_API)
WP_ARGS_api-b       = -wp-skip-fct $(WP_API_A) $(PROVED_API)
WP_FILES_api-lemmas = $(PROVED_API)
WP_ARGS_api-lemmas  = -wp-prop @lemma $(PROVED_API)
WP_FILES_inspect    = $(PROVED_INSPECT)
WP_ARGS_inspect     = $(PROVED_INSPECT)
WP_FILES_arena      = $(PROVED_ARENA)
WP_ARGS_arena       = $(PROVED_ARENA)
# $(call WP_RUN,<cache mode>,<name>,<run>): the command of one run, also shown
# in the report; it writes WP's JSON report build/<name>.json, which
# proofs/report.py reads with the log build/<name>.log.
WP_RUN   = frama-c -cpp-extra-args="-Isrc -Ispec$(if $(WP_DEFS_$(3)), $(WP_DEFS_$(3)))" $(WP_FLAGS) -wp-par $(WP_PAR_$(1)) -wp-cache $(1) -wp-report-json $(BUILD)/$(2).json $(WP_ARGS_$(3))
# $(call WP_REPORT,<cache mode>,<prefix>,<runs>): proofs/report.py over the
# logs and JSON reports build/<prefix>-R.* of those runs.
WP_REPORT = python3 proofs/report.py --src '$(SRC)' $(foreach R,$(3),--run $(R) $(BUILD)/$(2)-$(R).log $(BUILD)/$(2)-$(R).json '$(WP_FILES_$(R))' '$(call WP_RUN,$(1),$(2)-$(R),$(R))')
# $(call WP_PROVE,<cache mode>,<prefix>): every run R of WP_RUNS, to
# build/<prefix>-R.log and .json (a replay runs them all at once: each
# frama-c is one thread, and the replay of src/slab.c alone took 16 min;
# when the provers run, one run at a time); then proofs/REPORT.md over all
# runs (files of SRC in no run are listed as not in the proof), then
# ci/proof-summary.sh on each log. Fails if the report cannot be written,
# its verdict is not 100% (a smoke test with no prover verdict recorded, for
# one), a function has no goal and is not in the trusted edge (spec/TRUSTED.md),
# or any run's summary fails.
define WP_PROVE
	@mkdir -p $(BUILD)
	rm -f $(BUILD)/$(2).log $(BUILD)/$(2).json $(foreach R,$(WP_RUNS),$(BUILD)/$(2)-$(R).json)
	$(foreach R,$(WP_RUNS),$(call WP_RUN,$(1),$(2)-$(R),$(R)) > $(BUILD)/$(2)-$(R).log 2>&1 $(if $(filter offline,$(1)),&,|| true;)) wait
	@$(call WP_REPORT,$(1),$(2),$(WP_RUNS)); r=$$?; \
	s=0; for log in $(foreach R,$(WP_RUNS),$(BUILD)/$(2)-$(R).log); do \
	  echo "$$log:"; ci/proof-summary.sh $$log || s=1; done; \
	[ $$r -eq 0 ] && [ $$s -eq 0 ]
endef
FUZZ_SECONDS ?= 60

.PHONY: all lib demo check unit prove prove-full prove-report-gate prove-mutants cross clean \
        tools-build tools-test tools-prove tools-fuzz tools-cross

all: demo preload

tools-build:
	@$(TOOLS) build
tools-test:
	@$(TOOLS) build test
tools-prove:
	@$(TOOLS) prove
tools-fuzz:
	@$(TOOLS) build fuzz
tools-cross:
	@$(TOOLS) build test cross

# ---- the library ----------------------------------------------------------

$(BUILD)/obj/slab_unity.o: $(SRC)
$(BUILD)/obj/%.o: src/%.c $(HDR) | $(BUILD)/obj
	$(CC) $(WARN) $(CFLAGS) -Isrc -c $< -o $@

# The library is built from the one-unit file so the core can be inlined.
$(BUILD)/libslab.a: $(BUILD)/obj/slab_unity.o
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj:
	mkdir -p $@

lib: tools-build $(BUILD)/libslab.a

$(BUILD)/demo: examples/demo.c $(BUILD)/libslab.a
	$(CC) $(WARN) $(CFLAGS) -Isrc $< $(BUILD)/libslab.a -o $@

demo: tools-build $(BUILD)/demo
	./$(BUILD)/demo

# ---- tests ----------------------------------------------------------------

$(BUILD)/test_slab: tests/test_slab.c $(wildcard tests/*.h) $(SRC) $(HDR)
	@mkdir -p $(BUILD)
	$(CC) $(WARN) -O1 -g $(SAN) -Isrc tests/test_slab.c $(SRC) -lcmocka -o $@

# White-box tests of slab_check: it must notice each kind of damage.
$(BUILD)/test_check: tests/test_check.c $(SRC) $(HDR)
	@mkdir -p $(BUILD)
	$(CC) $(WARN) -O1 -g $(SAN) -Isrc tests/test_check.c $(SRC) -lcmocka -o $@

unit: tools-test $(BUILD)/test_slab $(BUILD)/test_check
	./$(BUILD)/test_slab
	./$(BUILD)/test_check

check:
	@ci/check.sh

# ---- proofs ---------------------------------------------------------------

# Replay: every goal must come from the committed cache; a goal missing
# from it (a stale cache) fails rather than silently re-proving.
prove: tools-prove
	$(call WP_PROVE,offline,prove)

# Full re-proof from an empty cache; the fresh cache replaces the old one.
# Both runs write into the one cache directory.
prove-full: tools-prove
	rm -rf $(WP_CACHE) && mkdir -p $(WP_CACHE)
	$(call WP_PROVE,update,prove-full)

# The report's coverage gate, checked on the logs of the last `make prove`:
# without the run of src/heap_arena.c, its functions have no goal and are
# not in the trusted edge, so the report must fail and list them as not yet
# proved (a file dropped from the runs must not leave the verdict at 100%).
prove-report-gate:
	@$(call WP_REPORT,offline,prove,$(filter-out arena,$(WP_RUNS))) --out $(BUILD)/REPORT-gate.md > $(BUILD)/REPORT-gate.out 2>&1; r=$$?; \
	if [ $$r -eq 1 ] && grep -q '`heap_arena_layout` (line [0-9]*, \*\*not yet proved\*\*)' $(BUILD)/REPORT-gate.md; then \
	  echo "report gate: without the arena run the report fails and lists heap_arena_layout as not yet proved"; \
	else echo "report gate: FAILED (report.py exit status $$r, expected 1; see $(BUILD)/REPORT-gate.md)"; exit 1; fi

# Proof mutation check: single-line faults from proofs/mutants.txt, each in a
# scratch copy, given to WP (proved files) and to the unit tests; writes
# proofs/MUTANTS.md with the score. MUTANTS=M01,M02 runs only those and
# writes build/MUTANTS-subset.md instead, so the full report stays whole.
prove-mutants: tools-prove tools-test
	python3 proofs/mutants.py --proved "$(PROVED) $(PROVED_API) $(PROVED_INSPECT) $(PROVED_ARENA)" \
	  --wp-flags '$(WP_FLAGS) -wp-par $(WP_PAR_update)' --only "$(MUTANTS)" \
	  --counts-files "$(PROVED)" \
	  $(foreach R,$(WP_SPLIT_RUNS),--split-run="$(R)|$(WP_FILES_$(R))|$(WP_DEFS_$(R))|$(WP_PROPS_$(R))") \
	  $(if $(MUTANTS),--out $(BUILD)/MUTANTS-subset.md) \
	  --test-cc "$(CC) $(WARN) -Wno-unused -O1 -g $(SAN) -Isrc"

# ---- cross builds -----------------------------------------------------------

cross: tools-cross
	@mkdir -p $(BUILD)/m32 $(BUILD)/arm
	for f in $(SRC) src/slab_unity.c; do \
	  $(CC) -m32 $(WARN) -O2 -Isrc -c $$f -o $(BUILD)/m32/$$(basename $$f .c).o || exit 1; \
	  $(ARM_CC) $(ARM_FLAGS) $(WARN) -Isrc -c $$f -o $(BUILD)/arm/$$(basename $$f .c).o || exit 1; \
	  clang $(WARN) -O2 -Isrc -c $$f -o $(BUILD)/m32/$$(basename $$f .c).clang.o || exit 1; \
	  clang -m32 $(WARN) -O2 -Isrc -c $$f -o $(BUILD)/m32/$$(basename $$f .c).clang32.o || exit 1; \
	done

clean:
	rm -rf $(BUILD)

# Benchmarks and code size (bench/bench.mk: make bench, make size).
-include bench/bench.mk
# Hosted malloc family and LD_PRELOAD checks (hosted/hosted.mk).
-include hosted/hosted.mk
# Cortex-M example and on-target tests under QEMU (examples/cortex-m/target.mk).
-include examples/cortex-m/target.mk
# Fuzz harnesses: replay, libFuzzer, AFL++, coverage, ClusterFuzzLite (fuzz/fuzz.mk).
-include fuzz/fuzz.mk
# Rust bindings (bindings/rust/rust.mk).
-include bindings/rust/rust.mk
# Multi-threaded stress test under ThreadSanitizer (tests/threads/threads.mk).
-include tests/threads/threads.mk
# Audit pack, install/uninstall and the install test (audit/audit.mk).
-include audit/audit.mk
