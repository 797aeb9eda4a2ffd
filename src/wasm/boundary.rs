//! The wasm exports: the core that js/api.js calls. Each reads the plain lists the
//! JavaScript side made (`js_read`), applies the rules (`check`, `updox`) and writes plain
//! lists back (`js_out`); none touches a caller's object, the network or the clock, so each
//! is synchronous and cannot throw. The package's public functions are js/api.js's.

use super::{js_out, js_read};
use crate::check::attachment;
use crate::check::options::Facts;
use crate::check::patient::{self, Day, SENDER_ID};
use crate::check::{self as rules, address};
use crate::input::Input;
use crate::issue::{Issues, Rule, ValidationIssue};
use crate::prelude::*;
use crate::updox::body;
use crate::updox::codes::CODES;
use crate::updox::error::SendError;
use crate::updox::response;
use wasm_bindgen::prelude::*;

fn today(year: u32, month: u32, day: u32) -> Day {
    Day { year, month, day }
}

/// The issues of a message under the limits given (`[]` when it can be sent), as
/// `js_out::Out::issues` lists them.
#[wasm_bindgen(js_name = coreValidate)]
pub fn core_validate(
    message: Box<[JsValue]>,
    limits: Box<[JsValue]>,
    year: u32,
    month: u32,
    day: u32,
) -> Vec<JsValue> {
    let limits = js_read::limits(&mut js_read::Slots::new(&limits));
    let issues = rules::validate(
        &js_read::message(&message),
        &limits,
        today(year, month, day),
    );
    js_out::Out::default().issues(issues.as_slice()).done()
}

/// Checks a message and its send options together. `url` is where the proxy URL resolved
/// (href, scheme, host, same origin; empty when it did not), `random` 16 random bytes (absent
/// without a secure source). Returns a failure (see `js_out::error`), or the plan and the
/// body (`js_out::prepared`).
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
    let checked = rules::send(
        &js_read::message(&message),
        js_read::options(&options),
        facts,
        today(year, month, day),
    );
    let (message, plan) = match checked {
        Ok(ready) => ready,
        Err(refusal) => return js_out::error(&refusal.into()),
    };
    js_out::prepared(&plan, &body::body(&message, plan.auth.as_ref()))
}

/// The outcome of an answer: `status` and its text, for a message sent with `sender`
/// ("from" or "patientDemographics").
#[wasm_bindgen(js_name = coreAnswer)]
pub fn core_answer(status: u16, text: &str, sender: &str) -> Vec<JsValue> {
    let sender = if sender == "from" {
        "from"
    } else {
        "patientDemographics"
    };
    match response::map_text(status, text, sender) {
        Ok(result) => js_out::result(&result),
        Err(e) => js_out::error(&e),
    }
}

/// The failure the exchange reported (see js/transport.js): 0 aborted before the request
/// left, 1 aborted after, 2 timeout, 3 offline, 4 an answer too large to be Updox's (with
/// `status`), 5 the request could not be built, anything else a network failure.
#[wasm_bindgen(js_name = coreFailure)]
pub fn core_failure(failure: u8, status: Option<u16>, timeout_ms: f64) -> Vec<JsValue> {
    let e = match failure {
        0 => SendError::aborted(false),
        1 => SendError::aborted(true),
        2 => SendError::timeout(timeout_ms),
        3 => SendError::network(true),
        4 => SendError::protocol(status.unwrap_or(0), None, None, false),
        5 => SendError::cannot_prepare(),
        _ => SendError::network(false),
    };
    js_out::error(&e)
}

/// A File/Blob that could not be read (moved, deleted or changed since it was picked),
/// reported at `field`.
#[wasm_bindgen(js_name = coreUnreadable)]
pub fn core_unreadable(field: String) -> Vec<JsValue> {
    js_out::error(&SendError::validation(vec![ValidationIssue {
        at: Some(field),
        rule: Rule::AttachmentUnreadable,
        limit: None,
        size: None,
    }]))
}

/// One File/Blob for `encodeAttachment` (the slots of one attachment): a failure, or "ok",
/// its file name, MIME type and size.
#[wasm_bindgen(js_name = coreCheckFile)]
pub fn core_check_file(file: Box<[JsValue]>) -> Vec<JsValue> {
    match attachment::single(&js_read::file(&file)) {
        Ok(a) => js_out::file(&a),
        Err(issues) => js_out::error(&issues.into()),
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
    js_out::ok(&[patient::FROM_PREFIX, &id].concat())
}

/// True when `address` (trimmed) is a syntactically valid Direct address.
#[wasm_bindgen(js_name = coreIsValidAddress)]
pub fn core_is_valid_address(address: &str) -> bool {
    address::is_valid(address.trim())
}

/// The known Updox response codes, as `js_out::codes` lists them.
#[wasm_bindgen(js_name = coreCodes)]
pub fn core_codes() -> Vec<JsValue> {
    js_out::codes(CODES)
}
