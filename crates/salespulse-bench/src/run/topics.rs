//! Topics and traffic for the benchmark: created with the service's own `topics` command
//! and filled by its generator, so the bench reads what users would send.

use std::path::Path;
use std::process::{Command, Stdio};

/// Creates the events, reference and dead-letter topics.
pub fn create(bin: &Path, brokers: &str, topic: &str, partitions: u32) -> Result<(), String> {
    let status = Command::new(bin)
        .args(["topics", "--brokers", brokers, "--topic", topic])
        .args(["--reference-topic", &format!("{topic}.ref"), "--dead-letter-topic", &format!("{topic}.dlq")])
        .args(["--partitions", &partitions.to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("run {}: {e}", bin.display()))?;
    if status.success() { Ok(()) } else { Err(format!("salespulse topics failed: {status}")) }
}

/// Runs the generator to completion with `args` after the brokers and topics.
pub fn generate(bin: &Path, brokers: &str, topic: &str, args: &[String]) -> Result<(), String> {
    let status = Command::new(bin)
        .args(["gen", "--brokers", brokers, "--topic", topic, "--reference-topic", &format!("{topic}.ref")])
        .args(args)
        .status()
        .map_err(|e| format!("run {}: {e}", bin.display()))?;
    if status.success() { Ok(()) } else { Err(format!("salespulse gen failed: {status}")) }
}
