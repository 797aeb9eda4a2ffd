//! What the module needs from its host, found through the global object so that it works
//! in a page and in a Web Worker alike (there is no `window` in a worker).

use crate::check::options::{Facts, ResolvedUrl};
use crate::check::patient::Day;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(handler: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(id: &JsValue);
    /// The global `fetch` (window and worker alike); `catch` turns a synchronous throw
    /// (e.g. a page that replaced fetch) into an error value.
    #[wasm_bindgen(js_name = fetch, catch)]
    pub fn fetch(request: &web_sys::Request) -> Result<js_sys::Promise, JsValue>;
}

fn global_prop(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Today's date on the patient's device (birth dates are local dates).
pub fn today() -> Day {
    let d = js_sys::Date::new_0();
    Day {
        year: d.get_full_year(),
        month: d.get_month() + 1,
        day: d.get_date(),
    }
}

/// 128 bits from the platform's secure random source (`crypto.getRandomValues`).
pub fn random() -> Option<[u8; 16]> {
    let crypto = global_prop("crypto")?.dyn_into::<web_sys::Crypto>().ok()?;
    let mut bytes = [0u8; 16];
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes)
}

/// False only when the browser says it is offline.
pub fn online() -> bool {
    global_prop("navigator")
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("onLine")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

/// Resolves `url` against the page's (or worker's) location.
pub fn resolve_url(url: &str) -> Option<ResolvedUrl> {
    let location = global_prop("location");
    let href = location
        .as_ref()
        .and_then(|l| Reflect::get(l, &JsValue::from_str("href")).ok())
        .and_then(|h| h.as_string());
    let origin = location
        .as_ref()
        .and_then(|l| Reflect::get(l, &JsValue::from_str("origin")).ok())
        .and_then(|o| o.as_string());
    let parsed = match &href {
        Some(base) => web_sys::Url::new_with_base(url, base).ok()?,
        None => web_sys::Url::new(url).ok()?,
    };
    Some(ResolvedUrl {
        href: parsed.href(),
        scheme: parsed.protocol(),
        host: parsed.hostname(),
        same_origin: origin.is_some_and(|o| o == parsed.origin()),
    })
}

/// What the option checks need from the browser: where `url` resolves, and random bytes.
pub fn facts(url: Option<&str>) -> Facts {
    Facts {
        resolved_url: url.and_then(resolve_url),
        random: random(),
    }
}
