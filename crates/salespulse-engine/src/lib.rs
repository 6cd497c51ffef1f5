#![warn(clippy::cast_possible_truncation)]
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
//!
//! # Adding a KPI
//!
//! Follow the data, from the input to the exposition, and let the tests that read the docs
//! tell you what is missing:
//!
//! 1. **Input** (only if no event carries what the KPI needs): a field or event type in
//!    `salespulse-events` — `model.rs` (the typed [`salespulse_events::Body`]), `wire.rs`,
//!    `decode/body.rs`, the JSON Schema in `schema/`, and an example in docs/events.md
//!    (`tests/docs_examples.rs` checks every example against the decoder and the schema).
//! 2. **State**: an additive statistic is a [`stat::Stat`] variant, **appended after the
//!    last one** — snapshots encode variants by index, and the golden-snapshot test of
//!    `salespulse-store` fails on one inserted in the middle (a change of layout needs a
//!    new `format::VERSION` and golden file). A KPI about an entity's facts (a deal, a
//!    lead, an account) adds the facts to `deals.rs`, `leads.rs` or `accounts.rs` and
//!    derives `Contribution`s from them in `derive`: aggregates are only ever
//!    changed by swapping contributions (`contrib.rs` says why).
//! 3. **Routing**: `shard/dispatch.rs` sends the event to its statistic (directly) or to
//!    its entity (then `shard/settle.rs` swaps the contributions).
//! 4. **Reading**: window statistics reach the [`View`] on their own; a value read from
//!    state now (like the open pipeline) needs a [`Cell`] in `view.rs` and its line in
//!    the matching section of `shard/view.rs`. Views must stay additive across shards.
//! 5. **Output**: the family's name and help in `kpis/catalogue.rs`, its computation in
//!    the `kpis/` file of its group (`sales`, `activity`, `customers`, `periods`,
//!    `reps`) through the shared `Builder`. A ratio is exported next to its parts and left
//!    out (never NaN, never 0) when its denominator is 0.
//! 6. **Docs and tests**, in the same change: an entry with a worked example in
//!    docs/kpis.md (`tests/kpi_examples.rs` runs it), a row in docs/metrics.md with its
//!    aggregation across instances (the end-to-end catalogue test checks that every
//!    documented series is exported), the KPI in the naive model of `tests/model/` (the
//!    property test compares every exported family with it), and unit tests under
//!    `src/tests/` for its edge cases.

mod accounts;
mod aggregates;
pub mod calendar;
mod config;
mod contrib;
mod deals;
mod dedup;
mod entities;
pub mod feed;
pub mod fixed;
pub mod hist;
mod interner;
pub mod kpis;
mod leads;
pub mod legacy;
mod outcome;
mod owners;
mod reference;
mod shard;
mod slots;
mod spend;
pub mod stat;
pub mod time;
mod view;
mod windows;

pub use config::{
    DEFAULT_MAX_ENTITIES, DEFAULT_MAX_REPS, DEFAULT_MAX_STAGES, DEFAULT_MAX_TEAMS, DEFAULT_REP_SERIES_BUDGET,
    EngineConfig, MAX_STAGE_BUDGET,
};
pub use outcome::{Applied, Incomplete, IncompleteKpi, Rejection};
pub use reference::{OVERFLOW, Reference, RepInfo, StageInfo, UNASSIGNED};
pub use shard::Shard;
pub use time::Window;
pub use view::{Cell, Key, Scope, View};

#[cfg(test)]
mod tests;
