//! Browser tests (wasm-bindgen-test in headless Chromium): real File/Blob encoding and
//! real fetch against the fault server that `npm test` starts (UPDOX_TEST_SERVER).
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
use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use updox_direct::wasm::boundary::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SAMPLE_REQUEST: &str = include_str!("fixtures/updox-sample-request.json");

fn server() -> &'static str {
    match option_env!("UPDOX_TEST_SERVER") {
        Some(url) => url,
        None => panic!("UPDOX_TEST_SERVER is not set: run the browser tests through `npm test`"),
    }
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &JsValue, key: &str, v: impl Into<JsValue>) {
    Reflect::set(o, &key.into(), &v.into()).expect("set");
}

fn parse(json: &str) -> JsValue {
    JSON::parse(json).expect("json")
}

/// Updox's sample request without its auth block (the proxy adds that).
fn sample_message() -> JsValue {
    let m = parse(SAMPLE_REQUEST);
    Reflect::delete_property(m.unchecked_ref::<Object>(), &"auth".into()).expect("delete");
    m
}

fn options(path: &str) -> Object {
    let o = Object::new();
    set(&o, "proxyUrl", format!("{}{path}", server()));
    o
}

/// Deterministic bytes of length `n`.
fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn file(content: &[u8], name: &str, mime: &str) -> web_sys::File {
    let parts = Array::of1(&Uint8Array::from(content));
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type(mime);
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &bag).expect("file")
}

fn blob(content: &[u8]) -> web_sys::Blob {
    web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(content)))
        .expect("blob")
}

async fn send(message: &JsValue, options: &Object) -> Result<JsValue, JsValue> {
    send_patient_direct_message(message.clone(), options.into()).await
}

async fn fetch_json(path: &str) -> JsValue {
    let window = web_sys::window().expect("window");
    let promise = window.fetch_with_str(&format!("{}{path}", server()));
    let r: web_sys::Response = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("fetch")
        .unchecked_into();
    let text = wasm_bindgen_futures::JsFuture::from(r.text().expect("text"))
        .await
        .expect("text");
    parse(&text.as_string().unwrap_or_default())
}

fn kind(e: &JsValue) -> String {
    get(e, "kind").as_string().unwrap_or_default()
}

fn issue_fields(issues: &JsValue) -> Vec<String> {
    Array::from(issues)
        .iter()
        .map(|i| get(&i, "field").as_string().unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
fn the_updox_sample_request_is_valid() {
    let issues = validate_patient_direct_message(sample_message(), None, None);
    assert_eq!(
        Array::from(&issues).length(),
        0,
        "{:?}",
        issue_fields(&issues)
    );
}

#[wasm_bindgen_test]
fn wrong_types_give_issues_not_exceptions() {
    for bad in [
        JsValue::NULL,
        JsValue::UNDEFINED,
        42.into(),
        Array::new().into(),
        "x".into(),
    ] {
        let issues = validate_patient_direct_message(bad, None, None);
        assert!(Array::from(&issues).length() > 0);
    }
    let m = sample_message();
    set(&m, "to", 5);
    set(&m, "attachments", "nope");
    set(&get(&m, "patientDemographics"), "dateOfBirth", "1990-02-30");
    let issues = validate_patient_direct_message(m, None, None);
    assert_eq!(
        issue_fields(&issues),
        ["to", "patientDemographics.dateOfBirth", "attachments"]
    );
    let first = Array::from(&issues).get(0);
    assert_eq!(get(&first, "code").as_f64(), Some(4640.0));
}

#[wasm_bindgen_test]
fn a_throwing_getter_is_an_issue() {
    let m = sample_message();
    let getter = js_sys::Function::new_no_args("throw new Error('boom')");
    let desc = Object::new();
    set(&desc, "get", getter);
    Reflect::define_property(
        m.unchecked_ref::<Object>(),
        &"subject".into(),
        desc.unchecked_ref::<Object>(),
    )
    .expect("define");
    let issues = validate_patient_direct_message(m, None, None);
    assert_eq!(issue_fields(&issues), ["subject"]);
}

#[wasm_bindgen_test]
fn addresses_and_senders() {
    assert!(is_valid_direct_address(
        "ptacct+227163@direct.updoxqa.com".into()
    ));
    assert!(!is_valid_direct_address("jane@[127.0.0.1]".into()));
    assert!(!is_valid_direct_address(JsValue::NULL));
    assert_eq!(
        patient_sender("100030".into(), None)
            .ok()
            .and_then(|s| s.as_string()),
        Some("patient:100030".into())
    );
    let e = patient_sender(" ".into(), None).expect_err("blank id");
    assert_eq!(kind(&e), "validation");
    assert_eq!(get(&e, "name").as_string().as_deref(), Some("UpdoxError"));
    assert!(e.is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
async fn encode_attachment_is_byte_exact_across_slices() {
    // One byte past the 3 MiB slice, so the encoder joins two slices.
    for n in [0usize, 1, 2, 3, 1000, 3 * 1024 * 1024 + 1] {
        let data = bytes(n);
        let f = file(&data, "résumé 東京.pdf", "");
        let a = encode_attachment(f.into(), None).await.expect("encode");
        assert_eq!(
            get(&a, "content").as_string(),
            Some(STANDARD.encode(&data)),
            "{n} bytes"
        );
        assert_eq!(
            get(&a, "fileName").as_string().as_deref(),
            Some("résumé 東京.pdf")
        );
        assert_eq!(
            get(&a, "mimeType").as_string().as_deref(),
            Some("application/pdf")
        );
    }
}

#[wasm_bindgen_test]
async fn a_blob_needs_a_file_name() {
    let e = encode_attachment(blob(b"abc").into(), None)
        .await
        .expect_err("no name");
    assert_eq!(issue_fields(&get(&e, "issues")), ["fileName"]);
    let o = Object::new();
    set(&o, "fileName", "notes.txt");
    let a = encode_attachment(blob(b"abc").into(), Some(o.unchecked_into()))
        .await
        .expect("encode");
    assert_eq!(get(&a, "content").as_string().as_deref(), Some("YWJj"));
    assert_eq!(
        get(&a, "mimeType").as_string().as_deref(),
        Some("text/plain")
    );
}

#[wasm_bindgen_test]
async fn sends_the_sample_and_maps_the_sample_answer() {
    let r = send(&sample_message(), &options("/ok"))
        .await
        .expect("send");
    assert_eq!(get(&r, "responseCode").as_f64(), Some(2000.0));
    assert_eq!(
        get(&r, "responseMessage").as_string().as_deref(),
        Some("OK")
    );
    assert_eq!(get(&r, "messageId").as_f64(), Some(249599.0));
    assert_eq!(
        get(&r, "recipient").as_string().as_deref(),
        Some("contact:227161")
    );
    assert_eq!(
        get(&r, "name").as_string().as_deref(),
        Some("test@direct.updoxqa.com")
    );
    assert_eq!(
        get(&r, "directAddress").as_string().as_deref(),
        Some("test@direct.updoxqa.com")
    );
    assert_eq!(
        get(&r, "patientDirectAddress").as_string().as_deref(),
        Some("ptacct+227163@direct.updoxqa.com")
    );
    assert!(get(&r, "reason").is_null());
    assert_eq!(
        get(&r, "sender").as_string().as_deref(),
        Some("patientDemographics")
    );
}

#[wasm_bindgen_test]
async fn the_request_carries_exact_bytes_and_no_credentials() {
    let data = bytes(3 * 1024 * 1024 + 5);
    let m = sample_message();
    let list = Array::new();
    list.push(&file(&data, "C:\\fakepath\\scan.PDF", "application/pdf").into());
    let holder = Object::new();
    set(&holder, "content", blob(b"hello"));
    set(&holder, "fileName", "hello.txt");
    list.push(&holder);
    list.push(&Array::from(&get(&m, "attachments")).get(0));
    set(&m, "attachments", list);
    set(&m, "from", "patient:100030");
    let progress = Array::new();
    let p2 = progress.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
        p2.push(&get(&p, "phase"));
    });
    let o = options("/echo");
    set(&o, "onProgress", cb.as_ref().clone());
    let headers = Object::new();
    set(&headers, "X-CSRF-Token", "t0k3n");
    set(&o, "headers", headers);
    let r = send(&m, &o).await.expect("send");
    assert_eq!(get(&r, "sender").as_string().as_deref(), Some("from"));

    let last = fetch_json("/last").await;
    let h = get(&last, "headers");
    assert_eq!(
        get(&h, "content-type").as_string().as_deref(),
        Some("application/json")
    );
    assert_eq!(
        get(&h, "x-csrf-token").as_string().as_deref(),
        Some("t0k3n")
    );
    let key = get(&h, "idempotency-key").as_string().unwrap_or_default();
    assert_eq!(key.len(), 32, "idempotency key {key}");
    let body: serde_json::Value =
        serde_json::from_str(&get(&last, "body").as_string().unwrap_or_default())
            .expect("json body");
    assert!(
        body.get("auth").is_none(),
        "no auth without allowBrowserCredentials"
    );
    assert!(body.get("patientDemographics").is_none(), "from wins");
    assert_eq!(body["from"], "patient:100030");
    assert_eq!(body["to"], "test@direct.updoxqa.com");
    let att = &body["attachments"];
    assert_eq!(att[0]["fileName"], "scan.PDF");
    assert_eq!(att[0]["mimeType"], "application/pdf");
    assert_eq!(
        att[0]["content"].as_str().map(|c| STANDARD.decode(c).ok()),
        Some(Some(data))
    );
    assert_eq!(att[1]["content"], "aGVsbG8=");
    assert_eq!(att[1]["mimeType"], "text/plain");
    // The sample's space-separated base64 is sent canonical.
    let sample: serde_json::Value = serde_json::from_str(SAMPLE_REQUEST).expect("sample");
    let spaced = sample["attachments"][0]["content"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        att[2]["content"].as_str(),
        Some(spaced.replace(' ', "").as_str())
    );
    let phases: Vec<String> = progress.iter().filter_map(|p| p.as_string()).collect();
    assert_eq!(phases.first().map(String::as_str), Some("encoding"));
    assert!(phases.iter().any(|p| p == "sending"));
    assert_eq!(phases.last().map(String::as_str), Some("done"));
}

#[wasm_bindgen_test]
async fn auth_is_sent_only_with_the_explicit_flag() {
    let auth =
        parse(r#"{"applicationId":"a","applicationPassword":"b","accountId":"c","userId":"d"}"#);
    let o = options("/echo");
    set(&o, "auth", auth.clone());
    let e = send(&sample_message(), &o).await.expect_err("refused");
    assert_eq!(kind(&e), "validation");
    assert_eq!(issue_fields(&get(&e, "issues")), ["options.auth"]);
    set(&o, "allowBrowserCredentials", true);
    send(&sample_message(), &o).await.expect("send");
    let body: serde_json::Value = serde_json::from_str(
        &get(&fetch_json("/last").await, "body")
            .as_string()
            .unwrap_or_default(),
    )
    .expect("json");
    assert_eq!(body["auth"]["applicationPassword"], "b");
}

async fn failure(path: &str, timeout_ms: Option<f64>) -> JsValue {
    let o = options(path);
    if let Some(t) = timeout_ms {
        set(&o, "timeoutMs", t);
    }
    let e = send(&sample_message(), &o).await.expect_err(path);
    assert_eq!(
        get(&e, "name").as_string().as_deref(),
        Some("UpdoxError"),
        "{path}"
    );
    e
}

fn code(e: &JsValue) -> Option<f64> {
    get(e, "responseCode").as_f64()
}

fn status(e: &JsValue) -> Option<f64> {
    get(e, "status").as_f64()
}

#[wasm_bindgen_test]
async fn updox_failures_are_kind_updox() {
    let e = failure("/updox/4650", None).await;
    assert_eq!(
        (kind(&e), code(&e), status(&e)),
        ("updox".into(), Some(4650.0), Some(200.0))
    );
    assert_eq!(
        get(&e, "reason").as_string().as_deref(),
        Some("The receiving HISP rejected the message")
    );
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    let e = failure("/updox/4011", None).await;
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn http_and_protocol_failures() {
    let e = failure("/html500", None).await;
    assert_eq!(
        (kind(&e), status(&e), code(&e)),
        ("http".into(), Some(500.0), None)
    );
    let e = failure("/http/413", None).await;
    assert_eq!(
        (kind(&e), status(&e), code(&e)),
        ("http".into(), Some(413.0), Some(4020.0))
    );
    for path in [
        "/empty",
        "/notjson",
        "/truncated",
        "/wrongshape",
        "/reverse-inconsistent",
    ] {
        let e = failure(path, None).await;
        assert_eq!(
            (kind(&e), status(&e)),
            ("protocol".into(), Some(200.0)),
            "{path}"
        );
    }
    let e = failure("/inconsistent", None).await;
    assert_eq!((kind(&e), code(&e)), ("protocol".into(), Some(4060.0)));
}

#[wasm_bindgen_test]
async fn network_timeout_and_abort() {
    let port = get(&fetch_json("/closed-port").await, "port")
        .as_f64()
        .unwrap_or(0.0);
    let o = Object::new();
    set(&o, "proxyUrl", format!("http://127.0.0.1:{port}/x"));
    let e = send(&sample_message(), &o).await.expect_err("refused");
    assert_eq!(kind(&e), "network");

    let started = js_sys::Date::now();
    let e = failure("/hang", Some(300.0)).await;
    assert_eq!(kind(&e), "timeout");
    assert!(js_sys::Date::now() - started < 3000.0);
    let e = failure("/stall-body", Some(300.0)).await;
    assert_eq!(kind(&e), "timeout");

    let controller = web_sys::AbortController::new().expect("controller");
    let o = options("/hang");
    set(&o, "signal", controller.signal());
    let c2 = controller.clone();
    let abort = Closure::once_into_js(move || c2.abort());
    web_sys::window()
        .expect("window")
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), 100)
        .expect("timer");
    let e = send(&sample_message(), &o).await.expect_err("aborted");
    assert_eq!(kind(&e), "aborted");

    // Already aborted: nothing is sent.
    let before = get(&fetch_json("/count").await, "posts").as_f64();
    let e = send(&sample_message(), &o).await.expect_err("aborted");
    assert_eq!(kind(&e), "aborted");
    assert_eq!(get(&fetch_json("/count").await, "posts").as_f64(), before);
}

#[wasm_bindgen_test]
async fn bad_options_are_validation_errors() {
    let cases: [(&str, JsValue, &str); 4] = [
        (
            "proxyUrl",
            "http://portal.example/api".into(),
            "options.proxyUrl",
        ),
        ("timeoutMs", (-5).into(), "options.timeoutMs"),
        ("credentials", "sometimes".into(), "options.credentials"),
        ("signal", "stop".into(), "options.signal"),
    ];
    for (key, value, field) in cases {
        let o = options("/ok");
        set(&o, key, value);
        let e = send(&sample_message(), &o).await.expect_err(key);
        assert_eq!(kind(&e), "validation");
        assert_eq!(issue_fields(&get(&e, "issues")), [field]);
    }
    let e = send_patient_direct_message(sample_message(), JsValue::UNDEFINED)
        .await
        .expect_err("no options");
    assert_eq!(issue_fields(&get(&e, "issues")), ["options"]);
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
