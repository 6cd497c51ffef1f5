//! Reference files are reloaded without a restart: when they change, and on SIGHUP.
//! No broker is needed: roster teams are exported (at zero) from the roster alone.

use std::process::Command;
use std::time::Duration;

use salespulse_e2e::*;

fn teams(svc: &Service) -> Result<Vec<String>, String> {
    let m = svc.scrape()?;
    Ok(m.values
        .keys()
        .filter(|k| k.starts_with("sales_active_reps{"))
        .map(|k| k.trim_start_matches("sales_active_reps{team=\"").trim_end_matches("\"}").to_owned())
        .collect())
}

fn wait_for_teams(svc: &Service, want: &[&str]) {
    eventually(Duration::from_secs(30), &format!("teams {want:?}"), || match teams(svc)? {
        t if t == want => Ok(()),
        t => Err(format!("{t:?}")),
    });
}

#[test]
fn roster_changes_are_picked_up_on_change_and_on_sighup() {
    let dir = std::env::temp_dir().join(unique("reffiles"));
    std::fs::create_dir_all(&dir).unwrap();
    let roster = dir.join("roster.csv");
    std::fs::write(&roster, "rep_id,team_id\nana,alpha\n").unwrap();
    let config = dir.join("salespulse.toml");
    let write_config = |interval: &str| {
        let text = format!(
            "[reference]\nroster_file = {:?}\nreload_interval = \"{interval}\"\n",
            roster.display().to_string()
        );
        std::fs::write(&config, text).unwrap();
    };
    write_config("200ms");
    let service = || Service::builder().config(&config).brokers("127.0.0.1:1").reference_topic("").start();
    let mut svc = service();
    wait_for_teams(&svc, &["alpha"]);
    std::fs::write(&roster, "rep_id,team_id\nana,beta\nben,gamma\n").unwrap();
    wait_for_teams(&svc, &["beta", "gamma"]);
    // A bad file is refused whole: the previous roster stays.
    std::fs::write(&roster, "rep_id,team_id,active\nana,delta,perhaps\n").unwrap();
    eventually(Duration::from_secs(30), "a failed reload", || {
        match svc.scrape()?.get("salespulse_reference_reloads_total", &[("result", "error")]) {
            Some(n) if n >= 1.0 => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    assert_eq!(teams(&svc).unwrap(), ["beta", "gamma"]);
    assert!(svc.terminate(Duration::from_secs(20)).success(), "{}", svc.log_text());

    // With a reload interval of an hour, only SIGHUP reloads.
    std::fs::write(&roster, "rep_id,team_id\nana,alpha\n").unwrap();
    write_config("1h");
    let svc = service();
    wait_for_teams(&svc, &["alpha"]);
    std::fs::write(&roster, "rep_id,team_id\nana,omega\n").unwrap();
    Command::new("kill").args(["-HUP", &svc.pid().to_string()]).status().unwrap();
    wait_for_teams(&svc, &["omega"]);
}
