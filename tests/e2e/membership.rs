//! Static membership: instances with a `kafka.group_instance_id` each (as a StatefulSet
//! gives them from the pod name) restart one at a time — a rolling restart — and no
//! partition moves: the other instance sees no rebalance, the restarted one gets its
//! partitions back, and every event is still counted once.

use std::time::Duration;

use salespulse_e2e::*;

/// Long enough for a restart; the broker's first join waits for it.
const SESSION_MS: u32 = 15_000;

fn start(config: &std::path::Path, topic: &str, group: &str, state: &str) -> Service {
    Service::builder()
        .config(config)
        .topic(topic)
        .reference_topic("")
        .dead_letter_topic("")
        .group(group)
        .state(state)
        .session_timeout_ms(SESSION_MS)
        .start()
}

/// (partitions assigned, assignments, revocations) of an instance.
fn membership(s: &Service) -> Result<(f64, f64, f64), String> {
    let m = s.scrape()?;
    let kind = |k: &str| m.get("salespulse_rebalances_total", &[("kind", k)]).unwrap_or(0.0);
    Ok((m.sum("salespulse_partitions_assigned"), kind("assign"), kind("revoke")))
}

#[test]
fn a_rolling_restart_of_static_members_moves_no_partition() {
    let topic = unique("static");
    create_topic(&topic, 4);
    generate(&topic, "", &["--events", "2000", "--days", "10"]);
    let group = unique("static-group");
    let dir = std::env::temp_dir().join(unique("static"));
    let state = |name: &str| format!("file://{}", dir.join(name).display());
    let config = |id: &str| config_file(&format!("[kafka]\ngroup_instance_id = \"{id}\"\n"));
    let (config_a, config_b) = (config("salespulse-0"), config("salespulse-1"));
    let mut a = start(&config_a, &topic, &group, &state("a"));
    let b = start(&config_b, &topic, &group, &state("b"));
    let settled = |s: &Service| {
        let m = s.scrape()?;
        let (owned, consumed) = (m.sum("salespulse_partitions_assigned"), m.sum("salespulse_events_consumed_total"));
        if owned == 2.0 { Ok(consumed) } else { Err(format!("{owned} partitions")) }
    };
    eventually(Duration::from_secs(120), "both instances to own 2 partitions", || {
        let consumed = settled(&a)? + settled(&b)?;
        if consumed >= 2000.0 { Ok(()) } else { Err(format!("{consumed} consumed")) }
    });
    let before = membership(&b).expect("scrape b");

    // Restart a, well within the session timeout.
    assert!(a.terminate(Duration::from_secs(30)).success(), "a stops cleanly");
    let a = start(&config_a, &topic, &group, &state("a"));
    eventually(Duration::from_secs(60), "the restarted instance to own its 2 partitions again", || {
        settled(&a).map(drop)
    });
    // A dynamic member leaves the group when it stops: b would have been given a's
    // partitions, then had them taken back when a joined again.
    let b_after = membership(&b).expect("scrape b");
    assert_eq!(
        b_after, before,
        "b saw a rebalance: (partitions, assigns, revokes) before {before:?}, after {b_after:?}"
    );
    assert_eq!(membership(&a).expect("scrape a").2, 0.0, "a had nothing revoked");
}
