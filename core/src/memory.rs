//! Handing freed memory back to the system after a burst (used by the export thread).
//!
//! glibc's allocator keeps freed small blocks in its arenas: after a burst that filled the span
//! queue, tens of MiB of freed records would stay resident for the life of the process.
//! `malloc_trim(0)` returns the free pages of every arena. Other allocators and platforms need
//! nothing here (musl and macOS return memory on their own; a host's custom allocator is its own).

/// Returns the allocator's free pages to the system where that takes an explicit call (glibc);
/// a no-op elsewhere. Costs a walk of the heap: call it after bursts, never per span.
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only inspects and trims the allocator's own free lists; it is
    // thread-safe (it takes each arena's lock) and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Asks the CPU to start loading the `bytes` bytes at `p` into its caches, without waiting for
/// them: the export thread reads span records another core has just written, and a load it has
/// to wait for costs more than the encoding of the bytes. Only a hint: nothing is read (a
/// dangling or unmapped address is harmless), a no-op off x86-64.
#[inline(always)]
pub(crate) fn prefetch(p: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // At most 16 cache lines: a hint for the start of a large object is enough.
        let lines = bytes.div_ceil(64).min(16);
        for i in 0..lines {
            // SAFETY: PREFETCHT0 never faults and has no architectural effect; the address is
            // only computed (`wrapping_add`), never dereferenced.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64 * i) as *const i8) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}
