//! The fuzz targets' bodies, kept in a library so that a regression test or
//! a debugger can replay an input without libFuzzer.
//!
//! Inputs are decoded by hand with `arbitrary::Unstructured` over a small id
//! space (4 agents, 12 conversations, 5 customers, 3 skills), so that random
//! bytes reach deep states (offers, parked threads, known-agent waits)
//! instead of failing on unknown ids.

use arbitrary::{Result, Unstructured};
use switchboard::engine::Snapshot;
use switchboard::policy::BuiltinPolicy;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    Engine, EngineConfig, Level, OpenConversations, Priority, ResolveReason, SkillId, SkillLevel,
    SkillRequirement, Tier, TimeSpan, Timestamp, TransferTarget,
};

/// Upper bound on commands per input: keeps each run short and bounded.
pub const MAX_STEPS: usize = 200;

const AGENTS: u64 = 4;
const CONVERSATIONS: u64 = 12;
const CUSTOMERS: u64 = 5;
const SKILLS: u32 = 3;

/// A config and policy chosen by the input's first bytes: every built-in
/// policy, offer mode on or off, parked weight, auto-park, affinity.
pub fn decode_config(u: &mut Unstructured<'_>) -> Result<(EngineConfig, &'static str)> {
    let flags: u8 = u.arbitrary()?;
    let names = BuiltinPolicy::names();
    let policy = names[usize::from(flags & 3)];
    let mut config = EngineConfig::default();
    if flags & 4 != 0 {
        config.offer_timeout = Some(TimeSpan::from_secs(30));
    }
    config.away_on_missed_offer = flags & 8 != 0;
    config.parked_weight_permille = if flags & 16 != 0 { 0 } else { 250 };
    if flags & 32 != 0 {
        config.auto_park_after = None;
    }
    config.vip_boost = flags & 64 != 0;
    if flags & 128 != 0 {
        config.sticky_wait = TimeSpan::from_secs(5);
        config.response_target = TimeSpan::from_secs(60);
    }
    Ok((config, policy))
}

/// The next timestamp: usually forward by a small step, sometimes by hours,
/// sometimes backwards (hosts may deliver late events).
pub fn decode_time(u: &mut Unstructured<'_>, now: &mut u64) -> Result<Timestamp> {
    let step: u8 = u.arbitrary()?;
    *now = match step >> 6 {
        0 => *now,
        1 => now.saturating_add(u64::from(step & 63) * 1_000),
        2 => now.saturating_add(u64::from(step & 63) * 60_000),
        _ if step & 32 != 0 => now.saturating_add(u64::from(step & 31) * 3_600_000),
        _ => now.saturating_sub(u64::from(step & 31) * 10_000),
    };
    Ok(Timestamp(*now))
}

fn agent(u: &mut Unstructured<'_>) -> Result<AgentId> {
    Ok(AgentId(u.int_in_range(1..=AGENTS)?))
}

fn conversation(u: &mut Unstructured<'_>) -> Result<ConversationId> {
    Ok(ConversationId(u.int_in_range(1..=CONVERSATIONS)?))
}

fn level(u: &mut Unstructured<'_>) -> Result<u8> {
    // A level outside 1..=10 can no longer reach the engine: the checked
    // constructors must refuse it (`Level::of` checks literals when the
    // program is compiled), and the command goes on with the level clamped
    // into range.
    let raw: u8 = u.int_in_range(0..=15)?;
    if !(1..=10).contains(&raw) {
        assert!(
            SkillLevel::new(SkillId(1), raw).is_err()
                && SkillRequirement::new(SkillId(1), raw).is_err(),
            "level {raw} was accepted"
        );
    }
    Ok(raw.clamp(1, 10))
}

fn requirements(u: &mut Unstructured<'_>) -> Result<Vec<SkillRequirement>> {
    let n = u.int_in_range(0..=2)?;
    (0..n)
        .map(|_| {
            let skill = SkillId(u.int_in_range(1..=SKILLS)?);
            Ok(SkillRequirement::at(
                skill,
                Level::new(level(u)?).unwrap_or(Level::MIN),
            ))
        })
        .collect()
}

fn capacity(u: &mut Unstructured<'_>) -> Result<Capacity> {
    let raw: u8 = u.arbitrary()?;
    Ok(match raw {
        0..=199 => Capacity::units(u32::from(raw % 7)),
        200..=249 => Capacity(u32::from(raw) * 10),
        _ => Capacity(u.arbitrary()?),
    })
}

fn channel(u: &mut Unstructured<'_>) -> Result<Channel> {
    Ok(Channel::ALL[u.int_in_range(0..=7)?])
}

fn status(u: &mut Unstructured<'_>) -> Result<AgentStatus> {
    Ok([
        AgentStatus::Online,
        AgentStatus::Away,
        AgentStatus::Offline,
        AgentStatus::Draining,
    ][u.int_in_range(0..=3)?])
}

fn priority(u: &mut Unstructured<'_>) -> Result<Priority> {
    Ok([
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ][u.int_in_range(0..=3)?])
}

/// One command over the small id space.
pub fn decode_command(u: &mut Unstructured<'_>) -> Result<Command> {
    let kind: u8 = u.int_in_range(0..=16)?;
    Ok(match kind {
        0 => {
            // Read in the order the fields were always decoded, so the
            // corpus keeps meaning the same commands.
            let id = agent(u)?;
            let skills = (0..u.int_in_range(0..=3)?)
                .map(|_| {
                    let skill = SkillId(u.int_in_range(1..=SKILLS)?);
                    Ok(SkillLevel::at(
                        skill,
                        Level::new(level(u)?).unwrap_or(Level::MIN),
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let cap = capacity(u)?;
            let channels = if u.arbitrary()? {
                Some(vec![channel(u)?, channel(u)?])
            } else {
                None
            };
            let mut spec = AgentSpec::new(id, cap).skills(skills).status(status(u)?);
            spec.channels = channels;
            Command::AddAgent(spec)
        }
        1 => Command::SetAgentStatus {
            agent: agent(u)?,
            status: status(u)?,
        },
        2 => Command::SetCapacity {
            agent: agent(u)?,
            cap: capacity(u)?,
        },
        3 | 4 => Command::open(conversation(u)?, CustomerId(u.int_in_range(1..=CUSTOMERS)?))
            .channel(channel(u)?)
            .tier(if u.arbitrary()? {
                Tier::Vip
            } else {
                Tier::Standard
            })
            .skills(requirements(u)?)
            .priority(priority(u)?)
            .start_in_bot(u.ratio(1, 4)?)
            .into(),
        5 => Command::Escalate {
            conversation: conversation(u)?,
            skills: if u.arbitrary()? {
                Some(requirements(u)?)
            } else {
                None
            },
            priority: if u.arbitrary()? {
                Some(priority(u)?)
            } else {
                None
            },
            attributes: None,
        },
        6 => Command::CustomerMessage {
            conversation: conversation(u)?,
        },
        7 => Command::AgentMessage {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        8 => Command::MarkSeen {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        9 => Command::Park {
            conversation: conversation(u)?,
        },
        10 => Command::Resolve {
            conversation: conversation(u)?,
            reason: [
                ResolveReason::Solved,
                ResolveReason::BotContained,
                ResolveReason::Abandoned,
                ResolveReason::Expired,
            ][u.int_in_range(0..=3)?],
        },
        11 => Command::Transfer {
            conversation: conversation(u)?,
            to: if u.arbitrary()? {
                TransferTarget::Agent(agent(u)?)
            } else {
                TransferTarget::Skills(requirements(u)?)
            },
        },
        12 => Command::SetPriority {
            conversation: conversation(u)?,
            priority: priority(u)?,
        },
        13 => Command::AcceptOffer {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        14 => Command::DeclineOffer {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        15 => Command::Purge {
            resolved_before: Timestamp(u.arbitrary()?),
        },
        _ => Command::Tick,
    })
}

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

/// A small engine with conversations in every state, for snapshot mutation.
pub fn sample_engine(offers: bool, name: &str) -> Engine {
    let mut config = EngineConfig::default();
    if offers {
        config.offer_timeout = Some(TimeSpan::from_secs(30));
    }
    // Customers return on the same channel here (conversations in every
    // state, sticky routing): allow several open at once.
    config.open_conversations = OpenConversations::Unlimited;
    let mut engine = Engine::new(config, policy(name)).expect("default config is valid");
    let mut at = Timestamp(0);
    let mut run = |command: Command| {
        at = at + TimeSpan::from_secs(10);
        let _ = engine.apply(at, command);
    };
    run(Command::AddAgent(
        AgentSpec::new(AgentId(1), Capacity::units(2)).skill(SkillId(1), Level::of::<8>()),
    ));
    run(Command::AddAgent(
        AgentSpec::new(AgentId(2), Capacity::units(1))
            .skill(SkillId(1), Level::of::<5>())
            .skill(SkillId(2), Level::of::<3>()),
    ));
    for c in 1..=7u64 {
        run(Command::open(ConversationId(c), CustomerId(c % 4 + 1))
            .channel(Channel::ALL[(c % 8) as usize])
            .tier(if c == 3 { Tier::Vip } else { Tier::Standard })
            .skill(SkillId(1 + (c % 2) as u32), Level::of::<2>())
            .start_in_bot(c == 7)
            .into());
    }
    run(Command::AcceptOffer {
        conversation: ConversationId(1),
        agent: AgentId(1),
    });
    run(Command::AgentMessage {
        conversation: ConversationId(1),
        agent: AgentId(1),
    });
    run(Command::Park {
        conversation: ConversationId(1),
    });
    run(Command::Resolve {
        conversation: ConversationId(2),
        reason: ResolveReason::Solved,
    });
    run(Command::open(ConversationId(8), CustomerId(3))
        .channel(Channel::Sms)
        .skill(SkillId(1), Level::of::<2>())
        .priority(Priority::High)
        .into());
    run(Command::Tick);
    engine.audit().expect("the sample engine is consistent");
    engine
}

/// Replaces one node of `value`, chosen by the input, with a value chosen by
/// the input: a number (small, huge or negative), a string, null, a bool, a
/// dropped or duplicated array element, a removed object field.
fn mutate(value: &mut serde_json::Value, u: &mut Unstructured<'_>, depth: u32) -> Result<()> {
    use serde_json::Value;
    let descend: bool = depth < 12 && u.ratio(3, 4)?;
    match value {
        Value::Array(items) if descend && !items.is_empty() => {
            let i = u.choose_index(items.len())?;
            match u.int_in_range(0..=7)? {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let copy = items[i].clone();
                    items.insert(i, copy);
                }
                2 => {
                    let j = u.choose_index(items.len())?;
                    items.swap(i, j);
                }
                _ => mutate(&mut items[i], u, depth + 1)?,
            }
            return Ok(());
        }
        Value::Object(fields) if descend && !fields.is_empty() => {
            let keys: Vec<String> = fields.keys().cloned().collect();
            let key = u.choose(&keys)?.clone();
            if u.ratio(1, 10)? {
                fields.remove(&key);
            } else if let Some(v) = fields.get_mut(&key) {
                mutate(v, u, depth + 1)?;
            }
            return Ok(());
        }
        _ => {}
    }
    *value = match u.int_in_range(0..=9)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<u64>()?),
        4 => Value::from(u.arbitrary::<u32>()?),
        5 => Value::String(u.arbitrary::<String>()?),
        6 => Value::Array(vec![]),
        _ => Value::from(u.int_in_range(0u32..=12)?),
    };
    Ok(())
}

/// The `snapshot_decode` target. The first byte picks raw mode (the rest is
/// JSON text) or mutation mode (up to 4 structured mutations of a valid
/// sample snapshot). Restore must fail with an error or produce an engine
/// that passes the audit, survives a few commands with audits after each,
/// and round-trips through its own snapshot.
pub fn run_snapshot_decode(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let json = if mode < 32 {
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        }
    } else {
        let mut u = Unstructured::new(rest);
        let name = BuiltinPolicy::names()[usize::from(mode & 3)];
        let base = sample_engine(mode & 4 != 0, name).snapshot();
        let Ok(mut value) = serde_json::to_value(&base) else {
            return;
        };
        for _ in 0..u.int_in_range(1..=4).unwrap_or(1) {
            if mutate(&mut value, &mut u, 0).is_err() {
                break;
            }
        }
        value.to_string()
    };
    let Ok(snapshot) = Snapshot::from_json(&json) else {
        return;
    };
    let name = snapshot.policy().to_owned();
    let Ok(p) = BuiltinPolicy::from_name(&name) else {
        assert!(
            Engine::restore(snapshot, policy("least_loaded")).is_err() || name == "least_loaded"
        );
        return;
    };
    let Ok(mut engine) = Engine::restore(snapshot, p) else {
        return;
    };
    if let Err(v) = engine.audit() {
        panic!("restore returned an engine that fails its audit: {v}\n{json}");
    }
    // A restored engine must keep working: drive it with a few commands.
    let mut u = Unstructured::new(data);
    let mut now = engine.snapshot_clock();
    for _ in 0..16 {
        let (Ok(at), Ok(command)) = (decode_time(&mut u, &mut now), decode_command(&mut u)) else {
            break;
        };
        let result = engine.apply(at, command.clone());
        if let Err(v) = engine.audit() {
            panic!("restored engine failed its audit after {command:?} -> {result:?}: {v}\n{json}");
        }
    }
    let _ = round_trip(&engine, &name);
}

/// Access to the restored engine's clock without a public accessor: read it
/// back from the snapshot's JSON.
trait SnapshotClock {
    fn snapshot_clock(&self) -> u64;
}

impl SnapshotClock for Engine {
    fn snapshot_clock(&self) -> u64 {
        serde_json::to_value(self.snapshot())
            .ok()
            .and_then(|v| v.get("clock").and_then(|c| c.as_u64()))
            .unwrap_or(0)
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
    let result = engine.apply(
        Timestamp(1_000),
        Command::set_plan(plan),
    );
    match result {
        Ok(_) => assert!(valid, "a plan with errors was loaded: {problems:?}"),
        Err(_) => {
            assert!(!valid, "a plan without errors was refused");
            assert_eq!(engine.snapshot(), before, "a refused plan changed the engine");
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
