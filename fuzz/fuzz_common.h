/*
 * fuzz_common.h - what every harness in fuzz/ shares: AddressSanitizer
 * poisoning (live blocks and the bytes around the arena are poisoned while
 * the heap runs, so ASan catches the heap touching memory it must not
 * touch; without ASan the macros do nothing) and the CHECK macro, which
 * calls the harness's own `fail` (it prints and aborts, so libFuzzer and
 * AFL++ see a crash).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif

#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                              \
    do {                                                                      \
        if (!(c)) {                                                           \
            fail(__FILE__, __LINE__, #c);                                     \
        }                                                                     \
    } while (0)

/* Small helpers every harness decodes or checks with. */
static inline bool is_pow2(size_t x) { return x != 0 && (x & (x - 1u)) == 0; }

static inline size_t natural_align(size_t c) { return c & (~c + 1u); }

/* A little-endian u32 from the input, whatever the host's byte order. */
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

#endif /* FUZZ_COMMON_H */
