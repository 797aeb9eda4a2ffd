//! Encoding attachments and the HTTP exchange with the proxy.
//!
//! The body is one `Blob` made of parts — JSON text and base64 slices — so the browser
//! uploads it without blocking the page, and no single string holds the whole body.

use super::platform;
use crate::check::message::ValidMessage;
use crate::check::options::{Credentials, Plan};
use crate::encode::{encode_into, SLICE_BYTES};
use crate::issue::{indexed, Rule, ValidationIssue};
use crate::updox::body::{self, Body, Part};
use crate::updox::error::SendError;
use crate::updox::response::{self, SendResult};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Blob, BlobPropertyBag, Headers, Request, RequestCredentials,
    RequestInit, Response,
};

/// Updox's answers are a few hundred bytes; anything far larger is not Updox's.
const MAX_RESPONSE_BYTES: f64 = 1024.0 * 1024.0;

/// Calls the caller's progress callback; its exceptions are the caller's business.
pub fn progress(cb: Option<&Function>, phase: &str, loaded: u64, total: u64) {
    if let Some(cb) = cb {
        let p = Object::new();
        let _ = Reflect::set(&p, &"phase".into(), &phase.into());
        let _ = Reflect::set(&p, &"loaded".into(), &(loaded as f64).into());
        let _ = Reflect::set(&p, &"total".into(), &(total as f64).into());
        let _ = cb.call1(&JsValue::UNDEFINED, &p);
    }
}

/// Why reading a blob stopped early.
pub enum ReadStop {
    /// `between` asked to stop (cancelled).
    Stopped,
    /// The browser could not read the file, or it changed while being read.
    Unreadable,
}

/// Reads `blob` (`size` bytes) in slices and hands the base64 of each to `sink`;
/// `between(bytes_done)` runs after each slice and returns false to stop.
pub async fn encode_blob(
    blob: &Blob,
    size: u64,
    sink: &mut dyn FnMut(&[u8]),
    between: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ReadStop> {
    // Starts reading bytes [start, end) (the browser reads in the background).
    let read = |start: u64, end: u64| -> Result<JsFuture, ReadStop> {
        let slice = blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|_| ReadStop::Unreadable)?;
        Ok(JsFuture::from(slice.array_buffer()))
    };
    let slice = SLICE_BYTES as u64;
    let mut input: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    let mut offset = 0u64;
    let mut pending = if size > 0 {
        Some(read(0, slice.min(size))?)
    } else {
        None
    };
    while let Some(current) = pending.take() {
        let end = (offset + slice).min(size);
        // Awaiting the read yields to the event loop between slices.
        let buf = current.await.map_err(|_| ReadStop::Unreadable)?;
        // Each read costs a round trip to the browser process: start the next one now so
        // that it overlaps with encoding this one.
        if end < size {
            pending = Some(read(end, (end + slice).min(size))?);
        }
        let bytes = Uint8Array::new(&buf);
        let n = bytes.length() as usize;
        if n as u64 != end - offset {
            return Err(ReadStop::Unreadable);
        }
        input.resize(n, 0);
        bytes.copy_to(&mut input);
        out.clear();
        encode_into(&input, &mut out);
        sink(&out);
        offset = end;
        if !between(offset) {
            return Err(ReadStop::Stopped);
        }
    }
    Ok(())
}

/// The whole base64 of `blob` (`size` bytes), or `None` when it could not be read.
pub async fn encode_whole(blob: &Blob, size: u64) -> Option<String> {
    let mut encoded: Vec<u8> = Vec::with_capacity((size.div_ceil(3) * 4) as usize);
    let mut sink = |piece: &[u8]| encoded.extend_from_slice(piece);
    let mut between = |_| true;
    encode_blob(blob, size, &mut sink, &mut between)
        .await
        .ok()?;
    // Base64 is ASCII, so this conversion cannot fail.
    String::from_utf8(encoded).ok()
}

/// Everything about one exchange besides the message, with the browser's own signal and
/// progress callback.
pub type Exchange = Plan<AbortSignal, Function>;

/// Our own AbortController, fired by the caller's signal or by the timeout; the flags say
/// which one fired. Dropping it removes the listener and the timer.
struct Cancel {
    controller: AbortController,
    caller: Option<AbortSignal>,
    timed_out: Rc<Cell<bool>>,
    on_caller_abort: Option<Closure<dyn FnMut()>>,
    timer: Option<(JsValue, Closure<dyn FnMut()>)>,
}

impl Cancel {
    fn new(caller: Option<AbortSignal>) -> Result<Cancel, SendError> {
        let controller = AbortController::new().map_err(|_| SendError::network(false))?;
        let mut cancel = Cancel {
            controller,
            caller,
            timed_out: Rc::new(Cell::new(false)),
            on_caller_abort: None,
            timer: None,
        };
        if let Some(signal) = &cancel.caller {
            let ours = cancel.controller.clone();
            let cb = Closure::<dyn FnMut()>::new(move || ours.abort());
            if signal
                .add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref())
                .is_ok()
            {
                cancel.on_caller_abort = Some(cb);
            }
        }
        Ok(cancel)
    }

    fn start_timer(&mut self, ms: f64) {
        let ours = self.controller.clone();
        let flag = self.timed_out.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            ours.abort();
        });
        let id = platform::set_timeout(cb.as_ref().unchecked_ref(), ms);
        self.timer = Some((id, cb));
    }

    fn caller_aborted(&self) -> bool {
        self.caller.as_ref().is_some_and(|s| s.aborted())
    }

    /// The error for a failure while cancelled (or a plain network failure otherwise).
    fn failure(&self, timeout_ms: f64) -> SendError {
        if self.timed_out.get() {
            SendError::timeout(timeout_ms)
        } else if self.caller_aborted() {
            SendError::aborted(true)
        } else {
            SendError::network(!platform::online())
        }
    }
}

impl Drop for Cancel {
    fn drop(&mut self) {
        if let Some((id, _)) = &self.timer {
            platform::clear_timeout(id);
        }
        if let (Some(signal), Some(cb)) = (&self.caller, &self.on_caller_abort) {
            let _ =
                signal.remove_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
        }
    }
}

/// A Blob holding a copy of `piece`. Blob parts keep the encoded body out of the JS heap,
/// and the browser streams them to the network without building one big buffer.
fn blob_of(piece: &[u8]) -> JsValue {
    // SAFETY: the view is read by the Blob constructor (which copies) right away; if wasm
    // memory grew in between, the view is detached and the size check below catches it.
    let view = unsafe { Uint8Array::view(piece) };
    match Blob::new_with_u8_array_sequence(&Array::of1(&view)) {
        Ok(b) if b.size() as usize == piece.len() => b.into(),
        _ => Uint8Array::from(piece).into(),
    }
}

/// A File/Blob that could not be read (moved, deleted or changed since it was picked).
pub fn unreadable(field: String) -> SendError {
    SendError::validation(vec![ValidationIssue {
        field,
        rule: Rule::AttachmentUnreadable,
        limit: None,
        size: None,
    }])
}

/// The body as a Blob of parts: JSON strings, pre-encoded base64, and the encoded slices
/// of each File/Blob.
async fn blob_body(
    body: &Body<'_>,
    blobs: &[Blob],
    x: &Exchange,
    cancel: &Cancel,
) -> Result<Blob, SendError> {
    let total = body.attachment_bytes;
    let mut done = 0u64;
    let out = Array::new();
    // Content parts come in the order of the attachments.
    let mut index = 0;
    progress(x.on_progress.as_ref(), "encoding", 0, total);
    for part in &body.parts {
        let size = match *part {
            Part::Json(ref json) => {
                out.push(&JsValue::from_str(json));
                if cancel.caller_aborted() {
                    return Err(SendError::aborted(false));
                }
                continue;
            }
            Part::Base64(text, size) => {
                out.push(&JsValue::from_str(text));
                size
            }
            Part::Blob { blob, size } => {
                let field = || indexed("attachments", index);
                let blob = blobs.get(blob).ok_or_else(|| unreadable(field()))?;
                let start = done;
                let mut sink = |piece: &[u8]| {
                    out.push(&blob_of(piece));
                };
                let mut between = |read: u64| {
                    progress(x.on_progress.as_ref(), "encoding", start + read, total);
                    !cancel.caller_aborted()
                };
                match encode_blob(blob, size, &mut sink, &mut between).await {
                    Ok(()) => {}
                    Err(_) if cancel.caller_aborted() => return Err(SendError::aborted(false)),
                    Err(ReadStop::Stopped) => return Err(SendError::aborted(false)),
                    Err(ReadStop::Unreadable) => return Err(unreadable(field())),
                }
                size
            }
        };
        index += 1;
        done += size;
        progress(x.on_progress.as_ref(), "encoding", done, total);
    }
    let bag = BlobPropertyBag::new();
    bag.set_type("application/json");
    Blob::new_with_blob_sequence_and_options(&out, &bag).map_err(|_| SendError::cannot_prepare())
}

fn credentials_mode(c: Credentials) -> RequestCredentials {
    match c {
        Credentials::Omit => RequestCredentials::Omit,
        Credentials::SameOrigin => RequestCredentials::SameOrigin,
        Credentials::Include => RequestCredentials::Include,
    }
}

/// Reads a response body as text, but at most `cap` bytes: `Ok(None)` when it is longer
/// (an answer that size is not Updox's, and reading it all could exhaust memory).
async fn read_capped(response: &Response, cap: usize) -> Result<Option<String>, JsValue> {
    let Some(body) = response.body() else {
        return Ok(Some(String::new()));
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if Reflect::get(&chunk, &"done".into())?.as_bool() != Some(false) {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())?.dyn_into()?;
        let start = buf.len();
        let len = value.length() as usize;
        if start + len > cap {
            let _ = reader.cancel();
            return Ok(None);
        }
        buf.resize(start + len, 0);
        if let Some(dest) = buf.get_mut(start..) {
            value.copy_to(dest);
        }
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Bodies shorter than this without File/Blob attachments are sent as a string.
const SMALL_BODY: usize = 32 * 1024;

/// Sends `m` (whose File/Blob attachments are `blobs`) and maps the answer.
/// One call makes at most one request: a send is not idempotent, so nothing retries.
pub async fn send(m: &ValidMessage, blobs: &[Blob], x: Exchange) -> Result<SendResult, SendError> {
    let mut cancel = Cancel::new(x.signal.clone())?;
    if cancel.caller_aborted() {
        return Err(SendError::aborted(false));
    }
    let body = body::body(m, x.auth.as_ref());
    let (payload, body_len): (JsValue, u64) = match body.small_text(SMALL_BODY) {
        // A small body without files goes as a string: a Blob body costs the browser a
        // round trip to its blob registry, which dominates small sends.
        Some(text) => {
            let total = body.attachment_bytes;
            progress(x.on_progress.as_ref(), "encoding", total, total);
            (JsValue::from_str(&text), text.len() as u64)
        }
        None => {
            let blob = blob_body(&body, blobs, &x, &cancel).await?;
            let len = blob.size() as u64;
            (blob.into(), len)
        }
    };

    let prepare_failed = |_| SendError::cannot_prepare();
    let headers = Headers::new().map_err(prepare_failed)?;
    headers
        .set("Content-Type", "application/json")
        .map_err(prepare_failed)?;
    headers
        .set("Idempotency-Key", &x.idempotency_key)
        .map_err(prepare_failed)?;
    for (name, value) in &x.headers {
        headers.set(name, value).map_err(prepare_failed)?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&payload);
    init.set_signal(Some(&cancel.controller.signal()));
    if let Some(c) = x.credentials {
        init.set_credentials(credentials_mode(c));
    }
    let request = Request::new_with_str_and_init(&x.url, &init).map_err(prepare_failed)?;

    if cancel.caller_aborted() {
        return Err(SendError::aborted(false));
    }
    progress(x.on_progress.as_ref(), "sending", 0, body_len);
    cancel.start_timer(x.timeout_ms);
    let response: Response = match platform::fetch(&request) {
        Ok(promise) => JsFuture::from(promise).await.and_then(|r| r.dyn_into()),
        Err(e) => Err(e),
    }
    .map_err(|_| cancel.failure(x.timeout_ms))?;
    progress(x.on_progress.as_ref(), "sending", body_len, body_len);
    let status = response.status();
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.trim().parse::<u64>().ok());
    if declared.is_some_and(|l| l as f64 > MAX_RESPONSE_BYTES) {
        cancel.controller.abort();
        return Err(SendError::protocol(status, None, None, false));
    }
    let text = match read_capped(&response, MAX_RESPONSE_BYTES as usize).await {
        Ok(Some(text)) => text,
        Ok(None) => {
            cancel.controller.abort();
            return Err(SendError::protocol(status, None, None, false));
        }
        Err(_) => return Err(cancel.failure(x.timeout_ms)),
    };
    let result = response::map_text(status, &text, body.sender);
    if result.is_ok() {
        progress(x.on_progress.as_ref(), "done", body_len, body_len);
    }
    result
}
