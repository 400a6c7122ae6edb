//! The journal, snapshot and wire-format tests, one test binary: each
//! former `tests/<name>.rs` is the module `<name>` here
//! (`cargo test --test persist persist_journal::`). persist_crash (its own
//! `main`) and persist_absurd_length (a global allocator) stay binaries of
//! their own (tests/README.md).

#[path = "../persist_common/mod.rs"]
mod persist_common;

mod persist_fixtures;
mod persist_journal;
mod persist_recovery;
mod persist_rejected;
mod persist_rules;
mod persist_snapshot;
mod wire_fixtures;
