# fuzz/fuzz.mk - every fuzz harness, every way of running it.
# Included from the top Makefile (-include fuzz/fuzz.mk, after its own
# targets so `all` stays the default goal). Uses BUILD, SRC, HDR, SAN,
# TOOLS and FUZZ_SECONDS from there (defaults below for use on its own).
#
#   make fuzz-replay-all   replay every corpus, ASan+UBSan, 64- and 32-bit
#                          (what make check runs; a few seconds)
#   make fuzz              libFuzzer, FUZZ_SECONDS (60) per harness
#   make fuzz-m32          the same with the 32-bit (clang -m32) build
#   make fuzz-afl          AFL++ with a CmpLog binary, FUZZ_SECONDS each
#   make fuzz-coverage     source-based coverage of src/ by all corpora:
#                          build/fuzz-coverage/{report.txt,html/index.html}
#   make fuzz-cflite       run .clusterfuzzlite/build.sh locally (OSS-Fuzz
#                          variables) into build/cflite-out
#
# Harness X is fuzz/fuzz_X.c with seeds in fuzz/corpus/X/, fuzz/fuzz_X.dict
# and fuzz/fuzz_X.options. Inputs that fuzzers find go to
# $(BUILD)/fuzz/corpus-X (libFuzzer) and $(BUILD)/fuzz/afl-X (AFL++).

BUILD        ?= build
SRC          ?= src/slab.c src/slab_edge.c src/slab_inspect.c src/heap_pages.c \
                src/page_block.c src/slab_layout.c src/heap_arena.c
HDR          ?= $(wildcard src/*.h)
SAN          ?= -fsanitize=address,undefined -fno-sanitize-recover=all
TOOLS        ?= ci/install-tools.sh
FUZZ_SECONDS ?= 60

FUZZ_HARNESSES := ops layout misuse init
FUZZ_DIR       := $(BUILD)/fuzz
FUZZ_DEPS      := $(SRC) $(HDR) fuzz/fuzz_common.h
FUZZ_CFLAGS    := -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -Isrc
AFL_CC         ?= afl-clang-fast
LLVM_PROFDATA  ?= llvm-profdata
LLVM_COV       ?= llvm-cov
FUZZ_COV_DIR   := $(BUILD)/fuzz-coverage

.PHONY: fuzz fuzz-m32 fuzz-build fuzz-build-m32 fuzz-replay-all fuzz-replay-64 fuzz-replay-32 \
        fuzz-afl fuzz-afl-build fuzz-coverage fuzz-cflite fuzz-seeds

# ---- builds ----------------------------------------------------------------

# replay: cc + ASan/UBSan, no engine (fuzz/replay_main.c is main)
$(FUZZ_DIR)/replay/fuzz_%: fuzz/fuzz_%.c fuzz/replay_main.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -O1 $(SAN) fuzz/fuzz_$*.c fuzz/replay_main.c \
	  $(SRC) -o $@

# the same, 32-bit (gcc-multilib)
$(FUZZ_DIR)/replay32/fuzz_%: fuzz/fuzz_%.c fuzz/replay_main.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(CC) -m32 $(FUZZ_CFLAGS) -O1 $(SAN) fuzz/fuzz_$*.c fuzz/replay_main.c \
	  $(SRC) -o $@

# libFuzzer
$(FUZZ_DIR)/libfuzzer/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc fuzz/fuzz_$*.c $(SRC) -o $@

# libFuzzer, 32-bit (size_t overflow bugs differ): clang -m32, i386 runtime
$(FUZZ_DIR)/libfuzzer32/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	clang -m32 -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Isrc fuzz/fuzz_$*.c $(SRC) -o $@

# AFL++ (libFuzzer entry point through afl-clang-fast) and its CmpLog twin
$(FUZZ_DIR)/afl/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	AFL_QUIET=1 $(AFL_CC) -g -O1 -fsanitize=fuzzer -Isrc fuzz/fuzz_$*.c \
	  $(SRC) -o $@

$(FUZZ_DIR)/afl/fuzz_%.cmplog: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(AFL_CC) -g -O1 -fsanitize=fuzzer -Isrc \
	  fuzz/fuzz_$*.c $(SRC) -o $@

# coverage: clang source-based coverage, replay main, no sanitizer
$(FUZZ_DIR)/cov/fuzz_%: fuzz/fuzz_%.c fuzz/replay_main.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -O0 -DSLAB_INLINE=inline -fprofile-instr-generate \
	  -fcoverage-mapping fuzz/fuzz_$*.c fuzz/replay_main.c $(SRC) -o $@

# ---- replay (make check) -------------------------------------------------

fuzz-replay-64: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/replay/fuzz_%)
	@for h in $(FUZZ_HARNESSES); do \
	  printf '%-7s 64-bit: ' $$h; \
	  ./$(FUZZ_DIR)/replay/fuzz_$$h fuzz/corpus/$$h || exit 1; \
	done

# Some kernels cannot run i386 programs at all (no IA32 emulation: "Exec
# format error"); there the 32-bit replay is skipped with a message, and
# the 32-bit code is still run by the Cortex-M and RV32 target tests.
$(FUZZ_DIR)/m32-probe: fuzz/replay_main.c
	@mkdir -p $(@D)
	@printf 'int main(void) { return 0; }\n' | $(CC) -m32 -x c - -o $@

fuzz-replay-32: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/replay32/fuzz_%) $(FUZZ_DIR)/m32-probe
	@if ! ./$(FUZZ_DIR)/m32-probe 2>/dev/null; then \
	  echo "32-bit replay skipped: this kernel cannot run i386 programs"; \
	  exit 0; \
	fi; \
	for h in $(FUZZ_HARNESSES); do \
	  printf '%-7s 32-bit: ' $$h; \
	  ./$(FUZZ_DIR)/replay32/fuzz_$$h fuzz/corpus/$$h || exit 1; \
	done

fuzz-replay-all: tools-test
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) fuzz-replay-64 fuzz-replay-32

# ---- libFuzzer -------------------------------------------------------------
# -max_len: 64 for init, 4096 for the others (as in fuzz/fuzz_X.options)

fuzz-build: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/libfuzzer/fuzz_%)
fuzz-build-m32: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/libfuzzer32/fuzz_%)

# FUZZ_ARCH=32 (make fuzz-m32) runs the i386 build on the same corpora.
FUZZ_ARCH ?= 64
FUZZ_BIN_DIR = $(FUZZ_DIR)/libfuzzer$(if $(filter 32,$(FUZZ_ARCH)),32)

fuzz-m32:
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) fuzz FUZZ_ARCH=32

fuzz: tools-fuzz
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) \
	  $(if $(filter 32,$(FUZZ_ARCH)),fuzz-build-m32,fuzz-build)
	@for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_DIR)/corpus-$$h $(FUZZ_DIR)/artifacts-$$h; \
	  echo "== libFuzzer ($(FUZZ_ARCH)-bit) $$h, $(FUZZ_SECONDS) s"; \
	  ./$(FUZZ_BIN_DIR)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$$(case $$h in init) echo 64;; *) echo 4096;; esac) \
	    -dict=fuzz/fuzz_$$h.dict -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts-$$h/ \
	    $(FUZZ_DIR)/corpus-$$h fuzz/corpus/$$h 2>&1 | \
	    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss)|ERROR|SUMMARY|check failed|Test unit written' ; \
	done

# ---- AFL++ -----------------------------------------------------------------

fuzz-afl-build: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/afl/fuzz_%) \
                $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/afl/fuzz_%.cmplog)

fuzz-afl: tools-fuzz
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) fuzz-afl-build
	@for h in $(FUZZ_HARNESSES); do \
	  echo "== AFL++ $$h, $(FUZZ_SECONDS) s"; \
	  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	  AFL_QUIET=1 afl-fuzz -V $(FUZZ_SECONDS) -i fuzz/corpus/$$h \
	    -o $(FUZZ_DIR)/afl-$$h -x fuzz/fuzz_$$h.dict \
	    -c ./$(FUZZ_DIR)/afl/fuzz_$$h.cmplog \
	    -- ./$(FUZZ_DIR)/afl/fuzz_$$h >$(FUZZ_DIR)/afl-$$h.log 2>&1; \
	  grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg)' \
	    $(FUZZ_DIR)/afl-$$h/default/fuzzer_stats || tail -n 20 $(FUZZ_DIR)/afl-$$h.log; \
	done

# ---- coverage --------------------------------------------------------------

fuzz-coverage: tools-fuzz $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/cov/fuzz_%)
	@rm -rf $(FUZZ_COV_DIR) && mkdir -p $(FUZZ_COV_DIR)
	@for h in $(FUZZ_HARNESSES); do \
	  LLVM_PROFILE_FILE=$(FUZZ_COV_DIR)/$$h.profraw \
	    ./$(FUZZ_DIR)/cov/fuzz_$$h fuzz/corpus/$$h $$(ls -d $(FUZZ_DIR)/corpus-$$h 2>/dev/null) \
	    >/dev/null || exit 1; \
	done
	@$(LLVM_PROFDATA) merge -sparse $(FUZZ_COV_DIR)/*.profraw -o $(FUZZ_COV_DIR)/all.profdata
	@$(LLVM_COV) report --show-branch-summary \
	  -instr-profile=$(FUZZ_COV_DIR)/all.profdata $(FUZZ_DIR)/cov/fuzz_ops \
	  $(foreach h,$(filter-out ops,$(FUZZ_HARNESSES)),-object $(FUZZ_DIR)/cov/fuzz_$(h)) \
	  $(SRC) > $(FUZZ_COV_DIR)/report.txt
	@$(LLVM_COV) show -format=html -show-branches=count \
	  -instr-profile=$(FUZZ_COV_DIR)/all.profdata $(FUZZ_DIR)/cov/fuzz_ops \
	  $(foreach h,$(filter-out ops,$(FUZZ_HARNESSES)),-object $(FUZZ_DIR)/cov/fuzz_$(h)) \
	  -output-dir=$(FUZZ_COV_DIR)/html $(SRC)
	@cat $(FUZZ_COV_DIR)/report.txt
	@echo "html: $(FUZZ_COV_DIR)/html/index.html"

# ---- ClusterFuzzLite build, locally ------------------------------------------

fuzz-cflite: tools-fuzz
	rm -rf $(BUILD)/cflite-out && mkdir -p $(BUILD)/cflite-out $(BUILD)/cflite-work
	CC=clang CXX=clang++ CFLAGS="-fsanitize=address,fuzzer-no-link -g -O1" \
	  LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=$(CURDIR)/$(BUILD)/cflite-out \
	  WORK=$(CURDIR)/$(BUILD)/cflite-work SRC=$(CURDIR) \
	  bash .clusterfuzzlite/build.sh

# ---- seeds -------------------------------------------------------------------

fuzz-seeds:
	python3 fuzz/make_seeds.py
	python3 fuzz/make_seeds_more.py
