//! A running service ([`Service`]): bound, serving, and stopped with a
//! drain. [`Service::bind`] recovers the data directory's tenants and
//! keys, starts the runtime (and the simulation's, with `--simulate`),
//! and serves on the address (HTTPS with feature `tls`);
//! [`Service::shutdown`] ends the event streams, lets requests in flight
//! finish, then drains and syncs every journal.

use super::app::{Access, App, Placement};
use super::auth_failures::FailedAuth;
use super::clock::ScaledClock;
use super::config::ServiceConfig;
use super::keys::issue;
use super::registry::{Registry, RegistryError};
use super::{observe, router, simulate};
use crate::runtime::{
    Clock, Durability, FileStore, Runtime, RuntimeConfig, RuntimeError, ShutdownReport, TenantId,
};
use crate::{Reservation, Timestamp};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::task::JoinHandle;

/// Longest the graceful shutdown waits for requests in flight.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a service did not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The data directory's registry.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The runtime would not start, or a tenant would not open.
    #[error("the runtime: {0}")]
    Runtime(#[from] RuntimeError),
    /// A recovered or simulated tenant could not be served.
    #[error("tenant {tenant}: {message}")]
    Tenant {
        /// The tenant.
        tenant: String,
        /// Why.
        message: String,
    },
    /// The address could not be bound, or TLS set up.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A setting is invalid.
    #[error("{0}")]
    Config(String),
}

/// The simulated tenant of a service started with a simulation.
#[derive(Debug)]
pub struct SimulatedTenant {
    /// Its id.
    pub tenant: TenantId,
    /// A key for it, valid while the process runs (never stored).
    pub key: String,
    /// Its clock.
    pub clock: Arc<ScaledClock>,
    /// Commands the day holds.
    pub commands: usize,
    player: JoinHandle<simulate::Played>,
    runtime: Runtime,
}

/// A running service.
#[derive(Debug)]
pub struct Service {
    addr: SocketAddr,
    tls: bool,
    app: Arc<App>,
    server: axum_server::Handle,
    serving: JoinHandle<std::io::Result<()>>,
    runtime: Runtime,
    simulated: Option<SimulatedTenant>,
}

impl Service {
    /// Starts a service on `config` (call within a multi-threaded tokio
    /// runtime): recovers the data directory, starts the runtime and
    /// listens.
    pub async fn bind(config: ServiceConfig) -> Result<Service, ServiceError> {
        // Before the runtime: it registers its metrics as it starts.
        let _ = observe::prometheus();
        let (registry, loaded) = match &config.data_dir {
            Some(dir) => {
                let (registry, loaded) = Registry::open(dir)?;
                (Some(registry), loaded)
            }
            None => (None, Default::default()),
        };
        let runtime_config = match &registry {
            Some(r) => config
                .runtime
                .clone()
                .store(Arc::new(FileStore::new(r.journals())))
                .durability(Durability::Synced),
            None => config.runtime.clone().durability(Durability::Volatile),
        };
        let clock = Arc::clone(&runtime_config.clock);
        let failures = FailedAuth::new(config.auth_failure_limit).map_err(ServiceError::Config)?;
        failures.forget_idle();
        let access = Access {
            failures,
            metrics: config.metrics.clone(),
        };
        let mut specs = Vec::with_capacity(loaded.tenants.len());
        for t in &loaded.tenants {
            let builtin = crate::policy::BuiltinPolicy::from_name(&t.policy).map_err(|e| {
                ServiceError::Tenant {
                    tenant: t.id.to_string(),
                    message: e.to_string(),
                }
            })?;
            let spec =
                crate::runtime::TenantSpec::with_builtin(t.id.clone(), t.config.clone(), builtin)
                    .reserve(t.reservation);
            specs.push(spec);
        }
        let (runtime, _report) =
            tokio::task::block_in_place(|| Runtime::start(runtime_config, specs))?;
        let app = App::new(
            runtime.handle(),
            clock,
            config.admin_key.clone(),
            loaded.keys,
            registry,
            config.hub_capacity,
            access,
        );
        let main = app.main_placement();
        for t in loaded.tenants {
            app.attach(
                t.id.clone(),
                t.config,
                &t.policy,
                t.reservation,
                main.clone(),
            )
            .await
            .map_err(|e| ServiceError::Tenant {
                tenant: t.id.to_string(),
                message: e.body.message,
            })?;
        }
        let simulated = match &config.simulate {
            Some(sim) => Some(start_simulation(&app, sim).await?),
            None => None,
        };
        let router = router::router(Arc::clone(&app), &config).map_err(ServiceError::Config)?;
        let listen = |source| ServiceError::Listen {
            addr: config.addr,
            source,
        };
        let listener = std::net::TcpListener::bind(config.addr).map_err(listen)?;
        listener.set_nonblocking(true).map_err(listen)?;
        let addr = listener.local_addr().map_err(listen)?;
        let server = axum_server::Handle::new();
        let make = router.into_make_service_with_connect_info::<SocketAddr>();
        let serving = match &config.tls {
            None => tokio::spawn(
                axum_server::from_tcp(listener)
                    .handle(server.clone())
                    .serve(make),
            ),
            #[cfg(feature = "tls")]
            Some(tls) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let rustls =
                    axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                        .await
                        .map_err(listen)?;
                tokio::spawn(
                    axum_server::tls_rustls::from_tcp_rustls(listener, rustls)
                        .handle(server.clone())
                        .serve(make),
                )
            }
            #[cfg(not(feature = "tls"))]
            Some(_) => {
                return Err(ServiceError::Config(
                    "TLS needs switchboard built with the feature `tls`".to_owned(),
                ))
            }
        };
        Ok(Service {
            addr,
            tls: config.tls.is_some(),
            app,
            server,
            serving,
            runtime,
            simulated,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` or `https://ADDR`.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The shared state (tenants, keys, runtime handle).
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The simulated tenant, when started with a simulation.
    pub fn simulated(&self) -> Option<&SimulatedTenant> {
        self.simulated.as_ref()
    }

    /// Waits for SIGTERM or SIGINT (Ctrl-C), then [`shutdown`](Self::shutdown).
    pub async fn run_until_signal(self) -> ShutdownReport {
        let signal = shutdown_signal();
        signal.await;
        self.shutdown().await
    }

    /// Stops: event streams end, `/readyz` answers 503, requests in flight
    /// get up to [`DRAIN_TIMEOUT`], then the runtime applies what is
    /// queued and syncs every journal.
    pub async fn shutdown(self) -> ShutdownReport {
        self.app.close_streams();
        self.server.graceful_shutdown(Some(DRAIN_TIMEOUT));
        let _ = self.serving.await;
        if let Some(sim) = self.simulated {
            sim.player.abort();
            let runtime = sim.runtime;
            let _ = tokio::task::spawn_blocking(move || runtime.shutdown()).await;
        }
        let runtime = self.runtime;
        tokio::task::spawn_blocking(move || runtime.shutdown())
            .await
            .unwrap_or_default()
    }
}

/// A future that resolves on SIGTERM (what an orchestrator sends) or
/// SIGINT (Ctrl-C). The handlers are installed when this is called (within
/// tokio), not when the future is first polled, so a signal sent right
/// after the call is not missed.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Prepares the simulated day, starts its own runtime on a scaled clock
/// (so only this tenant's time runs fast), opens the tenant there, issues
/// it a key that lives as long as the process, and starts playing.
async fn start_simulation(
    app: &Arc<App>,
    sim: &super::config::Simulation,
) -> Result<SimulatedTenant, ServiceError> {
    let fail = |message: String| ServiceError::Tenant {
        tenant: sim.tenant.clone(),
        message,
    };
    let id = TenantId::new(&sim.tenant)?;
    if !(1..=super::clock::MAX_SPEED).contains(&sim.speed) {
        return Err(ServiceError::Config(format!(
            "the simulation speed must be 1 to {}",
            super::clock::MAX_SPEED
        )));
    }
    let scenario = sim.scenario.clone().unwrap_or_default();
    let seed = sim.seed;
    let replay = tokio::task::spawn_blocking(move || simulate::prepare(scenario, seed))
        .await
        .map_err(|e| fail(e.to_string()))?
        .map_err(fail)?;
    let start = simulate::start_time(&replay.commands);
    let clock = Arc::new(ScaledClock::new(Timestamp(start), sim.speed));
    let as_clock: Arc<dyn Clock> = clock.clone();
    let config = RuntimeConfig::volatile()
        .shards(1)
        .clock(Arc::clone(&as_clock));
    let (runtime, _) = tokio::task::block_in_place(|| Runtime::start(config, Vec::new()))?;
    let at = Placement {
        handle: runtime.handle(),
        clock: as_clock,
        durable: false,
    };
    let tenant = app
        .create_tenant(
            id.clone(),
            replay.config,
            &replay.policy,
            Reservation::default(),
            at,
        )
        .await
        .map_err(|e| fail(e.body.message))?;
    let issued = issue(id.clone(), false);
    super::app::lock(&app.keys).insert(issued.id, issued.stored);
    let commands = replay.commands.len();
    let player = tokio::spawn(simulate::play(tenant, Arc::clone(&clock), replay.commands));
    Ok(SimulatedTenant {
        tenant: id,
        key: issued.key,
        clock,
        commands,
        player,
        runtime,
    })
}
