//! `--simulate`: plays a simulated day's commands against the service's
//! runtime in accelerated real time, so the wallboard shows a contact
//! centre at work.
//!
//! The simulator runs the day once, in memory, and its trace gives every
//! command it applied with its simulated time. The replay submits those
//! commands (less the simulator's own timer ticks: the runtime's shards
//! tick by themselves) through the runtime handle at the same simulated
//! times on a [`ScaledClock`]. The runtime
//! decides afresh, so its assignments may drift from the simulator's: an
//! agent's reply, seen mark or offer answer goes to the agent the runtime
//! gave the thread to (as a real console would), and commands that still
//! no longer apply are refused and counted, not fatal.

use super::app::Tenant;
use super::clock::ScaledClock;
use crate::runtime::RuntimeHandle;
use crate::sim::{Scenario, Simulation};
use crate::{Command, ConversationState, EngineConfig, OpenConversations, Timestamp};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Most commands one replay holds (a default day has tens of thousands).
pub const MAX_COMMANDS: usize = 5_000_000;

/// A day's commands, ready to play.
#[derive(Debug)]
pub struct Replay {
    /// `(simulated ms, command)` in order.
    pub commands: Vec<(u64, Command)>,
    /// The engine configuration the simulator ran with.
    pub config: EngineConfig,
    /// The scenario's policy.
    pub policy: String,
}

/// The line being read and the commands kept so far.
type Kept = (Vec<u8>, Vec<(u64, Command)>);

/// Keeps the inputs of a trace, line by line, dropping the rest.
#[derive(Clone, Default)]
struct Inputs {
    inner: Arc<Mutex<Kept>>,
}

impl Write for Inputs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (line, out) = &mut *guard;
        for &b in buf {
            if b != b'\n' {
                line.push(b);
                continue;
            }
            if out.len() < MAX_COMMANDS {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) {
                    let input = v["type"] == "input" && v["kind"] != "tick";
                    if let (true, Some(t)) = (input, v["t"].as_u64()) {
                        if let Ok(c) = serde_json::from_value::<Command>(v["command"].clone()) {
                            out.push((t, c));
                        }
                    }
                }
            }
            line.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `scenario` once with `seed` and keeps its commands.
pub fn prepare(scenario: Scenario, seed: u64) -> Result<Replay, String> {
    let builtin = scenario.policy;
    let policy = builtin.name().to_owned();
    let mut config = scenario.engine.clone();
    // As the simulator does: simulated customers may hold several threads.
    config.open_conversations = OpenConversations::Unlimited;
    let inputs = Inputs::default();
    Simulation::new(scenario, seed)
        .with_trace(Box::new(inputs.clone()))
        .run(builtin)
        .map_err(|e| e.to_string())?;
    let commands = std::mem::take(&mut inputs.inner.lock().unwrap_or_else(|p| p.into_inner()).1);
    Ok(Replay {
        commands,
        config,
        policy,
    })
}

/// Where a replay's clock starts: a minute before the first conversation
/// opens (the roster's earlier commands are applied at once), so a watcher
/// does not wait through the night.
pub fn start_time(commands: &[(u64, Command)]) -> u64 {
    let first = commands.first().map_or(0, |(t, _)| *t);
    commands
        .iter()
        .find(|(_, c)| matches!(c, Command::OpenConversation(_)))
        .map_or(first, |(t, _)| t.saturating_sub(60_000).max(first))
}

/// Sends a holder's command as whoever holds the thread in the runtime.
async fn as_holder(handle: &RuntimeHandle, tenant: &Tenant, mut command: Command) -> Command {
    if let Some((conversation, agent)) = command.actor_mut() {
        let state = handle
            .query(&tenant.id, move |e| {
                e.conversation(conversation).ok().map(|c| c.state)
            })
            .await;
        match state {
            Ok(Some(ConversationState::Assigned { agent: holder }))
            | Ok(Some(ConversationState::Offered { agent: holder, .. })) => *agent = holder,
            _ => {}
        }
    }
    command
}

/// What a replay did.
#[derive(Debug, Default)]
pub struct Played {
    /// Commands the runtime accepted.
    pub accepted: u64,
    /// Commands it refused (drift from the simulator's decisions).
    pub refused: u64,
}

/// Submits every command at its simulated time on `clock`, in order,
/// waiting for room rather than dropping any.
pub async fn play(
    tenant: Arc<Tenant>,
    clock: Arc<ScaledClock>,
    commands: Vec<(u64, Command)>,
) -> Played {
    let handle = tenant.handle.clone();
    let mut played = Played::default();
    for (t, command) in commands {
        let wait = clock.real_until(Timestamp(t));
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let command = as_holder(&handle, &tenant, command).await;
        match handle.submit_waiting(&tenant.id, command).await {
            Ok(_) => played.accepted += 1,
            Err(crate::runtime::RuntimeError::Rejected(_)) => played.refused += 1,
            Err(_) => break,
        }
    }
    played
}
