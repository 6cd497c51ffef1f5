//! What the three sources share: the configured stage and owner tables, what one CRM
//! payload gives (events, rejects, ignored changes), and deal events derived from the
//! change of a deal's known fields.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::canonical::{Canon, Out};
use crate::config::{BridgeConfig, OwnerMap, StageMap};
use crate::known::{Record, Status};

/// Stage and owner tables, by (source, CRM id).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    stages: HashMap<(String, String), StageMap>,
    owners: HashMap<(String, String), OwnerMap>,
    pub default_currency: String,
}

impl Mapping {
    pub fn new(cfg: &BridgeConfig) -> Mapping {
        let key = |s: &str, id: &str| (s.to_owned(), id.to_owned());
        Mapping {
            stages: cfg.stages.iter().map(|s| (key(&s.source, &s.id), s.clone())).collect(),
            owners: cfg.owners.iter().map(|o| (key(&o.source, &o.id), o.clone())).collect(),
            default_currency: cfg.default_currency.clone(),
        }
    }

    /// The canonical stage of a CRM stage id (the id itself when not configured).
    pub fn stage(&self, source: &str, id: &str) -> String {
        self.stage_def(source, id).and_then(|s| s.name.clone()).unwrap_or_else(|| id.to_owned())
    }

    pub fn stage_def(&self, source: &str, id: &str) -> Option<&StageMap> {
        self.stages.get(&(source.to_owned(), id.to_owned()))
    }

    /// The rep of a CRM owner id (the id itself when not configured).
    pub fn rep(&self, source: &str, owner: &str) -> String {
        self.owners
            .get(&(source.to_owned(), owner.to_owned()))
            .and_then(|o| o.rep.clone())
            .unwrap_or_else(|| owner.to_owned())
    }
}

/// A payload, or part of one, that cannot be mapped: it goes to the dead-letter topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// A bounded reason (`malformed`, `unsupported`, `missing_field`, `invalid_event`).
    pub reason: &'static str,
    pub detail: String,
}

/// The longest `detail` kept (it may quote the payload): it goes to a log line and a
/// dead-letter header.
const MAX_DETAIL_CHARS: usize = 256;

impl Reject {
    pub fn new(reason: &'static str, detail: impl Into<String>) -> Reject {
        let mut detail = detail.into();
        if let Some((cut, _)) = detail.char_indices().nth(MAX_DETAIL_CHARS) {
            detail.truncate(cut);
            detail.push('…');
        }
        Reject { reason, detail }
    }
}

/// What one CRM payload gives.
#[derive(Debug, Default)]
pub struct Mapped {
    pub out: Vec<Out>,
    pub rejects: Vec<Reject>,
    /// Changes with nothing to say in the canonical contract (an unrelated field).
    pub ignored: u64,
    /// Records named by Salesforce gap events (changes the CRM could not describe).
    pub gaps: Vec<String>,
}

/// One change of a deal: where it comes from and when.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub source: &'a str,
    /// What makes this change unique in its CRM (ids are derived from it).
    pub id: &'a [&'a str],
    pub deal_id: &'a str,
    pub at: DateTime<Utc>,
}

impl Change<'_> {
    fn canon(&self, kind: &str) -> Canon {
        let mut parts = self.id.to_vec();
        parts.push(kind);
        Canon::new(self.source, &parts, kind, self.at).set("deal_id", Some(self.deal_id))
    }
}

/// The events that take a deal from `before` to `after` (whose `announced` is updated):
/// `deal.created` once owner and stage are known, then one event per changed field, a
/// close or reopen when the status moves, `deal.deleted` when it goes.
pub fn deal_events(c: Change<'_>, before: &Record, after: &mut Record, m: &Mapping) -> Vec<Out> {
    let mut out = Vec::new();
    let account = after.account.clone();
    let with_account = |canon: Canon| canon.set("account_id", account.clone()).event();
    if after.deleted {
        if !before.deleted && before.announced {
            out.push(with_account(c.canon("deal.deleted")));
        }
        after.announced = false;
        return out;
    }
    if !after.announced {
        let (Some(owner), Some(stage)) = (&after.owner, &after.stage) else { return out };
        let currency = after.currency.clone().unwrap_or_else(|| m.default_currency.clone());
        let def = m.stage_def(c.source, stage);
        let created = c
            .canon("deal.created")
            .set("rep_id", Some(m.rep(c.source, owner)))
            .set("amount", Some(after.amount.unwrap_or(0.0)))
            .set("currency", Some(currency))
            .set("stage", Some(m.stage(c.source, stage)))
            .set("probability", def.map(|d| d.probability));
        out.push(with_account(created));
        after.announced = true;
        if after.status != Status::Open {
            out.push(with_account(close(c, after.status)));
        }
        return out;
    }
    if after.stage != before.stage
        && let Some(stage) = &after.stage
    {
        let def = m.stage_def(c.source, stage);
        let changed = c
            .canon("deal.stage_changed")
            .set("stage", Some(m.stage(c.source, stage)))
            .set("probability", def.map(|d| d.probability));
        out.push(with_account(changed));
    }
    if (after.amount != before.amount || after.currency != before.currency)
        && let Some(amount) = after.amount
    {
        let currency = after.currency.clone().unwrap_or_else(|| m.default_currency.clone());
        out.push(with_account(
            c.canon("deal.amount_changed").set("amount", Some(amount)).set("currency", Some(currency)),
        ));
    }
    if after.owner != before.owner
        && let Some(owner) = &after.owner
    {
        out.push(with_account(c.canon("deal.owner_changed").set("rep_id", Some(m.rep(c.source, owner)))));
    }
    match (before.status, after.status) {
        (a, b) if a == b => {}
        (_, Status::Open) => out.push(with_account(c.canon("deal.reopened"))),
        (_, closed) => out.push(with_account(close(c, closed))),
    }
    out
}

fn close(c: Change<'_>, status: Status) -> Canon {
    let outcome = if status == Status::Won { "won" } else { "lost" };
    c.canon("deal.closed").set("outcome", Some(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &'static [&'static str]) -> Change<'static> {
        Change { source: "s", id, deal_id: "d1", at: DateTime::from_timestamp(0, 0).unwrap() }
    }

    fn types(out: &[Out]) -> Vec<&str> {
        out.iter().map(Out::event_type).collect()
    }

    #[test]
    fn a_reject_detail_is_bounded() {
        let r = Reject::new("unsupported", format!("entity {:?}", "x".repeat(10_000)));
        assert_eq!(r.detail.chars().count(), MAX_DETAIL_CHARS + 1);
    }

    #[test]
    fn a_deal_is_announced_once_complete_then_changes_one_field_at_a_time() {
        let m = Mapping { default_currency: "EUR".into(), ..Mapping::default() };
        let mut r = Record::default();
        r.owner = Some("u1".into());
        let before = r.clone();
        assert!(deal_events(change(&["1"]), &before, &mut r, &m).is_empty(), "no stage yet");
        let before = r.clone();
        r.stage = Some("proposal".into());
        let out = deal_events(change(&["2"]), &before, &mut r, &m);
        assert_eq!(types(&out), ["deal.created"]);
        assert_eq!(out[0].event["amount"], 0.0);
        assert_eq!(out[0].event["currency"], "EUR");
        let before = r.clone();
        r.amount = Some(5000.0);
        r.status = Status::Won;
        assert_eq!(types(&deal_events(change(&["3"]), &before, &mut r, &m)), ["deal.amount_changed", "deal.closed"]);
        let before = r.clone();
        r.status = Status::Open;
        assert_eq!(types(&deal_events(change(&["4"]), &before, &mut r, &m)), ["deal.reopened"]);
        let before = r.clone();
        r.deleted = true;
        assert_eq!(types(&deal_events(change(&["5"]), &before, &mut r, &m)), ["deal.deleted"]);
    }
}
