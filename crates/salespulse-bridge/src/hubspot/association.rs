//! Association changes: an activity's contact (the lead it touches) and deal, a deal's
//! company (its account), and a contact associated with a deal — the lead converted into
//! it. HubSpot sends one event per direction; both give the same result.

use serde_json::Value;

use crate::mapped::Mapped;
use crate::records::{Kind, Known, record_key};
use crate::tables::Tables;
use crate::values::id_of;

use super::contact;
use super::hook::{Hook, Object, SOURCE};

/// The two ends of an association: the generic form names their type ids, the legacy
/// one an `associationType` such as `CONTACT_TO_DEAL`.
fn ends(h: &Hook<'_>) -> Option<((Object, String), (Object, String))> {
    let e = h.raw;
    let (from, to) =
        match (e.get("fromObjectTypeId").and_then(Value::as_str), e.get("toObjectTypeId").and_then(Value::as_str)) {
            (Some(a), Some(b)) => (Object::parse(a)?, Object::parse(b)?),
            _ => {
                let kind = e.get("associationType").and_then(Value::as_str)?;
                let (a, b) = kind.split_once("_TO_")?;
                (Object::parse(a)?, Object::parse(b)?)
            }
        };
    Some(((from, id_of(e.get("fromObjectId"))?), (to, id_of(e.get("toObjectId"))?)))
}

/// The activity a hook is about, if any (its own id, or an end of its association).
pub(super) fn activity_of(h: &Hook<'_>) -> Option<String> {
    if h.action != "associationChange" {
        return h.object.is_engagement().then(|| h.id.clone());
    }
    let ((a, a_id), (b, b_id)) = ends(h)?;
    match (a.is_engagement(), b.is_engagement()) {
        (true, _) => Some(a_id),
        (_, true) => Some(b_id),
        _ => None,
    }
}

pub(super) fn map(h: &Hook<'_>, known: &mut Known, t: &Tables, mapped: &mut Mapped) {
    let Some(((a, a_id), (b, b_id))) = ends(h) else {
        mapped.ignored += 1;
        return;
    };
    let removed = h.raw.get("associationRemoved").and_then(Value::as_bool) == Some(true);
    // Put the engagement, else the contact, else the deal first.
    let ((a, a_id), (b, b_id)) = if b.is_engagement() || (b == Object::Contact && !a.is_engagement()) {
        ((b, b_id), (a, a_id))
    } else {
        ((a, a_id), (b, b_id))
    };
    let linked = (!removed).then_some(b_id.clone());
    match (a, b) {
        (Object::Note, _) => mapped.ignored += 1,
        (e, Object::Contact | Object::Deal) if e.is_engagement() => {
            let r = known.entry(&record_key(SOURCE, Kind::Activity, &a_id));
            let field = if b == Object::Contact { "association.contact" } else { "association.deal" };
            if r.fresh(field, h.ms()) {
                if b == Object::Contact {
                    r.activity.lead = linked;
                } else {
                    r.activity.deal = linked;
                }
            }
        }
        (Object::Contact, Object::Deal) if !removed => contact::converted(h, &a_id, Some(b_id), known, t, mapped),
        (Object::Deal, Object::Company) | (Object::Company, Object::Deal) => {
            let (deal, company) = if a == Object::Deal { (a_id, b_id) } else { (b_id, a_id) };
            let r = known.entry(&record_key(SOURCE, Kind::Deal, &deal));
            if r.fresh("association.company", h.ms()) {
                r.account = (!removed).then_some(company);
            }
            mapped.ignored += 1;
        }
        _ => mapped.ignored += 1,
    }
}
