//! Arbitrary command sequences against the engine: no panic, `audit()` after
//! every step, a refused command changes nothing, and a snapshot restored
//! mid-run makes the same decisions as the original. See `src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    switchboard_fuzz::run_commands(data);
});
