//! Snapshot files: the engine's whole state after a given journal record.
//!
//! Layout: `b"SWBSNAP1"`, the covered sequence number (u64 LE), the payload
//! length (u64 LE), a CRC-32 (u32 LE) of those 24 bytes and the payload, then
//! the payload (the state as JSON). A snapshot is written with
//! [`write_snapshot`]: temp file, fsync, rename, fsync of the directory, so a
//! crash leaves the previous snapshot set intact and never a half snapshot
//! under a real name. A snapshot covering `seq` is the state after applying
//! journal records `1..=seq`; recovery replays only records after `seq`.

use super::error::PersistError;
use super::layout;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fs;
use std::path::{Path, PathBuf};

const SNAPSHOT_MAGIC: [u8; 8] = *b"SWBSNAP1";

/// Length of a snapshot header: magic, covered sequence, length, checksum.
pub const SNAPSHOT_HEADER_LEN: usize = 28;

fn checksum(head: &[u8], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(head);
    hasher.update(payload);
    hasher.finalize()
}

/// Encodes `state`, covering journal records `1..=seq`, as snapshot bytes.
pub fn encode_snapshot<T: Serialize>(seq: u64, state: &T) -> Result<Vec<u8>, PersistError> {
    let payload = serde_json::to_vec(state).map_err(|source| PersistError::Encode {
        what: "snapshot",
        source,
    })?;
    let mut bytes = Vec::with_capacity(SNAPSHOT_HEADER_LEN + payload.len());
    bytes.extend_from_slice(&SNAPSHOT_MAGIC);
    bytes.extend_from_slice(&seq.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let crc = checksum(&bytes, &payload);
    bytes.extend_from_slice(&crc.to_le_bytes());
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Decodes snapshot bytes into the covered sequence number and the state.
/// Any damage (short, wrong magic, wrong length, checksum, undecodable) is a
/// [`PersistError::BadSnapshot`] naming `path`; never a panic.
pub fn decode_snapshot<T: DeserializeOwned>(
    bytes: &[u8],
    path: &Path,
) -> Result<(u64, T), PersistError> {
    let bad = |reason: String| PersistError::BadSnapshot {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < SNAPSHOT_HEADER_LEN {
        return Err(bad(format!(
            "{} bytes, shorter than the {SNAPSHOT_HEADER_LEN}-byte header",
            bytes.len()
        )));
    }
    let (header, payload) = bytes.split_at(SNAPSHOT_HEADER_LEN);
    if header[..8] != SNAPSHOT_MAGIC {
        return Err(bad("wrong magic".into()));
    }
    let word = |range: std::ops::Range<usize>| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&header[range]);
        u64::from_le_bytes(b)
    };
    let seq = word(8..16);
    let len = word(16..24);
    if len != payload.len() as u64 {
        return Err(bad(format!(
            "header says {len} payload bytes, file has {}",
            payload.len()
        )));
    }
    let stored = u32::from_le_bytes([header[24], header[25], header[26], header[27]]);
    let computed = checksum(&header[..24], payload);
    if stored != computed {
        return Err(bad(format!(
            "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
        )));
    }
    let state = serde_json::from_slice(payload).map_err(|e| {
        bad(format!(
            "checksum passed but the state does not decode: {e}"
        ))
    })?;
    Ok((seq, state))
}

/// Writes the snapshot of `state` covering records `1..=seq` into `dir`
/// atomically and durably; returns its path.
pub fn write_snapshot<T: Serialize>(
    dir: &Path,
    seq: u64,
    state: &T,
) -> Result<PathBuf, PersistError> {
    let bytes = encode_snapshot(seq, state)?;
    layout::write_atomically(dir, &layout::snapshot_name(seq), &bytes)
}

/// Reads and checks the snapshot at `path`.
pub fn read_snapshot<T: DeserializeOwned>(path: &Path) -> Result<(u64, T), PersistError> {
    let bytes = fs::read(path).map_err(|e| PersistError::io("read", path, e))?;
    decode_snapshot(&bytes, path)
}
