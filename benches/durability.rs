//! What each durability mode costs: records per second and per-record
//! latency of `Durable::apply`, against the bare engine; plus checkpoint and
//! recovery times. Prints a table.
//!
//! `cargo bench --bench durability` (`DURABILITY_RECORDS=n` to change the
//! record count of the non-fsync rows).

#[path = "../tests/persist_common/mod.rs"]
mod common;

use hdrhistogram::Histogram;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::time::Instant;
use switchboard::persist::{recover, DurabilityMode, Durable, DurableOptions};
use switchboard::{Command, Engine, EngineConfig, TimeSpan, Timestamp};

/// The first `n` commands of the stream that the engine accepts.
fn accepted_commands(n: u64) -> Vec<(Timestamp, Command)> {
    let mut reference = common::Reference::new(77);
    reference.advance_to(n);
    reference
        .index_of_seq
        .iter()
        .map(|&index| common::command(77, index))
        .collect()
}

struct Row {
    name: String,
    records: usize,
    secs: f64,
    hist: Histogram<u64>,
}

fn print(row: &Row) {
    let q = |p: f64| row.hist.value_at_quantile(p) as f64 / 1_000.0;
    println!(
        "| {:<34} | {:>8} | {:>11.0} | {:>9.1} | {:>9.1} | {:>9.1} | {:>9.1} |",
        row.name,
        row.records,
        row.records as f64 / row.secs,
        row.secs * 1e6 / row.records as f64,
        q(0.5),
        q(0.99),
        q(0.999),
    );
}

fn bench_engine(commands: &[(Timestamp, Command)]) -> Row {
    let mut engine = Engine::new(EngineConfig::default(), common::policy()).unwrap();
    let mut hist = Histogram::<u64>::new(3).unwrap();
    let started = Instant::now();
    for (at, command) in commands {
        let t = Instant::now();
        engine.apply(*at, command.clone()).unwrap();
        hist.record(t.elapsed().as_nanos() as u64).unwrap();
    }
    Row {
        name: "engine only (no journal)".into(),
        records: commands.len(),
        secs: started.elapsed().as_secs_f64(),
        hist,
    }
}

fn bench_mode(
    name: &str,
    mode: DurabilityMode,
    every: Option<u64>,
    commands: &[(Timestamp, Command)],
) -> Row {
    let dir = tempfile::tempdir().unwrap();
    let options = DurableOptions {
        mode,
        snapshot_every: every.and_then(NonZeroU64::new),
        keep_snapshots: NonZeroUsize::new(2).unwrap(),
    };
    let (mut durable, _) = Durable::open(
        dir.path(),
        options,
        &EngineConfig::default(),
        common::POLICY,
    )
    .unwrap();
    let mut hist = Histogram::<u64>::new(3).unwrap();
    let started = Instant::now();
    for (at, command) in commands {
        let t = Instant::now();
        durable.apply(*at, command.clone()).unwrap();
        hist.record(t.elapsed().as_nanos() as u64).unwrap();
    }
    durable.sync().unwrap();
    Row {
        name: name.into(),
        records: commands.len(),
        secs: started.elapsed().as_secs_f64(),
        hist,
    }
}

fn main() {
    let n: u64 = std::env::var("DURABILITY_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let commands = accepted_commands(n);
    let fsync_commands = &commands[..commands.len().min(3_000)];
    let group = |max: u32| DurabilityMode::GroupCommit {
        max_records: NonZeroU32::new(max).unwrap(),
        max_delay: TimeSpan::from_hours(1),
    };
    println!("| mode | records | records/s | mean µs | p50 µs | p99 µs | p99.9 µs |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    print(&bench_engine(&commands));
    print(&bench_mode(
        "Buffered",
        DurabilityMode::Buffered,
        None,
        &commands,
    ));
    print(&bench_mode(
        "Buffered + snapshot every 10k",
        DurabilityMode::Buffered,
        Some(10_000),
        &commands,
    ));
    print(&bench_mode(
        "GroupCommit (128 records)",
        group(128),
        None,
        &commands,
    ));
    print(&bench_mode(
        "GroupCommit (16 records)",
        group(16),
        None,
        &commands,
    ));
    print(&bench_mode(
        "Fsync",
        DurabilityMode::Fsync,
        None,
        fsync_commands,
    ));

    // Checkpoint and recovery costs at this state size.
    let dir = tempfile::tempdir().unwrap();
    let options = DurableOptions {
        mode: DurabilityMode::Buffered,
        snapshot_every: None,
        keep_snapshots: NonZeroUsize::new(2).unwrap(),
    };
    let (mut durable, _) = Durable::open(
        dir.path(),
        options,
        &EngineConfig::default(),
        common::POLICY,
    )
    .unwrap();
    for (at, command) in &commands {
        durable.apply(*at, command.clone()).unwrap();
    }
    durable.sync().unwrap();
    drop(durable);
    let t = Instant::now();
    let recovered = recover(dir.path(), &EngineConfig::default(), common::POLICY).unwrap();
    let replay = t.elapsed().as_secs_f64();
    println!(
        "\nrecovery replaying {} journal records: {:.3} s ({:.0} records/s)",
        recovered.report.replayed,
        replay,
        recovered.report.replayed as f64 / replay
    );
    let (mut durable, _) = Durable::open(
        dir.path(),
        options,
        &EngineConfig::default(),
        common::POLICY,
    )
    .unwrap();
    let t = Instant::now();
    durable.checkpoint().unwrap();
    let snap = t.elapsed().as_secs_f64();
    let conversations = durable.engine().conversation_count();
    drop(durable);
    let t = Instant::now();
    let recovered = recover(dir.path(), &EngineConfig::default(), common::POLICY).unwrap();
    println!(
        "checkpoint (snapshot of {conversations} conversations, fsync, rename): {:.3} s; recovery from it ({} records replayed): {:.3} s",
        snap,
        recovered.report.replayed,
        t.elapsed().as_secs_f64()
    );
}
