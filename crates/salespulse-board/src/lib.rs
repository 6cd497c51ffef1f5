//! The live team board of salespulse: a page per team and an overview, pushed to the
//! browser within a second of an event being applied, and the JSON API behind it.
//!
//! The figures are one source with `/metrics`: the KPI families of the engine's view,
//! read through [`BoardSource`] (the node implements it). With several instances in a
//! consumer group, each serves its partitions' additive parts (`/api/v1/parts`) and every
//! board merges its peers' parts with its own, so any instance shows the whole group; a
//! peer that does not answer, or a partition nobody holds, makes the board say it is
//! incomplete instead of showing a smaller total.
//!
//! - `source`: the port, and what a merged view reads as;
//! - `parts`: an instance's parts and their merge;
//! - `figures`: a team's figures from the families; `model`: the API's data;
//! - `hub`: the peers known, the board computed and pushed; `run`: when it is computed;
//!   `push`: the clients and their bounded queues;
//! - `peers`: following the peers; `client`: one GET to a peer;
//! - `routes`: the pages, the API and the stream; `metrics`: the board's own metrics.
//!
//! The page (`assets/`) is embedded in the binary: no CDN, no build step. It renders
//! every name from input as text, never as HTML.

mod client;
mod figures;
mod hub;
mod metrics;
mod model;
mod parts;
mod peers;
mod push;
mod routes;
mod run;
mod source;

pub use client::{PeerClient, PeerUrl};
pub use hub::{BoardConfig, Hub};
pub use metrics::Metrics;
pub use model::{Board, Coverage, Instance, Pace, RepLine, StageLine, TeamBoard, TeamPage};
pub use parts::{Merged, Parts, merge};
pub use routes::router;
pub use run::run;
pub use source::{BoardSource, Reading};
