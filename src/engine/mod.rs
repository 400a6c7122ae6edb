//! The engine.
mod capacity;
mod command;
mod config;
mod decision;
mod error;

pub use command::{Command, TransferTarget};
pub use config::{ConfigError, EngineConfig};
pub use decision::{AssignVia, Decision, RequeueReason, StickyMissReason};
pub use error::EngineError;

/// The engine (skeleton).
pub struct Engine;
