//! The fuzz targets' bodies, kept in a library so that a regression test or
//! a debugger can replay an input without libFuzzer.
//!
//! Inputs are decoded by hand with `arbitrary::Unstructured` over a small id
//! space (4 agents, 12 conversations, 5 customers, 3 skills), so that random
//! bytes reach deep states (offers, parked threads, known-agent waits)
//! instead of failing on unknown ids.

mod decode;
mod snapshot_decode;

use arbitrary::Unstructured;
use switchboard::engine::Snapshot;
use switchboard::policy::BuiltinPolicy;
use switchboard::{Command, ConversationId, Engine, Timestamp};

pub use decode::{decode_command, decode_config, decode_time};
pub use snapshot_decode::{run_snapshot_decode, sample_engine};

/// Upper bound on commands per input: keeps each run short and bounded.
pub const MAX_STEPS: usize = 200;

fn policy(name: &str) -> Box<dyn switchboard::policy::RoutingPolicy> {
    BuiltinPolicy::from_name(name)
        .expect("a built-in policy name")
        .build()
}

/// Snapshot -> JSON -> restore; the restored engine's snapshot must equal
/// the original's.
pub fn round_trip(engine: &Engine, name: &str) -> Engine {
    let snapshot = engine.snapshot();
    let json = snapshot.to_json().expect("a snapshot serialises");
    let decoded = Snapshot::from_json(&json).expect("a snapshot's own JSON decodes");
    assert_eq!(decoded, snapshot, "JSON round trip changed the snapshot");
    let restored = Engine::restore(decoded, policy(name))
        .unwrap_or_else(|e| panic!("a valid snapshot failed to restore: {e}\n{json}"));
    assert_eq!(restored.snapshot(), snapshot, "restore changed the state");
    restored
}

/// The `commands` target. Applies up to [`MAX_STEPS`] decoded commands and
/// checks after each: the audit passes; a refused command left the snapshot
/// exactly as before; a shadow engine restored from a snapshot (taken when
/// the input asks) answers every later command exactly like the original.
pub fn run_commands(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((config, name)) = decode_config(&mut u) else {
        return;
    };
    let mut engine = Engine::new(config, policy(name)).expect("decoded configs are valid");
    let mut shadow: Option<Engine> = None;
    let mut now = 0;
    for step in 0..MAX_STEPS {
        if u.is_empty() {
            break;
        }
        let Ok(op) = u.arbitrary::<u8>() else { break };
        if op < 8 {
            shadow = Some(round_trip(&engine, name));
            continue;
        }
        let (Ok(at), Ok(command)) = (decode_time(&mut u, &mut now), decode_command(&mut u)) else {
            break;
        };
        let before = engine.snapshot();
        let result = engine.apply(at, command.clone());
        if let Some(shadow) = &mut shadow {
            let again = shadow.apply(at, command.clone());
            assert_eq!(
                again, result,
                "step {step}: restored engine disagrees on {command:?} at {at}"
            );
            if let Err(v) = shadow.audit() {
                panic!("step {step}: restored engine audit failed after {command:?}: {v}");
            }
        }
        if let Err(error) = &result {
            let after = engine.snapshot();
            assert!(
                after == before,
                "step {step}: refused {command:?} at {at} ({error}) changed the state:\nbefore {}\nafter  {}",
                before.to_json().unwrap_or_default(),
                after.to_json().unwrap_or_default()
            );
        }
        if let Err(v) = engine.audit() {
            panic!("step {step}: audit failed after {command:?} at {at} -> {result:?}: {v}");
        }
    }
}

/// The `scenario` target: bytes into `Scenario::from_json`. Either a typed
/// error whose message names something, or a scenario that validates and
/// round-trips through JSON unchanged.
pub fn run_scenario(data: &[u8]) {
    use switchboard::sim::Scenario;
    let text = String::from_utf8_lossy(data);
    match Scenario::from_json(&text) {
        Err(error) => assert!(!error.to_string().is_empty()),
        Ok(scenario) => {
            let json = serde_json::to_string(&scenario).expect("a valid scenario serialises");
            let again = Scenario::from_json(&json).expect("a serialised scenario parses");
            assert_eq!(again, scenario, "scenario changed in a JSON round trip");
        }
    }
}

/// Arbitrary bytes into `Plan::from_json`: an error, or a plan whose
/// checks run without a panic, that round-trips through JSON unchanged,
/// and that an engine with a few agents and waiting conversations either
/// refuses (changing nothing) or loads and keeps auditable through a day
/// of ticks.
pub fn run_plan_document(data: &[u8]) {
    use switchboard::plan::{Attributes, Plan, Severity};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = Plan::from_json(text) else {
        return;
    };
    let again = Plan::from_json(&plan.to_json()).expect("a plan's own JSON reads back");
    assert_eq!(again, plan, "a plan round-trips through JSON unchanged");
    let problems = plan.check();
    let mut engine = sample_engine(false, "least_loaded");
    let checked = engine.check_plan(&plan);
    assert!(checked.len() >= problems.len());
    let valid = problems.iter().all(|p| p.severity() == Severity::Warning);
    let before = engine.snapshot();
    let result = engine.apply(Timestamp(1_000), Command::set_plan(plan));
    match result {
        Ok(_) => assert!(valid, "a plan with errors was loaded: {problems:?}"),
        Err(_) => {
            assert!(!valid, "a plan without errors was refused");
            assert_eq!(
                engine.snapshot(),
                before,
                "a refused plan changed the engine"
            );
            return;
        }
    }
    if let Err(v) = engine.audit() {
        panic!("audit failed after the plan loaded: {v}");
    }
    let topics = ["billing", "tech", "es"];
    for (i, topic) in topics.iter().enumerate() {
        let _ = engine.apply(
            Timestamp(2_000),
            Command::SetAttributes {
                conversation: ConversationId(i as u64),
                attributes: Attributes::new().topic(*topic).language(*topic),
            },
        );
    }
    for minute in 0..90u64 {
        let _ = engine.apply(Timestamp(2_000 + minute * 60_000), Command::Tick);
        if let Err(v) = engine.audit() {
            panic!("audit failed at minute {minute}: {v}");
        }
    }
}
