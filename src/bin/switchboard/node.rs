//! `node`: one switchboard node over NATS JetStream (feature `nats`):
//! primary for the tenants whose lease it takes, standby (following the
//! stream) for the others, taking over when a primary's lease expires.
//!
//! ```text
//! cargo run --release --features nats -- node \
//!     --nats nats://127.0.0.1:4222 --node a --tenants acme,globex
//! ```
//!
//! Commands arrive on stdin, one JSON object a line:
//! `{"id": 7, "tenant": "acme", "command": {"AddAgent": {...}}}`; each gets
//! one line on stdout: `{"id":7,"ok":true,"record":12,"decisions":[...]}`,
//! or `{"id":7,"ok":false,"error":"not_primary"|"rejected"|"failed",...}`
//! (`not_primary`: retry against another node; `"leader"` names the node
//! this one last saw leading the tenant, or is null). `{"id": 8, "hand_over":
//! "acme"}` hands a tenant this node leads to a standby (see
//! `Node::hand_over`). Role changes are lines
//! `{"event":"primary"|"standby","tenant":"acme",...}`.

use crate::shared::Failure;
use clap::Args;
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::nats::{JetStreamStore, NatsConfig, Node, RoleChange};
use switchboard::runtime::{
    Durability, Runtime, RuntimeConfig, RuntimeError, TenantId, TenantSpec,
};
use switchboard::{Command, EngineConfig, Reservation};

/// Options of `node`.
#[derive(Args, Debug)]
pub struct NodeArgs {
    /// NATS server URL(s), comma separated.
    #[arg(long)]
    nats: String,
    /// This node's name (unique per process).
    #[arg(long)]
    node: String,
    /// Tenants this node serves or stands by for, comma separated.
    #[arg(long, default_value = "acme")]
    tenants: String,
    /// Lease length in milliseconds (the bucket's max age).
    #[arg(long, default_value_t = 1000)]
    lease_ms: u64,
    /// Replicas of the stream and buckets.
    #[arg(long, default_value_t = 3)]
    replicas: usize,
    /// Tenants this node takes at once when nobody leads them (comma
    /// separated); the others only after a lease of seeing nobody lead them.
    #[arg(long, default_value = "")]
    prefer: String,
    /// Shards of the runtime.
    #[arg(long, default_value_t = 1)]
    shards: usize,
    /// Records between snapshots (each then trims the tenant's subject
    /// behind it); 0: never.
    #[arg(long, default_value_t = 10_000)]
    snapshot_every: u64,
    /// Agents to reserve room for in each tenant this node leads
    /// (`Engine::reserve`: no growth on the hot path up to that scale).
    #[arg(long, default_value_t = 0)]
    reserve_agents: u32,
    /// Conversations (open or kept resolved) to reserve room for per tenant.
    #[arg(long, default_value_t = 0)]
    reserve_conversations: u32,
    /// Conversations open at once to reserve room for per tenant.
    #[arg(long, default_value_t = 0)]
    reserve_open: u32,
    /// Customers to reserve room for per tenant.
    #[arg(long, default_value_t = 0)]
    reserve_customers: u32,
    /// Map the reserved room at once (`Reservation::touch_pages`): no page
    /// fault on the hot path up to that scale, the room resident from the
    /// start.
    #[arg(long)]
    reserve_touch: bool,
}

impl NodeArgs {
    /// The scale each tenant reserves when this node opens it, checked
    /// against the tenants' limits before anything connects.
    fn reservation(&self, config: &EngineConfig) -> Result<Reservation, Failure> {
        let reservation = Reservation::new()
            .agents(self.reserve_agents)
            .conversations(self.reserve_conversations)
            .open_conversations(self.reserve_open)
            .customers(self.reserve_customers)
            .touch_pages(self.reserve_touch);
        reservation
            .check(&config.limits)
            .map_err(|e| Failure::Input(format!("--reserve-*: {e}")))?;
        Ok(reservation)
    }
}

/// Runs the node until stdin closes.
pub fn node(args: &NodeArgs) -> Result<(), Failure> {
    let reservation = args.reservation(&EngineConfig::default())?;
    serve(args, reservation).map_err(|e| Failure::Run(e.to_string()))
}

fn serve(args: &NodeArgs, reservation: Reservation) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = NatsConfig::new(args.nats.clone(), args.node.clone());
    config.lease = Duration::from_millis(args.lease_ms);
    config.replicas = args.replicas;
    config.snapshot_every = Some(args.snapshot_every).filter(|&n| n > 0);
    let store = JetStreamStore::connect(config)?;
    let runtime_config = RuntimeConfig::volatile()
        .shards(args.shards)
        .durability(Durability::Synced)
        .store(store.clone());
    let (runtime, _) = Runtime::start(runtime_config, Vec::new())?;
    let mut specs = Vec::new();
    for name in args.tenants.split(',').filter(|t| !t.is_empty()) {
        let id = TenantId::new(name)?;
        let spec = TenantSpec::with_builtin(
            id,
            EngineConfig::default(),
            switchboard::policy::BuiltinPolicy::LeastLoaded,
        )
        .reserve(reservation);
        specs.push(spec);
    }
    let mut preferred = Vec::new();
    for name in args.prefer.split(',').filter(|t| !t.is_empty()) {
        preferred.push(TenantId::new(name)?);
    }
    let node = Arc::new(Node::new(store, &runtime, specs).preferring(preferred));
    let out = Arc::new(parking_lot::Mutex::new(std::io::stdout()));
    let stop = Arc::new(AtomicBool::new(false));
    let stepper = {
        let (node, out, stop) = (node.clone(), out.clone(), stop.clone());
        let every = Duration::from_millis(args.lease_ms / 4);
        std::thread::spawn(move || {
            // ORDERING: Relaxed: a flag polled once per step, no data behind it.
            while !stop.load(Ordering::Relaxed) {
                for change in node.step() {
                    let line = match change {
                        RoleChange::Primary {
                            tenant,
                            last_record,
                        } => {
                            json!({"event": "primary", "tenant": tenant.as_str(), "last_record": last_record})
                        }
                        RoleChange::Standby { tenant } => {
                            json!({"event": "standby", "tenant": tenant.as_str()})
                        }
                        _ => json!({"event": "other"}),
                    };
                    emit(&out, &line);
                }
                std::thread::sleep(every);
            }
        })
    };
    emit(&out, &json!({"event": "ready", "node": args.node}));
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = handle(&node, &line);
        emit(&out, &answer);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = stepper.join();
    runtime.shutdown();
    Ok(())
}

/// Answers one request line.
fn handle(node: &Node, line: &str) -> Value {
    let request: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({"ok": false, "error": "bad_request", "message": e.to_string()}),
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    if let Some(tenant) = request.get("hand_over").and_then(Value::as_str) {
        return hand_over(node, id, tenant);
    }
    let tenant = request.get("tenant").and_then(Value::as_str).unwrap_or("");
    let tenant = match TenantId::new(tenant) {
        Ok(t) => t,
        Err(e) => {
            return json!({"id": id, "ok": false, "error": "bad_request", "message": e.to_string()})
        }
    };
    let command: Command = match request
        .get("command")
        .map(|c| serde_json::from_value(c.clone()))
    {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            return json!({"id": id, "ok": false, "error": "bad_request", "message": e.to_string()})
        }
        None => {
            return json!({"id": id, "ok": false, "error": "bad_request", "message": "no command"})
        }
    };
    match node.submit(&tenant, command) {
        Ok(accepted) => json!({
            "id": id,
            "ok": true,
            "record": accepted.record,
            "decisions": accepted.decisions,
        }),
        Err(RuntimeError::NotPrimary { reason, leader, .. }) => {
            json!({"id": id, "ok": false, "error": "not_primary", "message": reason, "leader": leader})
        }
        Err(RuntimeError::Rejected(e)) => {
            json!({"id": id, "ok": false, "error": "rejected", "message": e.to_string()})
        }
        Err(e) => json!({"id": id, "ok": false, "error": "failed", "message": e.to_string()}),
    }
}

/// Answers a hand-over request: `{"id": 8, "hand_over": "acme"}`.
fn hand_over(node: &Node, id: Value, tenant: &str) -> Value {
    let tenant = match TenantId::new(tenant) {
        Ok(t) => t,
        Err(e) => {
            return json!({"id": id, "ok": false, "error": "bad_request", "message": e.to_string()})
        }
    };
    match node.hand_over(&tenant) {
        Ok(()) => json!({"id": id, "ok": true, "handed_over": tenant.as_str()}),
        Err(RuntimeError::NotPrimary { reason, leader, .. }) => {
            json!({"id": id, "ok": false, "error": "not_primary", "message": reason, "leader": leader})
        }
        Err(e) => json!({"id": id, "ok": false, "error": "failed", "message": e.to_string()}),
    }
}

fn emit(out: &parking_lot::Mutex<std::io::Stdout>, line: &Value) {
    let mut out = out.lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
