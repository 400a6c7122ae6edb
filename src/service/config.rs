//! How a service is set up ([`ServiceConfig`]): where it listens, where
//! it keeps its tenants, its admin key and its limits.

use super::keys::AdminKey;
use crate::runtime::RuntimeConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Largest request body accepted by default (1 MiB; a command's body is
/// well under a kilobyte).
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// A key's rate limit: a burst of `burst` requests, then one more every
/// `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests a key may send at once.
    pub burst: u32,
    /// Time to earn one more request.
    pub period: Duration,
}

impl Default for RateLimit {
    /// 200 at once, then 200 a second.
    fn default() -> Self {
        Self {
            burst: 200,
            period: Duration::from_millis(5),
        }
    }
}

impl RateLimit {
    /// The default budget of failed authentications per client address
    /// ([`ServiceConfig::auth_failure_limit`]): 30 at once, then one a
    /// second. A client with a stale key notices long before it; a flood
    /// of guesses is answered 429.
    pub const AUTH_FAILURES: RateLimit = RateLimit {
        burst: 30,
        period: Duration::from_secs(1),
    };
}

/// Who may read `GET /metrics` (Prometheus text).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum MetricsAccess {
    /// The admin key only (the default).
    #[default]
    Admin,
    /// The admin key, or this key, which reads `/metrics` and nothing else:
    /// give it to Prometheus (`authorization: { credentials_file: .. }` in
    /// its scrape configuration) instead of the admin key.
    Key(AdminKey),
    /// Anyone who reaches the port, without a key: only where the network
    /// already keeps others out (a scrape from inside a private network).
    Open,
}

/// TLS through rustls: a certificate chain and its private key, as PEM
/// files (feature `tls`).
#[derive(Clone, Debug)]
pub struct Tls {
    /// The certificate chain (PEM).
    pub cert: PathBuf,
    /// The private key (PEM).
    pub key: PathBuf,
}

/// The simulated tenant of `--simulate`: a day from the simulator played
/// on its own runtime, whose clock runs `speed` times faster. Other
/// tenants stay on the service's clock.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// The tenant's id.
    pub tenant: String,
    /// The scenario (the default day when `None`).
    pub scenario: Option<crate::sim::Scenario>,
    /// Simulated seconds per real second, `1..=MAX_SPEED`.
    pub speed: u64,
    /// The simulation's seed.
    pub seed: u64,
}

/// A service's settings. Start from [`ServiceConfig::new`] (durable) or
/// [`ServiceConfig::in_memory`], and adjust the fields.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// The admin key (required: there is no default).
    pub admin_key: AdminKey,
    /// The data directory: the registry of tenants and keys, and the
    /// tenants' journals and snapshots. `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// The runtime's shards, batches, queues and clock (tests pass a
    /// manual clock). Its journal store and durability are the service's
    /// to set: synced journals under the data directory, or none.
    pub runtime: RuntimeConfig,
    /// Largest request body (413 past it).
    pub body_limit: usize,
    /// Each key's rate limit (429 with `Retry-After` past it).
    pub rate_limit: RateLimit,
    /// Failed authentications (no key, a wrong or revoked one) each client
    /// address may make before it is answered 429 with `Retry-After`
    /// ([`auth_failures`](super::auth_failures)); default
    /// [`RateLimit::AUTH_FAILURES`].
    pub auth_failure_limit: RateLimit,
    /// Who may read `/metrics` (default: the admin key only).
    pub metrics: MetricsAccess,
    /// Longest a request may take before it is answered 503 (an event
    /// stream's time counts only until its first byte).
    pub request_timeout: Duration,
    /// Origins allowed to call from a browser page of theirs (CORS); empty:
    /// none, and no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Serve HTTPS (feature `tls`).
    pub tls: Option<Tls>,
    /// Decisions each tenant's hub keeps for resuming clients.
    pub hub_capacity: usize,
    /// A simulated tenant to play a day on.
    pub simulate: Option<Simulation>,
}

impl ServiceConfig {
    /// A durable service keeping its tenants under `data_dir`, listening
    /// on `addr`, with the default limits.
    pub fn new(addr: SocketAddr, admin_key: AdminKey, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: Some(data_dir.into()),
            ..Self::in_memory(addr, admin_key)
        }
    }

    /// A service that keeps nothing on disk (its tenants end with it).
    pub fn in_memory(addr: SocketAddr, admin_key: AdminKey) -> Self {
        Self {
            addr,
            admin_key,
            data_dir: None,
            runtime: RuntimeConfig::volatile().shards(2),
            body_limit: DEFAULT_BODY_LIMIT,
            rate_limit: RateLimit::default(),
            auth_failure_limit: RateLimit::AUTH_FAILURES,
            metrics: MetricsAccess::Admin,
            request_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            tls: None,
            hub_capacity: super::app::HUB_CAPACITY,
            simulate: None,
        }
    }
}
