//! One attachment: file name, MIME type, and content (pre-encoded base64, or a File/Blob
//! the module encodes when sending; either stays on the JavaScript side, known by its
//! size). Size limits are the message's to check.

use crate::ascii::{rsplit_once, split, split_once};
use crate::input::{whole, AttachmentInput, Input, Text};
use crate::issue::{sub, Issues, Rule};
use crate::prelude::*;

const MAX_FILE_NAME_BYTES: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAttachment {
    pub file_name: String,
    pub mime_type: String,
    /// Where its content is on the JavaScript side: its place among the attachments (a
    /// File/Blob to encode, or canonical base64 to send as it is).
    pub part: usize,
    /// Decoded bytes.
    pub size: u64,
}

/// Unicode bidirectional overrides and isolates: a name such as `evil<U+202E>fdp.exe`
/// displays as `evilexe.pdf`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The last path component of a browser `File` name (some browsers report a path).
pub fn strip_directories(name: &str) -> &str {
    rsplit_once(name, |b| b == b'/' || b == b'\\').map_or(name, |(_, base)| base)
}

/// Checks a file name as sent to Updox; returns it trimmed, or the rule it breaks.
pub fn check_file_name(name: &str) -> Result<String, Rule> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Rule::FileNameRequired);
    }
    if name.bytes().any(|b| b == b'/' || b == b'\\') {
        return Err(Rule::FileNameHasSlash);
    }
    if name == "." || name == ".." {
        return Err(Rule::FileNameInvalid);
    }
    if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(Rule::FileNameInvalidCharacters);
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(Rule::FileNameTooLong);
    }
    Ok(name.to_string())
}

/// An HTTP token (RFC 9110): MIME type parts and header names.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks a MIME type `type/subtype[; name=value]...`; returns it rebuilt from its checked
/// parts (type and subtype lower-cased), so nothing unchecked reaches the request.
pub fn check_mime_type(mime: &str) -> Option<String> {
    if mime.len() > 255 || mime.chars().any(char::is_control) {
        return None;
    }
    let mut parts = split(mime, b';');
    let essence = parts.next().unwrap_or("").trim();
    let (ty, subtype) = split_once(essence, |b| b == b'/')?;
    if !is_token(ty) || !is_token(subtype) {
        return None;
    }
    let mut out = ty.to_ascii_lowercase();
    out.push('/');
    out.push_str(&subtype.to_ascii_lowercase());
    for param in parts {
        let (key, value) = split_once(param, |b| b == b'=')?;
        let (key, value) = (key.trim(), value.trim());
        if !is_token(key) || value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        out.push_str("; ");
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    Some(out)
}

/// A MIME type for a file name's extension, for files the browser could not type.
pub fn mime_from_extension(name: &str) -> &'static str {
    let ext = match rsplit_once(name, |b| b == b'.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => String::new(),
    };
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "xml" => "application/xml",
        "json" => "application/json",
        "rtf" => "application/rtf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "heic" => "image/heic",
        "webp" => "image/webp",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        "dcm" => "application/dicom",
        _ => "application/octet-stream",
    }
}

/// Checks one attachment whose issues go under `at` (e.g. `attachments[2]`, or "" for
/// a single file); returns it when valid, and its decoded size either way.
pub fn check(
    at: &str,
    entry: &Input<AttachmentInput>,
    issues: &mut Issues,
) -> (Option<ValidAttachment>, u64) {
    let Input::Given(a) = entry else {
        issues.at(Rule::AttachmentInvalid, whole_field(at));
        return (None, 0);
    };
    let (file_name, from_file, mime_type) = match a {
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
    let file_name = file_name_of(file_name, from_file).unwrap_or_else(|rule| {
        issues.at(rule, sub(at, "fileName"));
        String::new()
    });
    let mime_type = match mime_type {
        Input::Given(s) if !s.trim().is_empty() => check_mime_type(s.trim()).unwrap_or_else(|| {
            issues.at(Rule::MimeTypeInvalid, sub(at, "mimeType"));
            String::new()
        }),
        Input::Wrong(_) => {
            issues.at(Rule::MimeTypeNotText, sub(at, "mimeType"));
            String::new()
        }
        _ => mime_from_extension(&file_name).to_string(),
    };
    let (part, content) = match a {
        AttachmentInput::Encoded { part, content, .. } => (
            *part,
            encoded_content(content).map_err(|rule| (rule, sub(at, "content"))),
        ),
        AttachmentInput::Blob { part, size, .. } => (
            *part,
            whole(*size, MAX_SAFE_INTEGER).ok_or((Rule::AttachmentUnreadable, whole_field(at))),
        ),
    };
    // An empty file is never a meaningful clinical attachment (and is what a File reads as
    // in Chromium once its file is gone).
    let size = match content {
        Ok(0) => Err((Rule::AttachmentEmpty, whole_field(at))),
        other => other,
    }
    .unwrap_or_else(|(rule, field)| {
        issues.at(rule, field);
        0
    });
    let valid = (issues.len() == before).then_some(ValidAttachment {
        file_name,
        mime_type,
        part,
        size,
    });
    (valid, size)
}

/// The path of a whole attachment: `at`, or `file` for a single file.
fn whole_field(at: &str) -> String {
    if at.is_empty() { "file" } else { at }.into()
}

/// One File/Blob on its own (`encodeAttachment`): its issues name `fileName`,
/// `mimeType` or `file`, and no size limit applies.
pub fn single(entry: &Input<AttachmentInput>) -> Result<ValidAttachment, Issues> {
    let mut issues = Issues::default();
    if !matches!(entry, Input::Given(AttachmentInput::Blob { .. })) {
        issues.add(Rule::FileRequired);
        return Err(issues);
    }
    match check("", entry, &mut issues) {
        (Some(valid), _) if issues.is_empty() => Ok(valid),
        _ => Err(issues),
    }
}

/// The file name as sent, or the rule it breaks.
fn file_name_of(field: &Text, from_file: bool) -> Result<String, Rule> {
    match field {
        Input::Given(s) if from_file => check_file_name(strip_directories(s)),
        Input::Given(s) => check_file_name(s),
        Input::Absent => Err(Rule::FileNameRequired),
        Input::Wrong(_) => Err(Rule::FileNameNotText),
    }
}

/// Pre-encoded content's decoded size, or the rule it breaks.
fn encoded_content(content: &Input<Option<u64>>) -> Result<u64, Rule> {
    match *content {
        Input::Given(Some(size)) => Ok(size),
        Input::Given(None) => Err(Rule::ContentNotBase64),
        Input::Absent => Err(Rule::ContentRequired),
        Input::Wrong(_) => Err(Rule::ContentNotText),
    }
}

/// The largest whole number a double holds exactly (2^53 − 1): a File/Blob's size beyond
/// it, or not a whole number, comes from a hostile look-alike.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn file_names() {
        assert_eq!(strip_directories("C:\\Users\\jane\\scan.pdf"), "scan.pdf");
        assert_eq!(strip_directories("/home/jane/scan.pdf"), "scan.pdf");
        assert_eq!(strip_directories("scan.pdf"), "scan.pdf");
        assert_eq!(
            check_file_name(" résumé – 東京.pdf ").as_deref(),
            Ok("résumé – 東京.pdf")
        );
        assert_eq!(check_file_name(" "), Err(Rule::FileNameRequired));
        assert_eq!(
            check_file_name("../etc/passwd"),
            Err(Rule::FileNameHasSlash)
        );
        assert_eq!(check_file_name("a\\b.txt"), Err(Rule::FileNameHasSlash));
        assert_eq!(check_file_name(".."), Err(Rule::FileNameInvalid));
        assert_eq!(
            check_file_name("a\nb.txt"),
            Err(Rule::FileNameInvalidCharacters)
        );
        assert_eq!(
            check_file_name("evil\u{202e}fdp.exe"),
            Err(Rule::FileNameInvalidCharacters)
        );
        assert_eq!(
            check_file_name(&"a".repeat(256)),
            Err(Rule::FileNameTooLong)
        );
    }

    #[test]
    fn mime_types() {
        assert_eq!(check_mime_type("Text/Plain").as_deref(), Some("text/plain"));
        assert_eq!(
            check_mime_type("text/plain;charset=utf-8").as_deref(),
            Some("text/plain; charset=utf-8")
        );
        for bad in [
            "",
            "text",
            "text/",
            "/plain",
            "text/pl ain",
            "text/plain;",
            "a/b;c",
            "é/x",
        ] {
            assert!(check_mime_type(bad).is_none(), "{bad}");
        }
        assert_eq!(mime_from_extension("Scan.PDF"), "application/pdf");
        assert_eq!(mime_from_extension("noext"), "application/octet-stream");
    }

    fn blob(file_name: Text, mime_type: Text, size: f64) -> Input<AttachmentInput> {
        Input::Given(AttachmentInput::Blob {
            part: 0,
            size,
            file_name,
            name_from_file: false,
            mime_type,
        })
    }

    fn failed(r: Result<ValidAttachment, Issues>) -> Vec<(String, &'static str)> {
        match r {
            Err(issues) => issues
                .into_vec()
                .into_iter()
                .map(|i| (i.field().to_string(), i.rule.id()))
                .collect(),
            Ok(a) => panic!("accepted {a:?}"),
        }
    }

    #[test]
    fn a_single_file() {
        let a = single(&blob(Input::Given("scan.pdf".into()), Input::Absent, 5.0))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (a.file_name.as_str(), a.mime_type.as_str(), a.size),
            ("scan.pdf", "application/pdf", 5)
        );
        // No size limit applies to a single file.
        assert!(single(&blob(Input::Given("a.bin".into()), Input::Absent, 1e12)).is_ok());
        assert_eq!(
            failed(single(&Input::Absent)),
            [("file".to_string(), "file.required")]
        );
        assert_eq!(
            failed(single(&Input::Given(AttachmentInput::Encoded {
                part: 0,
                content: Input::Given(Some(1)),
                mime_type: Input::Absent,
                file_name: Input::Given("a.txt".into()),
            }))),
            [("file".to_string(), "file.required")]
        );
        assert_eq!(
            failed(single(&blob(Input::Absent, Input::Wrong("number"), 1.0))),
            [
                ("fileName".to_string(), "attachments.fileName.required"),
                ("mimeType".to_string(), "attachments.mimeType.not_text"),
            ]
        );
        for size in [-1.0, 0.5, f64::NAN, f64::INFINITY, 2f64.powi(53)] {
            assert_eq!(
                failed(single(&blob(Input::Given("a".into()), Input::Absent, size))),
                [("file".to_string(), "attachment.unreadable")],
                "{size}"
            );
        }
        assert_eq!(
            failed(single(&blob(Input::Given("a".into()), Input::Absent, 0.0))),
            [("file".to_string(), "attachments.empty")]
        );
    }

    #[test]
    fn pre_encoded_content() {
        let encoded = |content| {
            let mut issues = Issues::default();
            let entry = Input::Given(AttachmentInput::Encoded {
                part: 3,
                content,
                mime_type: Input::Absent,
                file_name: Input::Given("a.txt".into()),
            });
            let (valid, size) = check("attachments[3]", &entry, &mut issues);
            let found: Vec<_> = issues
                .into_vec()
                .into_iter()
                .map(|i| (i.field().to_string(), i.rule.id()))
                .collect();
            (valid.map(|v| (v.part, v.size)), size, found)
        };
        assert_eq!(encoded(Input::Given(Some(7))), (Some((3, 7)), 7, vec![]));
        let one = |field: &str, rule| vec![(field.to_string(), rule)];
        assert_eq!(
            encoded(Input::Given(Some(0))),
            (None, 0, one("attachments[3]", "attachments.empty"))
        );
        assert_eq!(
            encoded(Input::Given(None)),
            (
                None,
                0,
                one("attachments[3].content", "attachments.content.not_base64")
            )
        );
        assert_eq!(
            encoded(Input::Absent),
            (
                None,
                0,
                one("attachments[3].content", "attachments.content.required")
            )
        );
        assert_eq!(
            encoded(Input::Wrong("number")),
            (
                None,
                0,
                one("attachments[3].content", "attachments.content.not_text")
            )
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = check_mime_type(&s);
            let _ = check_file_name(&s);
        }
    }
}
