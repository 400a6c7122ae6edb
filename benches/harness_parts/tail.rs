//! `SWITCHBOARD_ONLY=tail`: where the mixed stream's latency tail comes
//! from. The headline's p99 is ten times its p50; this replays the same
//! stream (10k agents, 100k open, 1,000,000 events) timing each event and
//! splits the timings by command kind and first decision, with the decisions each produced,
//! so the events past the overall p99 and p99.9 can be named. A
//! diagnostic, not a target: nothing here is asserted.

use super::workload::{Event, Shape};
use super::{engine, setup, stream, Owners, Router};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::Instant;

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
        Event::Command(c) => {
            let text = format!("{c:?}");
            let end = text
                .find(|ch: char| !ch.is_alphanumeric())
                .unwrap_or(text.len());
            text[..end].to_string()
        }
        Event::AgentReply(_) => "AgentReply".into(),
        Event::AgentSeen(_) => "AgentSeen".into(),
    }
}

/// Replays the headline stream once, timing every event, and prints one
/// row per command kind.
pub(super) fn by_kind(seed: u64) {
    let s = stream(Shape::new(10_000, 100_000, seed), 1_000_000);
    let owners = Owners::new(s.conv_end + 1);
    let mut e = engine();
    setup(&mut e, &owners, &s.setup);
    let mut kinds: Vec<String> = s.events.iter().map(|(_, ev)| kind_of(ev)).collect();
    let mut timings: Vec<(u64, usize)> = Vec::with_capacity(s.events.len());
    let mut out = Vec::new();
    for (i, (at, ev)) in s.events.iter().enumerate() {
        let command = owners.command(ev);
        let t = Instant::now();
        let result = e.apply_reusing(*at, command, &mut out);
        let ns = t.elapsed().as_nanos() as u64;
        // The first decision's variant splits each kind (outside the
        // timed region): an open assigned at once against one queued.
        let first = match (&result, out.first()) {
            (Err(_), _) => "refused".to_string(),
            (Ok(()), None) => "nothing".to_string(),
            (Ok(()), Some(d)) => {
                let text = format!("{d:?}");
                let end = text
                    .find(|ch: char| !ch.is_alphanumeric())
                    .unwrap_or(text.len());
                text[..end].to_string()
            }
        };
        kinds[i] = format!("{} -> {first}", kinds[i]);
        if result.is_ok() {
            owners.learn(&out);
            timings.push((ns, out.len()));
        } else {
            timings.push((ns, 0));
        }
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    for &(ns, _) in &timings {
        all.saturating_record(ns);
    }
    let (p99, p999) = (all.value_at_quantile(0.99), all.value_at_quantile(0.999));
    let mut rows: BTreeMap<&str, Kind> = BTreeMap::new();
    for (kind, &(ns, decided)) in kinds.iter().zip(&timings) {
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
    println!("\n## Latency tail by command kind (1,000,000 events; all: p50 {} / p99 {p99} / p99.9 {p999} ns)", all.value_at_quantile(0.5));
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
