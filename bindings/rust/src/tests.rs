//! Unit tests (with std; the library itself is no_std).

use core::alloc::Layout;
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use crate::ffi;
use crate::{fault_name, SlabHeap, SpinMutex};

#[repr(C, align(4096))]
struct Page([u8; 4096]);

fn arena(pages: usize) -> Vec<Page> {
    (0..pages).map(|_| Page([0u8; 4096])).collect()
}

#[test]
fn stats_layout_matches_c() {
    let mut a = arena(64);
    let h = unsafe { SlabHeap::new(a.as_mut_ptr().cast(), a.len() * 4096) }.expect("heap");
    let s = h.stats();
    assert_eq!(s.page_size, 4096);
    assert!(s.pages_total > 0 && s.pages_total < 64);
    assert_eq!(s.capacity, s.pages_total * s.page_size);
    // The class table is read across the FFI boundary: sizes must be the
    // configured list, so the array length agrees with the C build.
    assert_eq!(s.classes[0].block_size, 16);
    assert_eq!(s.classes[ffi::SLAB_NUM_CLASSES - 1].block_size, 4096);
    assert!(s.classes.windows(2).all(|w| w[0].block_size < w[1].block_size));
}

#[test]
fn heap_alloc_free_realloc() {
    let mut a = arena(256);
    let mut h = unsafe { SlabHeap::new(a.as_mut_ptr().cast(), a.len() * 4096) }.expect("heap");
    let mut live = Vec::new();
    for (i, &(size, align)) in [(1usize, 1usize), (24, 8), (100, 64), (4096, 4096), (10000, 16), (5000, 8192)]
        .iter()
        .enumerate()
    {
        let l = Layout::from_size_align(size, align).unwrap();
        let p = h.alloc(l).expect("alloc");
        assert_eq!(p.as_ptr() as usize % align, 0);
        assert!(h.usable_size(p.as_ptr()) >= size);
        unsafe { core::ptr::write_bytes(p.as_ptr(), i as u8, size) };
        live.push((p, l, i as u8));
    }
    assert!(h.check());
    assert_eq!(h.stats().blocks_used, live.len());
    // Grow one block: contents kept.
    let (p, l, tag) = live.remove(1);
    let q = unsafe { h.realloc(p, l, 3000) }.expect("realloc");
    let kept = unsafe { core::slice::from_raw_parts(q.as_ptr(), l.size()) };
    assert!(kept.iter().all(|&b| b == tag));
    live.push((q, Layout::from_size_align(3000, l.align()).unwrap(), tag));
    for (p, l, _) in live {
        unsafe { h.dealloc(p, l) };
    }
    let s = h.stats();
    assert_eq!(s.bytes_used, 0);
    assert_eq!(s.fault_count, 0);
    assert!(s.bytes_peak > 0);
    assert!(h.check());
}

#[test]
fn misuse_is_refused_and_counted() {
    let mut a = arena(64);
    let mut h = unsafe { SlabHeap::new(a.as_mut_ptr().cast(), a.len() * 4096) }.expect("heap");
    let l = Layout::from_size_align(64, 8).unwrap();
    let p = h.alloc(l).unwrap();
    unsafe { h.dealloc(p, l) };
    unsafe { h.dealloc(p, l) }; // double free: refused
    let mut x = 0u64;
    unsafe { h.free((&mut x as *mut u64).cast()) }; // foreign: refused
    let s = h.stats();
    assert_eq!(s.fault_count, 2);
    assert_eq!(s.bytes_used, 0);
    assert!(h.check());
    assert_eq!(fault_name(ffi::SLAB_FAULT_DOUBLE_FREE), "double free");
}

#[test]
fn too_small_arena_is_refused() {
    let mut a = [0u8; 64];
    assert!(unsafe { SlabHeap::new(a.as_mut_ptr(), a.len()) }.is_none());
    assert!(unsafe { SlabHeap::new(core::ptr::null_mut(), 1 << 20) }.is_none());
}

#[test]
fn page_info_walk() {
    let mut a = arena(32);
    let mut h = unsafe { SlabHeap::new(a.as_mut_ptr().cast(), a.len() * 4096) }.expect("heap");
    let _p = h.alloc(Layout::from_size_align(100, 4).unwrap()).unwrap();
    let n = h.stats().pages_total;
    let class_pages = (0..n)
        .filter_map(|i| h.page_info(i))
        .filter(|pi| pi.kind == ffi::SLAB_PAGE_CLASS)
        .count();
    assert_eq!(class_pages, 1);
    assert!(h.page_info(n).is_none());
}

#[test]
fn spin_mutex_counts_across_threads() {
    let m = Arc::new(SpinMutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = Arc::clone(&m);
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    *m.lock() += 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.lock(), 80_000);
    let g = m.lock();
    assert!(m.try_lock().is_none());
    assert!(m.is_locked());
    drop(g);
    assert!(m.try_lock().is_some());
    let v = vec![1, 2, 3];
    assert_eq!(SpinMutex::new(v).into_inner().len(), 3);
}
