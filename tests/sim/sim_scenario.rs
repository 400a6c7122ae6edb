//! Scenario files: the default file equals `Scenario::default()`, and each
//! kind of bad input gives its typed error naming the field.

use switchboard::policy::BuiltinPolicy;
use switchboard::sim::{Scenario, ScenarioError};

fn default_json() -> serde_json::Value {
    serde_json::from_str(&Scenario::default().to_json()).unwrap()
}

fn parse(value: &serde_json::Value) -> Result<Scenario, ScenarioError> {
    Scenario::from_json(&value.to_string())
}

#[test]
fn default_scenario_file_equals_the_built_in_default() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.json");
    let from_file = Scenario::from_file(path).unwrap();
    assert_eq!(from_file, Scenario::default());
}

#[test]
fn large_scenario_file_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/large.json");
    let s = Scenario::from_file(path).unwrap();
    assert!(s.agent_count() >= 1_000);
}

#[test]
fn channel_weights_are_read_as_a_map_or_as_the_older_array() {
    let mut v = default_json();
    assert_eq!(v["engine"]["channel_weights"]["email"], 500);
    v["engine"]["channel_weights"] =
        serde_json::json!([1000, 1000, 1000, 1000, 1000, 1000, 1000, 500]);
    assert_eq!(parse(&v).unwrap(), Scenario::default());
    v["engine"]["channel_weights"] = serde_json::json!({"email": 250});
    let s = parse(&v).unwrap();
    assert_eq!(s.engine.weight(switchboard::Channel::Email).0, 250);
    assert_eq!(s.engine.weight(switchboard::Channel::Sms).0, 1000);
}

#[test]
fn default_round_trips_through_json() {
    let s = Scenario::default();
    assert_eq!(Scenario::from_json(&s.to_json()).unwrap(), s);
    s.validate().unwrap();
}

#[test]
fn a_partial_file_takes_defaults_for_the_rest() {
    let s = Scenario::from_json(r#"{"name": "tiny", "days": 2}"#).unwrap();
    assert_eq!(s.days, 2);
    assert_eq!(s.agents, Scenario::default().agents);
}

#[test]
fn wrong_type_names_the_field() {
    let mut v = default_json();
    v["agents"][1]["cap_max"] = "ten".into();
    match parse(&v) {
        Err(ScenarioError::Parse { field, message, .. }) => {
            assert_eq!(field, "agents[1].cap_max");
            assert!(message.contains("invalid type"), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn unknown_field_is_refused() {
    let mut v = default_json();
    v["bot"]["contaiment"] = 0.3.into();
    let err = parse(&v).unwrap_err();
    assert!(
        matches!(err, ScenarioError::Parse { ref field, .. } if field.starts_with("bot")),
        "{err}"
    );
    assert!(err.to_string().contains("contaiment"));
}

#[test]
fn malformed_json_is_a_parse_error_with_position() {
    let err = Scenario::from_json("{\"days\": 1,,}").unwrap_err();
    assert!(matches!(err, ScenarioError::Parse { line: 1, .. }), "{err}");
}

#[test]
fn negative_rate_names_the_field() {
    let mut v = default_json();
    v["arrivals"]["conversations_per_day"] = (-5.0).into();
    match parse(&v) {
        Err(ScenarioError::OutOfRange { field, value, .. }) => {
            assert_eq!(field, "arrivals.conversations_per_day");
            assert_eq!(value, -5.0);
        }
        other => panic!("expected out of range, got {other:?}"),
    }
    // An absurd rate would make a day of unbounded events and memory.
    let mut v = default_json();
    v["arrivals"]["conversations_per_day"] = 1e12.into();
    match parse(&v) {
        Err(ScenarioError::OutOfRange { field, value, .. }) => {
            assert_eq!(field, "arrivals.conversations_per_day");
            assert_eq!(value, 1e12);
        }
        other => panic!("expected out of range, got {other:?}"),
    }
    let mut v = default_json();
    v["arrivals"]["curve"][3]["weight"] = (-1.0).into();
    let err = parse(&v).unwrap_err();
    assert!(
        matches!(err, ScenarioError::OutOfRange { ref field, .. } if field == "arrivals.curve[3].weight"),
        "{err}"
    );
}

#[test]
fn share_above_one_names_the_field() {
    let mut v = default_json();
    v["bot"]["containment"] = 1.5.into();
    let err = parse(&v).unwrap_err();
    assert!(
        matches!(err, ScenarioError::OutOfRange { ref field, .. } if field == "bot.containment"),
        "{err}"
    );
}

#[test]
fn skill_nobody_has_is_refused() {
    let mut v = default_json();
    v["topics"][0]["skill"] = "mandarin".into();
    match parse(&v) {
        Err(ScenarioError::SkillNobodyHas { field, skill, .. }) => {
            assert_eq!(field, "topics[0].skill");
            assert_eq!(skill, "mandarin");
        }
        other => panic!("expected skill nobody has, got {other:?}"),
    }
    // Held, but by nobody at the level required.
    let mut v = default_json();
    v["topics"][1]["min_level"] = 10.into();
    v["topics"][1]["skill"] = "spanish".into();
    for g in v["agents"].as_array_mut().unwrap() {
        for s in g["skills"].as_array_mut().unwrap() {
            if s["skill"] == "spanish" {
                s["level_max"] = 9.into();
                s["level_min"] = 1.into();
            }
        }
    }
    assert!(matches!(
        parse(&v),
        Err(ScenarioError::SkillNobodyHas { .. })
    ));
}

#[test]
fn unknown_policy_lists_the_known_ones() {
    let mut v = default_json();
    v["policy"] = "fastest_typist".into();
    let err = parse(&v).unwrap_err();
    match &err {
        ScenarioError::UnknownPolicy { field, source } => {
            assert_eq!(field, "policy");
            assert_eq!(source.name, "fastest_typist");
            assert_eq!(source.known(), BuiltinPolicy::names());
        }
        other => panic!("expected unknown policy, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("policy") && message.contains("least_loaded, longest_idle"));
}

#[test]
fn the_policy_is_typed_and_read_from_its_name_in_every_shipped_scenario() {
    for file in ["scenarios/default.json", "scenarios/large.json"] {
        let scenario = Scenario::from_file(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(scenario.policy, BuiltinPolicy::LeastLoaded, "{file}");
    }
    let mut v = default_json();
    v["policy"] = "round_robin".into();
    let scenario = parse(&v).expect("a built-in name");
    assert_eq!(scenario.policy, BuiltinPolicy::RoundRobin);
    let json: serde_json::Value = serde_json::from_str(&scenario.to_json()).unwrap();
    assert_eq!(json["policy"], "round_robin", "written back as its name");
    v["policy"] = serde_json::json!(3);
    assert!(matches!(parse(&v), Err(ScenarioError::Parse { ref field, .. }) if field == "policy"));
}

#[test]
fn no_agents_is_refused() {
    let mut v = default_json();
    v["agents"] = serde_json::json!([]);
    assert!(matches!(parse(&v), Err(ScenarioError::Empty { ref field, .. }) if field == "agents"));
}

#[test]
fn bad_engine_section_is_the_engines_error() {
    let mut v = default_json();
    v["engine"]["warn_at_permille"] = 1000.into();
    assert!(matches!(parse(&v), Err(ScenarioError::Engine(_))));
}

#[test]
fn missing_file_is_an_io_error() {
    assert!(matches!(
        Scenario::from_file("/nonexistent/scenario.json"),
        Err(ScenarioError::Io { .. })
    ));
}

#[test]
fn channel_nobody_works_is_refused() {
    let mut v = default_json();
    for g in v["agents"].as_array_mut().unwrap() {
        g["channels"] = serde_json::json!(["whats_app", "web"]);
    }
    match parse(&v) {
        Err(ScenarioError::ChannelNobodyWorks { field, channel }) => {
            assert_eq!(field, "channels[2].share");
            assert_eq!(channel, switchboard::Channel::InApp);
        }
        other => panic!("expected channel nobody works, got {other:?}"),
    }
}
