//! getDeliveryStatus in each engine (wasm-bindgen-test, Chromium, Firefox, WebKit) against
//! the loopback fault server (UPDOX_TEST_SERVER, given by scripts/wasm-browser-tests.sh):
//! every state with its sentence (the portal's own winning), the proxy's refusals and unreadable answers as typed
//! errors that say the status could not be checked, invalid messageIds refused before any
//! request, abort and timeout.
#![cfg(target_arch = "wasm32")]
// Test code: a failed expectation should stop the test (the panic lints guard src/).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use js_sys::{Array, Function, Reflect};
use serde::Serialize;
use serde_json::{json, Value};
use updox_direct::wasm::delivery::get_delivery_status;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const UNCHECKED: &str =
    "The delivery status could not be checked right now. This does not mean your message failed; please try again later.";

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

fn options(path: &str, more: Value) -> JsValue {
    let mut o = json!({ "proxyUrl": format!("{}{path}", server()), "timeoutMs": 5000 });
    if let (Some(o), Value::Object(more)) = (o.as_object_mut(), more) {
        o.extend(more);
    }
    js(&o)
}

/// How many POSTs the fault server has seen.
async fn posts() -> f64 {
    let count = Function::new_with_args(
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
async fn each_state_comes_with_its_sentence() {
    let cases = [
        ("sent", false, 0, "Your message was sent. No confirmation has come back yet that it reached your care team."),
        ("received", false, 1, "Your message reached your care team's messaging system."),
        ("delivered", true, 2, "Your message was delivered to your care team's inbox."),
        ("failed", true, 1, "Your message could not be delivered to your care team. Please contact the clinic another way."),
        ("unconfirmed", false, 0, "There is no confirmation that your message reached your care team. Please contact the clinic instead of sending it again."),
    ];
    for (state, is_final, events, sentence) in cases {
        let s = get_delivery_status(
            249600.into(),
            options(&format!("/delivery/{state}"), json!({})),
        )
        .await
        .unwrap_or_else(|e| panic!("{state}: {}", text(&e, "rule")));
        assert_eq!(get(&s, "messageId").as_f64(), Some(249600.0));
        assert_eq!(text(&s, "state"), state);
        assert_eq!(get(&s, "final").as_bool(), Some(is_final), "{state}");
        assert_eq!(Array::from(&get(&s, "events")).length(), events, "{state}");
        assert_eq!(text(&s, "sentAt"), "2026-03-02T09:00:00.000Z");
        assert!(text(&s, "updatedAt").starts_with("2026-03-02T09:00:0"));
        assert_eq!(text(&s, "message"), sentence);
        assert!(!sentence.contains("read"), "{sentence}");
    }
    let s = get_delivery_status(7.into(), options("/delivery/delivered", json!({})))
        .await
        .unwrap();
    let first = Array::from(&get(&s, "events")).get(0);
    assert_eq!(text(&first, "status"), "processed");
    assert_eq!(text(&first, "at"), "2026-03-02T09:00:01.000Z");
}

// Spanish (a locale module loaded on demand) is tested through the package in
// tests/module/delivery-status.browser.test.mjs.
#[wasm_bindgen_test]
async fn the_portals_own_sentences_win() {
    let own = json!({ "messages": {
        "delivery.delivered": "Lleg\u{f3}.",
        "delivery.unchecked": "Sin estado.",
    } });
    let s = get_delivery_status(7.into(), options("/delivery/delivered", own.clone()))
        .await
        .unwrap();
    assert_eq!(text(&s, "message"), "Lleg\u{f3}.");
    let e = get_delivery_status(7.into(), options("/proxy/404/not_found", own))
        .await
        .expect_err("not found");
    assert_eq!(text(&e, "rule"), "proxy.not_found");
    assert_eq!(text(&e, "message"), "Sin estado.");
}

#[wasm_bindgen_test]
async fn invalid_message_ids_are_refused_before_asking() {
    let before = posts().await;
    for bad in [
        JsValue::from(0),
        JsValue::from(-4),
        JsValue::from(1.5),
        JsValue::from(f64::NAN),
        JsValue::from(2f64.powi(60)),
        JsValue::from("249600"),
        JsValue::UNDEFINED,
        JsValue::NULL,
    ] {
        let e = get_delivery_status(bad.clone(), options("/delivery/sent", json!({})))
            .await
            .expect_err("an invalid messageId");
        assert_eq!(text(&e, "kind"), "validation", "{bad:?}");
        assert_eq!(text(&e, "rule"), "messageId.invalid", "{bad:?}");
        let issues = Array::from(&get(&e, "issues"));
        assert_eq!(issues.length(), 1);
        assert_eq!(text(&issues.get(0), "field"), "messageId");
        assert_eq!(text(&e, "message"), text(&issues.get(0), "message"));
    }
    // With bad options too, every issue is reported.
    let e = get_delivery_status(0.into(), js(&json!({ "proxyUrl": "", "timeoutMs": -1 })))
        .await
        .expect_err("invalid");
    let fields: Vec<String> = Array::from(&get(&e, "issues"))
        .iter()
        .map(|i| text(&i, "field"))
        .collect();
    assert_eq!(fields[0], "messageId");
    assert!(fields.len() >= 2, "{fields:?}");
    assert_eq!(posts().await, before, "no request for an invalid question");
}

#[wasm_bindgen_test]
async fn refusals_and_unreadable_answers_say_unchecked() {
    let cases = [
        ("/proxy/404/not_found", "http", "proxy.not_found"),
        ("/proxy/401/unauthorized", "http", "proxy.unauthorized"),
        ("/proxy/429/rate_limited", "http", "proxy.rate_limited"),
        ("/notjson", "protocol", "protocol.unreadable"),
        ("/ok", "protocol", "protocol.unreadable"),
        ("/delivery/read", "protocol", "protocol.unreadable"),
        ("/delivery-other", "protocol", "protocol.unreadable"),
    ];
    for (path, kind, rule) in cases {
        let e = get_delivery_status(7.into(), options(path, json!({})))
            .await
            .expect_err(path);
        assert_eq!([text(&e, "kind"), text(&e, "rule")], [kind, rule], "{path}");
        assert_eq!(text(&e, "message"), UNCHECKED, "{path}");
        assert!(get(&e, "idempotencyKey").is_null());
    }
}

#[wasm_bindgen_test]
async fn abort_and_timeout_settle_with_their_errors() {
    let e = get_delivery_status(7.into(), options("/hang", json!({ "timeoutMs": 300 })))
        .await
        .expect_err("timeout");
    assert_eq!([text(&e, "kind"), text(&e, "rule")], ["timeout", "timeout"]);
    assert_eq!(text(&e, "message"), UNCHECKED);

    let controller = web_sys::AbortController::new().unwrap();
    let o = options("/hang", json!({}));
    Reflect::set(&o, &"signal".into(), &controller.signal()).unwrap();
    let asked = get_delivery_status(7.into(), o);
    let abort = Closure::once(move || controller.abort());
    let window = web_sys::window().unwrap();
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.as_ref().unchecked_ref(), 50)
        .unwrap();
    let e = asked.await.expect_err("aborted");
    assert_eq!(text(&e, "kind"), "aborted");
    assert!(text(&e, "rule").starts_with("aborted"));
    drop(abort);

    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let o = options("/delivery/sent", json!({}));
    Reflect::set(&o, &"signal".into(), &controller.signal()).unwrap();
    let e = get_delivery_status(7.into(), o).await.expect_err("aborted");
    assert_eq!([text(&e, "kind"), text(&e, "rule")], ["aborted", "aborted"]);
}
