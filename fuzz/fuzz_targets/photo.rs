#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| updox_direct_fuzz::photo(data));
