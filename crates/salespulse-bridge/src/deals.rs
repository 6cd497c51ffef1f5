//! Deal events derived from the change of a deal's known fields, whatever CRM it came
//! from: `deal.created` once a rep owns it and its stage is known (again after a restore),
//! then one event per changed field, a close or reopen when its status moves,
//! `deal.deleted` when it goes. A stage no table maps is dead-lettered (or kept raw).

use chrono::{DateTime, Utc};
use salespulse_events::{Body, Currency, DealCreated, DealType, Event, Money, Outcome};

use crate::ids::new_event;
use crate::mapped::{Mapped, Reason, Reject};
use crate::records::{DealStatus, Record};
use crate::source::Source;
use crate::tables::{Stage, Tables};

/// One change of a deal: where it comes from and when.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub source: Source,
    /// What makes this change unique in its CRM (ids are derived from it).
    pub id: &'a [&'a str],
    pub deal_id: &'a str,
    pub at: DateTime<Utc>,
}

impl Change<'_> {
    fn event(&self, body: Body, account: Option<&String>) -> Event {
        let kind = body.event_type().as_str();
        let mut parts = self.id.to_vec();
        parts.push(kind);
        let mut e = new_event(self.source, &parts, self.at, body);
        e.account_id = account.cloned().map(Into::into);
        e
    }
}

/// The amount of a deal (0 when unknown) in its currency, else the default one.
fn money(r: &Record, t: &Tables) -> Money {
    let currency = r.deal.currency.as_deref().and_then(Currency::parse).unwrap_or(t.default_currency);
    Money { amount: r.deal.amount.unwrap_or(0.0), currency }
}

/// The rep owning the deal now, if a rep does.
fn rep(c: Change<'_>, r: &Record, t: &Tables) -> Option<String> {
    r.owner.as_deref().and_then(|o| t.rep(c.source, o))
}

/// The deal's stage, or why it cannot be named (dead-lettered once, when it is set).
fn stage(c: Change<'_>, before: &Record, after: &Record, t: &Tables, mapped: &mut Mapped) -> Option<Stage> {
    let id = after.deal.stage.as_deref()?;
    let stage = t.stage(c.source, id);
    if stage.is_none() && before.deal.stage != after.deal.stage {
        mapped.rejects.push(Reject::new(
            Reason::UnmappedStage,
            format!("{} deal {}: stage {id:?} is not in [[bridge.stages]]", c.source, c.deal_id),
        ));
    }
    stage
}

/// The events that take a deal from `before` to `after` (whose `announced` is updated);
/// unmapped stages go to `mapped.rejects`.
pub fn deal_events(c: Change<'_>, before: &Record, after: &mut Record, t: &Tables, mapped: &mut Mapped) -> Vec<Event> {
    let account = after.account.clone();
    let event = |body: Body| c.event(body, account.as_ref());
    let deal_id = c.deal_id;
    let mut out = Vec::new();
    if after.deleted {
        if !before.deleted && after.announced {
            out.push(event(Body::DealDeleted { deal_id: deal_id.into() }));
        }
        return out;
    }
    let restored = before.deleted && after.announced;
    let stage_now = stage(c, before, after, t, mapped);
    if !after.announced || restored {
        let (Some(rep), Some(stage)) = (rep(c, after, t), stage_now) else { return out };
        let created = DealCreated {
            deal_id: deal_id.into(),
            amount: money(after, t),
            stage: stage.name.into(),
            deal_type: DealType::NewBusiness,
            lead_id: None,
            probability: stage.probability,
        };
        let mut e = event(Body::DealCreated(created));
        e.rep_id = Some(rep.into());
        out.push(e);
        // A new deal created closed closes; a restored one keeps its close unless the
        // status moved meanwhile.
        let was = if restored { before.deal.status } else { DealStatus::Open };
        if after.deal.status != was {
            out.push(event(status_body(deal_id, after.deal.status)));
        }
        after.announced = true;
        return out;
    }
    if after.deal.stage != before.deal.stage
        && let Some(stage) = stage_now
    {
        out.push(event(Body::DealStageChanged {
            deal_id: deal_id.into(),
            stage: stage.name.into(),
            probability: stage.probability,
        }));
    }
    if (after.deal.amount != before.deal.amount || after.deal.currency != before.deal.currency)
        && after.deal.amount.is_some()
    {
        out.push(event(Body::DealAmountChanged { deal_id: deal_id.into(), amount: money(after, t) }));
    }
    if after.owner != before.owner
        && let Some(rep) = rep(c, after, t)
    {
        let mut e = event(Body::DealOwnerChanged { deal_id: deal_id.into() });
        e.rep_id = Some(rep.into());
        out.push(e);
    }
    if after.deal.status != before.deal.status {
        out.push(event(status_body(deal_id, after.deal.status)));
    }
    out
}

/// The event that brings a deal to `status`.
fn status_body(deal_id: &str, status: DealStatus) -> Body {
    let outcome = match status {
        DealStatus::Open => return Body::DealReopened { deal_id: deal_id.into() },
        DealStatus::Won => Outcome::Won,
        DealStatus::Lost => Outcome::Lost,
    };
    Body::DealClosed { deal_id: deal_id.into(), outcome, amount: None, loss_reason: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BridgeSection, StageMap};

    fn change(id: &'static [&'static str]) -> Change<'static> {
        Change { source: Source::HubSpot, id, deal_id: "d1", at: DateTime::from_timestamp(0, 0).unwrap() }
    }

    fn tables() -> Tables {
        let stage = |id: &str| StageMap {
            source: Source::HubSpot.into(),
            id: id.into(),
            name: None,
            order: 1,
            probability: 0.5,
            is_closed: false,
            is_won: false,
        };
        let cfg = BridgeSection {
            default_currency: "EUR".into(),
            stages: vec![stage("proposal"), stage("demo")],
            ..BridgeSection::default()
        };
        Tables::new(&cfg)
    }

    fn types(out: &[Event]) -> Vec<&str> {
        out.iter().map(|e| e.event_type().as_str()).collect()
    }

    /// Applies `f` to the record and returns the events and rejects of the change.
    fn step(r: &mut Record, id: &'static [&'static str], f: impl FnOnce(&mut Record)) -> (Vec<Event>, Vec<Reason>) {
        let before = r.clone();
        f(r);
        let mut mapped = Mapped::default();
        let out = deal_events(change(id), &before, r, &tables(), &mut mapped);
        (out, mapped.rejects.iter().map(|j| j.reason).collect())
    }

    #[test]
    fn a_deal_is_announced_once_complete_then_changes_one_field_at_a_time() {
        let mut r = Record::default();
        assert!(step(&mut r, &["1"], |r| r.owner = Some("u1".into())).0.is_empty(), "no stage yet");
        let (out, _) = step(&mut r, &["2"], |r| r.deal.stage = Some("proposal".into()));
        assert_eq!(types(&out), ["deal.created"]);
        let Body::DealCreated(d) = &out[0].body else { panic!() };
        assert_eq!((d.amount.amount, d.amount.currency.as_str(), d.probability), (0.0, "EUR", Some(0.5)));
        let (out, _) = step(&mut r, &["3"], |r| {
            r.deal.amount = Some(5000.0);
            r.deal.status = DealStatus::Won;
        });
        assert_eq!(types(&out), ["deal.amount_changed", "deal.closed"]);
        assert_eq!(types(&step(&mut r, &["4"], |r| r.deal.status = DealStatus::Open).0), ["deal.reopened"]);
        assert_eq!(types(&step(&mut r, &["5"], |r| r.deleted = true).0), ["deal.deleted"]);
    }

    #[test]
    fn a_restored_deal_is_created_again_and_keeps_its_close() {
        let mut r = Record::default();
        step(&mut r, &["1"], |r| {
            r.owner = Some("u1".into());
            r.deal.stage = Some("proposal".into());
        });
        step(&mut r, &["2"], |r| r.deal.status = DealStatus::Won);
        assert_eq!(types(&step(&mut r, &["3"], |r| r.deleted = true).0), ["deal.deleted"]);
        assert!(step(&mut r, &["4"], |r| r.deal.amount = Some(9.0)).0.is_empty(), "a deleted deal says nothing");
        let (out, _) = step(&mut r, &["5"], |r| r.deleted = false);
        assert_eq!(types(&out), ["deal.created"], "restored; its close is still known downstream");
        assert_eq!(out[0].event_id, "hubspot:5:deal.created");
    }

    #[test]
    fn an_unknown_stage_is_dead_lettered_once_and_the_deal_waits() {
        let mut r = Record::default();
        let (out, rejects) = step(&mut r, &["1"], |r| {
            r.owner = Some("u1".into());
            r.deal.stage = Some("164".into());
        });
        assert!(out.is_empty());
        assert_eq!(rejects, [Reason::UnmappedStage]);
        let (out, rejects) = step(&mut r, &["2"], |r| r.deal.amount = Some(1.0));
        assert!(out.is_empty() && rejects.is_empty(), "the same stage is not dead-lettered twice");
        assert_eq!(types(&step(&mut r, &["3"], |r| r.deal.stage = Some("demo".into())).0), ["deal.created"]);
        let (out, rejects) = step(&mut r, &["4"], |r| {
            r.deal.stage = Some("165".into());
            r.deal.amount = Some(2.0);
        });
        assert_eq!((types(&out), rejects), (vec!["deal.amount_changed"], vec![Reason::UnmappedStage]));
    }
}
