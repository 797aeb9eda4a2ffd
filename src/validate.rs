//! Validation of a whole message: every problem found at once, as issues with field paths;
//! on success, the message exactly as it will be sent.

use crate::address;
use crate::attachment::{self, Base64Content};
use crate::input::{AttachmentInput, Field, Group, MessageInput};
use crate::issue::{ValidationIssue, CODE_ADDRESS, CODE_INVALID, CODE_SENDER, CODE_TOO_LARGE};
use crate::limits::{human_size, Limits};
use crate::patient::{self, Day, Demographics};

/// Who the message is from, as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// `patient:{id}`.
    From(String),
    Demographics(Demographics),
}

impl Sender {
    /// Which message field was sent: `"from"` or `"patientDemographics"`.
    pub fn field(&self) -> &'static str {
        match self {
            Sender::From(_) => "from",
            Sender::Demographics(_) => "patientDemographics",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Pre-encoded by the caller; canonical (whitespace removed).
    Base64(String),
    /// The caller's `File`/`Blob` number `blob`, `size` bytes, encoded when sending.
    Blob { blob: usize, size: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAttachment {
    pub file_name: String,
    pub mime_type: String,
    pub content: Content,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMessage {
    pub to: String,
    pub subject: String,
    pub text_message: String,
    pub sender: Sender,
    pub attachments: Vec<ValidAttachment>,
}

impl ValidMessage {
    /// Decoded bytes of all attachments (what the progress of encoding counts).
    pub fn attachment_bytes(&self) -> u64 {
        self.attachments.iter().map(|a| a.size).sum()
    }
}

fn text_field(field: &Field, path: &str, label: &str, issues: &mut Vec<ValidationIssue>) -> String {
    match field {
        Field::Absent => String::new(),
        Field::Text(s) => s.clone(),
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                path,
                CODE_INVALID,
                format!("The {label} must be text."),
            ));
            String::new()
        }
    }
}

fn check_to(to: &Field, issues: &mut Vec<ValidationIssue>) -> String {
    const WHAT: &str = "recipient's Direct address";
    let to = match to {
        Field::Text(s) => s.trim(),
        Field::Absent => "",
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                "to",
                CODE_ADDRESS,
                format!("The {WHAT} must be text."),
            ));
            return String::new();
        }
    };
    match address::check(to) {
        Ok(()) => address::normalize(to),
        Err(p) => {
            issues.push(ValidationIssue::new("to", CODE_ADDRESS, p.message(WHAT)));
            String::new()
        }
    }
}

fn check_sender(m: &MessageInput, today: Day, issues: &mut Vec<ValidationIssue>) -> Option<Sender> {
    let from = match &m.from {
        Field::Text(s) if !s.trim().is_empty() => Some(s.as_str()),
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                "from",
                CODE_SENDER,
                "The sender must be written as patient:{patient ID}.",
            ));
            return None;
        }
        _ => None,
    };
    // `from` wins when both are given: it names the patient's account exactly, and the
    // demographics (PHI) are then neither needed nor sent.
    if let Some(from) = from {
        return match patient::check_from(from) {
            Ok(f) => Some(Sender::From(f)),
            Err(msg) => {
                issues.push(ValidationIssue::new("from", CODE_SENDER, msg));
                None
            }
        };
    }
    match &m.demographics {
        Group::Present(d) => {
            let before = issues.len();
            let d = patient::check_demographics(d, today, issues);
            (issues.len() == before).then_some(Sender::Demographics(d))
        }
        Group::Wrong(_) => {
            issues.push(ValidationIssue::new(
                "patientDemographics",
                CODE_SENDER,
                "The patient's details must be an object.",
            ));
            None
        }
        Group::Absent => {
            issues.push(ValidationIssue::new(
                "from",
                CODE_SENDER,
                "Say who is sending: the patient's ID or the patient's details.",
            ));
            None
        }
    }
}

/// `path` + `.name`, or `name` alone at the top level.
fn sub(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Checks one attachment whose issues go under `path` (e.g. `attachments[2]`); returns it
/// when valid, and its decoded size either way (for the total).
pub fn check_attachment(
    path: &str,
    a: &AttachmentInput,
    limits: &Limits,
    issues: &mut Vec<ValidationIssue>,
) -> (Option<ValidAttachment>, u64) {
    let path = path.to_string();
    let (file_name_field, from_file, mime_field) = match a {
        AttachmentInput::Wrong(_) => {
            issues.push(ValidationIssue::new(
                path,
                CODE_INVALID,
                "Each attachment must be a file or an object with content, mimeType and fileName.",
            ));
            return (None, 0);
        }
        AttachmentInput::Encoded {
            file_name,
            mime_type,
            ..
        } => (file_name, false, mime_type),
        AttachmentInput::Blob {
            file_name,
            name_from_file,
            mime_type,
            ..
        } => (file_name, *name_from_file, mime_type),
    };
    let before = issues.len();
    let file_name = match file_name_field {
        Field::Text(s) => {
            let s = if from_file {
                attachment::strip_directories(s)
            } else {
                s
            };
            attachment::check_file_name(s).unwrap_or_else(|m| {
                issues.push(ValidationIssue::new(
                    sub(&path, "fileName"),
                    CODE_INVALID,
                    m,
                ));
                String::new()
            })
        }
        Field::Absent => {
            issues.push(ValidationIssue::new(
                sub(&path, "fileName"),
                CODE_INVALID,
                "The attachment needs a file name.",
            ));
            String::new()
        }
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                sub(&path, "fileName"),
                CODE_INVALID,
                "The file name must be text.",
            ));
            String::new()
        }
    };
    let mime_type = match mime_field {
        Field::Text(s) if !s.trim().is_empty() => attachment::check_mime_type(s.trim())
            .unwrap_or_else(|m| {
                issues.push(ValidationIssue::new(
                    sub(&path, "mimeType"),
                    CODE_INVALID,
                    m,
                ));
                String::new()
            }),
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                sub(&path, "mimeType"),
                CODE_INVALID,
                "The file type must be text.",
            ));
            String::new()
        }
        _ => attachment::mime_from_extension(&file_name).to_string(),
    };
    let (content, size) = match a {
        AttachmentInput::Encoded { content, .. } => match content {
            Field::Text(s) => match attachment::normalize_base64(s) {
                Ok(Base64Content {
                    canonical,
                    decoded_len,
                }) => (Some(Content::Base64(canonical)), decoded_len),
                Err(m) => {
                    issues.push(ValidationIssue::new(sub(&path, "content"), CODE_INVALID, m));
                    (None, 0)
                }
            },
            Field::Absent => {
                issues.push(ValidationIssue::new(
                    sub(&path, "content"),
                    CODE_INVALID,
                    "The attachment has no content.",
                ));
                (None, 0)
            }
            Field::Wrong(_) => {
                issues.push(ValidationIssue::new(
                    sub(&path, "content"),
                    CODE_INVALID,
                    "The attachment's content must be base64 text, a File or a Blob.",
                ));
                (None, 0)
            }
        },
        AttachmentInput::Blob { blob, size, .. } => {
            // Blob.size is a whole number of bytes; anything else is a hostile object.
            if size.is_finite() && *size >= 0.0 && size.fract() == 0.0 {
                let size = *size as u64;
                (Some(Content::Blob { blob: *blob, size }), size)
            } else {
                issues.push(ValidationIssue::new(
                    path.clone(),
                    CODE_INVALID,
                    "The file cannot be read.",
                ));
                (None, 0)
            }
        }
        AttachmentInput::Wrong(_) => (None, 0),
    };
    if size > limits.max_attachment_bytes {
        issues.push(ValidationIssue::new(
            path,
            CODE_TOO_LARGE,
            format!(
                "This file is too large to send ({}); the limit is {} per file.",
                human_size(size),
                human_size(limits.max_attachment_bytes)
            ),
        ));
    }
    let valid = content
        .filter(|_| issues.len() == before)
        .map(|content| ValidAttachment {
            file_name,
            mime_type,
            content,
            size,
        });
    (valid, size)
}

/// Validates a message under `limits`; `today` bounds the date of birth.
pub fn validate(
    m: &MessageInput,
    limits: &Limits,
    today: Day,
) -> Result<ValidMessage, Vec<ValidationIssue>> {
    let mut issues = Vec::new();
    if let Some(_kind) = m.not_an_object {
        issues.push(ValidationIssue::new(
            "",
            CODE_INVALID,
            "The message must be an object with to, subject, textMessage and a sender.",
        ));
        return Err(issues);
    }
    let to = check_to(&m.to, &mut issues);
    let subject = text_field(&m.subject, "subject", "subject", &mut issues);
    let text_message = text_field(&m.text_message, "textMessage", "message", &mut issues);
    if subject.chars().count() as u64 > limits.max_subject_chars {
        issues.push(ValidationIssue::new(
            "subject",
            CODE_TOO_LARGE,
            format!(
                "The subject is too long: at most {} characters.",
                limits.max_subject_chars
            ),
        ));
    }
    if text_message.len() as u64 > limits.max_text_message_bytes {
        issues.push(ValidationIssue::new(
            "textMessage",
            CODE_TOO_LARGE,
            format!(
                "The message is too long: at most {} of text.",
                human_size(limits.max_text_message_bytes)
            ),
        ));
    }
    let sender = check_sender(m, today, &mut issues);

    let entries: &[AttachmentInput] = match &m.attachments {
        Group::Present(list) => list,
        Group::Absent => &[],
        Group::Wrong(_) => {
            issues.push(ValidationIssue::new(
                "attachments",
                CODE_INVALID,
                "The attachments must be a list.",
            ));
            &[]
        }
    };
    if entries.len() as u64 > limits.max_attachments {
        issues.push(ValidationIssue::new(
            "attachments",
            CODE_TOO_LARGE,
            format!(
                "Too many attachments: at most {} files.",
                limits.max_attachments
            ),
        ));
    }
    let mut total: u64 = 0;
    let mut attachments = Vec::with_capacity(entries.len());
    for (i, a) in entries.iter().enumerate() {
        let (valid, size) = check_attachment(&format!("attachments[{i}]"), a, limits, &mut issues);
        total = total.saturating_add(size);
        attachments.extend(valid);
    }
    if total > limits.max_total_attachment_bytes {
        issues.push(ValidationIssue::new(
            "attachments",
            CODE_TOO_LARGE,
            format!(
                "The attachments are too large together ({}); the limit is {} in total.",
                human_size(total),
                human_size(limits.max_total_attachment_bytes)
            ),
        ));
    }
    let has_content =
        !subject.trim().is_empty() || !text_message.trim().is_empty() || !entries.is_empty();
    if !has_content {
        issues.push(ValidationIssue::new(
            "textMessage",
            CODE_INVALID,
            "Write a message or a subject, or attach a file.",
        ));
    }
    match sender {
        Some(sender) if issues.is_empty() => Ok(ValidMessage {
            to,
            subject,
            text_message,
            sender,
            attachments,
        }),
        _ => Err(issues),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::input::DemographicsInput;

    const TODAY: Day = Day {
        year: 2026,
        month: 11,
        day: 24,
    };

    fn t(s: &str) -> Field {
        Field::Text(s.to_string())
    }

    fn demographics() -> DemographicsInput {
        DemographicsInput {
            patient_id: t("100030"),
            first_name: t("Jane"),
            middle_name: t(""),
            last_name: t("Doe"),
            date_of_birth: t("1990-10-10"),
            gender: t("F"),
            email_address: t(""),
        }
    }

    fn message() -> MessageInput {
        MessageInput {
            to: t("test@Direct.UpdoxQA.com"),
            subject: t("Test subject"),
            text_message: t("Test message body"),
            demographics: Group::Present(demographics()),
            ..MessageInput::empty()
        }
    }

    fn fields(issues: &[ValidationIssue]) -> Vec<(&str, i64)> {
        issues.iter().map(|i| (i.field.as_str(), i.code)).collect()
    }

    fn check(m: &MessageInput) -> Result<ValidMessage, Vec<ValidationIssue>> {
        validate(m, &Limits::default(), TODAY)
    }

    #[test]
    fn a_valid_message_is_normalised() {
        let v = check(&message()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.to, "test@direct.updoxqa.com");
        assert_eq!(v.sender.field(), "patientDemographics");
    }

    #[test]
    fn no_sender_is_4652() {
        let m = MessageInput {
            demographics: Group::Absent,
            ..message()
        };
        assert_eq!(fields(&check(&m).unwrap_err()), [("from", 4652)]);
    }

    #[test]
    fn from_wins_over_demographics_which_are_not_checked() {
        let mut d = demographics();
        d.first_name = Field::Absent;
        let m = MessageInput {
            from: t("patient:100030"),
            demographics: Group::Present(d),
            ..message()
        };
        let v = check(&m).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.sender, Sender::From("patient:100030".into()));
    }

    #[test]
    fn bad_from_is_4652() {
        let m = MessageInput {
            from: t("100030"),
            ..message()
        };
        assert_eq!(fields(&check(&m).unwrap_err()), [("from", 4652)]);
    }

    #[test]
    fn wrong_types_become_issues() {
        let m = MessageInput {
            to: Field::Wrong("number"),
            subject: Field::Wrong("object"),
            text_message: Field::Wrong("array"),
            from: Field::Wrong("boolean"),
            attachments: Group::Wrong("string"),
            ..message()
        };
        assert_eq!(
            fields(&check(&m).unwrap_err()),
            [
                ("to", 4640),
                ("subject", 4060),
                ("textMessage", 4060),
                ("from", 4652),
                ("attachments", 4060),
                ("textMessage", 4060),
            ]
        );
        assert!(check(&MessageInput::not_an_object("null")).is_err());
    }

    #[test]
    fn something_must_carry_content() {
        let m = MessageInput {
            subject: t(" "),
            text_message: Field::Absent,
            ..message()
        };
        assert_eq!(fields(&check(&m).unwrap_err()), [("textMessage", 4060)]);
        let m = MessageInput {
            subject: Field::Absent,
            text_message: Field::Absent,
            attachments: Group::Present(vec![AttachmentInput::Encoded {
                content: t("YQ=="),
                mime_type: Field::Absent,
                file_name: t("a.txt"),
            }]),
            ..message()
        };
        let v = check(&m).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.attachments[0].mime_type, "text/plain");
    }

    #[test]
    fn limits_map_to_4020() {
        let limits = Limits {
            max_subject_chars: 3,
            max_text_message_bytes: 4,
            max_attachments: 1,
            max_attachment_bytes: 10,
            max_total_attachment_bytes: 12,
        };
        let blob = |i, size: f64| AttachmentInput::Blob {
            blob: i,
            size,
            file_name: t("scan.pdf"),
            name_from_file: true,
            mime_type: Field::Absent,
        };
        let m = MessageInput {
            subject: t("ééé"),
            text_message: t("ééé"),
            attachments: Group::Present(vec![blob(0, 8.0), blob(1, 11.0)]),
            ..message()
        };
        assert_eq!(
            fields(&validate(&m, &limits, TODAY).unwrap_err()),
            [
                ("textMessage", 4020),
                ("attachments", 4020),
                ("attachments[1]", 4020),
                ("attachments", 4020),
            ]
        );
    }

    #[test]
    fn attachment_problems_have_paths() {
        let m = MessageInput {
            attachments: Group::Present(vec![
                AttachmentInput::Encoded {
                    content: t("not base64!"),
                    mime_type: t("pdf"),
                    file_name: t("../x.pdf"),
                },
                AttachmentInput::Blob {
                    blob: 0,
                    size: 3.0,
                    file_name: Field::Absent,
                    name_from_file: false,
                    mime_type: Field::Absent,
                },
                AttachmentInput::Wrong("number"),
            ]),
            ..message()
        };
        assert_eq!(
            fields(&check(&m).unwrap_err()),
            [
                ("attachments[0].fileName", 4060),
                ("attachments[0].mimeType", 4060),
                ("attachments[0].content", 4060),
                ("attachments[1].fileName", 4060),
                ("attachments[2]", 4060),
            ]
        );
    }

    #[test]
    fn file_names_from_files_lose_their_directories() {
        let m = MessageInput {
            attachments: Group::Present(vec![AttachmentInput::Blob {
                blob: 0,
                size: 3.0,
                file_name: t("C:\\fakepath\\scan.PDF"),
                name_from_file: true,
                mime_type: t(""),
            }]),
            ..message()
        };
        let v = check(&m).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.attachments[0].file_name, "scan.PDF");
        assert_eq!(v.attachments[0].mime_type, "application/pdf");
        assert_eq!(v.attachments[0].content, Content::Blob { blob: 0, size: 3 });
    }
}
