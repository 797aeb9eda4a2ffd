//! One attachment: file name, MIME type, and content (pre-encoded base64, or a File/Blob
//! the module encodes when sending). Size limits are the message's to check.

use crate::ascii::{rsplit_once, split, split_once};
use crate::input::{whole, AttachmentInput, Input, Text};
use crate::issue::{sub, Issues, Rule};
use crate::prelude::*;

const MAX_FILE_NAME_BYTES: usize = 255;

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

/// Pre-encoded content with whitespace removed, and how many bytes it decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Content {
    pub canonical: String,
    pub decoded_len: u64,
}

/// Checks standard, padded base64 (whitespace tolerated and removed, as in Updox's own
/// sample). Non-canonical trailing bits are refused, so the bytes are unambiguous.
pub fn normalize_base64(content: &str) -> Option<Base64Content> {
    let canonical: String = if content.bytes().any(|b| b.is_ascii_whitespace()) {
        content
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect()
    } else {
        content.to_string()
    };
    if canonical.len() % 4 != 0 {
        return None;
    }
    let padding = canonical.bytes().rev().take_while(|&b| b == b'=').count();
    if padding > 2 || !canonical_base64(canonical.as_bytes(), padding) {
        return None;
    }
    let decoded_len = canonical.len() / 4 * 3 - padding;
    Some(Base64Content {
        canonical,
        decoded_len: decoded_len as u64,
    })
}

/// The value of a standard base64 digit.
fn digit(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// True when `text` (a multiple of 4 long, ending in `padding` `=`) is standard base64
/// whose last digit carries no stray bits, so that it decodes to exactly one byte string.
/// Only pre-encoded attachments are checked, so a plain loop is fast enough.
fn canonical_base64(text: &[u8], padding: usize) -> bool {
    let digits = text.get(..text.len() - padding).unwrap_or_default();
    let mut last = 0;
    for &b in digits {
        match digit(b) {
            Some(d) => last = d,
            None => return false,
        }
    }
    // One `=`: the last digit's low 2 bits are unused; two: its low 4 bits.
    let unused = match padding {
        1 => 0b11,
        2 => 0b1111,
        _ => 0,
    };
    last & unused == 0
}

/// Checks one attachment whose issues go under `at` (e.g. `attachments[2]`, or "" for
/// a single file); returns it when valid, and its decoded size either way.
pub fn check(
    at: &str,
    entry: &Input<AttachmentInput>,
    issues: &mut Issues,
) -> (Option<ValidAttachment>, u64) {
    let whole = if at.is_empty() { "file" } else { at };
    let Input::Given(a) = entry else {
        issues.at(Rule::AttachmentInvalid, whole.into());
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
    let content = match a {
        AttachmentInput::Encoded { content, .. } => {
            encoded_content(content).map_err(|rule| (rule, sub(at, "content")))
        }
        AttachmentInput::Blob { blob, size, .. } => blob_content(*blob, *size)
            .ok_or_else(|| (Rule::AttachmentUnreadable, whole.to_string())),
    };
    let (content, size) = match content {
        Ok((content, size)) => (Some(content), size),
        Err((rule, field)) => {
            issues.at(rule, field);
            (None, 0)
        }
    };
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

/// Pre-encoded content and its decoded size, or the rule it breaks.
fn encoded_content(content: &Text) -> Result<(Content, u64), Rule> {
    match content {
        Input::Given(s) => normalize_base64(s)
            .map(|c| (Content::Base64(c.canonical), c.decoded_len))
            .ok_or(Rule::ContentNotBase64),
        Input::Absent => Err(Rule::ContentRequired),
        Input::Wrong(_) => Err(Rule::ContentNotText),
    }
}

/// A File/Blob's content, when its size is a whole number of bytes (anything else is a
/// hostile look-alike).
fn blob_content(blob: usize, size: f64) -> Option<(Content, u64)> {
    let size = whole(size, MAX_SAFE_INTEGER)?;
    Some((Content::Blob { blob, size }, size))
}

/// The largest whole number a double holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
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

    #[test]
    fn updox_sample_base64_with_spaces_is_accepted() {
        let sample = "VEhJU0lT QVRFU1Qg\n VEhJ";
        let got = normalize_base64(sample).unwrap_or_else(|| panic!("refused"));
        assert_eq!(got.canonical, "VEhJU0lTQVRFU1QgVEhJ");
        assert_eq!(got.decoded_len, 15);
    }

    #[test]
    fn bad_base64_is_refused() {
        for bad in ["abc", "ab=c", "a===", "abc*", "YQ==YQ==", "YR==", "-_8="] {
            assert!(normalize_base64(bad).is_none(), "{bad}");
        }
        assert_eq!(normalize_base64("").map(|c| c.decoded_len), Some(0));
        assert_eq!(normalize_base64("YQ==").map(|c| c.decoded_len), Some(1));
    }

    fn blob(file_name: Text, mime_type: Text, size: f64) -> Input<AttachmentInput> {
        Input::Given(AttachmentInput::Blob {
            blob: 0,
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
                content: Input::Given("YQ==".into()),
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
        assert_eq!(
            failed(single(&blob(Input::Given("a".into()), Input::Absent, -1.0))),
            [("file".to_string(), "attachment.unreadable")]
        );
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let enc = STANDARD.encode(&bytes);
            let got = normalize_base64(&enc).ok_or_else(|| TestCaseError::fail("refused"))?;
            prop_assert_eq!(got.decoded_len, bytes.len() as u64);
            prop_assert_eq!(STANDARD.decode(&got.canonical).ok(), Some(bytes));
        }

        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = normalize_base64(&s);
            let _ = check_mime_type(&s);
            let _ = check_file_name(&s);
        }
    }
}
