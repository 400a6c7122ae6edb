//! The runtime's tests (feature `runtime`), one test binary: each former
//! `tests/<name>.rs` is the module `<name>` here
//! (`cargo test --test runtime runtime_timers::`). runtime_crash (its own
//! `main`) stays a binary of its own.

#[path = "../runtime_common/mod.rs"]
mod runtime_common;

mod runtime_backpressure;
mod runtime_batches;
mod runtime_faults;
mod runtime_isolation;
mod runtime_producers;
mod runtime_pull_race;
mod runtime_reserve;
mod runtime_timers;
