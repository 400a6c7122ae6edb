//! The simulator's tests (feature `sim`), one test binary: each former
//! `tests/<name>.rs` is the module `<name>` here
//! (`cargo test --test sim sim_erlang::`); a module that needs a further
//! feature is compiled only with it, as its own binary was.

#[path = "../sim_support/mod.rs"]
mod sim_support;

mod bad_inputs;
#[cfg(feature = "cli")]
mod sim_cli;
mod sim_csv_import;
mod sim_determinism;
mod sim_erlang;
mod sim_faults;
mod sim_percentiles;
#[cfg(feature = "plots")]
mod sim_plot;
mod sim_profiles;
mod sim_queue_caps;
mod sim_replications;
mod sim_rules;
mod sim_scenario;
mod sim_segments;
mod sim_skill_hours;
mod sim_staffing;
mod sim_sweep;
mod sim_trace_replay;
mod sim_wait_accuracy;
