//! Kill and recover: a child process runs a durable runtime (group commit,
//! 2 shards, 4 tenants, one producer thread per tenant) and prints every
//! acknowledged command; the parent SIGKILLs it under load, recovers each
//! tenant's directory and checks that every acknowledged command is in the
//! recovered journal (same sequence number, same command) and state, and
//! that recovery replays cleanly (it audits the engine). Each cycle's child
//! continues the directories the previous one left.
//!
//! The binary runs itself as the child (`RUNTIME_CRASH_CHILD` set), like
//! `persist_crash`. `RUNTIME_CRASH_CYCLES` (default 20; `ci/runtime-crash.sh`
//! runs 100) and `RUNTIME_CRASH_SEED` (printed first) make longer runs.

mod persist_common;
mod runtime_common;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration as Wall, Instant};
use switchboard::persist::{recover, Record};
use switchboard::runtime::{
    Durability, FileStore, Runtime, RuntimeConfig, RuntimeError, TenantId, TenantSpec,
};
use switchboard::EngineConfig;

const TENANTS: u64 = 4;
const WINDOW: usize = 16;

fn tenant(t: u64) -> TenantId {
    TenantId::new(&format!("tenant-{t}")).expect("valid id")
}

fn stream_seed(t: u64) -> u64 {
    0xC0FFEE + t
}

fn store(dir: &Path) -> FileStore {
    FileStore::new(dir)
        .snapshot_every(NonZeroU64::new(400))
        .keep_snapshots(NonZeroUsize::new(2).expect("2"))
}

/// The child: run the runtime, one producer per tenant from its start
/// index, printing `SENT t i` before sending and `ACK t seq i` once
/// acknowledged, until killed.
fn child(dir: &Path, starts: &[u64]) {
    let config = RuntimeConfig::durable(dir)
        .store(Arc::new(store(dir)))
        .durability(Durability::Synced)
        .shards(2)
        .batch_max(64);
    let specs = (0..TENANTS)
        .map(|t| TenantSpec::new(tenant(t), EngineConfig::default(), persist_common::POLICY))
        .collect();
    let (runtime, _) = Runtime::start(config, specs).expect("child start");
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let producers: Vec<_> = (0..TENANTS)
        .map(|t| {
            let (handle, out, start) = (runtime.handle(), Arc::clone(&out), starts[t as usize]);
            std::thread::spawn(move || {
                let id = tenant(t);
                let say = |line: String| {
                    let mut out = out.lock().expect("stdout");
                    writeln!(out, "{line}").expect("stdout");
                    out.flush().expect("stdout");
                };
                let mut inflight = VecDeque::new();
                for index in start..start + 10_000_000 {
                    let (_, command) = persist_common::command(stream_seed(t), index);
                    say(format!("SENT {t} {index}"));
                    match handle.send(&id, command) {
                        Ok(pending) => inflight.push_back((index, pending)),
                        Err(RuntimeError::Overloaded { .. }) => {}
                        Err(e) => panic!("send: {e}"),
                    }
                    while inflight.len() >= WINDOW {
                        let (index, pending) = inflight.pop_front().expect("non-empty");
                        match pending.wait() {
                            Ok(accepted) => say(format!("ACK {t} {} {index}", accepted.record)),
                            Err(RuntimeError::Rejected(_)) => {}
                            Err(e) => panic!("ack: {e}"),
                        }
                    }
                }
            })
        })
        .collect();
    for p in producers {
        let _ = p.join();
    }
}

fn parent() {
    let seed: u64 = std::env::var("RUNTIME_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0011);
    let cycles: u32 = std::env::var("RUNTIME_CRASH_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!("runtime_crash: seed={seed} cycles={cycles} (RUNTIME_CRASH_SEED to replay)");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("current exe");
    let mut starts = vec![0u64; TENANTS as usize];
    let mut last_recovered = vec![0u64; TENANTS as usize];
    let (mut total_acks, mut verified, mut torn) = (0u64, 0u64, 0u64);
    for cycle in 0..cycles {
        let starts_arg: Vec<String> = starts.iter().map(u64::to_string).collect();
        let mut child = Process::new(&exe)
            .env("RUNTIME_CRASH_CHILD", dir.path())
            .env("RUNTIME_CRASH_STARTS", starts_arg.join(","))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let kill_after: u64 = rng.gen_range(0..400);
        let linger = Wall::from_micros(rng.gen_range(0..3_000));
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut acks: Vec<(u64, u64, u64)> = Vec::new();
        let mut sent = starts.clone();
        let read = |line: &str, acks: &mut Vec<(u64, u64, u64)>, sent: &mut Vec<u64>| {
            let words: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .map(|w| w.parse().expect("number"))
                .collect();
            match (line.split_whitespace().next(), words.as_slice()) {
                (Some("SENT"), [t, index]) => sent[*t as usize] = sent[*t as usize].max(index + 1),
                (Some("ACK"), [t, seq, index]) => acks.push((*t, *seq, *index)),
                _ => {} // a line torn by the kill
            }
        };
        while (acks.len() as u64) < kill_after {
            let Some(Ok(line)) = lines.next() else {
                panic!("seed {seed} cycle {cycle}: child ended before the kill");
            };
            read(&line, &mut acks, &mut sent);
        }
        std::thread::sleep(linger);
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        for line in lines.map_while(Result::ok) {
            read(&line, &mut acks, &mut sent);
        }
        total_acks += acks.len() as u64;

        for t in 0..TENANTS {
            let tdir = dir.path().join(tenant(t).as_str());
            if !tdir.exists() {
                continue;
            }
            let recovered = recover(&tdir, &EngineConfig::default(), persist_common::POLICY)
                .unwrap_or_else(|e| {
                    panic!("seed {seed} cycle {cycle} tenant {t}: recovery failed: {e}")
                });
            let last = recovered.report.last_seq;
            torn += recovered.report.dropped.len() as u64;
            assert!(
                last >= last_recovered[t as usize],
                "seed {seed} cycle {cycle}: went back"
            );
            last_recovered[t as usize] = last;
            let records: BTreeMap<u64, Record> = runtime_common::journal(&tdir)
                .into_iter()
                .map(|r| (r.seq, r))
                .collect();
            for &(at, seq, index) in acks.iter().filter(|a| a.0 == t) {
                assert!(
                    seq <= last,
                    "seed {seed} cycle {cycle} tenant {at}: acknowledged record {seq} lost (recovered through {last})"
                );
                if let Some(record) = records.get(&seq) {
                    let (_, command) = persist_common::command(stream_seed(t), index);
                    assert_eq!(
                        record.command, command,
                        "seed {seed} cycle {cycle}: record {seq}"
                    );
                    verified += 1;
                }
            }
        }
        starts = sent;
    }
    assert!(total_acks > 0);
    println!(
        "runtime_crash: {cycles} kill/recover cycles, {total_acks} acknowledged commands, 0 lost, {verified} matched to their journal record (the rest are behind a snapshot), {torn} torn tails dropped, {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    match std::env::var("RUNTIME_CRASH_CHILD") {
        Ok(dir) => {
            let starts: Vec<u64> = std::env::var("RUNTIME_CRASH_STARTS")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.parse().unwrap_or(0))
                .collect();
            child(Path::new(&dir), &starts);
        }
        Err(_) => parent(),
    }
}
