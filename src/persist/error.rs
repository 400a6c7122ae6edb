//! The persistence layer's error types: [`PersistError`] for everything that
//! touches files, [`DurableError`] for [`Durable::apply`](super::Durable::apply).
//!
//! A *damaged tail* of a journal segment (a torn or corrupt last write) is not
//! an error: it is expected after a crash, so readers drop it and describe it
//! in a [`DroppedTail`](super::DroppedTail). Errors are the cases where
//! dropping would lose data silently or where the files contradict each other.

use crate::engine::EngineError;
use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// A persistence failure. Nothing here panics on any input bytes; every
/// variant names the file or record involved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PersistError {
    /// An operating-system call failed.
    #[error("could not {op} {path}: {source}")]
    Io {
        /// What was being done ("open", "fsync", "rename", ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A record or snapshot could not be serialised.
    #[error("could not encode {what}: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The serde error.
        #[source]
        source: serde_json::Error,
    },
    /// A command whose encoding exceeds the journal's record limit. It was
    /// refused before the engine saw it.
    #[error("record of {len} bytes exceeds the journal limit of {max} bytes: split the command (fewer skills)")]
    RecordTooLarge {
        /// The encoded payload length.
        len: usize,
        /// The largest payload a frame may carry.
        max: u32,
    },
    /// A journal segment's header is missing or damaged. Headers are written
    /// atomically (temp file + rename), so this is media corruption or a
    /// foreign file, not a crash.
    #[error("journal segment {path} has a bad header ({reason}): move the file away if it is not a switchboard journal")]
    BadSegmentHeader {
        /// The segment.
        path: PathBuf,
        /// What was wrong.
        reason: &'static str,
    },
    /// A snapshot file is damaged or foreign.
    #[error("snapshot {path} is unusable ({reason})")]
    BadSnapshot {
        /// The snapshot file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A record passed its checksum but its payload does not decode: written
    /// by an incompatible version. Refused rather than dropped, because the
    /// records after it may be good.
    #[error("record at offset {offset} passed its checksum but does not decode ({source}): written by another version of switchboard?")]
    UndecodableRecord {
        /// Byte offset of the frame in its segment.
        offset: u64,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// A record passed its checksum but carries the wrong sequence number.
    #[error("record at offset {offset} has sequence {found}, expected {expected}: segments were mixed up")]
    SequenceMismatch {
        /// Byte offset of the frame in its segment.
        offset: u64,
        /// The sequence number the reader expected.
        expected: u64,
        /// The sequence number stored.
        found: u64,
    },
    /// The journal is missing records the recovery needs (a segment lost, or
    /// a damaged non-final segment).
    #[error(
        "journal gap: the next record needed is {expected} but the journal continues at {found}"
    )]
    JournalGap {
        /// The sequence number recovery needed next.
        expected: u64,
        /// Where the journal continues (the next segment's first sequence).
        found: u64,
    },
    /// No usable snapshot exists and the journal does not reach back to
    /// sequence 1, so the state cannot be rebuilt.
    #[error("no usable snapshot and the journal starts at {first_seq}, not 1: restore a snapshot from backup")]
    NoRecoveryBase {
        /// The first sequence number still in the journal.
        first_seq: u64,
    },
    /// A journaled command was refused on replay. Journaled commands were
    /// accepted when written and the engine is deterministic, so this means
    /// the snapshot and journal disagree or the engine changed behaviour.
    #[error(
        "replaying record {seq} failed: {error}; the engine refused a command it once accepted"
    )]
    ReplayRejected {
        /// The record's sequence number.
        seq: u64,
        /// The engine's refusal.
        error: EngineError,
    },
    /// The recovered engine fails its audit.
    #[error("the recovered engine breaks an invariant: {0}")]
    Inconsistent(crate::engine::AuditViolation),
    /// The engine could not be built from the given configuration.
    #[error("cannot build a fresh engine: {0}")]
    Config(#[from] crate::engine::ConfigError),
    /// A replicated journal refused the append because this process no
    /// longer holds the tenant's writer lease (another one took over, or
    /// the lease lapsed): retry against the tenant's new primary.
    #[error("not the primary of this tenant any more ({reason}): retry against the new primary")]
    Fenced {
        /// Why the append was refused (lease lost, wrong last sequence).
        reason: String,
    },
    /// A replicated journal could not be reached or answered an error.
    #[error("replicated journal: {0}")]
    Replica(String),
    /// The journal's header (`rules.swh`) is damaged or contradicts itself.
    #[error("bad journal header {path}: {reason}")]
    BadHeader {
        /// The header file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The journal was written in a record format this build does not
    /// read (a newer build wrote it).
    #[error("journal {path} has record format {found}; this build reads format {supported}: open it with a newer build")]
    UnsupportedFormat {
        /// The header file.
        path: PathBuf,
        /// The format found.
        found: u64,
        /// The format this build reads.
        supported: u32,
    },
    /// The rules the host passes differ from the ones the journal was
    /// written under (its header, changed by any journaled
    /// `Command::Reconfigure`). Replaying under other rules would make
    /// other decisions than the acknowledged ones, so nothing was opened.
    /// Pass the journal's rules, or open with the change accepted
    /// (`Durable::open_reconfiguring`, `FileStore::accept_rule_changes`)
    /// to journal it as a `Command::Reconfigure`.
    #[error("the journal was written under other rules: {diff}; pass the journal's rules, or accept the change to journal it as Command::Reconfigure")]
    RulesChanged {
        /// What differs.
        diff: Box<super::header::RulesDiff>,
    },
    /// The host accepted a change of rules the engine cannot make (a
    /// policy change, or a setting baked into live conversations).
    #[error("cannot change the journal's rules ({diff}): {reason}")]
    RulesChangeRefused {
        /// What differs.
        diff: Box<super::header::RulesDiff>,
        /// Why it cannot be made.
        reason: String,
    },
}

impl PersistError {
    /// Wraps an OS error with the operation and path.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Why [`Durable::apply`](super::Durable::apply) did not acknowledge a command.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DurableError {
    /// The engine refused the command. Nothing changed and nothing was
    /// journaled; the wrapper stays usable.
    #[error(transparent)]
    Rejected(#[from] EngineError),
    /// The command was refused before the engine saw it (it cannot be
    /// encoded, or is too large). Nothing changed; the wrapper stays usable.
    #[error("command refused before applying: {0}")]
    Unencodable(#[source] PersistError),
    /// Writing or syncing the journal failed after the engine accepted the
    /// command. The in-memory engine is now ahead of the disk, so the wrapper
    /// is poisoned: every later call fails with [`DurableError::Poisoned`].
    /// The command is **not** acknowledged. Drop the wrapper and reopen the
    /// directory; recovery restores the last durable state.
    #[error("journal write failed; the wrapper is poisoned, reopen the directory to recover: {0}")]
    Journal(#[source] PersistError),
    /// A snapshot could not be written or old files not pruned. The journal
    /// is intact and the wrapper usable; the snapshot is retried later.
    #[error("checkpoint failed (the journal is intact): {0}")]
    Checkpoint(#[source] PersistError),
    /// An earlier journal failure poisoned the wrapper.
    #[error("a previous journal failure poisoned this wrapper; reopen the directory to recover")]
    Poisoned,
}
