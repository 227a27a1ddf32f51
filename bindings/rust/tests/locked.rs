//! `LockedSlab` kernel style: `new()` (const), then `init(arena, size)`;
//! used directly through `GlobalAlloc` from several threads (the process's
//! global allocator here is the system one).

use std::alloc::{GlobalAlloc, Layout};

use slab_heap::{InitError, LockedSlab};

static HEAP: LockedSlab = LockedSlab::new();

#[test]
fn init_then_share_between_threads() {
    let l = Layout::from_size_align(64, 8).unwrap();
    // Before init: no heap, allocation fails, stats are None.
    assert!(!HEAP.is_initialized());
    assert!(unsafe { HEAP.alloc(l) }.is_null());
    assert!(HEAP.stats().is_none());
    assert!(!HEAP.check());

    let size = 8 << 20;
    let arena: &'static mut [u8] = Box::leak(vec![0u8; size].into_boxed_slice());
    let base = arena.as_mut_ptr();
    unsafe { HEAP.init(base, size) };
    assert!(HEAP.is_initialized());
    assert_eq!(unsafe { HEAP.try_init(base, size) }, Err(InitError::AlreadyInitialized));

    let workers: Vec<_> = (0..4usize)
        .map(|t| {
            std::thread::spawn(move || {
                let mut live: Vec<(usize, Layout, u8)> = Vec::new();
                for i in 0..20_000usize {
                    let size = 1 + (i * 131 + t * 17) % 3000;
                    let align = 1usize << ((i + t) % 8);
                    let l = Layout::from_size_align(size, align).unwrap();
                    let p = unsafe { HEAP.alloc(l) };
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0);
                    let tag = (i as u8) ^ (t as u8);
                    unsafe { p.write_bytes(tag, size) };
                    live.push((p as usize, l, tag));
                    if live.len() > 100 {
                        let (q, l, tag) = live.swap_remove(i % live.len());
                        let q = q as *mut u8;
                        assert!(unsafe { std::slice::from_raw_parts(q, l.size()) }
                            .iter()
                            .all(|&b| b == tag));
                        unsafe { HEAP.dealloc(q, l) };
                    }
                }
                live // freed by the main thread
            })
        })
        .collect();
    let mut left = Vec::new();
    for w in workers {
        left.extend(w.join().unwrap());
    }
    for (p, l, _) in left {
        unsafe { HEAP.dealloc(p as *mut u8, l) };
    }
    let s = HEAP.stats().unwrap();
    assert!(s.bytes_peak > 0);
    assert_eq!(s.bytes_used, 0);
    assert_eq!(s.blocks_used, 0);
    assert_eq!(s.fault_count, 0);
    assert!(HEAP.check());
}

#[test]
fn refused_arena() {
    let tiny: LockedSlab = LockedSlab::new();
    let mut small = [0u8; 128];
    assert_eq!(unsafe { tiny.try_init(small.as_mut_ptr(), small.len()) }, Err(InitError::ArenaRefused));
    assert!(!tiny.is_initialized());
}
