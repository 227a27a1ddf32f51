/*
 * slab_spinlock.h - a default lock for slab heaps in hosted builds.
 *
 * A C11 atomic spin lock: test-and-set with acquire ordering to enter,
 * clear with release ordering to leave; a waiter spins a short while and
 * then calls sched_yield between attempts, so a preempted holder is not
 * starved on an oversubscribed machine. slab_spin_enter / slab_spin_leave
 * match slab_lock_fn; their ctx is a slab_spinlock.
 *
 *     static slab_spinlock lock = SLAB_SPINLOCK_INIT;
 *     slab_heap *h = slab_init_spinlocked(arena, size, &lock);
 *
 * The lock is not recursive: a fault hook must not call back into the
 * same heap (slab.h already forbids that). C11 (<stdatomic.h>, <sched.h>).
 */
#ifndef SLAB_SPINLOCK_H
#define SLAB_SPINLOCK_H

#include <stdatomic.h>
#include <stddef.h>

#include "slab.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct slab_spinlock {
    atomic_flag flag;
} slab_spinlock;

/* Static initialiser: an unlocked lock. */
#define SLAB_SPINLOCK_INIT { ATOMIC_FLAG_INIT }

/* Spins before the waiter starts yielding the CPU. */
#ifndef SLAB_SPIN_TRIES
#define SLAB_SPIN_TRIES 64
#endif

/* Make *lock an unlocked lock (for locks not statically initialised). */
void slab_spinlock_init(slab_spinlock *lock);

/* slab_lock_fn pair; ctx is a slab_spinlock *. */
void slab_spin_enter(void *ctx);
void slab_spin_leave(void *ctx);

/*
 * slab_init(arena, size), then slab_set_lock with the spin lock. *lock is
 * (re)initialised to unlocked here, so it may be uninitialised storage.
 * Returns NULL (and leaves the lock alone) if slab_init refuses, or if
 * lock is NULL.
 */
slab_heap *slab_init_spinlocked(void *arena, size_t size, slab_spinlock *lock);

#ifdef __cplusplus
}
#endif

#endif /* SLAB_SPINLOCK_H */
