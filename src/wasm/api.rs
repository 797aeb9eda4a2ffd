//! The package's functions, as wasm-bindgen exports: each reads the caller's values by name
//! (`read`), applies the rules (`check`, `updox`), does the browser work (`files`,
//! `transport`) and builds what callers see by name (`errors`, `text`). The TypeScript
//! types of these exports are js/types.d.ts (the build puts them in the package's `.d.ts`).

use super::errors::{issues, to_js, updox_error};
use super::files::{encode_blob, readable};
use super::js::get;
use super::photo::{read_photo, Photo, Read, MAX_PHOTO_BYTES};
use super::read::{read_file, read_limits, read_message, read_options, Content, FileRead, Message};
use super::text;
use super::transport::{post, post_json, report, RequestOptions};
use crate::check::limits::{self, Limits};
use crate::check::options::{self, exchange_timeout_ms, Facts, Plan, ResolvedUrl};
use crate::check::patient::{self, Day, SENDER_ID};
use crate::check::{self as rules, attachment, message, Ready, Request};
use crate::input::{AttachmentInput, Input, OptionsInput};
use crate::issue::{Issues, Rule, ValidationIssue};
use crate::prelude::*;
use crate::updox::body::{self, Part};
use crate::updox::codes::CODES;
use crate::updox::error::{Outcome, SendError};
use crate::updox::response::{self, MessageId};
use js_sys::{Array, Function, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob, BlobPropertyBag};

/// Bodies shorter than this without File/Blob attachments are sent as a string: a Blob
/// body costs the browser a round trip to its blob registry, which dominates small sends.
const SMALL_BODY: usize = 32 * 1024;
/// How long a read of an empty-looking file may take when no timeout is given.
const DEFAULT_READ_MS: f64 = 30_000.0;

fn today() -> Day {
    let d = js_sys::Date::new_0();
    Day {
        year: d.get_full_year(),
        month: d.get_month() + 1,
        day: d.get_date(),
    }
}

/// 16 bytes from the platform's secure random source, when it has one.
fn random() -> Option<[u8; 16]> {
    let crypto = get(&js_sys::global(), "crypto").filter(JsValue::is_object)?;
    let fill: Function = get(&crypto, "getRandomValues")?.dyn_into().ok()?;
    let bytes = Uint8Array::new_with_length(16);
    fill.call1(&crypto, &bytes).ok()?;
    <[u8; 16]>::try_from(bytes.to_vec().as_slice()).ok()
}

/// Where `url` resolves against the page (if any): href, scheme, host, same origin.
fn resolve(url: &str) -> Option<ResolvedUrl> {
    let here = get(&js_sys::global(), "location").filter(JsValue::is_object);
    let base = here
        .as_ref()
        .and_then(|l| get(l, "href"))
        .and_then(|h| h.as_string());
    let u = match base {
        Some(base) => web_sys::Url::new_with_base(url.trim(), &base),
        None => web_sys::Url::new(url.trim()),
    }
    .ok()?;
    let origin = here
        .and_then(|l| get(&l, "origin"))
        .and_then(|o| o.as_string());
    Some(ResolvedUrl {
        href: u.href(),
        scheme: u.protocol(),
        host: u.hostname(),
        same_origin: origin.as_deref() == Some(u.origin().as_str()),
    })
}

pub(super) fn facts<S, F>(o: &Input<OptionsInput<S, F>>) -> Facts {
    Facts {
        resolved_url: options::url_to_resolve(o).and_then(resolve),
        random: random(),
    }
}

/// A File/Blob attachment of size 0 that cannot be read is a file that is gone: its size
/// becomes unreadable.
async fn check_empty(m: &mut Message, ms: f64, signal: Option<&AbortSignal>) {
    let ms = if ms > 0.0 { ms } else { DEFAULT_READ_MS };
    for part in m.empty.clone() {
        let Some(Some(Content::Blob(blob))) = m.contents.get(part) else {
            continue;
        };
        if readable(blob, ms, signal).await {
            continue;
        }
        if let Input::Given(msg) = &mut m.input {
            if let Input::Given(list) = &mut msg.attachments {
                if let Some(Input::Given(AttachmentInput::Blob { size, .. })) = list.get_mut(part) {
                    *size = f64::NAN;
                }
            }
        }
    }
}

fn raw_timeout<S, F>(o: &Input<OptionsInput<S, F>>) -> f64 {
    match o {
        Input::Given(OptionsInput {
            timeout_ms: Input::Given(ms),
            ..
        }) => *ms,
        _ => 0.0,
    }
}

/// The caller's signal, when it is one (even where the options have other problems).
fn signal_of(o: &Input<OptionsInput<AbortSignal, Function>>) -> Option<AbortSignal> {
    match o {
        Input::Given(OptionsInput {
            signal: Input::Given(s),
            ..
        }) => Some(s.clone()),
        _ => None,
    }
}

/// What a send resolves with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Sent {
    response_code: f64,
    response_message: String,
    message_id: Option<MessageIdOut>,
    recipient: Option<String>,
    name: Option<String>,
    direct_address: Option<String>,
    patient_direct_address: Option<String>,
    reason: Option<String>,
    sender: &'static str,
    idempotency_key: String,
    attachments: Vec<AttachmentSent>,
}

/// What was sent of one attachment, in the message's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentSent {
    file_name: String,
    mime_type: String,
    /// Bytes sent (after metadata removal).
    size: f64,
    /// Metadata removed from a photo (`[]`: none, or kept); `None`: a malformed JPEG/PNG
    /// sent as it is.
    metadata_removed: Option<Vec<&'static str>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum MessageIdOut {
    Number(f64),
    Text(String),
}

/// One piece of a body being built.
enum Piece {
    Json(String),
    Encoded(JsValue, u64),
    File { blob: Blob, size: u64, index: usize },
    Photo { photo: Photo, size: u64 },
}

fn aborted(signal: Option<&AbortSignal>) -> bool {
    signal.is_some_and(AbortSignal::aborted)
}

/// Validates, encodes and sends a message through the portal's proxy.
#[wasm_bindgen(js_name = sendPatientDirectMessage)]
pub async fn send_patient_direct_message(
    message: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    text::locale_ready(&options).await;
    let mut m = read_message(&message);
    let o = read_options(&options, false);
    let resend = matches!(&o, Input::Given(x) if matches!(x.idempotency_key, Input::Given(_)));
    check_empty(&mut m, raw_timeout(&o), signal_of(&o).as_ref()).await;
    let mut photos = read_photos(&mut m, &o).await;
    let facts = facts(&o);
    let request = Request::Send(core::mem::replace(&mut m.input, Input::Absent));
    let (ready, plan) = rules::prepare(&request, o, facts, today())
        .map_err(|r| updox_error(r.into(), &options, None, None))?;
    let Ready::Send(valid) = ready else {
        return Err(updox_error(
            SendError::cannot_prepare(),
            &options,
            None,
            None,
        ));
    };
    let key = plan.idempotency_key.clone();
    let fail = |e: SendError| updox_error(e, &options, Some(&key), None);
    let signal = plan.signal.as_ref();
    let progress = plan.on_progress.as_ref();
    if aborted(signal) {
        return Err(fail(SendError::aborted(false)));
    }
    let body = body::body(&valid, plan.auth.as_ref());
    let total = body.attachment_bytes as f64;

    let mut sent = Vec::new();
    for a in &valid.attachments {
        let removed = match photos.get(a.part) {
            Some(Some(photo)) => photo.removed(),
            _ => Some(Vec::new()),
        };
        sent.push(AttachmentSent {
            file_name: a.file_name.clone(),
            mime_type: a.mime_type.clone(),
            size: a.size as f64,
            metadata_removed: removed,
        });
    }
    let mut pieces = Vec::new();
    let mut short = 0;
    for part in body.parts {
        let piece = match part {
            Part::Json(text) => Piece::Json(text),
            Part::Content { part, size } => match m.contents.get(part).cloned().flatten() {
                Some(Content::Blob(_)) if photos.get(part).is_some_and(Option::is_some) => {
                    match photos.get_mut(part).and_then(Option::take) {
                        Some(photo) => Piece::Photo { photo, size },
                        None => return Err(fail(SendError::cannot_prepare())),
                    }
                }
                Some(Content::Encoded(text)) => Piece::Encoded(text, size),
                Some(Content::Blob(blob)) => Piece::File {
                    blob,
                    size,
                    index: part,
                },
                None => return Err(fail(SendError::cannot_prepare())),
            },
        };
        short += match &piece {
            Piece::Json(t) => t.len(),
            Piece::Encoded(t, _) => js_sys::JsString::from(t.clone()).length() as usize,
            Piece::File { .. } | Piece::Photo { .. } => SMALL_BODY,
        };
        pieces.push(piece);
    }
    let small = (short < SMALL_BODY).then(|| {
        pieces.iter().fold(String::new(), |mut all, p| {
            match p {
                Piece::Json(t) => all.push_str(t),
                Piece::Encoded(t, _) => all.push_str(&t.as_string().unwrap_or_default()),
                Piece::File { .. } | Piece::Photo { .. } => {}
            }
            all
        })
    });
    let (body_value, length) = match small.filter(|s| s.len() < SMALL_BODY) {
        Some(text) => {
            report(progress, "encoding", total, total);
            let length = text.len() as f64;
            (JsValue::from_str(&text), length)
        }
        None => {
            let out = Array::new();
            let mut done = 0u64;
            report(progress, "encoding", 0.0, total);
            for piece in pieces {
                let size = match piece {
                    Piece::Json(t) => {
                        out.push(&JsValue::from_str(&t));
                        if aborted(signal) {
                            return Err(fail(SendError::aborted(false)));
                        }
                        continue;
                    }
                    Piece::Encoded(t, size) => {
                        out.push(&t);
                        size
                    }
                    Piece::File { blob, size, index } => {
                        let start = done;
                        let read = encode_blob(
                            &blob,
                            size,
                            &mut |b64| {
                                out.push(&Uint8Array::from(b64));
                            },
                            &mut |bytes| {
                                report(progress, "encoding", (start + bytes) as f64, total);
                                !aborted(signal)
                            },
                            plan.timeout_ms,
                            signal,
                        )
                        .await;
                        if aborted(signal) {
                            return Err(fail(SendError::aborted(false)));
                        }
                        if !read {
                            return Err(fail(unreadable(Some(index))));
                        }
                        size
                    }
                    Piece::Photo { photo, size } => {
                        let start = done;
                        let encoded = photo.encode(
                            &mut |b64| {
                                out.push(&Uint8Array::from(b64));
                            },
                            &mut |bytes| {
                                report(progress, "encoding", (start + bytes) as f64, total);
                                !aborted(signal)
                            },
                        );
                        // The photo's bytes are dropped here, before the next is encoded.
                        drop(photo);
                        if !encoded || aborted(signal) {
                            return Err(fail(SendError::aborted(false)));
                        }
                        size
                    }
                };
                done += size;
                report(progress, "encoding", done as f64, total);
            }
            let bag = BlobPropertyBag::new();
            bag.set_type("application/json");
            let blob = Blob::new_with_u8_array_sequence_and_options(&out, &bag)
                .map_err(|_| fail(SendError::cannot_prepare()))?;
            let length = blob.size();
            (blob.into(), length)
        }
    };
    // The caller's timeout is for the answer: the time the body takes to leave is added.
    let wait_ms = exchange_timeout_ms(plan.timeout_ms, length);
    let exchange = RequestOptions {
        url: &plan.url,
        headers: &plan.headers,
        key: Some(&key),
        credentials: plan.credentials,
        timeout_ms: wait_ms,
        signal,
        progress,
    };
    let answer = post(&body_value, length, &exchange)
        .await
        .map_err(|f| fail(f.error()))?;
    let result = response::map_text(answer.status, &answer.text, body.sender)
        .map_err(|e| fail(if resend { e.resent() } else { e }))?;
    report(progress, "done", length, length);
    Ok(to_js(&Sent {
        response_code: result.response_code as f64,
        response_message: result.response_message,
        message_id: result.message_id.map(|id| match id {
            MessageId::Number(n) => MessageIdOut::Number(n.parse().unwrap_or(f64::NAN)),
            MessageId::Text(t) => MessageIdOut::Text(t),
        }),
        recipient: result.recipient,
        name: result.name,
        direct_address: result.direct_address,
        patient_direct_address: result.patient_direct_address,
        reason: result.reason,
        sender: result.sender,
        idempotency_key: key.clone(),
        attachments: sent,
    }))
}

/// Reads each File/Blob attachment that is a JPEG or PNG within the per-file limit (its
/// bytes say so, not its name or type) and plans the removal of its metadata unless the
/// caller keeps it; its size becomes the size sent, which the limits apply to. A file
/// that cannot be read becomes unreadable. By attachment place.
async fn read_photos(
    m: &mut Message,
    o: &Input<OptionsInput<AbortSignal, Function>>,
) -> Vec<Option<Photo>> {
    let (keep, given_limits) = match o {
        Input::Given(x) => (
            x.keep_photo_metadata == Input::Given(true),
            x.limits.clone(),
        ),
        _ => (false, Input::Absent),
    };
    let max = limits::resolve(&given_limits, &mut Issues::default()).max_attachment_bytes;
    let ms = raw_timeout(o);
    let signal = signal_of(o);
    let mut photos = Vec::new();
    let Input::Given(msg) = &mut m.input else {
        return photos;
    };
    let Input::Given(list) = &mut msg.attachments else {
        return photos;
    };
    for entry in list.iter_mut() {
        let Input::Given(AttachmentInput::Blob { part, size, .. }) = entry else {
            continue;
        };
        let Some(Some(Content::Blob(blob))) = m.contents.get(*part) else {
            continue;
        };
        match read_photo(blob, *size, max, keep, ms, signal.as_ref()).await {
            Read::Photo(photo) => {
                *size = photo.size() as f64;
                if photos.len() <= *part {
                    photos.resize_with(*part + 1, || None);
                }
                if let Some(slot) = photos.get_mut(*part) {
                    *slot = Some(photo);
                }
            }
            Read::AsItIs => {}
            // An abort is reported as one, after the checks.
            Read::Unreadable if aborted(signal.as_ref()) => {}
            Read::Unreadable => *size = f64::NAN,
        }
    }
    photos
}

/// A File/Blob that could not be read as it was, at its place (`None`: the one file of
/// `encodeAttachment`).
fn unreadable(index: Option<usize>) -> SendError {
    SendError::validation(vec![ValidationIssue {
        at: Some(index.map_or_else(
            || "file".into(),
            |i| crate::issue::indexed("attachments", i),
        )),
        rule: Rule::AttachmentUnreadable,
        limit: None,
        size: None,
    }])
}

/// Checks a message without sending it: `[]` when it can be sent. Never throws.
#[wasm_bindgen(js_name = validatePatientDirectMessage)]
pub fn validate_patient_direct_message(
    message: JsValue,
    limits: JsValue,
    options: JsValue,
) -> JsValue {
    let m = read_message(&message);
    let (_, found) = rules::message_under_limits(&m.input, &read_limits(limits), today());
    to_js(&issues(found.as_slice(), &options))
}

/// True when `address` is a syntactically valid Direct address.
#[wasm_bindgen(js_name = isValidDirectAddress)]
pub fn is_valid_direct_address(address: JsValue) -> bool {
    let Some(address) = address.as_string() else {
        return false;
    };
    let mut found = Issues::default();
    message::check_to(&Input::Given(address), &mut found);
    found.is_empty()
}

/// `"patient:{patientId}"`, for a valid patient ID; throws a validation UpdoxError.
#[wasm_bindgen(js_name = patientSender)]
pub fn patient_sender(patient_id: JsValue, options: JsValue) -> Result<String, JsValue> {
    let mut found = Issues::default();
    let id = patient_id
        .as_string()
        .map_or(Input::Wrong("?"), Input::Given);
    let id = patient::check_id_field(&id, &SENDER_ID, &mut found);
    if !found.is_empty() {
        return Err(updox_error(found.into(), &options, None, None));
    }
    Ok(format!("{}{}", patient::FROM_PREFIX, id))
}

#[derive(Serialize)]
struct CodeOut {
    code: f64,
    category: &'static str,
    meaning: &'static str,
    retryable: bool,
}

/// The known Updox response codes with their category and retry rule.
#[wasm_bindgen(js_name = updoxResponseCodes)]
pub fn updox_response_codes() -> JsValue {
    let list: Vec<CodeOut> = CODES
        .iter()
        .map(|c| CodeOut {
            code: c.code as f64,
            category: c.category.as_str(),
            meaning: c.meaning,
            retryable: c.retryable,
        })
        .collect();
    to_js(&list)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LimitsOut {
    max_subject_chars: f64,
    max_text_message_bytes: f64,
    max_attachments: f64,
    max_attachment_bytes: f64,
    max_total_attachment_bytes: f64,
}

/// The limits used when a caller gives none.
#[wasm_bindgen(js_name = defaultLimits)]
pub fn default_limits() -> JsValue {
    let l = Limits::default();
    to_js(&LimitsOut {
        max_subject_chars: l.max_subject_chars as f64,
        max_text_message_bytes: l.max_text_message_bytes as f64,
        max_attachments: l.max_attachments as f64,
        max_attachment_bytes: l.max_attachment_bytes as f64,
        max_total_attachment_bytes: l.max_total_attachment_bytes as f64,
    })
}

/// Loads the built-in text of `locale` ("en", "es"), so that synchronous calls can use
/// it. Resolves true when it is ready, false for an unknown locale or a failed load.
#[wasm_bindgen(js_name = loadLocale)]
pub async fn load_locale(locale: JsValue) -> bool {
    text::load_locale(&locale).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentOut {
    content: String,
    mime_type: String,
    file_name: String,
    metadata_removed: Option<Vec<&'static str>>,
}

/// Base64-encodes a File or Blob into an Updox attachment object; a JPEG or PNG without
/// its metadata unless `keepPhotoMetadata` is true.
#[wasm_bindgen(js_name = encodeAttachment)]
pub async fn encode_attachment(file: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    text::locale_ready(&options).await;
    let FileRead {
        mut input,
        blob,
        timeout_ms: timeout,
        keep_photo_metadata,
    } = read_file(&file, &options);
    if let (Input::Given(AttachmentInput::Blob { size, .. }), Some(b)) = (&mut input, &blob) {
        if *size == 0.0 {
            let ms = match timeout {
                Input::Given(ms) if ms > 0.0 => ms,
                _ => DEFAULT_READ_MS,
            };
            if !readable(b, ms, None).await {
                *size = f64::NAN;
            }
        }
    }
    let mut found = Issues::default();
    let timeout_ms = options::check_timeout(&timeout, &mut found);
    let keep = options::check_keep_photo_metadata(&keep_photo_metadata, &mut found);
    let mut photo = None;
    if let (Input::Given(AttachmentInput::Blob { size, .. }), Some(b)) = (&mut input, &blob) {
        match read_photo(b, *size, MAX_PHOTO_BYTES, keep, timeout_ms, None).await {
            Read::Photo(p) => {
                *size = p.size() as f64;
                photo = Some(p);
            }
            Read::AsItIs => {}
            Read::Unreadable => *size = f64::NAN,
        }
    }
    let checked = attachment::single(&input);
    let valid = match checked {
        Ok(a) if found.is_empty() => a,
        Ok(_) => return Err(updox_error(found.into(), &options, None, None)),
        Err(mut more) => {
            more.append(found);
            return Err(updox_error(more.into(), &options, None, None));
        }
    };
    let Some(blob) = blob else {
        return Err(updox_error(unreadable(None), &options, None, None));
    };
    let mut content = String::new();
    let mut sink = |b64: &[u8]| content.push_str(core::str::from_utf8(b64).unwrap_or_default());
    let (read, metadata_removed) = match &photo {
        Some(p) => (p.encode(&mut sink, &mut |_| true), p.removed()),
        None => (
            encode_blob(
                &blob,
                valid.size,
                &mut sink,
                &mut |_| true,
                timeout_ms,
                None,
            )
            .await,
            Some(Vec::new()),
        ),
    };
    if !read {
        return Err(updox_error(unreadable(None), &options, None, None));
    }
    Ok(to_js(&AttachmentOut {
        content,
        mime_type: valid.mime_type,
        file_name: valid.file_name,
        metadata_removed,
    }))
}

#[derive(Serialize)]
struct Checked {
    address: String,
    trusted: bool,
}

/// Asks the portal's proxy whether Updox finds a trusted certificate for a Direct address
/// (DirectAddressValidate): {address (as looked up), trusted}. The address is checked like
/// `to` first; a failure's message says the address could not be checked.
#[wasm_bindgen(js_name = checkDirectRecipient)]
pub async fn check_direct_recipient(
    address: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    text::locale_ready(&options).await;
    let o = read_options(&options, true);
    let address = if address.is_undefined() {
        Input::Absent
    } else {
        address.as_string().map_or(Input::Wrong("?"), Input::Given)
    };
    let fail = |e: SendError| updox_error(e, &options, None, Some(Outcome::RecipientUnchecked));
    let facts = facts(&o);
    let (ready, plan) =
        rules::prepare(&Request::Lookup(address), o, facts, today()).map_err(|r| fail(r.into()))?;
    let Ready::Lookup(looked) = ready else {
        return Err(fail(SendError::cannot_prepare()));
    };
    let body = body::lookup(&looked);
    let json = body
        .parts
        .iter()
        .map(|p| match p {
            Part::Json(t) => t.as_str(),
            Part::Content { .. } => "",
        })
        .collect::<String>();
    let answer = post_json(&json, &lookup_options(&plan))
        .await
        .map_err(|f| fail(f.error()))?;
    let result = response::map_text(answer.status, &answer.text, "").map_err(fail)?;
    Ok(to_js(&Checked {
        address: looked,
        trusted: result.trusted == Some(true),
    }))
}

/// A lookup's request options (the same as a send's, without a key or progress).
pub(super) fn lookup_options(plan: &Plan<AbortSignal, Function>) -> RequestOptions<'_> {
    RequestOptions {
        url: &plan.url,
        headers: &plan.headers,
        key: None,
        credentials: plan.credentials,
        timeout_ms: plan.timeout_ms,
        signal: plan.signal.as_ref(),
        progress: None,
    }
}
