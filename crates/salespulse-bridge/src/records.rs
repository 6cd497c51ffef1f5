//! What the bridge knows of each CRM record (deal, lead, activity): its last known fields,
//! so every event it emits is complete even when the CRM sends only what changed, and the
//! message key its events were first given, so every later event about it lands on the
//! same partition (docs/events.md, "Keys").
//!
//! Bounded: beyond `max_records`, the least recently changed records are forgotten
//! (counted). Kept in [`BUCKETS`] buckets by key, so the state is saved a bucket at a time
//! (only the buckets a change touched). A change is journaled: it can be undone, record by
//! record, until it is settled.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use salespulse_events::{ActivityKind, Direction};
use serde::{Deserialize, Serialize};

use crate::source::Source;

/// Buckets the records are kept (and saved) in.
pub const BUCKETS: usize = 1024;

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Deal,
    Lead,
    Activity,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Deal => "deal",
            Kind::Lead => "lead",
            Kind::Activity => "activity",
        }
    }
}

/// The one home of record keys: `source:kind:id`.
pub fn record_key(source: Source, kind: Kind, id: &str) -> String {
    format!("{}:{}:{id}", source.as_str(), kind.as_str())
}

/// The source, kind and CRM id of a record key.
pub fn parse_record_key(key: &str) -> Option<(Source, Kind, &str)> {
    let (source, rest) = key.split_once(':')?;
    let (kind, id) = rest.split_once(':')?;
    let kind = [Kind::Deal, Kind::Lead, Kind::Activity].into_iter().find(|k| k.as_str() == kind)?;
    Some((Source::parse(source)?, kind, id))
}

/// The bucket of a record key (FNV-1a: the same in every build and run).
pub fn bucket_of(key: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % BUCKETS as u64) as usize
}

/// Where a deal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum DealStatus {
    #[default]
    Open,
    Won,
    Lost,
}

/// Where a lead stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum LeadStatus {
    #[default]
    Open,
    Converted,
    Disqualified,
}

/// The fields of a deal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DealFacts {
    pub amount: Option<f64>,
    pub currency: Option<String>,
    /// The CRM stage id.
    pub stage: Option<String>,
    pub status: DealStatus,
}

/// The fields of an activity (a call, an email, a meeting...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivityFacts {
    pub kind: Option<ActivityKind>,
    pub direction: Option<Direction>,
    /// The lead it touches (CRM id).
    pub lead: Option<String>,
    /// The deal it is about (CRM id).
    pub deal: Option<String>,
    /// Done: a completed task, a logged call, a meeting that took place.
    pub done: bool,
    /// Cancelled, or not a customer touch (an internal call): it never counts.
    pub void: bool,
    /// When it happened (epoch ms), if the CRM says.
    pub at: Option<i64>,
    /// A planned meeting counts once this time (its end, epoch ms) has passed.
    pub ends: Option<i64>,
    pub duration_s: Option<f64>,
}

/// What is known of one record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    /// The message key its events were first given.
    pub key: Option<String>,
    /// The CRM owner id.
    pub owner: Option<String>,
    pub account: Option<String>,
    /// Its creation event has been emitted (a deal or lead), or it was counted (an
    /// activity).
    pub announced: bool,
    pub deleted: bool,
    /// Creation seen (epoch ms), for CRMs that announce a record before its fields.
    pub created_at: Option<i64>,
    pub deal: DealFacts,
    pub lead: LeadStatus,
    pub activity: ActivityFacts,
    /// The CRM time (epoch ms) of the newest change applied, per field: an older change of
    /// a field (a redelivery, a replay) is not applied over a newer one.
    pub(crate) times: BTreeMap<String, i64>,
    /// When it last changed (a counter), for eviction.
    pub(crate) touched: u64,
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

    /// A planned activity not yet counted: the time after which it counts.
    pub fn pending_until(&self) -> Option<i64> {
        let a = &self.activity;
        (!self.announced && !a.void && !a.done).then_some(a.ends).flatten()
    }
}

/// The records touched by a change, each as it was before (`None`: absent).
#[derive(Debug, Default)]
pub struct Journal(Vec<(String, Option<Record>)>);

impl Journal {
    /// The keys of the records the change touched.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// A record as it was before the change (`Some(None)`: absent), if the change
    /// touched it.
    pub fn before(&self, key: &str) -> Option<Option<&Record>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, r)| r.as_ref())
    }
}

/// Every record, by key.
#[derive(Debug, Clone)]
pub struct Known {
    buckets: Vec<HashMap<String, Record>>,
    len: usize,
    clock: u64,
    max: usize,
    /// Records forgotten to stay within the bound, not yet reported.
    evicted: u64,
    /// While a change is under way: each record it touched as it was before.
    journal: Option<Vec<(String, Option<Record>)>>,
    /// The keys of the journal, so a change touching many records stays linear.
    journaled: HashSet<String>,
    /// Planned activities by the time they count.
    due: BTreeSet<(i64, String)>,
    /// Buckets changed since the last save.
    dirty: BTreeSet<usize>,
}

impl Default for Known {
    fn default() -> Known {
        Known::new(usize::MAX)
    }
}

impl Known {
    pub fn new(max: usize) -> Known {
        Known {
            buckets: vec![HashMap::new(); BUCKETS],
            len: 0,
            clock: 0,
            max,
            evicted: 0,
            journal: None,
            journaled: HashSet::new(),
            due: BTreeSet::new(),
            dirty: BTreeSet::new(),
        }
    }

    /// The records of saved buckets, within `max` (the least recently changed beyond it
    /// are forgotten).
    pub fn from_records(records: impl IntoIterator<Item = (String, Record)>, max: usize) -> Known {
        let mut k = Known::new(max);
        for (key, r) in records {
            k.clock = k.clock.max(r.touched);
            if let Some(t) = r.pending_until() {
                k.due.insert((t, key.clone()));
            }
            if k.buckets[bucket_of(&key)].insert(key, r).is_none() {
                k.len += 1;
            }
        }
        k.evict(&|_| false);
        k.evicted = 0;
        k
    }

    /// The record of `key`, created empty if unknown; marked as changed now.
    pub fn entry(&mut self, key: &str) -> &mut Record {
        self.clock += 1;
        let bucket = &mut self.buckets[bucket_of(key)];
        if let Some(journal) = &mut self.journal
            && !self.journaled.contains(key)
        {
            self.journaled.insert(key.to_owned());
            journal.push((key.to_owned(), bucket.get(key).cloned()));
        }
        let r = bucket.entry(key.to_owned()).or_insert_with(|| {
            self.len += 1;
            Record::default()
        });
        r.touched = self.clock;
        r
    }

    pub fn get(&self, key: &str) -> Option<&Record> {
        self.buckets[bucket_of(key)].get(key)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Starts a change: every record it touches is journaled.
    pub fn begin(&mut self) {
        self.journal = Some(Vec::new());
        self.journaled.clear();
    }

    /// Ends the change under way and returns its journal; its records keep the change
    /// until [`Known::undo`] or [`Known::settle`].
    pub fn stage(&mut self) -> Journal {
        self.journaled.clear();
        Journal(self.journal.take().unwrap_or_default())
    }

    /// Undoes a staged change: every record it touched is as it was.
    pub fn undo(&mut self, journal: Journal) {
        for (key, was) in journal.0.into_iter().rev() {
            let bucket = &mut self.buckets[bucket_of(&key)];
            match was {
                Some(r) => bucket.insert(key, r),
                None => bucket.remove(&key),
            };
        }
        self.len = self.buckets.iter().map(HashMap::len).sum();
    }

    /// Keeps a staged change: its buckets are to be saved, planned activities are
    /// scheduled, and records beyond the bound are forgotten (but never one `pinned`: a
    /// change still under way holds it).
    pub fn settle(&mut self, journal: &Journal, pinned: &dyn Fn(&str) -> bool) {
        for (key, was) in &journal.0 {
            if let Some(t) = was.as_ref().and_then(Record::pending_until) {
                self.due.remove(&(t, key.clone()));
            }
            if let Some(t) = self.get(key).and_then(Record::pending_until) {
                self.due.insert((t, key.clone()));
            }
            self.dirty.insert(bucket_of(key));
        }
        self.evict(pinned);
    }

    /// Starts and settles a change in one step (what [`Known::begin`] and
    /// [`Known::settle`] do, for callers that cannot fail in between).
    pub fn commit(&mut self) {
        let journal = self.stage();
        self.settle(&journal, &|_| false);
    }

    /// Records forgotten since the last call.
    pub fn take_evicted(&mut self) -> u64 {
        std::mem::take(&mut self.evicted)
    }

    /// Planned activities whose time has come by `now_ms`.
    pub fn due_by(&self, now_ms: i64) -> Vec<String> {
        self.due.range(..=(now_ms, String::from('\u{10FFFF}'))).map(|(_, k)| k.clone()).collect()
    }

    /// The buckets changed since the last call, to be saved.
    pub fn take_dirty(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.dirty).into_iter().collect()
    }

    /// Marks buckets to be saved again (their write failed).
    pub fn redirty(&mut self, buckets: impl IntoIterator<Item = usize>) {
        self.dirty.extend(buckets);
    }

    /// Marks every bucket to be saved (a state read in an older layout).
    pub fn mark_all_dirty(&mut self) {
        self.dirty = (0..BUCKETS).collect();
    }

    /// The records of one bucket.
    pub fn bucket(&self, i: usize) -> &HashMap<String, Record> {
        &self.buckets[i]
    }

    /// Forgets the least recently changed tenth beyond the bound, so eviction is rare.
    fn evict(&mut self, pinned: &dyn Fn(&str) -> bool) {
        if self.max == 0 || self.len < self.max {
            return;
        }
        let keep = self.max - self.max.div_ceil(10);
        let mut ages: Vec<u64> = self.buckets.iter().flat_map(|b| b.values().map(|r| r.touched)).collect();
        // The newest `keep` records stay: those after the `cut`-th oldest.
        let cut = (ages.len() - keep).saturating_sub(1).min(ages.len() - 1);
        let (_, &mut newest_dropped, _) = ages.select_nth_unstable(cut);
        for (i, bucket) in self.buckets.iter_mut().enumerate() {
            let before = bucket.len();
            bucket.retain(|k, r| {
                let keep = r.touched > newest_dropped || pinned(k);
                if !keep && let Some(t) = r.pending_until() {
                    self.due.remove(&(t, k.clone()));
                }
                keep
            });
            if bucket.len() != before {
                self.evicted += (before - bucket.len()) as u64;
                self.len -= before - bucket.len();
                self.dirty.insert(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_within_the_bound_and_the_recent_ones_stay() {
        let mut k = Known::new(100);
        for i in 0..1_000 {
            k.begin();
            k.entry(&format!("r{i}")).deal.stage = Some(i.to_string());
            k.commit();
        }
        assert!(k.len() <= 100, "{}", k.len());
        assert!(k.get("r999").is_some());
        assert!(k.get("r0").is_none());
        assert_eq!(k.take_evicted() as usize + k.len(), 1_000);
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
    fn an_undone_change_leaves_every_record_as_it_was() {
        let mut k = Known::new(100);
        k.begin();
        k.entry("a").deal.stage = Some("1".into());
        k.commit();
        let was = k.get("a").cloned();
        k.begin();
        k.entry("a").deal.stage = Some("2".into());
        k.entry("a").owner = Some("o".into());
        k.entry("b").deal.stage = Some("1".into());
        let journal = k.stage();
        assert_eq!(journal.keys().collect::<Vec<_>>(), ["a", "b"]);
        k.undo(journal);
        assert_eq!(k.get("a").map(|r| &r.deal.stage), was.as_ref().map(|r| &r.deal.stage));
        assert_eq!(k.get("a").and_then(|r| r.owner.clone()), None);
        assert!(k.get("b").is_none());
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn a_settled_change_marks_its_buckets_and_schedules_planned_activities() {
        let mut k = Known::new(100);
        k.begin();
        k.entry("meeting").activity.ends = Some(500);
        k.entry("done").activity = ActivityFacts { done: true, ends: Some(100), ..ActivityFacts::default() };
        let journal = k.stage();
        k.settle(&journal, &|_| false);
        assert_eq!(k.due_by(499), Vec::<String>::new());
        assert_eq!(k.due_by(500), ["meeting"]);
        let mut dirty = k.take_dirty();
        dirty.sort_unstable();
        let mut want = vec![bucket_of("meeting"), bucket_of("done")];
        want.sort_unstable();
        want.dedup();
        assert_eq!(dirty, want);
        assert!(k.take_dirty().is_empty());
        // Counted: no longer due.
        k.begin();
        k.entry("meeting").announced = true;
        k.commit();
        assert!(k.due_by(1_000).is_empty());
    }

    #[test]
    fn a_pinned_record_is_never_evicted() {
        let mut k = Known::new(10);
        k.begin();
        k.entry("held").owner = Some("o".into());
        k.commit();
        for i in 0..100 {
            k.begin();
            k.entry(&format!("r{i}"));
            let j = k.stage();
            k.settle(&j, &|key| key == "held");
        }
        assert!(k.get("held").is_some());
    }
}
