//! Reads what the JavaScript side passes in: flat lists of plain values that js/read.js made
//! from the caller's (possibly hostile) objects. Every slot holds a string or number (given),
//! `undefined` (absent) or `false` (of the wrong type or unreadable), so reading here cannot
//! fail; a list that is too short reads as absent.

use crate::check::options::ResolvedUrl;
use crate::check::Request;
use crate::input::{
    AttachmentInput, AuthInput, DemographicsInput, Input, LimitsInput, MessageInput, Number,
    OptionsInput, Text,
};

/// What `corePrepare` is asked: a message (its slots), or "lookup" and an address.
pub fn request(values: &[JsValue]) -> Request {
    match values {
        [kind, rest @ ..] if kind.as_string().as_deref() == Some("lookup") => {
            Request::Lookup(Slots::new(rest).text())
        }
        _ => Request::Send(message(values)),
    }
}
use wasm_bindgen::JsValue;

/// A cursor over one list.
pub struct Slots<'a> {
    values: &'a [JsValue],
    next: usize,
}

impl<'a> Slots<'a> {
    pub fn new(values: &'a [JsValue]) -> Self {
        Slots { values, next: 0 }
    }

    fn take(&mut self) -> Option<&'a JsValue> {
        let v = self.values.get(self.next);
        self.next += 1;
        v.filter(|v| !v.is_undefined())
    }

    /// A slot as `read` sees it; `None` from `read` means of the wrong type.
    fn input<T>(&mut self, read: impl FnOnce(&JsValue) -> Option<T>) -> Input<T> {
        match self.take() {
            None => Input::Absent,
            Some(v) => read(v).map_or(Input::Wrong("?"), Input::Given),
        }
    }

    pub fn text(&mut self) -> Text {
        self.input(JsValue::as_string)
    }

    pub fn number(&mut self) -> Number {
        self.input(JsValue::as_f64)
    }

    /// `true` only when the slot is `true`.
    pub fn flag(&mut self) -> bool {
        self.take().and_then(JsValue::as_bool) == Some(true)
    }

    /// A group's state: `true` (given, its fields follow), absent, or of the wrong type.
    fn group<T>(&mut self, read: impl FnOnce(&mut Self) -> T) -> Input<T> {
        match self.take().and_then(JsValue::as_bool) {
            Some(true) => Input::Given(read(self)),
            Some(false) => Input::Wrong("?"),
            None => Input::Absent,
        }
    }

    /// A list's length (given), absent, or of the wrong type.
    fn count(&mut self) -> Input<usize> {
        self.input(|v| v.as_f64().map(|n| n as usize))
    }
}

fn demographics(s: &mut Slots) -> DemographicsInput {
    DemographicsInput {
        patient_id: s.text(),
        first_name: s.text(),
        middle_name: s.text(),
        last_name: s.text(),
        date_of_birth: s.text(),
        gender: s.text(),
        email_address: s.text(),
    }
}

/// One attachment, the `part`-th: its kind ("e" pre-encoded, "b" a File/Blob, else of the
/// wrong type), then its content's size (for pre-encoded content: the decoded size, or -1
/// when it is not base64), file name, MIME type, and whether the name is the File's own.
pub fn attachment(s: &mut Slots, part: usize) -> Input<AttachmentInput> {
    let kind = s.text();
    let (content, file_name, mime_type, name_from_file) =
        (s.number(), s.text(), s.text(), s.flag());
    match kind {
        Input::Given(k) if k == "e" => Input::Given(AttachmentInput::Encoded {
            part,
            content: match content {
                // A decoded size is at most the length of a JavaScript string.
                Input::Given(n) => Input::Given((n >= 0.0).then_some(n as u64)),
                Input::Absent => Input::Absent,
                Input::Wrong(t) => Input::Wrong(t),
            },
            mime_type,
            file_name,
        }),
        Input::Given(k) if k == "b" => Input::Given(AttachmentInput::Blob {
            part,
            size: content.given().unwrap_or(f64::NAN),
            file_name,
            name_from_file,
            mime_type,
        }),
        _ => Input::Wrong("?"),
    }
}

/// The File/Blob given to `encodeAttachment`: whether there is one, then its slots as an
/// attachment's, then `timeoutMs`.
pub fn file(values: &[JsValue]) -> (Input<AttachmentInput>, Number) {
    let mut s = Slots::new(values);
    let file = match s.flag() {
        true => attachment(&mut s, 0),
        false => Input::Absent,
    };
    (file, s.number())
}

/// A message: its state, to, subject, textMessage, from, the demographics group, then the
/// number of attachments read, how many more the list had (past the reader's cap), and
/// each attachment read.
pub fn message(values: &[JsValue]) -> Input<MessageInput> {
    let mut s = Slots::new(values);
    s.group(|s| {
        let (to, subject, text_message, from) = (s.text(), s.text(), s.text(), s.text());
        let demographics = s.group(demographics);
        let (attachments, attachments_unread) = match s.count() {
            Input::Given(n) => {
                // The saturating cast takes care of NaN and of anything huge.
                let unread = s.number().given().unwrap_or(0.0) as u64;
                (
                    Input::Given((0..n).map(|i| attachment(s, i)).collect()),
                    unread,
                )
            }
            Input::Absent => (Input::Absent, 0),
            Input::Wrong(t) => (Input::Wrong(t), 0),
        };
        MessageInput {
            to,
            subject,
            text_message,
            from,
            demographics,
            attachments,
            attachments_unread,
        }
    })
}

/// The limits group: its state, then the five numbers.
pub fn limits(s: &mut Slots) -> Input<LimitsInput> {
    s.group(|s| LimitsInput {
        max_subject_chars: s.number(),
        max_text_message_bytes: s.number(),
        max_attachments: s.number(),
        max_attachment_bytes: s.number(),
        max_total_attachment_bytes: s.number(),
    })
}

/// The send options: their state, proxyUrl, timeoutMs, credentials, the limits group, the
/// auth group, the two allow flags, the signal's and onProgress's states, idempotencyKey,
/// then the headers' count and their names and values. The signal and callback stay on the
/// JavaScript side.
pub fn options(values: &[JsValue]) -> Input<OptionsInput<(), ()>> {
    let mut s = Slots::new(values);
    s.group(|s| {
        let (proxy_url, timeout_ms, credentials) = (s.text(), s.number(), s.text());
        let limits = limits(s);
        let auth = s.group(|s| AuthInput {
            application_id: s.text(),
            application_password: s.text(),
            account_id: s.text(),
            user_id: s.text(),
        });
        let (allow_browser_credentials, allow_insecure_proxy_url) = (s.flag(), s.flag());
        let (signal, on_progress) = (s.group(|_| ()), s.group(|_| ()));
        let idempotency_key = s.text();
        let headers = match s.count() {
            Input::Given(n) => Input::Given(
                (0..n)
                    .map(|_| (s.text().given().unwrap_or_default(), s.text()))
                    .collect(),
            ),
            Input::Absent => Input::Absent,
            Input::Wrong(t) => Input::Wrong(t),
        };
        OptionsInput {
            proxy_url,
            timeout_ms,
            credentials,
            headers,
            limits,
            auth,
            allow_browser_credentials,
            allow_insecure_proxy_url,
            signal,
            on_progress,
            idempotency_key,
        }
    })
}

/// Where the proxy URL resolved: href, scheme, host and whether it is the page's origin;
/// empty (or anything else) when it did not resolve.
pub fn resolved_url(values: &[JsValue]) -> Option<ResolvedUrl> {
    let mut u = Slots::new(values);
    match (u.text(), u.text(), u.text(), u.flag()) {
        (Input::Given(href), Input::Given(scheme), Input::Given(host), same_origin) => {
            Some(ResolvedUrl {
                href,
                scheme,
                host,
                same_origin,
            })
        }
        _ => None,
    }
}
