//! `salespulse bridge`: CRM changes in, canonical events out.
//!
//! Three sources — Salesforce Change Data Capture (as the Kafka Connect connector writes
//! it), HubSpot webhooks and Pipedrive webhooks v2 — are mapped to the events of
//! docs/events.md and produced to the events topic, keyed by account (else by deal or
//! lead), with deterministic `event_id`s: a redelivered webhook or a replayed change event
//! is a duplicate the service counts once. What cannot be mapped goes to the dead-letter
//! topic with its reason; every event produced is first checked by the service's own
//! decoder. The last known fields of every record are kept (and saved in the snapshot
//! store), so an event built from a change that carries one field is still complete.
//!
//! Dependencies run one way: `config` → `canonical`, `known` → `mapping` → the three
//! sources → `sink`, `persist` → `core` → `receiver`, `cdc`, `reference_sync` → `run`.

mod auth;
mod canonical;
mod cdc;
mod config;
mod core;
mod hubspot;
mod known;
mod mapping;
mod metrics;
mod persist;
mod pipedrive;
mod receiver;
mod reference_sync;
mod run;
mod salesforce;
mod sink;

pub use auth::hubspot_v3_sign;
pub use config::{BridgeConfig, HubSpotConfig, OwnerMap, PipedriveConfig, SalesforceConfig, StageMap};
pub use known::Known;
pub use mapping::{Mapped, Mapping};
pub use metrics::Metrics;
pub use run::{BridgeRun, run};

/// The pure mappings, for tests and tools: a payload and what is known in, events out.
pub mod map {
    pub use crate::hubspot::map as hubspot;
    pub use crate::pipedrive::map as pipedrive;
    pub use crate::salesforce::map as salesforce;
    pub use crate::sink::validate;
}
