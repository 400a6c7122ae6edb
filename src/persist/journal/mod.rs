//! The append-only journal of accepted commands.
//!
//! A journal is a run of *segments*, one file each. A segment starts with a
//! 20-byte header (`b"SWBJRNL1"`, its first sequence number as u64 LE, a
//! CRC-32 of those 16 bytes) written atomically, then frames (see
//! [`frame`](super::frame)) whose payload is one [`Record`]: sequence number
//! (u64 LE), timestamp (u64 LE), then the command as JSON. Sequence numbers
//! start at 1 and rise by one from record to record, across segments.
//!
//! JSON keeps records readable with standard tools and needs no dependency
//! beyond the `serde_json` the crate already has; a command encodes to about
//! 50 to 300 bytes, and the encoding costs far less than an fsync (see the
//! durability bench).
//!
//! [`JournalReader`] reads a segment front to back. At the first frame that is
//! not valid it stops and reports a [`DroppedTail`]: where, how many bytes,
//! and why. It never returns a record whose checksum failed; a record whose
//! checksum passes but whose content is wrong is an error, not a tail.

mod reader;
mod record;
mod scan;
mod writer;

pub use reader::JournalReader;
pub use record::{decode_records, encode_record};
pub use scan::{scan_segment, SegmentScan};
pub use writer::JournalWriter;

use super::frame::TailDamage;
use crate::engine::Command;
use crate::model::Timestamp;

const SEGMENT_MAGIC: [u8; 8] = *b"SWBJRNL1";

/// Length of a segment header: magic, first sequence number, checksum.
pub const SEGMENT_HEADER_LEN: u64 = 20;

/// One journaled command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Position in the journal: 1 for the first command ever accepted, then
    /// one more for each. Equal to the number of commands the engine had
    /// accepted once it accepted this one.
    pub seq: u64,
    /// The host time the command was applied at.
    pub at: Timestamp,
    /// The command, as the engine accepted it.
    pub command: Command,
}

/// The bytes a reader dropped at the end of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DroppedTail {
    /// Byte offset in the segment of the first byte dropped (the start of the
    /// first invalid frame; everything before it was valid).
    pub offset: u64,
    /// How many bytes were dropped (to the end of the segment).
    pub bytes: u64,
    /// What was wrong with the first invalid frame.
    pub reason: TailDamage,
}

impl std::fmt::Display for DroppedTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "dropped {} bytes at offset {}: {}",
            self.bytes, self.offset, self.reason
        )
    }
}

fn segment_header(start_seq: u64) -> [u8; SEGMENT_HEADER_LEN as usize] {
    let mut header = [0u8; SEGMENT_HEADER_LEN as usize];
    header[..8].copy_from_slice(&SEGMENT_MAGIC);
    header[8..16].copy_from_slice(&start_seq.to_le_bytes());
    let crc = crc32fast::hash(&header[..16]);
    header[16..].copy_from_slice(&crc.to_le_bytes());
    header
}
