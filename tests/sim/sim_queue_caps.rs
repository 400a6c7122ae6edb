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
    let reported = with.report.rules.as_ref().map(|r| r.queue_refusals);
    assert_eq!(
        reported,
        Some(with.engine_stats.refusals.queue),
        "in the report"
    );
    assert_eq!(without.engine_stats.refusals.queue, 0);
    assert_ne!(with.report.first_response, without.report.first_response);
}

/// The shipped scenario with a queue cap (`scenarios/billing_capped.json`)
/// is the plan day of `default_plan.json` with one change, a cap of 15 live
/// conversations on its billing queue; `switchboard run` plays it, and the
/// day reaches the cap and reports the refusals at the queue level.
#[test]
fn the_shipped_billing_cap_scenario_is_the_plan_day_with_one_cap_and_reaches_it() {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = format!("{root}/scenarios/billing_capped.json");
    let capped = Scenario::from_file(&path).expect("the shipped scenario");
    let plain = Scenario::from_file(format!("{root}/scenarios/default_plan.json"))
        .expect("the shipped plan day");
    let with_cap = capped.plan_for_run().unwrap().expect("a plan");
    let mut expected = plain.plan_for_run().unwrap().expect("a plan");
    for q in expected.queues.iter_mut().filter(|q| q.name == "billing") {
        assert_eq!(q.max_live, None);
        q.max_live = Some(15);
    }
    assert_eq!(with_cap, expected, "only the billing cap differs");
    let day = |s: &Scenario| Scenario {
        name: String::new(),
        plan: None,
        ..s.clone()
    };
    assert_eq!(day(&capped), day(&plain), "the same day otherwise");

    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.json");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["run", "--scenario", &path, "--report"])
        .arg(&report)
        .arg("--out-dir")
        .arg(out.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("refused at team / queue / tenant caps"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("a report")).unwrap();
    let refused = report["rules"]["queue_refusals"].as_u64();
    assert!(refused.is_some_and(|n| n > 0), "{report:#}");
}
