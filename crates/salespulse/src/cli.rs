//! Command-line interface. Precedence: config file < environment < flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Live B2B sales KPIs from a Kafka stream of CRM events, for Prometheus.
#[derive(Debug, Parser)]
#[command(name = "salespulse", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Consume CRM events and serve KPIs on /metrics.
    Run(Common),
    /// Check a configuration and print every problem (exit 2 if any).
    Check(CheckArgs),
    /// Produce synthetic CRM traffic: a backfill (--events) or a live rate (--rate).
    Gen(GenArgs),
    /// Create the events, reference and dead-letter topics if they are missing.
    Topics(TopicsArgs),
    /// Turn CRM changes (Salesforce CDC, HubSpot and Pipedrive webhooks) into canonical
    /// events on the events topic ([bridge] section; docs/sources.md).
    Bridge(Common),
    /// Write the Prometheus rules, the PrometheusRule and the Grafana dashboards of a
    /// deployment from one configuration (docs/alerts.md, "One configuration").
    Mixin(MixinArgs),
}

/// Settings shared by `run` and `check`; each overrides the config file.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// TOML configuration file.
    #[arg(long, short, env = "SALESPULSE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Kafka bootstrap servers.
    #[arg(long, env = "SALESPULSE_BROKERS")]
    pub brokers: Option<String>,
    /// Events topic.
    #[arg(long, env = "SALESPULSE_TOPIC")]
    pub topic: Option<String>,
    /// Reference-data topic ("" for none).
    #[arg(long, env = "SALESPULSE_REFERENCE_TOPIC")]
    pub reference_topic: Option<String>,
    /// Consumer group id.
    #[arg(long, env = "SALESPULSE_GROUP")]
    pub group: Option<String>,
    /// Dead-letter topic ("" for none).
    #[arg(long, env = "SALESPULSE_DEAD_LETTER_TOPIC")]
    pub dead_letter_topic: Option<String>,
    /// HTTP listen address for /metrics, /healthz, /readyz (for `bridge`: its webhooks
    /// and its own /metrics, `bridge.listen`).
    #[arg(long, env = "SALESPULSE_LISTEN")]
    pub listen: Option<String>,
    /// Snapshot store: file://DIR or kafka://TOPIC.
    #[arg(long, env = "SALESPULSE_STATE")]
    pub state: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "SALESPULSE_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or debug.
    #[arg(long, env = "SALESPULSE_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Extra librdkafka property, KEY=VALUE (repeatable).
    #[arg(long = "kafka-property", short = 'X', value_name = "KEY=VALUE")]
    pub kafka_properties: Vec<String>,
}

/// Arguments of `check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print the effective configuration (secrets redacted), each value with where it
    /// came from: the file's line, a variable, a flag, or the default.
    #[arg(long)]
    pub print: bool,
}

/// Arguments of `gen`.
#[derive(Debug, Clone, Args)]
pub struct GenArgs {
    /// Kafka bootstrap servers.
    #[arg(long, env = "SALESPULSE_BROKERS", default_value = "localhost:9092")]
    pub brokers: String,
    /// Events topic.
    #[arg(long, env = "SALESPULSE_TOPIC", default_value = "crm.events")]
    pub topic: String,
    /// Topic for the roster and other reference data ("" to send them to --topic).
    #[arg(long, env = "SALESPULSE_REFERENCE_TOPIC", default_value = "crm.reference")]
    pub reference_topic: String,
    /// Seed: the same seed and options give the same events.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Live traffic at this rate, e.g. 50/s or 3000/m (runs until Ctrl-C).
    #[arg(long, conflicts_with = "events")]
    pub rate: Option<String>,
    /// Backfill this many events spread over --days before now, then exit.
    #[arg(long)]
    pub events: Option<u64>,
    /// Days the backfill covers.
    #[arg(long, default_value_t = 30.0)]
    pub days: f64,
    /// Number of teams.
    #[arg(long, default_value_t = 4)]
    pub teams: usize,
    /// Reps per team.
    #[arg(long, default_value_t = 6)]
    pub reps_per_team: usize,
    /// Share of messages replaced by malformed ones (to see rejections), 0..1.
    #[arg(long, default_value_t = 0.0)]
    pub bad_ratio: f64,
    /// Do not send the roster, exchange rates and stages first.
    #[arg(long)]
    pub no_reference: bool,
    /// Extra librdkafka property, KEY=VALUE (repeatable).
    #[arg(long = "kafka-property", short = 'X', value_name = "KEY=VALUE")]
    pub kafka_properties: Vec<String>,
}

/// Arguments of `topics`.
#[derive(Debug, Clone, Args)]
pub struct TopicsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Partitions of the events topic.
    #[arg(long, default_value_t = 6)]
    pub partitions: i32,
    /// Replication factor of every topic.
    #[arg(long, default_value_t = 1)]
    pub replication: i32,
    /// Retention of the events topic; must exceed the longest window (90d) for rebuilds.
    #[arg(long, default_value = "100d")]
    pub retention: String,
}

/// Arguments of `mixin`.
#[derive(Debug, Clone, Args)]
pub struct MixinArgs {
    /// The mixin configuration (TOML: selectors, deployment labels, thresholds); without
    /// it, the shipped one, printed by --print-config.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// Directory written: prometheus/rules, k8s/base and grafana/dashboards under it.
    #[arg(long, default_value = "deploy")]
    pub out: PathBuf,
    /// Write nothing; exit 1 and name each file that differs from what would be written.
    #[arg(long)]
    pub check: bool,
    /// Print the shipped configuration (to start a copy from) and exit.
    #[arg(long, conflicts_with_all = ["config", "check"])]
    pub print_config: bool,
}
