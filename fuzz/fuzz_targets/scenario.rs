//! Arbitrary bytes into the simulator's scenario parser: a typed
//! `ScenarioError` or a valid scenario, never a panic. A scenario that
//! parses must survive a JSON round trip unchanged. See `src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    switchboard_fuzz::run_scenario(data);
});
