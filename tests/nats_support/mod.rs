//! Shared by the `nats_*` tests: a 3-node JetStream cluster on 127.0.0.1
//! in temporary directories (killed on drop), switchboard node processes
//! (`switchboard node`) driven over their stdin/stdout, and the audit of a
//! tenant's stream against the acknowledgements and a reference replay.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command as Proc, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};
use switchboard::persist::{decode_records, Record};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig};
use switchboard::runtime::TenantId;
use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, Engine,
    EngineConfig, ResolveReason,
};

/// The nats-server binary: `$NATS_SERVER`, else on PATH, else Debian's.
pub fn nats_server() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER") {
        return PathBuf::from(p);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = PathBuf::from(dir).join("nats-server");
        if p.exists() {
            return p;
        }
    }
    let debian = PathBuf::from("/usr/sbin/nats-server");
    assert!(
        debian.exists(),
        "nats-server not found: apt-get install -y nats-server (or set NATS_SERVER)"
    );
    debian
}

/// One cluster at a time in a test binary: two at once on a small machine
/// may not start within the tests' limits.
static ONE_CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Holds [`ONE_CLUSTER`] for a test (a panicked holder's poison is
/// harmless: it owns no data).
pub fn one_cluster() -> std::sync::MutexGuard<'static, ()> {
    ONE_CLUSTER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// Three nats-server processes forming one JetStream cluster.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub ports: Vec<u16>,
    cluster_ports: Vec<u16>,
    pub servers: Vec<Option<Child>>,
    /// Where the client ports listen.
    address: String,
}

impl Cluster {
    /// Starts the cluster and waits until every client port accepts.
    pub fn start() -> Cluster {
        Self::start_listening("127.0.0.1")
    }

    /// As [`start`](Self::start), with the client ports listening on
    /// `address` (`0.0.0.0`: also reachable from a network namespace).
    pub fn start_listening(address: &str) -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let cluster_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut cluster = Cluster {
            dir,
            ports,
            cluster_ports,
            servers: Vec::new(),
            address: address.to_string(),
        };
        for i in 0..3 {
            let child = cluster.spawn(i);
            cluster.servers.push(Some(child));
        }
        for &port in &cluster.ports {
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "nats on {port} did not start"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // A fresh cluster takes seconds (more on a loaded machine) to elect
        // its JetStream meta leader and see all three peers; until then a
        // 3-replica stream has "no suitable peers for placement". The tests
        // are of switchboard, not of a cluster forming: start them on one
        // that serves.
        warm_up(&cluster.url());
        cluster
    }

    fn spawn(&self, i: usize) -> Child {
        let routes: Vec<String> = self
            .cluster_ports
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, p)| format!("nats://127.0.0.1:{p}"))
            .collect();
        let store = self.dir.path().join(format!("n{i}"));
        Proc::new(nats_server())
            .args(["-a", &self.address, "-p", &self.ports[i].to_string()])
            .args(["-n", &format!("n{i}"), "-js", "-sd"])
            .arg(&store)
            .args(["--cluster_name", "sbtest", "--cluster"])
            .arg(format!("nats://127.0.0.1:{}", self.cluster_ports[i]))
            .args(["--routes", &routes.join(",")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server")
    }

    /// The client URLs, comma separated.
    pub fn url(&self) -> String {
        self.url_via("127.0.0.1")
    }

    /// The client URLs through `host` (the cluster must listen there).
    pub fn url_via(&self, host: &str) -> String {
        self.ports
            .iter()
            .map(|p| format!("nats://{host}:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The index of the server leading stream `stream`'s replicas now
    /// (asked of the first server still running; bounded retries while a
    /// leader is elected).
    pub fn stream_leader(&self, stream: &str) -> usize {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let alive = self
            .servers
            .iter()
            .position(Option::is_some)
            .expect("a server runs");
        let url = format!("nats://127.0.0.1:{}", self.ports[alive]);
        rt.block_on(async {
            let client = async_nats::connect(url).await.expect("connects");
            let js = async_nats::jetstream::new(client);
            // Bounded: 100 tries, 100 ms apart.
            for _ in 0..100 {
                if let Ok(mut s) = js.get_stream(stream).await {
                    let leader = s.info().await.ok().and_then(|i| i.cluster.clone()?.leader);
                    if let Some(i) = leader.and_then(|name| name.strip_prefix('n')?.parse().ok()) {
                        return i;
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("stream {stream} has no leader")
        })
    }

    /// SIGKILLs server `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.servers[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.kill(i);
        }
    }
}

/// What a node process printed: an answer or an event.
pub type Line = Value;

/// A switchboard node process (`switchboard node`).
pub struct NodeProc {
    pub name: String,
    child: Child,
    stdin: ChildStdin,
    /// Every line with when it was read from the process.
    lines: Receiver<(Instant, Line)>,
    /// Events seen while waiting for answers, with when they were printed.
    pub events: Vec<(Instant, Line)>,
}

fn node_binary() -> PathBuf {
    // Cargo builds the binary for every integration test whose
    // required-features cover it (`nats` and `cli`).
    PathBuf::from(env!("CARGO_BIN_EXE_switchboard"))
}

impl NodeProc {
    /// Starts node `name` for `tenants` with a `lease_ms` lease.
    pub fn start(url: &str, name: &str, tenants: &str, lease_ms: u64) -> NodeProc {
        Self::start_with(url, name, tenants, lease_ms, &[])
    }

    /// Starts node `name` for `tenants` with a `lease_ms` lease and `extra`
    /// arguments (`--snapshot-every 25`).
    pub fn start_with(
        url: &str,
        name: &str,
        tenants: &str,
        lease_ms: u64,
        extra: &[&str],
    ) -> NodeProc {
        Self::start_under(&[], url, name, tenants, lease_ms, extra)
    }

    /// As [`start_with`](Self::start_with), run by the command `under`
    /// (`["ip", "netns", "exec", "ns"]`: inside a network namespace; it
    /// execs the node, so the process is the node's).
    pub fn start_under(
        under: &[&str],
        url: &str,
        name: &str,
        tenants: &str,
        lease_ms: u64,
        extra: &[&str],
    ) -> NodeProc {
        let mut command = match under.split_first() {
            Some((program, args)) => {
                let mut command = Proc::new(program);
                command.args(args).arg(node_binary());
                command
            }
            None => Proc::new(node_binary()),
        };
        let mut child = command
            .arg("node")
            .args(["--nats", url, "--node", name, "--tenants", tenants])
            .args(["--lease-ms", &lease_ms.to_string()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                // Stamped here, as printed: the test may be busy elsewhere.
                if tx.send((Instant::now(), value)).is_err() {
                    break;
                }
            }
        });
        let mut node = NodeProc {
            name: name.to_string(),
            child,
            stdin,
            lines: rx,
            events: Vec::new(),
        };
        node.wait_event("ready", None, Duration::from_secs(30));
        node
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one request without waiting.
    pub fn send(&mut self, id: u64, tenant: &str, command: &Command) {
        self.send_line(&json!({"id": id, "tenant": tenant, "command": command}));
    }

    /// Asks the node to hand `tenant` over without waiting (see
    /// [`answer_at`](Self::answer_at)).
    pub fn send_hand_over(&mut self, id: u64, tenant: &str) {
        self.send_line(&json!({"id": id, "hand_over": tenant}));
    }

    fn send_line(&mut self, line: &Value) {
        let _ = writeln!(self.stdin, "{line}");
        let _ = self.stdin.flush();
    }

    /// Waits for the answer to `id` (events are kept aside).
    pub fn answer(&mut self, id: u64, timeout: Duration) -> Option<Line> {
        self.answer_at(id, timeout).map(|(_, line)| line)
    }

    /// Waits for the answer to `id`; returns it with when it was printed.
    /// Other answers are dropped, events kept aside.
    pub fn answer_at(&mut self, id: u64, timeout: Duration) -> Option<(Instant, Line)> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let (at, line) = self.lines.recv_timeout(left).ok()?;
            if line.get("event").is_some() {
                self.events.push((at, line));
                continue;
            }
            if line.get("id").and_then(Value::as_u64) == Some(id) {
                return Some((at, line));
            }
        }
    }

    /// Sends and waits.
    pub fn request(&mut self, id: u64, tenant: &str, command: &Command) -> Option<Line> {
        self.send(id, tenant, command);
        self.answer(id, Duration::from_secs(60))
    }

    /// Waits for event `kind` (for `tenant` if given); returns when it was
    /// printed.
    pub fn wait_event(
        &mut self,
        kind: &str,
        tenant: Option<&str>,
        timeout: Duration,
    ) -> Option<Instant> {
        self.wait_event_since(kind, tenant, None, timeout)
    }

    /// [`wait_event`](Self::wait_event) for an event printed at or after
    /// `since` (any time if `None`).
    pub fn wait_event_since(
        &mut self,
        kind: &str,
        tenant: Option<&str>,
        since: Option<Instant>,
        timeout: Duration,
    ) -> Option<Instant> {
        let matches = |at: Instant, l: &Line| {
            since.is_none_or(|s| at >= s)
                && l.get("event").and_then(Value::as_str) == Some(kind)
                && tenant.is_none_or(|t| l.get("tenant").and_then(Value::as_str) == Some(t))
        };
        if let Some((at, _)) = self.events.iter().find(|(at, l)| matches(*at, l)) {
            return Some(*at);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let (at, line) = self.lines.recv_timeout(left).ok()?;
            let hit = matches(at, &line);
            self.events.push((at, line));
            if hit {
                return Some(at);
            }
        }
    }

    /// Reads what the node printed so far without waiting (events kept,
    /// answers dropped).
    pub fn drain(&mut self) {
        while let Ok((at, line)) = self.lines.try_recv() {
            if line.get("event").is_some() {
                self.events.push((at, line));
            }
        }
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal by name (`STOP`, `CONT`).
    pub fn signal(&self, name: &str) {
        let status = Proc::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// One acknowledged command: its client id, record and decisions.
#[derive(Clone, Debug)]
pub struct Ack {
    pub id: u64,
    pub record: u64,
    pub decisions: Value,
    pub node: String,
}

/// A store for reading the cluster's streams and snapshots (it serves no
/// tenant).
pub fn auditor(url: &str) -> std::sync::Arc<JetStreamStore> {
    let mut config = NatsConfig::new(url, "auditor");
    config.replicas = 3;
    JetStreamStore::connect(config).expect("auditor connects")
}

/// Waits (bounded) until a fresh cluster serves the journal stream, the
/// lease bucket and the snapshot store, all made by an auditor's connect:
/// a lease taken and released, a snapshot and a subject read. Nodes
/// started after it do not spend their first lease waiting for the
/// servers' first leader elections (a request then may hang for seconds).
pub fn warm_up(url: &str) {
    let store = auditor(url);
    let tenant = TenantId::new("warm-up").expect("tenant id");
    let started = Instant::now();
    // Bounded by the assertion; each request by its timeout.
    loop {
        let leases = store
            .take_lease(&tenant)
            .and_then(|()| store.release_lease(&tenant));
        if leases.is_ok()
            && store.read_snapshot(&tenant).is_ok()
            && store.read_subject(&tenant).is_ok()
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the cluster is not ready: {leases:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every message of `tenant`'s subject: `(stream sequence, payload)`.
fn read_subject(store: &JetStreamStore, tenant: &TenantId) -> Vec<(u64, Vec<u8>)> {
    // Right after a server died, JetStream may take a few seconds to
    // answer a consumer's creation: retry the audit's read (bounded).
    let mut read = store.read_subject(tenant);
    for _ in 0..10 {
        if read.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
        read = store.read_subject(tenant);
    }
    read.expect("read subject")
}

/// The records of `messages`, which must be numbered from `first` on with
/// no gap and none twice (fences are skipped).
fn records_from(first: u64, messages: &[(u64, Vec<u8>)]) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    for (_seq, payload) in messages {
        if switchboard::runtime::nats::is_fence(payload) {
            continue; // a takeover's fence
        }
        let next = first + records.len() as u64;
        // decode_records refuses a record whose number is not the next one:
        // no gap, no record written twice.
        let batch = decode_records(next, payload).expect("contiguous records");
        records.extend(batch);
    }
    records
}

/// Replays `records` on `engine` (a single process, the reference) and
/// checks every acknowledgement after record `covered` against it: its
/// record is its command (`command(ack.id)`), its decisions the replay's.
/// Acknowledgements up to `covered` must be covered by the engine's start
/// (a snapshot). Also: no client command twice, the invariants hold.
fn replay_and_check(
    engine: &mut Engine,
    covered: u64,
    records: &[Record],
    acks: &[Ack],
    command: fn(u64) -> Command,
) {
    // Nothing applied twice: every client command is distinct, so none may
    // appear twice (ticks are the engine's own).
    let mut seen = HashSet::new();
    for r in records {
        if matches!(r.command, Command::Tick) {
            continue;
        }
        let text = serde_json::to_string(&r.command).expect("encode");
        assert!(seen.insert(text.clone()), "command journaled twice: {text}");
    }
    let mut decisions = HashMap::new();
    for r in records {
        let d = engine
            .apply(r.at, r.command.clone())
            .expect("a journaled command replays");
        decisions.insert(r.seq, serde_json::to_value(d).expect("decisions"));
    }
    engine
        .audit()
        .expect("the replayed engine keeps its invariants");
    let last = covered + records.len() as u64;
    for ack in acks {
        assert!(
            ack.record <= last,
            "acknowledged record {} of {} lost (the journal ends at {last})",
            ack.record,
            ack.node
        );
        if ack.record <= covered {
            continue;
        }
        let record = &records[(ack.record - covered - 1) as usize];
        assert_eq!(
            record.command,
            command(ack.id),
            "record {} is not command {}",
            ack.record,
            ack.id
        );
        assert_eq!(
            decisions[&ack.record], ack.decisions,
            "{}'s decisions for record {} differ from the reference replay",
            ack.node, ack.record
        );
    }
}

/// The reference engine's start: a fresh engine with the nodes' settings.
fn fresh_engine() -> Engine {
    let policy = switchboard::policy::BuiltinPolicy::LeastLoaded.build();
    Engine::new(EngineConfig::default(), policy).expect("engine")
}

/// Reads `tenant`'s records from the stream, checks them against `acks`
/// and against a reference replay; returns the number of records.
pub fn audit(url: &str, tenant: &str, acks: &[Ack]) -> u64 {
    let store = auditor(url);
    let tenant_id = TenantId::new(tenant).expect("tenant id");
    let records = records_from(1, &read_subject(&store, &tenant_id));
    replay_and_check(&mut fresh_engine(), 0, &records, acks, workload);
    records.len() as u64
}

/// Asserts that every command of `rejected` (client ids whose retry the
/// engine refused, as already applied) is in `tenant`'s journal: a refusal
/// must mean "applied before", never "lost". The subject must hold record 1
/// (no snapshot purged it).
pub fn assert_journaled(url: &str, tenant: &str, rejected: &[u64]) {
    let store = auditor(url);
    let tenant_id = TenantId::new(tenant).expect("tenant id");
    let records = records_from(1, &read_subject(&store, &tenant_id));
    for &id in rejected {
        let command = workload(id);
        assert!(
            records.iter().any(|r| r.command == command),
            "command {id} was refused as applied but is not in the journal"
        );
    }
}

/// What [`audit_from_snapshot`] found.
pub struct SnapshotAudit {
    /// The last record the snapshot covers.
    pub covered: u64,
    /// The stream sequence it covers.
    pub stream_seq: u64,
    /// The snapshot object's size in bytes.
    pub size: usize,
    /// Records after it in the stream.
    pub tail: u64,
    /// The engine as of the stream's end (snapshot plus tail).
    pub engine: Engine,
}

impl std::fmt::Debug for SnapshotAudit {
    // Without the engine: a big tenant's is megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotAudit")
            .field("covered", &self.covered)
            .field("stream_seq", &self.stream_seq)
            .field("size", &self.size)
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}

/// The audit of a trimmed subject: the reference starts from the tenant's
/// snapshot in the object store (the records it covers are purged) and
/// replays the subject's tail. Checks that the subject holds nothing before
/// the snapshot's stream sequence, that the message at that sequence is
/// kept and holds its covered record, that the tail follows it with no
/// gap, and every acknowledgement after the snapshot as [`audit`] does;
/// acknowledgements up to it must be covered. Retries (bounded) when a
/// snapshot lands between the reads.
pub fn audit_from_snapshot(
    url: &str,
    tenant: &str,
    acks: &[Ack],
    command: fn(u64) -> Command,
) -> SnapshotAudit {
    let store = auditor(url);
    let tenant_id = TenantId::new(tenant).expect("tenant id");
    let read_snapshot = || {
        store
            .read_snapshot(&tenant_id)
            .expect("read the snapshot")
            .expect("the tenant has a snapshot")
    };
    // Bounded: a node snapshots at most once per `snapshot_every` records,
    // and nothing writes while the audit runs but the engines' own ticks.
    for _attempt in 0..10 {
        let stored = read_snapshot();
        let messages = read_subject(&store, &tenant_id);
        let again = read_snapshot();
        if (again.last_record, again.last_stream_seq)
            != (stored.last_record, stored.last_stream_seq)
        {
            continue;
        }
        let (first_seq, first_payload) = messages.first().expect("the subject keeps a message");
        assert_eq!(
            *first_seq, stored.last_stream_seq,
            "{tenant}: the subject starts at {first_seq}, not at the snapshot's sequence {} (trimmed behind it, the last kept)",
            stored.last_stream_seq
        );
        // The kept message is the append the snapshot followed: it ends
        // with the covered record.
        assert_eq!(
            last_record_of(first_payload),
            Some(stored.last_record),
            "{tenant}: the message at the snapshot's sequence does not end with its record"
        );
        let records = records_from(stored.last_record + 1, &messages[1..]);
        let policy = switchboard::policy::BuiltinPolicy::LeastLoaded.build();
        let mut engine = Engine::restore(stored.snapshot, policy).expect("the snapshot restores");
        engine.audit().expect("the snapshot keeps the invariants");
        replay_and_check(&mut engine, stored.last_record, &records, acks, command);
        return SnapshotAudit {
            covered: stored.last_record,
            stream_seq: stored.last_stream_seq,
            size: stored.size,
            tail: records.len() as u64,
            engine,
        };
    }
    panic!("{tenant}: the snapshot kept changing during the audit");
}

/// The number of the last record of one stream message (`None`: no
/// record, or damaged).
fn last_record_of(payload: &[u8]) -> Option<u64> {
    // A frame is `len u32 | crc u32 | record number u64 | ...`: the first
    // frame names the number the batch starts at.
    let first = u64::from_le_bytes(payload.get(8..16)?.try_into().ok()?);
    decode_records(first, payload).ok()?.last().map(|r| r.seq)
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
