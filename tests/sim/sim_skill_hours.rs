//! Scenario skills held only some hours of the day (`agents[].skills[].hours`):
//! the simulator registers them as the engine's skill windows, one per day,
//! so work needing them is routed by push or pull only inside those hours,
//! and bad hours are refused naming the field.

use crate::sim_support;

use serde_json::Value;
use switchboard::policy::BuiltinPolicy;
use switchboard::sim::{Scenario, ScenarioError, Simulation};

const HOUR: u64 = 3_600_000;

/// The small day with Spanish covered from 13:00 to 18:00 only.
fn afternoon_spanish() -> Scenario {
    let mut s = sim_support::small_scenario();
    for g in &mut s.agents {
        for k in &mut g.skills {
            if k.skill == "spanish" {
                k.hours = Some([13.0, 18.0]);
            }
        }
    }
    s
}

#[test]
fn a_skill_with_hours_takes_new_work_only_within_them() {
    let s = afternoon_spanish();
    let spanish = u64::from(s.skill_id("spanish").expect("held"));
    let buf = sim_support::SharedBuf::default();
    Simulation::new(s, 5)
        .with_trace(Box::new(buf.clone()))
        .with_audit(200)
        .run(BuiltinPolicy::LeastLoaded)
        .expect("the day runs, audited");
    let trace = String::from_utf8(buf.0.lock().unwrap().clone()).expect("utf-8");
    let mut needs_spanish = std::collections::HashSet::new();
    let (mut opened, mut closed, mut routed) = (0, 0, 0);
    for line in trace.lines().skip(1) {
        let v: Value = serde_json::from_str(line).expect("json line");
        let t = v["t"].as_u64().expect("t");
        if v["kind"] == "open_conversation" {
            let skills = v["command"]["skills"].as_array().expect("skills");
            if skills.iter().any(|r| r["skill"].as_u64() == Some(spanish)) {
                needs_spanish.insert(v["conversation"].as_u64().expect("id"));
            }
        }
        if v["type"] != "decision" {
            continue;
        }
        let d = &v["decision"];
        if d["kind"] == "skill_window_changed" {
            assert_eq!(d["skill"].as_u64(), Some(spanish));
            if d["counting"] == true {
                assert_eq!(t, 13 * HOUR);
                opened += 1;
            } else {
                assert_eq!(t, 18 * HOUR);
                closed += 1;
            }
        }
        let by_rank = d["kind"] == "assigned" && (d["via"] == "policy" || d["via"] == "pull");
        if by_rank && needs_spanish.contains(&d["conversation"].as_u64().expect("id")) {
            assert!(
                (13 * HOUR..18 * HOUR).contains(&t),
                "Spanish work routed at {t} ms, outside 13:00-18:00"
            );
            routed += 1;
        }
    }
    assert!(
        opened > 0 && opened == closed,
        "{opened} openings, {closed} closings"
    );
    assert!(routed > 0, "no Spanish work routed in the afternoon");
}

#[test]
fn hours_round_trip_and_bad_hours_name_the_field() {
    let s = afternoon_spanish();
    let json = s.to_json();
    assert!(json.contains("\"hours\""));
    assert_eq!(Scenario::from_json(&json).expect("valid"), s);
    // Without hours the field is left out: older scenario files are unchanged.
    assert!(!Scenario::default().to_json().contains("\"hours\""));
    let mut v: Value = serde_json::from_str(&json).expect("json");
    let (g, spanish) = v["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .enumerate()
        .find_map(|(g, group)| {
            let skills = group["skills"].as_array()?;
            Some((g, skills.iter().position(|k| k["skill"] == "spanish")?))
        })
        .expect("a group speaks Spanish");
    for (hours, field) in [
        (serde_json::json!([18.0, 13.0]), "hours[1]"),
        (serde_json::json!([-1.0, 13.0]), "hours[0]"),
        (serde_json::json!([0.0, 24.0]), "hours"),
    ] {
        v["agents"][g]["skills"][spanish]["hours"] = hours;
        let err = Scenario::from_json(&v.to_string()).expect_err("refused");
        let named = match &err {
            ScenarioError::OutOfRange { field: f, .. } | ScenarioError::Empty { field: f, .. } => {
                f.clone()
            }
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(named, format!("agents[{g}].skills[{spanish}].{field}"));
    }
}
