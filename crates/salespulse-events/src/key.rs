//! The message-key rule (docs/events.md, "Keys"): every event is keyed by the entity
//! whose state it changes, and every event about one entity carries the same key for the
//! entity's whole life, so that the partition holding the entity sees all of it.
//!
//! - A lead's key is its `lead_id`: lead events, and activities on the lead (which may
//!   answer it), whatever else they name. A lead keeps it after its conversion.
//! - A deal's key is its account when the deal's first event names one, else its
//!   `deal_id`, and stays the one it was first given: a producer that learns the account
//!   later keeps the first key (the bridge remembers it). Keying a deal with its account
//!   lets a won deal make its rep the owner of the account, which lives there too.
//! - An account's key is its `account_id` (status, revenue, surveys and sentiment about
//!   it).
//! - Anything else changes no entity: its account, else its rep, else its own id.

use crate::model::{Body, Event};

/// The entity whose state an event changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject<'a> {
    Lead(&'a str),
    Deal(&'a str),
    Account(&'a str),
    /// An event that changes no lead, deal or account (a training, a social action...).
    Unattached,
}

impl Event {
    /// The entity this event changes.
    pub fn subject(&self) -> Subject<'_> {
        let account = self.account_id.as_deref();
        match &self.body {
            Body::LeadCreated { lead_id, .. }
            | Body::LeadAssigned { lead_id }
            | Body::LeadConverted { lead_id, .. }
            | Body::LeadDisqualified { lead_id, .. } => Subject::Lead(lead_id),
            Body::ActivityLogged(a) => match (&a.lead_id, &a.deal_id, account) {
                (Some(lead), _, _) => Subject::Lead(lead),
                (None, Some(deal), _) => Subject::Deal(deal),
                (None, None, Some(account)) => Subject::Account(account),
                (None, None, None) => Subject::Unattached,
            },
            body if body.deal_id().is_some() => body.deal_id().map_or(Subject::Unattached, Subject::Deal),
            Body::CustomerStatusChanged { .. }
            | Body::RevenueChanged { .. }
            | Body::SurveyResponded { .. }
            | Body::SentimentScored { .. } => account.map_or(Subject::Unattached, Subject::Account),
            _ => Subject::Unattached,
        }
    }

    /// The message key of this event, given the key its subject was first given
    /// (`first`: `None` when this is the first event about it, or when the producer knows
    /// every event about a deal carries the same account). See the module's rule.
    pub fn message_key<'a>(&'a self, first: Option<&'a str>) -> &'a str {
        let account = self.account_id.as_deref();
        match self.subject() {
            Subject::Lead(lead) => lead,
            Subject::Deal(deal) => first.or(account).unwrap_or(deal),
            Subject::Account(account) => account,
            Subject::Unattached => account.or(self.rep_id.as_deref()).unwrap_or(&self.event_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;

    fn event(json: &str) -> Event {
        let json = json.replacen('{', r#"{"event_id":"e1","occurred_at":"2026-11-26T10:00:00Z","#, 1);
        decode(json.as_bytes(), 0).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    #[test]
    fn a_lead_is_keyed_by_its_id_for_its_whole_life() {
        let created = event(r#"{"type":"lead.created","lead_id":"l1","account_id":"a1"}"#);
        let answered = event(
            r#"{"type":"activity.logged","activity_id":"x","rep_id":"r","kind":"call","lead_id":"l1","deal_id":"d1","account_id":"a2"}"#,
        );
        let converted = event(r#"{"type":"lead.converted","lead_id":"l1","deal_id":"d1","account_id":"a1"}"#);
        for e in [&created, &answered, &converted] {
            assert_eq!(e.subject(), Subject::Lead("l1"));
            assert_eq!(e.message_key(None), "l1", "{:?}", e.event_type());
        }
    }

    #[test]
    fn a_deal_keeps_the_key_it_was_first_given() {
        let created =
            event(r#"{"type":"deal.created","deal_id":"d1","rep_id":"r","amount":1,"currency":"EUR","stage":"s"}"#);
        assert_eq!(created.message_key(None), "d1", "no account yet: its own id");
        let later = event(r#"{"type":"deal.stage_changed","deal_id":"d1","stage":"s2","account_id":"a1"}"#);
        assert_eq!(later.message_key(Some("d1")), "d1", "the account learnt later does not move it");
        assert_eq!(later.message_key(None), "a1", "first seen with its account");
        let touch = event(r#"{"type":"activity.logged","activity_id":"x","rep_id":"r","kind":"call","deal_id":"d1"}"#);
        assert_eq!(touch.subject(), Subject::Deal("d1"));
        assert_eq!(touch.message_key(Some("a1")), "a1");
    }

    #[test]
    fn accounts_and_the_rest() {
        let mrr = event(r#"{"type":"revenue.changed","account_id":"a1","mrr":5,"currency":"EUR"}"#);
        assert_eq!((mrr.subject(), mrr.message_key(None)), (Subject::Account("a1"), "a1"));
        let training = event(r#"{"type":"training.completed","rep_id":"r1","course_id":"c"}"#);
        assert_eq!((training.subject(), training.message_key(None)), (Subject::Unattached, "r1"));
        let spend = event(r#"{"type":"spend.recorded","category":"sales","amount":5,"currency":"EUR"}"#);
        assert_eq!(spend.message_key(None), "e1", "nothing else: its own id");
    }
}
