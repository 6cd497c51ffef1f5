//! Benchmarks of salespulse live in `benches/`; run them with `make bench`.
