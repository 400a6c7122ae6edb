//! The wallboard in headless Chromium (feature `service`): each former
//! `tests/<name>.rs` is the module `<name>` here. browser_common's driver
//! lets one browser run at a time, as when each test was its own binary.

#[path = "../browser_common/mod.rs"]
mod browser_common;
#[path = "../service_common/mod.rs"]
mod service_common;

mod service_browser;
mod service_browser_plan;
