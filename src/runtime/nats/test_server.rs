//! One real nats-server with JetStream on a free 127.0.0.1 port, in a
//! temporary directory, killed on drop: for the unit tests of this module
//! that need a server's answers (the integration tests start a 3-node
//! cluster, `tests/nats_support`).

use super::conn::Conn;
use super::NatsConfig;
use crate::engine::Engine;
use crate::model::{AgentId, AgentSpec, Capacity, Level, SkillId, SkillLevel, Timestamp};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

/// A running server.
pub(crate) struct TestServer {
    child: Child,
    _dir: tempfile::TempDir,
    url: String,
}

/// `$NATS_SERVER`, else `nats-server` on `PATH`, else Debian's.
fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER") {
        return PathBuf::from(p);
    }
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|dir| PathBuf::from(dir).join("nats-server"))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nats-server"))
}

impl TestServer {
    /// Starts the server and waits (at most 10 s) until it accepts.
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Process::new(binary())
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts (apt-get install -y nats-server)");
        let started = Instant::now();
        // Bounded by the assertion.
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nats-server up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            _dir: dir,
            url: format!("nats://127.0.0.1:{port}"),
        }
    }

    /// The server's URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// A connection as node `node` (one replica: a single server).
    pub(crate) async fn conn(&self, node: &str) -> Conn {
        let mut config = NatsConfig::new(self.url.clone(), node);
        config.replicas = 1;
        Conn::open(
            config,
            std::sync::Arc::new(crate::runtime::SystemClock::new()),
        )
        .await
        .expect("connects and sets up")
    }
}

/// A small runtime for a test's requests.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// An engine with `agents` agents of 100 skills each: something to
/// snapshot.
pub(crate) fn engine(agents: u64) -> Engine {
    let policy = crate::policy::BuiltinPolicy::LeastLoaded.build();
    let mut engine = Engine::new(crate::EngineConfig::default(), policy).expect("engine");
    for id in 1..=agents {
        let skills = (0..100).map(|s| SkillLevel::at(SkillId(s), Level::of::<5>()));
        let add = AgentSpec::new(AgentId(id), Capacity::units(2)).skills(skills);
        engine.apply(Timestamp(0), add).expect("agent added");
    }
    engine
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
