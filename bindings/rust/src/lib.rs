//! Rust bindings to the slab heap of this repository (`src/slab.h`).
//!
//! * [`ffi`]: the C API, declared by hand (no bindgen).
//! * [`SlabHeap`]: one heap over a caller-given arena.
//! * [`SpinMutex`]: a small spin lock on `core::sync::atomic`.
//! * [`LockedSlab`]: a heap behind the spin lock, a [`GlobalAlloc`]
//!   (`alloc` is `slab_alloc(size, align)`, `dealloc` is
//!   `slab_free_sized(ptr, size, align)`, `realloc` is
//!   `slab_realloc(ptr, new_size, align)`).
//!
//! ```no_run
//! use slab_heap::LockedSlab;
//!
//! #[global_allocator]
//! static ALLOCATOR: LockedSlab = LockedSlab::new();
//!
//! const HEAP_SIZE: usize = 1 << 20;
//! static mut HEAP: [u8; HEAP_SIZE] = [0; HEAP_SIZE];
//!
//! // Kernel style: before the first allocation.
//! #[allow(unused_unsafe)]
//! pub fn init_heap() {
//!     unsafe { ALLOCATOR.init(core::ptr::addr_of_mut!(HEAP).cast::<u8>(), HEAP_SIZE) };
//! }
//! # fn main() { init_heap(); }
//! ```
//!
//! When the allocator is used before anything can call `init` (a hosted
//! program's runtime allocates before `main`), use
//! `LockedSlab::lazy(|| (arena_ptr, arena_size))` instead: it takes the
//! arena on the first allocation.
//!
//! `no_std`, no dependencies. The build script links `libslab.a` from
//! `SLAB_LIB_DIR` (default `../../build`, made by `make lib`).
//!
//! [`GlobalAlloc`]: core::alloc::GlobalAlloc

#![no_std]

#[cfg(test)]
extern crate std;

pub mod ffi;
mod heap;
mod locked;
mod spin;

pub use heap::{fault_name, SlabClassStats, SlabHeap, SlabPageInfo, SlabStats};
pub use locked::{ArenaFn, InitError, LockedSlab};
pub use spin::{SpinMutex, SpinMutexGuard};

#[cfg(test)]
mod tests;
