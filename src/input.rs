//! The message, limits and options as read from JavaScript, before any check: every value
//! keeps whether it was absent, given, or of the wrong type, so that the checks can say
//! which field is wrong instead of failing on the first surprise. Nothing here needs a
//! browser: native tests build these values by hand.

use crate::prelude::*;
/// One value as found.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Input<T> {
    /// `undefined` or `null`.
    #[default]
    Absent,
    Given(T),
    /// A value of another JavaScript type than expected ("number", "array", …), or
    /// "unreadable" when reading it threw (a getter, a Proxy trap).
    Wrong(&'static str),
}

/// A field that should hold text.
pub type Text = Input<String>;
/// A field that should hold a number.
pub type Number = Input<f64>;

impl<T> Input<T> {
    pub fn as_ref(&self) -> Input<&T> {
        match self {
            Input::Absent => Input::Absent,
            Input::Given(v) => Input::Given(v),
            Input::Wrong(t) => Input::Wrong(t),
        }
    }

    /// The value, when one of the right type was given.
    pub fn given(self) -> Option<T> {
        match self {
            Input::Given(v) => Some(v),
            _ => None,
        }
    }
}

impl Text {
    /// The text, or "" when absent (`None` when of the wrong type).
    pub fn text_or_empty(&self) -> Option<&str> {
        match self {
            Input::Absent => Some(""),
            Input::Given(s) => Some(s),
            Input::Wrong(_) => None,
        }
    }
}

/// `v` as a whole number of at most `max` (itself at most 2^53, where doubles are exact),
/// or `None` for a fraction, a negative number, NaN or an infinity.
pub fn whole(v: f64, max: f64) -> Option<u64> {
    // The cast saturates (NaN gives 0), so comparing back catches every other case.
    let n = v as u64;
    (v >= 0.0 && v <= max && n as f64 == v).then_some(n)
}

/// The number of characters (Unicode scalar values) in `s`, counted from its UTF-8 bytes
/// (every byte but a continuation byte starts one).
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// The value of `s` when it is ASCII digits only (at least one), and fits.
pub fn digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d))
    })
}

/// `s` as a whole number with an optional sign (`+` or `-`), when it fits an `i64`.
pub fn signed_digits(s: &str) -> Option<i64> {
    match s.strip_prefix('-') {
        Some(rest) => 0i64.checked_sub_unsigned(digits(rest)?),
        None => i64::try_from(digits(s.strip_prefix('+').unwrap_or(s))?).ok(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemographicsInput {
    pub patient_id: Text,
    pub first_name: Text,
    pub middle_name: Text,
    pub last_name: Text,
    pub date_of_birth: Text,
    pub gender: Text,
    pub email_address: Text,
}

/// An attachment entry. Its content (a File/Blob, or the caller's base64) is held apart,
/// known by `part`: its place among the message's attachments.
#[derive(Debug, Clone, PartialEq)]
pub enum AttachmentInput {
    /// Updox's own shape, `content` already base64: what the reader found it to be (see
    /// `encode::decoded_size`, checked once per text): its decoded size, or `None` when it
    /// is not standard padded base64.
    Encoded {
        part: usize,
        content: Input<Option<u64>>,
        mime_type: Text,
        file_name: Text,
    },
    /// A `File`/`Blob` (directly, or as `content` of an object) that the module encodes.
    /// `file_name`/`mime_type` come from the caller if given, else from the File.
    Blob {
        part: usize,
        size: f64,
        file_name: Text,
        /// True when `file_name` is a `File`'s own name (directories are then stripped).
        name_from_file: bool,
        mime_type: Text,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageInput {
    pub to: Text,
    pub subject: Text,
    pub text_message: Text,
    pub from: Text,
    pub demographics: Input<DemographicsInput>,
    pub attachments: Input<Vec<Input<AttachmentInput>>>,
    /// Entries of the attachment list beyond those read (a list longer than the reader's
    /// cap): never dropped silently, they count towards the number of attachments.
    pub attachments_unread: u64,
}

impl Default for MessageInput {
    fn default() -> Self {
        MessageInput {
            to: Input::Absent,
            subject: Input::Absent,
            text_message: Input::Absent,
            from: Input::Absent,
            demographics: Input::Absent,
            attachments: Input::Absent,
            attachments_unread: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LimitsInput {
    pub max_subject_chars: Number,
    pub max_text_message_bytes: Number,
    pub max_attachments: Number,
    pub max_attachment_bytes: Number,
    pub max_total_attachment_bytes: Number,
}

/// The Updox auth block as given by a caller.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthInput {
    pub application_id: Text,
    pub application_password: Text,
    pub account_id: Text,
    pub user_id: Text,
}

/// The send options. `S` and `F` are the browser's `AbortSignal` and progress callback,
/// carried through untouched (native tests use `()`).
#[derive(Debug, Clone, PartialEq)]
pub struct OptionsInput<S, F> {
    pub proxy_url: Text,
    pub timeout_ms: Number,
    pub credentials: Text,
    /// Names and values, in the order given.
    pub headers: Input<Vec<(String, Text)>>,
    pub limits: Input<LimitsInput>,
    pub auth: Input<AuthInput>,
    pub allow_browser_credentials: bool,
    pub allow_insecure_proxy_url: bool,
    pub signal: Input<S>,
    pub on_progress: Input<F>,
    /// The caller's `Idempotency-Key`, when the send repeats an earlier one.
    pub idempotency_key: Text,
    /// True to send photos with their metadata (location, device, time) as they are.
    pub keep_photo_metadata: Input<bool>,
}

impl<S, F> Default for OptionsInput<S, F> {
    fn default() -> Self {
        OptionsInput {
            proxy_url: Input::Absent,
            timeout_ms: Input::Absent,
            credentials: Input::Absent,
            headers: Input::Absent,
            limits: Input::Absent,
            auth: Input::Absent,
            allow_browser_credentials: false,
            allow_insecure_proxy_url: false,
            signal: Input::Absent,
            on_progress: Input::Absent,
            idempotency_key: Input::Absent,
            keep_photo_metadata: Input::Absent,
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn counting_and_digits() {
        for s in [
            "",
            "abc",
            "résumé – 東京 🙂",
            "\u{0}\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}",
        ] {
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
        assert_eq!(digits("0"), Some(0));
        assert_eq!(digits("0042"), Some(42));
        assert_eq!(digits("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1a",
            "18446744073709551616",
            "١",
        ] {
            assert_eq!(digits(bad), None, "{bad:?}");
        }
        for (s, want) in [
            ("2000", Some(2000)),
            ("+2000", Some(2000)),
            ("-5", Some(-5)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775807", Some(i64::MAX)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("--1", None),
            ("+-1", None),
            ("", None),
            ("-", None),
        ] {
            assert_eq!(signed_digits(s), want, "{s:?}");
            assert_eq!(
                signed_digits(s),
                s.parse::<i64>().ok(),
                "{s:?} as std reads it"
            );
        }
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole(0.0, 10.0), Some(0));
        assert_eq!(whole(10.0, 10.0), Some(10));
        assert_eq!(
            whole(9_007_199_254_740_991.0, 9_007_199_254_740_991.0),
            Some((1 << 53) - 1)
        );
        for bad in [
            10.5,
            11.0,
            -1.0,
            -0.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(whole(bad, 10.0), None, "{bad}");
        }
    }
}
