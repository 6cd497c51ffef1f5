//! String interning: small integer ids for names that repeat (reps, teams, stages).
//! Lookups borrow, so the hot path allocates only for a name never seen before.

use std::collections::HashMap;

/// Strings by id and ids by string. Id 0 is reserved for "none".
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Interner {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Default for Interner {
    fn default() -> Interner {
        Interner { names: vec!["".into()], ids: HashMap::new() }
    }
}

impl Interner {
    /// The id of `name`, interning it if new; `None` is id 0.
    pub fn id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return 0 };
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
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
