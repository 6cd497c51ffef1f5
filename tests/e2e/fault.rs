//! Kafka late at start: the service starts first, its broker 15 s later, then the topics,
//! the reference data and the events arrive. Meanwhile the service is alive and not
//! ready, says that Kafka is unreachable (not that a topic is missing) at a bounded
//! rate; afterwards every KPI equals a run that had the broker from the start.

use std::time::{Duration, Instant};

use salespulse_e2e::*;

fn reference() -> Vec<(String, Vec<u8>)> {
    let fx =
        format!(r#"{{"event_id":"fx-usd","type":"fx.rate","occurred_at":"{}","currency":"USD","rate":0.9}}"#, at(600));
    vec![roster_entry("ana", "emea"), roster_entry("ben", "na"), msg("fx", fx)]
}

fn events() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for i in 0..30 {
        let (rep, currency) = if i % 2 == 0 { ("ana", "USD") } else { ("ben", "EUR") };
        out.push(msg(
            &format!("acc-{i}"),
            format!(
                r#"{{"event_id":"won-{i}","type":"deal.closed","occurred_at":"{}","deal_id":"d-{i}","rep_id":"{rep}","outcome":"won","amount":{},"currency":"{currency}"}}"#,
                at(10 + i),
                100 * (i + 1)
            ),
        ));
        out.push(msg(
            &format!("acc-{i}"),
            format!(
                r#"{{"event_id":"call-{i}","type":"activity.logged","occurred_at":"{}","rep_id":"{rep}","activity_id":"c-{i}","kind":"call"}}"#,
                at(5 + i)
            ),
        ));
    }
    out
}

fn consumed(svc: &Service, n: usize) -> Samples {
    let seen = eventually(Duration::from_secs(120), "every event consumed", || {
        let m = svc.scrape()?;
        match m.get("salespulse_events_consumed_total", &[]) {
            Some(c) if c >= n as f64 => Ok(m),
            other => Err(format!("consumed {other:?} of {n}")),
        }
    });
    svc.fresh(seen)
}

#[test]
fn a_broker_that_comes_up_late_changes_no_kpi() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let (topic, reference_topic, dlq) = (unique("late"), unique("late-ref"), unique("late-dlq"));
    let start = |group: &str| {
        Service::builder()
            .brokers(&address)
            .topic(&topic)
            .reference_topic(&reference_topic)
            .dead_letter_topic(&dlq)
            .group(group)
            .start()
    };
    let late = start(&unique("late-group"));
    eventually(Duration::from_secs(30), "/healthz", || match http_get(&late.addr, "/healthz")? {
        (200, _) => Ok(()),
        (code, body) => Err(format!("{code} {body}")),
    });
    // Fifteen seconds without a broker: alive, never ready.
    let down_until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < down_until {
        let (code, body) = http_get(&late.addr, "/readyz").expect("/readyz answers");
        assert_eq!(code, 503, "ready without a broker: {body}");
        assert_eq!(http_get(&late.addr, "/healthz").map(|r| r.0), Ok(200));
        std::thread::sleep(Duration::from_millis(500));
    }

    let broker = SpareBroker::start(port);
    create_topic_on(&broker.address, &topic, 3);
    create_topic_on(&broker.address, &reference_topic, 1);
    create_topic_on(&broker.address, &dlq, 1);
    let reference = reference();
    produce_on(&broker.address, &reference_topic, &reference);
    eventually(Duration::from_secs(60), "the reference data applied", || {
        let m = late.scrape()?;
        match m.get("salespulse_reference_events_total", &[]) {
            Some(n) if n >= reference.len() as f64 => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    let events = events();
    produce_on(&broker.address, &topic, &events);
    let after = consumed(&late, events.len());
    eventually(Duration::from_secs(30), "ready once caught up", || match http_get(&late.addr, "/readyz")? {
        (200, _) => Ok(()),
        (code, body) => Err(format!("{code} {body}")),
    });

    // The same topics read by a service that had the broker from the start.
    let early = start(&unique("early-group"));
    let before = consumed(&early, events.len());
    assert_eq!(after.get("salespulse_events_applied_total", &[]), Some(events.len() as f64));
    assert_eq!(after.get("salespulse_events_rejected_total", &[("reason", "unknown_currency")]), Some(0.0));
    let diff = differences(&kpis(&after), &kpis(&before), 10);
    assert!(diff.is_empty(), "the late start changed KPIs:\n{}", diff.join("\n"));
    assert!(kpis(&after).contains_key("sales_won_revenue{team=\"emea\",window=\"1h\"}"), "the roster applied");

    let log = late.log_text();
    assert!(log.contains("Kafka unreachable"), "the log does not say Kafka was unreachable:\n{log}");
    let noise = log.lines().filter(|l| l.contains("librdkafka")).count();
    assert!(noise <= 10, "{noise} librdkafka lines in 15 s of outage:\n{log}");
    drop(broker);
}
