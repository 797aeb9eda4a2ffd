//! Turns results, issues and errors into plain JavaScript values (missing fields as
//! `null`), and errors into the `UpdoxError` class.

use crate::error::SendError;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/updox_error.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeUpdoxError)]
    fn make_updox_error(message: &str, details: &JsValue) -> JsValue;
}

pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    let s = serde_wasm_bindgen::Serializer::new()
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    value.serialize(&s).unwrap_or(JsValue::NULL)
}

pub fn error(e: &SendError) -> JsValue {
    make_updox_error(&e.message, &to_js(e))
}
