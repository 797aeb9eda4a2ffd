//! What callers see of a failure, built by name: issues with their sentences, and the
//! `UpdoxError` a call rejects (or throws) with. One way to build either, for every export.

use super::js::UpdoxErrorClass;
use super::text::sentence;
use crate::issue::ValidationIssue;
use crate::prelude::*;
use crate::sentence::Numbers;
use crate::updox::error::{ErrorKind, Outcome, SendError};
use serde::Serialize;
use wasm_bindgen::JsValue;

/// Plain objects, with `null` (not `undefined`) for what is absent.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true))
        .unwrap_or(JsValue::UNDEFINED)
}

/// One issue as callers see it.
#[derive(Serialize)]
pub struct IssueOut {
    pub field: String,
    pub code: f64,
    pub rule: &'static str,
    pub message: String,
}

/// `list` with each issue's sentence in the caller's locale.
pub fn issues(list: &[ValidationIssue], options: &JsValue) -> Vec<IssueOut> {
    list.iter()
        .map(|i| IssueOut {
            field: i.field().into(),
            code: i.code() as f64,
            rule: i.rule.id(),
            message: sentence(
                i.rule.id(),
                Numbers {
                    limit: i.limit,
                    size: i.size,
                    seconds: None,
                },
                options,
            ),
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Details {
    kind: &'static str,
    rule: &'static str,
    response_code: Option<f64>,
    response_message: Option<String>,
    reason: Option<String>,
    status: Option<u16>,
    issues: Vec<IssueOut>,
    retryable: bool,
    delivery: &'static str,
    idempotency_key: Option<String>,
}

/// The `UpdoxError` for `e`. `key`: the request's Idempotency-Key, once it was built (a
/// validation error never has one); `said`: the rule whose sentence is the message when it
/// is neither the error's own nor its one issue's (as for every failed lookup).
pub fn updox_error(
    e: SendError,
    options: &JsValue,
    key: Option<&str>,
    said: Option<Outcome>,
) -> JsValue {
    updox_error_saying(e, options, key, said.map(Outcome::id))
}

/// [`updox_error`] where `said` is a sentence's rule id that is no outcome (as
/// `delivery.unchecked`).
pub fn updox_error_saying(
    e: SendError,
    options: &JsValue,
    key: Option<&str>,
    said: Option<&str>,
) -> JsValue {
    let valid = e.kind == ErrorKind::Validation;
    let found = issues(&e.issues, options);
    let message = match (valid, found.as_slice()) {
        (true, [one]) => one.message.clone(),
        _ => {
            let rule = match said {
                Some(s) if !valid => s,
                _ => e.sentence_rule().id(),
            };
            let n = Numbers {
                seconds: e.seconds,
                ..Numbers::default()
            };
            sentence(rule, n, options)
        }
    };
    let details = Details {
        kind: e.kind.as_str(),
        rule: e.rule.id(),
        response_code: e.response_code.map(|c| c as f64),
        response_message: e.response_message,
        reason: e.reason,
        status: e.status,
        issues: found,
        retryable: e.retryable,
        delivery: e.delivery.as_str(),
        idempotency_key: key.filter(|_| !valid).map(String::from),
    };
    UpdoxErrorClass::new(&message, &to_js(&details)).into()
}
