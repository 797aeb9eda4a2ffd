//! The fuzz targets' logic, shared by the libFuzzer binaries (fuzz_targets/) and the
//! regression replay (tests/regressions.rs). Each target must never panic or hang; the
//! assertions below are invariants that hold for every input (a failure is a crasher).

use updox_direct::check::limits::Limits;
use updox_direct::check::message;
use updox_direct::check::patient::Day;
use updox_direct::check::{address, attachment, patient};
use updox_direct::input::{AttachmentInput, Input, MessageInput};
use updox_direct::issue::Issues;
use updox_direct::updox::json::{read_object, whole_number};
use updox_direct::updox::response;

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The Direct address validator: `address::check`, `is_valid`, `normalize`.
pub fn address(data: &[u8]) {
    let s = text(data);
    let ok = address::check(&s).is_ok();
    assert_eq!(ok, address::is_valid(&s));
    if ok {
        assert!(s.len() <= 254 && s.is_ascii() && s.contains('@'));
        // Normalising (lower-casing the domain) keeps a valid address valid.
        let n = address::normalize(&s);
        assert!(address::check(&n).is_ok(), "normalize broke {s:?} -> {n:?}");
    }
}

/// Demographics and dates: `parse_day`, `check_birth_date`, `check_from`,
/// `check_patient_id`, `normalize_gender`. The first 12 bytes pick "today".
pub fn patient(data: &[u8]) {
    let word = |i: usize| -> u32 {
        let mut b = [0u8; 4];
        for (k, slot) in b.iter_mut().enumerate() {
            *slot = data.get(i + k).copied().unwrap_or(0);
        }
        u32::from_le_bytes(b)
    };
    let today = Day {
        year: word(0) % 10_000,
        month: word(4) % 14,
        day: word(8) % 33,
    };
    let s = text(data.get(12..).unwrap_or_default());

    if let Some(d) = patient::parse_day(&s) {
        assert_eq!(s.len(), 10);
        assert!(
            (1..=12).contains(&d.month) && (1..=31).contains(&d.day),
            "{d:?}"
        );
    }
    if patient::check_birth_date(&s, today).is_ok() {
        let d = patient::parse_day(&s).unwrap_or_else(|| panic!("accepted {s:?} without a day"));
        assert!(d.year >= 1900 && d <= today);
    }
    if let Ok(from) = patient::check_from(&s) {
        assert!(from.starts_with(patient::FROM_PREFIX));
        assert_eq!(
            patient::check_from(&from).as_deref(),
            Ok(from.as_str()),
            "not idempotent"
        );
    }
    if let Ok(id) = patient::check_patient_id(&s) {
        assert!(!id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control()));
    }
    if let Some(g) = patient::normalize_gender(&s) {
        assert!(["M", "F", "O", "U"].contains(&g.as_str()));
    }
}

/// Attachments: `check_file_name`, `check_mime_type`, `strip_directories`,
/// `mime_from_extension`, and whole messages of attachments with sizes taken from the
/// input (any double, as a hostile page could report): never a panic, never a size that
/// wraps, never an attachment dropped. (Pre-encoded base64 is checked by
/// `encode::decoded_size`, held against the `base64` crate natively and against Node's
/// decoder by tests/module/base64-content.test.mjs.)
pub fn attachment(data: &[u8]) {
    let s = text(data);
    sizes(data);

    if let Ok(name) = attachment::check_file_name(&s) {
        assert!(!name.is_empty() && name.len() <= 255);
        assert!(!name.contains(['/', '\\']) && !name.chars().any(char::is_control));
        assert!(!name.chars().any(|c| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')));
        assert_eq!(
            attachment::check_file_name(&name).as_deref(),
            Ok(name.as_str()),
            "not idempotent"
        );
    }
    let base = attachment::strip_directories(&s);
    assert!(!base.contains(['/', '\\']));

    if let Some(mime) = attachment::check_mime_type(&s) {
        assert!(mime.contains('/') && mime.is_ascii());
        assert!(
            !mime.bytes().any(|b| b.is_ascii_control()),
            "control character in {mime:?}"
        );
    }
    assert!(attachment::mime_from_extension(&s).contains('/'));
}

/// A message whose attachments have the sizes in `data` (eight bytes each, a double),
/// checked under limits raised to the largest allowed and under the defaults.
fn sizes(data: &[u8]) {
    let entries: Vec<Input<AttachmentInput>> = data
        .chunks(8)
        .enumerate()
        .map(|(part, bytes)| {
            let mut b = [0u8; 8];
            b[..bytes.len()].copy_from_slice(bytes);
            let size = f64::from_le_bytes(b);
            Input::Given(match part % 2 {
                0 => AttachmentInput::Blob {
                    part,
                    size,
                    file_name: Input::Given("a.pdf".into()),
                    name_from_file: false,
                    mime_type: Input::Absent,
                },
                _ => AttachmentInput::Encoded {
                    part,
                    content: Input::Given((size >= 0.0).then_some(size as u64)),
                    mime_type: Input::Absent,
                    file_name: Input::Given("a.txt".into()),
                },
            })
        })
        .collect();
    let count = entries.len();
    let unread = u64::from(data.first().copied().unwrap_or(0) & 3);
    let m = Input::Given(MessageInput {
        to: Input::Given("dr@direct.example.org".into()),
        from: Input::Given("patient:1".into()),
        attachments: Input::Given(entries),
        attachments_unread: unread,
        ..MessageInput::default()
    });
    let today = Day { year: 2026, month: 1, day: 1 };
    let huge = (1u64 << 53) - 1;
    let raised = Limits {
        max_attachments: huge,
        max_attachment_bytes: huge,
        max_total_attachment_bytes: huge,
        ..Limits::default()
    };
    for limits in [raised, Limits::default()] {
        let mut issues = Issues::default();
        let valid = message::check(&m, &limits, today, &mut issues);
        if let Some(v) = valid {
            // Every attachment is there, and none was left unread.
            assert_eq!(v.attachments.len(), count);
            assert_eq!(unread, 0);
            assert!(v.attachments.iter().all(|a| a.size > 0));
            let total = v.attachments.iter().fold(0u64, |t, a| t.saturating_add(a.size));
            assert_eq!(v.attachment_bytes(), total);
        }
    }
}

/// The answer reader and mapper, exactly as the browser runs them: the first two bytes
/// are the HTTP status. The reader must accept the same objects as serde_json and find the
/// same values in them.
pub fn response(data: &[u8]) {
    let status = u16::from_le_bytes([
        data.first().copied().unwrap_or(0),
        data.get(1).copied().unwrap_or(0),
    ]) % 1000;
    let body = text(data.get(2..).unwrap_or_default());
    match response::map_text(status, &body, "from") {
        Ok(r) => {
            assert!((200..300).contains(&status));
            assert_eq!(r.response_code, 2000);
        }
        Err(e) => {
            if !(200..300).contains(&status) {
                assert_eq!(e.kind, updox_direct::ErrorKind::Http);
                assert_eq!(e.status, Some(status));
            }
            assert!(!e.rule.id().is_empty());
        }
    }

    const KEYS: [&str; 3] = ["successful", "responseCode", "messageId"];
    let ours = read_object(&body, KEYS);
    match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(theirs)) => {
            let ours = ours.unwrap_or_else(|| panic!("refused an object serde_json reads: {body:?}"));
            for (key, value) in KEYS.iter().zip(ours) {
                assert_eq!(value.is_some(), theirs.contains_key(*key), "{key} in {body:?}");
            }
        }
        // serde_json refuses numbers beyond f64 and nesting beyond 128, which JSON.parse
        // (and the reader) take.
        Err(e) if e.to_string().contains("out of range") || e.to_string().contains("recursion") => {}
        // serde_json refuses lone surrogates in \u escapes; JSON.parse takes them.
        Err(e) if e.to_string().contains("surrogate") => {}
        _ => assert!(ours.is_none(), "accepted what serde_json refuses: {body:?}"),
    }
    // The number reader on its own, with arbitrary text.
    let _ = whole_number(&body);
}

/// Photos: `strip_metadata` and `inspect` on any bytes. The plan lies within the input, in
/// order; a file it cannot read is kept whole; a stripped photo is still the same type and
/// stripping it again changes nothing; a location is only reported with its block.
pub fn photo(data: &[u8]) {
    use updox_direct::photo::{inspect, sniff, strip_metadata, Piece};
    let plan = strip_metadata(data);
    let mut at = 0;
    for piece in &plan.pieces {
        match piece {
            Piece::Keep { start, end } => {
                assert!(*start >= at && *end <= data.len(), "{piece:?}");
                assert!(start < end || data.is_empty(), "an empty piece: {piece:?}");
                at = *end;
            }
            Piece::Insert(bytes) => assert!(!bytes.is_empty() && bytes.len() <= 64),
        }
    }
    let out = plan.to_vec(data);
    assert_eq!(out.len(), plan.len());
    match &plan.removed {
        None => assert!(plan.is_unchanged(), "unreadable but changed"),
        Some(removed) if removed.is_empty() => assert_eq!(out, data),
        Some(_) => {
            assert_eq!(sniff(&out), sniff(data));
            let again = strip_metadata(&out);
            assert_eq!(again.to_vec(&out), out, "stripping twice changed more");
            assert!(again.removed.is_some(), "stripping made it unreadable");
        }
    }
    let facts = inspect(data);
    assert!(!facts.has_location || facts.metadata.contains(&"gps"));
    assert_eq!(facts.mime, sniff(data).mime());
}
