//! Reading a segment front to back, stopping at the first damaged frame.

use super::{segment_header, DroppedTail, Record, SEGMENT_HEADER_LEN, SEGMENT_MAGIC};
use crate::engine::Command;
use crate::model::Timestamp;
use crate::persist::error::PersistError;
use crate::persist::frame::{self, FrameRead};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Reads one segment's records in order. Works on any byte stream, so the
/// same code checks files, and arbitrary bytes under a fuzzer.
#[derive(Debug)]
pub struct JournalReader<R> {
    reader: R,
    path: PathBuf,
    /// Bytes of the stream not yet consumed.
    remaining: u64,
    /// Offset of the next frame.
    offset: u64,
    start_seq: u64,
    next_seq: u64,
    dropped: Option<DroppedTail>,
    done: bool,
}

impl JournalReader<BufReader<File>> {
    /// Opens the segment at `path` and checks its header.
    pub fn open(path: &Path) -> Result<Self, PersistError> {
        let file = File::open(path).map_err(|e| PersistError::io("open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| PersistError::io("stat", path, e))?
            .len();
        JournalReader::new(BufReader::new(file), len, path)
    }
}

impl<R: Read> JournalReader<R> {
    /// Reads the header of a segment of `len` bytes from `reader`; `path` only
    /// names the segment in errors.
    pub fn new(mut reader: R, len: u64, path: &Path) -> Result<Self, PersistError> {
        let bad = |reason| PersistError::BadSegmentHeader {
            path: path.to_path_buf(),
            reason,
        };
        if len < SEGMENT_HEADER_LEN {
            return Err(bad("shorter than the 20-byte header"));
        }
        let mut header = [0u8; SEGMENT_HEADER_LEN as usize];
        reader
            .read_exact(&mut header)
            .map_err(|e| PersistError::io("read", path, e))?;
        if header[..8] != SEGMENT_MAGIC {
            return Err(bad("wrong magic"));
        }
        let mut seq_bytes = [0u8; 8];
        seq_bytes.copy_from_slice(&header[8..16]);
        let start_seq = u64::from_le_bytes(seq_bytes);
        if segment_header(start_seq) != header {
            return Err(bad("checksum mismatch"));
        }
        if start_seq == 0 {
            return Err(bad("first sequence number is 0"));
        }
        Ok(Self {
            reader,
            path: path.to_path_buf(),
            remaining: len - SEGMENT_HEADER_LEN,
            offset: SEGMENT_HEADER_LEN,
            start_seq,
            next_seq: start_seq,
            dropped: None,
            done: false,
        })
    }

    /// The sequence number of the segment's first record.
    pub fn start_seq(&self) -> u64 {
        self.start_seq
    }

    /// The sequence number the next record must carry (one past the last
    /// record read).
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Bytes of valid segment so far: the header and every record read. A
    /// writer continuing this segment truncates it to this length first.
    pub fn valid_len(&self) -> u64 {
        self.offset
    }

    /// The damaged tail found, once [`next_record`](Self::next_record) has
    /// returned `Ok(None)`; `None` when the segment ended cleanly.
    pub fn dropped(&self) -> Option<DroppedTail> {
        self.dropped
    }

    /// The next record, `Ok(None)` at the end of the valid records (check
    /// [`dropped`](Self::dropped)), or an error for a record that passed its
    /// checksum but is wrong, or an I/O failure.
    pub fn next_record(&mut self) -> Result<Option<Record>, PersistError> {
        if self.done {
            return Ok(None);
        }
        let offset = self.offset;
        let read = frame::read(&mut self.reader, self.remaining)
            .map_err(|e| PersistError::io("read", &self.path, e))?;
        let payload = match read {
            FrameRead::Frame(payload) => payload,
            FrameRead::End => {
                self.done = true;
                return Ok(None);
            }
            FrameRead::Damaged(reason) => {
                self.done = true;
                self.dropped = Some(DroppedTail {
                    offset,
                    bytes: self.remaining,
                    reason,
                });
                return Ok(None);
            }
        };
        // The frame checks guarantee MIN_PAYLOAD (16) bytes.
        let (head, json) = payload.split_at(16);
        let mut seq_bytes = [0u8; 8];
        seq_bytes.copy_from_slice(&head[..8]);
        let mut at_bytes = [0u8; 8];
        at_bytes.copy_from_slice(&head[8..]);
        let seq = u64::from_le_bytes(seq_bytes);
        if seq != self.next_seq {
            self.done = true;
            return Err(PersistError::SequenceMismatch {
                offset,
                expected: self.next_seq,
                found: seq,
            });
        }
        let command: Command = serde_json::from_slice(json).map_err(|source| {
            self.done = true;
            PersistError::UndecodableRecord { offset, source }
        })?;
        let frame_len = frame::FRAME_HEADER_LEN + payload.len() as u64;
        self.offset += frame_len;
        self.remaining -= frame_len;
        self.next_seq += 1;
        Ok(Some(Record {
            seq,
            at: Timestamp::from_millis(u64::from_le_bytes(at_bytes)),
            command,
        }))
    }
}
