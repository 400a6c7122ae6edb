//! The engine's integration tests, one test binary (one link instead of one
//! per file): each former `tests/<name>.rs` is the module `<name>` here,
//! so `cargo test --test engine engine_core::` runs one file's tests. Tests
//! here share a process and run on parallel threads: a file that sets
//! environment variables, changes directory, counts allocations or needs a
//! signal or a fixed port of its own stays a binary of its own
//! (tests/README.md).

#[path = "../common/mod.rs"]
mod common;
#[path = "../skill_windows_support/mod.rs"]
mod skill_windows_support;

mod chaos_faults;
mod engine_affinity;
mod engine_affinity_windows;
mod engine_agent_counters;
mod engine_assignment;
mod engine_channel_caps;
mod engine_channel_weights;
mod engine_concurrency;
mod engine_core;
mod engine_core_regressions;
mod engine_core_state;
mod engine_embedding;
mod engine_errors;
mod engine_explain;
mod engine_hours;
mod engine_interruption;
mod engine_limits;
mod engine_members;
mod engine_model;
mod engine_model_plans;
mod engine_model_workload;
mod engine_no_answer;
mod engine_no_answer_queue;
mod engine_parked_weight;
mod engine_peer_regressions;
mod engine_plan_changes;
mod engine_plan_ladder;
mod engine_plan_pools;
mod engine_plans;
mod engine_plans_stress;
mod engine_preferred;
mod engine_priority;
mod engine_profiles;
mod engine_pull;
mod engine_purge;
mod engine_queue_aging;
mod engine_queue_caps;
mod engine_rate_limit;
mod engine_reclaim;
mod engine_relist;
mod engine_skill_schedule;
mod engine_skill_schedule_replay;
mod engine_snapshot;
mod engine_team_caps;
mod engine_wait;
mod engine_workload_stream;
mod engine_wrap_up;
#[cfg(feature = "testing")]
mod fairness_checks;
mod regression;
mod stress_engine;
#[cfg(all(feature = "testing", feature = "sim"))]
mod user_policy;
