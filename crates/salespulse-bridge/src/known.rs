//! The last known fields of each CRM record (deal, lead), so that every event the bridge
//! emits is complete even when the CRM sends only what changed. Bounded: beyond
//! `max_records`, the least recently changed records are forgotten (counted). Serialised
//! whole into the bridge's state.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// Where a deal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Status {
    #[default]
    Open,
    Won,
    Lost,
}

/// What is known of one record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub account: Option<String>,
    /// The CRM owner id.
    pub owner: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// The CRM stage id.
    pub stage: Option<String>,
    pub status: Status,
    /// Creation seen (epoch ms), for CRMs that announce a record before its fields.
    pub created_at: Option<i64>,
    /// Its creation event has been emitted.
    pub announced: bool,
    pub deleted: bool,
    /// The CRM time (epoch ms) of the newest change applied, per field: an older change of
    /// a field (a redelivery, a replay) is not applied over a newer one.
    times: BTreeMap<String, i64>,
    /// When it last changed (a counter), for eviction.
    touched: u64,
}

impl Record {
    /// Whether a change of `field` made at `at_ms` is not older than the newest applied;
    /// if so, it becomes the newest.
    pub fn fresh(&mut self, field: &str, at_ms: i64) -> bool {
        match self.times.get_mut(field) {
            Some(t) if *t > at_ms => false,
            Some(t) => {
                *t = at_ms;
                true
            }
            None => {
                self.times.insert(field.to_owned(), at_ms);
                true
            }
        }
    }
}

/// Records by `source:kind:id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Known {
    records: HashMap<String, Record>,
    clock: u64,
    #[serde(skip)]
    max: usize,
    /// Records forgotten to stay within the bound.
    #[serde(skip)]
    pub evicted: u64,
    /// While a change is under way: each record it touched as it was before (`None`:
    /// absent), so a change whose events could not be produced is undone.
    #[serde(skip)]
    journal: Option<Vec<(String, Option<Record>)>>,
}

impl Known {
    pub fn new(max: usize) -> Known {
        Known { max, ..Known::default() }
    }

    /// Applies the bound (after a restore).
    pub fn with_max(mut self, max: usize) -> Known {
        self.max = max;
        self.evict();
        self
    }

    /// The record of `key`, created empty if unknown; marked as changed now.
    pub fn entry(&mut self, key: &str) -> &mut Record {
        self.clock += 1;
        if let Some(journal) = &mut self.journal {
            if !journal.iter().any(|(k, _)| k == key) {
                journal.push((key.to_owned(), self.records.get(key).cloned()));
            }
        } else if !self.records.contains_key(key) && self.records.len() >= self.max {
            self.evict();
        }
        let r = self.records.entry(key.to_owned()).or_default();
        r.touched = self.clock;
        r
    }

    /// Starts a change that [`Known::rollback`] can undo.
    pub fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Keeps the change under way.
    pub fn commit(&mut self) {
        self.journal = None;
        self.evict();
    }

    /// Undoes the change under way: every record it touched is as it was.
    pub fn rollback(&mut self) {
        for (key, was) in self.journal.take().unwrap_or_default().into_iter().rev() {
            match was {
                Some(r) => self.records.insert(key, r),
                None => self.records.remove(&key),
            };
        }
    }

    pub fn get(&self, key: &str) -> Option<&Record> {
        self.records.get(key)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Forgets the least recently changed tenth beyond the bound, so eviction is rare.
    fn evict(&mut self) {
        if self.max == 0 || self.records.len() < self.max {
            return;
        }
        let keep = self.max - self.max.div_ceil(10);
        let mut ages: Vec<u64> = self.records.values().map(|r| r.touched).collect();
        // The newest `keep` records stay: those after the `cut`-th oldest.
        let cut = (ages.len() - keep).saturating_sub(1).min(ages.len() - 1);
        let (_, &mut newest_dropped, _) = ages.select_nth_unstable(cut);
        let before = self.records.len();
        self.records.retain(|_, r| r.touched > newest_dropped);
        self.evicted += (before - self.records.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_within_the_bound_and_the_recent_ones_stay() {
        let mut k = Known::new(100);
        for i in 0..1_000 {
            k.entry(&format!("r{i}")).stage = Some(i.to_string());
        }
        assert!(k.len() <= 100, "{}", k.len());
        assert!(k.get("r999").is_some());
        assert!(k.get("r0").is_none());
        assert_eq!(k.evicted as usize + k.len(), 1_000);
    }

    #[test]
    fn an_older_change_of_a_field_is_stale() {
        let mut r = Record::default();
        assert!(r.fresh("stage", 10));
        assert!(r.fresh("stage", 10), "the same change again");
        assert!(!r.fresh("stage", 9));
        assert!(r.fresh("amount", 1), "fields are independent");
    }

    #[test]
    fn a_rolled_back_change_leaves_every_record_as_it_was() {
        let mut k = Known::new(100);
        k.entry("a").stage = Some("1".into());
        let was = k.get("a").cloned();
        k.begin();
        k.entry("a").stage = Some("2".into());
        k.entry("a").owner = Some("o".into());
        k.entry("b").stage = Some("1".into());
        k.rollback();
        assert_eq!(k.get("a").map(|r| &r.stage), was.as_ref().map(|r| &r.stage));
        assert_eq!(k.get("a").and_then(|r| r.owner.clone()), None);
        assert!(k.get("b").is_none());
        k.begin();
        k.entry("b").stage = Some("1".into());
        k.commit();
        assert!(k.get("b").is_some());
    }
}
