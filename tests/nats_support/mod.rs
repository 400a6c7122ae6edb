//! Shared by the `nats_*` tests: a 3-node JetStream cluster on 127.0.0.1
//! in temporary directories (killed on drop), switchboard node processes
//! (`switchboard node`) driven over their stdin/stdout, and the audit of a
//! tenant's stream against the acknowledgements and a reference replay.
#![allow(dead_code)]

mod audit;
mod cluster;
mod node_proc;
mod workload;

pub use audit::*;
pub use cluster::*;
pub use node_proc::*;
pub use workload::*;
