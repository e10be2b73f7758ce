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
