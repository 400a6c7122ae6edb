//! The client side: the workload's commands, pushing them to whichever
//! node is primary, and timing figures.

use super::*;
use std::time::{Duration, Instant};
use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, ResolveReason,
};

/// The client's workload: agents first, then conversations opened and
/// resolved so agents keep freeing up. Every command is distinct, so a
/// command found twice in the journal was applied twice.
pub fn workload(i: u64) -> Command {
    const AGENTS: u64 = 6;
    if i < AGENTS {
        return Command::AddAgent(AgentSpec::new(AgentId(i + 1), Capacity::units(4)));
    }
    let n = i - AGENTS;
    if n % 3 == 2 {
        // Resolve a conversation opened a while ago.
        return Command::Resolve {
            conversation: ConversationId(1_000_000 + (n / 3) * 2),
            reason: ResolveReason::Solved,
        };
    }
    let conversation = n - n / 3;
    Command::open(
        ConversationId(1_000_000 + conversation),
        CustomerId(conversation),
    )
    .channel(Channel::Sms)
    .into()
}

/// How a command ended.
#[derive(Debug)]
pub enum Outcome {
    /// Acknowledged.
    Acked(Ack),
    /// Refused by the engine (for a retried command: it was applied before).
    Rejected,
}

/// Sends command `id` to the first of `nodes` that is primary, retrying
/// `not_primary` and `failed` answers (bounded by `limit`).
pub fn push(nodes: &mut [&mut NodeProc], tenant: &str, id: u64, limit: Duration) -> Outcome {
    push_with(nodes, tenant, id, workload, limit)
}

/// [`push`] of command `id` of the workload `command`.
pub fn push_with(
    nodes: &mut [&mut NodeProc],
    tenant: &str,
    id: u64,
    command: fn(u64) -> Command,
    limit: Duration,
) -> Outcome {
    let started = Instant::now();
    let command = command(id);
    // Bounded by the time limit; each round waits at least 10 ms.
    while started.elapsed() < limit {
        for node in nodes.iter_mut() {
            let Some(answer) = node.request(id, tenant, &command) else {
                continue;
            };
            if answer["ok"].as_bool() == Some(true) {
                return Outcome::Acked(Ack {
                    id,
                    record: answer["record"].as_u64().expect("record"),
                    decisions: answer["decisions"].clone(),
                    node: node.name.clone(),
                });
            }
            match answer["error"].as_str() {
                Some("rejected") => return Outcome::Rejected,
                Some("not_primary" | "failed") => {}
                other => panic!("unexpected answer {other:?}: {answer}"),
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("command {id} not served by any node within {limit:?}");
}

/// The median and the largest of `samples`.
pub fn median_max(samples: &[Duration]) -> (Duration, Duration) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    (sorted[sorted.len() / 2], sorted[sorted.len() - 1])
}

/// Starts node `a` (which takes `tenant`'s lease) and then node `b` (its
/// standby) with a `lease_ms` lease.
pub fn start_pair(url: &str, tenant: &str, lease_ms: u64) -> (NodeProc, NodeProc) {
    let mut a = NodeProc::start(url, "a", tenant, lease_ms);
    a.wait_event("primary", Some(tenant), Duration::from_secs(30))
        .expect("a takes the lease");
    let b = NodeProc::start(url, "b", tenant, lease_ms);
    (a, b)
}
