//! A whole segment read at once, for recovery and for continuing it.

use super::{DroppedTail, JournalReader, Record};
use crate::persist::error::PersistError;
use std::path::{Path, PathBuf};

/// Everything a segment holds, read at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentScan {
    /// The segment file.
    pub path: PathBuf,
    /// Sequence number of its first record.
    pub start_seq: u64,
    /// The valid records, in order.
    pub records: Vec<Record>,
    /// One past the last valid record's sequence number (`start_seq` when
    /// the segment holds none).
    pub next_seq: u64,
    /// Length of the valid prefix (header and valid records).
    pub valid_len: u64,
    /// The damaged tail dropped, if any.
    pub dropped: Option<DroppedTail>,
}

/// Reads the whole segment at `path`.
pub fn scan_segment(path: &Path) -> Result<SegmentScan, PersistError> {
    let mut reader = JournalReader::open(path)?;
    let mut records = Vec::new();
    while let Some(record) = reader.next_record()? {
        records.push(record);
    }
    Ok(SegmentScan {
        path: path.to_path_buf(),
        start_seq: reader.start_seq(),
        records,
        next_seq: reader.next_seq(),
        valid_len: reader.valid_len(),
        dropped: reader.dropped(),
    })
}
