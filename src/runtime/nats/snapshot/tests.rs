//! Snapshot objects: round trips and damage.

use super::super::test_server::engine;
use super::*;

#[test]
fn round_trip_keeps_record_and_stream_sequence() {
    let bytes = encode(&engine(3), 42, 77).expect("encodes");
    let stored = decode(PathBuf::from("t"), &bytes).expect("decodes");
    assert_eq!((stored.last_record, stored.last_stream_seq), (42, 77));
    assert_eq!(stored.size, bytes.len());
    Engine::restore(
        stored.snapshot,
        crate::policy::BuiltinPolicy::LeastLoaded.build(),
    )
    .expect("restores");
}

#[test]
fn damage_is_a_bad_snapshot_never_a_panic() {
    let bytes = encode(&engine(3), 42, 77).expect("encodes");
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x20;
    // Bounded: a handful of fixed damages.
    for damaged in [
        &bytes[..bytes.len() / 2],
        &bytes[..SNAPSHOT_HEADER_LEN - 1],
        &[][..],
        &flipped[..],
    ] {
        match decode(PathBuf::from("t"), damaged) {
            Err(PersistError::BadSnapshot { .. }) => {}
            other => panic!("damaged snapshot accepted: {:?}", other.map(|s| s.size)),
        }
    }
    // A whole envelope around something else than a snapshot.
    let foreign = encode_snapshot(1, &serde_json::json!({"stream_seq": 1})).expect("encodes");
    assert!(matches!(
        decode(PathBuf::from("t"), &foreign),
        Err(PersistError::BadSnapshot { .. })
    ));
}
