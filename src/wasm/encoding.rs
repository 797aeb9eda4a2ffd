//! For the benchmark only (the `bench-encoders` feature): the two base64 encoders as
//! exports of their own, each writing into one buffer in wasm memory that the benchmark
//! reads and copies before the next call.

use crate::encode::encode_into;
use crate::prelude::*;
use core::cell::UnsafeCell;
use wasm_bindgen::prelude::*;

/// The module's one output buffer for encoding: the module runs on one thread, and each
/// encoded slice is copied out (into a Blob or a string) before the next call.
struct Scratch(UnsafeCell<Vec<u8>>);
// SAFETY: wasm32 without threads: there is no other thread to share it with.
unsafe impl Sync for Scratch {}
static ENCODED: Scratch = Scratch(UnsafeCell::new(Vec::new()));

/// Encodes `input` (a slice of a file, a multiple of 3 bytes long except at its end) into the
/// buffer and returns where its base64 (4 × ⌈len / 3⌉ bytes) starts in wasm memory. The
/// caller views it through `coreMemory().buffer` once this has returned, and copies it before
/// calling into the module again. (It returns a place, not a view: handing a JavaScript
/// object back can itself grow wasm memory, which would detach a view made before.)
#[wasm_bindgen(js_name = coreEncode)]
pub fn core_encode(input: &[u8]) -> usize {
    encode_with(input, encode_into)
}

/// The module's memory, for reading what `coreEncode` wrote.
#[wasm_bindgen(js_name = coreMemory)]
pub fn core_memory() -> JsValue {
    wasm_bindgen::memory()
}

fn encode_with(input: &[u8], encode: fn(&[u8], &mut Vec<u8>)) -> usize {
    // SAFETY: single-threaded, and no other reference to the buffer outlives this call.
    let out = unsafe { &mut *ENCODED.0.get() };
    out.clear();
    encode(input, out);
    out.as_ptr() as usize
}

/// For the benchmark only: the `base64` crate's scalar encoder, in the same module and with
/// the same buffer as `coreEncode`'s SIMD one.
#[cfg(feature = "bench-encoders")]
#[wasm_bindgen(js_name = benchEncodeScalar)]
pub fn bench_encode_scalar(input: &[u8]) -> usize {
    encode_with(input, crate::encode::scalar_encode_into)
}
