//! Browser tests (wasm-bindgen-test, in Chromium, Firefox and WebKit) of the crate's exports
//! as a page calls them: the send path end to end against the loopback fault server
//! (tests/support/fault-server.mjs, whose URL scripts/wasm-browser-tests.sh gives at build
//! time as UPDOX_TEST_SERVER), files, hostile values, and the synchronous functions.
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
use js_sys::{Array, Function, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use updox_direct::wasm::api::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The fault server, given when the tests were built (scripts/wasm-browser-tests.sh).
fn server() -> &'static str {
    match option_env!("UPDOX_TEST_SERVER") {
        Some(url) => url,
        None => panic!("UPDOX_TEST_SERVER: run scripts/wasm-browser-tests.sh"),
    }
}

fn js(v: &Value) -> JsValue {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn text(v: &JsValue, key: &str) -> String {
    get(v, key)
        .as_string()
        .unwrap_or_else(|| format!("<{key}: not text>"))
}

fn set(o: &JsValue, key: &str, v: &JsValue) {
    Reflect::set(o, &key.into(), v).unwrap();
}

/// A valid message with `from`.
fn message() -> Value {
    json!({
        "to": "dr@direct.example.org",
        "subject": "Knee X-ray",
        "textMessage": "Results attached.",
        "from": "patient:48213",
    })
}

/// Options for the fault server's `path`.
fn options(path: &str) -> JsValue {
    js(&json!({ "proxyUrl": format!("{}{path}", server()), "timeoutMs": 5000 }))
}

/// Sends `message` with `options`; the result or the UpdoxError.
async fn send(message: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    send_patient_direct_message(message, options).await
}

/// The error of a send that must fail, as [kind, rule, delivery].
async fn failure(message: JsValue, options: JsValue) -> (JsValue, [String; 3]) {
    let e = send(message, options)
        .await
        .expect_err("the send must fail");
    let triple = [text(&e, "kind"), text(&e, "rule"), text(&e, "delivery")];
    (e, triple)
}

fn triple(kind: &str, rule: &str, delivery: &str) -> [String; 3] {
    [kind.into(), rule.into(), delivery.into()]
}

/// A page-side helper built from JavaScript source (test code only).
fn helper(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// Bytes of a File of `n` bytes, deterministic.
fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn file(data: &[u8], name: &str) -> JsValue {
    let parts = Array::of1(&Uint8Array::from(data));
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type("application/pdf");
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &bag)
        .unwrap()
        .into()
}

/// How many POSTs the fault server has seen.
async fn posts() -> f64 {
    let count = helper(
        "url",
        "return fetch(url).then((r) => r.json()).then((j) => j.posts)",
    )
    .call1(&JsValue::NULL, &format!("{}/count", server()).into())
    .unwrap();
    JsFuture::from(js_sys::Promise::from(count))
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

#[wasm_bindgen_test]
async fn a_send_succeeds_with_its_key_and_progress() {
    let seen = Rc::new(RefCell::new(Vec::<String>::new()));
    let record = {
        let seen = seen.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
            seen.borrow_mut().push(format!(
                "{}:{}/{}",
                text(&p, "phase"),
                get(&p, "loaded").as_f64().unwrap(),
                get(&p, "total").as_f64().unwrap()
            ));
        })
    };
    let m = js(&message());
    set(
        &m,
        "attachments",
        &Array::of1(&file(&bytes(5000), "scan.pdf")),
    );
    let o = options("/echo");
    set(&o, "onProgress", record.as_ref());
    let before = posts().await;
    let r = send(m, o).await.expect("sent");
    assert_eq!(get(&r, "responseCode").as_f64(), Some(2000.0));
    assert_eq!(get(&r, "messageId").as_f64(), Some(249599.0));
    assert_eq!(text(&r, "sender"), "from");
    let key = text(&r, "idempotencyKey");
    assert!(
        key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(posts().await - before, 1.0);
    let seen = seen.borrow();
    assert_eq!(seen.first().map(String::as_str), Some("encoding:0/5000"));
    assert!(seen.contains(&"encoding:5000/5000".to_string()), "{seen:?}");
    assert!(seen.iter().any(|p| p.starts_with("sending:0/")), "{seen:?}");
    assert!(seen.last().unwrap().starts_with("done:"), "{seen:?}");
}

#[wasm_bindgen_test]
async fn the_body_carries_the_file_as_base64() {
    let data = bytes(3 * 1024 * 1024 + 7);
    let m = js(&message());
    set(&m, "attachments", &Array::of1(&file(&data, "scan.pdf")));
    send(m, options("/echo")).await.expect("sent");
    let last = helper("url", "return fetch(url).then((r) => r.json())")
        .call1(&JsValue::NULL, &format!("{}/last", server()).into())
        .unwrap();
    let last = JsFuture::from(js_sys::Promise::from(last)).await.unwrap();
    let body: Value = serde_json::from_str(&text(&last, "body")).unwrap();
    let sent = &body["attachments"][0];
    assert_eq!(sent["fileName"], "scan.pdf");
    assert_eq!(sent["mimeType"], "application/pdf");
    assert_eq!(sent["content"].as_str().unwrap(), STANDARD.encode(&data));
    let headers = get(&last, "headers");
    assert_eq!(text(&headers, "content-type"), "application/json");
}

#[wasm_bindgen_test]
async fn http_and_updox_failures_each_say_their_class() {
    for (path, want) in [
        ("/http/503", triple("http", "http.503", "unknown")),
        ("/html500", triple("http", "http.5xx", "unknown")),
        (
            "/proxy/429/rate_limited",
            triple("http", "proxy.rate_limited", "not-sent"),
        ),
        (
            "/proxy/401/unauthorized",
            triple("http", "proxy.unauthorized", "not-sent"),
        ),
        (
            "/proxy/504/upstream_timeout",
            triple("http", "proxy.upstream_timeout", "unknown"),
        ),
        (
            "/proxy/409/outcome_unknown",
            triple("http", "proxy.outcome_unknown", "unknown"),
        ),
        ("/updox/4650", triple("updox", "updox.4650", "failed")),
        ("/updox/4010", triple("updox", "updox.auth", "failed")),
        (
            "/notjson",
            triple("protocol", "protocol.unreadable", "unknown"),
        ),
        (
            "/truncated",
            triple("protocol", "protocol.unreadable", "unknown"),
        ),
        (
            "/inconsistent",
            triple("protocol", "protocol.inconsistent", "unknown"),
        ),
        (
            "/no-message-id",
            triple("protocol", "protocol.inconsistent", "unknown"),
        ),
        (
            "/huge-chunked",
            triple("protocol", "protocol.unreadable", "unknown"),
        ),
        (
            "/huge",
            triple("protocol", "protocol.unreadable", "unknown"),
        ),
        (
            "/redirect/307",
            triple("network", "network.failed", "unknown"),
        ),
    ] {
        let (e, got) = failure(js(&message()), options(path)).await;
        assert_eq!(got, want, "{path}");
        assert_eq!(text(&e, "name"), "UpdoxError", "{path}");
        assert!(!text(&e, "message").is_empty(), "{path}");
        assert_eq!(text(&e, "idempotencyKey").len(), 32, "{path}");
    }
}

#[wasm_bindgen_test]
async fn a_refused_resend_is_unknown_and_keeps_its_key() {
    let key = "0123456789abcdef0123456789abcdef";
    for (path, said) in [
        ("/proxy/429/rate_limited", "resend.unconfirmed"),
        ("/proxy/422/idempotency_key_reused", "resend.changed"),
        ("/proxy/401/unauthorized", "resend.sign_in"),
    ] {
        let o = options(path);
        set(&o, "idempotencyKey", &key.into());
        set(&o, "messages", &js(&json!({ said: "said" })));
        let (e, [kind, _, delivery]) = failure(js(&message()), o).await;
        assert_eq!(
            (kind.as_str(), delivery.as_str()),
            ("http", "unknown"),
            "{path}"
        );
        assert_eq!(text(&e, "idempotencyKey"), key);
        assert_eq!(
            text(&e, "message"),
            "said",
            "{path}: the sentence is {said}'s"
        );
    }
}

#[wasm_bindgen_test]
async fn a_timeout_settles_within_its_time() {
    let o = js(&json!({ "proxyUrl": format!("{}/hang", server()), "timeoutMs": 400 }));
    let start = js_sys::Date::now();
    let (e, got) = failure(js(&message()), o).await;
    assert_eq!(got, triple("timeout", "timeout", "unknown"));
    assert!(js_sys::Date::now() - start >= 390.0);
    assert!(
        text(&e, "message").contains("(1 s)"),
        "{}",
        text(&e, "message")
    );
}

#[wasm_bindgen_test]
async fn aborting_before_and_after_the_body_left() {
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let o = options("/ok");
    set(&o, "signal", &controller.signal());
    let before = posts().await;
    let (_, got) = failure(js(&message()), o).await;
    assert_eq!(got, triple("aborted", "aborted", "not-sent"));
    assert_eq!(posts().await, before, "nothing left");

    let controller = web_sys::AbortController::new().unwrap();
    let o = options("/hang");
    set(&o, "signal", &controller.signal());
    let abort = Closure::once(move || controller.abort());
    web_sys::window()
        .unwrap()
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.as_ref().unchecked_ref(), 300)
        .unwrap();
    let (_, got) = failure(js(&message()), o).await;
    assert_eq!(got, triple("aborted", "aborted.after_sending", "unknown"));
}

#[wasm_bindgen_test]
async fn empty_changed_and_unreadable_files_are_refused_before_sending() {
    let before = posts().await;
    // Empty.
    let m = js(&message());
    set(&m, "attachments", &Array::of1(&file(&[], "empty.pdf")));
    let (e, got) = failure(m, options("/ok")).await;
    assert_eq!(got, triple("validation", "attachments.empty", "not-sent"));
    assert!(get(&e, "idempotencyKey").is_null());
    // A file whose bytes no longer match its size (changed since it was picked).
    let changed = helper(
        "bytes",
        "class Changed extends File { arrayBuffer() { return Promise.resolve(new ArrayBuffer(3)); } \
         slice(a, b) { return this; } } return new Changed([bytes], 'changed.pdf');",
    )
    .call1(&JsValue::NULL, &Uint8Array::from(bytes(10).as_slice()))
    .unwrap();
    // A file whose read fails (gone).
    let failing = helper(
        "bytes",
        "class Gone extends File { arrayBuffer() { return Promise.reject(new Error('gone')); } \
         slice(a, b) { return this; } } return new Gone([bytes], 'gone.pdf');",
    )
    .call1(&JsValue::NULL, &Uint8Array::from(bytes(10).as_slice()))
    .unwrap();
    // A file whose read never settles.
    let stuck = helper(
        "bytes",
        "class Stuck extends File { arrayBuffer() { return new Promise(() => {}); } \
         slice(a, b) { return this; } } return new Stuck([bytes], 'stuck.pdf');",
    )
    .call1(&JsValue::NULL, &Uint8Array::from(bytes(10).as_slice()))
    .unwrap();
    for f in [changed, failing, stuck] {
        let m = js(&message());
        set(
            &m,
            "attachments",
            &Array::of2(&file(&bytes(4), "ok.pdf"), &f),
        );
        let o = js(&json!({ "proxyUrl": format!("{}/ok", server()), "timeoutMs": 500 }));
        let (e, got) = failure(m, o).await;
        assert_eq!(
            got,
            triple("validation", "attachment.unreadable", "not-sent")
        );
        let issue = Reflect::get_u32(&get(&e, "issues"), 0).unwrap();
        assert_eq!(text(&issue, "field"), "attachments[1]");
    }
    assert_eq!(posts().await, before, "nothing was sent");
}

#[wasm_bindgen_test]
async fn hostile_values_settle_with_a_typed_error() {
    let throwing = helper(
        "",
        "const m = { to: 'dr@direct.example.org', from: 'patient:1', textMessage: 'x' }; \
         Object.defineProperty(m, 'subject', { get() { throw new Error('getter'); }, enumerable: true }); \
         return m;",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let (e, got) = failure(throwing, options("/ok")).await;
    assert_eq!(got, triple("validation", "subject.not_text", "not-sent"));
    assert_eq!(
        text(&Reflect::get_u32(&get(&e, "issues"), 0).unwrap(), "field"),
        "subject"
    );
    let trap = helper(
        "",
        "return new Proxy({}, { get() { throw new Error('trap'); } });",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let (_, [kind, ..]) = failure(trap.clone(), options("/ok")).await;
    assert_eq!(kind, "validation");
    let (_, [kind, ..]) = failure(js(&message()), trap).await;
    assert_eq!(kind, "validation");
    // A cycle is read by the names the module reads, so it ends; the send settles either way
    // (the demographics read from the message itself are a valid group of absent names).
    let cyclic = js(&message());
    set(&cyclic, "patientDemographics", &cyclic);
    match send(cyclic, options("/ok")).await {
        Ok(r) => assert_eq!(get(&r, "responseCode").as_f64(), Some(2000.0)),
        Err(e) => assert_eq!(text(&e, "name"), "UpdoxError"),
    }
}

#[wasm_bindgen_test]
async fn encode_attachment_matches_the_reference() {
    for n in [1usize, 2, 3, 1000, 3 * 1024 * 1024 + 1] {
        let data = bytes(n);
        let a = encode_attachment(file(&data, "dir/scan.pdf"), JsValue::UNDEFINED)
            .await
            .expect("encoded");
        assert_eq!(text(&a, "content"), STANDARD.encode(&data), "{n}");
        assert_eq!(text(&a, "mimeType"), "application/pdf");
    }
    let e = encode_attachment(file(&[], "empty.pdf"), JsValue::UNDEFINED)
        .await
        .expect_err("empty");
    assert_eq!(text(&e, "rule"), "attachments.empty");
}

#[wasm_bindgen_test]
async fn lookups_answer_trusted_or_say_unchecked() {
    let o = options("/ok");
    let e = check_direct_recipient("dr@direct.example.org".into(), o)
        .await
        .expect_err("the sample answer has no validDirectAddress");
    assert_eq!(text(&e, "rule"), "protocol.inconsistent");
    assert_eq!(
        text(&e, "message"),
        "This address could not be checked right now. You can still write and send your message."
    );
    assert!(get(&e, "idempotencyKey").is_null());
}

#[wasm_bindgen_test]
fn synchronous_functions() {
    assert!(is_valid_direct_address("dr@direct.example.org".into()));
    assert!(!is_valid_direct_address("not an address".into()));
    assert!(!is_valid_direct_address(JsValue::from(7)));
    assert_eq!(
        patient_sender("48213".into(), JsValue::UNDEFINED).unwrap(),
        "patient:48213"
    );
    let e = patient_sender("4 8".into(), JsValue::UNDEFINED).unwrap_err();
    assert_eq!(text(&e, "rule"), "patientId.invalid_characters");
    let issues =
        validate_patient_direct_message(js(&message()), JsValue::UNDEFINED, JsValue::UNDEFINED);
    assert_eq!(Array::from(&issues).length(), 0);
    let bad = js(&json!({ "to": "x", "from": "patient:1", "subject": "abcdef" }));
    let limits = js(&json!({ "maxSubjectChars": 3 }));
    let issues = Array::from(&validate_patient_direct_message(
        bad,
        limits,
        JsValue::UNDEFINED,
    ));
    let rules: Vec<String> = issues.iter().map(|i| text(&i, "rule")).collect();
    assert_eq!(rules, ["to.invalid", "subject.too_long"]);
    assert_eq!(
        text(&issues.get(1), "message"),
        "The subject is too long: at most 3 characters."
    );
    let codes = Array::from(&updox_response_codes());
    assert!(codes.length() > 10);
    assert_eq!(get(&codes.get(0), "code").as_f64(), Some(2000.0));
    let limits = default_limits();
    assert_eq!(get(&limits, "maxAttachments").as_f64(), Some(20.0));
}
