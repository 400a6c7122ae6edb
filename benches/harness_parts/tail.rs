//! `SWITCHBOARD_ONLY=tail`: where the mixed stream's latency tail comes
//! from. The headline's p99 is ten times its p50; this replays the same
//! stream (10k agents, 100k open, 1,000,000 events) timing each event and
//! splits the timings by command kind and first decision, with the decisions each produced,
//! so the events past the overall p99 and p99.9 can be named. A
//! diagnostic, not a target: nothing here is asserted.

use super::workload::{Event, Shape, Stream};
use super::{engine, setup, stream, Owners, Router};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::Instant;
use switchboard::{Command, Engine, Timestamp};

/// One kind's timings and what its slow events decided.
struct Kind {
    hist: Histogram<u64>,
    past_p99: u64,
    past_p999: u64,
    decisions: u64,
    decisions_past_p99: u64,
}

/// The command's variant name, read off its `Debug` form (outside the
/// timed region).
fn kind_of(event: &Event) -> String {
    match event {
        Event::Command(c) => variant(&format!("{c:?}")),
        Event::AgentReply(_) => "AgentReply".into(),
        Event::AgentSeen(_) => "AgentSeen".into(),
    }
}

/// Replays the headline stream twice, timing every event, and prints one
/// row per command kind each time: first with the stream's own ticks
/// (one every 256 events, about a second of host time, each firing
/// every timer due since the last), then with ticks where the runtime
/// issues them, at the engine's next deadline
/// ([`Engine::next_deadline`](switchboard::Engine::next_deadline)).
///
/// `SWITCHBOARD_TAIL_SHAPE=<agents>,<open>` replays another size (the
/// headline's is `10000,100000`): at `1000,10000` every record fits in the
/// core's 4 MiB cache, so the rows show what the tail is without misses.
pub(super) fn by_kind(seed: u64) {
    let (agents, open) = shape_from_env();
    println!("\nTail stream: {agents} agents, {open} open conversations");
    let s = stream(Shape::new(agents, open, seed), 1_000_000);
    let (kinds, timings) = timed(&s, false);
    print_rows("the stream's ticks, one every 256 events", &kinds, &timings);
    let (kinds, timings) = timed(&s, true);
    print_rows(
        "ticks at each deadline, as the runtime issues them",
        &kinds,
        &timings,
    );
}

/// The size `SWITCHBOARD_TAIL_SHAPE` names (agents, open conversations),
/// the headline's without it; a malformed or absurd value is refused
/// with a message, not replayed.
fn shape_from_env() -> (u32, usize) {
    let Ok(text) = std::env::var("SWITCHBOARD_TAIL_SHAPE") else {
        return (10_000, 100_000);
    };
    let parsed = text.split_once(',').and_then(|(a, o)| {
        let agents = a.trim().parse::<u32>().ok()?;
        let open = o.trim().parse::<usize>().ok()?;
        ((1..=1_000_000).contains(&agents) && (1..=10_000_000).contains(&open))
            .then_some((agents, open))
    });
    parsed.unwrap_or_else(|| {
        eprintln!(
            "SWITCHBOARD_TAIL_SHAPE={text:?}: expected <agents>,<open> \
             within 1..=1000000 and 1..=10000000"
        );
        std::process::exit(2)
    })
}

/// What the events at the deadline ticks are called in the rows.
const DEADLINE_TICK: &str = "Tick at a deadline";

/// Each event's kind (with its first decision) and its timing (ns,
/// decisions). With `at_deadlines`, the stream's ticks are left out and a
/// tick is applied before an event whenever the engine's earliest timer
/// is due by the event's time, stamped with that deadline: the runtime's
/// shard ticks a tenant when its deadline has come, so it never fires a
/// second's worth of timers at once.
fn timed(s: &Stream, at_deadlines: bool) -> (Vec<String>, Vec<(u64, usize)>) {
    let owners = Owners::new(s.conv_end + 1);
    let mut e = engine();
    setup(&mut e, &owners, &s.setup);
    // SWITCHBOARD_TAIL_RESERVE=room reserves the stream's scale first,
    // =touch also maps that room (`Reservation::touch_pages`).
    let reserve = std::env::var("SWITCHBOARD_TAIL_RESERVE").unwrap_or_default();
    if reserve == "room" || reserve == "touch" {
        let scale = super::sections::scale(s).touch_pages(reserve == "touch");
        e.reserve(scale)
            .expect("the stream's scale is within the limits");
    }
    let mut kinds: Vec<String> = Vec::with_capacity(s.events.len() * 5 / 4);
    let mut timings: Vec<(u64, usize)> = Vec::with_capacity(s.events.len() * 5 / 4);
    let mut out = Vec::new();
    let mut time = |e: &mut Engine, at: Timestamp, command: Command, kind: String| {
        let t = Instant::now();
        let result = e.apply_reusing(at, command, &mut out);
        let ns = t.elapsed().as_nanos() as u64;
        // The first decision's variant splits each kind (outside the
        // timed region): an open assigned at once against one queued.
        let first = match (&result, out.first()) {
            (Err(_), _) => "refused".to_string(),
            (Ok(()), None) => "nothing".to_string(),
            (Ok(()), Some(d)) => variant(&format!("{d:?}")),
        };
        kinds.push(format!("{kind} -> {first}"));
        if result.is_ok() {
            owners.learn(&out);
            timings.push((ns, out.len()));
        } else {
            timings.push((ns, 0));
        }
    };
    for (at, ev) in &s.events {
        if at_deadlines {
            if matches!(ev, Event::Command(Command::Tick)) {
                continue;
            }
            // Each tick fires every timer due by its time, and firing
            // arms nothing due at or before now but with zero settings,
            // which this stream does not use: a few rounds at most.
            for round in 0.. {
                assert!(round < 1_000, "deadline ticks did not settle");
                match e.next_deadline() {
                    Some(due) if due <= *at => {
                        let due = due.max(e.now());
                        time(&mut e, due, Command::Tick, DEADLINE_TICK.to_string());
                    }
                    _ => break,
                }
            }
        }
        time(&mut e, *at, owners.command(ev), kind_of(ev));
    }
    (kinds, timings)
}

/// A `Debug` form's leading name (its variant).
fn variant(text: &str) -> String {
    let end = text
        .find(|ch: char| !ch.is_alphanumeric())
        .unwrap_or(text.len());
    text[..end].to_string()
}

/// Prints the overall percentiles, the stream's commands apart from the
/// deadline ticks, and one row per kind.
fn print_rows(title: &str, kinds: &[String], timings: &[(u64, usize)]) {
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    let mut commands = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    for (kind, &(ns, _)) in kinds.iter().zip(timings) {
        all.saturating_record(ns);
        if !kind.starts_with(DEADLINE_TICK) {
            commands.saturating_record(ns);
        }
    }
    let (p99, p999) = (all.value_at_quantile(0.99), all.value_at_quantile(0.999));
    let mut rows: BTreeMap<&str, Kind> = BTreeMap::new();
    for (kind, &(ns, decided)) in kinds.iter().zip(timings) {
        let row = rows.entry(kind.as_str()).or_insert_with(|| Kind {
            hist: Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("bounds"),
            past_p99: 0,
            past_p999: 0,
            decisions: 0,
            decisions_past_p99: 0,
        });
        row.hist.saturating_record(ns);
        row.decisions += decided as u64;
        if ns > p99 {
            row.past_p99 += 1;
            row.decisions_past_p99 += decided as u64;
        }
        row.past_p999 += u64::from(ns > p999);
    }
    println!(
        "\n## Latency tail by command kind, {title} ({} events; all: p50 {} / p99 {p99} / p99.9 {p999} ns; the stream's commands alone: p50 {} / p99 {} / p99.9 {} ns)",
        all.len(),
        all.value_at_quantile(0.5),
        commands.value_at_quantile(0.5),
        commands.value_at_quantile(0.99),
        commands.value_at_quantile(0.999),
    );
    println!("| kind | events | p50 | p90 | p97 | p99 | p99.9 | max | past p99 | past p99.9 | decisions per event | per event past p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (kind, row) in &rows {
        let n = row.hist.len();
        println!(
            "| {kind} | {n} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.2} |",
            row.hist.value_at_quantile(0.5),
            row.hist.value_at_quantile(0.9),
            row.hist.value_at_quantile(0.97),
            row.hist.value_at_quantile(0.99),
            row.hist.value_at_quantile(0.999),
            row.hist.max(),
            row.past_p99,
            row.past_p999,
            row.decisions as f64 / n as f64,
            row.decisions_past_p99 as f64 / row.past_p99.max(1) as f64,
        );
    }
}
