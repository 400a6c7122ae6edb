//! The properties a run must keep, checked on the model's stream and the
//! nodes' engines after the run (and they hold at any instant, so the end
//! of a run is as good a moment as any):
//!
//! 1. **One writer per sequence.** Each tenant's subject decodes as one
//!    run of records 1, 2, 3, ...: no record sequence was accepted from
//!    two appends (two primaries), none skipped.
//! 2. **Acknowledged means journaled once.** Every command acknowledged
//!    to a client is in its tenant's subject exactly once, and no command
//!    is in the stream twice.
//! 3. **A standby is a replay.** Every warm standby replica, and every
//!    primary's engine with no append in flight, equals a fresh engine fed
//!    the subject's records up to the same stream sequence.
//! 4. **Service comes back.** Once faults stop, every tenant acknowledges
//!    commands again.

use super::exec::Millis;
use super::node::{fresh_engine, SimNode};
use super::world::World;
use crate::persist::decode_records;
use crate::Command;
use std::collections::HashMap;
use std::rc::Rc;

/// Checks every property; the first broken one, described.
pub(super) fn check(world: &World, nodes: &[Rc<SimNode>], calm_from: Millis) -> Result<(), String> {
    let mut in_stream: HashMap<u64, (String, u64)> = HashMap::new();
    let mut by_tenant: HashMap<&str, Vec<(u64, Vec<crate::persist::Record>)>> = HashMap::new();
    let mut next_record: HashMap<&str, u64> = HashMap::new();
    for m in &world.server.stream {
        let tenant = m.subject.strip_prefix("sb.journal.").unwrap_or_default();
        if crate::runtime::nats::is_fence(&m.payload) {
            // A fence holds no record: empty, or the rules header the
            // subject's records are written under (every node here runs
            // the same rules, so a fresh engine replays them).
            continue;
        }
        let next = next_record.entry(tenant).or_insert(1);
        let records = decode_records(*next, &m.payload).map_err(|e| {
            format!(
                "one writer per sequence: {tenant}'s message {} by node-{} does not follow record {}: {e}",
                m.seq,
                m.writer,
                *next - 1
            )
        })?;
        *next += records.len() as u64;
        for r in &records {
            let Command::AddAgent(spec) = &r.command else {
                return Err(format!("unexpected command in {tenant}: {:?}", r.command));
            };
            if let Some((t, seq)) = in_stream.insert(spec.id.0, (tenant.to_string(), m.seq)) {
                return Err(format!(
                    "command {} is in the stream twice: {t} at {seq}, {tenant} at {}",
                    spec.id.0, m.seq
                ));
            }
        }
        by_tenant.entry(tenant).or_default().push((m.seq, records));
    }
    for (tenant, id, _) in &world.acked {
        match in_stream.get(id) {
            Some((t, _)) if t == tenant => {}
            Some((t, seq)) => {
                return Err(format!(
                    "command {id} acknowledged for {tenant} is in {t}'s subject at {seq}"
                ))
            }
            None => {
                return Err(format!(
                    "command {id} was acknowledged for {tenant} but is not in the stream"
                ))
            }
        }
    }
    for node in nodes {
        for tenant in &node.tenants {
            let replay = |upto: u64| {
                let mut engine = fresh_engine();
                let messages = by_tenant
                    .get(tenant.as_str())
                    .map_or(&[][..], Vec::as_slice);
                for (_, records) in messages.iter().filter(|(seq, _)| *seq <= upto) {
                    for r in records {
                        engine
                            .apply(r.at, r.command.clone())
                            .expect("a journaled command replays");
                    }
                }
                engine.snapshot()
            };
            if let Some((seq, snapshot)) = node.parts.follower.warm_snapshot(tenant) {
                if snapshot != replay(seq) {
                    return Err(format!(
                        "node-{}'s standby of {tenant} at sequence {seq} differs from a replay",
                        node.id
                    ));
                }
            }
            if let Some(s) = node.serving.borrow().get(tenant) {
                let s = s.borrow();
                if !s.busy && !s.poisoned && s.engine.snapshot() != replay(s.last_stream_seq) {
                    return Err(format!(
                        "node-{}'s primary engine of {tenant} at sequence {} differs from a replay",
                        node.id, s.last_stream_seq
                    ));
                }
            }
        }
    }
    // Liveness: allow five leases after the faults stopped to settle.
    let settled = calm_from + 5 * nodes[0].ops.config.lease.as_millis() as u64;
    for tenant in &nodes[0].tenants {
        if !world
            .acked
            .iter()
            .any(|(t, _, at)| t == tenant && *at >= settled)
        {
            return Err(format!(
                "{tenant} acknowledged nothing after t={settled}ms, faults having stopped at t={calm_from}ms"
            ));
        }
    }
    Ok(())
}
