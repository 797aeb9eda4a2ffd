//! The message and options as read from JavaScript, before validation: every field keeps
//! whether it was absent, a string, or a value of the wrong type, so that validation can
//! say which field is wrong instead of failing on the first surprise.

/// One scalar field. `Wrong` carries the JavaScript type that was found ("number", ...).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `undefined` or `null`.
    Absent,
    Text(String),
    Wrong(&'static str),
}

/// An object-valued field (demographics, attachment list, limits, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum Group<T> {
    Absent,
    Present(T),
    Wrong(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemographicsInput {
    pub patient_id: Field,
    pub first_name: Field,
    pub middle_name: Field,
    pub last_name: Field,
    pub date_of_birth: Field,
    pub gender: Field,
    pub email_address: Field,
}

/// An attachment entry.
#[derive(Debug, Clone, PartialEq)]
pub enum AttachmentInput {
    /// Updox's own shape, `content` already base64.
    Encoded {
        content: Field,
        mime_type: Field,
        file_name: Field,
    },
    /// A `File`/`Blob` (directly, or as `content` of an object) that the module encodes.
    /// `file_name`/`mime_type` come from the caller if given, else from the File.
    Blob {
        blob: usize,
        size: f64,
        file_name: Field,
        /// True when `file_name` is a `File`'s own name (directories are then stripped).
        name_from_file: bool,
        mime_type: Field,
    },
    Wrong(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageInput {
    /// `Some(type)` when the message itself is not an object.
    pub not_an_object: Option<&'static str>,
    pub to: Field,
    pub subject: Field,
    pub text_message: Field,
    pub from: Field,
    pub demographics: Group<DemographicsInput>,
    pub attachments: Group<Vec<AttachmentInput>>,
}

impl MessageInput {
    pub fn not_an_object(kind: &'static str) -> Self {
        MessageInput {
            not_an_object: Some(kind),
            ..MessageInput::empty()
        }
    }

    pub fn empty() -> Self {
        MessageInput {
            not_an_object: None,
            to: Field::Absent,
            subject: Field::Absent,
            text_message: Field::Absent,
            from: Field::Absent,
            demographics: Group::Absent,
            attachments: Group::Absent,
        }
    }
}

/// A number field of the options or limits: absent, a number, or the wrong type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Absent,
    Value(f64),
    Wrong(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LimitsInput {
    pub max_subject_chars: Number,
    pub max_text_message_bytes: Number,
    pub max_attachments: Number,
    pub max_attachment_bytes: Number,
    pub max_total_attachment_bytes: Number,
}
