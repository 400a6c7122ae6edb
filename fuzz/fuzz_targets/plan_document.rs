//! Arbitrary bytes into `Plan::from_json`, then the plan's checks, its
//! JSON round trip and an engine running under it: see
//! `switchboard_fuzz::run_plan_document`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    switchboard_fuzz::run_plan_document(data);
});
