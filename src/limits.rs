//! Size limits checked before sending. Updox documents none; these defaults are
//! conservative and every one can be overridden by the caller.

use crate::input::{Group, LimitsInput, Number};
use crate::issue::{ValidationIssue, CODE_INVALID};

pub const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Characters (Unicode scalar values) in `subject`.
    pub max_subject_chars: u64,
    /// UTF-8 bytes in `textMessage`.
    pub max_text_message_bytes: u64,
    pub max_attachments: u64,
    /// Decoded bytes of one attachment.
    pub max_attachment_bytes: u64,
    /// Decoded bytes of all attachments together.
    pub max_total_attachment_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_subject_chars: 255,
            max_text_message_bytes: 1_000_000,
            max_attachments: 20,
            max_attachment_bytes: 10 * MIB,
            max_total_attachment_bytes: 20 * MIB,
        }
    }
}

/// Largest value accepted for a limit: beyond it doubles lose integer precision.
const MAX_LIMIT: f64 = 9_007_199_254_740_991.0;

fn pick(n: Number, default: u64, name: &str, issues: &mut Vec<ValidationIssue>) -> u64 {
    match n {
        Number::Absent => default,
        Number::Value(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= MAX_LIMIT => {
            v as u64
        }
        _ => {
            issues.push(ValidationIssue::new(
                format!("limits.{name}"),
                CODE_INVALID,
                format!("The limit {name} must be a whole number of zero or more."),
            ));
            default
        }
    }
}

/// The limits in force: the caller's where given and sensible, else the defaults.
pub fn resolve(input: &Group<LimitsInput>, issues: &mut Vec<ValidationIssue>) -> Limits {
    let d = Limits::default();
    match input {
        Group::Absent => d,
        Group::Wrong(_) => {
            issues.push(ValidationIssue::new(
                "limits",
                CODE_INVALID,
                "The limits must be an object.",
            ));
            d
        }
        Group::Present(l) => Limits {
            max_subject_chars: pick(
                l.max_subject_chars,
                d.max_subject_chars,
                "maxSubjectChars",
                issues,
            ),
            max_text_message_bytes: pick(
                l.max_text_message_bytes,
                d.max_text_message_bytes,
                "maxTextMessageBytes",
                issues,
            ),
            max_attachments: pick(
                l.max_attachments,
                d.max_attachments,
                "maxAttachments",
                issues,
            ),
            max_attachment_bytes: pick(
                l.max_attachment_bytes,
                d.max_attachment_bytes,
                "maxAttachmentBytes",
                issues,
            ),
            max_total_attachment_bytes: pick(
                l.max_total_attachment_bytes,
                d.max_total_attachment_bytes,
                "maxTotalAttachmentBytes",
                issues,
            ),
        },
    }
}

/// "2.5 MB"-style size for messages.
pub fn human_size(bytes: u64) -> String {
    if bytes >= MIB {
        let tenths = (bytes * 10 + MIB / 2) / MIB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let mut issues = vec![];
        assert_eq!(resolve(&Group::Absent, &mut issues), Limits::default());
        let l = LimitsInput {
            max_subject_chars: Number::Value(10.0),
            max_text_message_bytes: Number::Absent,
            max_attachments: Number::Value(-1.0),
            max_attachment_bytes: Number::Value(f64::NAN),
            max_total_attachment_bytes: Number::Wrong("string"),
        };
        let got = resolve(&Group::Present(l), &mut issues);
        assert_eq!(got.max_subject_chars, 10);
        assert_eq!(got.max_text_message_bytes, 1_000_000);
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "limits.maxAttachments",
                "limits.maxAttachmentBytes",
                "limits.maxTotalAttachmentBytes"
            ]
        );
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(10 * MIB), "10.0 MB");
        assert_eq!(human_size(1536), "2 KB");
        assert_eq!(human_size(12), "12 bytes");
    }
}
