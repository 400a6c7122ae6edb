//! Appending records to a segment, one `write(2)` per frame or batch.

use super::{encode_record, segment_header, SegmentScan, SEGMENT_HEADER_LEN};
use crate::engine::Command;
use crate::model::Timestamp;
use crate::persist::error::PersistError;
use crate::persist::layout;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Appends frames to one segment. Each [`append`](Self::append) is one
/// `write(2)` of a whole frame, straight to the OS (no user-space buffer),
/// so a record survives the process being killed once `append` returns;
/// [`sync`](Self::sync) makes it survive an OS crash or power loss.
#[derive(Debug)]
pub struct JournalWriter {
    file: File,
    path: PathBuf,
    start_seq: u64,
    next_seq: u64,
    len: u64,
    buf: Vec<u8>,
}

impl JournalWriter {
    /// Creates the segment whose first record will be `start_seq` in `dir`.
    /// The header is written atomically; the segment exists whole or not at
    /// all.
    ///
    /// # Panics
    ///
    /// If `start_seq` is 0 (sequence numbers start at 1).
    pub fn create(dir: &Path, start_seq: u64) -> Result<Self, PersistError> {
        assert!(start_seq >= 1, "sequence numbers start at 1");
        let path = layout::write_atomically(
            dir,
            &layout::segment_name(start_seq),
            &segment_header(start_seq),
        )?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| PersistError::io("open", &path, e))?;
        Ok(Self {
            file,
            path,
            start_seq,
            next_seq: start_seq,
            len: SEGMENT_HEADER_LEN,
            buf: Vec::new(),
        })
    }

    /// Continues the segment described by `scan`: truncates the damaged tail
    /// (if any) and fsyncs before the first append, so new records never
    /// follow garbage.
    pub fn continue_segment(scan: &SegmentScan) -> Result<Self, PersistError> {
        let path = &scan.path;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| PersistError::io("open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| PersistError::io("stat", path, e))?
            .len();
        if len != scan.valid_len {
            file.set_len(scan.valid_len)
                .map_err(|e| PersistError::io("truncate", path, e))?;
            file.sync_all()
                .map_err(|e| PersistError::io("fsync", path, e))?;
        }
        Ok(Self {
            file,
            path: path.clone(),
            start_seq: scan.start_seq,
            next_seq: scan.next_seq,
            len: scan.valid_len,
            buf: Vec::new(),
        })
    }

    /// The segment file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sequence number of the segment's first record.
    pub fn start_seq(&self) -> u64 {
        self.start_seq
    }

    /// The sequence number the next appended record gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Bytes in the segment.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the segment holds no record yet.
    pub fn is_empty(&self) -> bool {
        self.next_seq == self.start_seq
    }

    /// Encodes and appends one record; returns its sequence number. On an
    /// error the segment may end in a partial frame: stop appending (readers
    /// drop it as a damaged tail).
    pub fn append(&mut self, at: Timestamp, command: &Command) -> Result<u64, PersistError> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let result = encode_record(self.next_seq, at, command, &mut buf)
            .and_then(|()| self.append_encoded(&buf));
        self.buf = buf;
        result
    }

    /// Appends a frame made by [`encode_record`] with sequence number
    /// [`next_seq`](Self::next_seq); returns that number.
    pub fn append_encoded(&mut self, frame: &[u8]) -> Result<u64, PersistError> {
        self.file
            .write_all(frame)
            .map_err(|e| PersistError::io("append to", &self.path, e))?;
        self.len += frame.len() as u64;
        let seq = self.next_seq;
        self.next_seq += 1;
        Ok(seq)
    }

    /// Appends `count` frames made by [`encode_record`], numbered from
    /// [`next_seq`](Self::next_seq) on, with one `write(2)`; returns the
    /// sequence number of the last. A group commit writes a batch this way.
    /// On an error the segment may end in a partial frame: stop appending.
    pub fn append_encoded_batch(&mut self, frames: &[u8], count: u64) -> Result<u64, PersistError> {
        assert!(count > 0 && !frames.is_empty(), "a batch holds a record");
        self.file
            .write_all(frames)
            .map_err(|e| PersistError::io("append to", &self.path, e))?;
        self.len += frames.len() as u64;
        self.next_seq += count;
        Ok(self.next_seq - 1)
    }

    /// Fsyncs the segment's data (`fdatasync`): every record appended so far
    /// survives an OS crash or power loss once this returns.
    pub fn sync(&mut self) -> Result<(), PersistError> {
        self.file
            .sync_data()
            .map_err(|e| PersistError::io("fsync", &self.path, e))
    }
}
