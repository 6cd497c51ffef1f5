//! HubSpot webhooks: a JSON array of subscription events, legacy (`deal.creation`,
//! `contact.propertyChange`...) or generic (`object.creation` with an `objectTypeId`),
//! each naming one object and at most one property, with values as strings. Deals are
//! announced once a rep owns them and their stage is known, whatever order the events
//! come in; contacts are leads; calls, emails, meetings, notes and tasks are activities,
//! counted once done, with the contact and deal they are associated with. An event that
//! cannot be mapped is dead-lettered alone, not its batch.

mod association;
mod contact;
mod deal;
mod engagement;
mod hook;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::activities::count_if_ready;
use crate::mapped::{Mapped, Reason};
use crate::records::Known;
use crate::tables::Tables;
use hook::{Hook, Object, SOURCE, read};

/// The most events one request may carry (HubSpot sends at most 100).
pub const MAX_BATCH: usize = 1_000;

/// Maps one webhook request body.
pub fn map(body: &Value, known: &mut Known, t: &Tables) -> Mapped {
    let Some(events) = body.as_array() else {
        return Mapped::rejected(Reason::Malformed, "the body is not a JSON array of events");
    };
    if events.len() > MAX_BATCH {
        let detail = format!("{} events in one request (at most {MAX_BATCH})", events.len());
        return Mapped::rejected(Reason::Malformed, detail);
    }
    let mut mapped = Mapped::default();
    // Activities touched by the batch count at its end, once all its events (their
    // properties and associations) are known.
    let mut activities: Vec<(String, DateTime<Utc>)> = Vec::new();
    for e in events {
        match read(e) {
            Ok(hook) => {
                if hook.object.is_engagement() || hook.action == "associationChange" {
                    activities.extend(association::activity_of(&hook).map(|id| (id, hook.at)));
                }
                let before = mapped.rejects.len();
                one(&hook, known, t, &mut mapped);
                // What one event could not map is dead-lettered alone, not with its batch.
                for r in &mut mapped.rejects[before..] {
                    if r.part.is_none() {
                        *r = r.clone().of_part(e);
                    }
                }
            }
            Err(r) => mapped.rejects.push(r.of_part(e)),
        }
    }
    activities.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    activities.dedup_by(|a, b| a.0 == b.0);
    for (id, at) in activities {
        count_if_ready(SOURCE, &id, at, known, t, &mut mapped);
    }
    mapped
}

fn one(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    match (h.object, h.action) {
        (_, "associationChange") => association::map(h, known, t, mapped),
        (Object::Deal, _) => deal::map(h, known, t, mapped),
        (Object::Contact, _) => contact::map(h, known, t, mapped),
        (Object::Company, _) => mapped.ignored += 1,
        (_, _) => engagement::map(h, known, mapped),
    }
}
