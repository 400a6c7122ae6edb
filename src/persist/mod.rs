//! Durability: an append-only journal of accepted commands, periodic
//! snapshots, and recovery that rebuilds the engine from them.
//!
//! The main type is [`Durable`]: an [`Engine`](crate::Engine) plus a
//! directory. Its [`apply`](Durable::apply) applies a command and, if the
//! engine accepts it, appends `(sequence, timestamp, command)` to the
//! journal; refused commands change nothing and are not written. Every
//! `snapshot_every` commands it writes a snapshot atomically and starts a new
//! journal segment. [`Durable::open`] recovers whatever the directory holds.
//!
//! ```
//! use switchboard::persist::{Durable, DurableOptions};
//! use switchboard::policy::BuiltinPolicy;
//! use switchboard::{AgentId, AgentSpec, Capacity, EngineConfig, Timestamp};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("switchboard-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! let policy = BuiltinPolicy::LeastLoaded;
//! let (mut durable, report) =
//!     Durable::open(&dir, DurableOptions::default(), &EngineConfig::default(), policy)?;
//! assert_eq!(report.last_seq, 0);
//! let applied = durable.apply(Timestamp(1_000), AgentSpec::new(AgentId(1), Capacity::units(4)))?;
//! // Fsync mode (the default): acknowledged once apply returns.
//! assert_eq!(applied.acknowledged_through, applied.seq);
//! drop(durable);
//!
//! // After a crash or a restart, the same call recovers the state.
//! let (durable, report) =
//!     Durable::open(&dir, DurableOptions::default(), &EngineConfig::default(), policy)?;
//! assert_eq!(report.last_seq, 1);
//! assert!(report.dropped.is_empty());
//! assert!(durable.engine().agent(AgentId(1)).is_ok());
//! # drop(durable);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
//!
//! # The guarantee
//!
//! A command is *acknowledged* when [`DurabilityMode`] says so (after the
//! write to the OS, after an fsync, or after a batch fsync); see
//! [`mode`](DurabilityMode) for the table. After any crash, recovery yields
//! exactly the commands `1..=n` for some `n` at least the last acknowledged
//! sequence number: a prefix of the accepted commands, never a gap, never a
//! reordering, never a record that failed its checksum. Commands after the
//! last acknowledged one may or may not survive (they were never promised).
//! Killing the process loses nothing written in any mode, because every
//! record is handed to the OS before `apply` returns.
//!
//! # Pieces
//!
//! - [`journal`](JournalWriter): segments of length-prefixed, CRC-32
//!   checked frames ([`frame`](TailDamage) describes the damage a reader can
//!   find); [`JournalReader`] drops a damaged tail and reports it as a
//!   [`DroppedTail`] (offset, bytes, reason).
//! - [`write_snapshot`] / [`read_snapshot`]: atomic, checksummed snapshots
//!   recording the journal sequence number they cover.
//! - [`recover`]: newest usable snapshot plus the journal after it, with a
//!   [`RecoveryReport`].
//! - The directory layout: `snapshot-<seq>.sws`, `journal-<first seq>.swj`,
//!   zero-padded to 20 digits; `*.tmp` are interrupted atomic writes.

mod dir;
mod durable;
mod error;
mod frame;
mod header;
mod journal;
mod layout;
mod mode;
mod recovery;
mod snapshot;

#[cfg(feature = "runtime")]
pub(crate) use dir::{open_dir, rotate_and_prune, write_checkpoint};
pub use durable::{Applied, Durable, DurableOptions};
pub use error::{DurableError, PersistError};
pub use frame::{TailDamage, FRAME_HEADER_LEN, MAX_PAYLOAD, MIN_PAYLOAD};
pub use header::{
    config_hash, read_header, rules_diff, JournalHeader, RulesDiff, HEADER_FILE, JOURNAL_FORMAT,
};
pub use journal::{
    decode_records, encode_record, scan_segment, DroppedTail, JournalReader, JournalWriter, Record,
    SegmentScan, SEGMENT_HEADER_LEN,
};
pub use mode::DurabilityMode;
pub use recovery::{
    recover, DroppedSegmentTail, Recovered, RecoveryBase, RecoveryReport, SkippedSnapshot,
};
pub use snapshot::{
    decode_snapshot, encode_snapshot, read_snapshot, write_snapshot, SNAPSHOT_HEADER_LEN,
};
