//! The chaos driver (`examples/chaos.rs`) as a test: a few seeds, faults
//! injected, zero invariant violations, and the same seed gives the same
//! report.

#[allow(dead_code)]
#[path = "../../examples/chaos.rs"]
mod chaos;

#[test]
fn chaos_faults_break_no_invariant() {
    for seed in 1..=4 {
        let report = chaos::run(seed, 3_000);
        assert!(
            report.violations.is_empty(),
            "seed {seed}: {:#?}",
            report.violations
        );
        assert!(report.faults.values().sum::<u64>() > 0, "no fault injected");
        assert!(report.refused.values().sum::<u64>() > 0, "nothing refused");
    }
}

#[test]
fn chaos_same_seed_same_report() {
    assert_eq!(chaos::run(42, 2_000), chaos::run(42, 2_000));
}
