//! Reads caller-supplied JavaScript values into the plain input model, defensively: only
//! operations that catch JavaScript exceptions are used, so getters that throw, Proxy
//! objects and look-alike objects become issues, never an exception through wasm.

use crate::input::{
    AttachmentInput, DemographicsInput, Field, Group, LimitsInput, MessageInput, Number,
};
use crate::options::AuthInput;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Blob, File};

/// Entries of a list read at most: a hostile sparse array may claim 2^32 − 1.
const MAX_LIST: u32 = 1000;
/// Extra headers read at most (one more than allowed, so that too many is reported).
const MAX_HEADERS: u32 = crate::options::MAX_HEADERS as u32 + 1;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array(v: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
    fn object_keys(v: &JsValue) -> Result<js_sys::Array, JsValue>;
}

/// A JavaScript type name for messages and `Field::Wrong`.
pub fn type_name(v: &JsValue) -> &'static str {
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
pub fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(obj, &JsValue::from_str(key)).ok()
}

pub fn field_of(v: Option<JsValue>) -> Field {
    match v {
        None => Field::Wrong("unreadable"),
        Some(v) if v.is_undefined() || v.is_null() => Field::Absent,
        Some(v) => match v.as_string() {
            Some(s) => Field::Text(s),
            None => Field::Wrong(type_name(&v)),
        },
    }
}

pub fn field(obj: &JsValue, key: &str) -> Field {
    field_of(get(obj, key))
}

fn number(obj: &JsValue, key: &str) -> Number {
    match get(obj, key) {
        None => Number::Wrong("unreadable"),
        Some(v) if v.is_undefined() || v.is_null() => Number::Absent,
        Some(v) => match v.as_f64() {
            Some(n) => Number::Value(n),
            None => Number::Wrong(type_name(&v)),
        },
    }
}

/// Reads an object-valued property with `read`.
fn group<T>(obj: &JsValue, key: &str, read: impl FnOnce(&JsValue) -> T) -> Group<T> {
    match get(obj, key) {
        None => Group::Wrong("unreadable"),
        Some(v) if v.is_undefined() || v.is_null() => Group::Absent,
        Some(v) if is_object(&v) => Group::Present(read(&v)),
        Some(v) => Group::Wrong(type_name(&v)),
    }
}

/// `v` as a real Blob whose size can be read (a look-alike throws on `size`).
fn as_blob(v: &JsValue) -> Option<(Blob, f64)> {
    let blob = v.dyn_ref::<Blob>()?;
    let size = get(v, "size").and_then(|s| s.as_f64())?;
    Some((blob.clone(), size))
}

fn attachment(v: &JsValue, blobs: &mut Vec<Blob>) -> AttachmentInput {
    let blob_entry = |blob: Blob, size: f64, holder: &JsValue, blobs: &mut Vec<Blob>| {
        // The caller's fileName wins; else a File's own name.
        let given = if holder.dyn_ref::<Blob>().is_some() {
            Field::Absent
        } else {
            field(holder, "fileName")
        };
        let (file_name, name_from_file) = match given {
            Field::Absent if blob.dyn_ref::<File>().is_some() => (field(&blob, "name"), true),
            other => (other, false),
        };
        let mime_type = match if holder.dyn_ref::<Blob>().is_some() {
            Field::Absent
        } else {
            field(holder, "mimeType")
        } {
            Field::Absent => field(&blob, "type"),
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
    };
    if v.dyn_ref::<Blob>().is_some() {
        return match as_blob(v) {
            Some((blob, size)) => blob_entry(blob, size, v, blobs),
            None => AttachmentInput::Wrong("unreadable"),
        };
    }
    if !is_object(v) {
        return AttachmentInput::Wrong(type_name(v));
    }
    let content = get(v, "content");
    if let Some(c) = content.as_ref().filter(|c| c.dyn_ref::<Blob>().is_some()) {
        return match as_blob(c) {
            Some((blob, size)) => blob_entry(blob, size, v, blobs),
            None => AttachmentInput::Wrong("unreadable"),
        };
    }
    AttachmentInput::Encoded {
        content: field_of(content),
        mime_type: field(v, "mimeType"),
        file_name: field(v, "fileName"),
    }
}

fn list_len(v: &JsValue) -> u32 {
    get(v, "length")
        .and_then(|l| l.as_f64())
        .filter(|l| l.is_finite() && *l >= 0.0)
        .map_or(0, |l| l.min(f64::from(u32::MAX)) as u32)
}

fn attachments(obj: &JsValue, blobs: &mut Vec<Blob>) -> Group<Vec<AttachmentInput>> {
    match get(obj, "attachments") {
        None => Group::Wrong("unreadable"),
        Some(v) if v.is_undefined() || v.is_null() => Group::Absent,
        Some(v) if is_array(&v).unwrap_or(false) => {
            let n = list_len(&v);
            let entries = (0..n.min(MAX_LIST))
                .map(|i| match Reflect::get_u32(&v, i) {
                    Ok(item) => attachment(&item, blobs),
                    Err(_) => AttachmentInput::Wrong("unreadable"),
                })
                .collect();
            Group::Present(entries)
        }
        Some(v) => Group::Wrong(type_name(&v)),
    }
}

fn demographics(v: &JsValue) -> DemographicsInput {
    DemographicsInput {
        patient_id: field(v, "patientId"),
        first_name: field(v, "firstName"),
        middle_name: field(v, "middleName"),
        last_name: field(v, "lastName"),
        date_of_birth: field(v, "dateOfBirth"),
        gender: field(v, "gender"),
        email_address: field(v, "emailAddress"),
    }
}

/// Reads a message; the `File`/`Blob` attachments are returned alongside, by number.
pub fn message(v: &JsValue) -> (MessageInput, Vec<Blob>) {
    let mut blobs = Vec::new();
    if !is_object(v) {
        return (MessageInput::not_an_object(type_name(v)), blobs);
    }
    let m = MessageInput {
        not_an_object: None,
        to: field(v, "to"),
        subject: field(v, "subject"),
        text_message: field(v, "textMessage"),
        from: field(v, "from"),
        demographics: group(v, "patientDemographics", demographics),
        attachments: attachments(v, &mut blobs),
    };
    (m, blobs)
}

pub fn limits(v: &JsValue) -> Group<LimitsInput> {
    if v.is_undefined() || v.is_null() {
        return Group::Absent;
    }
    if !is_object(v) {
        return Group::Wrong(type_name(v));
    }
    Group::Present(LimitsInput {
        max_subject_chars: number(v, "maxSubjectChars"),
        max_text_message_bytes: number(v, "maxTextMessageBytes"),
        max_attachments: number(v, "maxAttachments"),
        max_attachment_bytes: number(v, "maxAttachmentBytes"),
        max_total_attachment_bytes: number(v, "maxTotalAttachmentBytes"),
    })
}

/// The send options as read; browser objects are kept as they are.
pub struct OptionsInput {
    pub not_an_object: Option<&'static str>,
    pub proxy_url: Field,
    pub timeout_ms: Number,
    pub credentials: Field,
    pub headers: Group<Vec<(String, Field)>>,
    pub limits: Group<LimitsInput>,
    pub auth: Group<AuthInput>,
    pub allow_browser_credentials: bool,
    pub allow_insecure_proxy_url: bool,
    /// `Err(())` when `signal` is given but is not an AbortSignal.
    pub signal: Result<Option<AbortSignal>, ()>,
    /// `Err(())` when `onProgress` is given but is not a function.
    pub on_progress: Result<Option<Function>, ()>,
}

fn headers(v: &JsValue) -> Vec<(String, Field)> {
    let Ok(keys) = object_keys(v) else {
        return vec![(String::new(), Field::Wrong("unreadable"))];
    };
    (0..keys.length().min(MAX_HEADERS))
        .filter_map(|i| keys.get(i).as_string())
        .map(|k| {
            let value = field(v, &k);
            (k, value)
        })
        .collect()
}

fn is_true(obj: &JsValue, key: &str) -> bool {
    get(obj, key).and_then(|v| v.as_bool()) == Some(true)
}

pub fn options(v: &JsValue) -> OptionsInput {
    let object = is_object(v);
    let empty: JsValue = js_sys::Object::new().into();
    let o = if object { v } else { &empty };
    let signal = match get(o, "signal") {
        Some(s) if s.is_undefined() || s.is_null() => Ok(None),
        Some(s) => s.dyn_into::<AbortSignal>().map(Some).map_err(|_| ()),
        None => Err(()),
    };
    let on_progress = match get(o, "onProgress") {
        Some(f) if f.is_undefined() || f.is_null() => Ok(None),
        Some(f) => f.dyn_into::<Function>().map(Some).map_err(|_| ()),
        None => Err(()),
    };
    OptionsInput {
        not_an_object: (!object).then(|| type_name(v)),
        proxy_url: field(o, "proxyUrl"),
        timeout_ms: number(o, "timeoutMs"),
        credentials: field(o, "credentials"),
        headers: group(o, "headers", headers),
        limits: get(o, "limits").map_or(Group::Wrong("unreadable"), |l| limits(&l)),
        auth: group(o, "auth", |a| AuthInput {
            application_id: field(a, "applicationId"),
            application_password: field(a, "applicationPassword"),
            account_id: field(a, "accountId"),
            user_id: field(a, "userId"),
        }),
        allow_browser_credentials: is_true(o, "allowBrowserCredentials"),
        allow_insecure_proxy_url: is_true(o, "allowInsecureProxyUrl"),
        signal,
        on_progress,
    }
}
