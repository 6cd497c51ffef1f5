//! Structured logs with `tracing`: text for people, JSON for log pipelines.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `level` is a tracing filter; `RUST_LOG` wins if set.
/// Text logs are coloured only on a terminal: a journal or a file gets plain text.
pub fn init(format: &str, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if format == "json" {
        builder.json().flatten_event(true).with_current_span(false).init();
    } else {
        builder.init();
    }
}
