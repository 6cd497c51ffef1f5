//! The binary's command line, without a broker: configuration errors.

use std::process::Command;

use salespulse_e2e::binary;

#[test]
fn every_config_problem_is_listed_at_once_and_exit_is_non_zero() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("cfg"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[kafka]\nbrokers = \"\"\n[state]\nsnapshot_interval = \"soon\"\n[http]\nlisten = \"here\"\n[engine]\nbase_currency = \"euro\"\n[engine.fx]\nUSD = -1.0\n",
    )
    .unwrap();
    let out = Command::new(binary()).args(["run", "--config"]).arg(&file).output().expect("run binary");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("5 problems"), "{err}");
    for needle in ["kafka.brokers", "state.snapshot_interval", "http.listen", "engine.base_currency", "engine.fx.USD"] {
        assert!(err.contains(needle), "{needle} not reported:\n{err}");
    }
}

#[test]
fn unknown_config_keys_are_refused_with_their_name() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("cfg"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("typo.toml");
    std::fs::write(&file, "[kafka]\nbrokerz = \"localhost:9092\"\n").unwrap();
    let out = Command::new(binary()).args(["check", "--config"]).arg(&file).output().expect("run binary");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("brokerz"), "{err}");
}

#[test]
fn flags_override_the_file_and_a_valid_config_checks() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("cfg"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ok.toml");
    std::fs::write(&file, "[http]\nlisten = \"nonsense\"\n").unwrap();
    let out =
        Command::new(binary()).args(["check", "--listen", "127.0.0.1:1", "--config"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
