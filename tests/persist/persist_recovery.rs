//! Recovery: the rebuilt engine equals a reference replay, through torn
//! tails, damaged snapshots, checkpoints and every durability mode.

use crate::persist_common;
use persist_common as common;

use common::Reference;
use std::fs;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use switchboard::persist::{
    recover, scan_segment, DurabilityMode, Durable, DurableError, DurableOptions, PersistError,
    RecoveryBase,
};
use switchboard::{EngineConfig, TimeSpan};

fn options(mode: DurabilityMode, every: u64, keep: usize) -> DurableOptions {
    DurableOptions {
        mode,
        snapshot_every: NonZeroU64::new(every),
        keep_snapshots: NonZeroUsize::new(keep).unwrap(),
    }
}

fn open(dir: &Path, opts: DurableOptions) -> (Durable, switchboard::persist::RecoveryReport) {
    Durable::open(dir, opts, &EngineConfig::default(), common::POLICY).unwrap()
}

/// Feeds stream `seed` from index `from` through `durable` and the
/// reference alike until `n` more commands were accepted; checks the
/// decisions match one by one.
fn feed(durable: &mut Durable, reference: &mut Reference, seed: u64, n: u64) {
    let target = reference.accepted() + n;
    while reference.accepted() < target {
        let index = reference.next_index;
        let (at, command) = common::command(seed, index);
        let expected = reference.step();
        match (durable.apply(at, command), expected) {
            (Ok(applied), Some(decisions)) => {
                assert_eq!(applied.decisions, decisions, "command {index}");
                assert_eq!(applied.seq, reference.accepted());
                if let Some(checkpoint) = applied.checkpoint {
                    checkpoint.unwrap();
                }
            }
            (Err(DurableError::Rejected(_)), None) => {}
            (got, want) => panic!("command {index}: durable {got:?}, reference {want:?}"),
        }
    }
}

fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

#[test]
fn recovered_state_equals_reference_replay_and_keeps_deciding_alike() {
    for mode in [
        DurabilityMode::Buffered,
        DurabilityMode::Fsync,
        DurabilityMode::GroupCommit {
            max_records: NonZeroU32::new(8).unwrap(),
            max_delay: TimeSpan::from_secs(1),
        },
    ] {
        let dir = tempfile::tempdir().unwrap();
        let seed = 41;
        let mut reference = Reference::new(seed);
        let (mut durable, report) = open(dir.path(), options(mode, 64, 2));
        assert_eq!(report.base, RecoveryBase::Empty);
        assert_eq!(report.last_seq, 0);
        feed(&mut durable, &mut reference, seed, 500);
        durable.sync().unwrap();
        assert_eq!(durable.engine().snapshot(), reference.engine.snapshot());
        drop(durable);

        let recovered = recover(dir.path(), &EngineConfig::default(), common::POLICY).unwrap();
        assert_eq!(recovered.report.last_seq, 500);
        assert!(recovered.report.dropped.is_empty());
        assert!(matches!(
            recovered.report.base,
            RecoveryBase::Snapshot { seq: 448, .. }
        ));
        assert_eq!(recovered.report.replayed, 52);
        assert_eq!(
            recovered.engine.snapshot(),
            reference.engine.snapshot(),
            "{mode:?}"
        );

        // Reopened, it decides exactly as the engine that never stopped.
        let (mut durable, _) = open(dir.path(), options(mode, 64, 2));
        feed(&mut durable, &mut reference, seed, 200);
        assert_eq!(durable.engine().snapshot(), reference.engine.snapshot());
        durable.engine().audit().unwrap();
    }
}

#[test]
fn rejected_commands_are_not_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 5;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Buffered, 0, 2));
    feed(&mut durable, &mut reference, seed, 300);
    assert!(
        reference.next_index > 300,
        "the stream must include rejections"
    );
    let segments = files(dir.path(), ".swj");
    assert_eq!(segments.len(), 1);
    let scan = scan_segment(&segments[0]).unwrap();
    assert_eq!(scan.records.len(), 300);
    for record in &scan.records {
        let index = reference.index_of_seq[(record.seq - 1) as usize];
        assert_eq!(
            (record.at, record.command.clone()),
            common::command(seed, index)
        );
    }
}

#[test]
fn torn_last_record_is_dropped_reported_and_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 9;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Fsync, 0, 2));
    feed(&mut durable, &mut reference, seed, 40);
    drop(durable);
    let segment = files(dir.path(), ".swj").pop().unwrap();
    let full = fs::read(&segment).unwrap();
    let scan = scan_segment(&segment).unwrap();
    // Length of the file before the last record: rescan a copy cut there.
    let mut cut_at = full.len();
    for cut in (0..full.len()).rev() {
        fs::write(&segment, &full[..cut]).unwrap();
        if scan_segment(&segment).unwrap().dropped.is_none() {
            cut_at = cut;
            break;
        }
    }
    let torn = cut_at + (full.len() - cut_at) / 2;
    fs::write(&segment, &full[..torn]).unwrap();
    assert_eq!(scan.records.len(), 40);

    let (durable, report) = open(dir.path(), options(DurabilityMode::Fsync, 0, 2));
    assert_eq!(report.last_seq, 39);
    assert_eq!(report.dropped.len(), 1);
    let dropped = &report.dropped[0];
    assert_eq!(dropped.segment, segment);
    assert_eq!(dropped.tail.offset, cut_at as u64);
    assert_eq!(dropped.tail.bytes, (torn - cut_at) as u64);
    let mut reference = Reference::new(seed);
    reference.advance_to(39);
    assert_eq!(durable.engine().snapshot(), reference.engine.snapshot());
    // The open truncated the torn bytes: the file ends on a record.
    assert_eq!(fs::metadata(&segment).unwrap().len(), cut_at as u64);
    drop(durable);
    let (_, report) = open(dir.path(), options(DurabilityMode::Fsync, 0, 2));
    assert!(report.dropped.is_empty());
}

#[test]
fn damaged_newest_snapshot_falls_back_to_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 13;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Buffered, 50, 2));
    feed(&mut durable, &mut reference, seed, 120);
    drop(durable);
    let snapshots = files(dir.path(), ".sws");
    assert_eq!(snapshots.len(), 2, "{snapshots:?}");
    let newest = snapshots.last().unwrap();
    let mut bytes = fs::read(newest).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    fs::write(newest, bytes).unwrap();

    let recovered = recover(dir.path(), &EngineConfig::default(), common::POLICY).unwrap();
    assert_eq!(recovered.report.skipped_snapshots.len(), 1);
    assert_eq!(&recovered.report.skipped_snapshots[0].path, newest);
    assert!(matches!(
        recovered.report.base,
        RecoveryBase::Snapshot { seq: 50, .. }
    ));
    assert_eq!(recovered.report.replayed, 70);
    assert_eq!(recovered.engine.snapshot(), reference.engine.snapshot());
}

#[test]
fn retention_keeps_only_what_the_oldest_kept_snapshot_needs() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 17;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Buffered, 25, 2));
    feed(&mut durable, &mut reference, seed, 110);
    let names = |suffix| {
        files(dir.path(), suffix)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(".sws"),
        [
            "snapshot-00000000000000000075.sws",
            "snapshot-00000000000000000100.sws"
        ]
    );
    assert_eq!(
        names(".swj"),
        [
            "journal-00000000000000000076.swj",
            "journal-00000000000000000101.swj"
        ]
    );
    assert!(names(".tmp").is_empty());
}

#[test]
fn missing_segment_is_a_gap_never_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 19;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Buffered, 50, 3));
    feed(&mut durable, &mut reference, seed, 160);
    drop(durable);
    // Snapshots 100 and 150 unusable: recovery must start from 50 and needs
    // records 51.. but segment 51 is gone.
    for seq in [100, 150] {
        fs::write(
            dir.path().join(format!("snapshot-{seq:020}.sws")),
            b"garbage",
        )
        .unwrap();
    }
    fs::remove_file(dir.path().join(format!("journal-{:020}.swj", 51))).unwrap();
    match recover(dir.path(), &EngineConfig::default(), common::POLICY) {
        Err(PersistError::JournalGap {
            expected: 51,
            found: 101,
        }) => {}
        other => panic!("expected a gap, got {:?}", other.map(|r| r.report)),
    }
}

#[test]
fn no_snapshot_and_no_start_of_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 23;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Buffered, 30, 1));
    feed(&mut durable, &mut reference, seed, 70);
    drop(durable);
    for snapshot in files(dir.path(), ".sws") {
        fs::remove_file(snapshot).unwrap();
    }
    assert!(matches!(
        recover(dir.path(), &EngineConfig::default(), common::POLICY),
        Err(PersistError::NoRecoveryBase { first_seq: 61 })
    ));
}

#[test]
fn group_commit_acknowledges_in_batches_and_by_host_time() {
    let dir = tempfile::tempdir().unwrap();
    let mode = DurabilityMode::GroupCommit {
        max_records: NonZeroU32::new(4).unwrap(),
        max_delay: TimeSpan::from_secs(2),
    };
    let (mut durable, _) = open(dir.path(), options(mode, 0, 2));
    let seed = 29;
    let mut acks = Vec::new();
    let mut index = 0;
    while acks.len() < 5 {
        let (at, command) = common::command(seed, index);
        index += 1;
        if let Ok(applied) = durable.apply(at, command) {
            acks.push((applied.seq, applied.acknowledged_through));
        }
    }
    // The first commands (agents) come 250 ms apart: a batch of four, then
    // one record waiting.
    assert_eq!(acks, [(1, 0), (2, 0), (3, 0), (4, 4), (5, 4)]);
    assert_eq!(durable.acknowledged_through(), 4);
    // A host timer at the deadline syncs it; a moment before does nothing.
    let deadline = durable.next_sync_deadline().expect("a record waits");
    assert_eq!(deadline, common::time_of(4) + TimeSpan::from_secs(2));
    assert_eq!(durable.sync_if_due(deadline - TimeSpan(1)).unwrap(), 4);
    assert_eq!(durable.sync_if_due(deadline).unwrap(), 5);
    assert_eq!(durable.next_sync_deadline(), None);
    assert_eq!(durable.sync().unwrap(), durable.last_seq());
    assert_eq!(durable.next_sync_deadline(), None);
}

#[test]
fn temp_files_of_interrupted_writes_are_ignored_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let seed = 31;
    let mut reference = Reference::new(seed);
    let (mut durable, _) = open(dir.path(), options(DurabilityMode::Fsync, 0, 2));
    feed(&mut durable, &mut reference, seed, 10);
    drop(durable);
    let temp = dir.path().join(format!("snapshot-{:020}.sws.tmp", 10));
    fs::write(&temp, b"half a snapsh").unwrap();
    let (durable, report) = open(dir.path(), options(DurabilityMode::Fsync, 0, 2));
    assert_eq!(report.temp_files, std::slice::from_ref(&temp));
    assert!(!temp.exists());
    assert_eq!(durable.engine().snapshot(), reference.engine.snapshot());
}
