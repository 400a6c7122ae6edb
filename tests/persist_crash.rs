//! Crash test: a child process applies a seeded command stream through
//! `Durable` and prints each acknowledged sequence number; the parent
//! SIGKILLs it at a random point, recovers the directory, and checks that
//! every acknowledged command is in the recovered state and that the state
//! equals a reference replay of the recovered prefix. Several cycles, each
//! child continuing the directory the previous one left.
//!
//! The binary runs itself as the child (`SWITCHBOARD_CRASH_CHILD` set), so
//! no extra target is needed. Environment knobs for longer runs:
//! `SWITCHBOARD_CRASH_SEED` (default fixed), `SWITCHBOARD_CRASH_CYCLES`
//! (default 12). The seed is printed first; it fixes the kill schedule (how
//! many acks to wait for, then a delay of 0-3 ms), not the exact instruction
//! the kill lands on, which depends on timing.

mod persist_common;
use persist_common as common;

use common::Reference;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader, Write};
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration as WallDuration, Instant};
use switchboard::persist::{recover, DurabilityMode, Durable, DurableError, DurableOptions};
use switchboard::{EngineConfig, TimeSpan};

const STREAM_SEED: u64 = 0xC0FFEE;
const SNAPSHOT_EVERY: u64 = 37;

fn mode(name: &str) -> DurabilityMode {
    match name {
        "buffered" => DurabilityMode::Buffered,
        "group" => DurabilityMode::GroupCommit {
            max_records: NonZeroU32::new(5).unwrap(),
            max_delay: TimeSpan::from_secs(1),
        },
        _ => DurabilityMode::Fsync,
    }
}

fn options(mode: DurabilityMode) -> DurableOptions {
    DurableOptions {
        mode,
        snapshot_every: NonZeroU64::new(SNAPSHOT_EVERY),
        keep_snapshots: NonZeroUsize::new(2).unwrap(),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The child: open the directory, apply the stream from `START`, print
/// `ACK <seq> <index>` (or `ACKTHROUGH <seq>` in group-commit mode) once a
/// command is acknowledged, until killed.
fn child(dir: &Path, start: u64, mode_name: &str) {
    let mode = mode(mode_name);
    let (mut durable, _) =
        Durable::open(dir, options(mode), &EngineConfig::default(), common::POLICY)
            .expect("child open");
    let mut out = std::io::stdout().lock();
    let mut acked = durable.acknowledged_through();
    for index in start..start + 1_000_000 {
        let (at, command) = common::command(STREAM_SEED, index);
        match durable.apply(at, command) {
            Ok(applied) => {
                if let Some(Err(e)) = applied.checkpoint {
                    panic!("checkpoint failed: {e}");
                }
                if mode == DurabilityMode::Fsync || mode == DurabilityMode::Buffered {
                    assert_eq!(applied.acknowledged_through, applied.seq);
                    writeln!(out, "ACK {} {index}", applied.seq).expect("stdout");
                } else if applied.acknowledged_through > acked {
                    acked = applied.acknowledged_through;
                    writeln!(out, "ACKTHROUGH {acked}").expect("stdout");
                }
                out.flush().expect("stdout");
            }
            Err(DurableError::Rejected(_)) => {}
            Err(e) => panic!("child apply failed: {e}"),
        }
    }
}

struct Cycle {
    acked: u64,
    recovered: u64,
    dropped_bytes: u64,
}

fn parent() {
    let seed: u64 = env("SWITCHBOARD_CRASH_SEED")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0004);
    let cycles: u32 = env("SWITCHBOARD_CRASH_CYCLES")
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    println!("persist_crash: seed={seed} cycles={cycles} (SWITCHBOARD_CRASH_SEED to replay)");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("current exe");
    let mut reference = Reference::new(STREAM_SEED);
    let mut results = Vec::new();
    for cycle in 0..cycles {
        // Mostly fsync; every third cycle another mode, which must keep the
        // same promise against a process kill.
        let mode_name = match cycle % 6 {
            2 => "group",
            5 => "buffered",
            _ => "fsync",
        };
        let start = reference.next_index;
        let mut child = Process::new(&exe)
            .env("SWITCHBOARD_CRASH_CHILD", dir.path())
            .env("SWITCHBOARD_CRASH_START", start.to_string())
            .env("SWITCHBOARD_CRASH_MODE", mode_name)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let kill_after: u64 = rng.gen_range(0..250);
        let linger = WallDuration::from_micros(rng.gen_range(0..3_000));
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut acked = 0u64;
        let mut acks = Vec::new();
        let mut seen = 0u64;
        while seen < kill_after {
            let Some(Ok(line)) = lines.next() else {
                panic!("seed {seed} cycle {cycle}: child ended before the kill");
            };
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["ACK", seq, index] => {
                    let seq: u64 = seq.parse().expect("seq");
                    acks.push((seq, index.parse::<u64>().expect("index")));
                    acked = acked.max(seq);
                }
                ["ACKTHROUGH", seq] => acked = acked.max(seq.parse().expect("seq")),
                _ => panic!("unexpected child output {line:?}"),
            }
            seen += 1;
        }
        std::thread::sleep(linger);
        // Child::kill sends SIGKILL on Unix: no destructor, no flush runs.
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        // Acks printed between our last read and the kill count too.
        for line in lines.map_while(Result::ok) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["ACK", seq, index] => {
                    let seq: u64 = seq.parse().expect("seq");
                    acks.push((seq, index.parse::<u64>().expect("index")));
                    acked = acked.max(seq);
                }
                ["ACKTHROUGH", seq] => acked = acked.max(seq.parse().expect("seq")),
                _ => {}
            }
        }

        let recovered = recover(dir.path(), &EngineConfig::default(), common::POLICY)
            .unwrap_or_else(|e| panic!("seed {seed} cycle {cycle}: recovery failed: {e}"));
        let last = recovered.report.last_seq;
        assert!(
            last >= acked,
            "seed {seed} cycle {cycle} ({mode_name}): acknowledged {acked} but recovered only {last}"
        );
        assert!(
            last >= reference.accepted(),
            "seed {seed} cycle {cycle}: recovered {last} is behind the previous recovery"
        );
        reference.advance_to(last);
        for (seq, index) in acks {
            assert_eq!(
                reference.index_of_seq[(seq - 1) as usize],
                index,
                "seed {seed} cycle {cycle}: record {seq} is not the reference's"
            );
        }
        assert_eq!(
            recovered.engine.snapshot(),
            reference.engine.snapshot(),
            "seed {seed} cycle {cycle}: recovered state differs from the reference replay"
        );
        recovered.engine.audit().expect("audit");
        results.push(Cycle {
            acked,
            recovered: last,
            dropped_bytes: recovered.report.dropped.iter().map(|d| d.tail.bytes).sum(),
        });
    }
    let torn = results.iter().filter(|c| c.dropped_bytes > 0).count();
    let unacked: u64 = results.iter().map(|c| c.recovered - c.acked).sum();
    println!(
        "persist_crash: {} kill/recover cycles, {} records recovered, {} cycles with a torn tail dropped, {} records recovered beyond the last ack, 0 acknowledged records lost, {:.1}s",
        results.len(),
        results.last().map_or(0, |c| c.recovered),
        torn,
        unacked,
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    match env("SWITCHBOARD_CRASH_CHILD") {
        Some(dir) => {
            let start = env("SWITCHBOARD_CRASH_START")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let mode = env("SWITCHBOARD_CRASH_MODE").unwrap_or_default();
            child(Path::new(&dir), start, &mode);
        }
        None => parent(),
    }
}
