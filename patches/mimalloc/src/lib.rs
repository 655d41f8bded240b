//! The system allocator under the name `mimalloc::MiMalloc`.
//!
//! skim declares `mimalloc::MiMalloc` as the global allocator of any program that links
//! it, and a program can have only one. mimalloc's start-up (reading
//! `/proc/sys/vm/overcommit_memory`, mapping and touching its first arenas) costs about
//! sixty page faults, 0.1 ms, in every process: more than `awsp prompt` spends on its own
//! work. The picker, the only user of skim, is as fast on the system allocator; so this
//! crate, patched in for `mimalloc` by awsp's Cargo.toml, hands every call to
//! [`std::alloc::System`] and builds no C.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator.
pub struct MiMalloc;

// SAFETY: every method forwards to `System`, which upholds `GlobalAlloc`'s contract.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
