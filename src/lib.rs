//! switchboard: routing engine (work in progress).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod engine;
pub mod model;
pub mod policy;
pub mod sim;
mod sync;

pub use engine::{
    AssignVia, Command, ConfigError, Decision, Engine, EngineConfig, EngineError, RequeueReason,
    StickyMissReason, TransferTarget,
};
pub use model::*;
