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

use super::error::PersistError;
use super::frame::{self, FrameRead, TailDamage};
use super::layout;
use crate::engine::Command;
use crate::model::Timestamp;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

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

/// Encodes `(seq, at, command)` as one frame appended to `out`. Fails, before
/// anything is written, when the command cannot be encoded or is too large.
pub fn encode_record(
    seq: u64,
    at: Timestamp,
    command: &Command,
    out: &mut Vec<u8>,
) -> Result<(), PersistError> {
    let mut payload = Vec::with_capacity(128);
    payload.extend_from_slice(&seq.to_le_bytes());
    payload.extend_from_slice(&at.as_millis().to_le_bytes());
    serde_json::to_writer(&mut payload, command).map_err(|source| PersistError::Encode {
        what: "command",
        source,
    })?;
    frame::encode(&payload, out)
}

/// Decodes the frames of one batch (as [`encode_record`] wrote them, back to
/// back) whose first record is `first_seq`. Fails on any damage: a batch
/// travels whole (a replicated journal message), so it has no torn tail.
pub fn decode_records(first_seq: u64, bytes: &[u8]) -> Result<Vec<Record>, PersistError> {
    let path = Path::new("<batch>");
    let mut segment = Vec::with_capacity(SEGMENT_HEADER_LEN as usize + bytes.len());
    segment.extend_from_slice(&segment_header(first_seq));
    segment.extend_from_slice(bytes);
    let len = segment.len() as u64;
    let mut reader = JournalReader::new(segment.as_slice(), len, path)?;
    let mut records = Vec::new();
    // Each record takes at least a frame header and MIN_PAYLOAD bytes.
    let most = bytes.len() / (frame::FRAME_HEADER_LEN as usize + frame::MIN_PAYLOAD as usize) + 1;
    for _ in 0..most {
        match reader.next_record()? {
            Some(record) => records.push(record),
            None => break,
        }
    }
    if let Some(dropped) = reader.dropped() {
        return Err(PersistError::Replica(format!(
            "damaged batch at record {}: {dropped}",
            reader.next_seq()
        )));
    }
    Ok(records)
}

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
