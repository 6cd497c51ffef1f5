//! `salespulse bridge`: CRM changes in, canonical events out.
//!
//! Three sources — Salesforce Change Data Capture (as the Kafka Connect connector writes
//! it), HubSpot webhooks and Pipedrive webhooks v2 — are mapped to the events of
//! docs/events.md, built as [`salespulse_events::Event`] values and encoded by the events
//! crate, keyed by the rule of docs/events.md (`keys`, with the key each deal was first
//! given remembered), with deterministic `event_id`s: a redelivered webhook or a replayed
//! change event is a duplicate the service counts once. What cannot be mapped goes to the
//! dead-letter topic with its reason; every event produced is first checked by the
//! service's own decoder. The last known fields of every record are kept (and saved in
//! the snapshot store, a bucket at a time), so an event built from a change that carries
//! one field is still complete.
//!
//! Dependencies run one way: `source`, `values`, `config` → `records`, `tables`, `mapped`,
//! `ids` → `keys` → `deals`, `activities` → `salesforce`, `hubspot`, `pipedrive` → `sink`,
//! `state` → `bridge` → `receiver`, `cdc`, `reference_sync` → `run`.

mod activities;
mod auth;
mod bridge;
mod cdc;
mod config;
mod deals;
pub mod fixtures;
mod hubspot;
mod ids;
mod keys;
mod mapped;
mod metrics;
mod pipedrive;
mod receiver;
mod records;
mod reference_sync;
mod run;
mod salesforce;
mod sink;
mod source;
mod state;
mod tables;
#[cfg(test)]
mod testing;
mod values;

pub use auth::hubspot_v3_sign;
pub use config::{
    BridgeSection, HUBSPOT_SECRET_VARIABLE, HubSpotSection, OwnerMap, PIPEDRIVE_PASSWORD_VARIABLE, PipedriveSection,
    SalesforceSection, SourceName, StageMap, UnmappedStage,
};
pub use mapped::{Mapped, Out, Reason, Reject};
pub use metrics::Metrics;
pub use records::Known;
pub use run::{BridgeRun, run};
pub use source::Source;
pub use state::{Loaded, StateError, StateStore};
pub use tables::Tables;

/// The pure mappings, for tests and tools: a payload and what is known in, events out.
pub mod map {
    pub use crate::hubspot::map as hubspot;
    pub use crate::pipedrive::map as pipedrive;
    pub use crate::salesforce::map as salesforce;
    pub use crate::sink::validate;

    /// Counts the planned activities of `source` whose end has passed by `now`.
    pub use crate::activities::due;
    /// The reference events of the configured stages and owners.
    pub use crate::reference_sync::events as reference;
}
