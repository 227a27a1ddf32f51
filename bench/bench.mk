# bench/bench.mk - benchmarks and code size; included by the top Makefile.
#
#   make bench        throughput, instruction counts, constant-time paths and
#                     memory use against glibc, jemalloc, mimalloc, tcmalloc;
#                     writes bench/RESULTS.md and bench/plots/*.png
#   make size         -Os object sizes for Cortex-M0/M4/M7 and RV32IMAC, and
#                     what a linked Cortex-M4 program holds, by role;
#                     prints the table and writes bench/SIZE.md
#   make bench-arm    instructions per alloc+free pair and per call of the
#                     Cortex-M4 -Os build, counted under qemu-system-arm
#                     (mps2-an386) by a TCG plugin (bench/qemu_icount.c);
#                     writes bench/ARM.md (also run by `make bench`)
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

.PHONY: bench bench-bins bench-arm bench-arm-bins size size-objs lib-target \
        $(addprefix lib-,cortex-m0 cortex-m4 cortex-m7 rv32imac)

bench:
	@$(TOOLS) build test bench
	@$(MAKE) --no-print-directory bench-bins
	@$(MAKE) --no-print-directory bench-arm
	python3 bench/run_bench.py --bin $(BENCH_DIR) --out bench \
	  --time-n $(BENCH_TIME_N) --reps $(BENCH_REPS) --rounds $(BENCH_ROUNDS) \
	  --cg-n $(BENCH_CG_N) --arm-json $(BARM_DIR)/arm.json

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
	@python3 bench/size_breakdown.py --cc $(cortex-m4_CC) --tool $(cortex-m4_TOOL) \
	  --flags "$(cortex-m4_FLAGS)" --warn "$(WARN)" --target cortex-m4 \
	  --build $(BUILD) --out bench/SIZE.md

# The RISC-V compiler is optional in ci/install-tools.sh: without it the
# rv32imac column is skipped (size.sh says so) rather than failing.
size-objs: $(if $(shell command -v $(RV_CC) 2>/dev/null),$(SIZE_OBJS),\
             $(filter-out $(BUILD)/rv32imac/%,$(SIZE_OBJS)))

lib-target:
	@test -n "$(filter $(TARGET),$(SIZE_TARGETS))" || \
	  { echo "lib-target: set TARGET to one of: $(SIZE_TARGETS)" >&2; exit 1; }
	@$(MAKE) --no-print-directory lib-$(TARGET)
	@echo "built $(BUILD)/$(TARGET)/libslab.a"

# ---- instruction counts on Cortex-M4 (QEMU) ----------------------------------
#
# The library as `make lib-cortex-m4` builds it (one unit when src/slab_unity.c
# exists, -mcpu=cortex-m4 -mthumb -Os), plus -g for the line table (which
# does not change the code); the harness bench/arm_bench.c twice (slab, and
# the null allocator for the loop); the startup code and linker script of
# examples/cortex-m/ (newlib + semihosting). The arena is the script's .heap
# region, BARM_ARENA bytes, which the startup code does not clear; newlib's
# own malloc (stdio buffers) is moved past it (`end`, where its sbrk starts,
# set to __heap_end). BARM_N pairs per region (then 2N).

BARM_DIR     := $(BUILD)/bench-arm
BARM_FLAGS   := $(cortex-m4_FLAGS) -g
BARM_N       ?= 1000
BARM_ARENA   := 0x200000
BARM_LD      := examples/cortex-m/mps2.ld
BARM_STARTUP := examples/cortex-m/startup.c
BARM_OBJS    := $(patsubst src/%.c,$(BARM_DIR)/lib/%.o,$(LIB_SRC))
BARM_LDFLAGS := -T $(BARM_LD) --specs=rdimon.specs -nostartfiles \
                -Wl,--defsym=__heap_size=$(BARM_ARENA) -Wl,--defsym=end=__heap_end

$(BARM_DIR)/lib/%.o: src/%.c $(HDR)
	@mkdir -p $(@D)
	$(ARM_CC) $(BARM_FLAGS) $(WARN) -MMD -MP -Isrc -c $< -o $@

$(BARM_DIR)/startup.o: $(BARM_STARTUP)
	@mkdir -p $(@D)
	$(ARM_CC) $(BARM_FLAGS) -std=gnu99 -Wall -Wextra -Werror -c $< -o $@

$(BARM_DIR)/arm_bench_%.o: bench/arm_bench.c $(HDR)
	@mkdir -p $(@D)
	$(ARM_CC) $(BARM_FLAGS) -std=gnu99 -Wall -Wextra -Werror \
	  -DBENCH_$(if $(filter null,$*),NULL,SLAB) -Isrc -c $< -o $@

$(BARM_DIR)/arm_bench_slab.elf: $(BARM_DIR)/arm_bench_slab.o $(BARM_DIR)/startup.o \
        $(BARM_OBJS) $(BARM_LD)
	$(ARM_CC) $(BARM_FLAGS) $(filter %.o,$^) $(BARM_LDFLAGS) -o $@

$(BARM_DIR)/arm_bench_null.elf: $(BARM_DIR)/arm_bench_null.o $(BARM_DIR)/startup.o \
        $(BARM_LD)
	$(ARM_CC) $(BARM_FLAGS) $(filter %.o,$^) $(BARM_LDFLAGS) -o $@

# The plugin is a host shared object (the host compiler, not ARM_CC).
$(BARM_DIR)/qemu_icount.so: bench/qemu_icount.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -Werror $< -o $@

bench-arm-bins: $(BARM_DIR)/arm_bench_slab.elf $(BARM_DIR)/arm_bench_null.elf \
                $(BARM_DIR)/qemu_icount.so

bench-arm:
	@$(TOOLS) build cross
	@$(MAKE) --no-print-directory bench-arm-bins
	python3 bench/run_arm.py --dir $(BARM_DIR) --out bench/ARM.md --n $(BARM_N) \
	  --cflags '$(BARM_FLAGS)'

# Header and #included-.c dependencies (slab_unity.c includes the others).
-include $(wildcard $(BENCH_DIR)/obj/*.d $(BARM_DIR)/lib/*.d $(foreach t,$(SIZE_TARGETS),$(BUILD)/$(t)/obj/*.d))
