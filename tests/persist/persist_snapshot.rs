//! Snapshot files: round trip, atomic replacement, damage detection.

use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;
use switchboard::persist::{
    decode_snapshot, encode_snapshot, read_snapshot, write_snapshot, PersistError,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct State {
    name: String,
    values: Vec<u64>,
}

fn state() -> State {
    State {
        name: "switchboard".into(),
        values: (0..50).map(|i| i * i).collect(),
    }
}

#[test]
fn round_trip_keeps_state_and_covered_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_snapshot(dir.path(), 4096, &state()).unwrap();
    let (seq, back): (u64, State) = read_snapshot(&path).unwrap();
    assert_eq!(seq, 4096);
    assert_eq!(back, state());
    // Nothing but the snapshot is left behind: no temp file.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn flipped_byte_anywhere_is_detected() {
    let bytes = encode_snapshot(77, &state()).unwrap();
    for pos in 0..bytes.len() {
        for mask in [0x01u8, 0x80] {
            let mut damaged = bytes.clone();
            damaged[pos] ^= mask;
            let result = decode_snapshot::<State>(&damaged, Path::new("snap"));
            assert!(
                matches!(result, Err(PersistError::BadSnapshot { .. })),
                "byte {pos} mask {mask:#x} accepted"
            );
        }
    }
}

#[test]
fn truncation_at_every_length_is_detected() {
    let bytes = encode_snapshot(5, &state()).unwrap();
    for cut in 0..bytes.len() {
        assert!(matches!(
            decode_snapshot::<State>(&bytes[..cut], Path::new("snap")),
            Err(PersistError::BadSnapshot { .. })
        ));
    }
    let mut longer = bytes.clone();
    longer.push(b' ');
    assert!(decode_snapshot::<State>(&longer, Path::new("snap")).is_err());
}

#[test]
fn rewriting_a_snapshot_replaces_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    write_snapshot(dir.path(), 9, &state()).unwrap();
    let mut other = state();
    other.values.truncate(3);
    let path = write_snapshot(dir.path(), 9, &other).unwrap();
    let (_, back): (u64, State) = read_snapshot(&path).unwrap();
    assert_eq!(back, other);
}

#[test]
fn arbitrary_bytes_never_panic() {
    use proptest::prelude::*;
    proptest!(|(bytes in proptest::collection::vec(any::<u8>(), 0..256))| {
        let _ = decode_snapshot::<State>(&bytes, Path::new("snap"));
    });
}
