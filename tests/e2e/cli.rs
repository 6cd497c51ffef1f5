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

#[test]
fn a_plain_text_password_or_an_unreadable_certificate_refuses_to_start() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("web"));
    std::fs::create_dir_all(&dir).unwrap();
    let web = dir.join("web.yml");
    std::fs::write(
        &web,
        "tls_server_config:\n  cert_file: nowhere.crt\n  key_file: nowhere.key\nbasic_auth_users:\n  prometheus: hunter2\n",
    )
    .unwrap();
    let config = dir.join("salespulse.toml");
    std::fs::write(&config, format!("[http]\nweb_config_file = {:?}\n", web.display().to_string())).unwrap();
    for command in ["check", "run"] {
        let out = Command::new(binary()).args([command, "--config"]).arg(&config).output().expect("run binary");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        for needle in ["basic_auth_users.prometheus: not a bcrypt hash", "nowhere.crt"] {
            assert!(err.contains(needle), "{command}: {needle} not in {err}");
        }
        assert!(!err.contains("hunter2"), "{command} shows a password: {err}");
    }
}

#[test]
fn kafka_secrets_come_from_the_environment_and_never_show() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("secrets"));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(binary())
        .args(["check", "-X", "sasl.password:hunter2-flag"])
        .env("SALESPULSE_KAFKA_SASL_PASSWORD_FILE", dir.join("missing"))
        .env("SALESPULSE_KAFKA_SSL_KEY_PASSWORD", "hunter2-env")
        .output()
        .expect("run binary");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("SALESPULSE_KAFKA_SASL_PASSWORD_FILE: cannot read"), "{stderr}");
    assert!(stderr.contains("-X/--kafka-property number 1 is not KEY=VALUE"), "{stderr}");
    assert!(!format!("{stdout}{stderr}").contains("hunter2"), "a secret shows:\n{stdout}{stderr}");
}

#[test]
fn a_property_that_would_break_a_guarantee_is_refused_by_check() {
    let out = Command::new(binary())
        .args(["check", "-X", "enable.auto.commit=true", "-X", "enable.idempotence=false", "-X", "acks=-1"])
        .output()
        .expect("run binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("2 problems"), "{stderr}");
    assert!(stderr.contains("kafka.properties.enable.auto.commit: salespulse sets it to false"), "{stderr}");
    assert!(stderr.contains("kafka.properties.enable.idempotence: salespulse sets it to true"), "{stderr}");
}

/// A configuration file in a fresh directory.
fn config_with(text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("bridge-cfg"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("salespulse.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// `salespulse check` of `file`, with these environment variables: (exit code, stderr).
fn check(file: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut c = Command::new(binary());
    c.args(["check", "--config"]).arg(file);
    c.env_remove("SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET").env_remove("SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run binary");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_hubspot_section_without_its_secret_is_refused_naming_the_variable() {
    let file = config_with("[bridge.hubspot]\npublic_url = \"https://bridge.example.com\"\n");
    let (code, err) = check(&file, &[]);
    assert_eq!(code, Some(2), "{err}");
    for needle in ["bridge.hubspot.app_secret", "SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET", "_FILE"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    let (code, err) = check(&file, &[("SALESPULSE_BRIDGE_HUBSPOT_APP_SECRET", "s3cret-value")]);
    assert_eq!(code, Some(0), "with the variable set: {err}");
}

#[test]
fn a_pipedrive_section_without_its_password_is_refused_naming_the_variable() {
    let file = config_with("[bridge.pipedrive]\nusername = \"pipedrive\"\n");
    let (code, err) = check(&file, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("bridge.pipedrive.password") && err.contains("SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD"), "{err}");
    let (code, err) = check(&config_with("[bridge.pipedrive]\n"), &[("SALESPULSE_BRIDGE_PIPEDRIVE_PASSWORD", "pw")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("bridge.pipedrive.username: required"), "{err}");
    assert!(!err.contains("pw\n") && !err.contains("\"pw\""), "the password shows: {err}");
}

#[test]
fn bridge_tables_and_urls_are_checked_with_every_problem_listed() {
    let file = config_with(
        "[bridge]\nunmapped_stage = \"keep\"\n[bridge.hubspot]\napp_secret = \"x\"\npublic_url = \"bridge.example.com\"\n\
         [[bridge.owners]]\nsource = \"hubspot\"\nid = \"9\"\nis_rep = false\nteam = \"emea\"\n\
         [[bridge.stages]]\nsource = \"zoho\"\nid = \"s\"\norder = 1\nprobability = 0.5\n",
    );
    let (code, err) = check(&file, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("3 problems"), "{err}");
    for needle in
        ["bridge.hubspot.public_url", "bridge.owners[0]: an owner that is not a rep", "bridge.stages[0].source"]
    {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
}

#[test]
fn text_logs_to_a_file_carry_no_colour_codes() {
    let dir = std::env::temp_dir().join(salespulse_e2e::unique("ansi"));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("run.log");
    let mut child = Command::new(binary())
        .args(["run", "--brokers", "127.0.0.1:1", "--listen", "127.0.0.1:0", "--log-format", "text"])
        .arg("--state")
        .arg(format!("file://{}", dir.join("state").display()))
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("run binary");
    let text = salespulse_e2e::eventually(std::time::Duration::from_secs(20), "a log line", || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("serving /metrics") { Ok(text) } else { Err(text) }
    });
    child.kill().ok();
    child.wait().ok();
    assert!(!text.contains('\u{1b}'), "ANSI codes in a log file:\n{text}");
}

#[test]
fn a_mistyped_kafka_property_fails_check_and_run_with_exit_2_and_never_shows_its_value() {
    for command in ["check", "run"] {
        let out = Command::new(binary())
            .args([
                command,
                "-X",
                "sasl.pasword=hunter2",
                "-X",
                "security.protocol=SASL_SSLX",
                "-X",
                "log.level=verbose",
            ])
            .args(["--brokers", "localhost:99999,kafka://host:9092"])
            .output()
            .expect("run binary");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        for needle in [
            "kafka.properties.sasl.pasword",
            "kafka.properties.security.protocol",
            "kafka.properties.log.level",
            "\"localhost:99999\"",
            "kafka://",
        ] {
            assert!(stderr.contains(needle), "{command}: {needle} not in {stderr}");
        }
        assert_eq!(stderr.matches("kafka.properties.sasl.pasword").count(), 1, "{command}: printed once: {stderr}");
        let all = format!("{stdout}{stderr}");
        assert!(!all.contains("hunter2") && !all.contains("SASL_SSLX"), "{command} shows a value:\n{all}");
    }
}

#[test]
fn unknown_keys_type_errors_and_bad_values_are_listed_together_each_with_its_origin() {
    let file = config_with(
        "[kafka]\nbrokerz = \"localhost:9092\"\nmax_message_bytes = \"big\"\n\n[http]\nlisten = \"here\"\n\n[bridge.pipedrive]\nusername = \"pd\"\npassword = 12345\n",
    );
    let (code, err) =
        check(&file, &[("SALESPULSE_STATE__SNAPSHOT_INTERVAL", "soon"), ("SALESPULSE_KPIS__MAX_TEEMS", "3")]);
    assert_eq!(code, Some(2), "{err}");
    // And the password, dropped for its type, is then missing: 7.
    assert!(err.contains("7 problems"), "{err}");
    for (key, origin) in [
        ("kafka.brokerz: unknown field", "(line 2 of"),
        ("kafka.max_message_bytes: invalid type", "(line 3 of"),
        ("http.listen", "(line 6 of"),
        ("bridge.pipedrive.password: a value of the wrong type", "(line 10 of"),
        ("state.snapshot_interval", "(from SALESPULSE_STATE__SNAPSHOT_INTERVAL)"),
        ("kpis.max_teems: unknown field", "(from SALESPULSE_KPIS__MAX_TEEMS)"),
    ] {
        assert!(err.lines().any(|l| l.contains(key) && l.contains(origin)), "{key} {origin}:\n{err}");
    }
    assert!(!err.contains("12345"), "a secret's value is never shown:\n{err}");
}

#[test]
fn every_setting_comes_from_the_environment_and_check_print_says_from_where() {
    let file = config_with("[kafka]\ntopic = \"from-the-file\"\n");
    let out = Command::new(binary())
        .args(["check", "--print", "--config"])
        .arg(&file)
        .args(["--group", "from-a-flag"])
        .env("SALESPULSE_KPIS__PER_REP_SERIES", "true")
        .env("SALESPULSE_BRIDGE__HUBSPOT__APP_SECRET", "hunter2")
        .env("SALESPULSE_KAFKA_SASL_PASSWORD", "hunter3")
        .output()
        .expect("run binary");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for line in [
        "topic = \"from-the-file\"  # line 2",
        "group_id = \"from-a-flag\"  # --group or SALESPULSE_GROUP",
        "per_rep_series = true  # SALESPULSE_KPIS__PER_REP_SERIES",
        "app_secret = \"<redacted>\"  # SALESPULSE_BRIDGE__HUBSPOT__APP_SECRET",
        "\"sasl.password\" = \"<redacted>\"",
        "brokers = \"localhost:9092\"  # default",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    assert!(!text.contains("hunter"), "{text}");
}
