//! The global reference table: roster (rep → team), exchange rates, base currency.
//!
//! Every shard reads it; it is filled from the reference topic, from files, and from
//! reference events that arrive on the events topic. Updates are idempotent upserts, so
//! replaying the reference topic from the beginning is always safe.

use std::collections::{BTreeSet, HashMap};

use salespulse_events::{Body, Currency, Event, Money};

/// The team label of events whose rep is not in the roster.
pub const UNASSIGNED: &str = "unassigned";

/// What the roster knows of a rep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepInfo {
    pub team: String,
    pub active: bool,
    pub quota_carrying: bool,
}

/// The global reference data.
#[derive(Debug, Clone)]
pub struct Reference {
    base: Currency,
    fx: HashMap<Currency, f64>,
    roster: HashMap<String, RepInfo>,
}

impl Reference {
    /// An empty table with the given base currency (whose rate is 1).
    pub fn new(base: Currency) -> Reference {
        Reference { base, fx: HashMap::new(), roster: HashMap::new() }
    }

    /// The base currency every amount is converted to.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// Sets the rate of `currency`: units of base currency per unit.
    pub fn set_rate(&mut self, currency: Currency, rate: f64) {
        self.fx.insert(currency, rate);
    }

    /// Upserts a rep.
    pub fn set_rep(&mut self, rep: &str, info: RepInfo) {
        self.roster.insert(rep.to_owned(), info);
    }

    /// The amount in base currency, or `None` when the currency has no known rate.
    pub fn to_base(&self, money: Money) -> Option<f64> {
        if money.currency == self.base {
            return Some(money.amount);
        }
        self.fx.get(&money.currency).map(|rate| money.amount * rate)
    }

    /// Whether amounts in `currency` can be converted.
    pub fn knows(&self, currency: Currency) -> bool {
        currency == self.base || self.fx.contains_key(&currency)
    }

    /// The roster entry of a rep.
    pub fn rep(&self, rep: &str) -> Option<&RepInfo> {
        self.roster.get(rep)
    }

    /// The team of an owner: the event's own team, else the rep's roster team, else
    /// [`UNASSIGNED`].
    pub fn team_of<'a>(&'a self, rep: Option<&str>, team_override: Option<&'a str>) -> &'a str {
        team_override.or_else(|| rep.and_then(|r| self.roster.get(r)).map(|i| i.team.as_str())).unwrap_or(UNASSIGNED)
    }

    /// Every team of the roster.
    pub fn teams(&self) -> BTreeSet<&str> {
        self.roster.values().map(|i| i.team.as_str()).collect()
    }

    /// Applies a reference event; returns false (and changes nothing) for other types.
    pub fn apply(&mut self, event: &Event) -> bool {
        match &event.body {
            Body::RepUpdated { team_id, active, quota_carrying } => {
                if let Some(rep) = &event.rep_id {
                    let info = RepInfo { team: team_id.clone(), active: *active, quota_carrying: *quota_carrying };
                    self.set_rep(rep, info);
                }
            }
            Body::FxRate { currency, rate } => self.set_rate(*currency, *rate),
            // Quotas, stages, spend and market size are kept by the KPIs that read them.
            Body::QuotaSet { .. }
            | Body::StageDefined(_)
            | Body::SpendRecorded { .. }
            | Body::MarketSizeRecorded { .. } => {}
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn converts_known_currencies_only() {
        let mut r = Reference::new(eur());
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(r.to_base(Money { amount: 10.0, currency: eur() }), Some(10.0));
        assert_eq!(r.to_base(Money { amount: 10.0, currency: usd }), None);
        r.set_rate(usd, 0.5);
        assert_eq!(r.to_base(Money { amount: 10.0, currency: usd }), Some(5.0));
    }

    #[test]
    fn team_resolution_order() {
        let mut r = Reference::new(eur());
        assert_eq!(r.team_of(Some("ana"), None), UNASSIGNED);
        r.set_rep("ana", RepInfo { team: "emea".into(), active: true, quota_carrying: true });
        assert_eq!(r.team_of(Some("ana"), None), "emea");
        assert_eq!(r.team_of(Some("ana"), Some("pinned")), "pinned");
        assert_eq!(r.team_of(None, None), UNASSIGNED);
    }
}
