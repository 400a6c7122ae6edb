//! Replications: confidence intervals over seeds, and results that do not
//! depend on how many threads ran them.

use switchboard::policy;
use switchboard::sim::{compare_replicated, Replications, Scenario};

fn quiet_day() -> Scenario {
    let mut s = Scenario::default();
    s.arrivals.conversations_per_day = 400.0;
    s
}

fn factory() -> policy::PolicyFactory {
    policy::BuiltinPolicy::LeastLoaded.into()
}

#[test]
fn same_seeds_give_byte_identical_reports_whatever_the_thread_count() {
    let reps = Replications::new(quiet_day(), 6);
    let one = reps.clone().with_threads(1).run(&factory()).unwrap();
    let two = reps.clone().with_threads(2).run(&factory()).unwrap();
    let four = reps.with_threads(4).run(&factory()).unwrap();
    assert_eq!(one.to_json(), two.to_json());
    assert_eq!(one.to_json(), four.to_json());
    let full = |r: &switchboard::sim::Replicated| {
        r.reports.iter().map(|x| x.to_json()).collect::<Vec<_>>()
    };
    assert_eq!(full(&one), full(&two));
    assert_eq!(format!("{one}"), format!("{four}"));
}

#[test]
fn every_kpi_has_a_finite_interval_with_several_seeds() {
    let r = Replications::new(quiet_day(), 4).run(&factory()).unwrap();
    assert_eq!(r.seeds, vec![1, 2, 3, 4]);
    for k in &r.kpis {
        assert_eq!(k.values.len(), 4, "{}", k.name);
        assert!(k.estimate.half_width.is_finite(), "{}", k.name);
    }
}

#[test]
fn comparison_is_paired_by_seed_and_deterministic_across_threads() {
    let refs: Vec<policy::PolicyFactory> = [
        policy::BuiltinPolicy::LeastLoaded,
        policy::BuiltinPolicy::RoundRobin,
    ]
    .map(policy::PolicyFactory::from)
    .into();
    let a = compare_replicated(&Replications::new(quiet_day(), 4).with_threads(1), &refs).unwrap();
    let b = compare_replicated(&Replications::new(quiet_day(), 4).with_threads(2), &refs).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.policies.len(), 2);
    assert_eq!(a.differences.len(), 1);
    // The same seeds under each policy: the arrivals match.
    let opened = |i: usize| a.policies[i].kpi("solved").map(|k| k.values.len());
    assert_eq!(opened(0), opened(1));
    let text = format!("{a}");
    assert!(text.contains("round_robin vs least_loaded"), "{text}");
}
