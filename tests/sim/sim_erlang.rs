//! The simulator against Erlang C and Erlang A. The classical scenarios run
//! through the real engine; each check allows the simulated figure to sit
//! within the 95% confidence interval of the replications (plus a small
//! allowance for the rounding of times to milliseconds and the finite run).
//!
//! CI runs a size that takes seconds. The long variant (ten times the
//! customers, tighter intervals) is ignored by default:
//! `cargo test --release --test sim sim_erlang:: -- --ignored`.

use switchboard::policy;
use switchboard::sim::stats::Estimate;
use switchboard::sim::{Replications, Scenario};

fn check(scenario: Scenario, seeds: u64, label: &str) {
    let formulas = scenario.formulas().expect("classical scenario");
    let reps = Replications::new(scenario, seeds)
        .run(&policy::BuiltinPolicy::LeastLoaded.into())
        .expect("runs");
    let pick = |f: fn(&switchboard::sim::Queueing) -> f64| {
        Estimate::of(
            &reps
                .reports
                .iter()
                .map(|r| f(&r.queueing))
                .collect::<Vec<_>>(),
        )
    };
    let p_wait = pick(|q| q.p_wait);
    let wait = pick(|q| q.mean_wait_secs);
    let sl = pick(|q| q.service_level);
    let ab = pick(|q| q.abandonment);
    let (want, abandon) = match (formulas.erlang_c, formulas.erlang_a) {
        (_, Some(a)) if a.abandonment > 0.0 => (a, true),
        (Some(c), _) => (c, false),
        _ => panic!("{label}: no formula"),
    };
    let close = |name: &str, e: &Estimate, x: f64, slack: f64| {
        let tol = e.half_width * 1.5 + slack;
        eprintln!(
            "{label}: {name} sim {:.5} ± {:.5} formula {x:.5}",
            e.mean, e.half_width
        );
        assert!(
            (e.mean - x).abs() <= tol,
            "{label}: {name} simulated {:.5} +- {:.5}, formula {x:.5} (tolerance {tol:.5})",
            e.mean,
            e.half_width
        );
    };
    close("P(wait>0)", &p_wait, want.p_wait, 0.005);
    close("mean wait", &wait, want.mean_wait_secs, 0.5);
    close("service level", &sl, want.service_level, 0.005);
    if abandon {
        close("abandonment", &ab, want.abandonment, 0.003);
    }
}

/// An M/M/n scenario long enough for `customers` arrivals, the first
/// `warmup` minutes left out (the queue starts empty, which biases the
/// first hours' waits low: with 30 minutes the long variant showed M/M/2 at
/// 85% about 0.5% low on P(wait > 0), three standard errors).
fn mmn(agents: u32, load: f64, customers: u64, warmup: f64) -> Scenario {
    let per_day = load * f64::from(agents) * 60.0 * 24.0;
    let days = (customers as f64 / per_day * 1.1).ceil() as u32 + 1;
    // 1-minute service keeps the simulated span short.
    let mut s = Scenario::classical_mmn(agents, load, 60.0, None, days.min(366));
    let c = s.classical.as_mut().unwrap();
    c.customers = Some(customers);
    c.warmup_minutes = warmup;
    s.engine.response_target = switchboard::model::TimeSpan::from_secs(30);
    s
}

#[test]
fn erlang_c_three_loads_two_sizes() {
    for agents in [2, 20] {
        for load in [0.5, 0.7, 0.85] {
            check(
                mmn(agents, load, 20_000, 120.0),
                8,
                &format!("M/M/{agents} at {load}"),
            );
        }
    }
}

#[test]
fn erlang_a_one_case() {
    let mut s = Scenario::classical_mmn(10, 1.0, 60.0, Some(120.0), 30);
    let c = s.classical.as_mut().unwrap();
    c.customers = Some(20_000);
    c.warmup_minutes = 120.0;
    s.engine.response_target = switchboard::model::TimeSpan::from_secs(30);
    check(s, 8, "M/M/10+M at 100%");
}

#[test]
#[ignore = "long variant: minutes of CPU"]
fn erlang_c_and_a_long_variant() {
    for agents in [2, 20] {
        for load in [0.5, 0.7, 0.85, 0.95] {
            check(
                mmn(agents, load, 200_000, 600.0),
                20,
                &format!("M/M/{agents} at {load}"),
            );
        }
    }
    let mut s = Scenario::classical_mmn(10, 1.0, 60.0, Some(120.0), 60);
    let c = s.classical.as_mut().unwrap();
    c.customers = Some(200_000);
    c.warmup_minutes = 600.0;
    s.engine.response_target = switchboard::model::TimeSpan::from_secs(30);
    check(s, 20, "M/M/10+M at 100%");
}
