//! Reading the caller's Files and Blobs with web-sys: in slices, each read within a time
//! limit and the caller's signal, each slice checked to be as long as the file said it
//! was (a file moved, deleted or changed since it was picked), and encoded to base64 here.

use super::js::{clear_timeout, set_timeout};
use crate::encode::{encode_into, SLICE_BYTES};
use crate::prelude::*;
use js_sys::{Array, ArrayBuffer, Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob};

thread_local! {
    static NOOP: Closure<dyn FnMut(JsValue)> = Closure::new(|_| {});
}

/// Marks `promise`'s rejection as handled: nobody waits for it any more.
pub fn ignore_rejection(promise: &Promise) {
    NOOP.with(|noop| {
        let _ = promise.catch(noop);
    });
}

/// A promise raced against a time limit and the caller's signal; dropping it clears both.
struct Within {
    promise: Promise,
    timer: JsValue,
    reject: Function,
    signal: Option<AbortSignal>,
}

impl Within {
    fn new(promise: Promise, ms: f64, signal: Option<&AbortSignal>) -> Within {
        let mut reject: Option<Function> = None;
        let late = Promise::new(&mut |_, r| reject = Some(r));
        // The executor runs at once, so `reject` is there.
        let reject = reject.unwrap_or_else(|| JsValue::UNDEFINED.unchecked_into());
        let timer = set_timeout(&reject, ms);
        if let Some(s) = signal {
            let _ = s.add_event_listener_with_callback("abort", &reject);
        }
        let promise = Promise::race(&Array::of2(&promise, &late));
        // A read given up on may still fail: nobody waits for it.
        ignore_rejection(&promise);
        Within {
            promise,
            timer,
            reject,
            signal: signal.cloned(),
        }
    }

    async fn wait(&self) -> Result<JsValue, JsValue> {
        JsFuture::from(self.promise.clone()).await
    }
}

impl Drop for Within {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(s) = &self.signal {
            let _ = s.remove_event_listener_with_callback("abort", &self.reject);
        }
    }
}

/// Whether a File/Blob of size 0 reads within `ms`: one whose read fails is a file that is
/// gone (Chromium reports the size of a deleted file as 0).
pub async fn readable(blob: &Blob, ms: f64, signal: Option<&AbortSignal>) -> bool {
    Within::new(blob.array_buffer(), ms, signal)
        .wait()
        .await
        .is_ok()
}

/// Reads `blob` (`size` bytes, as read when the call began) in slices, the next slice read
/// while one is encoded, each within `ms`, and hands each slice's base64 to `sink`;
/// `between(bytes_done)` runs after each slice and returns false to stop. True when done,
/// else false: stopped, or the file could not be read as it was (a read failed, never
/// settled, or came back with another length). A file of one slice is read whole, so that
/// one that grew is noticed too.
pub async fn encode_blob(
    blob: &Blob,
    size: u64,
    sink: &mut dyn FnMut(&[u8]),
    between: &mut dyn FnMut(u64) -> bool,
    ms: f64,
    signal: Option<&AbortSignal>,
) -> bool {
    let slice = SLICE_BYTES as u64;
    let read = |start: u64| -> Option<Within> {
        let part = if size > slice {
            blob.slice_with_f64_and_f64(start as f64, (start + slice).min(size) as f64)
                .ok()?
        } else {
            blob.clone()
        };
        Some(Within::new(part.array_buffer(), ms, signal))
    };
    let mut pending = read(0);
    let mut offset = 0;
    let mut out = Vec::new();
    while let Some(now) = pending.take() {
        let end = (offset + slice).min(size);
        // Awaiting the read yields to the event loop between slices.
        let Ok(buffer) = now.wait().await else {
            return false;
        };
        // Each read is a round trip to the browser's file machinery: start the next now.
        if end < size {
            pending = read(end);
            if pending.is_none() {
                return false;
            }
        }
        let Ok(buffer) = buffer.dyn_into::<ArrayBuffer>() else {
            return false;
        };
        if f64::from(buffer.byte_length()) != (end - offset) as f64 {
            return false;
        }
        let bytes = Uint8Array::new(&buffer).to_vec();
        out.clear();
        encode_into(&bytes, &mut out);
        sink(&out);
        offset = end;
        if !between(offset) {
            return false;
        }
    }
    true
}

/// `blob[start..end]` read whole within `ms` and the caller's signal: `None` when the read
/// fails, never settles, or comes back with another length (the file changed). A range
/// from 0 to `size` reads the Blob itself, so that a file that grew is noticed too.
pub async fn read_range(
    blob: &Blob,
    start: u64,
    end: u64,
    size: u64,
    ms: f64,
    signal: Option<&AbortSignal>,
) -> Option<Vec<u8>> {
    let part = if start == 0 && end == size {
        blob.clone()
    } else {
        blob.slice_with_f64_and_f64(start as f64, end as f64).ok()?
    };
    let buffer = Within::new(part.array_buffer(), ms, signal)
        .wait()
        .await
        .ok()?;
    let buffer = buffer.dyn_into::<ArrayBuffer>().ok()?;
    if f64::from(buffer.byte_length()) != end.saturating_sub(start) as f64 {
        return None;
    }
    Some(Uint8Array::new(&buffer).to_vec())
}

/// Hands the base64 of `slices` (one file, in pieces) to `sink` in chunks of about
/// `SLICE_BYTES`; `between(bytes_done)` runs after each chunk and returns false to stop.
/// True when done.
pub fn encode_slices<'a>(
    slices: impl Iterator<Item = &'a [u8]>,
    sink: &mut dyn FnMut(&[u8]),
    between: &mut dyn FnMut(u64) -> bool,
) -> bool {
    let mut stream = crate::photo::Base64Stream::new();
    let mut out = Vec::new();
    let mut done = 0u64;
    for slice in slices {
        for chunk in slice.chunks(SLICE_BYTES) {
            out.clear();
            stream.push(chunk, &mut out);
            if !out.is_empty() {
                sink(&out);
            }
            done += chunk.len() as u64;
            if !between(done) {
                return false;
            }
        }
    }
    out.clear();
    stream.finish(&mut out);
    if !out.is_empty() {
        sink(&out);
    }
    true
}
