//! [`LockedSlab`]: a slab heap behind a spin lock, usable as the global
//! allocator (`#[global_allocator]`).

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use core::ptr;

use crate::ffi;
use crate::heap::{SlabHeap, SlabStats};
use crate::spin::SpinMutex;

/// Where a lazily initialised [`LockedSlab`] gets its arena: a pointer and
/// a size, returned by a function called once, under the lock, on the first
/// allocation. It must not allocate.
pub type ArenaFn = fn() -> (*mut u8, usize);

/// Why [`LockedSlab::try_init`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitError {
    /// The heap was already initialised.
    AlreadyInitialized,
    /// `slab_init` refused the arena (NULL, wraps, or too small).
    ArenaRefused,
}

/// A slab heap behind a [`SpinMutex`], implementing [`GlobalAlloc`].
///
/// Kernel style: `static A: LockedSlab = LockedSlab::new();` and later
/// `unsafe { A.init(arena, size) }`; allocations before `init` fail (return
/// NULL). Or lazily: `LockedSlab::lazy(arena_fn)` initialises itself on the
/// first allocation, which suits a global allocator that is used before
/// `main` runs.
pub struct LockedSlab {
    heap: SpinMutex<Option<SlabHeap>>,
    lazy: Option<ArenaFn>,
}

impl LockedSlab {
    /// An empty allocator; every allocation fails until [`init`](Self::init).
    pub const fn new() -> Self {
        LockedSlab { heap: SpinMutex::new(None), lazy: None }
    }

    /// An allocator that takes its arena from `arena` on first use.
    pub const fn lazy(arena: ArenaFn) -> Self {
        LockedSlab { heap: SpinMutex::new(None), lazy: Some(arena) }
    }

    /// Make the heap over `size` bytes at `arena` (like a kernel's
    /// `init_heap`). Panics if it was already initialised or the arena is
    /// refused; see [`try_init`](Self::try_init).
    ///
    /// # Safety
    /// As [`SlabHeap::new`]: the arena must be valid, unused by anything
    /// else, for the rest of the program (`'static` in practice).
    pub unsafe fn init(&self, arena: *mut u8, size: usize) {
        if let Err(e) = self.try_init(arena, size) {
            panic!("LockedSlab::init: {:?}", e);
        }
    }

    /// [`init`](Self::init) that reports instead of panicking.
    ///
    /// # Safety
    /// As [`init`](Self::init).
    pub unsafe fn try_init(&self, arena: *mut u8, size: usize) -> Result<(), InitError> {
        let mut g = self.heap.lock();
        if g.is_some() {
            return Err(InitError::AlreadyInitialized);
        }
        *g = Some(SlabHeap::new(arena, size).ok_or(InitError::ArenaRefused)?);
        Ok(())
    }

    /// Whether the heap exists yet.
    pub fn is_initialized(&self) -> bool {
        self.heap.lock().is_some()
    }

    /// Run `f` on the heap under the lock (initialising it first if lazy).
    /// `f` must not allocate through this allocator (the lock is held).
    pub fn with_heap<R>(&self, f: impl FnOnce(&mut SlabHeap) -> R) -> Option<R> {
        let mut g = self.heap.lock();
        Self::ready(&mut g, self.lazy).map(f)
    }

    /// Statistics (`slab_get_stats`), `None` before initialisation.
    pub fn stats(&self) -> Option<SlabStats> {
        self.heap.lock().as_ref().map(|h| h.stats())
    }

    /// `slab_check`; false before initialisation.
    pub fn check(&self) -> bool {
        self.heap.lock().as_ref().map_or(false, |h| h.check())
    }

    /// Bytes usable at `ptr` (0 if not a live block of this heap).
    pub fn usable_size(&self, ptr: *const u8) -> usize {
        self.heap.lock().as_ref().map_or(0, |h| h.usable_size(ptr))
    }

    fn ready(slot: &mut Option<SlabHeap>, lazy: Option<ArenaFn>) -> Option<&mut SlabHeap> {
        if slot.is_none() {
            if let Some(f) = lazy {
                let (arena, size) = f();
                // SAFETY: the ArenaFn contract: the arena is ours for good.
                *slot = unsafe { SlabHeap::new(arena, size) };
            }
        }
        slot.as_mut()
    }

    fn raw(&self) -> crate::spin::SpinMutexGuard<'_, Option<SlabHeap>> {
        self.heap.lock()
    }
}

impl Default for LockedSlab {
    fn default() -> Self {
        Self::new()
    }
}

unsafe impl GlobalAlloc for LockedSlab {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut g = self.raw();
        match Self::ready(&mut g, self.lazy) {
            Some(h) => ffi::slab_alloc(h.as_ptr(), layout.size(), layout.align()).cast::<u8>(),
            None => ptr::null_mut(),
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = self.alloc(layout);
        if !p.is_null() {
            // Blocks are reused, so they are not zero: clear outside the lock.
            ptr::write_bytes(p, 0, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut g = self.raw();
        if let Some(h) = g.as_mut() {
            ffi::slab_free_sized(h.as_ptr(), ptr.cast::<c_void>(), layout.size(), layout.align());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let mut g = self.raw();
        match g.as_mut() {
            Some(h) => {
                ffi::slab_realloc(h.as_ptr(), ptr.cast::<c_void>(), new_size, layout.align())
                    .cast::<u8>()
            }
            None => ptr::null_mut(),
        }
    }
}
