//! The configuration as layers: the defaults, the file, the environment
//! (`SALESPULSE_<SECTION>__<KEY>`), then flags. Every value remembers where it came from,
//! and every problem of every layer is found at once — unknown keys, values of the wrong
//! type, bad syntax — each with where it came from (the line of the file, the variable,
//! the flag). A key with a problem falls back to its default, so the checks of the values
//! (`Config::check`) still run on everything else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_path_to_error::Segment;
use toml::{Table, Value};

use crate::config::sections::Config;

/// Settings that hold secrets: never shown, and readable from `..._FILE`.
pub const SECRET_SETTINGS: [&str; 2] = ["bridge.hubspot.app_secret", "bridge.pipedrive.password"];

/// librdkafka properties whose value `check --print` shows (every other one may be a
/// secret, or a secret under a mistyped name).
const SHOWN_PROPERTIES: [&str; 3] = ["security.protocol", "sasl.mechanism", "sasl.mechanisms"];

/// Where a value came from (a key with none is a default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File { line: usize },
    Env(String),
    Flag(&'static str),
}

/// The layers read so far, the origin of every key set, and the problems found.
#[derive(Debug, Default)]
pub struct Layers {
    table: Table,
    origins: BTreeMap<String, Origin>,
    /// The text of each environment value, to read it as a string when its TOML reading
    /// has the wrong type (`SALESPULSE_KAFKA__GROUP_ID=2026`).
    env_text: BTreeMap<String, String>,
    file: Option<PathBuf>,
    problems: Vec<String>,
}

/// Whether `path` (dotted) is a secret setting.
pub fn is_secret(path: &str) -> bool {
    SECRET_SETTINGS.contains(&path)
}

impl Layers {
    /// Reads the TOML file at `path`: a syntax error is one problem, with its line (never
    /// the text of the line: it may hold a secret).
    pub fn file(&mut self, path: &Path) {
        self.file = Some(path.to_owned());
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return self.problems.push(format!("cannot read config file {}: {e}", path.display())),
        };
        match toml::from_str::<Table>(&text) {
            Ok(table) => {
                self.table = table;
                if let Ok(spans) = toml::de::DeTable::parse(&text) {
                    lines(&text, spans.get_ref(), "", &mut self.origins);
                }
            }
            Err(e) => {
                let line = e.span().map_or(0, |s| line_of(&text, s.start));
                self.problems.push(format!("{}, line {line}: {}", path.display(), e.message().trim()));
            }
        }
    }

    /// Applies every `SALESPULSE_<SECTION>__<KEY>` variable of `vars` (`__` between the
    /// parts of the path: `SALESPULSE_BRIDGE__HUBSPOT__MAX_AGE`); a secret setting may
    /// instead be read from the file its `..._FILE` variable names. An empty variable is
    /// unset. A value is read as TOML (a number, `true`, an array, an inline table), else
    /// as a string.
    pub fn env(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        let mut vars: Vec<(String, String)> = vars.into_iter().collect();
        vars.sort();
        for (name, raw) in vars {
            let Some(rest) = name.strip_prefix("SALESPULSE_").filter(|r| r.contains("__")) else { continue };
            if raw.is_empty() {
                continue;
            }
            let mut path = rest.split("__").map(str::to_ascii_lowercase).collect::<Vec<_>>().join(".");
            let mut text = raw;
            if let Some(secret) = path.strip_suffix("_file").filter(|p| is_secret(p)) {
                match std::fs::read_to_string(&text) {
                    Ok(t) => text = t.trim_end_matches(['\r', '\n']).to_owned(),
                    Err(e) => {
                        self.problems.push(format!("{name}: cannot read {text}: {e}"));
                        continue;
                    }
                }
                path = secret.to_owned();
            }
            let value = if is_secret(&path) { Value::String(text.clone()) } else { read_value(&text) };
            self.env_text.insert(path.clone(), text);
            self.set(&path, value, Origin::Env(name));
        }
    }

    /// Sets one key from a flag (a string).
    pub fn flag(&mut self, path: &str, value: &str, flag: &'static str) {
        self.set(path, Value::String(value.to_owned()), Origin::Flag(flag));
    }

    fn set(&mut self, path: &str, value: Value, origin: Origin) {
        let parts: Vec<&str> = path.split('.').collect();
        let mut table = &mut self.table;
        for part in &parts[..parts.len() - 1] {
            let slot = table.entry((*part).to_owned()).or_insert_with(|| Value::Table(Table::new()));
            let Value::Table(inner) = slot else {
                return self.problems.push(format!("{path}: {part} is not a section{}", located(&origin, &self.file)));
            };
            table = inner;
        }
        table.insert(parts[parts.len() - 1].to_owned(), value);
        self.origins.insert(path.to_owned(), origin);
    }

    /// The typed configuration: every unknown key and value of the wrong type is a
    /// problem (with where it came from), and falls back to its default.
    pub fn typed(&mut self) -> Config {
        for _ in 0..10_000 {
            let value = Value::Table(self.table.clone());
            let error = match serde_path_to_error::deserialize::<_, Config>(value) {
                Ok(config) => return config,
                Err(e) => e,
            };
            let mut segments = key_segments(error.path());
            let message = error.inner().to_string();
            let unknown = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next());
            if let Some(field) = unknown.filter(|f| segments.last().map(String::as_str) != Some(*f)) {
                segments.push(field.to_owned());
            }
            let path = dotted(&segments);
            if let (Some(text), Some(value)) = (self.env_text.remove(&path), lookup(&mut self.table, &segments)) {
                // Read as TOML, it had the wrong type: it is a string.
                if !value.is_str() {
                    *value = Value::String(text);
                    continue;
                }
            }
            let already =
                self.problems.iter().any(|p| p.starts_with(&format!("{path}.")) || p.starts_with(&format!("{path}[")));
            if !(message.starts_with("missing field") && already) {
                let shown = if is_secret(&path) || path == "kafka.properties" || path.starts_with("kafka.properties.") {
                    "a value of the wrong type".to_owned()
                } else {
                    hinted(message.lines().next().unwrap_or_default().trim())
                };
                let problem = format!("{}: {shown}", if path.is_empty() { "the file" } else { &path });
                self.problems.push(self.locate(&problem));
            }
            if segments.is_empty() || !remove(&mut self.table, &segments) {
                break;
            }
        }
        Config::default()
    }

    /// `problem` with where its key came from appended, when it names a key that was set.
    pub fn locate(&self, problem: &str) -> String {
        let found = self
            .origins
            .iter()
            .filter(|(path, _)| {
                problem
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', ' ', '.', '[', '=']))
            })
            .max_by_key(|(path, _)| path.len());
        match found {
            Some((_, origin)) => format!("{problem}{}", located(origin, &self.file)),
            None => problem.to_owned(),
        }
    }

    /// The problems found while reading the layers.
    pub fn take_problems(&mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }

    /// The effective configuration as TOML, each value with where it came from; secrets
    /// and the values of Kafka properties redacted.
    pub fn print(&self, config: &Config) -> String {
        let mut out = String::new();
        match Value::try_from(config) {
            Ok(Value::Table(t)) => self.print_table(&t, "", &mut out),
            Ok(_) | Err(_) => out.push_str("# the configuration cannot be shown\n"),
        }
        out
    }

    fn print_table(&self, table: &Table, prefix: &str, out: &mut String) {
        let (tables, values): (Vec<_>, Vec<_>) = table.iter().partition(|(_, v)| v.is_table());
        for (key, value) in values {
            let path = join(prefix, key);
            let shown = if (is_secret(&path) && value.as_str().is_some_and(|s| !s.is_empty()))
                || (prefix == "kafka.properties" && !SHOWN_PROPERTIES.contains(&key.as_str()))
            {
                "\"<redacted>\"".to_owned()
            } else {
                value.to_string()
            };
            let from = match self.origins.get(&path) {
                Some(Origin::File { line }) => format!("line {line}"),
                Some(Origin::Env(name)) => name.clone(),
                Some(Origin::Flag(flag)) => (*flag).to_owned(),
                None if prefix == "kafka.properties" => "properties_file, -X or SALESPULSE_KAFKA_*".to_owned(),
                None => "default".to_owned(),
            };
            out.push_str(&format!("{} = {shown}  # {from}\n", toml_key(key)));
        }
        for (key, value) in tables {
            let path = join(prefix, key);
            if let Value::Table(inner) = value {
                out.push_str(&format!("\n[{}]\n", path.split('.').map(toml_key).collect::<Vec<_>>().join(".")));
                self.print_table(inner, &path, out);
            }
        }
    }
}

/// A type error without the text it was given (a secret put in the wrong place must not
/// show), with what a value of the type looks like when its message does not say.
fn hinted(message: &str) -> String {
    let message = match (message.find(": string \""), message.rfind("\", expected")) {
        (Some(i), Some(j)) if i < j => format!("{}{}", &message[..i + ": string".len()], &message[j + 1..]),
        _ => message.to_owned(),
    };
    let message = message.as_str();
    let hint = if message.ends_with("expected a duration") {
        " (e.g. \"500ms\", \"5s\", \"10m\", \"7d\")"
    } else if message.starts_with("invalid socket address") {
        " (expected ip:port, e.g. \"0.0.0.0:9898\")"
    } else {
        ""
    };
    format!("{message}{hint}")
}

/// ` (line N of FILE)`, ` (from VARIABLE)` or ` (from --flag)`.
fn located(origin: &Origin, file: &Option<PathBuf>) -> String {
    match origin {
        Origin::File { line } => {
            format!(" (line {line} of {})", file.as_deref().map_or("the file".into(), |f| f.display().to_string()))
        }
        Origin::Env(name) => format!(" (from {name})"),
        Origin::Flag(flag) => format!(" (from {flag})"),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

/// A key as TOML writes it: bare when it can be.
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

/// A value given as text: TOML when it reads as a number, a boolean, an array or an
/// inline table; a string otherwise.
fn read_value(text: &str) -> Value {
    match toml::from_str::<Table>(&format!("v = {text}")).ok().and_then(|mut t| t.remove("v")) {
        Some(v) if !v.is_str() => v,
        _ => Value::String(text.to_owned()),
    }
}

/// The line (from 1) of byte `at` of `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// The line of every key of a parsed file, by dotted path (array elements as `[i]`).
fn lines(text: &str, table: &toml::de::DeTable<'_>, prefix: &str, out: &mut BTreeMap<String, Origin>) {
    for (key, value) in table {
        let path = join(prefix, key.get_ref());
        out.insert(path.clone(), Origin::File { line: line_of(text, key.span().start) });
        value_lines(text, value.get_ref(), &path, out);
    }
}

fn value_lines(text: &str, value: &toml::de::DeValue<'_>, path: &str, out: &mut BTreeMap<String, Origin>) {
    match value {
        toml::de::DeValue::Table(t) => lines(text, t, path, out),
        toml::de::DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                out.insert(at.clone(), Origin::File { line: line_of(text, item.span().start) });
                value_lines(text, item.get_ref(), &at, out);
            }
        }
        _ => {}
    }
}

/// The keys of an error's path: map keys, and array indexes as `[i]`.
fn key_segments(path: &serde_path_to_error::Path) -> Vec<String> {
    path.iter()
        .filter_map(|s| match s {
            Segment::Map { key } => Some(key.clone()),
            Segment::Seq { index } => Some(format!("[{index}]")),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

/// `a.b[0].c` from its segments.
fn dotted(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        if !out.is_empty() && !s.starts_with('[') {
            out.push('.');
        }
        out.push_str(s);
    }
    out
}

fn index(segment: &str) -> Option<usize> {
    segment.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// The value at `segments`, if there is one.
fn lookup<'a>(table: &'a mut Table, segments: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = segments.split_first()?;
    let mut value = table.get_mut(first)?;
    for s in rest {
        value = match (value, index(s)) {
            (Value::Array(items), Some(i)) => items.get_mut(i)?,
            (Value::Table(t), None) => t.get_mut(s)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Removes the value at `segments`; whether there was one.
fn remove(table: &mut Table, segments: &[String]) -> bool {
    let Some((last, parents)) = segments.split_last() else { return false };
    if parents.is_empty() {
        return table.remove(last).is_some();
    }
    match (lookup(table, parents), index(last)) {
        (Some(Value::Table(t)), None) => t.remove(last).is_some(),
        (Some(Value::Array(items)), Some(i)) if i < items.len() => {
            items.remove(i);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (Layers, PathBuf) {
        let dir = std::env::temp_dir().join(format!("salespulse-layers-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("salespulse.toml");
        std::fs::write(&path, text).unwrap();
        let mut layers = Layers::default();
        layers.file(&path);
        (layers, path)
    }

    #[test]
    fn every_unknown_key_and_type_error_is_found_at_once_with_its_line() {
        let (mut layers, _) = file(
            "[kafka]\nbrokrs = \"x:1\"\nmax_message_bytes = \"big\"\n\n[kpis]\nper_rep_series = 3\n[nope]\na = 1\n\n[state]\nsnapshot_interval = \"1m\"\n",
        );
        let config = layers.typed();
        let problems = layers.take_problems();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        let has =
            |p: &str, line: usize| problems.iter().any(|m| m.starts_with(p) && m.contains(&format!("(line {line} of")));
        assert!(has("kafka.brokrs: unknown field", 2), "{problems:#?}");
        assert!(has("kafka.max_message_bytes: invalid type", 3), "{problems:#?}");
        assert!(has("kpis.per_rep_series: invalid type", 6), "{problems:#?}");
        assert!(has("nope: unknown field", 7), "{problems:#?}");
        assert_eq!(config.state.snapshot_interval, std::time::Duration::from_secs(60), "what is right is kept");
        assert_eq!(config.kafka.max_message_bytes, Config::default().kafka.max_message_bytes);
    }

    #[test]
    fn kafka_properties_of_the_wrong_shape_are_named_not_shown() {
        for (value, secret) in [("hunter2", "hunter2"), ("{ \"sasl.password\" = 7777 }", "7777")] {
            let mut layers = Layers::default();
            layers.env([("SALESPULSE_KAFKA__PROPERTIES".to_owned(), value.to_owned())]);
            layers.typed();
            let problems = layers.take_problems();
            assert!(problems.len() == 1 && !problems[0].contains(secret), "{problems:?}");
        }
    }

    #[test]
    fn a_string_in_the_wrong_place_is_not_shown() {
        let (mut layers, _) = file("[bridge]\nhubspot = \"hs-very-secret\"\n[kafka]\nmax_message_bytes = \"big\"\n");
        layers.typed();
        let problems = layers.take_problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().all(|p| p.contains("invalid type: string, expected")), "{problems:?}");
        assert!(!problems.iter().any(|p| p.contains("very-secret") || p.contains("big")), "{problems:?}");
    }

    #[test]
    fn a_syntax_error_gives_its_line_and_not_its_text() {
        let (mut layers, _) = file("[bridge.pipedrive]\nusername = \"pd\"\npassword = \"hunter2\n");
        layers.typed();
        let problems = layers.take_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("line 3"), "{problems:?}");
        assert!(!problems[0].contains("hunter2"), "{problems:?}");
    }

    #[test]
    fn every_setting_comes_from_the_environment_typed_and_located() {
        let dir = std::env::temp_dir().join(format!("salespulse-layers-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), "s3cret\n").unwrap();
        let (mut layers, _) = file("[kafka]\ngroup_id = \"from-file\"\n");
        let secret = dir.join("secret");
        let vars = [
            ("SALESPULSE_KAFKA__GROUP_ID", "2026"),
            ("SALESPULSE_KPIS__PER_REP_SERIES", "true"),
            ("SALESPULSE_KPIS__MAX_TEAMS", "7"),
            ("SALESPULSE_ENGINE__FX", "{ USD = 0.9 }"),
            ("SALESPULSE_BRIDGE__HUBSPOT__APP_SECRET_FILE", secret.to_str().unwrap()),
            ("SALESPULSE_STATE__WHEN_MISSING", ""),
            ("SALESPULSE_LOG__LEVLE", "debug"),
            ("SALESPULSE_BROKERS", "not a layer variable"),
        ];
        layers.env(vars.map(|(k, v)| (k.to_owned(), v.to_owned())));
        let config = layers.typed();
        assert_eq!(config.kafka.group_id, "2026", "a string setting stays a string");
        assert!(config.kpis.per_rep_series);
        assert_eq!(config.kpis.max_teams, 7);
        assert_eq!(config.engine.fx.get("USD"), Some(&0.9));
        assert_eq!(config.bridge.hubspot.as_ref().map(|h| h.app_secret.as_str()), Some("s3cret"));
        assert_eq!(config.state.when_missing, crate::config::sections::WhenMissing::Rebuild, "empty is unset");
        let problems = layers.take_problems();
        assert_eq!(
            problems,
            [
                "log.levle: unknown field `levle`, expected one of `format`, `level`, `progress_interval` (from SALESPULSE_LOG__LEVLE)"
            ]
        );
        let printed = layers.print(&config);
        assert!(printed.contains("group_id = \"2026\"  # SALESPULSE_KAFKA__GROUP_ID"), "{printed}");
        assert!(
            printed.contains("app_secret = \"<redacted>\"  # SALESPULSE_BRIDGE__HUBSPOT__APP_SECRET_FILE"),
            "{printed}"
        );
        assert!(printed.contains("topic = \"crm.events\"  # default"), "{printed}");
        assert!(!printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn flags_win_and_problems_of_later_checks_are_located() {
        let (mut layers, path) = file("[kafka]\nbrokers = \"a:1\"\n[http]\nlisten = \"nowhere\"\n");
        layers.flag("kafka.brokers", "b:2", "--brokers");
        let config = layers.typed();
        assert_eq!(config.kafka.brokers, "b:2");
        assert_eq!(layers.locate("kafka.brokers: bad"), "kafka.brokers: bad (from --brokers)");
        assert_eq!(
            layers.locate("http.listen = \"nowhere\": not an address"),
            format!("http.listen = \"nowhere\": not an address (line 4 of {})", path.display())
        );
        assert_eq!(layers.locate("state.store: bad"), "state.store: bad", "a default has no origin");
    }
}
