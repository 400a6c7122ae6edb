//! The one place atomics come from. Under `--cfg loom` they are loom's, so the
//! lock-free capacity reservation is model-checked without a second copy of it.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, Ordering};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU64, Ordering};
