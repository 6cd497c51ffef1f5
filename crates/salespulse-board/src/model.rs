//! The board's data as the JSON API serves it (`/api/v1/`, documented in docs/board.md):
//! plain numbers in the base currency, ratios from 0 to 1, times in RFC 3339. The page
//! formats them for people; other screens can read the same.

use chrono::{DateTime, Utc};
use salespulse_engine::feed::Moment;
use serde::{Deserialize, Serialize};

/// The whole board: every team, the feed, and where the numbers come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// When the figures were computed.
    pub generated_at: DateTime<Utc>,
    pub base_currency: String,
    /// Leads waiting longer than this are past the SLA.
    pub lead_response_sla_seconds: f64,
    pub coverage: Coverage,
    pub teams: Vec<TeamBoard>,
    /// The latest closes and stage moves, newest first.
    pub feed: Vec<Moment>,
}

/// Whether the figures cover the whole consumer group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Every partition held exactly once, and caught up, by an instance that answered.
    pub complete: bool,
    /// Partitions of the events topic, when known.
    pub partition_count: Option<usize>,
    pub partitions_held: usize,
    /// Partitions no instance that answered holds.
    pub missing: Vec<i32>,
    /// Partitions two instances hold at once (a rebalance under way).
    pub overlapping: Vec<i32>,
    /// Partitions held but still reading what they missed.
    pub catching_up: Vec<i32>,
    /// This instance and each configured peer.
    pub instances: Vec<Instance>,
}

/// One instance whose parts the board merges (or should).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The peer's address as configured; `"self"` for this instance.
    pub address: String,
    pub up: bool,
    /// Partitions it holds (when up).
    pub partitions: Vec<i32>,
    /// Why it is down (never a credential).
    pub error: Option<String>,
    /// When its parts were read.
    pub parts_at: Option<DateTime<Utc>>,
}

/// One team's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamBoard {
    pub team: String,
    /// Won revenue and deals in the last 24 hours (`window="24h"`).
    pub won_revenue_24h: f64,
    pub won_deals_24h: f64,
    /// Won revenue this month to date (`period="mtd"`), the month's quota and attainment.
    pub won_revenue_mtd: f64,
    pub quota_mtd: Option<f64>,
    pub attainment_mtd: Option<f64>,
    /// Where the month should be by now to reach the quota, and where it is heading.
    pub pace: Option<Pace>,
    /// Win rate over 30 and 7 days (absent when no deal closed won or lost).
    pub win_rate_30d: Option<f64>,
    pub win_rate_7d: Option<f64>,
    /// The 7-day rate against the 30-day one: `up`, `down` or `flat`.
    pub win_rate_trend: Option<String>,
    /// Open deals by stage, in stage order.
    pub pipeline: Vec<StageLine>,
    pub pipeline_value: f64,
    pub pipeline_deals: f64,
    /// Open leads with no response yet, and how long the oldest has waited.
    pub leads_awaiting: f64,
    pub oldest_wait_seconds: f64,
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    pub past_sla: bool,
    /// Activities in the last 24 hours.
    pub activities_24h: f64,
    /// Per rep, most activities first (when per-rep series are on).
    pub reps: Vec<RepLine>,
}

/// The month's pace against its quota.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    /// Fraction of the month passed.
    pub month_elapsed: f64,
    /// The quota times the fraction passed.
    pub expected_by_now: f64,
    /// The revenue to date extended to the whole month at the same rate.
    pub projected: f64,
}

/// Open deals of one stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageLine {
    pub stage: String,
    pub value: f64,
    pub deals: f64,
}

/// One rep's day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepLine {
    pub rep: String,
    pub activities_24h: f64,
    pub won_revenue_24h: f64,
    pub won_deals_24h: f64,
}

/// One team's page: its figures and its part of the feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TeamPage {
    pub generated_at: DateTime<Utc>,
    pub base_currency: String,
    pub lead_response_sla_seconds: f64,
    pub coverage: Coverage,
    pub team: TeamBoard,
    pub feed: Vec<Moment>,
}

impl Board {
    /// The page of a team the board does not have (yet): every figure zero.
    pub fn empty_team(&self, team: &str) -> TeamPage {
        TeamPage {
            generated_at: self.generated_at,
            base_currency: self.base_currency.clone(),
            lead_response_sla_seconds: self.lead_response_sla_seconds,
            coverage: self.coverage.clone(),
            team: TeamBoard { team: team.to_owned(), ..TeamBoard::default() },
            feed: Vec::new(),
        }
    }

    /// The page of `team`, if the board has it.
    pub fn team(&self, team: &str) -> Option<TeamPage> {
        let board = self.teams.iter().find(|t| t.team == team)?.clone();
        Some(TeamPage {
            generated_at: self.generated_at,
            base_currency: self.base_currency.clone(),
            lead_response_sla_seconds: self.lead_response_sla_seconds,
            coverage: self.coverage.clone(),
            team: board,
            feed: self.feed.iter().filter(|m| m.team == team).cloned().collect(),
        })
    }
}
