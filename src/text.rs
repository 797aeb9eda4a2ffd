//! The English sentence for each validation rule, fit to show a patient as it is. Built
//! from the rule and the numbers of the issue only, never from what was typed (PHI).

use crate::issue::{Rule, ValidationIssue};

const MIB: u64 = 1024 * 1024;

/// "2.5 MB"-style size for sentences.
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

/// The last part of an issue's field: a header's name, a limit's name.
fn last_part(field: &str) -> &str {
    field.rsplit_once('.').map_or(field, |(_, name)| name)
}

/// The part of a header issue's field after `options.headers.`: the header's name.
fn header_name(field: &str) -> &str {
    field.strip_prefix("options.headers.").unwrap_or(field)
}

/// Sentences shared by several rules.
fn address(what: &str, rule_suffix: &str) -> String {
    match rule_suffix {
        "required" => format!("Enter the {what}."),
        "not_text" => format!("The {what} must be text."),
        "not_ascii" => {
            format!("The {what} can only use plain letters, digits and . _ + - characters.")
        }
        "has_spaces" => format!("The {what} cannot contain spaces."),
        "too_long" => format!("The {what} is too long."),
        "invalid_local_part" => format!("The part of the {what} before the @ is not valid."),
        "invalid_domain" => {
            format!("The part of the {what} after the @ is not a valid domain name.")
        }
        _ => format!("The {what} must look like name@direct.example.org."),
    }
}

fn name(label: &str, rule_suffix: &str) -> String {
    match rule_suffix {
        "not_text" => format!("The {label} must be text."),
        "required" => format!("Enter the {label}."),
        "too_long" => format!("The {label} is too long."),
        _ => format!("The {label} cannot contain control characters."),
    }
}

fn patient_id(rule_suffix: &str) -> String {
    match rule_suffix {
        "not_text" => "The patient ID must be text.",
        "required" | "id_required" => "Enter the patient ID.",
        "too_long" | "id_too_long" => "The patient ID is too long.",
        _ => "The patient ID cannot contain spaces or control characters.",
    }
    .into()
}

pub fn english(issue: &ValidationIssue) -> String {
    use Rule::*;
    let rule = issue.rule;
    let suffix = rule.id().rsplit_once('.').map_or("", |(_, s)| s);
    let limit = issue.limit.unwrap_or(0);
    let size = issue.size.unwrap_or(0);
    let text: &str = match rule {
        MessageNotAnObject => {
            "The message must be an object with to, subject, textMessage and a sender."
        }
        ToNotText | ToRequired | ToNotAscii | ToHasSpaces | ToTooLong | ToInvalid
        | ToInvalidLocalPart | ToInvalidDomain => {
            return address("recipient's Direct address", suffix)
        }
        SubjectNotText => "The subject must be text.",
        SubjectTooLong => {
            return format!("The subject is too long: at most {limit} characters.")
        }
        TextMessageNotText => "The message must be text.",
        TextMessageTooLong => {
            return format!(
                "The message is too long: at most {} of text.",
                human_size(limit)
            )
        }
        TextMessageRequired => "Write a message or a subject, or attach a file.",
        FromRequired => "Say who is sending: the patient's ID or the patient's details.",
        FromNotText | FromInvalid => "The sender must be written as patient:{patient ID}.",
        FromIdRequired | FromIdTooLong | FromIdInvalidCharacters | PatientIdNotText
        | PatientIdRequired | PatientIdTooLong | PatientIdInvalidCharacters | SenderIdNotText
        | SenderIdRequired | SenderIdTooLong | SenderIdInvalidCharacters => {
            return patient_id(suffix)
        }
        DemographicsNotAnObject => "The patient's details must be an object.",
        FirstNameNotText | FirstNameRequired | FirstNameTooLong | FirstNameInvalidCharacters => {
            return name("first name", suffix)
        }
        MiddleNameNotText | MiddleNameTooLong | MiddleNameInvalidCharacters => {
            return name("middle name", suffix)
        }
        LastNameNotText | LastNameRequired | LastNameTooLong | LastNameInvalidCharacters => {
            return name("last name", suffix)
        }
        DateOfBirthNotADate => "Enter the date of birth as YYYY-MM-DD, for example 1990-10-10.",
        DateOfBirthTooEarly => "The date of birth cannot be before 1900.",
        DateOfBirthInFuture => "The date of birth cannot be in the future.",
        GenderInvalid => "Choose a gender: M (male), F (female), O (other) or U (unknown).",
        EmailNotText | EmailNotAscii | EmailHasSpaces | EmailTooLong | EmailInvalid
        | EmailInvalidLocalPart | EmailInvalidDomain => return address("email address", suffix),
        AttachmentsNotAList => "The attachments must be a list.",
        AttachmentsTooMany => return format!("Too many attachments: at most {limit} files."),
        AttachmentsTotalTooLarge => {
            return format!(
                "The attachments are too large together ({}); the limit is {} in total.",
                human_size(size),
                human_size(limit)
            )
        }
        AttachmentInvalid => {
            "Each attachment must be a file or an object with content, mimeType and fileName."
        }
        AttachmentTooLarge => {
            return format!(
                "This file is too large to send ({}); the limit is {} per file.",
                human_size(size),
                human_size(limit)
            )
        }
        AttachmentUnreadable => {
            "The file could not be read. It may have been moved or changed; please attach it again."
        }
        FileNameRequired => "The attachment needs a file name.",
        FileNameNotText => "The file name must be text.",
        FileNameHasSlash => "The file name cannot contain / or \\.",
        FileNameInvalid => "The file name is not valid.",
        FileNameInvalidCharacters => {
            "The file name cannot contain control or text-direction characters."
        }
        FileNameTooLong => "The file name is too long.",
        MimeTypeNotText => "The file type must be text.",
        MimeTypeInvalid => "The file type must look like type/subtype, for example application/pdf.",
        ContentRequired => "The attachment has no content.",
        ContentNotText => "The attachment's content must be base64 text, a File or a Blob.",
        ContentNotBase64 => "The attachment's content is not valid base64.",
        FileRequired => "Choose a file to attach.",
        LimitsNotAnObject => "The limits must be an object.",
        MaxSubjectCharsInvalid
        | MaxTextMessageBytesInvalid
        | MaxAttachmentsInvalid
        | MaxAttachmentBytesInvalid
        | MaxTotalAttachmentBytesInvalid => {
            return format!(
                "The limit {} must be a whole number of zero or more.",
                last_part(rule.field())
            )
        }
        OptionsNotAnObject => "The options must be an object with at least proxyUrl.",
        ProxyUrlRequired => "The proxy URL (options.proxyUrl) is required.",
        ProxyUrlTooLong => "The proxy URL is too long.",
        ProxyUrlInvalid => "The proxy URL is not a valid URL.",
        ProxyUrlNotHttp => "The proxy URL must be an http: or https: URL.",
        ProxyUrlInsecure => {
            "The proxy URL must be on this site, use https:, or be on this computer."
        }
        TimeoutInvalid => "The timeout must be a number of milliseconds above zero.",
        CredentialsInvalid => "The credentials mode must be omit, same-origin or include.",
        HeadersNotAnObject => "The headers must be an object of names and text values.",
        HeadersTooMany => return format!("At most {limit} extra headers can be sent."),
        HeaderInvalidName => {
            "A header name may only contain letters, digits and - _ . characters."
        }
        HeaderForbidden => {
            return format!(
                "The header {} cannot be set by the caller.",
                header_name(&issue.field)
            )
        }
        HeaderTooLong => return format!("The header {} is too long.", header_name(&issue.field)),
        HeaderLineBreak => {
            return format!(
                "The header {} cannot contain line breaks.",
                header_name(&issue.field)
            )
        }
        HeaderNotLatin1 => {
            return format!(
                "The header {} can only contain Latin-1 characters.",
                header_name(&issue.field)
            )
        }
        HeaderNotText => {
            return format!("The header {} must be text.", header_name(&issue.field))
        }
        AuthNotAllowed => {
            "Updox credentials are not sent from the browser unless allowBrowserCredentials is true; the portal's proxy adds them."
        }
        AuthNotAnObject => "The auth block must be an object.",
        AuthApplicationIdRequired
        | AuthApplicationPasswordRequired
        | AuthAccountIdRequired
        | AuthUserIdRequired => {
            return format!(
                "The auth block needs {} as text.",
                last_part(rule.field())
            )
        }
        SignalInvalid => "The signal must be an AbortSignal.",
        OnProgressInvalid => "onProgress must be a function.",
    };
    text.into()
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(10 * MIB), "10.0 MB");
        assert_eq!(human_size(1536), "2 KB");
        assert_eq!(human_size(12), "12 bytes");
    }

    #[test]
    fn every_rule_has_a_sentence() {
        for &rule in Rule::ALL {
            let issue = ValidationIssue {
                field: rule.field().into(),
                rule,
                limit: Some(3),
                size: Some(4),
            };
            let text = english(&issue);
            assert!(
                text.len() > 10 && text.ends_with('.'),
                "{}: {text}",
                rule.id()
            );
        }
    }
}
