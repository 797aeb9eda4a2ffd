//! Size limits checked before sending. Updox documents none; these defaults are
//! conservative and every one can be overridden by the caller.

use crate::input::{whole, Input, LimitsInput, Number};
use crate::issue::{Issues, Rule};

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

fn pick(n: &Number, default: u64, rule: Rule, issues: &mut Issues) -> u64 {
    let given = match *n {
        Input::Absent => return default,
        Input::Given(v) => whole(v, MAX_LIMIT),
        Input::Wrong(_) => None,
    };
    given.unwrap_or_else(|| {
        issues.add(rule);
        default
    })
}

/// The limits in force: the caller's where given and sensible, else the defaults.
pub fn resolve(input: &Input<LimitsInput>, issues: &mut Issues) -> Limits {
    let d = Limits::default();
    match input {
        Input::Absent => d,
        Input::Wrong(_) => {
            issues.add(Rule::LimitsNotAnObject);
            d
        }
        Input::Given(l) => Limits {
            max_subject_chars: pick(
                &l.max_subject_chars,
                d.max_subject_chars,
                Rule::MaxSubjectCharsInvalid,
                issues,
            ),
            max_text_message_bytes: pick(
                &l.max_text_message_bytes,
                d.max_text_message_bytes,
                Rule::MaxTextMessageBytesInvalid,
                issues,
            ),
            max_attachments: pick(
                &l.max_attachments,
                d.max_attachments,
                Rule::MaxAttachmentsInvalid,
                issues,
            ),
            max_attachment_bytes: pick(
                &l.max_attachment_bytes,
                d.max_attachment_bytes,
                Rule::MaxAttachmentBytesInvalid,
                issues,
            ),
            max_total_attachment_bytes: pick(
                &l.max_total_attachment_bytes,
                d.max_total_attachment_bytes,
                Rule::MaxTotalAttachmentBytesInvalid,
                issues,
            ),
        },
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let mut issues = Issues::default();
        assert_eq!(resolve(&Input::Absent, &mut issues), Limits::default());
        let l = LimitsInput {
            max_subject_chars: Input::Given(10.0),
            max_text_message_bytes: Input::Absent,
            max_attachments: Input::Given(-1.0),
            max_attachment_bytes: Input::Given(f64::NAN),
            max_total_attachment_bytes: Input::Wrong("string"),
        };
        let got = resolve(&Input::Given(l), &mut issues);
        assert_eq!(got.max_subject_chars, 10);
        assert_eq!(got.max_text_message_bytes, 1_000_000);
        assert_eq!(got.max_attachments, 20);
        let fields: Vec<_> = issues.as_slice().iter().map(|i| i.field()).collect();
        assert_eq!(
            fields,
            [
                "limits.maxAttachments",
                "limits.maxAttachmentBytes",
                "limits.maxTotalAttachmentBytes"
            ]
        );
        let mut issues = Issues::default();
        resolve(&Input::Wrong("number"), &mut issues);
        assert_eq!(issues.as_slice()[0].rule, Rule::LimitsNotAnObject);
        assert_eq!(issues.as_slice()[0].field(), "limits");
    }
}
