//! `switchboard serve`: the HTTP/JSON service and live wallboard
//! (`switchboard::service`), durable in a data directory, with an admin key
//! that is never a default.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use switchboard::service::{
    AdminKey, MetricsAccess, RateLimit, Service, ServiceConfig, Simulation, Tls,
};

/// The environment variable the admin key may come from.
pub const ADMIN_KEY_VAR: &str = "SWITCHBOARD_ADMIN_KEY";

/// The environment variable a metrics key may come from.
pub const METRICS_KEY_VAR: &str = "SWITCHBOARD_METRICS_KEY";

/// Serve switchboard over HTTP: tenants, agents and conversations through
/// a JSON API, each tenant's decisions as a live stream, and a wallboard.
///
/// Every request but the probes (/healthz, /readyz), the OpenAPI document
/// and the wallboard page needs a key: the admin key (from
/// --admin-key-file or the SWITCHBOARD_ADMIN_KEY environment variable;
/// there is no default) creates tenants and issues tenant keys
/// (POST /api/tenants, POST /api/tenants/{tenant}/keys); a tenant key
/// acts on its own tenant only. Tenants, key digests and journals live in
/// --data-dir and are recovered at start; SIGTERM and SIGINT drain and
/// sync. Access logs go to stderr (RUST_LOG filters them).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Where tenants, key digests, journals and snapshots live.
    #[arg(long, default_value = "switchboard-data")]
    pub data_dir: PathBuf,
    /// Keep nothing on disk (tenants end with the process) instead of
    /// using --data-dir.
    #[arg(long, conflicts_with = "data_dir")]
    pub in_memory: bool,
    /// A file whose first line is the admin key (at least 24 characters);
    /// otherwise the SWITCHBOARD_ADMIN_KEY environment variable.
    #[arg(long)]
    pub admin_key_file: Option<PathBuf>,
    /// A file whose first line is a key (at least 24 characters) that
    /// reads /metrics and nothing else, for Prometheus; otherwise the
    /// SWITCHBOARD_METRICS_KEY environment variable when set. Without
    /// either, /metrics needs the admin key.
    #[arg(long, conflicts_with = "metrics_open")]
    pub metrics_key_file: Option<PathBuf>,
    /// Serve /metrics without any key (only where the network already
    /// keeps others out).
    #[arg(long)]
    pub metrics_open: bool,
    /// Shards (threads) of the runtime.
    #[arg(long, default_value_t = 2)]
    pub shards: usize,
    /// Largest request body in bytes (413 past it).
    #[arg(long, default_value_t = switchboard::service::config::DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// Requests one key may send at once before 429.
    #[arg(long, default_value_t = 200)]
    pub rate_burst: u32,
    /// Requests per second one key may send after its burst.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub rate_per_second: u32,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// An origin allowed to call from its pages (CORS); repeat for more.
    /// Without one, no CORS headers are sent.
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Serve HTTPS with this certificate chain (PEM; feature `tls`).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Access logs as JSON lines instead of text.
    #[arg(long)]
    pub json_logs: bool,
    /// Also play a simulated day on a tenant of its own, on a clock
    /// --speed times faster (other tenants keep real time).
    #[arg(long)]
    pub simulate: bool,
    /// The simulated tenant's id (with --simulate).
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    /// Simulated seconds per real second (with --simulate).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=switchboard::service::clock::MAX_SPEED))]
    pub speed: u64,
    /// A scenario file (JSON) instead of the default day (with --simulate).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// The simulation's seed (with --simulate).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl ServeArgs {
    /// The service's configuration.
    pub fn config(&self) -> Result<ServiceConfig, Box<dyn std::error::Error>> {
        let admin = match &self.admin_key_file {
            Some(path) => AdminKey::from_file(path)?,
            None => AdminKey::from_env(ADMIN_KEY_VAR)?,
        };
        let mut config = if self.in_memory {
            ServiceConfig::in_memory(self.addr, admin)
        } else {
            ServiceConfig::new(self.addr, admin, &self.data_dir)
        };
        config.metrics = if self.metrics_open {
            MetricsAccess::Open
        } else if let Some(path) = &self.metrics_key_file {
            MetricsAccess::Key(AdminKey::from_file(path)?)
        } else if std::env::var_os(METRICS_KEY_VAR).is_some() {
            MetricsAccess::Key(AdminKey::from_env(METRICS_KEY_VAR)?)
        } else {
            MetricsAccess::Admin
        };
        config.runtime = config.runtime.shards(self.shards);
        config.body_limit = self.body_limit;
        config.rate_limit = RateLimit {
            burst: self.rate_burst,
            period: Duration::from_secs(1) / self.rate_per_second,
        };
        config.request_timeout = Duration::from_secs(self.request_timeout);
        config.cors_origins = self.cors_origins.clone();
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config.tls = Some(Tls {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        if self.simulate {
            let scenario = match &self.scenario {
                Some(path) => Some(switchboard::sim::Scenario::from_file(path)?),
                None => None,
            };
            config.simulate = Some(Simulation {
                tenant: self.tenant.clone(),
                scenario,
                speed: self.speed,
                seed: self.seed,
            });
        }
        Ok(config)
    }
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Why `serve` stopped with an error.
#[derive(Debug)]
pub enum ServeFailure {
    /// A setting could not be used (no admin key, a bad file): exit 2.
    Input(String),
    /// The service failed to start or run: exit 1.
    Run(String),
}

impl std::fmt::Display for ServeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeFailure::Input(e) | ServeFailure::Run(e) => f.write_str(e),
        }
    }
}

/// Runs `switchboard serve` until SIGTERM or SIGINT.
pub fn run(args: ServeArgs) -> Result<(), ServeFailure> {
    let config = args
        .config()
        .map_err(|e| ServeFailure::Input(e.to_string()))?;
    init_logs(args.json_logs);
    serve(args, config).map_err(|e| ServeFailure::Run(e.to_string()))
}

fn serve(args: ServeArgs, config: ServiceConfig) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if args.simulate {
            eprintln!("simulating the day to replay it...");
        }
        let service = Service::bind(config).await?;
        let base = service.base_url();
        println!("switchboard service: {base} (API description: {base}/api/openapi.json)");
        if let Some(sim) = service.simulated() {
            // The key travels in the fragment, which the browser never
            // sends: the page reads it and forgets it.
            println!(
                "wallboard of the simulated tenant: {base}/#tenant={}&key={}",
                sim.tenant, sim.key
            );
            println!(
                "playing {} commands at {}x real time",
                sim.commands,
                sim.clock.speed()
            );
        }
        let report = service.run_until_signal().await;
        eprintln!("stopped: all journals synced = {}", report.all_synced());
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
