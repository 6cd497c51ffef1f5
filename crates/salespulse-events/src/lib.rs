//! The canonical CRM event model of salespulse (schema v1) and its decoder.
//!
//! This crate is the input contract: [`decode`] turns one Kafka message payload into a
//! validated [`Event`] or a [`DecodeError`] whose [`DecodeError::reason`] is one of a
//! fixed set of labels. It performs no I/O and knows nothing of Kafka or the engine.
//! The same contract is published as a JSON Schema ([`JSON_SCHEMA`]) and documented in
//! `docs/events.md`; tests keep the three in agreement.
//!
//! Invariants of a decoded [`Event`]: every id has 1..=128 characters and no control
//! character; amounts are finite, in 0..=1e15, with an ISO 4217 currency; probabilities are in 0..=1; scores are within the
//! range of their survey; every field its type requires is present.

mod decode;
mod error;
mod key;
mod model;
mod period;
pub mod validate;
mod wire;

pub use decode::{MAX_ID_CHARS, decode, encode};
pub use error::DecodeError;
pub use key::Subject;
pub use model::*;
pub use period::Period;

/// The JSON Schema (draft 2020-12) of one event message.
pub const JSON_SCHEMA: &str = include_str!("../schema/crm-event.v1.schema.json");

#[cfg(test)]
mod tests;
