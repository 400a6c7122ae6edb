//! The simulator reports how accurate the engine's expected wait was on a
//! day under a routing plan: how many estimates an agent's taking settled,
//! their mean absolute error, and the share of actual waits inside the
//! estimate's range. A day without a plan reports none of it.

use switchboard::policy::BuiltinPolicy;
use switchboard::sim::{Scenario, Simulation};

fn run(s: Scenario) -> switchboard::sim::Report {
    Simulation::new(s, 1)
        .run(BuiltinPolicy::LeastLoaded)
        .expect("the day runs")
        .report
}

#[test]
fn a_plan_day_reports_the_expected_waits_error_and_share_inside_the_range() {
    let path = format!("{}/scenarios/default_plan.json", env!("CARGO_MANIFEST_DIR"));
    let s = Scenario::from_file(&path).expect("the shipped plan scenario");
    let report = run(s);
    let rules = report.rules.clone().expect("the plan acted");
    assert!(rules.wait_estimates > 100, "{rules:?}");
    assert!(
        rules.wait_mae_minutes > 0.0 && rules.wait_mae_minutes.is_finite(),
        "{rules:?}"
    );
    assert!(
        rules.wait_inside_range > 0.0 && rules.wait_inside_range <= 1.0,
        "{rules:?}"
    );
    let text = report.to_string();
    assert!(
        text.contains("expected wait: error / inside range"),
        "{text}"
    );
    assert!(report.to_json().contains("\"wait_mae_minutes\""));
}

#[test]
fn a_day_without_a_plan_reports_no_expected_wait_figures() {
    let mut s = Scenario::default();
    s.arrivals.conversations_per_day = 400.0;
    let report = run(s);
    assert_eq!(report.rules, None);
    assert!(!report.to_json().contains("wait_mae"));
    assert!(!report.to_string().contains("expected wait"));
}
