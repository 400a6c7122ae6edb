//! [`SharedEngine`]: one engine behind a mutex, for a host that only wants to
//! call it from a few threads. The engine itself stays single-writer: the
//! mutex orders the commands, so the journal order is the apply order. For
//! many threads and many tenants, use `switchboard::runtime`, whose callers
//! never wait on a lock.

use super::{Command, Decision, Engine, EngineError};
use crate::model::Timestamp;
use parking_lot::{Mutex, MutexGuard};

/// An [`Engine`] shared between threads by a `parking_lot::Mutex`.
#[derive(Debug)]
pub struct SharedEngine {
    engine: Mutex<Engine>,
}

impl SharedEngine {
    /// Wraps `engine`.
    pub fn new(engine: Engine) -> Self {
        Self {
            engine: Mutex::new(engine),
        }
    }

    /// Applies `command` at `at` under the lock (see [`Engine::apply`]).
    pub fn apply(
        &self,
        at: Timestamp,
        command: impl Into<Command>,
    ) -> Result<Vec<Decision>, EngineError> {
        self.engine.lock().apply(at, command)
    }

    /// The engine, locked, for queries or a sequence of commands.
    pub fn lock(&self) -> MutexGuard<'_, Engine> {
        self.engine.lock()
    }

    /// The engine back.
    pub fn into_inner(self) -> Engine {
        self.engine.into_inner()
    }
}
