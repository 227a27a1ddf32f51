/*
 * start.S - reset code for RV32 on QEMU virt with -bios none: QEMU's reset
 * ROM jumps to 0x80000000 (the start of RAM, where virt.ld puts _start) in
 * machine mode. Sets gp, sp and the trap vector, zeroes .bss, runs main and
 * passes its result to rt_exit (semihosting: QEMU's exit status).
 */
    .option arch, +zicsr        /* csrr/csrw (a separate extension since
                                   binutils 2.38) */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top
    la      t0, trap_entry
    csrw    mtvec, t0
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       1b
2:  call    main
    call    rt_exit             /* a0: main's result */

    .balign 4                   /* mtvec: direct mode, 4-byte aligned */
trap_entry:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    rt_trap

/*
 * uintptr_t sh_call(uintptr_t op, const void *arg): a semihosting call.
 * QEMU recognises the three uncompressed instructions slli/ebreak/srai in
 * one page (hence the alignment) as a semihosting request: op in a0, the
 * argument in a1, the result in a0.
 */
    .section .text.sh_call, "ax"
    .balign 16
    .globl sh_call
sh_call:
    .option push
    .option norvc
    slli    zero, zero, 0x1f
    ebreak
    srai    zero, zero, 7
    .option pop
    ret
