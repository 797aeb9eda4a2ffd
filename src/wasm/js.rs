//! What the module takes from JavaScript: the `UpdoxError` class and the sentence tables (the
//! package's only hand-written JavaScript, in js/), the timers and `fetch` of whatever global
//! scope runs it (a page, a worker, Node), and the few checks of a caller's values that must
//! not throw (a Proxy's traps, a revoked Proxy, a throwing getter).

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/js/updox_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = UpdoxError)]
    pub type UpdoxErrorClass;
    #[wasm_bindgen(constructor, js_class = "UpdoxError")]
    pub fn new(message: &str, details: &JsValue) -> UpdoxErrorClass;
}

#[wasm_bindgen(module = "/js/locales/en.js")]
extern "C" {
    /// The English sentences, by rule id: built in.
    #[wasm_bindgen(thread_local_v2, js_name = EN)]
    pub static EN: JsValue;
}

#[wasm_bindgen(module = "/js/locales.js")]
extern "C" {
    /// A promise of the module holding `locale`'s sentences, or undefined for none.
    #[wasm_bindgen(js_name = importLocale)]
    pub fn import_locale(locale: &str) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(f: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(id: &JsValue);
    /// The global `fetch`, in a page, a worker or Node alike.
    #[wasm_bindgen(js_name = fetch)]
    pub fn fetch(request: &web_sys::Request) -> js_sys::Promise;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array_or_throw(v: &JsValue) -> Result<bool, JsValue>;
}

/// `object[key]`, or `None` where reading it throws (a getter, a Proxy trap, not an object).
pub fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(key)).ok()
}

/// `Some(true)` for an array, `None` for a revoked Proxy.
pub fn is_array(v: &JsValue) -> Option<bool> {
    is_array_or_throw(v).ok()
}

/// Not null, not a function, not an array: an object whose properties are read by name.
pub fn is_object(v: &JsValue) -> bool {
    v.is_object() && is_array(v) == Some(false)
}

/// `v instanceof globalThis[name]`, walking the prototype chain by hand so that no trap
/// can throw past here (false when anything on the way throws).
pub fn instance_of(v: &JsValue, name: &str) -> bool {
    if !v.is_object() && !v.is_function() {
        return false;
    }
    let Some(prototype) = get(&js_sys::global(), name).and_then(|c| get(&c, "prototype")) else {
        return false;
    };
    let mut at: JsValue = v.clone();
    // Deeper chains than this are not a browser's Blob or AbortSignal.
    for _ in 0..64 {
        match Reflect::get_prototype_of(&at) {
            Ok(p) if p.is_null() => return false,
            Ok(p) if Object::is(&p, &prototype) => return true,
            Ok(p) => at = p.into(),
            Err(_) => return false,
        }
    }
    false
}

/// `v` when it is an instance of `T`'s global class (see [`instance_of`]).
pub fn as_instance<T: JsCast>(v: &JsValue, name: &str) -> Option<T> {
    instance_of(v, name).then(|| v.clone().unchecked_into())
}
