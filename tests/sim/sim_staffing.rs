//! The staffing search: on a classical scenario with cap 1 (where Erlang C
//! is the right model) the simulated answer agrees with Erlang C's within
//! one agent in every interval (two just after the arrival rate falls: the
//! backlog of the busier interval, which Erlang C's steady state ignores,
//! carries over); asked for a stated confidence, it does not
//! choose fewer agents than Erlang C on the published case where one agent
//! fewer misses the target by a hair.

use switchboard::model::TimeSpan;
use switchboard::policy;
use switchboard::sim::erlang::erlang_c_figures;
use switchboard::sim::{search_staffing, Replications, Scenario, StaffingPlan, StaffingTarget};

#[test]
fn cap_one_classical_agrees_with_erlang_c_within_one_agent() {
    let mut s = Scenario::classical_mmn(10, 0.8, 120.0, None, 1);
    // A morning: nobody before 08:00, a ramp to a peak and back, nobody
    // after 12:00 (30-minute intervals).
    let mut rates = vec![0.0; 16];
    rates.extend([120.0, 240.0, 360.0, 480.0, 480.0, 360.0, 240.0, 120.0]);
    rates.extend(vec![0.0; 24]);
    let c = s.classical.as_mut().unwrap();
    c.arrivals_per_hour = rates;
    c.warmup_minutes = 0.0;
    s.engine.response_target = TimeSpan::from_secs(20);
    let target = StaffingTarget {
        service_level: 0.8,
        max_occupancy: 1.0,
        interval_minutes: 30.0,
        max_agents: 60,
        // The mean over a fixed 12 seeds (this test predates confidence).
        confidence: 0.0,
        max_seeds: 12,
    };
    let reps = Replications::new(s.clone(), 12);
    let factory = policy::PolicyFactory::from(policy::BuiltinPolicy::LeastLoaded);
    let plan = search_staffing(&s, target, &reps, &factory, &|_, _| {}).unwrap();
    eprintln!("{plan}");
    let mut compared = 0;
    for (i, row) in plan.intervals.iter().enumerate() {
        if row.arrivals_per_hour <= 0.0 {
            continue;
        }
        let erlang = row.erlang_c.expect("Erlang C has an answer");
        let diff = (i64::from(row.simulated) - i64::from(erlang)).abs();
        let fell = i > 0 && plan.intervals[i - 1].arrivals_per_hour > row.arrivals_per_hour;
        assert!(
            diff <= if fell { 2 } else { 1 },
            "interval at {}h: simulated {} vs Erlang C {erlang}\n{plan}",
            row.start_hour,
            row.simulated
        );
        assert!(row.service_level >= 0.8, "{plan}");
        compared += 1;
    }
    assert_eq!(compared, 8);
    // Deterministic: the same seeds give the same plan on another thread count.
    let again = search_staffing(&s, target, &reps.with_threads(1), &factory, &|_, _| {}).unwrap();
    assert_eq!(plan.to_json(), again.to_json());
}

/// The published Erlang C case: 100 contacts per 30 minutes, 3-minute
/// handling, 80% answered within 20 s. Erlang C (and pyworkforce) say 14
/// agents; 13 give 0.7956, a hair under the target, so the mean over a few
/// seeds often says 13 will do.
///
/// Staffed in 4-hour intervals (the same rate, 200 an hour, from 04:00 to
/// 16:00): Erlang C describes a queue in its steady state, and a 30-minute
/// interval is not one. At 13 agents the queue takes about a quarter of an
/// hour to settle, so a 30-minute interval after a better-staffed one
/// really does meet 80% with 13 (measured: 85.8% [80.3, 91.4] over 40
/// seeds), and a test there could not tell bias from that carry-over.
fn published_case(confidence: f64, seeds: u64, max_seeds: u64) -> StaffingPlan {
    let mut s = Scenario::classical_mmn(14, 0.7, 180.0, None, 1);
    let c = s.classical.as_mut().unwrap();
    c.interval_minutes = 240.0;
    c.arrivals_per_hour = vec![0.0, 200.0, 200.0, 200.0, 0.0, 0.0];
    c.warmup_minutes = 0.0;
    s.engine.response_target = TimeSpan::from_secs(20);
    let target = StaffingTarget {
        service_level: 0.8,
        max_occupancy: 1.0,
        interval_minutes: 240.0,
        max_agents: 30,
        confidence,
        max_seeds,
    };
    let reps = Replications::new(s.clone(), seeds);
    let factory = policy::PolicyFactory::from(policy::BuiltinPolicy::LeastLoaded);
    search_staffing(&s, target, &reps, &factory, &|_, _| {}).unwrap()
}

#[test]
fn with_confidence_the_search_does_not_choose_fewer_agents_than_erlang_c_needs() {
    let (lambda, mu) = (200.0 / 3_600.0, 1.0 / 180.0);
    let sl = |n| erlang_c_figures(n, lambda, mu, 20.0).unwrap().service_level;
    assert!((sl(13) - 0.7956).abs() < 5e-4, "{}", sl(13));
    assert!(sl(14) >= 0.8);
    let plan = published_case(0.95, 10, 40);
    eprintln!("{plan}");
    let busy: Vec<_> = plan
        .intervals
        .iter()
        .filter(|r| r.arrivals_per_hour > 0.0)
        .collect();
    assert_eq!(busy.len(), 3);
    // The first interval starts with an empty queue, which Erlang C's
    // steady state does not describe (its first quarter hour is easier);
    // from the second on, the queue is in its steady regime.
    for row in &busy[1..] {
        assert_eq!(row.erlang_c, Some(14), "{plan}");
        assert!(row.met, "{plan}");
        assert!(
            (14..=15).contains(&row.simulated),
            "at {}h: {} agents\n{plan}",
            row.start_hour,
            row.simulated
        );
        // The reported interval is the one decided on: its lower end meets
        // the target, and it contains the estimate.
        assert!(row.service_level_low >= 0.8, "{plan}");
        assert!(row.service_level_low <= row.service_level, "{plan}");
        assert!(row.service_level <= row.service_level_high, "{plan}");
        // No target is declared met on fewer seeds than the floor.
        assert!((20..=40).contains(&row.seeds), "{plan}");
    }
}
