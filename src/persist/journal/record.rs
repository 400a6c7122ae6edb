//! A record's bytes: one frame whose payload is the sequence number, the
//! timestamp and the command as JSON.

use super::{segment_header, JournalReader, Record, SEGMENT_HEADER_LEN};
use crate::engine::Command;
use crate::model::Timestamp;
use crate::persist::error::PersistError;
use crate::persist::frame;
use std::path::Path;

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
