//! Engine settings.

use std::collections::BTreeMap;

use crate::calendar::Calendar;
use crate::time::Ms;

/// Engine settings; [`EngineConfig::default`] is what the service ships with.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// How long an `event_id` is remembered after its event is applied.
    pub dedup_horizon_ms: Ms,
    /// How many `event_id`s a shard remembers at most.
    pub dedup_max_ids: usize,
    /// How far in the future an `occurred_at` may be before it is rejected.
    pub max_future_skew_ms: Ms,
    /// Time zone and fiscal year of the calendar periods.
    pub calendar: Calendar,
    /// An open deal is stalled after this long in one stage...
    pub stalled_default_ms: Ms,
    /// ...or after the limit set for its stage here.
    pub stalled_after_ms: BTreeMap<String, Ms>,
    /// Gross margin applied to customer lifetime value (1.0: revenue lifetime value).
    pub gross_margin: f64,
    /// Export the per-rep series.
    pub per_rep: bool,
    /// At most this many per-rep series per scrape; the rest are cut and counted.
    pub rep_series_budget: usize,
    /// At most this many distinct `team_id`s per partition; later ones count as
    /// [`crate::OVERFLOW`].
    pub max_teams: usize,
    /// At most this many distinct stages per partition; later ones count as
    /// [`crate::OVERFLOW`].
    pub max_stages: usize,
    /// At most this many distinct `rep_id`s per partition; later ones count as
    /// [`crate::OVERFLOW`].
    pub max_reps: usize,
    /// At most this many deals, leads and accounts held per partition; an event that would
    /// add one more is rejected (`over_budget`, so it is kept in the dead-letter topic).
    pub max_entities: usize,
}

/// Default of [`EngineConfig::max_teams`].
pub const DEFAULT_MAX_TEAMS: usize = 100;
/// Default of [`EngineConfig::max_stages`].
pub const DEFAULT_MAX_STAGES: usize = 100;
/// Default of [`EngineConfig::max_reps`].
pub const DEFAULT_MAX_REPS: usize = 10_000;
/// Default of [`EngineConfig::rep_series_budget`]: a 300-rep sales org with every per-rep
/// family (`kpis::MAX_SERIES_PER_REP`, 175 series, a rep).
pub const DEFAULT_REP_SERIES_BUDGET: usize = 52_500;
/// Default of [`EngineConfig::max_entities`].
pub const DEFAULT_MAX_ENTITIES: usize = 2_000_000;
/// Largest stage budget: stage ids must fit a `u16` (see [`crate::stat::StageId`]).
pub const MAX_STAGE_BUDGET: usize = 10_000;

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            dedup_horizon_ms: 7 * 86_400_000,
            dedup_max_ids: 1_000_000,
            max_future_skew_ms: 300_000,
            calendar: Calendar::default(),
            stalled_default_ms: 30 * 86_400_000,
            stalled_after_ms: BTreeMap::new(),
            gross_margin: 1.0,
            per_rep: false,
            rep_series_budget: DEFAULT_REP_SERIES_BUDGET,
            max_teams: DEFAULT_MAX_TEAMS,
            max_stages: DEFAULT_MAX_STAGES,
            max_reps: DEFAULT_MAX_REPS,
            max_entities: DEFAULT_MAX_ENTITIES,
        }
    }
}
