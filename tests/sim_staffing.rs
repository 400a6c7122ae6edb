//! The staffing search: on a classical scenario with cap 1 (where Erlang C
//! is the right model) the simulated answer agrees with Erlang C's within
//! one agent in every interval.

use switchboard::model::TimeSpan;
use switchboard::policy;
use switchboard::sim::{search_staffing, Replications, Scenario, StaffingTarget};

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
    };
    let reps = Replications::new(s.clone(), 12);
    let factory = policy::PolicyFactory::from(policy::BuiltinPolicy::LeastLoaded);
    let plan = search_staffing(&s, target, &reps, &factory, &|_, _| {}).unwrap();
    eprintln!("{plan}");
    let mut compared = 0;
    for row in plan.intervals.iter().filter(|r| r.arrivals_per_hour > 0.0) {
        let erlang = row.erlang_c.expect("Erlang C has an answer");
        let diff = (i64::from(row.simulated) - i64::from(erlang)).abs();
        assert!(
            diff <= 1,
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
