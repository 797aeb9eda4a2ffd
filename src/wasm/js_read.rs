//! Reads caller-supplied JavaScript values into the plain input model, defensively: only
//! operations that catch JavaScript exceptions are used, so getters that throw, Proxy
//! objects and look-alike objects become issues, never an exception through wasm.

use crate::check::options::MAX_HEADERS;
use crate::input::{
    AttachmentInput, AuthInput, DemographicsInput, Input, LimitsInput, MessageInput, Number,
    OptionsInput, Text,
};
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob, File};

/// Entries of a list read at most: a hostile sparse array may claim 2^32 − 1.
const MAX_LIST: u32 = 1000;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array(v: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(v: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// A JavaScript type name for `Input::Wrong`.
fn type_name(v: &JsValue) -> &'static str {
    if v.is_null() {
        return "null";
    }
    if is_array(v).unwrap_or(false) {
        return "array";
    }
    match v.js_typeof().as_string().as_deref() {
        Some("undefined") => "undefined",
        Some("string") => "string",
        Some("number") => "number",
        Some("boolean") => "boolean",
        Some("bigint") => "bigint",
        Some("symbol") => "symbol",
        Some("function") => "function",
        _ => "object",
    }
}

fn is_object(v: &JsValue) -> bool {
    v.is_object() && !is_array(v).unwrap_or(true)
}

/// `obj[key]`, or `None` when reading it threw (a getter, a Proxy trap).
fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(key)).ok()
}

/// A value read as `T` with `read` (`None` when it is of the wrong type).
fn input<T>(value: Option<JsValue>, read: impl FnOnce(&JsValue) -> Option<T>) -> Input<T> {
    match value {
        None => Input::Wrong("unreadable"),
        Some(v) if v.is_undefined() || v.is_null() => Input::Absent,
        Some(v) => read(&v).map_or_else(|| Input::Wrong(type_name(&v)), Input::Given),
    }
}

fn text_of(v: Option<JsValue>) -> Text {
    input(v, JsValue::as_string)
}

/// A string argument: anything else, `null` included, is of the wrong type.
pub fn text_arg(v: &JsValue) -> Text {
    v.as_string()
        .map_or_else(|| Input::Wrong(type_name(v)), Input::Given)
}

fn text(obj: &JsValue, key: &str) -> Text {
    text_of(get(obj, key))
}

fn number(obj: &JsValue, key: &str) -> Number {
    input(get(obj, key), JsValue::as_f64)
}

/// An object-valued property, read with `read`.
fn object<T>(obj: &JsValue, key: &str, read: impl FnOnce(&JsValue) -> T) -> Input<T> {
    input(get(obj, key), |v| is_object(v).then(|| read(v)))
}

/// `v` as a real Blob whose size can be read (a look-alike throws on `size`).
fn as_blob(v: &JsValue) -> Option<(Blob, f64)> {
    let blob = v.dyn_ref::<Blob>()?;
    let size = get(v, "size").and_then(|s| s.as_f64())?;
    Some((blob.clone(), size))
}

/// A File/Blob attachment: the caller's `fileName`/`mimeType` (from `names`, `None` when
/// not given), else the File's own. The blob joins `blobs`.
fn blob_entry(
    blob: Blob,
    size: f64,
    names: Option<(Text, Text)>,
    blobs: &mut Vec<Blob>,
) -> AttachmentInput {
    let (given_name, given_type) = names.unwrap_or((Input::Absent, Input::Absent));
    let (file_name, name_from_file) = match given_name {
        Input::Absent if blob.dyn_ref::<File>().is_some() => (text(&blob, "name"), true),
        other => (other, false),
    };
    let mime_type = match given_type {
        Input::Absent => text(&blob, "type"),
        other => other,
    };
    blobs.push(blob);
    AttachmentInput::Blob {
        blob: blobs.len() - 1,
        size,
        file_name,
        name_from_file,
        mime_type,
    }
}

fn attachment(v: &JsValue, blobs: &mut Vec<Blob>) -> Input<AttachmentInput> {
    if v.dyn_ref::<Blob>().is_some() {
        return match as_blob(v) {
            Some((blob, size)) => Input::Given(blob_entry(blob, size, None, blobs)),
            None => Input::Wrong("unreadable"),
        };
    }
    if !is_object(v) {
        return Input::Wrong(type_name(v));
    }
    let content = get(v, "content");
    if let Some(c) = content.as_ref().filter(|c| c.dyn_ref::<Blob>().is_some()) {
        return match as_blob(c) {
            Some((blob, size)) => {
                let names = (text(v, "fileName"), text(v, "mimeType"));
                Input::Given(blob_entry(blob, size, Some(names), blobs))
            }
            None => Input::Wrong("unreadable"),
        };
    }
    Input::Given(AttachmentInput::Encoded {
        content: text_of(content),
        mime_type: text(v, "mimeType"),
        file_name: text(v, "fileName"),
    })
}

fn list_len(v: &JsValue) -> u32 {
    get(v, "length")
        .and_then(|l| l.as_f64())
        .filter(|l| l.is_finite() && *l >= 0.0)
        .map_or(0, |l| l.min(f64::from(u32::MAX)) as u32)
}

fn attachments(obj: &JsValue, blobs: &mut Vec<Blob>) -> Input<Vec<Input<AttachmentInput>>> {
    input(get(obj, "attachments"), |v| {
        is_array(v).unwrap_or(false).then(|| {
            (0..list_len(v).min(MAX_LIST))
                .map(|i| match Reflect::get_u32(v, i) {
                    Ok(item) => attachment(&item, blobs),
                    Err(_) => Input::Wrong("unreadable"),
                })
                .collect()
        })
    })
}

fn demographics(v: &JsValue) -> DemographicsInput {
    DemographicsInput {
        patient_id: text(v, "patientId"),
        first_name: text(v, "firstName"),
        middle_name: text(v, "middleName"),
        last_name: text(v, "lastName"),
        date_of_birth: text(v, "dateOfBirth"),
        gender: text(v, "gender"),
        email_address: text(v, "emailAddress"),
    }
}

/// Reads a message; its `File`/`Blob` attachments are returned alongside, by number.
pub fn message(v: &JsValue) -> (Input<MessageInput>, Vec<Blob>) {
    let mut blobs = Vec::new();
    let m = input(Some(v.clone()), |v| {
        is_object(v).then(|| MessageInput {
            to: text(v, "to"),
            subject: text(v, "subject"),
            text_message: text(v, "textMessage"),
            from: text(v, "from"),
            demographics: object(v, "patientDemographics", demographics),
            attachments: attachments(v, &mut blobs),
        })
    });
    (m, blobs)
}

/// Reads `encodeAttachment`'s arguments: one File/Blob, named by `options` if given. An
/// options value that is not an object, or a name that cannot be read, counts as absent.
pub fn file(v: &JsValue, options: &JsValue) -> (Input<AttachmentInput>, Option<Blob>) {
    let Some((blob, size)) = as_blob(v) else {
        return (Input::Absent, None);
    };
    let given = |key: &str| match text(options, key) {
        Input::Wrong("unreadable") => Input::Absent,
        other => other,
    };
    let names = is_object(options).then(|| (given("fileName"), given("mimeType")));
    let mut blobs = Vec::with_capacity(1);
    let entry = blob_entry(blob, size, names, &mut blobs);
    (Input::Given(entry), blobs.pop())
}

fn limits_of(v: &JsValue) -> LimitsInput {
    LimitsInput {
        max_subject_chars: number(v, "maxSubjectChars"),
        max_text_message_bytes: number(v, "maxTextMessageBytes"),
        max_attachments: number(v, "maxAttachments"),
        max_attachment_bytes: number(v, "maxAttachmentBytes"),
        max_total_attachment_bytes: number(v, "maxTotalAttachmentBytes"),
    }
}

pub fn limits(v: &JsValue) -> Input<LimitsInput> {
    input(Some(v.clone()), |v| is_object(v).then(|| limits_of(v)))
}

/// Extra headers, at most one more than allowed (so that too many is reported).
fn headers(v: &JsValue) -> Option<Vec<(String, Text)>> {
    let keys = object_keys(v).ok()?;
    Some(
        (0..keys.length().min(MAX_HEADERS as u32 + 1))
            .filter_map(|i| keys.get(i).as_string())
            .map(|k| {
                let value = text(v, &k);
                (k, value)
            })
            .collect(),
    )
}

fn auth(a: &JsValue) -> AuthInput {
    AuthInput {
        application_id: text(a, "applicationId"),
        application_password: text(a, "applicationPassword"),
        account_id: text(a, "accountId"),
        user_id: text(a, "userId"),
    }
}

fn is_true(obj: &JsValue, key: &str) -> bool {
    get(obj, key).and_then(|v| v.as_bool()) == Some(true)
}

/// The send options; the signal and the progress callback are kept as they are.
pub fn options(v: &JsValue) -> Input<OptionsInput<AbortSignal, Function>> {
    input(Some(v.clone()), |o| {
        is_object(o).then(|| OptionsInput {
            proxy_url: text(o, "proxyUrl"),
            timeout_ms: number(o, "timeoutMs"),
            credentials: text(o, "credentials"),
            headers: input(get(o, "headers"), |h| {
                is_object(h).then(|| headers(h)).flatten()
            }),
            limits: get(o, "limits").map_or(Input::Wrong("unreadable"), |l| limits(&l)),
            auth: object(o, "auth", auth),
            allow_browser_credentials: is_true(o, "allowBrowserCredentials"),
            allow_insecure_proxy_url: is_true(o, "allowInsecureProxyUrl"),
            signal: input(get(o, "signal"), |s| s.clone().dyn_into().ok()),
            on_progress: input(get(o, "onProgress"), |f| f.clone().dyn_into().ok()),
        })
    })
}
