//! Fault injection driven from the simulator: duplicated, late and
//! out-of-order commands, agents dropping mid-conversation, clock jumps.
//! The engine refuses what no longer applies with typed errors and breaks
//! no invariant (the audit runs after every command); same seed, same run.

use crate::sim_support;

use switchboard::policy;
use switchboard::sim::{FaultConfig, Simulation};

fn heavy() -> FaultConfig {
    FaultConfig {
        duplicate: 0.05,
        late: 0.05,
        late_max_ms: 10 * 60_000,
        agent_drop: 0.01,
        clock_jump: 0.005,
        jump_max_ms: 60 * 60_000,
    }
}

#[test]
fn faults_are_injected_and_no_invariant_breaks() {
    for name in policy::BuiltinPolicy::names() {
        let outcome = Simulation::new(sim_support::small_scenario(), 5)
            .with_faults(heavy())
            .run(policy::BuiltinPolicy::from_name(name).unwrap())
            .unwrap();
        let faults = outcome.faults.expect("faults were on");
        for kind in ["duplicate", "late", "agent_drop", "clock_jump"] {
            assert!(
                faults.injected.get(kind).copied().unwrap_or(0) > 0,
                "{name}: no {kind}"
            );
        }
        assert!(
            faults.refused.values().sum::<u64>() > 0,
            "{name}: duplicates must be refused"
        );
        assert!(faults.audits > 1000);
        assert_eq!(faults.violations, 0, "{name}: {:?}", faults.first_violation);
    }
}

#[test]
fn offers_under_faults_break_no_invariant() {
    let outcome = Simulation::new(sim_support::small_scenario_with_offers(), 9)
        .with_faults(heavy())
        .run(policy::BuiltinPolicy::RoundRobin)
        .unwrap();
    let faults = outcome.faults.unwrap();
    assert_eq!(faults.violations, 0, "{:?}", faults.first_violation);
}

#[test]
fn same_seed_same_faults_and_report() {
    let run = || {
        Simulation::new(sim_support::small_scenario(), 3)
            .with_faults(heavy())
            .run(policy::BuiltinPolicy::LeastLoaded)
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.faults, b.faults);
    assert_eq!(a.report.to_json(), b.report.to_json());
}
