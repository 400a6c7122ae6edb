//! The comparison writes its two SVG charts.
#![cfg(feature = "plots")]

use crate::sim_support;

use switchboard::policy;
use switchboard::sim::{compare, plot};

#[test]
fn compare_writes_timeline_and_policy_charts() {
    let policies = policy::BuiltinPolicy::ALL
        .map(policy::BuiltinPolicy::build)
        .into();
    let comparison = compare(&sim_support::small_scenario(), 3, policies).unwrap();
    assert_eq!(comparison.reports.len(), 4);
    let dir = std::env::temp_dir().join(format!("switchboard-sim-plot-{}", std::process::id()));
    let paths = plot::write_all(&comparison, &dir).unwrap();
    for path in &paths {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", path.display());
        assert!(svg.contains("least_loaded"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
