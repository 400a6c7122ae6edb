//! The journal's wire format is a promise (issue 21): a directory written
//! by an earlier build must recover, to the same state, in every later one.
//! `tests/fixtures/format-1/` was written by the build that introduced
//! `JOURNAL_FORMAT` 1 (header, snapshots, segments, a `Command::Reconfigure`
//! record, the persist tests' mixed command stream); this test fails when
//! someone changes the encoding of commands, snapshots or the header
//! without a migration. Never regenerate an existing fixture to make it
//! pass: add a migration, bump the format, and add a fixture of the new one
//! beside the old.
//!
//! A new format's fixture is written by the ignored test below:
//! `cargo test --test persist persist_fixtures::write_fixture -- --ignored`
//! (then rename the directory to the new format and commit it).

use crate::persist_common;
use persist_common as common;

use serde::{Deserialize, Serialize};
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use switchboard::persist::{read_header, DurabilityMode, Durable, DurableOptions};
use switchboard::{Command, Engine, EngineConfig, EngineStats, Reconfigure, TimeSpan};

/// What the fixture's engine holds once recovered.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Expected {
    last_seq: u64,
    conversations: usize,
    stats: EngineStats,
    config: EngineConfig,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn options() -> DurableOptions {
    DurableOptions {
        mode: DurabilityMode::Buffered,
        snapshot_every: NonZeroU64::new(100),
        keep_snapshots: NonZeroUsize::new(50).expect("nonzero"),
    }
}

/// The configuration the fixture's journal ends under (changed once, by a
/// journaled `Reconfigure`, half way).
fn final_config() -> EngineConfig {
    EngineConfig::builder()
        .affinity_window(TimeSpan::from_hours(1))
        .build()
        .expect("valid")
}

fn expected_of(engine: &Engine, last_seq: u64) -> Expected {
    Expected {
        last_seq,
        conversations: engine.conversation_count(),
        stats: engine.stats(),
        config: engine.config().clone(),
    }
}

/// Copies the fixture into a fresh directory (recovery truncates and
/// writes; the committed files stay as they are).
fn copy_of(name: &str) -> tempfile::TempDir {
    let to = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(fixture(name)).expect("the fixture is committed") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n != "expected.json") {
            std::fs::copy(&path, to.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    to
}

/// The engine's state as JSON, without its counters: a later build may
/// count more things (a replay from record 1 then counts them over more
/// records than a replay from a snapshot that predates them), which is not
/// a change of state or of decisions. Each group's pending re-rankings are
/// compared as a set: a later build may mark an agent for re-ranking at
/// another time (one whose status takes no work is marked once, not on
/// every change, BENCHMARKS.md, instr9), so a snapshot written by an
/// earlier build lists the same marks in another order; a group re-ranks
/// its marked agents into the same index in any order.
fn state_without_counters(engine: &Engine) -> serde_json::Value {
    let mut json = serde_json::to_value(engine.snapshot()).expect("json");
    json.as_object_mut().expect("object").remove("stats");
    if let Some(groups) = json.get_mut("groups").and_then(|g| g.as_array_mut()) {
        for group in groups {
            if let Some(pending) = group.get_mut("pending").and_then(|p| p.as_array_mut()) {
                pending.sort_by_key(|a| a.as_u64());
            }
        }
    }
    json
}

/// Checks `engine` against the fixture's `expected.json`: every field it
/// names, and of the counters only those it names (the ones that existed
/// when it was written; counters added since are new diagnostics).
fn check_expected(engine: &Engine, last_seq: u64, raw: &serde_json::Value) {
    let expected: Expected = serde_json::from_value(raw.clone()).expect("an Expected");
    let now = expected_of(engine, last_seq);
    assert_eq!(now.last_seq, expected.last_seq);
    assert_eq!(now.conversations, expected.conversations);
    // Decoded, not compared as text: a later build may write a setting in
    // another form (channel weights became a map) and add settings whose
    // defaults older files read as.
    assert_eq!(now.config, expected.config);
    let actual = serde_json::to_value(now).expect("json");
    let stats = raw["stats"].as_object().expect("stats");
    for (counter, value) in stats {
        assert_eq!(&actual["stats"][counter], value, "stats.{counter}");
    }
}

#[test]
fn a_journal_of_format_1_recovers_to_the_same_state() {
    let raw: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture("format-1").join("expected.json")).expect("expected.json"),
    )
    .expect("expected.json decodes");
    let expected: Expected = serde_json::from_value(raw.clone()).expect("an Expected");
    let header = read_header(&fixture("format-1"))
        .expect("header")
        .expect("the fixture has a header");
    assert_eq!(header.format, 1);

    // From the newest snapshot and the records after it.
    let dir = copy_of("format-1");
    let (durable, report) = Durable::open(dir.path(), options(), &final_config(), common::POLICY)
        .expect("a format-1 directory opens under the rules it ends with");
    assert!(report.dropped.is_empty(), "{report:?}");
    durable.engine().audit().expect("audit");
    check_expected(durable.engine(), report.last_seq, &raw);
    let from_snapshot = state_without_counters(durable.engine());
    drop(durable);

    // From the header and every record, the Reconfigure among them.
    let dir = copy_of("format-1");
    for entry in std::fs::read_dir(dir.path()).expect("list") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sws") {
            std::fs::remove_file(path).expect("remove snapshot");
        }
    }
    let (durable, report) = Durable::open(dir.path(), options(), &final_config(), common::POLICY)
        .expect("the whole journal replays");
    assert_eq!(report.replayed, expected.last_seq, "replayed from record 1");
    durable.engine().audit().expect("audit");
    check_expected(durable.engine(), report.last_seq, &raw);
    assert_eq!(state_without_counters(durable.engine()), from_snapshot);
}

/// Writes a fixture of the current format into `target/fixture-new`.
#[test]
#[ignore = "writes a new fixture; run by hand when the format changes"]
fn write_fixture() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fixture-new");
    let _ = std::fs::remove_dir_all(&out);
    let (mut durable, _) =
        Durable::open(&out, options(), &EngineConfig::default(), common::POLICY).expect("open");
    let mut accepted = 0u64;
    let mut index = 0u64;
    while accepted < 400 {
        let (at, command) = common::command(11, index);
        index += 1;
        if accepted == 200 {
            let change = Command::Reconfigure(Reconfigure::Config(Box::new(final_config())));
            durable.apply(at, change).expect("a safe change");
            accepted += 1;
        }
        if durable.apply(at, command).is_ok() {
            accepted += 1;
        }
    }
    durable.sync().expect("sync");
    let expected = expected_of(durable.engine(), durable.last_seq());
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_vec_pretty(&expected).expect("json"),
    )
    .expect("write expected.json");
}
