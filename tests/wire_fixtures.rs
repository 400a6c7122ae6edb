//! The wire format is a promise (issue 21): commands and decisions carry
//! an explicit version (`switchboard::wire`, `WIRE_FORMAT` 1), and what one
//! build wrote, every later build reads to the same values. The fixtures in
//! `tests/fixtures/wire-1/` were written by the build that introduced the
//! versioned format: a command stream and the decision stream it caused
//! (JSON lines), the engine's snapshot at the end, and a journal directory
//! (header, snapshots, segments) of the same commands.
//!
//! Each test decodes a fixture, compares it with values built here (the
//! same generator, or the recovered state), and encodes it again, which
//! must give the committed bytes: a change of encoding fails here even when
//! it still decodes. A compatible addition (a new optional field) must not
//! write its default, so old bytes stay as they were; anything else needs a
//! new format, a migration, and a new fixture beside this one. Never
//! regenerate these files to make a test pass.
//!
//! Writer (run by hand for a new format, then move the directory):
//! `cargo test --test wire_fixtures -- --ignored write_wire_fixture`

mod persist_common;
use persist_common as common;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use switchboard::persist::{
    read_header, scan_segment, DurabilityMode, Durable, DurableOptions, SEGMENT_HEADER_LEN,
};
use switchboard::wire::{
    decode_command, decode_decisions, encode_command, encode_decisions, WIRE_FORMAT,
};
use switchboard::{Command, Engine, EngineConfig, EngineStats, Reconfigure, Snapshot, TimeSpan};

/// Commands in the fixture's stream.
const COMMANDS: u64 = 500;
/// Where the stream changes its configuration (a journaled `Reconfigure`).
const RECONFIGURE_AT: u64 = 250;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wire-1")
}

/// The configuration the stream ends under.
fn final_config() -> EngineConfig {
    EngineConfig::builder()
        .affinity_window(TimeSpan::from_hours(2))
        .build()
        .expect("valid")
}

/// The fixture's command stream: the persist tests' mixed stream (seed
/// 21), with a configuration change half way, and a tick two hours on so
/// that timers fire (warnings, breaches, parks).
fn stream() -> Vec<(switchboard::Timestamp, Command)> {
    let end = common::time_of(COMMANDS) + TimeSpan::from_hours(2);
    (0..COMMANDS)
        .map(|i| {
            if i == RECONFIGURE_AT {
                let at = common::time_of(i);
                (
                    at,
                    Command::Reconfigure(Reconfigure::Config(Box::new(final_config()))),
                )
            } else {
                common::command(21, i)
            }
        })
        .chain([(end, Command::Tick)])
        .collect()
}

/// What the fixture's engine holds at the end.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Expected {
    accepted: u64,
    decisions: BTreeMap<String, u64>,
    conversations: usize,
    stats: EngineStats,
}

fn options() -> DurableOptions {
    DurableOptions {
        mode: DurabilityMode::Buffered,
        snapshot_every: NonZeroU64::new(200),
        keep_snapshots: NonZeroUsize::new(50).expect("nonzero"),
    }
}

fn lines(name: &str) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(dir().join(name)).expect("the fixture is committed");
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn expected() -> Expected {
    let bytes = std::fs::read(dir().join("expected.json")).expect("expected.json");
    serde_json::from_slice(&bytes).expect("expected.json decodes")
}

fn kind_counts<'a>(
    decisions: impl Iterator<Item = &'a switchboard::Decision>,
) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for d in decisions {
        *counts.entry(d.name().to_owned()).or_default() += 1;
    }
    counts
}

#[test]
fn commands_of_wire_format_1_decode_to_the_same_values_and_encode_to_the_same_bytes() {
    let lines = lines("commands.jsonl");
    let stream = stream();
    assert_eq!(lines.len(), stream.len());
    for (i, (line, expected)) in lines.iter().zip(&stream).enumerate() {
        let decoded = decode_command(line).unwrap_or_else(|e| panic!("line {i}: {e}"));
        assert_eq!(&decoded, expected, "line {i}");
        let again = encode_command(decoded.0, &decoded.1).expect("encodes");
        assert_eq!(
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(line),
            "line {i} encodes as before"
        );
    }
}

#[test]
fn decisions_of_wire_format_1_decode_and_encode_to_the_same_bytes() {
    let lines = lines("decisions.jsonl");
    let expected = expected();
    assert_eq!(lines.len() as u64, expected.accepted);
    let mut all = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (at, decisions) = decode_decisions(line).unwrap_or_else(|e| panic!("line {i}: {e}"));
        let again = encode_decisions(at, &decisions).expect("encodes");
        assert_eq!(
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(line),
            "line {i} encodes as before"
        );
        all.extend(decisions);
    }
    assert_eq!(kind_counts(all.iter()), expected.decisions);
}

#[test]
fn a_snapshot_of_wire_format_1_restores_and_encodes_to_the_same_bytes() {
    let json = std::fs::read_to_string(dir().join("snapshot.json")).expect("snapshot.json");
    let snapshot = Snapshot::from_json(json.trim_end()).expect("decodes");
    let engine = Engine::restore(snapshot, common::policy()).expect("restores");
    engine.audit().expect("audit");
    let expected = expected();
    assert_eq!(engine.conversation_count(), expected.conversations);
    assert_eq!(engine.stats(), expected.stats);
    assert_eq!(engine.config(), &final_config());
    assert_eq!(engine.snapshot().to_json().expect("json"), json.trim_end());
}

#[test]
fn a_journal_of_wire_format_1_recovers_and_its_records_encode_to_the_same_bytes() {
    let header = read_header(&dir().join("journal"))
        .expect("header")
        .expect("the fixture has a header");
    assert_eq!(header.format, WIRE_FORMAT);
    let expected = expected();
    // Record by record: decoded, encoded again, the same frames.
    let mut seq = 0;
    let mut segments: Vec<PathBuf> = std::fs::read_dir(dir().join("journal"))
        .expect("list")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "swj"))
        .collect();
    segments.sort();
    for path in &segments {
        let scan = scan_segment(path).expect("scans");
        assert!(scan.dropped.is_none(), "{path:?} is whole");
        let mut frames = Vec::new();
        for record in &scan.records {
            seq += 1;
            assert_eq!(record.seq, seq);
            switchboard::persist::encode_record(
                record.seq,
                record.at,
                &record.command,
                &mut frames,
            )
            .expect("encodes");
        }
        let bytes = std::fs::read(path).expect("segment");
        assert_eq!(
            &bytes[SEGMENT_HEADER_LEN as usize..],
            &frames[..],
            "{path:?}"
        );
    }
    assert_eq!(seq, expected.accepted);
    // And the directory recovers (a copy: recovery may write).
    let copy = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(dir().join("journal")).expect("list") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, copy.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let (durable, report) = Durable::open(copy.path(), options(), &final_config(), &common::policy)
        .expect("opens under the rules it ends with");
    assert_eq!(report.last_seq, expected.accepted);
    durable.engine().audit().expect("audit");
    assert_eq!(
        durable.engine().conversation_count(),
        expected.conversations
    );
    assert_eq!(durable.engine().stats(), expected.stats);
}

/// Writes a fixture of the current format into `target/wire-fixture-new`.
#[test]
#[ignore = "writes a new fixture; run by hand when the format changes"]
fn write_wire_fixture() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/wire-fixture-new");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("mkdir");
    let (mut durable, _) = Durable::open(
        &out.join("journal"),
        options(),
        &EngineConfig::default(),
        &common::policy,
    )
    .expect("open");
    let mut engine = Engine::new(EngineConfig::default(), common::policy()).expect("engine");
    let (mut commands, mut decisions) = (Vec::new(), Vec::new());
    let mut all = Vec::new();
    for (at, command) in stream() {
        commands.extend(encode_command(at, &command).expect("encodes"));
        commands.push(b'\n');
        let durable_result = durable.apply(at, command.clone()).is_ok();
        if let Ok(decided) = engine.apply(at, command) {
            assert!(durable_result, "the journal accepts what the engine does");
            decisions.extend(encode_decisions(at, &decided).expect("encodes"));
            decisions.push(b'\n');
            all.extend(decided);
        }
    }
    durable.sync().expect("sync");
    let expected = Expected {
        accepted: durable.last_seq(),
        decisions: kind_counts(all.iter()),
        conversations: engine.conversation_count(),
        stats: engine.stats(),
    };
    std::fs::write(out.join("commands.jsonl"), commands).expect("write");
    std::fs::write(out.join("decisions.jsonl"), decisions).expect("write");
    let snapshot = engine.snapshot().to_json().expect("json");
    std::fs::write(out.join("snapshot.json"), snapshot + "\n").expect("write");
    let expected = serde_json::to_vec_pretty(&expected).expect("json");
    std::fs::write(out.join("expected.json"), expected).expect("write");
}
