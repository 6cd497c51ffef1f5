//! What one CRM payload gives: canonical events to produce (each with its message key),
//! parts that cannot be mapped (dead-lettered with their reason), and the count of
//! changes the contract has nothing to say about.

use salespulse_events::Event;

/// Which topic a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Events,
    Reference,
}

/// One message to produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    pub topic: Topic,
    pub key: String,
    pub event: Event,
}

impl Out {
    /// The event's `type`.
    pub fn event_type(&self) -> &'static str {
        self.event.event_type().as_str()
    }

    /// The JSON bytes, as the events crate encodes them.
    pub fn payload(&self) -> Vec<u8> {
        salespulse_events::encode(&self.event)
    }
}

/// Why a payload, or part of one, is dead-lettered (a bounded label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Not what the CRM sends (not JSON, no header...).
    Malformed,
    /// An object or change the bridge does not map.
    Unsupported,
    /// A field the mapping needs is absent.
    MissingField,
    /// The event it gives would be refused by the service's decoder.
    InvalidEvent,
    /// A deal in a CRM stage `[[bridge.stages]]` does not list.
    UnmappedStage,
}

impl Reason {
    pub const ALL: [Reason; 5] =
        [Reason::Malformed, Reason::Unsupported, Reason::MissingField, Reason::InvalidEvent, Reason::UnmappedStage];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unsupported => "unsupported",
            Reason::MissingField => "missing_field",
            Reason::InvalidEvent => "invalid_event",
            Reason::UnmappedStage => "unmapped_stage",
        }
    }
}

/// A payload, or part of one, that cannot be mapped: it goes to the dead-letter topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub reason: Reason,
    pub detail: String,
    /// The part of the payload refused (one event of a batch), when not the whole.
    pub part: Option<Vec<u8>>,
}

/// The longest `detail` kept (it may quote the payload): it goes to a log line and a
/// dead-letter header.
const MAX_DETAIL_CHARS: usize = 256;

impl Reject {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Reject {
        let mut detail = detail.into();
        if let Some((cut, _)) = detail.char_indices().nth(MAX_DETAIL_CHARS) {
            detail.truncate(cut);
            detail.push('…');
        }
        Reject { reason, detail, part: None }
    }

    /// The same, about `part` of the payload only.
    pub fn of_part(mut self, part: &serde_json::Value) -> Reject {
        self.part = serde_json::to_vec(part).ok();
        self
    }
}

/// What one CRM payload gives.
#[derive(Debug, Default)]
pub struct Mapped {
    pub out: Vec<Out>,
    pub rejects: Vec<Reject>,
    /// Changes with nothing to say in the canonical contract (an unrelated field, a
    /// planned activity, an owner that is not a rep...).
    pub ignored: u64,
    /// Records named by Salesforce gap events (changes the CRM could not describe).
    pub gaps: Vec<String>,
}

impl Mapped {
    /// A payload refused whole.
    pub fn rejected(reason: Reason, detail: impl Into<String>) -> Mapped {
        Mapped { rejects: vec![Reject::new(reason, detail)], ..Mapped::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reject_detail_is_bounded() {
        let r = Reject::new(Reason::Unsupported, format!("entity {:?}", "x".repeat(10_000)));
        assert_eq!(r.detail.chars().count(), MAX_DETAIL_CHARS + 1);
    }
}
