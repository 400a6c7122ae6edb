//! Arbitrary bytes, and structured mutations of valid snapshots, into
//! `Snapshot::from_json` + `Engine::restore`: an error or an engine that
//! passes `audit()` and keeps working, never a panic. See `src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    switchboard_fuzz::run_snapshot_decode(data);
});
