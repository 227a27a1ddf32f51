//! The slab heap as the process's global allocator: everything the test
//! harness and these tests allocate goes through `LockedSlab`.
//!
//! The harness allocates before any test runs, so the allocator cannot be
//! initialised from a test: `LockedSlab::lazy` takes its arena (a 64 MiB
//! static) on the first allocation, under its lock.

use std::alloc::{GlobalAlloc, Layout};
use std::collections::BTreeMap;

use slab_heap::{ffi, LockedSlab, SlabStats};

const ARENA_SIZE: usize = 64 << 20;

#[repr(C, align(4096))]
struct Arena([u8; ARENA_SIZE]);

static mut ARENA: Arena = Arena([0; ARENA_SIZE]);

#[allow(unused_unsafe)] // addr_of_mut! of a static mut needs unsafe before Rust 1.82
fn arena() -> (*mut u8, usize) {
    // SAFETY: only the allocator uses the arena, through this pointer.
    (unsafe { std::ptr::addr_of_mut!(ARENA) }.cast::<u8>(), ARENA_SIZE)
}

#[global_allocator]
static A: LockedSlab = LockedSlab::lazy(arena);

fn in_arena<T: ?Sized>(p: *const T) -> bool {
    let (base, size) = arena();
    let p = p.cast::<u8>() as usize;
    p >= base as usize && p < base as usize + size
}

fn stats() -> SlabStats {
    A.stats().expect("the heap was initialised by the first allocation")
}

#[test]
fn vec_growth() {
    let mut v: Vec<u64> = Vec::new();
    let mut moves = 0;
    let mut last = v.as_ptr();
    for i in 0..200_000u64 {
        v.push(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        if v.as_ptr() != last {
            moves += 1;
            last = v.as_ptr();
            assert!(in_arena(last));
        }
    }
    assert!(moves > 5, "the vector grew through realloc");
    for (i, x) in v.iter().enumerate() {
        assert_eq!(*x, (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    v.truncate(10);
    v.shrink_to_fit();
    assert_eq!(v.len(), 10);
    assert!(in_arena(v.as_ptr()));
}

#[test]
fn strings() {
    let mut s = String::new();
    for i in 0..5_000 {
        s.push_str(&i.to_string());
        s.push(',');
    }
    assert!(in_arena(s.as_ptr()));
    let parts: Vec<&str> = s.split(',').filter(|p| !p.is_empty()).collect();
    assert_eq!(parts.len(), 5_000);
    assert_eq!(parts[4_321], "4321");
    let upper = format!("{}-{}", "slab".to_uppercase(), parts.len());
    assert_eq!(upper, "SLAB-5000");
}

#[test]
fn btreemap_10k() {
    let mut m = BTreeMap::new();
    for i in 0..10_000u32 {
        m.insert(i.wrapping_mul(2_654_435_761), format!("value {}", i));
    }
    assert_eq!(m.len(), 10_000);
    for i in (0..10_000u32).step_by(7) {
        assert_eq!(m[&i.wrapping_mul(2_654_435_761)], format!("value {}", i));
    }
    for i in (0..10_000u32).filter(|i| i % 2 == 0) {
        assert!(m.remove(&i.wrapping_mul(2_654_435_761)).is_some());
    }
    assert_eq!(m.len(), 5_000);
    assert!(m.keys().zip(m.keys().skip(1)).all(|(a, b)| a < b));
}

#[repr(C, align(4096))]
struct BigAligned {
    data: [u64; 3 * 512 + 7], // 12344 bytes -> 16 KiB, page aligned
}

#[test]
fn box_of_large_page_aligned_struct() {
    let mut boxes = Vec::new();
    for k in 0..16u64 {
        let mut b = Box::new(BigAligned { data: [k; 3 * 512 + 7] });
        assert_eq!(&*b as *const BigAligned as usize % 4096, 0);
        assert!(in_arena(&*b));
        b.data[0] = k + 100;
        boxes.push(b);
    }
    for (k, b) in boxes.iter().enumerate() {
        assert_eq!(b.data[0], k as u64 + 100);
        assert!(b.data[1..].iter().all(|&x| x == k as u64));
        assert!(A.usable_size((&**b as *const BigAligned).cast()) >= std::mem::size_of::<BigAligned>());
    }
}

#[test]
fn zeroed_memory_is_zero_after_reuse() {
    for round in 0..4 {
        let dirty = vec![0xa5u8; 256 << 10];
        assert!(dirty.iter().all(|&b| b == 0xa5));
        drop(dirty);
        let clean = vec![0u8; 256 << 10]; // alloc_zeroed
        assert!(clean.iter().all(|&b| b == 0), "round {}", round);
    }
}

#[test]
fn threads_share_the_heap() {
    let workers: Vec<_> = (0..4u32)
        .map(|t| {
            std::thread::spawn(move || {
                let mut keep: Vec<Box<[u32]>> = Vec::new();
                for i in 0..3_000u32 {
                    let n = ((i * 37 + t * 11) % 600 + 1) as usize;
                    keep.push(vec![t ^ i; n].into_boxed_slice());
                    if keep.len() > 64 {
                        let b = keep.swap_remove((i as usize * 7) % keep.len());
                        assert!(b.iter().all(|&x| x == b[0]));
                    }
                }
                keep // freed by the joining thread
            })
        })
        .collect();
    for w in workers {
        let keep = w.join().unwrap();
        assert!(keep.iter().all(|b| in_arena(b.as_ptr())));
    }
}

#[test]
fn raw_global_alloc_layouts() {
    for &(size, align) in &[(1usize, 1usize), (0x1000, 0x1000), (5000, 0x2000), (24, 8), (3, 64)] {
        let l = Layout::from_size_align(size, align).unwrap();
        unsafe {
            let p = A.alloc(l);
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0);
            p.write_bytes(0x5a, size);
            let q = A.realloc(p, l, size * 3);
            assert!(!q.is_null());
            assert_eq!(q as usize % align, 0);
            assert!(std::slice::from_raw_parts(q, size).iter().all(|&b| b == 0x5a));
            A.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
        }
    }
}

#[test]
fn heap_was_used_and_is_consistent() {
    // Make sure there is something on the heap regardless of test order.
    let v: Vec<u8> = vec![1; 100_000];
    let s = stats();
    assert!(s.bytes_peak > 0, "the slab heap served allocations");
    assert!(s.bytes_used >= 100_000);
    assert!(s.blocks_used > 0);
    assert_eq!(s.fault_count, 0);
    assert!(A.check(), "slab_check");
    // The raw FFI under the allocator's lock gives the same answers.
    let raw = A
        .with_heap(|h| unsafe {
            let mut out = SlabStats::default();
            ffi::slab_get_stats(h.as_ptr(), &mut out);
            (out, ffi::slab_check(h.as_ptr()))
        })
        .unwrap();
    assert!(raw.0.bytes_peak >= s.bytes_peak);
    assert_eq!(raw.0.capacity, s.capacity);
    assert!(raw.1);
    assert!(s.capacity > 60 << 20 && s.capacity <= ARENA_SIZE);
    drop(v);
}
