//! The pure, event-time KPI engine of salespulse.
//!
//! A [`Shard`] holds the state of one Kafka partition: recent event ids (dedup), lead and
//! deal entity state, and rolling-window aggregates per (rep, team override) owner.
//! [`Shard::apply`] feeds it one event; [`Shard::view`] reads every window at a given
//! `now` into a [`View`], views of several shards [`View::merge`] by addition, and
//! [`kpis::families`] turns a merged view into the exported KPI families.
//!
//! Invariants: no I/O, no clock, no async; `now` is always an argument, so every KPI is
//! reproducible exactly in a test. Window values only change by the events applied and
//! by `now` moving; everything older than the longest window (90 days) is dropped, so the
//! memory held does not grow with history. See `time` for the window edges and
//! `hist` for the accuracy of quantiles.

mod accounts;
mod aggregates;
pub mod calendar;
mod config;
mod contrib;
mod deals;
mod dedup;
mod entities;
pub mod hist;
mod interner;
pub mod kpis;
mod leads;
mod outcome;
mod owners;
mod reference;
mod shard;
mod spend;
pub mod stat;
pub mod time;
mod view;
mod windows;

pub use config::EngineConfig;
pub use outcome::{Applied, Incomplete, IncompleteKpi, Rejection};
pub use reference::{Reference, RepInfo, StageInfo, UNASSIGNED};
pub use shard::Shard;
pub use time::Window;
pub use view::{Cell, Key, Scope, View};

#[cfg(test)]
mod tests;
