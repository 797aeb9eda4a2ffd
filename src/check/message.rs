//! A whole message: every problem found at once, as issues with field paths; on success,
//! the message exactly as it will be sent.

use super::address::{self, AddressRules};
use super::attachment::{self, ValidAttachment};
use super::limits::Limits;
use super::patient::{self, Day, Demographics, FromProblem, FROM_ID};
use crate::input::{char_count, AttachmentInput, Input, MessageInput, Text};
use crate::issue::{indexed, Issues, Rule};
use crate::prelude::*;

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
        self.attachments
            .iter()
            .fold(0, |total: u64, a| total.saturating_add(a.size))
    }
}

const TO: AddressRules = AddressRules {
    required: Rule::ToRequired,
    invalid: Rule::ToInvalid,
};

/// A text field: its text ("" when absent); `not_text` when of another type.
fn text(field: &Text, not_text: Rule, issues: &mut Issues) -> String {
    field.text_or_empty().map_or_else(
        || {
            issues.add(not_text);
            String::new()
        },
        String::from,
    )
}

/// The recipient's Direct address as it will be sent (trimmed, the domain lower-cased), or
/// "" with the issue found: `to`, or the address a lookup is for.
pub fn check_to(to: &Text, issues: &mut Issues) -> String {
    let Some(to) = to.text_or_empty() else {
        issues.add(Rule::ToNotText);
        return String::new();
    };
    let to = to.trim();
    match address::check(to) {
        Ok(()) => address::normalize(to),
        Err(p) => {
            issues.add(p.rule(&TO));
            String::new()
        }
    }
}

fn check_sender(m: &MessageInput, today: Day, issues: &mut Issues) -> Option<Sender> {
    let from = match &m.from {
        Input::Given(s) if !s.trim().is_empty() => Some(s.as_str()),
        Input::Wrong(_) => {
            issues.add(Rule::FromNotText);
            return None;
        }
        _ => None,
    };
    // `from` wins when both are given: it names the patient's account exactly, and the
    // demographics (PHI) are then neither needed nor sent.
    if let Some(from) = from {
        return match patient::check_from(from) {
            Ok(f) => Some(Sender::From(f)),
            Err(p) => {
                issues.add(match p {
                    FromProblem::NotPatient => Rule::FromInvalid,
                    FromProblem::Id(p) => p.rule(&FROM_ID),
                });
                None
            }
        };
    }
    match &m.demographics {
        Input::Given(d) => {
            let before = issues.len();
            let d = patient::check_demographics(d, today, issues);
            (issues.len() == before).then_some(Sender::Demographics(d))
        }
        Input::Wrong(_) => {
            issues.add(Rule::DemographicsNotAnObject);
            None
        }
        Input::Absent => {
            issues.add(Rule::FromRequired);
            None
        }
    }
}

/// The attachments, each checked and within the limits; `unread` more entries the reader
/// did not read (past its cap) count towards their number.
fn check_attachments(
    list: &Input<Vec<Input<AttachmentInput>>>,
    unread: u64,
    limits: &Limits,
    issues: &mut Issues,
) -> (Vec<ValidAttachment>, bool) {
    let entries: &[Input<AttachmentInput>] = match list {
        Input::Given(list) => list,
        Input::Absent => &[],
        Input::Wrong(_) => {
            issues.add(Rule::AttachmentsNotAList);
            &[]
        }
    };
    let read = entries.len() as u64;
    let count = read.saturating_add(unread);
    // Entries that were not read cannot be sent: at most those read, whatever the limit.
    let max = if unread > 0 {
        limits.max_attachments.min(read)
    } else {
        limits.max_attachments
    };
    if count > max {
        issues.over(Rule::AttachmentsTooMany, None, max, Some(count));
    }
    let mut total: u64 = 0;
    let mut valid = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let at = indexed("attachments", i);
        let (attachment, size) = attachment::check(&at, entry, issues);
        if size > limits.max_attachment_bytes {
            issues.over(
                Rule::AttachmentTooLarge,
                Some(at),
                limits.max_attachment_bytes,
                Some(size),
            );
        } else {
            valid.extend(attachment);
        }
        total = total.saturating_add(size);
    }
    if total > limits.max_total_attachment_bytes {
        issues.over(
            Rule::AttachmentsTotalTooLarge,
            None,
            limits.max_total_attachment_bytes,
            Some(total),
        );
    }
    (valid, !entries.is_empty())
}

/// Checks a message under `limits`; `today` bounds the date of birth. Issues are added
/// to `issues`; the message is returned when it has none.
pub fn check(
    m: &Input<MessageInput>,
    limits: &Limits,
    today: Day,
    issues: &mut Issues,
) -> Option<ValidMessage> {
    let Input::Given(m) = m else {
        issues.add(Rule::MessageNotAnObject);
        return None;
    };
    let before = issues.len();
    let to = check_to(&m.to, issues);
    let subject = text(&m.subject, Rule::SubjectNotText, issues);
    let text_message = text(&m.text_message, Rule::TextMessageNotText, issues);
    let subject_chars = char_count(&subject) as u64;
    if subject_chars > limits.max_subject_chars {
        issues.over(
            Rule::SubjectTooLong,
            None,
            limits.max_subject_chars,
            Some(subject_chars),
        );
    }
    let text_bytes = text_message.len() as u64;
    if text_bytes > limits.max_text_message_bytes {
        issues.over(
            Rule::TextMessageTooLong,
            None,
            limits.max_text_message_bytes,
            Some(text_bytes),
        );
    }
    let sender = check_sender(m, today, issues);
    let (attachments, any_attachment) =
        check_attachments(&m.attachments, m.attachments_unread, limits, issues);
    if subject.trim().is_empty() && text_message.trim().is_empty() && !any_attachment {
        issues.add(Rule::TextMessageRequired);
    }
    match sender {
        Some(sender) if issues.len() == before => Some(ValidMessage {
            to,
            subject,
            text_message,
            sender,
            attachments,
        }),
        _ => None,
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::check::sample::{demographics, message, t, TODAY};

    /// (field, code, rule id) of each issue.
    fn found(issues: &Issues) -> Vec<(&str, i64, &str)> {
        issues
            .as_slice()
            .iter()
            .map(|i| (i.field(), i.code(), i.rule.id()))
            .collect()
    }

    fn check_with(m: MessageInput, limits: &Limits) -> Result<ValidMessage, Issues> {
        let mut issues = Issues::default();
        let valid = check(&Input::Given(m), limits, TODAY, &mut issues);
        match valid {
            Some(v) if issues.is_empty() => Ok(v),
            _ => Err(issues),
        }
    }

    fn valid(m: MessageInput) -> ValidMessage {
        check_with(m, &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn invalid(m: MessageInput) -> Issues {
        match check_with(m, &Limits::default()) {
            Err(issues) if !issues.is_empty() => issues,
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn a_valid_message_is_normalised() {
        let v = valid(message());
        assert_eq!(v.to, "test@direct.updoxqa.com");
        assert_eq!(v.sender.field(), "patientDemographics");
    }

    #[test]
    fn not_an_object() {
        for m in [Input::Absent, Input::Wrong("number")] {
            let mut issues = Issues::default();
            assert!(check(&m, &Limits::default(), TODAY, &mut issues).is_none());
            assert_eq!(found(&issues), [("", 4060, "message.not_an_object")]);
        }
    }

    #[test]
    fn no_sender_is_4652() {
        let m = MessageInput {
            demographics: Input::Absent,
            ..message()
        };
        assert_eq!(found(&invalid(m)), [("from", 4652, "from.required")]);
        let m = MessageInput {
            demographics: Input::Wrong("string"),
            ..message()
        };
        assert_eq!(
            found(&invalid(m)),
            [(
                "patientDemographics",
                4652,
                "patientDemographics.not_an_object"
            )]
        );
    }

    #[test]
    fn from_wins_over_demographics_which_are_not_checked() {
        let mut d = demographics();
        d.first_name = Input::Absent;
        let m = MessageInput {
            from: t("patient:100030"),
            demographics: Input::Given(d),
            ..message()
        };
        assert_eq!(valid(m).sender, Sender::From("patient:100030".into()));
    }

    #[test]
    fn bad_from_is_4652() {
        for (from, rule) in [
            ("100030", "from.invalid"),
            ("patient: ", "from.id_required"),
            ("patient:1 2", "from.id_invalid_characters"),
        ] {
            let m = MessageInput {
                from: t(from),
                ..message()
            };
            assert_eq!(found(&invalid(m)), [("from", 4652, rule)], "{from}");
        }
        let m = MessageInput {
            from: t(&format!("patient:{}", "1".repeat(129))),
            ..message()
        };
        assert_eq!(found(&invalid(m)), [("from", 4652, "from.id_too_long")]);
    }

    #[test]
    fn an_address_is_required_and_valid() {
        for (to, rule) in [
            ("", "to.required"),
            ("  ", "to.required"),
            ("jané@direct.example.org", "to.invalid"),
            ("jane doe@direct.example.org", "to.invalid"),
            ("janedirect.example.org", "to.invalid"),
            (".jane@direct.example.org", "to.invalid"),
            ("jane@localhost", "to.invalid"),
            ("jane@", "to.invalid"),
        ] {
            let m = MessageInput {
                to: t(to),
                ..message()
            };
            assert_eq!(found(&invalid(m)), [("to", 4640, rule)], "{to:?}");
        }
        let m = MessageInput {
            to: t(&format!("a@{}.org", vec!["b".repeat(63); 4].join("."))),
            ..message()
        };
        assert_eq!(found(&invalid(m)), [("to", 4640, "to.invalid")]);
    }

    #[test]
    fn wrong_types_become_issues() {
        let m = MessageInput {
            to: Input::Wrong("number"),
            subject: Input::Wrong("object"),
            text_message: Input::Wrong("array"),
            from: Input::Wrong("boolean"),
            attachments: Input::Wrong("string"),
            ..message()
        };
        assert_eq!(
            found(&invalid(m)),
            [
                ("to", 4640, "to.not_text"),
                ("subject", 4060, "subject.not_text"),
                ("textMessage", 4060, "textMessage.not_text"),
                ("from", 4652, "from.not_text"),
                ("attachments", 4060, "attachments.not_a_list"),
                ("textMessage", 4060, "textMessage.required"),
            ]
        );
    }

    #[test]
    fn something_must_carry_content() {
        let m = MessageInput {
            subject: t(" "),
            text_message: Input::Absent,
            ..message()
        };
        assert_eq!(
            found(&invalid(m)),
            [("textMessage", 4060, "textMessage.required")]
        );
        let m = MessageInput {
            subject: Input::Absent,
            text_message: Input::Absent,
            attachments: Input::Given(vec![Input::Given(AttachmentInput::Encoded {
                part: 0,
                content: Input::Given(Some(1)),
                mime_type: Input::Absent,
                file_name: t("a.txt"),
            })]),
            ..message()
        };
        assert_eq!(valid(m).attachments[0].mime_type, "text/plain");
    }

    fn encoded(part: usize, size: u64) -> Input<AttachmentInput> {
        Input::Given(AttachmentInput::Encoded {
            part,
            content: Input::Given(Some(size)),
            mime_type: Input::Absent,
            file_name: t("a.txt"),
        })
    }

    #[test]
    fn attachments_past_the_reader_s_cap_are_too_many() {
        // A list longer than what was read: whatever the limit, the rest cannot be sent.
        let limits = Limits {
            max_attachments: 5000,
            ..Limits::default()
        };
        let m = MessageInput {
            attachments: Input::Given((0..3).map(|i| encoded(i, 1)).collect()),
            attachments_unread: 2,
            ..message()
        };
        let issues = check_with(m.clone(), &limits).unwrap_err();
        assert_eq!(
            found(&issues),
            [("attachments", 4020, "attachments.too_many")]
        );
        assert_eq!(
            (issues.as_slice()[0].limit, issues.as_slice()[0].size),
            (Some(3), Some(5))
        );
        // Under the default limit, the limit is the smaller.
        let issues = check_with(m, &Limits::default()).unwrap_err();
        assert_eq!(
            (issues.as_slice()[0].limit, issues.as_slice()[0].size),
            (Some(3), Some(5))
        );
        let m = MessageInput {
            attachments: Input::Given((0..3).map(|i| encoded(i, 1)).collect()),
            attachments_unread: u64::MAX,
            ..message()
        };
        let issues = check_with(m, &Limits::default()).unwrap_err();
        assert_eq!(issues.as_slice()[0].size, Some(u64::MAX), "saturated");
    }

    #[test]
    fn huge_sizes_saturate() {
        let limits = Limits {
            max_attachment_bytes: u64::MAX,
            max_total_attachment_bytes: u64::MAX,
            ..Limits::default()
        };
        let big = (1u64 << 53) - 1;
        let m = MessageInput {
            attachments: Input::Given((0..20).map(|i| encoded(i, big)).collect()),
            ..message()
        };
        let v = check_with(m, &limits).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.attachment_bytes(), big * 20);
        let m = MessageInput {
            attachments: Input::Given((0..20).map(|i| encoded(i, big)).collect()),
            ..message()
        };
        let issues = check_with(m, &Limits::default()).unwrap_err();
        assert_eq!(
            issues.as_slice().last().map(|i| i.size),
            Some(Some(big * 20))
        );
        let v = ValidMessage {
            attachments: (0..3)
                .map(|part| ValidAttachment {
                    file_name: "a".into(),
                    mime_type: "a/b".into(),
                    part,
                    size: u64::MAX / 2,
                })
                .collect(),
            ..valid(message())
        };
        assert_eq!(v.attachment_bytes(), u64::MAX);
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
        let blob = |i, size: f64| {
            Input::Given(AttachmentInput::Blob {
                part: i,
                size,
                file_name: t("scan.pdf"),
                name_from_file: true,
                mime_type: Input::Absent,
            })
        };
        let m = MessageInput {
            subject: t("ééé"),
            text_message: t("ééé"),
            attachments: Input::Given(vec![blob(0, 8.0), blob(1, 11.0)]),
            ..message()
        };
        let issues = check_with(m, &limits).unwrap_err();
        assert_eq!(
            found(&issues),
            [
                ("textMessage", 4020, "textMessage.too_long"),
                ("attachments", 4020, "attachments.too_many"),
                ("attachments[1]", 4020, "attachments.too_large"),
                ("attachments", 4020, "attachments.total_too_large"),
            ]
        );
        let numbers: Vec<_> = issues
            .as_slice()
            .iter()
            .map(|i| (i.limit, i.size))
            .collect();
        assert_eq!(
            numbers,
            [
                (Some(4), Some(6)),
                (Some(1), Some(2)),
                (Some(10), Some(11)),
                (Some(12), Some(19)),
            ]
        );
        let m = MessageInput {
            subject: t("abcd"),
            text_message: t("ab"),
            ..message()
        };
        assert_eq!(
            found(&check_with(m, &limits).unwrap_err()),
            [("subject", 4020, "subject.too_long")]
        );
    }

    #[test]
    fn attachment_problems_have_paths() {
        let m = MessageInput {
            attachments: Input::Given(vec![
                Input::Given(AttachmentInput::Encoded {
                    part: 0,
                    content: Input::Given(None),
                    mime_type: t("pdf"),
                    file_name: t("../x.pdf"),
                }),
                Input::Given(AttachmentInput::Blob {
                    part: 1,
                    size: 3.0,
                    file_name: Input::Absent,
                    name_from_file: false,
                    mime_type: Input::Absent,
                }),
                Input::Wrong("number"),
                Input::Given(AttachmentInput::Encoded {
                    part: 3,
                    content: Input::Absent,
                    mime_type: Input::Wrong("number"),
                    file_name: Input::Wrong("number"),
                }),
                Input::Given(AttachmentInput::Encoded {
                    part: 4,
                    content: Input::Wrong("number"),
                    mime_type: Input::Absent,
                    file_name: t("."),
                }),
                Input::Given(AttachmentInput::Blob {
                    part: 5,
                    size: 1.5,
                    file_name: t("a.txt"),
                    name_from_file: false,
                    mime_type: Input::Absent,
                }),
                Input::Given(AttachmentInput::Blob {
                    part: 6,
                    size: 0.0,
                    file_name: t("empty.txt"),
                    name_from_file: false,
                    mime_type: Input::Absent,
                }),
            ]),
            ..message()
        };
        assert_eq!(
            found(&invalid(m)),
            [
                (
                    "attachments[0].fileName",
                    4060,
                    "attachments.fileName.has_slash"
                ),
                (
                    "attachments[0].mimeType",
                    4060,
                    "attachments.mimeType.invalid"
                ),
                (
                    "attachments[0].content",
                    4060,
                    "attachments.content.not_base64"
                ),
                (
                    "attachments[1].fileName",
                    4060,
                    "attachments.fileName.required"
                ),
                ("attachments[2]", 4060, "attachments.invalid"),
                (
                    "attachments[3].fileName",
                    4060,
                    "attachments.fileName.not_text"
                ),
                (
                    "attachments[3].mimeType",
                    4060,
                    "attachments.mimeType.not_text"
                ),
                (
                    "attachments[3].content",
                    4060,
                    "attachments.content.required"
                ),
                (
                    "attachments[4].fileName",
                    4060,
                    "attachments.fileName.invalid"
                ),
                (
                    "attachments[4].content",
                    4060,
                    "attachments.content.not_text"
                ),
                ("attachments[5]", 4060, "attachment.unreadable"),
                ("attachments[6]", 4060, "attachments.empty"),
            ]
        );
    }

    #[test]
    fn file_names_from_files_lose_their_directories() {
        let m = MessageInput {
            attachments: Input::Given(vec![Input::Given(AttachmentInput::Blob {
                part: 0,
                size: 3.0,
                file_name: t("C:\\fakepath\\scan.PDF"),
                name_from_file: true,
                mime_type: t(""),
            })]),
            ..message()
        };
        let v = valid(m);
        assert_eq!(v.attachments[0].file_name, "scan.PDF");
        assert_eq!(v.attachments[0].mime_type, "application/pdf");
        assert_eq!((v.attachments[0].part, v.attachments[0].size), (0, 3));
    }

    /// Every issue's field, without its indexes, is its rule's field.
    #[test]
    fn rule_ids_follow_field_paths() {
        let m = MessageInput {
            to: Input::Wrong("number"),
            subject: t(&"s".repeat(300)),
            attachments: Input::Given(vec![Input::Given(AttachmentInput::Encoded {
                part: 0,
                content: Input::Given(None),
                mime_type: t("x"),
                file_name: t(""),
            })]),
            ..message()
        };
        for issue in invalid(m).as_slice() {
            let mut field = issue.field().to_string();
            while let (Some(a), Some(b)) = (field.find('['), field.find(']')) {
                field.replace_range(a..=b, "");
            }
            assert_eq!(field, issue.rule.field(), "{issue:?}");
        }
    }
}
