//! String interning: small integer ids for names that repeat (reps, teams, stages).
//! Lookups borrow, so the hot path allocates only for a name never seen before.

use std::collections::HashMap;

use foldhash::fast::RandomState;

/// Strings by id and ids by string. Id 0 is reserved for "none".
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Interner {
    names: Vec<Box<str>>,
    /// Names come from input: a keyed hash.
    ids: HashMap<Box<str>, u32, RandomState>,
}

impl Default for Interner {
    fn default() -> Interner {
        Interner { names: vec!["".into()], ids: HashMap::default() }
    }
}

/// The id the next of `len` interned names gets. Names come from bounded input (ids of at
/// most 128 characters, stages and teams within their budgets), so memory runs out long
/// before 2^32 of them.
pub fn next_id(len: usize) -> u32 {
    u32::try_from(len).expect("fewer than 2^32 interned names")
}

impl Interner {
    /// The id of `name`, interning it if new; `None` is id 0.
    pub fn id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return 0 };
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = next_id(self.names.len());
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// The id of a name already interned.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// How many names are interned ("none" excluded).
    pub fn count(&self) -> usize {
        self.names.len() - 1
    }

    /// The name of an id (`None` for 0 or an unknown id).
    pub fn get(&self, id: u32) -> Option<&str> {
        (id != 0).then(|| self.names.get(id as usize).map(|n| &**n)).flatten()
    }

    /// Approximate heap bytes.
    pub fn bytes(&self) -> usize {
        self.names.iter().map(|n| n.len() * 2 + 48).sum()
    }
}
