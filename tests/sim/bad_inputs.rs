//! Bad input per entry point (issue 21): hostile or broken files handed to
//! the CSV import, the scenario reader and the plan loader. Each must give
//! its typed error (the variant is pinned per input), never a panic, and
//! within a time bound (no hang, no runaway work). The engine, journal and
//! runtime have their own tables (tests/engine/engine_errors.rs,
//! tests/persist/persist_*.rs, tests/runtime/runtime_isolation.rs); HTTP is
//! tests/service/service_bad_inputs.rs. RELIABILITY.md lists every row.

use std::sync::mpsc;
use std::time::Duration;
use switchboard::plan::{Plan, PlanError};
use switchboard::sim::{import_day, CsvError, Scenario, ScenarioError};

/// The most one input may take (debug build, shared machine).
const BOUND: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread: its answer, or a failure naming `what` if
/// it panicked or took longer than [`BOUND`].
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(BOUND) {
        Ok(answer) => answer,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no answer within {BOUND:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

/// A JSON document nested `depth` arrays deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

const HEAD: &str = "opened_at,customer,channel,tier,priority,topic,skills,bot,first_response_at,resolved_at,messages\n";
const ROSTER: &str = "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T16:00:00Z,4\n";
const ROW: &str = "2026-03-02T09:00:00Z,c1,sms,vip,high,billing,,false,,,\n";

fn csv_variant(e: &CsvError) -> &'static str {
    match e {
        CsvError::Io { .. } => "Io",
        CsvError::MissingColumn { .. } => "MissingColumn",
        CsvError::Shape { .. } => "Shape",
        CsvError::Field { .. } => "Field",
        CsvError::Malformed { .. } => "Malformed",
        CsvError::Empty { .. } => "Empty",
        _ => "other",
    }
}

#[test]
fn bad_csv_files_are_typed_errors_without_panic_or_hang() {
    let long_row = format!(
        "2026-03-02T09:00:00Z,{},sms,vip,high,billing,,false,,,\n",
        "c".repeat(1 << 20)
    );
    let wide_row = format!("{}\n", ",".repeat(100_000));
    let many_messages = format!(
        "2026-03-02T09:00:00Z,c1,sms,vip,high,billing,,false,,,{}\n",
        vec!["c@2026-03-02T09:00:00Z"; 100_000].join(";")
    );
    // (input, conversations file, roster file, expected outcome)
    let cases: Vec<(&str, String, String, &str)> = vec![
        ("empty file", String::new(), ROSTER.into(), "MissingColumn"),
        ("header only", HEAD.into(), ROSTER.into(), "Empty"),
        (
            "binary bytes",
            "\u{0}\u{1}\u{2}\u{fffd}\n\u{7f}".into(),
            ROSTER.into(),
            "MissingColumn",
        ),
        (
            "unclosed quote",
            format!("{HEAD}\"2026-03-02T09:00:00Z,c1\n"),
            ROSTER.into(),
            "Shape",
        ),
        (
            "100,000 fields on a line",
            format!("{HEAD}{wide_row}"),
            ROSTER.into(),
            "Shape",
        ),
        (
            "a 1 MiB customer id",
            format!("{HEAD}{long_row}"),
            ROSTER.into(),
            "accepted",
        ),
        (
            "100,000 messages in one cell",
            format!("{HEAD}{many_messages}"),
            ROSTER.into(),
            "accepted",
        ),
        (
            "duplicate header column",
            "opened_at,opened_at,customer\n2026-03-02T09:00:00Z,2026-03-02T09:00:00Z,c1\n".into(),
            ROSTER.into(),
            "accepted",
        ),
        (
            "year 275760 timestamp",
            format!("{HEAD}275760-09-13T00:00:00Z,c1,sms,vip,high,billing,,false,,,\n"),
            ROSTER.into(),
            "Field",
        ),
        // Times count from the day's first conversation: any date reads.
        (
            "timestamp before 1970",
            format!("{HEAD}1969-12-31T23:59:59Z,c1,sms,vip,high,billing,,false,,,\n"),
            ROSTER.into(),
            "accepted",
        ),
        (
            "skill level 0",
            format!("{HEAD}2026-03-02T09:00:00Z,c1,sms,vip,high,billing,billing:0,false,,,\n"),
            ROSTER.into(),
            "Field",
        ),
        (
            "negative cap",
            format!("{HEAD}{ROW}"),
            "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T16:00:00Z,-1\n".into(),
            "Field",
        ),
        (
            "cap past u32",
            format!("{HEAD}{ROW}"),
            "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T16:00:00Z,4294967296\n"
                .into(),
            "Field",
        ),
        (
            "empty roster",
            format!("{HEAD}{ROW}"),
            "agent,start,end,cap\n".into(),
            "Empty",
        ),
        (
            "roster shift ending before it starts",
            format!("{HEAD}{ROW}"),
            "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T07:00:00Z,4\n".into(),
            "Field",
        ),
        (
            "CRLF line ends and a byte-order mark",
            format!("\u{feff}{}", format!("{HEAD}{ROW}").replace('\n', "\r\n")),
            ROSTER.into(),
            "accepted",
        ),
    ];
    let mut failures = Vec::new();
    for (what, conversations, roster, expected) in cases {
        let got = within(what, move || {
            let base = Scenario::default();
            match import_day(&base, "conv.csv", &conversations, "roster.csv", &roster) {
                Ok(_) => "accepted".to_owned(),
                Err(e) => {
                    assert!(!e.to_string().is_empty(), "a message");
                    csv_variant(&e).to_owned()
                }
            }
        });
        println!("csv | {what} | {got}");
        if got != expected {
            failures.push(format!("{what}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn scenario_variant(e: &ScenarioError) -> &'static str {
    match e {
        ScenarioError::Io { .. } => "Io",
        ScenarioError::Parse { .. } => "Parse",
        ScenarioError::OutOfRange { .. } => "OutOfRange",
        ScenarioError::Empty { .. } => "Empty",
        ScenarioError::SkillNobodyHas { .. } => "SkillNobodyHas",
        ScenarioError::ChannelNobodyWorks { .. } => "ChannelNobodyWorks",
        _ => "other",
    }
}

/// The default scenario as JSON with `pointer`'s value replaced.
fn default_with(pointer: &str, value: serde_json::Value) -> String {
    let mut json = serde_json::to_value(Scenario::default()).expect("json");
    *json
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = value;
    json.to_string()
}

#[test]
fn bad_scenario_files_are_typed_errors_without_panic_or_hang() {
    use serde_json::json;
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty document", String::new(), "Parse"),
        ("null", "null".into(), "Parse"),
        // Before: serde read a struct from an array, so `[]` was the
        // default scenario.
        ("an array", "[]".into(), "Parse"),
        ("an array of fields", "[\"x\", 9]".into(), "Parse"),
        ("truncated object", "{\"seed\":".into(), "Parse"),
        ("arrays nested 100,000 deep", nested(100_000), "Parse"),
        (
            "valid (control)",
            default_with("/days", json!(1)),
            "accepted",
        ),
        (
            "a number of 400 digits",
            default_with("/days", json!(7))
                .replace("\"days\":7", &format!("\"days\":{}", "9".repeat(400))),
            "Parse",
        ),
        (
            "NaN (not JSON)",
            default_with("/days", json!(7)).replace("\"days\":7", "\"days\":NaN"),
            "Parse",
        ),
        (
            "a string for a number",
            default_with("/days", json!("eight")),
            "Parse",
        ),
        (
            "an unknown field",
            default_with("/days", json!(1)).replacen('{', "{\"dayz\":1,", 1),
            "Parse",
        ),
        (
            "negative arrival rate",
            default_with("/arrivals/conversations_per_day", json!(-1.0)),
            "OutOfRange",
        ),
        (
            "arrival rate 1e308",
            default_with("/arrivals/conversations_per_day", json!(1e308)),
            "OutOfRange",
        ),
        (
            "no agent groups",
            default_with("/agents", json!([])),
            "Empty",
        ),
    ];
    let mut failures = Vec::new();
    for (what, text, expected) in cases {
        let got = within(what, move || match Scenario::from_json(&text) {
            Ok(_) => "accepted".to_owned(),
            Err(e) => {
                assert!(!e.to_string().is_empty(), "a message");
                scenario_variant(&e).to_owned()
            }
        });
        println!("scenario | {what} | {got}");
        if got != expected {
            failures.push(format!("{what}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn plan_outcome(text: &str) -> String {
    match Plan::from_json(text) {
        Err(PlanError::Json { .. }) => "Json".into(),
        Err(other) => format!("{other:?}"),
        Ok(plan) => {
            // Loaded into an engine: every problem at once, nothing changed.
            let mut engine = switchboard::Engine::new(
                switchboard::EngineConfig::default(),
                switchboard::policy::BuiltinPolicy::LeastLoaded,
            )
            .expect("engine");
            let before = engine.snapshot();
            match engine.apply(
                switchboard::Timestamp(1),
                switchboard::Command::set_plan(plan),
            ) {
                Ok(_) => "accepted".into(),
                Err(switchboard::EngineError::Plan(error)) => {
                    let PlanError::Invalid(problems) = *error else {
                        return format!("{error:?}");
                    };
                    assert!(!problems.is_empty());
                    assert_eq!(engine.snapshot(), before, "a refused plan changes nothing");
                    "Invalid".into()
                }
                Err(e) => format!("{e:?}"),
            }
        }
    }
}

#[test]
fn bad_plan_documents_are_typed_errors_without_panic_or_hang() {
    let queue = r#"{"name":"q"}"#;
    let steps = r#"[{"after_ms":0,"actions":[{"do":"enter_queue","queue":"q"}]}]"#;
    let default = format!(r#"{{"name":"default","steps":{steps}}}"#);
    let route = |condition: &str| {
        format!(
            r#"{{"queues":[{queue}],"routes":[{{"name":"r","when":{},"steps":{steps}}},{default}]}}"#,
            serde_json::to_string(condition).expect("json")
        )
    };
    let many_routes = {
        let routes: Vec<String> = (0..100_000)
            .map(|i| format!(r#"{{"name":"r{i}","when":"a == 1","steps":{steps}}}"#))
            .collect();
        format!(
            r#"{{"queues":[{queue}],"routes":[{},{default}]}}"#,
            routes.join(",")
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty document", String::new(), "Json"),
        ("arrays nested 100,000 deep", nested(100_000), "Json"),
        ("valid (control)", route("a == 1"), "accepted"),
        (
            "an unknown field",
            route("a == 1").replacen('{', r#"{"routez":[],"#, 1),
            "Json",
        ),
        (
            "a route entering no such queue",
            route("a == 1").replace(r#""queue":"q""#, r#""queue":"nowhere""#),
            "Invalid",
        ),
        (
            "a condition of 100,000 parentheses",
            route(&format!(
                "{}x == 1{}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            )),
            "Invalid",
        ),
        (
            "a condition that does not parse",
            route("priority >>> 3 and"),
            "Invalid",
        ),
        (
            "a condition of 1 MiB",
            route(&"a == 1 or ".repeat(100_000)),
            "Invalid",
        ),
        ("100,000 routes", many_routes, "Invalid"),
    ];
    let mut failures = Vec::new();
    for (what, text, expected) in cases {
        let got = within(what, move || plan_outcome(&text));
        println!("plan | {what} | {got}");
        if got != expected {
            failures.push(format!("{what}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
