//! The JavaScript API: the only `#[wasm_bindgen]` exports. Each function reads its
//! arguments defensively, calls the plain-Rust logic, and converts the outcome.

use super::js_out::{self, error};
use super::transport::{self, encode_blob, Exchange, ReadStop};
use super::{js_read, platform};
use crate::codes::CODES;
use crate::error::SendError;
use crate::input::{AttachmentInput, Field, Group};
use crate::issue::{ValidationIssue, CODE_INVALID};
use crate::limits::{self, Limits};
use crate::options;
use crate::patient;
use crate::validate::{self, Content};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Optional trailing arguments: typed here so the `.d.ts` marks them `?`.
    #[wasm_bindgen(typescript_type = "Partial<Limits>")]
    pub type LimitsArg;
    #[wasm_bindgen(typescript_type = "EncodeAttachmentOptions")]
    pub type EncodeOptionsArg;
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("types.d.ts");

/// Checks a message without sending it: `[]` when it can be sent. Never throws.
#[wasm_bindgen(
    js_name = validatePatientDirectMessage,
    unchecked_return_type = "ValidationIssue[]"
)]
pub fn validate_patient_direct_message(
    #[wasm_bindgen(unchecked_param_type = "PatientDirectMessage")] message: JsValue,
    limits: Option<LimitsArg>,
) -> JsValue {
    let mut issues = Vec::new();
    let limits: JsValue = limits.map_or(JsValue::UNDEFINED, Into::into);
    let limits = limits::resolve(&js_read::limits(&limits), &mut issues);
    let (input, _blobs) = js_read::message(&message);
    if let Err(mut found) = validate::validate(&input, &limits, platform::today()) {
        found.append(&mut issues);
        issues = found;
    }
    js_out::issues(&issues)
}

/// True when `address` is a syntactically valid Direct address.
#[wasm_bindgen(js_name = isValidDirectAddress)]
pub fn is_valid_direct_address(
    #[wasm_bindgen(unchecked_param_type = "string")] address: JsValue,
) -> bool {
    address
        .as_string()
        .is_some_and(|a| crate::address::is_valid(a.trim()))
}

/// `"patient:{patientId}"`, for a valid patient ID.
#[wasm_bindgen(js_name = patientSender, unchecked_return_type = "`patient:${string}`")]
pub fn patient_sender(
    #[wasm_bindgen(unchecked_param_type = "string")] patient_id: JsValue,
) -> Result<JsValue, JsValue> {
    let result = match patient_id.as_string() {
        Some(id) => patient::sender_for(&id),
        None => Err("The patient ID must be text."),
    };
    result.map(|s| JsValue::from_str(&s)).map_err(|m| {
        error(&SendError::validation(vec![ValidationIssue::new(
            "patientId",
            CODE_INVALID,
            m,
        )]))
    })
}

/// The known Updox response codes with their category and retry rule.
#[wasm_bindgen(js_name = updoxResponseCodes, unchecked_return_type = "UpdoxCodeInfo[]")]
pub fn updox_response_codes() -> JsValue {
    js_out::codes(CODES)
}

/// The limits used when a caller gives none.
#[wasm_bindgen(js_name = defaultLimits, unchecked_return_type = "Limits")]
pub fn default_limits() -> JsValue {
    js_out::limits(&Limits::default())
}

/// Base64-encodes a `File` or `Blob` into an Updox attachment object.
#[wasm_bindgen(js_name = encodeAttachment, unchecked_return_type = "Attachment")]
pub async fn encode_attachment(
    #[wasm_bindgen(unchecked_param_type = "File | Blob")] file: JsValue,
    options: Option<EncodeOptionsArg>,
) -> Result<JsValue, JsValue> {
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    // Read the same way as an attachment of a message: `{content: blob, fileName, mimeType}`.
    let holder = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&holder, &"content".into(), &file);
    if let Some(name) = js_read::get(&options, "fileName") {
        let _ = js_sys::Reflect::set(&holder, &"fileName".into(), &name);
    }
    if let Some(mime) = js_read::get(&options, "mimeType") {
        let _ = js_sys::Reflect::set(&holder, &"mimeType".into(), &mime);
    }
    let list = js_sys::Array::of1(&holder);
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"attachments".into(), &list);
    let (input, blobs) = js_read::message(&message);
    let entry = match &input.attachments {
        Group::Present(list) => list.first().cloned(),
        _ => None,
    };
    let entry = match entry {
        Some(e @ AttachmentInput::Blob { .. }) => e,
        _ => {
            return Err(error(&SendError::validation(vec![ValidationIssue::new(
                "file",
                CODE_INVALID,
                "Choose a file to attach.",
            )])))
        }
    };
    let unlimited = Limits {
        max_attachment_bytes: u64::MAX,
        ..Limits::default()
    };
    let mut issues = Vec::new();
    let (valid, _) = validate::check_attachment("", &entry, &unlimited, &mut issues);
    let Some(a) = valid.filter(|_| issues.is_empty()) else {
        return Err(error(&SendError::validation(issues)));
    };
    let (Content::Blob { size, .. }, Some(blob_ref)) = (&a.content, blobs.first()) else {
        return Err(error(&SendError::validation(vec![])));
    };
    let mut encoded: Vec<u8> = Vec::with_capacity((size.div_ceil(3) * 4) as usize);
    let mut sink = |piece: &[u8]| encoded.extend_from_slice(piece);
    let mut between = |_| true;
    match encode_blob(blob_ref, *size, &mut sink, &mut between).await {
        Ok(()) => {}
        Err(ReadStop::Stopped | ReadStop::Unreadable) => {
            return Err(error(&SendError::validation(vec![ValidationIssue::new(
                "file",
                CODE_INVALID,
                "The file could not be read. It may have been moved or changed.",
            )])))
        }
    }
    // Base64 is ASCII, so this conversion cannot fail.
    let content = String::from_utf8(encoded).unwrap_or_default();
    let out = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&out, &"content".into(), &content.into());
    let _ = js_sys::Reflect::set(&out, &"mimeType".into(), &a.mime_type.into());
    let _ = js_sys::Reflect::set(&out, &"fileName".into(), &a.file_name.into());
    Ok(out.into())
}

/// Validates, encodes and sends a message through the portal's proxy.
#[wasm_bindgen(js_name = sendPatientDirectMessage, unchecked_return_type = "SendResult")]
pub async fn send_patient_direct_message(
    #[wasm_bindgen(unchecked_param_type = "PatientDirectMessage")] message: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SendOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let o = js_read::options(&options);
    let mut issues = Vec::new();
    let limits = limits::resolve(&o.limits, &mut issues);
    let (input, blobs) = js_read::message(&message);
    let valid = match validate::validate(&input, &limits, platform::today()) {
        Ok(v) => Some(v),
        Err(mut found) => {
            found.append(&mut issues);
            issues = found;
            None
        }
    };

    if o.not_an_object.is_some() {
        issues.push(ValidationIssue::new(
            "options",
            CODE_INVALID,
            "The options must be an object with at least proxyUrl.",
        ));
    }
    let url = match &o.proxy_url {
        Field::Text(u) if u.len() > options::MAX_PROXY_URL => {
            issues.push(ValidationIssue::new(
                "options.proxyUrl",
                CODE_INVALID,
                "The proxy URL is too long.",
            ));
            None
        }
        Field::Text(u) if !u.trim().is_empty() => match platform::resolve_url(u.trim()) {
            Some((href, resolved)) => {
                match options::check_proxy_url(&resolved, o.allow_insecure_proxy_url) {
                    Ok(()) => Some(href),
                    Err(m) => {
                        issues.push(ValidationIssue::new("options.proxyUrl", CODE_INVALID, m));
                        None
                    }
                }
            }
            None => {
                issues.push(ValidationIssue::new(
                    "options.proxyUrl",
                    CODE_INVALID,
                    "The proxy URL is not a valid URL.",
                ));
                None
            }
        },
        _ => {
            if o.not_an_object.is_none() {
                issues.push(ValidationIssue::new(
                    "options.proxyUrl",
                    CODE_INVALID,
                    "The proxy URL (options.proxyUrl) is required.",
                ));
            }
            None
        }
    };
    let timeout_ms = options::check_timeout(o.timeout_ms, &mut issues);
    let credentials = options::check_credentials(&o.credentials, &mut issues);
    options::check_headers(&o.headers, &mut issues);
    let auth = options::check_auth(&o.auth, o.allow_browser_credentials, &mut issues);
    if o.signal.is_err() {
        issues.push(ValidationIssue::new(
            "options.signal",
            CODE_INVALID,
            "The signal must be an AbortSignal.",
        ));
    }
    if o.on_progress.is_err() {
        issues.push(ValidationIssue::new(
            "options.onProgress",
            CODE_INVALID,
            "onProgress must be a function.",
        ));
    }
    let key = platform::idempotency_key();
    let (Some(m), Some(url), Some(key), true) = (valid, url, key, issues.is_empty()) else {
        if issues.is_empty() {
            return Err(error(&SendError::local(
                "This browser cannot generate a secure random key, so the message was not sent.",
            )));
        }
        return Err(error(&SendError::validation(issues)));
    };
    let headers = match o.headers {
        Group::Present(list) => list
            .into_iter()
            .filter_map(|(k, v)| match v {
                Field::Text(v) => Some((k, v)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let exchange = Exchange {
        url,
        timeout_ms,
        headers,
        credentials,
        signal: o.signal.ok().flatten(),
        on_progress: o.on_progress.ok().flatten(),
        auth,
        idempotency_key: key,
    };
    transport::send(&m, &blobs, exchange)
        .await
        .map(|r| js_out::result(&r))
        .map_err(|e| error(&e))
}
