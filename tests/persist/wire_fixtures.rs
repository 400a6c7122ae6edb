//! The wire format is a promise (issue 21): commands and decisions carry
//! an explicit version (`switchboard::wire`, `WIRE_FORMAT` 1), and what one
//! build wrote, every later build reads to the same values. The fixtures in
//! `tests/fixtures/wire-1/` were written by the build that introduced the
//! versioned format: a command stream and the decision stream it caused
//! (JSON lines), the engine's snapshot at the end, and a journal directory
//! (header, snapshots, segments) of the same commands.
//!
//! Each test decodes a fixture, compares it with values built here (the
//! same generator, or the recovered state), and encodes it again: every
//! byte outside the JSON (versions, sequence numbers, times, frames) must
//! be the committed one, and the JSON must hold every committed field with
//! the committed value (`covers`): a renamed, removed or re-typed field, or
//! a value written in another form, fails here even when it still decodes.
//! A new field with a default is a compatible addition and passes (older
//! messages read as its default). Anything else needs a new format, a
//! migration, and a new fixture beside this one. Never regenerate these
//! files to make a test pass.
//!
//! Writer (run by hand for a new format, then move the directory):
//! `cargo test --test persist wire_fixtures::write_wire_fixture -- --ignored`

use crate::persist_common;
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

/// Asserts that `new` holds everything `old` does: every key of every
/// object with a value it covers, arrays of the same length element by
/// element, other values equal. Keys only `new` has (fields added since,
/// with their defaults) are allowed.
fn covers(old: &serde_json::Value, new: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (key, value) in o {
                let inner = format!("{path}.{key}");
                let there = n
                    .get(key)
                    .unwrap_or_else(|| panic!("{inner}: no longer written"));
                covers(value, there, &inner);
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            assert_eq!(o.len(), n.len(), "{path}: length");
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                covers(a, b, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(old, new, "{path}"),
    }
}

/// `covers` over two JSON texts.
fn covers_text(old: &[u8], new: &[u8], what: &str) {
    let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).expect("JSON");
    covers(&parse(old), &parse(new), what);
}

/// The frames of a segment's body: `(seq and time bytes, command JSON)`.
fn frames(mut body: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    // Each frame consumes at least its 8 header bytes.
    for _ in 0..body.len() / 8 + 1 {
        if body.is_empty() {
            break;
        }
        let len = u32::from_le_bytes(body[..4].try_into().expect("4 bytes")) as usize;
        let payload = &body[8..8 + len];
        out.push((payload[..16].to_vec(), payload[16..].to_vec()));
        body = &body[8 + len..];
    }
    out
}

#[test]
fn commands_of_wire_format_1_decode_to_the_same_values_and_encode_every_field_as_before() {
    let lines = lines("commands.jsonl");
    let stream = stream();
    assert_eq!(lines.len(), stream.len());
    for (i, (line, expected)) in lines.iter().zip(&stream).enumerate() {
        let decoded = decode_command(line).unwrap_or_else(|e| panic!("line {i}: {e}"));
        assert_eq!(&decoded, expected, "line {i}");
        let again = encode_command(decoded.0, &decoded.1).expect("encodes");
        covers_text(line, &again, &format!("line {i}"));
    }
}

#[test]
fn decisions_of_wire_format_1_decode_and_encode_every_field_as_before() {
    let lines = lines("decisions.jsonl");
    let expected = expected();
    assert_eq!(lines.len() as u64, expected.accepted);
    let mut all = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (at, decisions) = decode_decisions(line).unwrap_or_else(|e| panic!("line {i}: {e}"));
        let again = encode_decisions(at, &decisions).expect("encodes");
        covers_text(line, &again, &format!("line {i}"));
        all.extend(decisions);
    }
    assert_eq!(kind_counts(all.iter()), expected.decisions);
}

#[test]
fn a_snapshot_of_wire_format_1_restores_and_encodes_every_field_as_before() {
    let json = std::fs::read_to_string(dir().join("snapshot.json")).expect("snapshot.json");
    let snapshot = Snapshot::from_json(json.trim_end()).expect("decodes");
    let engine = Engine::restore(snapshot, common::policy()).expect("restores");
    engine.audit().expect("audit");
    let expected = expected();
    assert_eq!(engine.conversation_count(), expected.conversations);
    assert_eq!(engine.stats(), expected.stats);
    assert_eq!(engine.config(), &final_config());
    let again = engine.snapshot().to_json().expect("json");
    covers_text(json.trim_end().as_bytes(), again.as_bytes(), "snapshot");
}

#[test]
fn a_journal_of_wire_format_1_recovers_and_its_records_encode_every_field_as_before() {
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
        let old = self::frames(&bytes[SEGMENT_HEADER_LEN as usize..]);
        let new = self::frames(&frames);
        assert_eq!(old.len(), new.len(), "{path:?}");
        for ((old_head, old_json), (new_head, new_json)) in old.iter().zip(&new) {
            assert_eq!(old_head, new_head, "{path:?}: sequence and time");
            covers_text(old_json, new_json, &format!("{path:?}"));
        }
    }
    assert_eq!(seq, expected.accepted);
    // And the directory recovers (a copy: recovery may write).
    let copy = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(dir().join("journal")).expect("list") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, copy.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let (durable, report) = Durable::open(copy.path(), options(), &final_config(), common::POLICY)
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
        common::POLICY,
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
