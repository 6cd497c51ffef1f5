//! One Pipedrive webhook, read: its action, entity id, time, what makes it unique, and the
//! object as it is now (`data`) and was (`previous`).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::source::Source;
use crate::values::id_of;

pub(super) const SOURCE: Source = Source::Pipedrive;

/// One webhook, read.
pub(super) struct Hook<'a> {
    pub action: &'a str,
    pub id: String,
    pub at: DateTime<Utc>,
    /// The webhook's own id: what makes it unique (event ids derive from it).
    pub unique: String,
    pub data: Option<&'a Value>,
    pub previous: Option<&'a Value>,
}

impl<'a> Hook<'a> {
    /// A field of `data` (null is absent).
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.data.and_then(|d| d.get(k)).filter(|v| !v.is_null())
    }

    /// A field of `previous` (null is absent).
    pub fn before(&self, k: &str) -> Option<&'a Value> {
        self.previous.and_then(|d| d.get(k)).filter(|v| !v.is_null())
    }

    /// The owner: `owner_id`, else `user_id`.
    pub fn owner(&self) -> Option<String> {
        id_of(self.get("owner_id")).or_else(|| id_of(self.get("user_id")))
    }

    pub fn ms(&self) -> i64 {
        self.at.timestamp_millis()
    }
}
