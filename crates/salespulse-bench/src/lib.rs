//! Benchmarks of salespulse: criterion benches in `benches/` (`make bench-criterion`) and
//! the end-to-end runner `salespulse-bench` (`make bench`), which shares this library.

mod fixtures;
pub mod run;

pub use fixtures::big_shard;
