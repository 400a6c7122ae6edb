//! The `snapshot_decode` target: a sample engine's snapshot, mutated by the
//! input through its JSON, then decoded and restored.

use arbitrary::{Result, Unstructured};
use switchboard::engine::Snapshot;
use switchboard::policy::BuiltinPolicy;
use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, Engine,
    EngineConfig, Level, OpenConversations, Priority, ResolveReason, SkillId, Tier, TimeSpan,
    Timestamp,
};

use crate::decode::{decode_command, decode_time};
use crate::{policy, round_trip};

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
