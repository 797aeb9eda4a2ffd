//! Writes what the JavaScript side gets back: flat lists of plain values, which js/api.js
//! turns into the objects callers see (issues with their sentences, results, `UpdoxError`).

use crate::check::attachment::ValidAttachment;
use crate::check::options::Plan;
use crate::issue::ValidationIssue;
use crate::prelude::*;
use crate::updox::body::{Body, Part};
use crate::updox::codes::CodeInfo;
use crate::updox::error::SendError;
use crate::updox::response::{MessageId, SendResult};
use wasm_bindgen::JsValue;

/// A list under construction.
#[derive(Default)]
pub struct Out(Vec<JsValue>);

impl Out {
    pub fn text(mut self, s: &str) -> Self {
        self.0.push(JsValue::from_str(s));
        self
    }

    pub fn number(mut self, n: f64) -> Self {
        self.0.push(JsValue::from_f64(n));
        self
    }

    fn flag(mut self, b: bool) -> Self {
        self.0.push(JsValue::from_bool(b));
        self
    }

    fn opt_text(self, s: Option<&str>) -> Self {
        match s {
            Some(s) => self.text(s),
            None => self.none(),
        }
    }

    fn opt_number(self, n: Option<f64>) -> Self {
        match n {
            Some(n) => self.number(n),
            None => self.none(),
        }
    }

    fn none(mut self) -> Self {
        self.0.push(JsValue::UNDEFINED);
        self
    }

    /// Each issue as five values: its field when not the rule's own (else absent: the
    /// JavaScript side derives it from the rule's id), code, the rule's number (its place
    /// among all rules), limit, size.
    pub fn issues(self, list: &[ValidationIssue]) -> Self {
        list.iter().fold(self, |out, i| {
            out.opt_text(i.at.as_deref())
                .number(i.code() as f64)
                .number(f64::from(i.rule.index()))
                .opt_number(i.limit.map(|n| n as f64))
                .opt_number(i.size.map(|n| n as f64))
        })
    }

    pub fn done(self) -> Vec<JsValue> {
        self.0
    }
}

/// A failure: "error", kind, the rule's number, seconds, responseCode, responseMessage,
/// reason, status, retryable, delivery, the number of the rule whose sentence is the
/// message, then the issues.
pub fn error(e: &SendError) -> Vec<JsValue> {
    Out::default()
        .text("error")
        .text(e.kind.as_str())
        .number(f64::from(e.rule.index()))
        .opt_number(e.seconds.map(f64::from))
        .opt_number(e.response_code.map(|c| c as f64))
        .opt_text(e.response_message.as_deref())
        .opt_text(e.reason.as_deref())
        .opt_number(e.status.map(f64::from))
        .flag(e.retryable)
        .text(e.delivery.as_str())
        .number(f64::from(e.sentence_rule().index()))
        .issues(&e.issues)
        .done()
}

/// A request ready to send: "ok", the URL, timeoutMs, credentials, the Idempotency-Key,
/// `about` (the sender field of a send, the address of a lookup), the attachment bytes, the number of extra headers and their names and
/// values, then the body's parts: JSON text, or an attachment's decoded size followed by
/// its place among the attachments (whose content the JavaScript side holds).
pub fn prepared<S, F>(plan: &Plan<S, F>, body: &Body, about: &str) -> Vec<JsValue> {
    let mut out = Out::default()
        .text("ok")
        .text(&plan.url)
        .number(plan.timeout_ms);
    out = match plan.credentials {
        Some(c) => out.text(c.as_str()),
        None => out.text(""),
    };
    out = out
        .text(&plan.idempotency_key)
        .text(about)
        .number(body.attachment_bytes as f64)
        .number(plan.headers.len() as f64);
    for (name, value) in &plan.headers {
        out = out.text(name).text(value);
    }
    for part in &body.parts {
        out = match *part {
            Part::Json(ref text) => out.text(text),
            Part::Content { part, size } => out.number(size as f64).number(part as f64),
        };
    }
    out.done()
}

/// One File/Blob checked for `encodeAttachment`: "ok", its file name, MIME type, size and
/// the timeout of each read.
pub fn file(a: &ValidAttachment, timeout_ms: f64) -> Vec<JsValue> {
    Out::default()
        .text("ok")
        .text(&a.file_name)
        .text(&a.mime_type)
        .number(a.size as f64)
        .number(timeout_ms)
        .done()
}

/// "ok" and one text.
pub fn ok(text: &str) -> Vec<JsValue> {
    Out::default().text("ok").text(text).done()
}

/// A success: "ok", responseCode, responseMessage, messageId (a number's literal, or text),
/// whether it is a number, recipient, name, directAddress, patientDirectAddress, reason,
/// sender, and for a lookup whether the address is trusted.
pub fn result(r: &SendResult) -> Vec<JsValue> {
    let (id, numeric) = match &r.message_id {
        Some(MessageId::Number(n)) => (Some(n.as_str()), true),
        Some(MessageId::Text(s)) => (Some(s.as_str()), false),
        None => (None, false),
    };
    Out::default()
        .text("ok")
        .number(r.response_code as f64)
        .text(&r.response_message)
        .opt_text(id)
        .flag(numeric)
        .opt_text(r.recipient.as_deref())
        .opt_text(r.name.as_deref())
        .opt_text(r.direct_address.as_deref())
        .opt_text(r.patient_direct_address.as_deref())
        .opt_text(r.reason.as_deref())
        .text(r.sender)
        .flag(r.trusted == Some(true))
        .done()
}

/// Each code as four values: code, category, meaning, retryable.
pub fn codes(list: &[CodeInfo]) -> Vec<JsValue> {
    list.iter()
        .fold(Out::default(), |out, c| {
            out.number(c.code as f64)
                .text(c.category.as_str())
                .text(c.meaning)
                .flag(c.retryable)
        })
        .done()
}
