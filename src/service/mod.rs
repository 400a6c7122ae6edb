//! The HTTP/JSON service (feature `service`): the runtime behind an API
//! that checks who calls, a live decision stream per tenant (Server-Sent
//! Events, resumable by sequence number), an OpenAPI description and a
//! live wallboard page. `switchboard serve` runs it; embedders start it
//! with [`Service::bind`].
//!
//! * **Keys** ([`keys`], [`auth`]): an admin key, given at start (never a
//!   default), creates and deletes tenants and issues and revokes tenant
//!   keys; a tenant key acts on its own tenant only, its stream and
//!   wallboard included. Only digests are kept, compared in constant time.
//! * **Durable** ([`registry`]): tenants and key digests in the data
//!   directory's `service.json`, the tenants' journals and snapshots under
//!   `tenants/`; all recovered at start. SIGTERM and SIGINT both drain and
//!   sync ([`Service::run_until_signal`]).
//! * **Limits** ([`limits`], [`router`], [`auth_failures`]): a body size
//!   limit (413), a rate limit per key and one on failed authentications
//!   per client address (both 429 with `Retry-After`), a request timeout
//!   (503 with a JSON body like every other refusal), CORS
//!   off unless origins are configured, optional TLS through rustls
//!   (feature `tls`).
//! * **Operations** ([`observe`]): `/healthz`, `/readyz`, Prometheus
//!   `/metrics` (the runtime's metrics and HTTP counters; the admin key,
//!   or a scrape-only key or no key at all as
//!   [`ServiceConfig::metrics`] says), an access log line per request
//!   through `tracing`.
//!
//! Handlers are thin: they parse the request (typed errors naming the
//! field), turn it into a [`Command`](crate::Command) or a query run on the
//! tenant's shard, and turn the answer into JSON with the status code of
//! its class (see [`error`]).
//!
//! ```no_run
//! use switchboard::service::{AdminKey, Service, ServiceConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let admin = AdminKey::from_env("SWITCHBOARD_ADMIN_KEY")?;
//! let config = ServiceConfig::new("127.0.0.1:8080".parse()?, admin, "switchboard-data");
//! let service = Service::bind(config).await?;
//! println!("serving on {}", service.base_url());
//! let report = service.run_until_signal().await;
//! assert!(report.all_synced());
//! # Ok(())
//! # }
//! ```

pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod auth_failures;
pub mod body;
pub mod channel_weight;
pub mod clock;
pub mod config;
pub mod error;
pub mod history;
pub mod hub;
pub mod keys;
pub mod limits;
pub mod observe;
pub mod openapi;
pub mod plan;
pub mod plan_queries;
pub mod queries;
pub mod registry;
pub mod router;
pub mod server;
pub mod simulate;
pub mod stream;
pub mod workload;

pub use app::App;
pub use config::{MetricsAccess, RateLimit, ServiceConfig, Simulation, Tls};
pub use keys::{AdminKey, AdminKeyError};
pub use server::{shutdown_signal, Service, ServiceError, SimulatedTenant};
