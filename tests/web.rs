//! Browser tests (wasm-bindgen-test in headless Chromium) of the wasm core's exports, as the
//! JavaScript side calls them: the SIMD encoder against the scalar reference, the lists the
//! core reads and writes, and the answer reader on Updox's sample. The public functions
//! built on them (js/api.js) are tested through the package by the Node suites.
#![cfg(target_arch = "wasm32")]
// Test code: a failed expectation should stop the test (the panic lints guard src/).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use updox_direct::updox::error::Outcome;
use updox_direct::wasm::boundary::*;
use updox_direct::wasm::encoding::{core_encode, core_memory};
use updox_direct::Rule;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SAMPLE_RESPONSE: &str = include_str!("fixtures/updox-sample-response.json");

/// Deterministic bytes of length `n`.
fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

const NONE: JsValue = JsValue::UNDEFINED;

/// A message's slots (see js/read.js): valid, with `from`, and `to` as given.
fn message(to: &str) -> Box<[JsValue]> {
    vec![
        JsValue::TRUE,
        s(to),
        s("Knee X-ray"),
        s("Results attached."),
        s("patient:48213"),
        NONE,             // no demographics
        JsValue::from(1), // one attachment read,
        JsValue::from(0), // none past the reader's cap:
        s("e"),
        JsValue::from(2), // its content's decoded size (the content stays in JavaScript)
        s("notes.txt"),
        NONE,
        JsValue::FALSE,
    ]
    .into_boxed_slice()
}

/// Send options' slots: proxyUrl, then nothing else given.
fn options() -> Box<[JsValue]> {
    let mut o = vec![JsValue::TRUE, s("/api"), NONE, NONE, NONE, NONE];
    o.extend([JsValue::FALSE, JsValue::FALSE, NONE, NONE, NONE, NONE]);
    o.into_boxed_slice()
}

/// Options holding limits alone, as validatePatientDirectMessage passes them.
fn only_limits() -> Box<[JsValue]> {
    vec![JsValue::TRUE, NONE, NONE, NONE, NONE].into_boxed_slice()
}

/// The issues of a failure list (after its eleven leading values), five values each.
fn issues(list: &[JsValue]) -> &[JsValue] {
    &list[11..]
}

fn url() -> Box<[JsValue]> {
    vec![
        s("https://portal.example/api"),
        s("https:"),
        s("portal.example"),
        JsValue::TRUE,
    ]
    .into_boxed_slice()
}

fn text(v: &JsValue) -> String {
    v.as_string().unwrap_or_default()
}

fn number(v: &JsValue) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// The SIMD encoder (built with +simd128 here) against the scalar reference, over every
/// size up to a few SIMD blocks and pseudo-random sizes around the slice boundary.
#[wasm_bindgen_test]
fn simd_encoder_matches_the_scalar_reference() {
    use updox_direct::encode::{encode_into, SLICE_BYTES};
    let data = bytes(SLICE_BYTES + 4096);
    let mut seed = 0x2545_f491_u32;
    let mut sizes: Vec<usize> = (0..300).collect();
    // Few large sizes: the test runs synchronously on the page's only thread.
    for _ in 0..6 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        sizes.push(SLICE_BYTES - 2048 + (seed as usize % 4096));
    }
    for n in sizes {
        let input = &data[..n];
        let mut out = Vec::new();
        encode_into(input, &mut out);
        assert_eq!(out, STANDARD.encode(input).into_bytes(), "{n} bytes");
    }
}

/// What coreEncode writes is the base64 of its input, and coreMemory's buffer views it once
/// coreEncode has returned, at sizes that need the output buffer (and wasm memory) to grow
/// and shrink.
#[wasm_bindgen_test]
fn core_encode_writes_the_encoding() {
    const MIB: usize = 1024 * 1024;
    for n in [0, 1, 2, 3, 1000, 3 * MIB + 1, 5, 6 * MIB] {
        let data = bytes(n);
        let expected = STANDARD.encode(&data).into_bytes();
        let at = core_encode(&data);
        // SAFETY: coreEncode wrote `expected.len()` bytes there, and nothing has run since.
        let written = unsafe { core::slice::from_raw_parts(at as *const u8, expected.len()) };
        assert!(written == expected, "{n} bytes");
        // Viewed from JavaScript without allocating in between (that could grow memory).
        let buffer = js_sys::Reflect::get(&core_memory(), &"buffer".into()).unwrap();
        let view = js_sys::Uint8Array::new_with_byte_offset_and_length(
            &buffer,
            at as u32,
            expected.len() as u32,
        );
        assert_eq!(view.length() as usize, expected.len(), "{n} bytes");
        for i in [0, expected.len() / 2, expected.len().saturating_sub(1)] {
            if let Some(&b) = expected.get(i) {
                assert_eq!(view.get_index(i as u32), b, "{n} bytes, at {i}");
            }
        }
    }
}

#[wasm_bindgen_test]
fn a_valid_message_has_no_issues_and_a_bad_address_one() {
    // Checked as a send whose options hold limits alone: one issue of theirs, the missing
    // proxy URL, comes last (js/api.js drops it).
    let none: Box<[JsValue]> = Box::new([]);
    let checked = core_prepare(
        message("dr@direct.example.org"),
        only_limits(),
        none.clone(),
        None,
        2026,
        11,
        24,
    );
    assert_eq!(issues(&checked).len(), 5, "one issue");
    let proxy_url = f64::from(Rule::ProxyUrlRequired.index());
    assert_eq!(number(&issues(&checked)[2]), proxy_url);
    let checked = core_prepare(
        message("not an address"),
        only_limits(),
        none,
        None,
        2026,
        11,
        24,
    );
    let found = issues(&checked);
    assert_eq!(
        found.len(),
        10,
        "two issues: field, code, rule, limit, size each"
    );
    assert!(
        found[0].is_undefined(),
        "the rule's own field is left to JavaScript"
    );
    assert_eq!(number(&found[1]), 4640.0);
    assert_eq!(number(&found[2]), f64::from(Rule::ToInvalid.index()));
    assert_eq!(number(&found[7]), proxy_url);
}

#[wasm_bindgen_test]
fn prepare_gives_the_plan_and_the_body_or_the_failure() {
    let random = Some(vec![7u8; 16].into_boxed_slice());
    let plan = core_prepare(
        message("Dr@Direct.Example.ORG"),
        options(),
        url(),
        random,
        2026,
        11,
        24,
    );
    assert_eq!(text(&plan[0]), "ok");
    assert_eq!(text(&plan[1]), "https://portal.example/api");
    assert_eq!(number(&plan[2]), 30000.0);
    assert_eq!(text(&plan[4]), "07".repeat(16), "the Idempotency-Key");
    assert_eq!(text(&plan[5]), "from");
    assert_eq!(number(&plan[6]), 2.0, "attachment bytes");
    assert_eq!(number(&plan[7]), 0.0, "extra headers");
    // JSON text, then the attachment's size and place (its content stays in JavaScript),
    // then JSON again.
    assert!(text(&plan[8]).starts_with(r#"{"to":"Dr@direct.example.org""#));
    assert_eq!((number(&plan[9]), number(&plan[10])), (2.0, 0.0));
    assert_eq!(text(&plan[11]), r#""}]}"#);

    // A lookup: the address checked like `to`, the body names it alone.
    let lookup: Box<[JsValue]> = Box::new([s("lookup"), s(" Dr@Direct.Example.ORG ")]);
    let plan = core_prepare(
        lookup,
        options(),
        url(),
        Some(Box::new([7u8; 16])),
        2026,
        11,
        24,
    );
    assert_eq!(text(&plan[0]), "ok");
    assert_eq!(
        text(&plan[5]),
        "Dr@direct.example.org",
        "the address looked up"
    );
    assert_eq!(text(&plan[8]), r#"{"recipient":"Dr@direct.example.org"}"#);
    assert_eq!(plan.len(), 9);

    let refused = core_prepare(
        message("dr@direct.example.org"),
        options(),
        url(),
        None,
        2026,
        11,
        24,
    );
    assert_eq!(text(&refused[0]), "error");
    assert_eq!(text(&refused[1]), "network");
    let expected = Rule::ALL.len() + Outcome::BrowserNoSecureRandom as usize;
    assert_eq!(number(&refused[2]), expected as f64);
    assert_eq!(refused[8].as_bool(), Some(false), "not retryable");
    assert_eq!(text(&refused[9]), "not-sent");
}

#[wasm_bindgen_test]
fn failures_of_the_javascript_side() {
    let unreadable = core_failure(7, Some(3), 30000.0);
    assert_eq!(text(&unreadable[1]), "validation");
    assert_eq!(text(&unreadable[11]), "attachments[3]");
    assert_eq!(
        number(&unreadable[13]),
        f64::from(Rule::AttachmentUnreadable.index())
    );
    assert_eq!(text(&core_failure(7, None, 30000.0)[11]), "file");
    let offline = core_failure(3, None, 30000.0);
    assert_eq!(
        (text(&offline[1]), text(&offline[9])),
        ("network".into(), "not-sent".into())
    );
    let lost = core_failure(6, None, 30000.0);
    assert_eq!(
        (lost[8].as_bool(), text(&lost[9])),
        (Some(true), "unknown".into())
    );
    let late = core_failure(1, None, 30000.0);
    assert_eq!(
        (text(&late[1]), text(&late[9])),
        ("aborted".into(), "unknown".into())
    );
}

/// A resend refused before forwarding: "unknown", with the resend's sentence, the proxy's
/// rule kept; the same refusal of a first attempt is "not sent".
#[wasm_bindgen_test]
fn a_refused_resend_is_unknown() {
    let body = r#"{"error":"rate_limited","message":"Slow down"}"#;
    let first = core_answer(429, body, "from", false);
    let again = core_answer(429, body, "from", true);
    let rule = (Rule::ALL.len() + Outcome::ProxyRateLimited as usize) as f64;
    let said = (Rule::ALL.len() + Outcome::ResendUnconfirmed as usize) as f64;
    assert_eq!(
        (number(&first[2]), text(&first[9])),
        (rule, "not-sent".into())
    );
    assert_eq!(number(&first[10]), rule);
    assert_eq!(
        (number(&again[2]), text(&again[9])),
        (rule, "unknown".into())
    );
    assert_eq!(number(&again[10]), said);
    let blocked = core_answer(409, r#"{"error":"outcome_unknown"}"#, "from", false);
    assert_eq!(
        (text(&blocked[9]), blocked[8].as_bool()),
        ("unknown".into(), Some(false))
    );
}

#[wasm_bindgen_test]
fn the_sample_answer_maps_field_by_field() {
    let out = core_answer(200, SAMPLE_RESPONSE, "patientDemographics", false);
    assert_eq!(text(&out[0]), "ok");
    assert_eq!(number(&out[1]), 2000.0);
    assert_eq!(text(&out[3]), "249599", "a number's literal");
    assert_eq!(out[4].as_bool(), Some(true));
    assert_eq!(text(&out[5]), "contact:227161");
    assert_eq!(text(&out[8]), "ptacct+227163@direct.updoxqa.com");
    assert_eq!(text(&out[10]), "patientDemographics");
    let trusted = |body: &str| core_answer(200, body, "", false)[11].as_bool();
    let answer = |valid| {
        format!(r#"{{"successful":true,"responseCode":2000,"validDirectAddress":{valid}}}"#)
    };
    assert_eq!(trusted(&answer("true")), Some(true));
    assert_eq!(trusted(&answer("false")), Some(false));
    let unclear = core_answer(200, r#"{"successful":true,"responseCode":2000}"#, "", false);
    assert_eq!(text(&unclear[1]), "protocol");
    let failed = core_answer(
        200,
        r#"{"successful":false,"responseCode":4650}"#,
        "from",
        false,
    );
    assert_eq!(
        (text(&failed[0]), text(&failed[1])),
        ("error".into(), "updox".into())
    );
}

#[wasm_bindgen_test]
fn addresses_and_senders() {
    let sender = core_sender(s("100030"));
    assert_eq!(
        (text(&sender[0]), text(&sender[1])),
        ("ok".into(), "patient:100030".into())
    );
    let refused = core_sender(JsValue::NULL);
    assert_eq!(text(&refused[0]), "error");
}
