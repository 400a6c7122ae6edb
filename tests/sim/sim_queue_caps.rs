//! A routing-plan queue's cap on live conversations in the simulator: a
//! scenario's plan sets `max_live`, the day runs under it with the engine
//! audited along the way, refusals at the queue level are counted, and
//! the scenario's JSON keeps the cap.

use switchboard::policy::BuiltinPolicy;
use switchboard::sim::{Scenario, ScenarioPlan, Simulation};

/// The shipped plan day, quieter (a debug run stays quick), with its plan
/// inline, without and with a cap of 3 live conversations on its billing
/// queue.
fn with_billing_cap() -> (Scenario, Scenario) {
    let path = format!("{}/scenarios/default_plan.json", env!("CARGO_MANIFEST_DIR"));
    let mut base = Scenario::from_file(&path).expect("the shipped scenario");
    base.arrivals.conversations_per_day = 800.0;
    let plan = base.plan_for_run().unwrap().expect("a plan");
    let mut capped_plan = plan.clone();
    for q in capped_plan
        .queues
        .iter_mut()
        .filter(|q| q.name == "billing")
    {
        q.max_live = Some(3);
    }
    base.plan = Some(ScenarioPlan::Inline(Box::new(plan)));
    let capped = Scenario {
        plan: Some(ScenarioPlan::Inline(Box::new(capped_plan))),
        ..base.clone()
    };
    (base, capped)
}

#[test]
fn a_scenario_plan_with_a_queue_cap_runs_audited_counts_refusals_and_round_trips() {
    let (base, capped) = with_billing_cap();
    let json = capped.to_json();
    assert!(json.contains("\"max_live\": 3"), "{json}");
    assert_eq!(Scenario::from_json(&json).expect("reads back"), capped);
    let run = |s: Scenario| {
        Simulation::new(s, 1)
            .with_audit(50)
            .run(BuiltinPolicy::LeastLoaded)
            .expect("the day runs and every audit passes")
    };
    let with = run(capped);
    let without = run(base);
    assert_eq!(with.report.volumes.opened, without.report.volumes.opened);
    assert!(with.engine_stats.refusals.queue > 0, "the cap was reached");
    assert_eq!(without.engine_stats.refusals.queue, 0);
    assert_ne!(with.report.first_response, without.report.first_response);
}
