//! Reads the caller's values by name into the checks' inputs (`crate::input`).
//!
//! A caller's object may be hostile: getters that throw, Proxy objects, cycles, sparse
//! arrays claiming 2^32 − 1 entries. So each value is first copied into plain data: the
//! names the module reads, each read with a catching `Reflect.get`, nested objects copied the
//! same way by their own names, and anything unreadable or not a plain value where one is
//! expected replaced by `false` (of the wrong type). Only that copy is deserialised with
//! serde (serde-wasm-bindgen, which reads without catching); `Input<T>` keeps, per field,
//! whether it was absent, given or of the wrong type, so one wrong field is one issue.
//! Files, Blobs, the signal and the callback are kept as the caller's objects.

use super::js::{as_instance, get, instance_of, is_array, is_object};
use crate::encode::{decoded_size, is_space};
use crate::input::{
    AttachmentInput, AuthInput, DemographicsInput, Input, LimitsInput, MessageInput, Number,
    OptionsInput, Text,
};
use core::cell::RefCell;
use core::fmt;
use core::marker::PhantomData;
use js_sys::{Function, Object, Reflect};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, Visitor};
use serde::Deserialize as DeriveDeserialize;
use wasm_bindgen::JsValue;
use web_sys::{AbortSignal, Blob};

/// Entries of a list read at most: a hostile sparse array may claim 2^32 − 1.
const MAX_LIST: usize = 1000;
/// Extra headers read at most: one more than allowed, so that too many is reported.
const MAX_HEADERS: usize = 51;

/// A value absent (`undefined`/`null`), given as a `T`, or of another type.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Input<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(InputVisitor(PhantomData))
    }
}

struct InputVisitor<T>(PhantomData<T>);

/// `Given` when `T` reads the value, else of the wrong type.
fn given<'de, T: Deserialize<'de>, D: Deserializer<'de, Error = de::value::Error>>(
    d: D,
) -> Input<T> {
    T::deserialize(d).map_or(Input::Wrong("?"), Input::Given)
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for InputVisitor<T> {
    type Value = Input<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Input::Absent)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Input::Absent)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(given(v.into_deserializer()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(given((v as f64).into_deserializer()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(given((v as f64).into_deserializer()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(given(v.into_deserializer()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(given(v.into_deserializer()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(given(v.into_deserializer()))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(T::deserialize(MapAccessDeserializer::new(map)).map_or(Input::Wrong("?"), Input::Given))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(T::deserialize(SeqAccessDeserializer::new(seq)).map_or(Input::Wrong("?"), Input::Given))
    }
}

/// What a copied field holds: a plain value, the caller's own object (a Blob, the signal,
/// the callback), or an object copied by its names.
enum Shape {
    Plain,
    /// A plain value; one that cannot be read counts as absent.
    Lenient,
    Own,
    Object(&'static [(&'static str, Shape)]),
}

const DEMOGRAPHICS: Shape = Shape::Object(&[
    ("patientId", Shape::Plain),
    ("firstName", Shape::Plain),
    ("middleName", Shape::Plain),
    ("lastName", Shape::Plain),
    ("dateOfBirth", Shape::Plain),
    ("gender", Shape::Plain),
    ("emailAddress", Shape::Plain),
]);
const MESSAGE: Shape = Shape::Object(&[
    ("to", Shape::Plain),
    ("subject", Shape::Plain),
    ("textMessage", Shape::Plain),
    ("from", Shape::Plain),
    ("patientDemographics", DEMOGRAPHICS),
]);
const LIMITS: Shape = Shape::Object(&[
    ("maxSubjectChars", Shape::Plain),
    ("maxTextMessageBytes", Shape::Plain),
    ("maxAttachments", Shape::Plain),
    ("maxAttachmentBytes", Shape::Plain),
    ("maxTotalAttachmentBytes", Shape::Plain),
]);
const AUTH: Shape = Shape::Object(&[
    ("applicationId", Shape::Plain),
    ("applicationPassword", Shape::Plain),
    ("accountId", Shape::Plain),
    ("userId", Shape::Plain),
]);
const OPTIONS: Shape = Shape::Object(&[
    ("proxyUrl", Shape::Plain),
    ("timeoutMs", Shape::Plain),
    ("credentials", Shape::Plain),
    ("limits", LIMITS),
    ("auth", AUTH),
    ("allowBrowserCredentials", Shape::Plain),
    ("allowInsecureProxyUrl", Shape::Plain),
    ("keepPhotoMetadata", Shape::Plain),
    ("signal", Shape::Own),
    ("onProgress", Shape::Own),
    ("idempotencyKey", Shape::Plain),
]);
const FILE_OPTIONS: Shape = Shape::Object(&[
    ("fileName", Shape::Lenient),
    ("mimeType", Shape::Lenient),
    ("timeoutMs", Shape::Lenient),
    ("keepPhotoMetadata", Shape::Lenient),
]);

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// A string, number, boolean or absent value as it is; anything else `false`.
fn plain(v: JsValue) -> JsValue {
    if absent(&v) || v.is_string() || v.as_f64().is_some() || v.as_bool().is_some() {
        v
    } else {
        JsValue::FALSE
    }
}

/// `v` copied as `shape` says (see the module's comment).
fn copy(v: JsValue, shape: &Shape) -> JsValue {
    match shape {
        Shape::Plain | Shape::Lenient => plain(v),
        Shape::Own => v,
        Shape::Object(_) if absent(&v) => v,
        Shape::Object(fields) if is_object(&v) => {
            let out = Object::new();
            for (name, field) in fields.iter() {
                let unreadable = match field {
                    Shape::Lenient => JsValue::UNDEFINED,
                    _ => JsValue::FALSE,
                };
                let value = get(&v, name).map_or(unreadable, |x| copy(x, field));
                // Setting a property of a fresh plain object cannot fail.
                let _ = Reflect::set(&out, &JsValue::from_str(name), &value);
            }
            out.into()
        }
        Shape::Object(_) => JsValue::FALSE,
    }
}

/// Deserialises a copy; a copy is plain data, so this fails only on a wrong shape, which
/// is the wrong type.
fn from_copy<T: for<'de> Deserialize<'de>>(copy: JsValue) -> Input<T> {
    serde_wasm_bindgen::from_value::<Input<T>>(copy).unwrap_or(Input::Wrong("?"))
}

#[derive(DeriveDeserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
struct MessageFields {
    to: Text,
    subject: Text,
    text_message: Text,
    from: Text,
    patient_demographics: Input<DemographicsFields>,
}

#[derive(DeriveDeserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DemographicsFields {
    patient_id: Text,
    first_name: Text,
    middle_name: Text,
    last_name: Text,
    date_of_birth: Text,
    gender: Text,
    email_address: Text,
}

#[derive(DeriveDeserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct LimitsFields {
    max_subject_chars: Number,
    max_text_message_bytes: Number,
    max_attachments: Number,
    max_attachment_bytes: Number,
    max_total_attachment_bytes: Number,
}

#[derive(DeriveDeserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AuthFields {
    application_id: Text,
    application_password: Text,
    account_id: Text,
    user_id: Text,
}

#[derive(DeriveDeserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct OptionsFields {
    proxy_url: Text,
    timeout_ms: Number,
    credentials: Text,
    limits: Input<LimitsFields>,
    auth: Input<AuthFields>,
    allow_browser_credentials: Input<bool>,
    allow_insecure_proxy_url: Input<bool>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    signal: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    on_progress: JsValue,
    idempotency_key: Text,
    keep_photo_metadata: Input<bool>,
}

#[derive(DeriveDeserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct NameFields {
    file_name: Text,
    mime_type: Text,
    timeout_ms: Number,
    keep_photo_metadata: Input<bool>,
}

fn map<A, B>(i: Input<A>, f: impl FnOnce(A) -> B) -> Input<B> {
    match i {
        Input::Absent => Input::Absent,
        Input::Given(v) => Input::Given(f(v)),
        Input::Wrong(t) => Input::Wrong(t),
    }
}

fn limits(l: LimitsFields) -> LimitsInput {
    LimitsInput {
        max_subject_chars: l.max_subject_chars,
        max_text_message_bytes: l.max_text_message_bytes,
        max_attachments: l.max_attachments,
        max_attachment_bytes: l.max_attachment_bytes,
        max_total_attachment_bytes: l.max_total_attachment_bytes,
    }
}

/// The limits given to `validatePatientDirectMessage`.
pub fn read_limits(v: JsValue) -> Input<LimitsInput> {
    map(from_copy::<LimitsFields>(copy(v, &LIMITS)), limits)
}

/// An attachment's content, as the module holds it until the body is built.
#[derive(Clone)]
pub enum Content {
    /// A File/Blob to encode.
    Blob(Blob),
    /// The caller's base64, without whitespace.
    Encoded(JsValue),
}

/// The message read: its input for the checks, each attachment's content by place, and
/// the places of the File/Blobs of size 0 (a deleted file reports 0 in Chromium).
pub struct Message {
    pub input: Input<MessageInput>,
    pub contents: Vec<Option<Content>>,
    pub empty: Vec<usize>,
}

/// Pre-encoded contents checked: the text as given, its decoded size (`None`: not base64)
/// and the text without whitespace.
type Checked = (JsValue, Option<u64>, JsValue);

thread_local! {
    /// The last message's pre-encoded contents as checked. A form validating on every
    /// keystroke passes the same strings each time; `Object.is` finds the same string by
    /// identity at once in every engine, where checking 27 MB of base64 again would take
    /// tens of milliseconds. Only the last message's are kept, so nothing else stays alive.
    static SEEN: RefCell<Vec<Checked>> = const { RefCell::new(Vec::new()) };
}

/// Checks pre-encoded `content` (a string), reusing an earlier check of the same string.
fn check_encoded(content: &JsValue, now: &mut Vec<Checked>) -> (Option<u64>, JsValue) {
    let same = |c: &&Checked| Object::is(&c.0, content);
    if let Some(c) = now.iter().find(same) {
        return (c.1, c.2.clone());
    }
    let found = SEEN.with(|seen| seen.borrow().iter().find(same).cloned());
    let checked = found.unwrap_or_else(|| {
        let text = content.as_string().unwrap_or_default();
        let size = decoded_size(text.as_bytes());
        let clean = if size.is_some() && text.bytes().any(is_space) {
            let stripped: String = text
                .chars()
                .filter(|c| !c.is_ascii() || !is_space(*c as u8))
                .collect();
            JsValue::from_str(&stripped)
        } else {
            content.clone()
        };
        (content.clone(), size, clean)
    });
    let out = (checked.1, checked.2.clone());
    now.push(checked);
    out
}

/// A File/Blob's size, when it is a number.
fn blob_size(blob: &Blob) -> Option<f64> {
    get(blob, "size").and_then(|s| s.as_f64())
}

/// A File/Blob attachment: the caller's names when given (`names`), else the File's own.
fn blob_input(blob: &Blob, size: f64, part: usize, names: Option<(Text, Text)>) -> AttachmentInput {
    let (mut file_name, mut mime_type) = names.unwrap_or((Input::Absent, Input::Absent));
    let text = |v: Option<JsValue>| match v {
        Some(v) if absent(&v) => Input::Absent,
        Some(v) => v.as_string().map_or(Input::Wrong("?"), Input::Given),
        None => Input::Wrong("?"),
    };
    let mut name_from_file = false;
    if file_name == Input::Absent && instance_of(blob, "File") {
        file_name = text(get(blob, "name"));
        name_from_file = true;
    }
    if mime_type == Input::Absent {
        mime_type = text(get(blob, "type"));
    }
    AttachmentInput::Blob {
        part,
        size,
        file_name,
        name_from_file,
        mime_type,
    }
}

#[derive(DeriveDeserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AttachmentFields {
    file_name: Text,
    mime_type: Text,
}

/// One attachment entry, the `part`-th.
fn attachment(
    item: Option<JsValue>,
    part: usize,
    now: &mut Vec<Checked>,
    out: &mut Message,
) -> Input<AttachmentInput> {
    let Some(item) = item else {
        return Input::Wrong("?");
    };
    if let Some(blob) = as_instance::<Blob>(&item, "Blob") {
        let Some(size) = blob_size(&blob) else {
            return Input::Wrong("?");
        };
        let found = blob_input(&blob, size, part, None);
        out.push(part, Content::Blob(blob), size);
        return Input::Given(found);
    }
    if !is_object(&item) {
        return Input::Wrong("?");
    }
    let names = from_copy::<AttachmentFields>(copy(
        item.clone(),
        &Shape::Object(&[("fileName", Shape::Plain), ("mimeType", Shape::Plain)]),
    ))
    .given()
    .unwrap_or_default();
    let content = get(&item, "content");
    if let Some(blob) = content
        .as_ref()
        .and_then(|c| as_instance::<Blob>(c, "Blob"))
    {
        let Some(size) = blob_size(&blob) else {
            return Input::Wrong("?");
        };
        let found = blob_input(&blob, size, part, Some((names.file_name, names.mime_type)));
        out.push(part, Content::Blob(blob), size);
        return Input::Given(found);
    }
    let content = match content {
        Some(c) if absent(&c) => Input::Absent,
        Some(c) if c.is_string() => {
            let (size, clean) = check_encoded(&c, now);
            out.set(part, Content::Encoded(clean));
            Input::Given(size)
        }
        _ => Input::Wrong("?"),
    };
    Input::Given(AttachmentInput::Encoded {
        part,
        content,
        mime_type: names.mime_type,
        file_name: names.file_name,
    })
}

impl Message {
    fn set(&mut self, part: usize, content: Content) {
        if let Some(slot) = self.contents.get_mut(part) {
            *slot = Some(content);
        }
    }

    fn push(&mut self, part: usize, content: Content, size: f64) {
        if size == 0.0 {
            self.empty.push(part);
        }
        self.set(part, content);
    }
}

/// The caller's message, read.
pub fn read_message(v: &JsValue) -> Message {
    let mut out = Message {
        input: Input::Wrong("?"),
        contents: Vec::new(),
        empty: Vec::new(),
    };
    if !is_object(v) {
        return out;
    }
    let fields = from_copy::<MessageFields>(copy(v.clone(), &MESSAGE))
        .given()
        .unwrap_or_default();
    let mut now = Vec::new();
    let list = get(v, "attachments");
    let (attachments, attachments_unread) = match list {
        Some(l) if absent(&l) => (Input::Absent, 0),
        Some(l) if is_array(&l) == Some(true) => {
            let total = get(&l, "length").and_then(|n| n.as_f64()).unwrap_or(0.0);
            // The saturating cast takes care of NaN, negatives and anything huge.
            let total = if total.is_finite() && total > 0.0 {
                total as u64
            } else {
                0
            };
            let n = (total as usize).min(MAX_LIST);
            out.contents = vec![None; n];
            let list = (0..n)
                .map(|i| attachment(Reflect::get_u32(&l, i as u32).ok(), i, &mut now, &mut out))
                .collect();
            (Input::Given(list), total - n as u64)
        }
        _ => (Input::Wrong("?"), 0),
    };
    SEEN.with(|seen| *seen.borrow_mut() = now);
    out.input = Input::Given(MessageInput {
        to: fields.to,
        subject: fields.subject,
        text_message: fields.text_message,
        from: fields.from,
        demographics: map(fields.patient_demographics, |d| DemographicsInput {
            patient_id: d.patient_id,
            first_name: d.first_name,
            middle_name: d.middle_name,
            last_name: d.last_name,
            date_of_birth: d.date_of_birth,
            gender: d.gender,
            email_address: d.email_address,
        }),
        attachments,
        attachments_unread,
    });
    out
}

/// The headers given: own enumerable names in order, each with its value.
fn headers(h: &JsValue) -> Input<Vec<(String, Text)>> {
    if absent(h) {
        return Input::Absent;
    }
    if !is_object(h) {
        return Input::Wrong("?");
    }
    let Ok(keys) = Reflect::own_keys(h) else {
        return Input::Wrong("?");
    };
    let mut out = Vec::new();
    for key in keys.iter() {
        if out.len() >= MAX_HEADERS {
            break;
        }
        let Some(name) = key.as_string() else {
            continue;
        };
        let enumerable = Reflect::get_own_property_descriptor(h.unchecked_ref::<Object>(), &key)
            .ok()
            .and_then(|d| get(&d, "enumerable"))
            .and_then(|e| e.as_bool());
        if enumerable != Some(true) {
            continue;
        }
        let value = match get(h, &name) {
            Some(v) if absent(&v) => Input::Absent,
            Some(v) => v.as_string().map_or(Input::Wrong("?"), Input::Given),
            None => Input::Wrong("?"),
        };
        out.push((name, value));
    }
    Input::Given(out)
}

use wasm_bindgen::JsCast;

/// The send options (for a `lookup`, what only a send has is left out). The signal and the
/// callback are kept as given.
pub fn read_options(v: &JsValue, lookup: bool) -> Input<OptionsInput<AbortSignal, Function>> {
    if !is_object(v) {
        return Input::Wrong("?");
    }
    let o = from_copy::<OptionsFields>(copy(v.clone(), &OPTIONS))
        .given()
        .unwrap_or_default();
    let signal = if absent(&o.signal) {
        Input::Absent
    } else {
        as_instance::<AbortSignal>(&o.signal, "AbortSignal").map_or(Input::Wrong("?"), Input::Given)
    };
    let on_progress = if lookup || absent(&o.on_progress) {
        Input::Absent
    } else {
        o.on_progress
            .dyn_into::<Function>()
            .map_or(Input::Wrong("?"), Input::Given)
    };
    let header_value = get(v, "headers").unwrap_or(JsValue::FALSE);
    Input::Given(OptionsInput {
        proxy_url: o.proxy_url,
        timeout_ms: o.timeout_ms,
        credentials: o.credentials,
        headers: headers(&header_value),
        limits: if lookup {
            Input::Absent
        } else {
            map(o.limits, limits)
        },
        auth: if lookup {
            Input::Absent
        } else {
            map(o.auth, |a| AuthInput {
                application_id: a.application_id,
                application_password: a.application_password,
                account_id: a.account_id,
                user_id: a.user_id,
            })
        },
        allow_browser_credentials: o.allow_browser_credentials == Input::Given(true),
        allow_insecure_proxy_url: o.allow_insecure_proxy_url == Input::Given(true),
        signal,
        on_progress,
        idempotency_key: if lookup {
            Input::Absent
        } else {
            o.idempotency_key
        },
        keep_photo_metadata: if lookup {
            Input::Absent
        } else {
            o.keep_photo_metadata
        },
    })
}

/// `encodeAttachment`'s file and options.
pub struct FileRead {
    /// The file as an attachment (absent when it is no File/Blob with a size).
    pub input: Input<AttachmentInput>,
    pub blob: Option<Blob>,
    pub timeout_ms: Number,
    pub keep_photo_metadata: Input<bool>,
}

/// `encodeAttachment`'s file and options. An option that cannot be read counts as absent.
pub fn read_file(file: &JsValue, options: &JsValue) -> FileRead {
    let names = if is_object(options) {
        from_copy::<NameFields>(copy(options.clone(), &FILE_OPTIONS))
            .given()
            .unwrap_or_default()
    } else {
        NameFields::default()
    };
    let blob = as_instance::<Blob>(file, "Blob");
    let size = blob.as_ref().and_then(blob_size);
    let (input, blob) = match (blob, size) {
        (Some(b), Some(size)) => {
            let names = is_object(options).then_some((names.file_name, names.mime_type));
            (Input::Given(blob_input(&b, size, 0, names)), Some(b))
        }
        _ => (Input::Absent, None),
    };
    FileRead {
        input,
        blob,
        timeout_ms: names.timeout_ms,
        keep_photo_metadata: names.keep_photo_metadata,
    }
}
