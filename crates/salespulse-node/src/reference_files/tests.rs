//! Reading reference files: both formats, every problem listed, removals on reload.

use std::path::PathBuf;

use salespulse_engine::Reference;
use salespulse_events::{Currency, Period};

use super::{Loaded, ReferenceFiles};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "salespulse-reference-files-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(name: &str, text: &str) -> PathBuf {
    let p = dir().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn csv_and_toml_files_load_with_defaults() {
    let files = ReferenceFiles {
        roster: Some(write(
            "roster.csv",
            "rep_id,team_id,active,quota_carrying\n# comment\nana, emea ,true,false\nben,na,,\n",
        )),
        quotas: Some(write(
            "quotas.toml",
            "[[quotas]]\nrep_id = \"ana\"\nperiod = \"2026-Q4\"\namount = 150000\ncurrency = \"EUR\"\n",
        )),
        stages: Some(write("stages.csv", "stage,order,probability\nqualification,1,0.1\nproposal,3,0.5\n")),
        fx: Some(write("fx.toml", "[[rates]]\ncurrency = \"USD\"\nrate = 0.92\n")),
        allow_empty: false,
    };
    let loaded = files.read().unwrap();
    assert_eq!(loaded.summary(), "2 reps, 1 quotas, 2 stages, 1 rates");
    assert!(!loaded.reps["ana"].quota_carrying && loaded.reps["ben"].quota_carrying && loaded.reps["ben"].active);
    assert_eq!(loaded.reps["ana"].team, "emea");
    let q = loaded.quotas[&("ana".to_owned(), Period::Quarter { year: 2026, quarter: 4 })];
    assert_eq!(q.amount, 150_000.0);
}

#[test]
fn every_bad_line_of_every_file_is_reported() {
    let files = ReferenceFiles {
        roster: Some(write("bad-roster.csv", "rep_id,team_id,active\nana,emea,maybe\n,na,true\n")),
        quotas: Some(write("bad-quotas.csv", "rep_id,period,amount,currency\nana,2026-13,-5,euro\n")),
        stages: Some(write("bad-stages.csv", "stage,order,probability\nx,1,1.5\n")),
        fx: Some(write("bad-fx.toml", "[[rates]]\ncurrency = \"USD\"\n")),
        allow_empty: false,
    };
    let errors = files.read().unwrap_err();
    assert_eq!(errors.len(), 7, "{errors:#?}");
    for needle in ["bad-roster.csv", "period must be", "amount -5", "\"euro\"", "probability 1.5", "bad-fx.toml"] {
        assert!(errors.iter().any(|e| e.contains(needle)), "{needle} not in {errors:#?}");
    }
}

#[test]
fn a_reload_removes_what_left_the_files() {
    let eur = Currency::parse("EUR").unwrap();
    let usd = Currency::parse("USD").unwrap();
    let mut reference = Reference::new(eur);
    let roster = write("r.csv", "rep_id,team_id\nana,emea\nben,na\n");
    let files = ReferenceFiles { roster: Some(roster.clone()), ..ReferenceFiles::default() };
    let first = files.read().unwrap();
    first.apply(&Loaded::default(), &mut reference);
    reference.set_rate(usd, 0.9); // from the reference topic: not the file's to remove
    std::fs::write(&roster, "rep_id,team_id\nana,apac\n").unwrap();
    let second = files.read().unwrap();
    second.apply(&first, &mut reference);
    assert_eq!(reference.rep("ana").map(|r| r.team.as_str()), Some("apac"));
    assert!(reference.rep("ben").is_none());
    assert!(reference.knows(usd));
}

#[test]
fn an_empty_or_header_only_file_is_refused_unless_allowed() {
    for (name, text) in
        [("empty.csv", ""), ("header.csv", "rep_id,team_id\n"), ("comments.csv", "rep_id,team_id\n# none\n")]
    {
        let files = ReferenceFiles { roster: Some(write(name, text)), ..ReferenceFiles::default() };
        let errors = files.read().unwrap_err();
        assert!(errors.len() == 1 && errors[0].contains("no rows"), "{name}: {errors:?}");
        let allowed = ReferenceFiles { allow_empty: true, ..files };
        assert_eq!(allowed.read().unwrap().reps.len(), 0, "{name}");
    }
    let toml = ReferenceFiles { roster: Some(write("empty.toml", "")), ..ReferenceFiles::default() };
    assert!(toml.read().unwrap_err()[0].contains("no rows"));
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it() {
    let path = write("huge.csv", "rep_id,team_id\n");
    let file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    file.set_len(super::MAX_FILE_BYTES + 1).unwrap();
    let files = ReferenceFiles { roster: Some(path), ..ReferenceFiles::default() };
    let errors = files.read().unwrap_err();
    assert!(errors.len() == 1 && errors[0].contains("more than the limit"), "{errors:?}");
}

#[test]
fn a_file_of_garbage_reports_a_bounded_summary() {
    let garbage: String = (0..100_000).map(|i| format!("rep-{i}\n")).collect();
    let files = ReferenceFiles {
        roster: Some(write("garbage.csv", &format!("rep_id,team_id\n{garbage}"))),
        ..ReferenceFiles::default()
    };
    let errors = files.read().unwrap_err();
    assert_eq!(errors.len(), super::MAX_PROBLEMS + 1, "the first problems and a count of the rest");
    assert!(errors.last().unwrap().contains("and 99980 more problems"), "{:?}", errors.last());
}

#[test]
fn stages_may_be_flagged_closed_and_won() {
    let files = ReferenceFiles {
        stages: Some(write(
            "closing.csv",
            "stage,order,probability,is_closed,is_won\nopen,1,0.1,,\nwon,9,1,true,true\nlost,9,0,true,false\n",
        )),
        ..ReferenceFiles::default()
    };
    let stages = files.read().unwrap().stages;
    assert_eq!(stages["open"].closes(), None);
    assert_eq!(stages["won"].closes(), Some(salespulse_events::Outcome::Won));
    assert_eq!(stages["lost"].closes(), Some(salespulse_events::Outcome::Lost));
    let bad = ReferenceFiles {
        stages: Some(write("won-open.csv", "stage,order,probability,is_closed,is_won\nx,1,1,false,true\n")),
        ..ReferenceFiles::default()
    };
    assert!(bad.read().unwrap_err()[0].contains("is_won without is_closed"));
}
