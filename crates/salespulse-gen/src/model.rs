//! The simulated organisation and the helpers that turn its moves into events.

use chrono::{DateTime, Utc};
use salespulse_events::{Body, Currency, Event};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of sales teams.
    pub teams: usize,
    /// Reps in each team.
    pub reps_per_team: usize,
    /// Size of the account pool events are keyed by.
    pub accounts: usize,
    /// Share of everyday events sent twice with the same `event_id` (exercises dedup).
    pub duplicate_ratio: f64,
}

impl Default for GenConfig {
    fn default() -> GenConfig {
        GenConfig { seed: 1, teams: 4, reps_per_team: 6, accounts: 5000, duplicate_ratio: 0.002 }
    }
}

/// An event with its Kafka message key ([`Event::message_key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed {
    pub key: String,
    pub event: Event,
}

/// Team names, cycled (with a numeric suffix) when more are asked for.
pub const TEAMS: [&str; 6] = ["emea-enterprise", "emea-midmarket", "na-enterprise", "na-smb", "apac", "latam"];

/// The name of team `i`.
pub fn team_name(i: usize) -> String {
    match i / TEAMS.len() {
        0 => TEAMS[i].to_owned(),
        n => format!("{}-{}", TEAMS[i % TEAMS.len()], n + 1),
    }
}

/// Currencies deals are priced in, with the rates (to EUR) the generator announces.
pub const CURRENCIES: [(&str, f64); 3] = [("EUR", 1.0), ("USD", 0.92), ("GBP", 1.17)];

/// The deal stages, in order, with their win probability.
pub const STAGES: [(&str, f64); 4] =
    [("qualification", 0.1), ("discovery", 0.25), ("proposal", 0.5), ("negotiation", 0.75)];

/// Builds events with sequential, seed-scoped ids.
#[derive(Debug, Clone)]
pub struct Ids {
    prefix: String,
    next: u64,
}

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids { prefix: format!("gen{seed}-"), next: 0 }
    }

    /// A fresh event id.
    pub fn event_id(&mut self) -> String {
        self.next += 1;
        format!("{}{}", self.prefix, self.next)
    }

    /// An event with a fresh id, no rep, team or account.
    pub fn event(&mut self, at: DateTime<Utc>, body: Body) -> Event {
        Event {
            event_id: self.event_id().into(),
            occurred_at: at,
            rep_id: None,
            team_id: None,
            account_id: None,
            source: Some("salespulse-gen".into()),
            body,
        }
    }
}

/// Sets the rep and account of an event and keys it by the rule of docs/events.md
/// ([`Event::message_key`]: every deal of the generator has its account from its first
/// event on, so it needs no memory of first keys).
pub fn keyed(mut event: Event, rep: Option<&str>, account: &str) -> Keyed {
    event.rep_id = rep.map(str::to_owned).map(Into::into);
    event.account_id = Some(account.into());
    Keyed { key: event.message_key(None).to_owned(), event }
}

/// A currency code known to be valid.
pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|| panic!("{code} is a valid currency code"))
}
