//! What lead and deal state have in common: a map by id whose entries remember when they
//! were last touched, so entities outside the longest window can be forgotten.

use std::collections::HashMap;

use crate::time::Ms;

/// An entity that remembers the newest event time that touched it.
pub trait Touched: Default {
    fn touched(&mut self) -> &mut Ms;
}

/// The entry of `id` (created empty if new), its last-touched time raised to `t`.
/// Allocates only for a new id.
pub fn entry<'a, T: Touched>(map: &'a mut HashMap<String, T>, id: &str, t: Ms) -> &'a mut T {
    if !map.contains_key(id) {
        map.insert(id.to_owned(), T::default());
    }
    let e = map.get_mut(id).expect("present: just inserted");
    let touched = e.touched();
    *touched = (*touched).max(t);
    e
}
