/*
 * rt.h - the few C library functions tests/target/test_target.c uses, for
 * targets without a C library (the RV32 run: no newlib for riscv64-unknown-
 * elf in Debian bookworm). rt.c implements them on top of RISC-V
 * semihosting; output goes to the host console, the exit status to QEMU.
 */
#ifndef TARGET_RT_H
#define TARGET_RT_H

#include <stddef.h>

#if defined(__GNUC__)
#define RT_PRINTF_LIKE __attribute__((format(printf, 1, 2)))
#define RT_NORETURN __attribute__((noreturn))
#else
#define RT_PRINTF_LIKE
#define RT_NORETURN
#endif

/* %[-0][width][l|z](d i u x X s c p %) */
int printf(const char *fmt, ...) RT_PRINTF_LIKE;
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strcmp(const char *a, const char *b);
size_t strlen(const char *s);
/* Stop the emulator with this exit status. */
void rt_exit(int status) RT_NORETURN;

#endif /* TARGET_RT_H */
