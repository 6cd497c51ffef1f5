//! Reference data: global on whatever topic it arrives, except spend on the events topic;
//! reference files reloaded only when every line is good; readiness.

use std::sync::atomic::Ordering;

use salespulse_exporter::KpiSource;
use salespulse_kafka::{Sink, Verdict};

use super::{call, event, fixture, fixture_with, sample, scrape};
use crate::reference_files::ReferenceFiles;

#[test]
fn reference_events_on_the_events_topic_are_global_but_spend_counts_with_its_partition() {
    let f = fixture();
    f.node.assigned(&[0, 1]);
    let deal = event(
        "d1",
        r#"{"type":"deal.created","rep_id":"ana","deal_id":"d1","amount":100,"currency":"USD","stage":"s1"}"#,
    );
    assert!(matches!(f.node.apply(1, 0, &deal), Verdict::Rejected { reason: "unknown_currency", .. }));
    let rate = event("fx", r#"{"type":"fx.rate","currency":"USD","rate":0.5}"#);
    assert_eq!(f.node.apply(0, 0, &rate), Verdict::Applied);
    assert_eq!(f.node.apply(1, 1, &deal), Verdict::Applied, "a rate read on partition 0 serves partition 1");
    let spend =
        event("sp", r#"{"type":"spend.recorded","team_id":"emea","category":"sales","amount":300,"currency":"EUR"}"#);
    assert_eq!(f.node.apply(1, 2, &spend), Verdict::Applied);
    let spent = |s: &salespulse_exporter::Scrape, family| {
        sample(s, family, &[("team", "emea"), ("window", "24h"), ("category", "sales")])
    };
    let scraped = scrape(&f.node);
    assert_eq!(spent(&scraped, "sales_spend_partitioned"), Some(300.0), "counted with its partition");
    assert_eq!(spent(&scraped, "sales_spend"), Some(0.0), "not reference spend");
    assert_eq!(f.node.revoked(&[0, 1]), [(0, 1), (1, 3)], "reference events move their partition's offset too");
    assert_eq!(spent(&scrape(&f.node), "sales_spend_partitioned"), None, "it left with its partition");
    assert_eq!(f.node.apply_reference(&rate), Ok(true), "the rate stays: it is global");
}

#[test]
fn ready_waits_for_the_reference_data_the_group_and_the_catch_up() {
    let f = fixture();
    let not_ready = |why: &str| {
        let e = f.node.ready().expect_err("not ready yet");
        assert!(e.contains(why), "{e:?} does not say {why:?}");
    };
    not_ready("loading reference data");
    f.node.mark_reference_loaded();
    not_ready("waiting for the consumer group");
    f.node.joined().store(true, Ordering::Release);
    assert_eq!(f.node.ready(), Ok(()), "no partitions assigned: nothing to catch up");
    f.node.assigned(&[0]);
    not_ready("high watermark not known");
    f.node.high_watermark(0, 100);
    not_ready("100 messages behind (ready at 10)");
    for offset in 0..95 {
        f.node.apply(0, offset, &call(&format!("e{offset}")));
    }
    assert_eq!(f.node.ready(), Ok(()), "5 behind, ready at 10");
}

#[test]
fn a_reload_applies_good_files_and_keeps_the_previous_data_on_a_bad_one() {
    let dir = std::env::temp_dir().join(format!("salespulse-node-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let roster = dir.join("roster.csv");
    std::fs::write(&roster, "rep_id,team_id\nana,alpha\n").unwrap();
    let files = ReferenceFiles { roster: Some(roster.clone()), ..ReferenceFiles::default() };
    let loaded = files.read().unwrap();
    let f = fixture_with(salespulse_kafka::Start::Beginning, files, loaded);
    let active = |team| sample(&scrape(&f.node), "sales_active_reps", &[("team", team)]);
    assert_eq!(active("alpha"), Some(1.0), "the files loaded at start are applied");
    std::fs::write(&roster, "rep_id,team_id\nana,beta\n").unwrap();
    assert!(f.node.reload_files(false));
    assert_eq!((active("alpha"), active("beta")), (None, Some(1.0)));
    std::fs::write(&roster, "rep_id,team_id\nana,gamma\n,missing-rep\n").unwrap();
    assert!(!f.node.reload_files(true));
    assert_eq!((active("beta"), active("gamma")), (Some(1.0), None), "nothing of a bad file is applied");
    assert_eq!(f.metrics.reloads.with_label_values(&["ok"]).get(), 1);
    assert_eq!(f.metrics.reloads.with_label_values(&["error"]).get(), 1);
    std::fs::remove_dir_all(dir).ok();
}
