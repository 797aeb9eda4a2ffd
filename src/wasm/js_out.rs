//! Turns results, issues and errors into plain JavaScript objects (missing fields as
//! `null`), and errors into the `UpdoxError` class. Built by hand with `Reflect.set`: a
//! serde bridge would cost more bytes than these few shapes.

use crate::check::attachment::ValidAttachment;
use crate::check::limits::Limits;
use crate::issue::ValidationIssue;
use crate::updox::codes::CodeInfo;
use crate::updox::error::SendError;
use crate::updox::response::{MessageId, SendResult};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/updox_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeUpdoxError)]
    fn make_updox_error(details: &JsValue, seconds: Option<f64>, options: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/js/text.js")]
extern "C" {
    /// `{field, code, rule, message}`, the message in the call's locale.
    #[wasm_bindgen(js_name = makeIssue)]
    fn make_issue(
        field: &str,
        code: f64,
        rule: &str,
        limit: Option<f64>,
        size: Option<f64>,
        options: &JsValue,
    ) -> JsValue;
    /// Loads the locale `options` ask for; never rejects.
    #[wasm_bindgen(js_name = localeReady)]
    fn locale_ready(options: &JsValue) -> js_sys::Promise;
}

/// Waits until the sentences of the locale `options` ask for are loaded (an unknown or
/// unloadable locale leaves English).
pub async fn load_locale(options: &JsValue) {
    let _ = wasm_bindgen_futures::JsFuture::from(locale_ready(options)).await;
}

/// An object under construction.
struct Obj(Object);

impl Obj {
    fn new() -> Self {
        Obj(Object::new())
    }
    fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), &value.into());
        self
    }
    fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        let v = value.map_or(JsValue::NULL, JsValue::from_str);
        self.set(key, v)
    }
    fn opt_num(self, key: &str, value: Option<f64>) -> Self {
        let v = value.map_or(JsValue::NULL, JsValue::from_f64);
        self.set(key, v)
    }
    fn done(self) -> JsValue {
        self.0.into()
    }
}

/// The issues as JavaScript objects; `options` is what the call was given (its `locale`
/// and `messages` choose the sentences).
pub fn issues(list: &[ValidationIssue], options: &JsValue) -> JsValue {
    list.iter()
        .map(|i| {
            make_issue(
                &i.field,
                i.code() as f64,
                i.rule.id(),
                i.limit.map(|n| n as f64),
                i.size.map(|n| n as f64),
                options,
            )
        })
        .collect::<Array>()
        .into()
}

pub fn result(r: &SendResult) -> JsValue {
    let message_id = match &r.message_id {
        // Read by JavaScript, as JSON.parse would have read it.
        Some(MessageId::Number(n)) => JsValue::from_f64(js_sys::parse_float(n)),
        Some(MessageId::Text(s)) => JsValue::from_str(s),
        None => JsValue::NULL,
    };
    Obj::new()
        .set("responseCode", r.response_code as f64)
        .set("responseMessage", r.response_message.as_str())
        .set("messageId", message_id)
        .opt_str("recipient", r.recipient.as_deref())
        .opt_str("name", r.name.as_deref())
        .opt_str("directAddress", r.direct_address.as_deref())
        .opt_str("patientDirectAddress", r.patient_direct_address.as_deref())
        .opt_str("reason", r.reason.as_deref())
        .set("sender", r.sender)
        .done()
}

/// The `UpdoxError` for `e`, what every export rejects or throws with; its message is in
/// the locale of `options` (what the call was given).
pub fn error(e: &SendError, options: &JsValue) -> JsValue {
    let details = Obj::new()
        .set("kind", e.kind.as_str())
        .set("rule", e.rule)
        .opt_num("responseCode", e.response_code.map(|c| c as f64))
        .opt_str("responseMessage", e.response_message.as_deref())
        .opt_str("reason", e.reason.as_deref())
        .opt_num("status", e.status.map(f64::from))
        .set("issues", issues(&e.issues, options))
        .set("retryable", e.retryable)
        .done();
    make_updox_error(&details, e.seconds.map(f64::from), options)
}

pub fn codes(list: &[CodeInfo]) -> JsValue {
    list.iter()
        .map(|c| {
            Obj::new()
                .set("code", c.code as f64)
                .set("category", c.category.as_str())
                .set("meaning", c.meaning)
                .set("retryable", c.retryable)
                .done()
        })
        .collect::<Array>()
        .into()
}

pub fn limits(l: &Limits) -> JsValue {
    Obj::new()
        .set("maxSubjectChars", l.max_subject_chars as f64)
        .set("maxTextMessageBytes", l.max_text_message_bytes as f64)
        .set("maxAttachments", l.max_attachments as f64)
        .set("maxAttachmentBytes", l.max_attachment_bytes as f64)
        .set(
            "maxTotalAttachmentBytes",
            l.max_total_attachment_bytes as f64,
        )
        .done()
}

/// An encoded attachment in Updox's shape.
pub fn attachment(a: &ValidAttachment, content: String) -> JsValue {
    Obj::new()
        .set("content", content)
        .set("mimeType", a.mime_type.as_str())
        .set("fileName", a.file_name.as_str())
        .done()
}
