//! The harness's measured sections beside the profiles: the headline
//! mixed stream against the baseline, memory, assignment decisions,
//! scaling and threads.

use super::baseline::Baseline;
use super::counting::live;
use super::workload::{Event, Generator, Shape, Stream};
use super::{engine, replay, setup, stream, Config, Owners};
use hdrhistogram::Histogram;
use std::time::Instant;
use switchboard::{
    Command, Decision, Engine, EngineConfig, EngineError, Reservation, SharedEngine, Timestamp,
};

/// The headline: 10k agents, 100k open conversations.
pub(super) fn mixed_main(cfg: &Config) {
    let events = if cfg.quick { 200_000 } else { 1_000_000 };
    let baseline_events = if cfg.quick { 50_000 } else { 200_000 };
    let shape = Shape::new(10_000, 100_000, cfg.seed);
    let agents = shape.agents as usize;
    let s = stream(shape, events);
    println!("\n## Mixed stream: 10k agents, 100k open conversations, {events} events");

    let owners = Owners::new(s.conv_end + 1);
    let (mut e, per_agent, per_conv) = memory(&s, agents, &owners);
    let h2 = live();
    let thr = replay(&mut e, &owners, &s.events, None);
    let h3 = live();
    let opened = s.conv_end as usize - 1 - (s.setup.len() - agents);
    drop(e);

    // Latency: a fresh engine, the same stream, each event timed.
    let owners = Owners::new(s.conv_end + 1);
    let mut e = engine();
    setup(&mut e, &owners, &s.setup);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    let lat = replay(&mut e, &owners, &s.events, Some(&mut hist));
    drop(e);

    // Baseline: the same stream (a prefix: it is slow), the same setup.
    let owners = Owners::new(s.conv_end + 1);
    let mut b = Baseline::new(EngineConfig::default());
    let t = Instant::now();
    setup(&mut b, &owners, &s.setup);
    let b_setup = t.elapsed().as_secs_f64();
    let base = replay(&mut b, &owners, &s.events[..baseline_events], None);
    drop(b);
    let sb_prefix = {
        let owners = Owners::new(s.conv_end + 1);
        let mut e = engine();
        setup(&mut e, &owners, &s.setup);
        replay(&mut e, &owners, &s.events[..baseline_events], None)
    };

    println!("| measure | switchboard | baseline | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| mixed events/s, 1 thread (first {baseline_events} events, both) | {:.0} | {:.0} | {:.1}x |",
        sb_prefix.rate(),
        base.rate(),
        sb_prefix.rate() / base.rate()
    );
    println!(
        "| mixed events/s, 1 thread, all {events} events | {:.0} | | |",
        thr.rate()
    );
    println!(
        "| events/s with per-event timing on | {:.0} | | |",
        lat.rate()
    );
    println!(
        "| latency p50 / p99 / p99.9 / max (ns) | {} / {} / {} / {} | | |",
        hist.value_at_quantile(0.5),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        hist.max()
    );
    println!(
        "| errors (stale replies etc.) / assignments | {} / {} | {} / {} | |",
        thr.errors, thr.assignments, base.errors, base.assignments
    );
    println!(
        "| allocations per event (inside apply; growths counted) | {:.3} | {:.3} | |",
        thr.allocs_per_event(),
        base.allocs_per_event()
    );
    println!("| bytes per agent | {per_agent:.0} | | |");
    println!("| bytes per open conversation (setup) | {per_conv:.0} | | |");
    println!(
        "| bytes per conversation opened during the stream (resolved ones are kept) | {:.0} | | |",
        (h3 - h2) as f64 / opened.max(1) as f64
    );
    println!("| baseline setup time (s) | | {b_setup:.2} | |");
}

/// The scale of `s` a host would know ahead (`Engine::reserve`): its
/// agents, every conversation it opens (nothing is purged), the most open
/// at once, and its customers (numbered densely from 1).
pub(super) fn scale(s: &Stream) -> Reservation {
    let (mut agents, mut opened, mut open, mut most, mut customers) = (0u32, 0u32, 0u32, 0u32, 0);
    let commands = s
        .setup
        .iter()
        .map(|(_, c)| c)
        .chain(s.events.iter().filter_map(|(_, e)| match e {
            Event::Command(c) => Some(c),
            _ => None,
        }));
    for c in commands {
        match c {
            Command::AddAgent(_) => agents += 1,
            Command::OpenConversation(o) => {
                opened += 1;
                open += 1;
                most = most.max(open);
                customers = customers.max(o.customer.0);
            }
            Command::Resolve { .. } => open = open.saturating_sub(1),
            _ => {}
        }
    }
    Reservation::new()
        .agents(agents)
        .conversations(opened)
        .open_conversations(most)
        .customers(u32::try_from(customers).unwrap_or(u32::MAX))
}

/// An engine set up with the stream's agents then its open conversations,
/// with the heap growth of each phase: bytes per agent, bytes per open
/// conversation (everything the engine allocated for them, the slack of
/// its growable tables included).
pub(super) fn memory(s: &Stream, agents: usize, owners: &Owners) -> (Engine, f64, f64) {
    let h0 = live();
    let mut e = engine();
    setup(&mut e, owners, &s.setup[..agents]);
    let h1 = live();
    setup(&mut e, owners, &s.setup[agents..]);
    let h2 = live();
    let per_agent = (h1 - h0) as f64 / agents as f64;
    let per_conv = (h2 - h1) as f64 / (s.setup.len() - agents) as f64;
    (e, per_agent, per_conv)
}

/// Assignment decisions only: opens that find a free agent at once.
pub(super) fn assignment(cfg: &Config) {
    println!("\n## Assignment decisions (open -> least-loaded eligible agent)");
    println!("| agents | switchboard ns/assignment | baseline ns/assignment | ratio |");
    println!("|---|---|---|---|");
    for (agents, k) in [(10_000u32, 4_000usize), (100_000, 1_000)] {
        let k = if cfg.quick { k / 4 } else { k };
        let mut shape = Shape::new(agents, 2_000, cfg.seed + 1);
        shape.returning_permille = 0;
        let mut g = Generator::new(shape);
        let setup_cmds = g.setup();
        let mut pairs = Vec::with_capacity(k);
        for i in 0..k {
            let at = Timestamp(10_000 + i as u64);
            let open = g.open_command();
            let resolve = g.resolve_command().expect("open conversations");
            pairs.push((at, open, resolve));
        }
        let conv_end = 2_000 + k as u64 + 2;
        let time =
            |router: &mut dyn FnMut(Timestamp, Command) -> Result<Vec<Decision>, EngineError>| {
                let owners = Owners::new(conv_end + 1);
                for (at, c) in &setup_cmds {
                    owners.learn(&router(*at, c.clone()).expect("setup"));
                }
                let mut ns = 0u128;
                let mut assigned = 0;
                for (at, open, resolve) in &pairs {
                    let open = open.clone();
                    let t = Instant::now();
                    let out = router(*at, open).expect("open");
                    ns += t.elapsed().as_nanos();
                    assigned += owners.learn(&out);
                    let _ = router(*at, resolve.clone());
                }
                (ns as f64 / k as f64, assigned)
            };
        let mut e = engine();
        let (sb, sb_assigned) = time(&mut |at, c| e.apply(at, c));
        let b = Baseline::new(EngineConfig::default());
        let (base, b_assigned) = time(&mut |at, c| b.apply(at, c));
        assert!(
            sb_assigned >= k && b_assigned >= k,
            "every open is assigned"
        );
        println!("| {agents} | {sb:.0} | {base:.0} | {:.0}x |", base / sb);
    }
}

/// Cost per event as agents and open conversations grow.
pub(super) fn scaling(cfg: &Config) {
    println!("\n## Scaling: switchboard ns per mixed event");
    let events = if cfg.quick { 100_000 } else { 500_000 };
    let run = |agents: u32, open: usize| {
        let s = stream(Shape::new(agents, open, cfg.seed + 2), events);
        let owners = Owners::new(s.conv_end + 1);
        let mut e = engine();
        setup(&mut e, &owners, &s.setup);
        replay(&mut e, &owners, &s.events, None).ns_per_event()
    };
    println!("| agents | open conversations | ns/event | vs first row |");
    println!("|---|---|---|---|");
    let a = [(1_000u32, 10_000usize), (10_000, 10_000), (100_000, 10_000)];
    let first = run(a[0].0, a[0].1);
    println!("| {} | {} | {first:.0} | 1.00x |", a[0].0, a[0].1);
    let mut last = 0.0;
    for &(agents, open) in &a[1..] {
        last = run(agents, open);
        println!("| {agents} | {open} | {last:.0} | {:.2}x |", last / first);
    }
    let convs: &[usize] = if cfg.quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &open in convs {
        let ns = run(100_000, open);
        println!(
            "| 100000 | {open} | {ns:.0} | {:.2}x vs 10k open |",
            ns / last
        );
    }
}

/// One and two threads, on independent skill groups and on one group.
pub(super) fn threads(cfg: &Config) {
    println!("\n## Threads (switchboard, one Engine shared through SharedEngine)");
    let events = if cfg.quick { 100_000 } else { 500_000 };
    let half = |part: u64, shared: bool| {
        let mut s = Shape::new(5_000, 50_000, cfg.seed + 10 + part);
        if shared {
            s.agents = 10_000;
        } else {
            s.agent_base = 1 + part * 1_000_000;
            s.skill_base = (part * 10) as u32;
            s.skills = 10;
        }
        s.conv_base = 1 + part * 2_000_000;
        s.customer_base = 1 + part * 1_000_000_000;
        s
    };
    println!("| groups | 1 thread events/s | 2 threads events/s | speed-up |");
    println!("|---|---|---|---|");
    for shared in [false, true] {
        let a = stream(half(0, shared), events);
        let b = stream(half(1, shared), events);
        let mut b_setup = b.setup.clone();
        if shared {
            b_setup.retain(|(_, c)| !matches!(c, Command::AddAgent(_)));
        }
        let len = b.conv_end + 1;
        let prepare = || {
            let owners = Owners::new(len);
            let e = SharedEngine::new(engine());
            setup(&mut &e, &owners, &a.setup);
            setup(&mut &e, &owners, &b_setup);
            (e, owners)
        };
        let (e, owners) = prepare();
        let t = Instant::now();
        // One thread: the two streams interleaved, as one host would see them.
        for (x, y) in a.events.iter().zip(&b.events) {
            for (at, ev) in [x, y] {
                if let Ok(out) = e.apply(*at, owners.command(ev)) {
                    owners.learn(&out);
                }
            }
        }
        let one = (2 * events) as f64 / t.elapsed().as_secs_f64();
        drop((e, owners));
        let (e, owners) = prepare();
        let t = Instant::now();
        std::thread::scope(|scope| {
            for s in [&a, &b] {
                let (mut e, owners) = (&e, &owners);
                scope.spawn(move || replay(&mut e, owners, &s.events, None));
            }
        });
        let two = (2 * events) as f64 / t.elapsed().as_secs_f64();
        println!(
            "| {} | {one:.0} | {two:.0} | {:.2}x |",
            if shared {
                "one shared group (10k agents, 20 skills)"
            } else {
                "independent (2 x 5k agents, 10 skills each)"
            },
            two / one
        );
    }
}
