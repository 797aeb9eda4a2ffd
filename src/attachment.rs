//! Attachment metadata and pre-encoded content: file names, MIME types, base64 checks.

const MAX_FILE_NAME_BYTES: usize = 255;

/// Unicode bidirectional overrides and isolates: a name such as `evil<U+202E>fdp.exe`
/// displays as `evilexe.pdf`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The last path component of a browser `File` name (some browsers report a path).
pub fn strip_directories(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Checks a file name as sent to Updox; returns it trimmed.
pub fn check_file_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("The attachment needs a file name.");
    }
    if name.contains(['/', '\\']) {
        return Err("The file name cannot contain / or \\.");
    }
    if name == "." || name == ".." {
        return Err("The file name is not valid.");
    }
    if name.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err("The file name cannot contain control or text-direction characters.");
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err("The file name is too long.");
    }
    Ok(name.to_string())
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks a MIME type `type/subtype[; name=value]...`; returns it rebuilt from its checked
/// parts (type and subtype lower-cased), so nothing unchecked reaches the request.
pub fn check_mime_type(mime: &str) -> Result<String, &'static str> {
    const MSG: &str = "The file type must look like type/subtype, for example application/pdf.";
    if mime.len() > 255 || mime.chars().any(char::is_control) {
        return Err(MSG);
    }
    let mut parts = mime.split(';');
    let essence = parts.next().unwrap_or("").trim();
    let Some((ty, sub)) = essence.split_once('/') else {
        return Err(MSG);
    };
    if !is_token(ty) || !is_token(sub) {
        return Err(MSG);
    }
    let mut out = format!("{}/{}", ty.to_ascii_lowercase(), sub.to_ascii_lowercase());
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            return Err(MSG);
        };
        let (key, value) = (key.trim(), value.trim());
        if !is_token(key) || value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(MSG);
        }
        out.push_str("; ");
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    Ok(out)
}

/// A MIME type for a file name's extension, for files the browser could not type.
pub fn mime_from_extension(name: &str) -> &'static str {
    let ext = match name.rsplit_once('.') {
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
pub fn normalize_base64(content: &str) -> Result<Base64Content, &'static str> {
    const MSG: &str = "The attachment's content is not valid base64.";
    let canonical: String = if content.bytes().any(|b| b.is_ascii_whitespace()) {
        content
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect()
    } else {
        content.to_string()
    };
    if canonical.len() % 4 != 0 {
        return Err(MSG);
    }
    let padding = canonical.bytes().rev().take_while(|&b| b == b'=').count();
    let decoded_len = canonical.len() / 4 * 3 - padding.min(2);
    base64_simd::STANDARD
        .check(canonical.as_bytes())
        .map_err(|_| MSG)?;
    Ok(Base64Content {
        canonical,
        decoded_len: decoded_len as u64,
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
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
        assert!(check_file_name("").is_err());
        assert!(check_file_name("../etc/passwd").is_err());
        assert!(check_file_name("a\\b.txt").is_err());
        assert!(check_file_name("..").is_err());
        assert!(check_file_name("a\nb.txt").is_err());
        assert!(check_file_name("evil\u{202e}fdp.exe").is_err());
        assert!(check_file_name(&"a".repeat(256)).is_err());
    }

    #[test]
    fn mime_types() {
        assert_eq!(check_mime_type("Text/Plain").as_deref(), Ok("text/plain"));
        assert_eq!(
            check_mime_type("text/plain;charset=utf-8").as_deref(),
            Ok("text/plain; charset=utf-8")
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
            assert!(check_mime_type(bad).is_err(), "{bad}");
        }
        assert_eq!(mime_from_extension("Scan.PDF"), "application/pdf");
        assert_eq!(mime_from_extension("noext"), "application/octet-stream");
    }

    #[test]
    fn updox_sample_base64_with_spaces_is_accepted() {
        let sample = "VEhJU0lT QVRFU1Qg\n VEhJ";
        let got = normalize_base64(sample).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.canonical, "VEhJU0lTQVRFU1QgVEhJ");
        assert_eq!(got.decoded_len, 15);
    }

    #[test]
    fn bad_base64_is_refused() {
        for bad in ["abc", "ab=c", "a===", "abc*", "YQ==YQ==", "YR==", "-_8="] {
            assert!(normalize_base64(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_base64("").map(|c| c.decoded_len), Ok(0));
        assert_eq!(normalize_base64("YQ==").map(|c| c.decoded_len), Ok(1));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let enc = STANDARD.encode(&bytes);
            let got = normalize_base64(&enc).map_err(TestCaseError::fail)?;
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
