//! What-if sweeps: one parameter over a range, the same seeds at every
//! value, every KPI with its interval.

use switchboard::policy;
use switchboard::sim::{sweep, sweep_with, Parameter, Replications, Scenario};

fn day() -> Scenario {
    let mut s = Scenario::default();
    s.arrivals.conversations_per_day = 500.0;
    s
}

#[test]
fn more_agents_answer_faster() {
    let reps = Replications::new(day(), 3);
    let factory = policy::PolicyFactory::from(policy::BuiltinPolicy::LeastLoaded);
    let sw = sweep(
        &reps,
        &Parameter::Agents,
        &[4.0, 12.0],
        &factory,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(sw.points.len(), 2);
    let p90 = |i: usize| {
        sw.points[i]
            .result
            .kpi("first_response_p90_min")
            .unwrap()
            .estimate
            .mean
    };
    assert!(p90(0) > p90(1), "{sw}");
    assert!(format!("{sw}").contains("sweep of agents"));
}

#[test]
fn parameters_by_name_and_pointer_and_their_errors() {
    let s = day();
    let p = Parameter::parse("/conversations/patience_minutes_median").unwrap();
    assert_eq!(
        p.apply(&s, 7.0)
            .unwrap()
            .conversations
            .patience_minutes_median,
        7.0
    );
    assert_eq!(
        Parameter::parse("cap")
            .unwrap()
            .apply(&s, 3.0)
            .unwrap()
            .agents[0]
            .cap_max,
        3
    );
    assert!(Parameter::parse("colour").is_none());
    assert!(Parameter::parse("/no/such/field")
        .unwrap()
        .apply(&s, 1.0)
        .is_err());
    // Out of range for the scenario: a typed error naming the field.
    let e = Parameter::parse("/customers/vip_share")
        .unwrap()
        .apply(&s, 2.0)
        .unwrap_err();
    assert!(e.to_string().contains("customers.vip_share"), "{e}");
}

#[test]
fn a_policy_setting_sweeps_through_a_closure() {
    let reps = Replications::new(day(), 2);
    let sw = sweep_with(&reps, "policy index", &[0.0, 1.0], &|v| {
        let policy = policy::BuiltinPolicy::ALL[v as usize];
        Ok((day(), policy.into()))
    })
    .unwrap();
    assert_ne!(sw.points[0].result.policy, sw.points[1].result.policy);
}
