//! Progress lines on stderr: a run takes minutes.

/// Prints `bench: what`.
pub fn say(what: &str) {
    eprintln!("bench: {what}");
}
