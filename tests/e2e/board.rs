//! The live board against the real broker: in a real browser (headless chromium over the
//! DevTools protocol), a won deal reaches a team's page within 2 s without a reload, the
//! page says it is stale while the service restarts and comes back by itself, and names
//! from events render as text; through the JSON API, two instances of one group each
//! show what one instance reading every partition shows.
//!
//! Screenshots go to `target/board/` for people to look at.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use salespulse_e2e::*;
use serde_json::Value;

const PARTITIONS: i32 = 6;

/// A topic of its own (the default partition count) and a reference topic.
struct World {
    topic: String,
    reference: String,
}

impl World {
    fn new() -> World {
        let (topic, reference) = (unique("board"), unique("board-ref"));
        create_topic(&topic, PARTITIONS);
        create_topic(&reference, 1);
        World { topic, reference }
    }

    fn service(&self, config: &str, group: &str) -> ServiceBuilder {
        Service::builder()
            .config(config_file(config))
            .topic(&self.topic)
            .reference_topic(&self.reference)
            .group(group)
            .dead_letter_topic("")
    }
}

fn screenshots() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.ancestors().nth(3).expect("target/").join("board")
}

fn json(addr: &str, path: &str) -> Result<Value, String> {
    match http_get(addr, path)? {
        (200, body) => serde_json::from_str(&body).map_err(|e| format!("{e}: {body}")),
        (code, body) => Err(format!("{path} answered {code}: {body}")),
    }
}

/// A won deal of `amount` EUR for `team` and `rep`, closed a few minutes ago.
fn won(deal: &str, team: &str, rep: &str, amount: u32) -> (String, Vec<u8>) {
    let body = serde_json::json!({
        "event_id": format!("won-{deal}"), "type": "deal.closed", "occurred_at": at(3),
        "rep_id": rep, "team_id": team, "deal_id": deal, "outcome": "won", "amount": amount, "currency": "EUR",
    });
    msg(deal, body.to_string())
}

/// The won revenue of the last 24 h of `team` in the JSON API.
fn won_24h(addr: &str, team: &str) -> Result<f64, String> {
    let page = json(addr, &format!("/api/v1/teams/{}", team.replace(' ', "%20")))?;
    page["team"]["won_revenue_24h"].as_f64().ok_or_else(|| page.to_string())
}

/// The won revenue of `team` once the service is ready and two reads a second apart agree
/// (the history read whole).
fn settled(addr: &str, team: &str) -> f64 {
    eventually(Duration::from_secs(90), "the generated history read", || {
        if http_get(addr, "/readyz")?.0 != 200 {
            return Err("not ready".into());
        }
        let first = json(addr, "/api/v1/board")?;
        std::thread::sleep(Duration::from_secs(1));
        let second = json(addr, "/api/v1/board")?;
        if figures(&first)["teams"] == figures(&second)["teams"] {
            won_24h(addr, team)
        } else {
            Err("still reading".into())
        }
    })
}

#[test]
fn a_won_deal_reaches_the_team_page_within_two_seconds_and_the_page_survives_a_restart() {
    let Some(mut browser) = Browser::start() else { return };
    let w = World::new();
    generate(&w.topic, &w.reference, &["--events", "6000", "--days", "10", "--seed", "7"]);
    let group = unique("board-group");
    let state = format!("file://{}", std::env::temp_dir().join(unique("board-state")).display());
    let config = "[kpis]\nper_rep_series = true\n[state]\nsnapshot_interval = \"1s\"\n";
    let mut service = w.service(config, &group).state(&state).start();
    let team = "emea-enterprise";
    let before = settled(&service.addr, team);

    browser.viewport(1920, 1080, false);
    browser.open(&format!("http://{}/board/teams/{team}", service.addr));
    let shown = "document.getElementById('won-24h') && Number(document.getElementById('won-24h').dataset.value)";
    let state_of = "document.body.className + ' ' + document.getElementById('status').textContent";
    browser.wait_for(&format!("{shown} === {before}"), Duration::from_secs(20), "the team page", shown);
    browser.eval("window.notReloaded = true");

    let produced = Instant::now();
    produce(&w.topic, &[won("board-d1", team, "rep-emea-enterprise-1", 12_345)]);
    let took = browser.wait_for(
        &format!(
            "{shown} === {} && document.getElementById('feed').textContent.includes('board-d1')",
            before + 12_345.0
        ),
        Duration::from_secs(2).saturating_sub(produced.elapsed()),
        "the won deal on the page within 2 s of its production",
        "document.getElementById('board').textContent.slice(0, 400)",
    );
    eprintln!(
        "the won deal was on the page {} ms after it was produced",
        (produced.elapsed() - took).as_millis() + took.as_millis()
    );
    assert_eq!(browser.eval("window.notReloaded === true"), Value::Bool(true), "the page was reloaded");
    browser.screenshot(&screenshots().join("team.png"));
    browser.viewport(390, 844, true);
    browser.screenshot(&screenshots().join("team-phone.png"));
    let fits = browser.eval("document.documentElement.scrollWidth <= 390");
    assert_eq!(fits, Value::Bool(true), "no sideways scroll on a phone");
    browser.viewport(1920, 1080, false);
    assert_eq!(
        browser.eval("document.documentElement.scrollWidth <= 1920"),
        Value::Bool(true),
        "no sideways scroll on a TV"
    );

    // A restart: the page says it is stale, then comes back by itself.
    assert!(service.terminate(Duration::from_secs(30)).success());
    browser.wait_for("document.body.classList.contains('stale')", Duration::from_secs(10), "a stale page", state_of);
    let mut service = w.service(config, &group).state(&state).listen(&service.addr).start();
    browser.wait_for(
        &format!("document.body.classList.contains('live') && {shown} === {}", before + 12_345.0),
        Duration::from_secs(60),
        "the page live again after the restart, with the same figure",
        state_of,
    );
    assert_eq!(browser.eval("window.notReloaded === true"), Value::Bool(true), "the page was reloaded");

    browser.open(&format!("http://{}/board", service.addr));
    browser.wait_for(
        "document.querySelectorAll('[data-team]').length >= 4",
        Duration::from_secs(20),
        "the overview",
        state_of,
    );
    browser.screenshot(&screenshots().join("overview.png"));
    assert!(service.terminate(Duration::from_secs(30)).success());
}

#[test]
fn team_and_rep_names_with_html_render_as_text() {
    let Some(mut browser) = Browser::start() else { return };
    let w = World::new();
    let team = r#"<script>window.pwned=1</script><b>bold"#;
    let rep = r#"<img src=x onerror="window.pwned=2">"#;
    let service = w.service("", &unique("board-group")).start();
    produce(&w.topic, &[won("board-x1", team, rep, 500)]);
    eventually(Duration::from_secs(60), "the hostile team in the API", || {
        let teams = json(&service.addr, "/api/v1/teams")?;
        if teams["teams"].as_array().is_some_and(|t| t.iter().any(|n| n == team)) {
            Ok(())
        } else {
            Err(teams.to_string())
        }
    });
    for path in ["/board".to_owned(), format!("/board/teams/{}", urlencode(team))] {
        browser.open(&format!("http://{}{path}", service.addr));
        browser.wait_for(
            "document.getElementById('feed') !== null && document.getElementById('feed').textContent.includes('board-x1')",
            Duration::from_secs(20),
            "the page with the hostile names",
            "document.body.innerHTML.slice(0, 600)",
        );
        let text = browser.eval("document.getElementById('board').textContent");
        let text = text.as_str().unwrap_or_default();
        assert!(text.contains(team) && text.contains(rep), "{path}: the names are shown as text: {text}");
        let injected = browser.eval("document.querySelectorAll('main script, main img, main b').length");
        assert_eq!(injected, Value::from(0), "{path}: a name became an element");
        assert_eq!(browser.eval("window.pwned === undefined"), Value::Bool(true), "{path}: a name ran script");
    }
}

/// Where two JSON values first differ, for a failure message.
fn first_difference(a: &Value, b: &Value) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                if y.get(k) != Some(v) {
                    return format!(".{k}{}", first_difference(v, y.get(k).unwrap_or(&Value::Null)));
                }
            }
            format!(": keys {:?} vs {:?}", x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>())
        }
        (Value::Array(x), Value::Array(y)) => match x.iter().zip(y).position(|(u, v)| u != v) {
            Some(i) => format!("[{i}]{}", first_difference(&x[i], &y[i])),
            None => format!(": lengths {} vs {}", x.len(), y.len()),
        },
        _ => format!(": {a} vs {b}"),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A board stream of `addr`, once its first update arrived.
fn subscribe(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(s, "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: board") {
        let n = s.read(&mut buf).expect("read the stream");
        assert!(n > 0, "the stream ended: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    s
}

/// The board with what depends on the moment it was computed taken out: when, the pace
/// (a share of the month), how long leads have waited, and when each instance's parts
/// were read.
fn figures(board: &Value) -> Value {
    let mut b = board.clone();
    b["generated_at"] = Value::Null;
    b["coverage"]["instances"] = Value::Null;
    for t in b["teams"].as_array_mut().into_iter().flatten() {
        for key in ["pace", "oldest_wait_seconds", "past_sla"] {
            t[key] = Value::Null;
        }
    }
    b
}

#[test]
fn each_of_two_instances_shows_what_one_instance_reading_every_partition_shows() {
    let w = World::new();
    generate(&w.topic, &w.reference, &["--events", "8000", "--days", "40", "--seed", "11"]);
    let (a, b) = (format!("127.0.0.1:{}", free_port()), format!("127.0.0.1:{}", free_port()));
    let peers = |other: &str| format!("[kpis]\nper_rep_series = true\n[board]\npeers = [\"http://{other}\"]\n");
    let group = unique("board-pair");
    let mut first = w.service(&peers(&b), &group).listen(&a).start();
    let second = w.service(&peers(&a), &group).listen(&b).start();
    let alone = w.service("[kpis]\nper_rep_series = true\n", &unique("board-alone")).start();

    let same = |what: &str| {
        eventually(Duration::from_secs(90), what, || {
            let one = figures(&json(&alone.addr, "/api/v1/board")?);
            for addr in [&first.addr, &second.addr] {
                let board = json(addr, "/api/v1/board")?;
                let held: Vec<Value> = board["coverage"]["instances"].as_array().cloned().unwrap_or_default();
                if board["coverage"]["complete"] != true || held.iter().any(|i| i["up"] != true) {
                    return Err(format!("{addr}: not whole: {}", board["coverage"]));
                }
                if figures(&board) != one {
                    return Err(format!("{addr} differs from one instance reading every partition"));
                }
            }
            Ok(one)
        })
    };
    let one = same("both boards equal to one instance's");
    assert!(one["teams"].as_array().is_some_and(|t| t.len() >= 4), "{one}");
    assert!(one["feed"].as_array().is_some_and(|f| !f.is_empty()));
    let split = json(&first.addr, "/api/v1/board").unwrap();
    let own = split["coverage"]["instances"][0]["partitions"].as_array().map_or(0, Vec::len);
    assert!(own > 0 && own < PARTITIONS as usize, "the partitions are split: {}", split["coverage"]);

    // The board's own series add up as docs/metrics.md says: pages connected sum over the
    // instances, peers down take the max.
    let streams: Vec<TcpStream> = [&first.addr, &second.addr, &second.addr].iter().map(|a| subscribe(a)).collect();
    eventually(Duration::from_secs(10), "three board clients over the two instances", || {
        let (x, y) = (first.scrape()?, second.scrape()?);
        let clients = x.sum("salespulse_board_clients") + y.sum("salespulse_board_clients");
        let down = x.sum("salespulse_board_peers_down").max(y.sum("salespulse_board_peers_down"));
        if clients == 3.0 && down == 0.0 { Ok(()) } else { Err(format!("{clients} clients, {down} peers down")) }
    });
    drop(streams);

    // One leaves: until the survivor holds every partition its board says it is
    // incomplete; then, once it has read what it took over, it equals one instance
    // reading everything again.
    assert!(first.terminate(Duration::from_secs(30)).success());
    eventually(Duration::from_secs(60), "the survivor whole again, with the peer shown down", || {
        let board = json(&second.addr, "/api/v1/board")?;
        let coverage = &board["coverage"];
        let down = coverage["instances"].as_array().is_some_and(|i| i.iter().any(|i| i["up"] == false));
        if coverage["complete"] != true {
            let named = |k: &str| coverage[k].as_array().is_some_and(|v| !v.is_empty());
            assert!(
                named("missing") || named("overlapping") || named("catching_up"),
                "incomplete says why: {coverage}"
            );
            return Err(format!("incomplete: {coverage}"));
        }
        let shown = figures(&board);
        if shown != one {
            return Err(format!("catching up: {}", first_difference(&shown, &one)));
        }
        if down && coverage["partitions_held"] == PARTITIONS { Ok(()) } else { Err(coverage.to_string()) }
    });
}
