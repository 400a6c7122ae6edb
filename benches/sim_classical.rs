//! The simulator's speed on a classical model, against SimPy, and how
//! replications scale with threads.
//!
//! `cargo bench --bench sim_classical` runs an M/M/10 queue at 85% load
//! (exponential service, mean 60 s) with 250,000 customers in the scenario
//! format, through the real engine, and prints customers/s with P(wait > 0)
//! and the mean wait beside Erlang C. With `SIMPY_PYTHON` pointing at a
//! Python that has simpy, it runs `benches/simpy_mm10.py` right after, in
//! the same process tree, and prints the ratio. Then it runs 8
//! replications of the default day on one thread and on two.
//!
//! `-- --quick` uses 50,000 customers.

use std::process::Command;
use std::time::Instant;
use switchboard::policy;
use switchboard::sim::{Replications, Scenario, Simulation};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let customers: u64 = if quick { 50_000 } else { 250_000 };
    let mut s = Scenario::classical_mmn(10, 0.85, 60.0, None, 30);
    let c = s.classical.as_mut().expect("classical");
    c.customers = Some(customers);
    c.warmup_minutes = 0.0;
    let formulas = s.formulas().and_then(|f| f.erlang_c).expect("stable");
    let only_replications = std::env::var("SIM_BENCH_ONLY").is_ok_and(|v| v == "replications");
    let mut best = f64::INFINITY;
    let mut report = None;
    let mut events = 0;
    let mut commands = 0;
    for _ in 0..if only_replications { 1 } else { 3 } {
        let started = Instant::now();
        let outcome = Simulation::new(s.clone(), 1)
            .run(policy::BuiltinPolicy::LeastLoaded.build())
            .expect("runs");
        best = best.min(started.elapsed().as_secs_f64());
        events = outcome.events;
        commands = outcome.report.engine_commands;
        report = Some(outcome.report);
    }
    let report = report.expect("ran");
    let q = &report.queueing;
    let rate = customers as f64 / best;
    println!(
        "switchboard M/M/10 85%: {customers} customers in {best:.3} s (best of 3) = {rate:.0} customers/s; {events} simulator events, {commands} engine commands ({:.0} commands/s)",
        commands as f64 / best
    );
    let rel = |sim: f64, f: f64| (sim - f) / f * 100.0;
    println!(
        "  P(wait>0) {:.4} vs Erlang C {:.4} ({:+.2}%); mean wait {:.3} s vs {:.3} s ({:+.2}%)",
        q.p_wait,
        formulas.p_wait,
        rel(q.p_wait, formulas.p_wait),
        q.mean_wait_secs,
        formulas.mean_wait_secs,
        rel(q.mean_wait_secs, formulas.mean_wait_secs)
    );
    if let Some(python) = std::env::var_os("SIMPY_PYTHON").filter(|_| !only_replications) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/simpy_mm10.py");
        match Command::new(python)
            .arg(script)
            .arg(customers.to_string())
            .output()
        {
            Ok(out) => {
                let text = String::from_utf8_lossy(&out.stdout);
                print!("{text}");
                let simpy = text
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("customers_per_s="))
                    .and_then(|v| v.parse::<f64>().ok());
                if let Some(simpy) = simpy {
                    println!("  ratio: switchboard / SimPy = {:.2}x", rate / simpy);
                }
            }
            Err(e) => println!("  SimPy not run: {e}"),
        }
    }

    // Accuracy over 8 independent days of 250,000 customers each (the
    // first hour left out as warm-up), and the same replications on one
    // thread and on two.
    let mut acc = s.clone();
    if let Some(c) = acc.classical.as_mut() {
        c.warmup_minutes = 60.0;
    }
    let reps = Replications::new(acc, 8);
    let factory = policy::PolicyFactory::from(policy::BuiltinPolicy::LeastLoaded);
    let mut walls = Vec::new();
    let mut result = None;
    let threads_list: Vec<usize> = match std::env::var("SIM_BENCH_THREADS") {
        Ok(v) => v.split(',').filter_map(|t| t.parse().ok()).collect(),
        Err(_) => vec![1, 2],
    };
    for &threads in &threads_list {
        let r = reps.clone().with_threads(threads);
        let started = Instant::now();
        result = Some(r.run(&factory).expect("runs"));
        walls.push(started.elapsed().as_secs_f64());
        println!(
            "replications: 8 x {customers} customers on {threads} thread(s): {:.3} s",
            walls[walls.len() - 1]
        );
    }
    if walls.len() == 2 {
        println!("  speed-up 2 threads / 1 = {:.2}x", walls[0] / walls[1]);
    }
    let result = result.expect("ran");
    for (name, want) in [
        ("p_wait", formulas.p_wait),
        ("mean_wait_secs", formulas.mean_wait_secs),
    ] {
        let e = &result.kpi(name).expect("kpi").estimate;
        println!(
            "  {name}: {:.4} ± {:.4} over 8 seeds vs Erlang C {want:.4} ({:+.2}%, interval {:+.2}%..{:+.2}%)",
            e.mean,
            e.half_width,
            rel(e.mean, want),
            rel(e.low(), want),
            rel(e.high(), want)
        );
    }
}
