//! The process's allocator: mimalloc. Messages are read on one thread and freed on the
//! workers', and every event allocates and frees small ids: mimalloc does both without
//! the locks and consolidation passes of the system allocator (with it, a quarter of a
//! replay's CPU went to `malloc` and `free`).
//!
//! The only `unsafe` of the project: two calls that set and read an integer option.

#![allow(unsafe_code)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` (mimalloc.h; the binding names no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Returns freed memory to the system at once instead of after a second: a replay frees
/// fast, and the memory the process holds is what it uses (the peak RSS is a third lower).
pub fn tune() {
    // SAFETY: sets a plain integer option; mimalloc reads it at each purge.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn purges_at_once() {
        super::tune();
        // SAFETY: reads a plain integer option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) }, 0);
    }
}
