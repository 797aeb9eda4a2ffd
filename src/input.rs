//! The message, limits and options as read from JavaScript, before any check: every value
//! keeps whether it was absent, given, or of the wrong type, so that the checks can say
//! which field is wrong instead of failing on the first surprise. Nothing here needs a
//! browser: native tests build these values by hand.

/// One value as found.
#[derive(Debug, Clone, PartialEq)]
pub enum Input<T> {
    /// `undefined` or `null`.
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

/// An attachment entry.
#[derive(Debug, Clone, PartialEq)]
pub enum AttachmentInput {
    /// Updox's own shape, `content` already base64.
    Encoded {
        content: Text,
        mime_type: Text,
        file_name: Text,
    },
    /// A `File`/`Blob` (directly, or as `content` of an object) that the module encodes,
    /// known by its number among the message's blobs. `file_name`/`mime_type` come from
    /// the caller if given, else from the File.
    Blob {
        blob: usize,
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
        }
    }
}
