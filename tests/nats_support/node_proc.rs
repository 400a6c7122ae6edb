//! A switchboard node process (`switchboard node`) driven over its
//! stdin and stdout.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command as Proc, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};
use switchboard::Command;

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
