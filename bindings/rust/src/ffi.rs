//! Raw declarations of the C API in `src/slab.h`, written by hand.
//!
//! The layouts below mirror the C structs for the default configuration
//! (`src/slab_config.h`: 25 size classes). A build with a different
//! `SLAB_CLASS_LIST` must change [`SLAB_NUM_CLASSES`] to match.

#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_void};

/// Number of size classes in the default configuration (`SLAB_NUM_CLASSES`).
pub const SLAB_NUM_CLASSES: usize = 25;

/// An opaque heap; it lives at the start of its arena.
#[repr(C)]
pub struct slab_heap {
    _opaque: [u8; 0],
    // Not Send/Sync/Unpin by itself: only raw pointers to it are used.
    _marker: core::marker::PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// `enum slab_fault` (a C `int`).
pub type slab_fault = c_int;
pub const SLAB_FAULT_NONE: slab_fault = 0;
pub const SLAB_FAULT_DOUBLE_FREE: slab_fault = 1;
pub const SLAB_FAULT_INTERIOR: slab_fault = 2;
pub const SLAB_FAULT_FOREIGN: slab_fault = 3;
pub const SLAB_FAULT_WRONG_LAYOUT: slab_fault = 4;
pub const SLAB_FAULT_BAD_ALIGN: slab_fault = 5;
pub const SLAB_FAULT_CORRUPT_LINK: slab_fault = 6;
pub const SLAB_FAULT_CORRUPT_META: slab_fault = 7;

/// `enum slab_page_kind` (a C `int`).
pub type slab_page_kind = c_int;
pub const SLAB_PAGE_FREE: slab_page_kind = 0;
pub const SLAB_PAGE_CLASS: slab_page_kind = 1;
pub const SLAB_PAGE_LARGE: slab_page_kind = 2;
pub const SLAB_PAGE_LARGE_TAIL: slab_page_kind = 3;

/// `slab_fault_hook`: `fn(ctx, kind, ptr)`.
pub type slab_fault_hook =
    Option<unsafe extern "C" fn(ctx: *mut c_void, kind: slab_fault, ptr: *const c_void)>;

/// `slab_lock_fn`: `fn(ctx)`.
pub type slab_lock_fn = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

/// `struct slab_class_stats`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct slab_class_stats {
    pub block_size: usize,
    pub pages: usize,
    pub blocks_used: usize,
    pub blocks_free: usize,
}

/// `struct slab_stats`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct slab_stats {
    pub capacity: usize,
    pub page_size: usize,
    pub pages_total: usize,
    pub pages_free: usize,
    pub pages_large: usize,
    pub bytes_used: usize,
    pub bytes_peak: usize,
    pub largest_free: usize,
    pub blocks_used: usize,
    pub oom_count: usize,
    pub fault_count: usize,
    pub classes: [slab_class_stats; SLAB_NUM_CLASSES],
}

/// `struct slab_page_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct slab_page_info {
    pub kind: slab_page_kind,
    pub start: *const c_void,
    pub block_size: usize,
    pub blocks_used: usize,
    pub blocks_free: usize,
}

extern "C" {
    pub fn slab_init(arena: *mut c_void, size: usize) -> *mut slab_heap;
    pub fn slab_alloc(h: *mut slab_heap, size: usize, align: usize) -> *mut c_void;
    pub fn slab_free(h: *mut slab_heap, p: *mut c_void);
    pub fn slab_free_sized(h: *mut slab_heap, p: *mut c_void, size: usize, align: usize);
    pub fn slab_realloc(h: *mut slab_heap, p: *mut c_void, size: usize, align: usize)
        -> *mut c_void;
    pub fn slab_usable_size(h: *const slab_heap, p: *const c_void) -> usize;
    pub fn slab_check(h: *const slab_heap) -> bool;
    pub fn slab_get_stats(h: *const slab_heap, out: *mut slab_stats);
    pub fn slab_get_page_info(h: *const slab_heap, index: usize, out: *mut slab_page_info)
        -> bool;
    pub fn slab_set_lock(
        h: *mut slab_heap,
        enter: slab_lock_fn,
        leave: slab_lock_fn,
        ctx: *mut c_void,
    );
    pub fn slab_set_fault_hook(h: *mut slab_heap, hook: slab_fault_hook, ctx: *mut c_void);
    pub fn slab_fault_name(kind: slab_fault) -> *const c_char;
}
