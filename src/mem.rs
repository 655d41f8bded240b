//! Huge pages for the commands that build a model of every profile.
//!
//! At 10,000 profiles the picker and `awsp list` touch some 20 MB of fresh heap, and on a
//! VM each 4 KiB page's first touch is a fault of 5-10 µs: about 4,000 faults, 20-30 ms.
//! Where transparent huge pages are `madvise`-only (the usual default), the heap can ask
//! for 2 MiB pages instead: one fault per 512 pages.

/// Marks the mapping that holds the heap as wanting transparent huge pages. Best effort:
/// a failure changes only the speed. Commands with little to do should not call it: their
/// next fresh 2 MiB would be zeroed whole.
#[cfg(target_os = "linux")]
pub fn prefer_huge_pages() {
    // The allocator serves the next allocations from the mapping this one lands in.
    let probe = Box::new(0u64);
    let addr = &*probe as *const u64 as usize;
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    let Some((start, end)) = maps.lines().find_map(|line| {
        let (start, rest) = line.split_once('-')?;
        let end = rest.split(' ').next()?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        (start..end).contains(&addr).then_some((start, end))
    }) else {
        return;
    };
    // SAFETY: advice only; the range is a mapping of this process, and MADV_HUGEPAGE
    // changes how it is backed, never its contents.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn prefer_huge_pages() {}
