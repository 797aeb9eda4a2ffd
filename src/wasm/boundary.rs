//! The wasm exports: the core that js/api.js calls. Each reads the plain lists the
//! JavaScript side made (`js_read`), applies the rules (`check`, `updox`) and writes plain
//! lists back (`js_out`); none touches a caller's object, the network or the clock, so each
//! is synchronous and cannot throw. The package's public functions are js/api.js's.

use super::{js_out, js_read};
use crate::check::options::{self, Facts};
use crate::check::patient::{self, Day, SENDER_ID};
use crate::check::{self as rules, attachment, Ready};
use crate::input::Input;
use crate::issue::{indexed, Issues, Rule, ValidationIssue};
use crate::prelude::*;
use crate::updox::body;
use crate::updox::codes::CODES;
use crate::updox::error::SendError;
use crate::updox::response;
use wasm_bindgen::prelude::*;

fn today(year: u32, month: u32, day: u32) -> Day {
    Day { year, month, day }
}

/// Checks a request and its options together: `message` is a message's slots, or
/// "lookup" and an address for a DirectAddressValidate lookup (whose options are a send's
/// that apply to it). `url` is where the proxy URL resolved (href, scheme, host, same
/// origin; empty when it did not), `random` 16 random bytes (absent without a secure
/// source). Returns a failure (see `js_out::error`), or the plan and the body
/// (`js_out::prepared`), which names the sender field of a send or the address of a lookup.
#[wasm_bindgen(js_name = corePrepare)]
pub fn core_prepare(
    message: Box<[JsValue]>,
    options: Box<[JsValue]>,
    url: Box<[JsValue]>,
    random: Option<Box<[u8]>>,
    year: u32,
    month: u32,
    day: u32,
) -> Vec<JsValue> {
    let facts = Facts {
        resolved_url: js_read::resolved_url(&url),
        random: random.and_then(|r| <[u8; 16]>::try_from(&*r).ok()),
    };
    let checked = rules::prepare(
        &js_read::request(&message),
        js_read::options(&options),
        facts,
        today(year, month, day),
    );
    match checked {
        Ok((Ready::Send(message), plan)) => {
            let body = body::body(&message, plan.auth.as_ref());
            js_out::prepared(&plan, &body, body.sender)
        }
        Ok((Ready::Lookup(address), plan)) => {
            js_out::prepared(&plan, &body::lookup(&address), &address)
        }
        Err(refusal) => js_out::error(&refusal.into()),
    }
}

/// The outcome of an answer: `status` and its text, for a message sent with `sender`
/// ("from" or "patientDemographics"), or for a lookup (`sender` "").
/// `resent`: the caller passed the key of an earlier attempt (see `SendError::resent`).
#[wasm_bindgen(js_name = coreAnswer)]
pub fn core_answer(status: u16, text: &str, sender: &str, resent: bool) -> Vec<JsValue> {
    let sender = match sender {
        "" => "",
        "from" => "from",
        _ => "patientDemographics",
    };
    match response::map_text(status, text, sender) {
        Ok(result) => js_out::result(&result),
        Err(e) if resent => js_out::error(&e.resent()),
        Err(e) => js_out::error(&e),
    }
}

/// The timeout of an exchange whose body is `body_bytes` long (`options::exchange_timeout_ms`).
#[wasm_bindgen(js_name = coreExchangeTimeout)]
pub fn core_exchange_timeout(timeout_ms: f64, body_bytes: f64) -> f64 {
    options::exchange_timeout_ms(timeout_ms, body_bytes)
}

/// A failure of the JavaScript side, by number (see js/transport.js): 0 aborted before the
/// request left, 1 aborted after, 2 timeout, 3 offline before the request, 4 an answer too
/// large to be Updox's (`n`: its status), 5 the request could not be built, 7 a File/Blob
/// that could not be read (moved, deleted or changed since it was picked; a read that
/// failed, came back with another length or never settled: `n` is the attachment's place,
/// absent for `encodeAttachment`'s file), anything else a network failure after the
/// request started.
#[wasm_bindgen(js_name = coreFailure)]
pub fn core_failure(failure: u8, n: Option<u16>, timeout_ms: f64) -> Vec<JsValue> {
    let e = match failure {
        0 => SendError::aborted(false),
        1 => SendError::aborted(true),
        2 => SendError::timeout(timeout_ms),
        3 => SendError::network(true),
        4 => SendError::protocol(n.unwrap_or(0), None, None, false),
        5 => SendError::cannot_prepare(),
        7 => SendError::validation(vec![ValidationIssue {
            at: Some(n.map_or_else(|| "file".into(), |i| indexed("attachments", i.into()))),
            rule: Rule::AttachmentUnreadable,
            limit: None,
            size: None,
        }]),
        _ => SendError::network(false),
    };
    js_out::error(&e)
}

/// One File/Blob for `encodeAttachment` (the slots of one attachment, then `timeoutMs`): a
/// failure, or "ok", its file name, MIME type, size and the timeout of each read.
#[wasm_bindgen(js_name = coreCheckFile)]
pub fn core_check_file(file: Box<[JsValue]>) -> Vec<JsValue> {
    let (file, timeout) = js_read::file(&file);
    let checked = attachment::single(&file);
    let mut issues = Issues::default();
    let timeout_ms = options::check_timeout(&timeout, &mut issues);
    match checked {
        Ok(a) if issues.is_empty() => js_out::file(&a, timeout_ms),
        Ok(_) => js_out::error(&issues.into()),
        Err(mut found) => {
            found.append(issues);
            js_out::error(&found.into())
        }
    }
}

/// `patient:{id}` ("ok" and the sender), or a failure.
#[wasm_bindgen(js_name = coreSender)]
pub fn core_sender(id: JsValue) -> Vec<JsValue> {
    let mut issues = Issues::default();
    let id = id.as_string().map_or(Input::Wrong("?"), Input::Given);
    let id = patient::check_id_field(&id, &SENDER_ID, &mut issues);
    if !issues.is_empty() {
        return js_out::error(&issues.into());
    }
    let mut from = String::from(patient::FROM_PREFIX);
    from.push_str(&id);
    js_out::ok(&from)
}

/// The known Updox response codes, as `js_out::codes` lists them.
#[wasm_bindgen(js_name = coreCodes)]
pub fn core_codes() -> Vec<JsValue> {
    js_out::codes(CODES)
}
