# examples/cortex-m/target.mk - bare-metal runs under QEMU (included by the
# top Makefile; uses its SRC, HDR, WARN, BUILD, TOOLS and ARM_CC).
#
#   make check-target        the on-target unit tests (tests/target/) on
#                            mps2-an385 (Cortex-M3, -Os), mps2-an386
#                            (Cortex-M4, -O2) and mps2-an385 again with the
#                            example's configuration (2 KiB pages); newlib +
#                            ARM semihosting; the result is QEMU's exit
#                            status
#   make check-target-riscv  the same tests on RV32IMAC (QEMU virt, machine
#                            mode, freestanding runtime tests/target/riscv/)
#   make example-cortex-m    build and run examples/cortex-m/ (malloc,
#                            printf and friends over a slab heap) on
#                            mps2-an385
#   make size-target         .text/.data/.bss of the test and example ELFs
#
# Every QEMU run is bounded by QEMU_TIMEOUT seconds.

CM_DIR       := examples/cortex-m
TGT_DIR      := tests/target
TGT_BUILD    := $(BUILD)/target
QEMU_ARM     := qemu-system-arm
QEMU_RV32    := qemu-system-riscv32
QEMU_TIMEOUT ?= 60
TGT_RV_CC    := riscv64-unknown-elf-gcc

# Library objects are built with the library's own warning set ($(WARN));
# the startup code needs GNU C (attributes, inline assembly).
CM_CFLAGS    := -mthumb -g -ffunction-sections -fdata-sections
CM_GNU_WARN  := -std=gnu99 -Wall -Wextra -Werror
CM_LDFLAGS   := -T $(CM_DIR)/mps2.ld --specs=rdimon.specs -nostartfiles \
                -Wl,--gc-sections
CM_STARTUP   := $(CM_DIR)/startup.c
CM_LD        := $(CM_DIR)/mps2.ld

# qemu_arm BOARD ELF: run with semihosting, bounded, stdin closed.
qemu_arm = timeout -k 5 $(QEMU_TIMEOUT) $(QEMU_ARM) -M $(1) -nographic \
           -semihosting-config enable=on,target=native -kernel $(2) </dev/null

.PHONY: check-target check-target-riscv example-cortex-m size-target \
        tools-target target-elfs

tools-target:
	@$(TOOLS) cross

# The example's configuration (2 KiB pages, classes up to 2048 B), also
# used for a third run of the tests.
CM_EX_CONF   := -DSLAB_CONFIG_HEADER='"slab_board_config.h"' -I$(CM_DIR)
CM_CONF_HDR  := $(CM_DIR)/slab_board_config.h

# ---- Cortex-M: one set of objects per (cpu, optimisation, configuration) --
#
# cm_build NAME MCPU OPT CONFIG: $(TGT_BUILD)/NAME/{lib/*.o,startup.o,
# test_target.o} and $(TGT_BUILD)/test_target_NAME.elf.
define cm_build
$(TGT_BUILD)/$(1)/lib/%.o: src/%.c $(HDR) $(CM_CONF_HDR)
	@mkdir -p $$(@D)
	$(ARM_CC) -mcpu=$(2) $(3) $(CM_CFLAGS) $(WARN) $(4) -Isrc -c $$< -o $$@

$(TGT_BUILD)/$(1)/startup.o: $(CM_STARTUP)
	@mkdir -p $$(@D)
	$(ARM_CC) -mcpu=$(2) $(3) $(CM_CFLAGS) $(CM_GNU_WARN) -c $$< -o $$@

$(TGT_BUILD)/$(1)/test_target.o: $(TGT_DIR)/test_target.c $(HDR) $(CM_CONF_HDR)
	@mkdir -p $$(@D)
	$(ARM_CC) -mcpu=$(2) $(3) $(CM_CFLAGS) $(WARN) $(4) -Isrc -c $$< -o $$@

$(TGT_BUILD)/test_target_$(1).elf: $(TGT_BUILD)/$(1)/test_target.o \
        $(TGT_BUILD)/$(1)/startup.o \
        $(patsubst src/%.c,$(TGT_BUILD)/$(1)/lib/%.o,$(SRC)) $(CM_LD)
	$(ARM_CC) -mcpu=$(2) $(3) $(CM_CFLAGS) $$(filter %.o,$$^) $(CM_LDFLAGS) \
	  -Wl,-Map=$$(@:.elf=.map) -o $$@
endef

$(eval $(call cm_build,m3,cortex-m3,-Os,))
$(eval $(call cm_build,m4,cortex-m4,-O2,))
$(eval $(call cm_build,m3-board,cortex-m3,-Os,$(CM_EX_CONF)))

check-target: tools-target $(TGT_BUILD)/test_target_m3.elf \
              $(TGT_BUILD)/test_target_m4.elf \
              $(TGT_BUILD)/test_target_m3-board.elf
	$(call qemu_arm,mps2-an385,$(TGT_BUILD)/test_target_m3.elf)
	$(call qemu_arm,mps2-an386,$(TGT_BUILD)/test_target_m4.elf)
	$(call qemu_arm,mps2-an385,$(TGT_BUILD)/test_target_m3-board.elf)

# ---- RISC-V: RV32IMAC, no C library (see tests/target/riscv/rt.h) ----------

TGT_RV_FLAGS := -march=rv32imac -mabi=ilp32 -mcmodel=medany -Os -g \
            -ffreestanding -ffunction-sections -fdata-sections
TGT_RV_DIR   := $(TGT_DIR)/riscv

$(TGT_BUILD)/rv32/lib/%.o: src/%.c $(HDR)
	@mkdir -p $(@D)
	$(TGT_RV_CC) $(TGT_RV_FLAGS) $(WARN) -Isrc -c $< -o $@

$(TGT_BUILD)/rv32/test_target.o: $(TGT_DIR)/test_target.c \
        $(TGT_RV_DIR)/rt.h $(HDR)
	@mkdir -p $(@D)
	$(TGT_RV_CC) $(TGT_RV_FLAGS) $(WARN) -DTARGET_FREESTANDING \
	  -I$(TGT_RV_DIR) -Isrc -c $< -o $@

$(TGT_BUILD)/rv32/rt.o: $(TGT_RV_DIR)/rt.c $(TGT_RV_DIR)/rt.h
	@mkdir -p $(@D)
	$(TGT_RV_CC) $(TGT_RV_FLAGS) $(WARN) -fno-tree-loop-distribute-patterns \
	  -c $< -o $@

$(TGT_BUILD)/rv32/start.o: $(TGT_RV_DIR)/start.S
	@mkdir -p $(@D)
	$(TGT_RV_CC) $(TGT_RV_FLAGS) -c $< -o $@

$(TGT_BUILD)/test_target_rv32.elf: $(TGT_BUILD)/rv32/start.o \
        $(TGT_BUILD)/rv32/rt.o $(TGT_BUILD)/rv32/test_target.o \
        $(patsubst src/%.c,$(TGT_BUILD)/rv32/lib/%.o,$(SRC)) \
        $(TGT_RV_DIR)/virt.ld
	$(TGT_RV_CC) $(TGT_RV_FLAGS) -nostdlib -nostartfiles $(filter %.o,$^) \
	  -lgcc -T $(TGT_RV_DIR)/virt.ld -Wl,--gc-sections \
	  -Wl,--no-warn-rwx-segments -Wl,-Map=$(@:.elf=.map) -o $@

check-target-riscv: tools-target $(TGT_BUILD)/test_target_rv32.elf
	timeout -k 5 $(QEMU_TIMEOUT) $(QEMU_RV32) -M virt -bios none -nographic \
	  -semihosting-config enable=on,target=native \
	  -kernel $(TGT_BUILD)/test_target_rv32.elf </dev/null

# ---- the example: malloc family over a slab heap ----------------------------
#
# The library is built with the example's configuration header
# (examples/cortex-m/slab_board_config.h): a firmware build compiles the
# library together with its own settings.

CM_EX_CPU   := -mcpu=cortex-m3 -Os
CM_EX_HDR   := $(HDR) $(CM_CONF_HDR) $(CM_DIR)/slab_malloc.h

$(TGT_BUILD)/example/lib/%.o: src/%.c $(CM_EX_HDR)
	@mkdir -p $(@D)
	$(ARM_CC) $(CM_EX_CPU) $(CM_CFLAGS) $(WARN) $(CM_EX_CONF) -Isrc -c $< -o $@

$(TGT_BUILD)/example/startup.o: $(CM_STARTUP)
	@mkdir -p $(@D)
	$(ARM_CC) $(CM_EX_CPU) $(CM_CFLAGS) $(CM_GNU_WARN) -c $< -o $@

$(TGT_BUILD)/example/%.o: $(CM_DIR)/%.c $(CM_EX_HDR)
	@mkdir -p $(@D)
	$(ARM_CC) $(CM_EX_CPU) $(CM_CFLAGS) $(WARN) $(CM_EX_CONF) -Isrc -c $< -o $@

$(TGT_BUILD)/example-cortex-m.elf: $(TGT_BUILD)/example/main.o \
        $(TGT_BUILD)/example/slab_malloc.o $(TGT_BUILD)/example/startup.o \
        $(patsubst src/%.c,$(TGT_BUILD)/example/lib/%.o,$(SRC)) $(CM_LD)
	$(ARM_CC) $(CM_EX_CPU) $(CM_CFLAGS) $(filter %.o,$^) $(CM_LDFLAGS) \
	  -Wl,-Map=$(@:.elf=.map) -o $@
	@# newlib's allocator must not be linked: everything goes through slab
	@if arm-none-eabi-nm $@ | grep -q -E ' (__malloc_av_|_malloc_trim_r|_sbrk_r)$$'; then \
	  echo "$@: newlib's malloc got linked in" >&2; rm -f $@; exit 1; fi

example-cortex-m: tools-target $(TGT_BUILD)/example-cortex-m.elf
	$(call qemu_arm,mps2-an385,$(TGT_BUILD)/example-cortex-m.elf)

# ---- sizes -------------------------------------------------------------------

target-elfs: $(TGT_BUILD)/test_target_m3.elf $(TGT_BUILD)/test_target_m4.elf \
             $(TGT_BUILD)/test_target_m3-board.elf \
             $(TGT_BUILD)/example-cortex-m.elf

size-target: tools-target target-elfs
	arm-none-eabi-size $(TGT_BUILD)/test_target_m3.elf \
	  $(TGT_BUILD)/test_target_m4.elf $(TGT_BUILD)/test_target_m3-board.elf \
	  $(TGT_BUILD)/example-cortex-m.elf
	@printf 'library objects alone (text data bss):\n'
	@for d in m3 m4 m3-board; do \
	  arm-none-eabi-size -t $(patsubst src/%.c,$(TGT_BUILD)/$$d/lib/%.o,$(SRC)) | \
	    awk -v d=$$d 'END { printf "  %s: %s %s %s\n", d, $$1, $$2, $$3 }'; \
	done
