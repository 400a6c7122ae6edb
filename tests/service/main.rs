//! The HTTP service's tests (feature `service`), one test binary: each
//! former `tests/<name>.rs` is the module `<name>` here
//! (`cargo test --test service service_auth::`). service_durable signals
//! its own process and stays a binary of its own; the Chromium tests are
//! the `browser` binary (tests/README.md).

#[path = "../service_common/mod.rs"]
mod service_common;

mod service_auth;
mod service_bad_inputs;
mod service_guards;
mod service_http;
mod service_http_refusals;
mod service_limits;
mod service_load;
mod service_ops;
mod service_plan_queries;
mod service_profiles;
mod service_queue_caps;
mod service_rules;
mod service_simulate;
mod service_skill_windows;
mod service_stream;
#[cfg(feature = "tls")]
mod service_tls;
mod service_wallboard_data;
