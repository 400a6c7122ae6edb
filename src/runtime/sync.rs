//! The runtime's atomics and locks, from one place: std's atomics and
//! parking_lot's mutex in a normal build, loom's under `--cfg loom` (as
//! tokio's `src/loom` does; only in the library's own tests, as loom is a
//! dev-dependency), so the runtime's hand-off protocol is
//! model-checked (`ci/loom.sh`, the `loom_` tests) without a second copy.
//!
//! `Arc` stays std's: loom's cannot hold unsized values (`Arc<dyn Clock>`),
//! and reference counts are not part of the protocols checked. The
//! control queues, semaphore, shutdown oneshot and broadcast channels are
//! crossbeam's and tokio's, checked by their own authors; `handoff.rs` is
//! the protocol the runtime builds on them, and the command queue's
//! waking and shutdown (`queue.rs`, around crossbeam-queue's ring) and
//! `completion.rs` (the answer slots) are built on this module: the parts
//! loom checks.

#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};

#[cfg(all(test, loom))]
type Inner<T> = loom::sync::Mutex<T>;
#[cfg(not(all(test, loom)))]
type Inner<T> = parking_lot::Mutex<T>;

/// A held [`Mutex`].
#[cfg(all(test, loom))]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;
/// A held [`Mutex`].
#[cfg(not(all(test, loom)))]
pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

/// A mutex that never poisons: the runtime's locks guard maps and lists
/// each changed by single statements, so a panic while one is held (a
/// host's closure is never run under one) leaves them whole.
pub(crate) struct Mutex<T>(Inner<T>);

impl<T> Mutex<T> {
    /// A mutex holding `value`.
    pub(crate) fn new(value: T) -> Self {
        Self(Inner::new(value))
    }

    /// Locks it, waiting for the holder.
    #[cfg(not(all(test, loom)))]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock()
    }

    /// Locks it, waiting for the holder.
    #[cfg(all(test, loom))]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mutex { .. }")
    }
}
