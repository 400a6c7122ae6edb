//! The replicated journal on NATS JetStream (features `nats` and `cli`),
//! one test binary: each former `tests/<name>.rs` is the module `<name>`
//! here (`cargo test --features nats --test nats nats_failover::`). Every
//! test holds `nats_support::one_cluster()` while its 3-node cluster runs,
//! so clusters run one at a time, as when each file was its own binary.

#[path = "../nats_support/mod.rs"]
mod nats_support;

mod nats_failover;
mod nats_fencing;
mod nats_handover;
mod nats_node_death;
mod nats_partition;
mod nats_process_failover;
mod nats_snapshots;
