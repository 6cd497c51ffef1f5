//! Reading state written by an older build: the snapshot format version being decoded,
//! for the few types whose layout changed since (sums were `f64` before version 2; a
//! deal's deletion was a flag before version 3). Decoding happens on one thread, so the
//! version is a thread-local set around the decode.

use std::cell::Cell;

thread_local! {
    static READING: Cell<Option<u16>> = const { Cell::new(None) };
}

/// Runs `f`, a decode of state written as format `version`.
pub fn reading<R>(version: u16, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<u16>);
    impl Drop for Reset {
        fn drop(&mut self) {
            READING.set(self.0);
        }
    }
    let _reset = Reset(READING.replace(Some(version)));
    f()
}

/// Whether the state being decoded was written before format `version` (`false` outside
/// a [`reading`]: the current format).
pub(crate) fn before(version: u16) -> bool {
    READING.get().is_some_and(|v| v < version)
}
