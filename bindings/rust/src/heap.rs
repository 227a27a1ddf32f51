//! [`SlabHeap`]: one slab heap over a caller-given arena, used from one
//! thread at a time (wrap it in a lock to share it, as [`crate::LockedSlab`]
//! does).

use core::alloc::Layout;
use core::ffi::{c_void, CStr};
use core::ptr::{self, NonNull};

use crate::ffi;

/// Statistics of a heap (`struct slab_stats`).
pub type SlabStats = ffi::slab_stats;
/// Per size class statistics (`struct slab_class_stats`).
pub type SlabClassStats = ffi::slab_class_stats;
/// What one page holds (`struct slab_page_info`).
pub type SlabPageInfo = ffi::slab_page_info;

/// A slab heap living at the start of its arena.
///
/// Every operation is safe to call with any argument as far as the heap is
/// concerned (misuse is refused and counted, see `src/slab.h`); the unsafe
/// ones are those that can invalidate memory someone else still uses.
pub struct SlabHeap {
    h: NonNull<ffi::slab_heap>,
}

// SAFETY: the heap's state lives only in its arena and it has no thread
// affinity; moving the handle to another thread is fine. It is not Sync:
// concurrent calls need a lock.
unsafe impl Send for SlabHeap {}

impl SlabHeap {
    /// Make a heap of the `size` bytes at `arena` (`slab_init`). Returns
    /// `None` if the arena is NULL, wraps around, or is too small for the
    /// header, the page table and one page.
    ///
    /// # Safety
    /// `arena .. arena + size` must be valid for reads and writes, used by
    /// nothing else, for as long as the heap or any block from it is used.
    pub unsafe fn new(arena: *mut u8, size: usize) -> Option<SlabHeap> {
        NonNull::new(ffi::slab_init(arena.cast::<c_void>(), size)).map(|h| SlabHeap { h })
    }

    /// The raw heap pointer, for the functions in [`crate::ffi`].
    pub fn as_ptr(&self) -> *mut ffi::slab_heap {
        self.h.as_ptr()
    }

    /// A block for `layout` (`slab_alloc`), or `None` if there is no room.
    pub fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        // SAFETY: h is a heap; slab_alloc accepts any size and alignment.
        let p = unsafe { ffi::slab_alloc(self.as_ptr(), layout.size(), layout.align()) };
        NonNull::new(p.cast::<u8>())
    }

    /// Like [`alloc`](Self::alloc), zero-filled.
    pub fn alloc_zeroed(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let p = self.alloc(layout)?;
        // SAFETY: the block has at least layout.size() bytes.
        unsafe { ptr::write_bytes(p.as_ptr(), 0, layout.size()) };
        Some(p)
    }

    /// Give back a block allocated with `layout` (`slab_free_sized`: a
    /// layout the block cannot hold is refused and counted as a fault).
    ///
    /// # Safety
    /// Nothing may use the block afterwards.
    pub unsafe fn dealloc(&mut self, ptr: NonNull<u8>, layout: Layout) {
        ffi::slab_free_sized(self.as_ptr(), ptr.as_ptr().cast::<c_void>(), layout.size(), layout.align());
    }

    /// Give back a block by address alone (`slab_free`; NULL does nothing).
    ///
    /// # Safety
    /// Nothing may use the block afterwards.
    pub unsafe fn free(&mut self, ptr: *mut u8) {
        ffi::slab_free(self.as_ptr(), ptr.cast::<c_void>());
    }

    /// Resize a block allocated with `layout` to `new_size` bytes, same
    /// alignment (`slab_realloc`). On `None` the old block is untouched.
    ///
    /// # Safety
    /// `ptr` must be a live block of this heap allocated with `layout`; on
    /// success it must no longer be used (use the returned pointer).
    pub unsafe fn realloc(
        &mut self,
        ptr: NonNull<u8>,
        layout: Layout,
        new_size: usize,
    ) -> Option<NonNull<u8>> {
        let q = ffi::slab_realloc(self.as_ptr(), ptr.as_ptr().cast::<c_void>(), new_size, layout.align());
        NonNull::new(q.cast::<u8>())
    }

    /// Bytes usable at `ptr`, 0 if it is not a live block of this heap.
    pub fn usable_size(&self, ptr: *const u8) -> usize {
        // SAFETY: slab_usable_size accepts any pointer and only reads.
        unsafe { ffi::slab_usable_size(self.as_ptr(), ptr.cast::<c_void>()) }
    }

    /// Whether the whole heap invariant holds (`slab_check`).
    pub fn check(&self) -> bool {
        // SAFETY: h is a heap.
        unsafe { ffi::slab_check(self.as_ptr()) }
    }

    /// The heap's statistics (`slab_get_stats`).
    pub fn stats(&self) -> SlabStats {
        let mut s = SlabStats::default();
        // SAFETY: h is a heap, s is a valid slab_stats.
        unsafe { ffi::slab_get_stats(self.as_ptr(), &mut s) };
        s
    }

    /// What page `index` holds (`slab_get_page_info`), `None` past the end.
    pub fn page_info(&self, index: usize) -> Option<SlabPageInfo> {
        let mut out = SlabPageInfo {
            kind: ffi::SLAB_PAGE_FREE,
            start: ptr::null(),
            block_size: 0,
            blocks_used: 0,
            blocks_free: 0,
        };
        // SAFETY: h is a heap, out is valid.
        if unsafe { ffi::slab_get_page_info(self.as_ptr(), index, &mut out) } {
            Some(out)
        } else {
            None
        }
    }

    /// Set (or with `None` clear) the misuse hook (`slab_set_fault_hook`).
    ///
    /// # Safety
    /// `hook` must be safe to call with `ctx` from wherever the heap is
    /// used, and must not call back into this heap.
    pub unsafe fn set_fault_hook(&mut self, hook: ffi::slab_fault_hook, ctx: *mut c_void) {
        ffi::slab_set_fault_hook(self.as_ptr(), hook, ctx);
    }
}

/// The constant name of a fault kind (`slab_fault_name`).
pub fn fault_name(kind: ffi::slab_fault) -> &'static str {
    // SAFETY: slab_fault_name returns a static NUL-terminated ASCII string
    // for every value.
    unsafe { CStr::from_ptr(ffi::slab_fault_name(kind)) }.to_str().unwrap_or("?")
}
