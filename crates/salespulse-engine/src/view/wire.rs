//! A view as data, for another instance to merge: its names once, then every value as
//! (scope, team, rep, stage, cell, exact nano-units) with names by position. Values stay
//! [`Fixed`], so a view read back merges to exactly the sum one instance would hold.
//!
//! What is read back is checked: a name position out of range is an error, never a panic.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Cell, NONE, Names, Scope, View};
use crate::fixed::Fixed;

/// One value: scope, team, rep, stage (positions in the names, or `None`), cell, value.
type Row = (Scope, u32, Option<u32>, Option<u32>, Cell, Fixed);

#[derive(Serialize, Deserialize)]
struct Wire {
    names: Vec<Box<str>>,
    values: Vec<Row>,
}

impl Serialize for View {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let opt = |id: u32| (id != NONE).then_some(id);
        let values = self
            .groups
            .iter()
            .flat_map(|(&(scope, t, r), group)| {
                group.iter().map(move |(&(st, cell), &v)| (scope, t, opt(r), opt(st), cell, v))
            })
            .collect();
        Wire { names: self.names.names.clone(), values }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for View {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<View, D::Error> {
        let wire = Wire::deserialize(d)?;
        let mut view = View { names: Names::default(), groups: Default::default() };
        let ids: Vec<u32> = wire.names.iter().map(|n| view.names.intern(n)).collect();
        let id = |i: Option<u32>| -> Result<u32, D::Error> {
            match i {
                None => Ok(NONE),
                Some(i) => ids.get(i as usize).copied().ok_or_else(|| D::Error::custom(format!("no name at {i}"))),
            }
        };
        for (scope, t, r, st, cell, v) in wire.values {
            view.add_ids(scope, id(Some(t))?, id(r)?, id(st)?, cell, v);
        }
        Ok(view)
    }
}
