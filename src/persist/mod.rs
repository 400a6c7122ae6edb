//! Durability: an append-only journal of accepted commands, periodic
//! snapshots, and recovery that rebuilds the engine from them.
//!
//! TODO(persist): full overview.

mod durable;
mod error;
mod frame;
mod journal;
mod layout;
mod mode;
mod recovery;
mod snapshot;

pub use durable::{Applied, Durable, DurableOptions};
pub use error::{DurableError, PersistError};
pub use frame::{TailDamage, FRAME_HEADER_LEN, MAX_PAYLOAD, MIN_PAYLOAD};
pub use journal::{
    encode_record, scan_segment, DroppedTail, JournalReader, JournalWriter, Record, SegmentScan,
    SEGMENT_HEADER_LEN,
};
pub use mode::DurabilityMode;
pub use recovery::{
    recover, DroppedSegmentTail, Recovered, RecoveryBase, RecoveryReport, SkippedSnapshot,
};
pub use snapshot::{
    decode_snapshot, encode_snapshot, read_snapshot, write_snapshot, SNAPSHOT_HEADER_LEN,
};
