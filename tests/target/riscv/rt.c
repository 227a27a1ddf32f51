/*
 * rt.c - a freestanding runtime for tests/target on RV32 under QEMU:
 * printf (to the host's stdout), the mem* and str* functions the tests
 * and the compiler need, exit and trap reporting, all over RISC-V
 * semihosting (start.S holds the semihosting trap sequence, sh_call).
 *
 * Compile with -fno-tree-loop-distribute-patterns so that the loops below
 * are not turned back into calls to memset/memcpy.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "rt.h"

enum {
    SH_OPEN = 0x01,              /* {name, mode, length} -> handle */
    SH_WRITE0 = 0x04,            /* print a NUL-terminated string */
    SH_WRITE = 0x05,             /* {handle, buffer, length} */
    SH_EXIT_EXTENDED = 0x20,     /* stop with {reason, status} */
    ADP_STOPPED_APP_EXIT = 0x20026,
    ADP_STOPPED_RUNTIME_ERROR = 0x20023
};

uintptr_t sh_call(uintptr_t op, const void *arg); /* start.S */
void rt_trap(uintptr_t mcause, uintptr_t mepc, uintptr_t mtval);

/* ---- memory and strings ------------------------------------------------ */

void *memset(void *s, int c, size_t n)
{
    unsigned char *p = s;
    while (n-- > 0) {
        *p++ = (unsigned char)c;
    }
    return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n-- > 0) {
            *d++ = *s++;
        }
    } else {
        while (n-- > 0) {
            d[n] = s[n];
        }
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

/* ---- printf -------------------------------------------------------------- */

typedef struct out {
    char buf[256];
    size_t n;
    int total;
} out;

/* The host's stdout: ":tt" opened for writing (mode 4, "w"); -1 if that
 * failed, then SH_WRITE0 (the debug console, stderr in QEMU) is used. */
static long stdout_handle(void)
{
    static long handle = -2;
    if (handle == -2) {
        uintptr_t args[3];
        args[0] = (uintptr_t)":tt";
        args[1] = 4;
        args[2] = 3;
        handle = (long)sh_call(SH_OPEN, args);
    }
    return handle;
}

static void out_flush(out *o)
{
    long h = stdout_handle();
    if (o->n == 0) {
        return;
    }
    if (h >= 0) {
        uintptr_t args[3];
        args[0] = (uintptr_t)h;
        args[1] = (uintptr_t)o->buf;
        args[2] = o->n;
        (void)sh_call(SH_WRITE, args);
    } else {
        o->buf[o->n] = '\0';
        (void)sh_call(SH_WRITE0, o->buf);
    }
    o->n = 0;
}

static void out_c(out *o, char c)
{
    if (o->n + 1 >= sizeof o->buf) {
        out_flush(o);
    }
    o->buf[o->n++] = c;
    o->total++;
}

/* One converted field: prefix/digits already in s (len), padded. */
static void out_field(out *o, const char *s, size_t len, int width, bool left,
                      bool zero)
{
    int pad = width > (int)len ? width - (int)len : 0;
    if (!left && zero && len > 0 && s[0] == '-') {
        out_c(o, '-');
        s++;
        len--;
    }
    while (!left && pad-- > 0) {
        out_c(o, zero ? '0' : ' ');
    }
    while (len-- > 0) {
        out_c(o, *s++);
    }
    while (left && pad-- > 0) {
        out_c(o, ' ');
    }
}

static size_t utoa(char *end, unsigned long long v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        *--end = digits[v % base];
        v /= base;
        n++;
    } while (v != 0);
    return n;
}

int printf(const char *fmt, ...)
{
    out o;
    va_list ap;
    o.n = 0;
    o.total = 0;
    va_start(ap, fmt);
    for (; *fmt != '\0'; fmt++) {
        char num[24], *end = num + sizeof num;
        bool left = false, zero = false;
        int width = 0, lng = 0;
        size_t len;
        if (*fmt != '%') {
            out_c(&o, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-') {
                left = true;
            } else if (*fmt == '0') {
                zero = true;
            } else {
                break;
            }
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == 'l') {
            lng = 1;
            fmt++;
            if (*fmt == 'l') {
                lng = 2;
                fmt++;
            }
        } else if (*fmt == 'z') {
            lng = sizeof(size_t) == sizeof(long) ? 1 : 0;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng == 2 ? va_arg(ap, long long)
                        : lng == 1 ? va_arg(ap, long)
                                   : va_arg(ap, int);
            unsigned long long m = v < 0 ? 0ull - (unsigned long long)v
                                         : (unsigned long long)v;
            len = utoa(end, m, 10, false);
            if (v < 0) {
                *(end - len - 1) = '-';
                len++;
            }
            out_field(&o, end - len, len, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long)
                                 : lng == 1 ? va_arg(ap, unsigned long)
                                            : va_arg(ap, unsigned);
            len = utoa(end, v, *fmt == 'u' ? 10u : 16u, *fmt == 'X');
            out_field(&o, end - len, len, width, left, zero);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            len = utoa(end, v, 16, false);
            while (len < 2 * sizeof v) {
                *(end - ++len) = '0';
            }
            *(end - ++len) = 'x';
            *(end - ++len) = '0';
            out_field(&o, end - len, len, width, left, false);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL) {
                s = "(null)";
            }
            out_field(&o, s, strlen(s), width, left, false);
            break;
        }
        case 'c':
            num[0] = (char)va_arg(ap, int);
            out_field(&o, num, 1, width, left, false);
            break;
        case '%':
            out_c(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            out_c(&o, '%');
            out_c(&o, *fmt);
            break;
        }
    }
    va_end(ap);
    out_flush(&o);
    return o.total;
}

/* ---- exit and traps ------------------------------------------------------ */

void rt_exit(int status)
{
    uintptr_t block[2];
    block[0] = ADP_STOPPED_APP_EXIT;
    block[1] = (uintptr_t)(unsigned)status;
    (void)sh_call(SH_EXIT_EXTENDED, block);
    for (;;) {
    }
}

/* From start.S's trap entry: any exception or interrupt is a failure. */
void rt_trap(uintptr_t mcause, uintptr_t mepc, uintptr_t mtval)
{
    uintptr_t block[2];
    printf("\n*** trap: mcause %lu, mepc %p, mtval %p\n",
           (unsigned long)mcause, (void *)mepc, (void *)mtval);
    block[0] = ADP_STOPPED_RUNTIME_ERROR;
    block[1] = 1;
    (void)sh_call(SH_EXIT_EXTENDED, block);
    for (;;) {
    }
}
