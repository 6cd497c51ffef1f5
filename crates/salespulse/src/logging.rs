//! Structured logs with `tracing`: text for people, JSON for log pipelines. A JSON line is
//! one object — `timestamp`, `level`, `message`, the event's fields, `target` — where a
//! list (the partitions assigned, say) is a JSON array, not the text of one.

use std::io::IsTerminal;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;

use crate::config::sections::LogFormat;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber. `level` is a tracing filter; `RUST_LOG` wins if set.
/// Text logs are coloured only on a terminal: a journal or a file gets plain text.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if format == LogFormat::Json {
        builder.event_format(JsonLines).init();
    } else {
        builder.init();
    }
}

/// One JSON object per event.
#[derive(Debug, Clone, Copy)]
pub struct JsonLines;

/// The fields of an event, as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        // A list whose Debug text is JSON (numbers, strings) becomes an array.
        let value = match serde_json::from_str::<Value>(&text) {
            Ok(array @ Value::Array(_)) if text.starts_with('[') => array,
            _ => Value::String(text),
        };
        self.0.insert(field.name().to_owned(), value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let mut line = Map::new();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        line.insert("timestamp".into(), Value::from(now));
        line.insert("level".into(), Value::from(event.metadata().level().as_str()));
        event.record(&mut Fields(&mut line));
        line.insert("target".into(), Value::from(event.metadata().target()));
        writeln!(writer, "{}", Value::Object(line))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_json_line_writes_lists_as_arrays_and_keeps_the_rest() {
        let buffer = Buffer::default();
        let out = buffer.clone();
        let subscriber = tracing_subscriber::fmt().event_format(JsonLines).with_writer(move || out.clone()).finish();
        tracing::subscriber::with_default(subscriber, || {
            let partitions = vec![0, 3, 5];
            let starts = vec![(0, "Beginning")];
            tracing::info!(partitions = ?partitions, starts = ?starts, restored = 2, topic = "crm.events", "state restored");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["partitions"], serde_json::json!([0, 3, 5]));
        assert_eq!(line["starts"], "[(0, \"Beginning\")]", "not JSON: kept as text");
        assert_eq!((line["restored"].as_i64(), line["topic"].as_str()), (Some(2), Some("crm.events")));
        assert_eq!((line["message"].as_str(), line["level"].as_str()), (Some("state restored"), Some("INFO")));
        assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}
