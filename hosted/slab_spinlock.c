/*
 * slab_spinlock.c - the default hosted lock for slab heaps (see the header).
 */
#include "slab_spinlock.h"

#include <sched.h>

void slab_spinlock_init(slab_spinlock *lock)
{
    if (lock != NULL) {
        atomic_flag_clear_explicit(&lock->flag, memory_order_release);
    }
}

void slab_spin_enter(void *ctx)
{
    slab_spinlock *lock = ctx;
    unsigned tries = 0u;
    while (atomic_flag_test_and_set_explicit(&lock->flag, memory_order_acquire)) {
        if (tries < (unsigned)SLAB_SPIN_TRIES) {
            tries++;
#if defined(__x86_64__) || defined(__i386__)
            __asm__ __volatile__("pause");
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH_7A__))
            __asm__ __volatile__("yield");
#endif
        } else {
            (void)sched_yield();
        }
    }
}

void slab_spin_leave(void *ctx)
{
    slab_spinlock *lock = ctx;
    atomic_flag_clear_explicit(&lock->flag, memory_order_release);
}

slab_heap *slab_init_spinlocked(void *arena, size_t size, slab_spinlock *lock)
{
    slab_heap *h;
    if (lock == NULL) {
        return NULL;
    }
    h = slab_init(arena, size);
    if (h != NULL) {
        slab_spinlock_init(lock);
        slab_set_lock(h, slab_spin_enter, slab_spin_leave, lock);
    }
    return h;
}
