//! The journal: framing, torn tails, corruption, sequence checks.

use crate::persist_common;
use persist_common as common;

use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use switchboard::persist::{
    encode_record, scan_segment, JournalReader, JournalWriter, PersistError, Record, TailDamage,
    MAX_PAYLOAD, SEGMENT_HEADER_LEN,
};
use switchboard::{Command, ConversationId, Level, SkillId, SkillRequirement, Timestamp};

/// Writes records `start..start+n` of stream `seed` to a new segment; returns
/// its path, the records, and the segment length before each record.
fn write_segment(dir: &Path, start: u64, n: u64, seed: u64) -> (PathBuf, Vec<Record>, Vec<u64>) {
    let mut writer = JournalWriter::create(dir, start).unwrap();
    let mut records = Vec::new();
    let mut offsets = Vec::new();
    for i in 0..n {
        let (at, command) = common::command(seed, i);
        offsets.push(writer.len());
        let seq = writer.append(at, &command).unwrap();
        assert_eq!(seq, start + i);
        records.push(Record { seq, at, command });
    }
    writer.sync().unwrap();
    (writer.path().to_path_buf(), records, offsets)
}

fn scan_bytes(
    bytes: &[u8],
) -> Result<(Vec<Record>, Option<switchboard::persist::DroppedTail>), PersistError> {
    let mut reader = JournalReader::new(bytes, bytes.len() as u64, Path::new("in-memory"))?;
    let mut records = Vec::new();
    while let Some(record) = reader.next_record()? {
        records.push(record);
    }
    Ok((records, reader.dropped()))
}

#[test]
fn round_trip_returns_every_record_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (path, records, _) = write_segment(dir.path(), 1, 300, 7);
    let scan = scan_segment(&path).unwrap();
    assert_eq!(scan.records, records);
    assert_eq!(scan.dropped, None);
    assert_eq!(scan.start_seq, 1);
    assert_eq!(scan.next_seq, 301);
    assert_eq!(scan.valid_len, fs::metadata(&path).unwrap().len());
}

#[test]
fn segment_may_start_at_any_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let (path, records, _) = write_segment(dir.path(), 4097, 10, 3);
    let scan = scan_segment(&path).unwrap();
    assert_eq!(scan.records, records);
    assert_eq!(scan.records[0].seq, 4097);
}

#[test]
fn torn_tail_at_every_offset_of_last_record_is_dropped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (path, records, offsets) = write_segment(dir.path(), 1, 20, 11);
    let full = fs::read(&path).unwrap();
    let last_start = *offsets.last().unwrap();
    for cut in last_start..full.len() as u64 {
        let (got, dropped) = scan_bytes(&full[..cut as usize]).unwrap();
        assert_eq!(got, records[..records.len() - 1], "cut at {cut}");
        if cut == last_start {
            assert_eq!(dropped, None, "a cut on a frame boundary is a clean end");
        } else {
            let dropped = dropped.unwrap_or_else(|| panic!("cut at {cut} not reported"));
            assert_eq!(dropped.offset, last_start);
            assert_eq!(dropped.bytes, cut - last_start);
            assert!(matches!(
                dropped.reason,
                TailDamage::TruncatedHeader { .. } | TailDamage::TruncatedPayload { .. }
            ));
        }
    }
}

#[test]
fn writer_continues_after_truncating_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut records, offsets) = write_segment(dir.path(), 1, 5, 13);
    let full = fs::read(&path).unwrap();
    // Cut the last record in half.
    let cut = (offsets[4] + full.len() as u64) / 2;
    fs::write(&path, &full[..cut as usize]).unwrap();
    let scan = scan_segment(&path).unwrap();
    assert_eq!(scan.dropped.unwrap().offset, offsets[4]);
    let mut writer = JournalWriter::continue_segment(&scan).unwrap();
    assert_eq!(writer.next_seq(), 5);
    let (at, command) = common::command(99, 9);
    writer.append(at, &command).unwrap();
    writer.sync().unwrap();
    records.truncate(4);
    records.push(Record {
        seq: 5,
        at,
        command,
    });
    let rescan = scan_segment(&path).unwrap();
    assert_eq!(rescan.records, records);
    assert_eq!(rescan.dropped, None);
}

#[test]
fn flipped_byte_anywhere_is_detected_never_returned_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let (path, records, offsets) = write_segment(dir.path(), 1, 12, 17);
    let full = fs::read(&path).unwrap();
    for pos in 0..full.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bytes = full.clone();
            bytes[pos] ^= mask;
            if (pos as u64) < SEGMENT_HEADER_LEN {
                assert!(
                    matches!(
                        scan_bytes(&bytes),
                        Err(PersistError::BadSegmentHeader { .. })
                    ),
                    "header byte {pos}"
                );
                continue;
            }
            // The record holding `pos` and everything after it are dropped.
            let hit = offsets.iter().rposition(|&o| o <= pos as u64).unwrap();
            let (got, dropped) = scan_bytes(&bytes).unwrap();
            assert_eq!(got, records[..hit], "byte {pos} mask {mask:#x}");
            let dropped = dropped.unwrap();
            assert_eq!(dropped.offset, offsets[hit]);
            assert_eq!(dropped.bytes, full.len() as u64 - offsets[hit]);
        }
    }
}

#[test]
fn absurd_length_prefixes_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, records, _) = write_segment(dir.path(), 1, 3, 19);
    let full = fs::read(&path).unwrap();
    for len in [0u32, 1, 15, MAX_PAYLOAD + 1, 0x7FFF_FFFF, u32::MAX] {
        let mut bytes = full.clone();
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&[0xAB; 64]);
        let (got, dropped) = scan_bytes(&bytes).unwrap();
        assert_eq!(got, records);
        assert_eq!(
            dropped.unwrap().reason,
            TailDamage::LengthOutOfRange { len },
            "len {len}"
        );
    }
    // In range but past the end of the file: refused before allocating.
    let mut bytes = full.clone();
    bytes.extend_from_slice(&MAX_PAYLOAD.to_le_bytes());
    bytes.extend_from_slice(&[0u8; 12]);
    let (_, dropped) = scan_bytes(&bytes).unwrap();
    assert_eq!(
        dropped.unwrap().reason,
        TailDamage::TruncatedPayload {
            len: MAX_PAYLOAD,
            have: 8
        }
    );
}

#[test]
fn a_hole_of_zeros_after_a_crash_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (path, records, _) = write_segment(dir.path(), 1, 4, 23);
    let mut bytes = fs::read(&path).unwrap();
    let end = bytes.len() as u64;
    bytes.extend_from_slice(&[0u8; 4096]);
    let (got, dropped) = scan_bytes(&bytes).unwrap();
    assert_eq!(got, records);
    let dropped = dropped.unwrap();
    assert_eq!((dropped.offset, dropped.bytes), (end, 4096));
    assert_eq!(dropped.reason, TailDamage::LengthOutOfRange { len: 0 });
}

#[test]
fn valid_frame_with_wrong_sequence_is_an_error_not_a_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _, _) = write_segment(dir.path(), 1, 2, 29);
    let mut bytes = fs::read(&path).unwrap();
    encode_record(7, Timestamp::from_millis(5), &Command::Tick, &mut bytes).unwrap();
    match scan_bytes(&bytes) {
        Err(PersistError::SequenceMismatch {
            expected: 3,
            found: 7,
            ..
        }) => {}
        other => panic!("expected a sequence mismatch, got {other:?}"),
    }
}

#[test]
fn oversized_command_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = JournalWriter::create(dir.path(), 1).unwrap();
    let before = writer.len();
    let command = Command::Escalate {
        conversation: ConversationId(1),
        skills: Some(vec![
            SkillRequirement::at(SkillId(1), Level::of::<1>());
            100_000
        ]),
        priority: None,
        attributes: None,
    };
    assert!(matches!(
        writer.append(Timestamp::from_millis(1), &command),
        Err(PersistError::RecordTooLarge { .. })
    ));
    assert_eq!(writer.len(), before);
    assert_eq!(writer.next_seq(), 1);
    assert_eq!(fs::metadata(writer.path()).unwrap().len(), before);
}

#[test]
fn foreign_or_short_files_are_bad_headers() {
    for bytes in [&b""[..], b"SWBJRNL1", b"not a journal at all, not at all"] {
        assert!(matches!(
            scan_bytes(bytes),
            Err(PersistError::BadSegmentHeader { .. })
        ));
    }
}

proptest! {
    /// Arbitrary bytes after a valid header: an error or a clean report,
    /// never a panic, and never a record (no garbage passes the checksum).
    #[test]
    fn arbitrary_tail_bytes_never_pass_as_records(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        let writer = JournalWriter::create(dir.path(), 1).unwrap();
        let mut bytes = fs::read(writer.path()).unwrap();
        bytes.extend_from_slice(&tail);
        if let Ok((records, dropped)) = scan_bytes(&bytes) {
            prop_assert!(records.is_empty());
            prop_assert_eq!(dropped.is_some(), !tail.is_empty());
        }
    }

    /// Arbitrary bytes as a whole segment never panic.
    #[test]
    fn arbitrary_segment_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = scan_bytes(&bytes);
    }
}
