# bench/bench.mk - benchmarks and code size; included by the top Makefile.
#
#   make bench        throughput, instruction counts, constant-time paths and
#                     memory use against glibc, jemalloc, mimalloc, tcmalloc;
#                     writes bench/RESULTS.md and bench/plots/*.png
#   make size         -Os object sizes for Cortex-M0/M4/M7 and RV32IMAC;
#                     prints the table and writes bench/SIZE.md
#   make TARGET=cortex-m4 lib-target
#                     build/cortex-m4/libslab.a (also: make lib-cortex-m4);
#                     targets: cortex-m0 cortex-m4 cortex-m7 rv32imac
#
# Neither is part of `make check`: timings never gate anything.
# See bench/README.md.

BENCH_DIR    := $(BUILD)/bench
BENCH_CFLAGS := -O2 -g
BENCH_PEERS  := glibc jemalloc mimalloc tcmalloc
# The slab as libslab.a is built: from the one-unit file when there is one
# (then also "slab-sep", the files of $(SRC) as separate objects), else $(SRC).
BENCH_UNITY  := $(wildcard src/slab_unity.c)
BENCH_SLABS  := slab $(if $(BENCH_UNITY),slab-sep)
BENCH_BINS   := $(addprefix $(BENCH_DIR)/bench-,$(BENCH_SLABS) null $(BENCH_PEERS))
BENCH_OBJS   := $(patsubst src/%.c,$(BENCH_DIR)/obj/%.o,$(or $(BENCH_UNITY),$(SRC)))
BENCH_SEP_OBJS := $(patsubst src/%.c,$(BENCH_DIR)/obj/%.o,$(SRC))
# Timing: pairs per run and runs per round; callgrind: N (then 2N) pairs.
BENCH_TIME_N ?= 1000000
BENCH_REPS   ?= 5
BENCH_ROUNDS ?= 3
BENCH_CG_N   ?= 20000

bench_lib_jemalloc := -ljemalloc
bench_lib_mimalloc := -lmimalloc
bench_lib_tcmalloc := -ltcmalloc_minimal

.PHONY: bench bench-bins size size-objs lib-target \
        $(addprefix lib-,cortex-m0 cortex-m4 cortex-m7 rv32imac)

bench:
	@$(TOOLS) build test bench
	@$(MAKE) --no-print-directory bench-bins
	python3 bench/run_bench.py --bin $(BENCH_DIR) --out bench \
	  --time-n $(BENCH_TIME_N) --reps $(BENCH_REPS) --rounds $(BENCH_ROUNDS) \
	  --cg-n $(BENCH_CG_N)

bench-bins: $(BENCH_BINS)

# The library exactly as shipped: separate objects, -O2, default config.
$(BENCH_DIR)/obj/%.o: src/%.c $(HDR)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(BENCH_CFLAGS) -MMD -MP -Isrc -c $< -o $@

$(BENCH_DIR)/bench-slab: bench/bench.c $(BENCH_OBJS) $(HDR)
	$(CC) $(WARN) $(BENCH_CFLAGS) -Isrc -DBENCH_SLAB bench/bench.c $(BENCH_OBJS) -lm -o $@

$(BENCH_DIR)/bench-slab-sep: bench/bench.c $(BENCH_SEP_OBJS) $(HDR)
	$(CC) $(WARN) $(BENCH_CFLAGS) -Isrc -DBENCH_SLAB -DBENCH_NAME='"slab-sep"' \
	  bench/bench.c $(BENCH_SEP_OBJS) -lm -o $@

$(BENCH_DIR)/bench-null: bench/bench.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(BENCH_CFLAGS) -DBENCH_NULL $< -lm -o $@

$(BENCH_DIR)/bench-%: bench/bench.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(BENCH_CFLAGS) -DBENCH_MALLOC -DBENCH_NAME='"$*"' $< -lm \
	  $(bench_lib_$*) -o $@

# ---- code size on the embedded targets --------------------------------------

SIZE_TARGETS := cortex-m0 cortex-m4 cortex-m7 rv32imac
SIZE_SRC     := $(wildcard src/*.c)
RV_CC        := riscv64-unknown-elf-gcc

cortex-m0_CC    := $(ARM_CC)
cortex-m0_FLAGS := -mcpu=cortex-m0 -mthumb -Os
cortex-m0_TOOL  := arm-none-eabi
cortex-m4_CC    := $(ARM_CC)
cortex-m4_FLAGS := -mcpu=cortex-m4 -mthumb -Os
cortex-m4_TOOL  := arm-none-eabi
cortex-m7_CC    := $(ARM_CC)
cortex-m7_FLAGS := -mcpu=cortex-m7 -mthumb -Os
cortex-m7_TOOL  := arm-none-eabi
rv32imac_CC     := $(RV_CC)
# Debian's riscv64-unknown-elf-gcc comes without a C library (no <stdint.h>
# of its own); -ffreestanding makes GCC use its own headers, which is all the
# library needs (it uses only <stddef.h>, <stdint.h>, <stdbool.h>).
rv32imac_FLAGS  := -march=rv32imac -mabi=ilp32 -Os -ffreestanding
rv32imac_TOOL   := riscv64-unknown-elf

# The target library is made like build/libslab.a: from the one-unit file
# when there is one, else from the separate files of $(SRC).
LIB_SRC := $(or $(BENCH_UNITY),$(SRC))

# $(1): target name. Objects in build/<target>/obj, library build/<target>/libslab.a.
define SIZE_TARGET_RULES
$(BUILD)/$(1)/obj/%.o: src/%.c $(HDR)
	@mkdir -p $$(@D)
	$$($(1)_CC) $$($(1)_FLAGS) $$(WARN) -MMD -MP -Isrc -c $$< -o $$@

$(BUILD)/$(1)/libslab.a: $$(patsubst src/%.c,$(BUILD)/$(1)/obj/%.o,$$(LIB_SRC))
	rm -f $$@
	$$($(1)_TOOL)-ar rcs $$@ $$^

lib-$(1):
	@$$(TOOLS) build cross
	@$$(MAKE) --no-print-directory $(BUILD)/$(1)/libslab.a
endef
$(foreach t,$(SIZE_TARGETS),$(eval $(call SIZE_TARGET_RULES,$(t))))

SIZE_OBJS = $(foreach t,$(SIZE_TARGETS),\
              $(patsubst src/%.c,$(BUILD)/$(t)/obj/%.o,$(SIZE_SRC)))

size:
	@$(TOOLS) build cross
	@$(MAKE) --no-print-directory size-objs
	@bench/size.sh $(BUILD) bench/SIZE.md $(SIZE_TARGETS)

# The RISC-V compiler is optional in ci/install-tools.sh: without it the
# rv32imac column is skipped (size.sh says so) rather than failing.
size-objs: $(if $(shell command -v $(RV_CC) 2>/dev/null),$(SIZE_OBJS),\
             $(filter-out $(BUILD)/rv32imac/%,$(SIZE_OBJS)))

lib-target:
	@test -n "$(filter $(TARGET),$(SIZE_TARGETS))" || \
	  { echo "lib-target: set TARGET to one of: $(SIZE_TARGETS)" >&2; exit 1; }
	@$(MAKE) --no-print-directory lib-$(TARGET)
	@echo "built $(BUILD)/$(TARGET)/libslab.a"

# Header and #included-.c dependencies (slab_unity.c includes the others).
-include $(wildcard $(BENCH_DIR)/obj/*.d $(foreach t,$(SIZE_TARGETS),$(BUILD)/$(t)/obj/*.d))
