//! Why a message is not a valid event. Every variant maps to one bounded `reason` label.

use thiserror::Error;

/// A message that could not be decoded into an [`crate::Event`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DecodeError {
    /// The message had no payload (a tombstone).
    #[error("empty message (no payload)")]
    Empty,
    /// The payload is larger than the configured limit.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    /// The payload is not UTF-8.
    #[error("payload is not UTF-8 (invalid byte at {valid_up_to})")]
    NotUtf8 { valid_up_to: usize },
    /// The payload is not a JSON object.
    #[error("invalid JSON: {detail}")]
    InvalidJson { detail: String },
    /// A field holds a JSON value of the wrong type.
    #[error("wrong type: {detail}")]
    WrongType { detail: String },
    /// A required field is absent (or null).
    #[error("missing field `{field}` (required by {event_type})")]
    MissingField { field: &'static str, event_type: &'static str },
    /// A field's value is out of range or not one of the allowed values.
    #[error("invalid `{field}`: {detail}")]
    InvalidValue { field: &'static str, detail: String },
    /// The `type` is not one of schema v1.
    #[error("unknown event type {event_type:?}")]
    UnknownType { event_type: String },
    /// The `schema_version` is not one this build reads.
    #[error("unsupported schema_version {version} (this build reads 1)")]
    UnsupportedVersion { version: i64 },
}

impl DecodeError {
    /// The bounded `reason` label of this error, for counters and dead-letter headers.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::NotUtf8 { .. } => "not_utf8",
            DecodeError::InvalidJson { .. } => "invalid_json",
            DecodeError::WrongType { .. } => "wrong_type",
            DecodeError::MissingField { .. } => "missing_field",
            DecodeError::InvalidValue { .. } => "invalid_value",
            DecodeError::UnknownType { .. } => "unknown_type",
            DecodeError::UnsupportedVersion { .. } => "unsupported_version",
        }
    }

    /// Every reason label this crate can produce, so counters can be pre-registered at zero.
    pub const REASONS: &'static [&'static str] = &[
        "empty",
        "too_large",
        "not_utf8",
        "invalid_json",
        "wrong_type",
        "missing_field",
        "invalid_value",
        "unknown_type",
        "unsupported_version",
    ];
}
