//! A 3-node JetStream cluster on 127.0.0.1 in temporary directories,
//! killed on drop.

use super::*;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command as Proc, Stdio};
use std::time::{Duration, Instant};

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
