/*
 * startup.c - vector table and reset code for a Cortex-M3/M4 program that
 * runs on the QEMU boards mps2-an385 / mps2-an386 with newlib and ARM
 * semihosting (librdimon), linked with mps2.ld, --specs=rdimon.specs and
 * -nostartfiles (so nothing of newlib's crt0 is used: this file is the
 * crt0).
 *
 * Reset_Handler copies .data from FLASH, zeroes .bss, opens the semihosting
 * handles (stdin/stdout/stderr), runs the C/C++ constructors and calls
 * exit(main()): newlib's exit flushes stdio and reports the status to the
 * host through semihosting, which makes it QEMU's exit status.
 *
 * A fault (HardFault, MemManage, BusFault, UsageFault, NMI, any unexpected
 * interrupt) prints the faulting PC over semihosting and stops QEMU with a
 * non-zero status, without going through newlib (whose state may be bad).
 *
 * Needs GNU C (attributes, inline assembly): compile with -std=gnu99.
 */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_top[];

int main(void);
void initialise_monitor_handles(void); /* librdimon */
void __libc_init_array(void);          /* newlib */

void Reset_Handler(void);
void Fault_Handler(void);

/* ---- raw semihosting (used only where newlib cannot be trusted) -------- */

enum {
    SH_WRITE0 = 0x04,                   /* print a NUL-terminated string */
    SH_EXIT = 0x18,                     /* stop, with a reason code */
    ADP_STOPPED_RUNTIME_ERROR = 0x20023 /* QEMU exits with status 1 */
};

static uintptr_t sh_call(uintptr_t op, const void *arg)
{
    register uintptr_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void sh_puts(const char *s)
{
    (void)sh_call(SH_WRITE0, s);
}

static void sh_hex(uint32_t v)
{
    char buf[11];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; i++) {
        unsigned d = (v >> (28 - 4 * i)) & 0xFu;
        buf[2 + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
    buf[10] = '\0';
    sh_puts(buf);
}

/* ---- exceptions ---------------------------------------------------------- */

/* Called from Fault_Handler with the stack frame the exception pushed:
 * r0 r1 r2 r3 r12 lr pc xpsr. */
__attribute__((used, noreturn)) static void fault_report(const uint32_t *frame)
{
    volatile const uint32_t *scb = (volatile const uint32_t *)0xE000ED00u;
    sh_puts("\n*** CPU fault: exception ");
    sh_hex(scb[1] & 0x1FFu);            /* ICSR.VECTACTIVE */
    sh_puts(", pc ");
    sh_hex(frame[6]);
    sh_puts(", lr ");
    sh_hex(frame[5]);
    sh_puts(", CFSR ");
    sh_hex(scb[0x28 / 4]);
    sh_puts("\n");
    (void)sh_call(SH_EXIT, (const void *)(uintptr_t)ADP_STOPPED_RUNTIME_ERROR);
    for (;;) {
    }
}

/* Find the stacked frame (MSP or PSP, from EXC_RETURN bit 2). */
__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b fault_report\n");
}

/* ---- the vector table ---------------------------------------------------- */

typedef void (*handler_t)(void);

/* Entry 0 is the initial stack pointer, then 15 system exceptions and the
 * external interrupts (the MPS2 boards have 32; all go to Fault_Handler,
 * this program enables none). */
__attribute__((section(".isr_vector"), used))
static const struct {
    uint32_t *initial_sp;
    handler_t handlers[15 + 32];
} vector_table = {
    __stack_top,
    {
        Reset_Handler,
        Fault_Handler, /* NMI */
        Fault_Handler, /* HardFault */
        Fault_Handler, /* MemManage */
        Fault_Handler, /* BusFault */
        Fault_Handler, /* UsageFault */
        0, 0, 0, 0,    /* reserved */
        Fault_Handler, /* SVCall */
        Fault_Handler, /* DebugMonitor */
        0,             /* reserved */
        Fault_Handler, /* PendSV */
        Fault_Handler, /* SysTick */
        [15 ... 15 + 32 - 1] = Fault_Handler,
    },
};

/* ---- reset --------------------------------------------------------------- */

/* __libc_init_array and __libc_fini_array call _init and _fini (normally
 * from crti.o, which -nostartfiles leaves out). */
void _init(void);
void _fini(void);
void _init(void)
{
}
void _fini(void)
{
}

__attribute__((noreturn)) void Reset_Handler(void)
{
    uint32_t *src = __data_load;
    uint32_t *dst = __data_start;
    while (dst < __data_end) {
        *dst++ = *src++;
    }
    for (dst = __bss_start; dst < __bss_end; dst++) {
        *dst = 0;
    }
#if defined(__ARM_FP)
    /* hard-float builds: enable CP10/CP11 (the FPU) before any FP code */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n isb" ::: "memory");
#endif
    /* usage, bus and memory faults get reported as such, not as HardFault */
    *(volatile uint32_t *)0xE000ED24u |= 7u << 16; /* SCB->SHCSR */
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}
