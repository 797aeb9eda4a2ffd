//! The HTTP exchange with the portal's proxy: one POST that follows no redirect, a timeout
//! over the whole exchange (the answer included) from the moment the request is handed to
//! fetch, the caller's AbortSignal, and an answer read up to 1 MiB.
//!
//! gloo-net builds the request (method, headers, credentials, redirect mode, signal, body;
//! the headers were checked by `check::options` first, since gloo-net's `header()` throws on
//! an invalid one). The rest is web-sys, where gloo-net cannot serve: its `send()` awaits
//! fetch alone, and WebKit can let an aborted fetch run on until its answer arrives, so the
//! exchange races fetch against the abort itself; and the answer is read as a stream held
//! to 1 MiB, since a cross-origin page cannot see `Content-Encoding` and so a declared
//! length is no bound on a compressed answer.

use super::files::ignore_rejection;
use super::js::{clear_timeout, fetch, get, set_timeout};
use crate::check::options::Credentials;
use crate::prelude::*;
use crate::updox::error::SendError;
use core::cell::Cell;
use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, ReadableStreamDefaultReader, RequestCredentials, RequestRedirect,
};

/// Updox's answers are a few hundred bytes; anything past this is not one.
pub const MAX_ANSWER: usize = 1024 * 1024;

/// Why an exchange ended without an answer to read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failure {
    /// The caller's signal had fired before the request was handed to fetch.
    Aborted,
    /// The caller's signal fired after: the request may arrive.
    AbortedAfterSending,
    /// No complete answer within the timeout (ms).
    Timeout(f64),
    /// The browser said it was offline before the request: nothing left.
    Offline,
    /// An answer larger than [`MAX_ANSWER`], with its status.
    TooLarge(u16),
    /// The request could not be built.
    CannotPrepare,
    /// fetch failed after it had the request (a redirect refused included).
    Network,
}

impl Failure {
    pub fn error(self) -> SendError {
        match self {
            Failure::Aborted => SendError::aborted(false),
            Failure::AbortedAfterSending => SendError::aborted(true),
            Failure::Timeout(ms) => SendError::timeout(ms),
            Failure::Offline => SendError::network(true),
            Failure::TooLarge(status) => SendError::protocol(status, None, None, false),
            Failure::CannotPrepare => SendError::cannot_prepare(),
            Failure::Network => SendError::network(false),
        }
    }
}

/// An answer: its status and its text (lossy UTF-8; a byte-order mark is kept, so an answer
/// that starts with one is not JSON).
pub struct Answer {
    pub status: u16,
    pub text: String,
}

/// How a request is made (the same for every route of the proxy).
pub struct RequestOptions<'a> {
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    /// The Idempotency-Key (none for a lookup).
    pub key: Option<&'a str>,
    pub credentials: Option<Credentials>,
    pub timeout_ms: f64,
    pub signal: Option<&'a AbortSignal>,
    pub progress: Option<&'a Function>,
}

/// Calls the caller's progress callback; its exceptions are the caller's business.
pub fn report(progress: Option<&Function>, phase: &str, loaded: f64, total: f64) {
    let Some(f) = progress else { return };
    let p = js_sys::Object::new();
    let _ = Reflect::set(&p, &"phase".into(), &phase.into());
    let _ = Reflect::set(&p, &"loaded".into(), &loaded.into());
    let _ = Reflect::set(&p, &"total".into(), &total.into());
    let _ = f.call1(&JsValue::UNDEFINED, &p);
}

/// Whether the browser says it is offline (workers and Node have no say: not offline).
fn offline() -> bool {
    get(&js_sys::global(), "navigator")
        .filter(JsValue::is_object)
        .and_then(|n| get(&n, "onLine"))
        .and_then(|v| v.as_bool())
        == Some(false)
}

/// POSTs a JSON text body.
pub async fn post_json(body: &str, o: &RequestOptions<'_>) -> Result<Answer, Failure> {
    post(&JsValue::from_str(body), body.len() as f64, o).await
}

/// POSTs `body` (a string or a Blob of `length` bytes).
pub async fn post(body: &JsValue, length: f64, o: &RequestOptions<'_>) -> Result<Answer, Failure> {
    let controller = AbortController::new().map_err(|_| Failure::CannotPrepare)?;
    let mut builder = RequestBuilder::new(o.url)
        .method(Method::POST)
        .header("Content-Type", "application/json");
    if let Some(key) = o.key {
        builder = builder.header("Idempotency-Key", key);
    }
    for (name, value) in o.headers {
        builder = builder.header(name, value);
    }
    if let Some(c) = o.credentials {
        builder = builder.credentials(match c {
            Credentials::Omit => RequestCredentials::Omit,
            Credentials::SameOrigin => RequestCredentials::SameOrigin,
            Credentials::Include => RequestCredentials::Include,
        });
    }
    let request = builder
        .redirect(RequestRedirect::Error)
        .abort_signal(Some(&controller.signal()))
        .body(body.clone())
        .map_err(|_| Failure::CannotPrepare)?;
    let request = web_sys::Request::from(request);
    if o.signal.is_some_and(AbortSignal::aborted) {
        return Err(Failure::Aborted);
    }
    if offline() {
        return Err(Failure::Offline);
    }
    Exchange::start(controller, o)
        .run(&request, length, o)
        .await
}

/// One exchange under way: the abort that settles it at once, and the timer.
struct Exchange {
    controller: AbortController,
    stopped: Promise,
    timed_out: Rc<Cell<bool>>,
    on_abort: Closure<dyn FnMut()>,
    on_timeout: Closure<dyn FnMut()>,
    timer: JsValue,
    signal: Option<AbortSignal>,
}

impl Exchange {
    fn start(controller: AbortController, o: &RequestOptions<'_>) -> Exchange {
        let mut stop: Option<Function> = None;
        let stopped = Promise::new(&mut |_, reject| stop = Some(reject));
        ignore_rejection(&stopped);
        // The executor runs at once, so `stop` is there.
        let stop = stop.unwrap_or_else(|| JsValue::UNDEFINED.unchecked_into());
        let abort = {
            let (controller, stop) = (controller.clone(), stop.clone());
            move || {
                controller.abort();
                let _ = stop.call0(&JsValue::UNDEFINED);
            }
        };
        let timed_out = Rc::new(Cell::new(false));
        let on_timeout = {
            let (abort, timed_out) = (abort.clone(), timed_out.clone());
            Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                abort();
            })
        };
        let on_abort = Closure::<dyn FnMut()>::new(abort);
        let signal = o.signal.cloned();
        if let Some(s) = &signal {
            let _ = s.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
        let timer = set_timeout(on_timeout.as_ref().unchecked_ref(), o.timeout_ms);
        Exchange {
            controller,
            stopped,
            timed_out,
            on_abort,
            on_timeout,
            timer,
            signal,
        }
    }

    /// `promise`, or the rejection of an abort or the timeout, whichever comes first.
    async fn settle(&self, promise: &Promise) -> Result<JsValue, JsValue> {
        JsFuture::from(Promise::race(&Array::of2(promise, &self.stopped))).await
    }

    /// Why the exchange failed once fetch had the request.
    fn failure(&self, timeout_ms: f64) -> Failure {
        if self.timed_out.get() {
            Failure::Timeout(timeout_ms)
        } else if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
            Failure::AbortedAfterSending
        } else {
            Failure::Network
        }
    }

    async fn run(
        self,
        request: &web_sys::Request,
        length: f64,
        o: &RequestOptions<'_>,
    ) -> Result<Answer, Failure> {
        report(o.progress, "sending", 0.0, length);
        let response = match self.settle(&fetch(request)).await {
            Ok(r) => r.unchecked_into::<web_sys::Response>(),
            Err(_) => return Err(self.failure(o.timeout_ms)),
        };
        report(o.progress, "sending", length, length);
        let status = response.status();
        let declared = response
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|l| l.trim().parse::<f64>().ok());
        if declared.is_some_and(|l| l > MAX_ANSWER as f64) {
            self.controller.abort();
            return Err(Failure::TooLarge(status));
        }
        match self.read_capped(&response).await {
            Ok(Some(bytes)) => Ok(Answer {
                status,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            }),
            Ok(None) => {
                self.controller.abort();
                Err(Failure::TooLarge(status))
            }
            Err(()) => Err(self.failure(o.timeout_ms)),
        }
    }

    /// The answer's bytes, `None` past [`MAX_ANSWER`].
    async fn read_capped(&self, response: &web_sys::Response) -> Result<Option<Vec<u8>>, ()> {
        let Some(body) = response.body() else {
            return Ok(Some(Vec::new()));
        };
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut bytes = Vec::new();
        loop {
            let chunk = self.settle(&reader.read()).await.map_err(drop)?;
            if get(&chunk, "done").and_then(|d| d.as_bool()) != Some(false) {
                return Ok(Some(bytes));
            }
            let Some(value) = get(&chunk, "value").and_then(|v| v.dyn_into::<Uint8Array>().ok())
            else {
                return Err(());
            };
            if bytes.len() + value.length() as usize > MAX_ANSWER {
                ignore_rejection(&reader.cancel());
                return Ok(None);
            }
            let at = bytes.len();
            bytes.resize(at + value.length() as usize, 0);
            if let Some(into) = bytes.get_mut(at..) {
                value.copy_to(into);
            }
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(s) = &self.signal {
            let _ = s.remove_event_listener_with_callback(
                "abort",
                self.on_abort.as_ref().unchecked_ref(),
            );
        }
        // The timer is cleared and the listener gone: the closures can go too.
        let _ = &self.on_timeout;
    }
}
