//! Record framing: `len: u32 LE | crc: u32 LE | payload (len bytes)`.
//!
//! The checksum (CRC-32, IEEE) covers the four length bytes *and* the
//! payload, so a flipped bit in the length is caught like one in the data.
//! A length outside `MIN_PAYLOAD..=MAX_PAYLOAD` or beyond the end of the file
//! is rejected before anything is allocated, so a garbage length can neither
//! exhaust memory nor be mistaken for a record.

use super::error::PersistError;
use std::fmt;
use std::io::{self, Read};

/// Bytes before the payload: the length and the checksum.
pub const FRAME_HEADER_LEN: u64 = 8;

/// The largest payload a frame may carry (1 MiB). A command encodes to a few
/// hundred bytes; the writer refuses anything larger than this, so a reader
/// seeing a larger length knows it is garbage.
pub const MAX_PAYLOAD: u32 = 1 << 20;

/// The smallest payload: a record's sequence number and timestamp (8 + 8
/// bytes) come before its command. A zero length (a hole of zeros left by a
/// crash) is therefore rejected.
pub const MIN_PAYLOAD: u32 = 16;

const _: () = assert!(MIN_PAYLOAD > 0 && MIN_PAYLOAD < MAX_PAYLOAD);
const _: () = assert!(MAX_PAYLOAD as u64 <= u32::MAX as u64);

/// Why the bytes at some offset are not a valid frame. Found at the end of a
/// journal after a crash (a torn write); anywhere else it is corruption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TailDamage {
    /// Fewer than [`FRAME_HEADER_LEN`] bytes remain.
    TruncatedHeader {
        /// Bytes that remain.
        have: u64,
    },
    /// The length is outside `MIN_PAYLOAD..=MAX_PAYLOAD`.
    LengthOutOfRange {
        /// The stored length.
        len: u32,
    },
    /// The length runs past the end of the file.
    TruncatedPayload {
        /// The stored length.
        len: u32,
        /// Payload bytes that remain.
        have: u64,
    },
    /// The checksum does not match the length and payload.
    ChecksumMismatch {
        /// The checksum stored in the frame.
        stored: u32,
        /// The checksum of the bytes read.
        computed: u32,
    },
}

impl fmt::Display for TailDamage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TailDamage::TruncatedHeader { have } => {
                write!(
                    f,
                    "truncated frame header ({have} of {FRAME_HEADER_LEN} bytes)"
                )
            }
            TailDamage::LengthOutOfRange { len } => {
                write!(f, "length {len} outside {MIN_PAYLOAD}..={MAX_PAYLOAD}")
            }
            TailDamage::TruncatedPayload { len, have } => {
                write!(f, "truncated payload ({have} of {len} bytes)")
            }
            TailDamage::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
        }
    }
}

/// What the next frame of a stream turned out to be.
#[derive(Debug)]
pub(crate) enum FrameRead {
    /// A valid frame's payload.
    Frame(Vec<u8>),
    /// The stream ended exactly on a frame boundary.
    End,
    /// The bytes from here on are not a valid frame.
    Damaged(TailDamage),
}

fn checksum(len_bytes: [u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&len_bytes);
    hasher.update(payload);
    hasher.finalize()
}

/// Appends the frame of `payload` to `out`.
pub(crate) fn encode(payload: &[u8], out: &mut Vec<u8>) -> Result<(), PersistError> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|len| (MIN_PAYLOAD..=MAX_PAYLOAD).contains(len))
        .ok_or(PersistError::RecordTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        })?;
    let len_bytes = len.to_le_bytes();
    out.extend_from_slice(&len_bytes);
    out.extend_from_slice(&checksum(len_bytes, payload).to_le_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// Reads one frame from `reader`, of which exactly `remaining` bytes are
/// left. Allocates only a length that passed the range and size checks.
pub(crate) fn read<R: Read>(reader: &mut R, remaining: u64) -> io::Result<FrameRead> {
    if remaining == 0 {
        return Ok(FrameRead::End);
    }
    if remaining < FRAME_HEADER_LEN {
        return Ok(FrameRead::Damaged(TailDamage::TruncatedHeader {
            have: remaining,
        }));
    }
    let mut header = [0u8; FRAME_HEADER_LEN as usize];
    reader.read_exact(&mut header)?;
    let len_bytes = [header[0], header[1], header[2], header[3]];
    let stored = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let len = u32::from_le_bytes(len_bytes);
    if !(MIN_PAYLOAD..=MAX_PAYLOAD).contains(&len) {
        return Ok(FrameRead::Damaged(TailDamage::LengthOutOfRange { len }));
    }
    let have = remaining - FRAME_HEADER_LEN;
    if u64::from(len) > have {
        return Ok(FrameRead::Damaged(TailDamage::TruncatedPayload {
            len,
            have,
        }));
    }
    let mut payload = vec![0u8; len as usize];
    reader.read_exact(&mut payload)?;
    let computed = checksum(len_bytes, &payload);
    if computed != stored {
        return Ok(FrameRead::Damaged(TailDamage::ChecksumMismatch {
            stored,
            computed,
        }));
    }
    Ok(FrameRead::Frame(payload))
}
