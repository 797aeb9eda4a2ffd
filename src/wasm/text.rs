//! Sentences by rule id, in the caller's locale: the caller's `messages[rule]` when it is
//! text, else the built-in sentence of `locale` (once loaded), else English. English is
//! built in (js/locales/en.js, bundled); other locales are data modules loaded on demand
//! (`loadLocale`), so that English-only pages never download them.

use super::js::{get, import_locale, EN};
use crate::prelude::*;
use crate::sentence::{fill, Numbers};
use core::cell::RefCell;
use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// Locales loaded (besides English), with their tables.
    static LOADED: RefCell<Vec<(String, JsValue)>> = const { RefCell::new(Vec::new()) };
    /// Loads under way, so that a locale is fetched once however many calls ask.
    static LOADING: RefCell<Vec<(String, Promise)>> = const { RefCell::new(Vec::new()) };
}

fn table(locale: &str) -> Option<JsValue> {
    if locale == "en" {
        return Some(EN.with(JsValue::clone));
    }
    LOADED.with(|l| {
        l.borrow()
            .iter()
            .find(|(name, _)| name == locale)
            .map(|(_, t)| t.clone())
    })
}

/// `object[key]` where `object` is an object; `None` where that makes no sense or throws.
fn read(object: &JsValue, key: &str) -> Option<JsValue> {
    if object.is_object() {
        get(object, key)
    } else {
        None
    }
}

/// Loads the built-in text of `locale`: true when it is ready, false for an unknown locale
/// or a failed load (which a later call tries again). Never fails.
pub async fn load_locale(locale: &JsValue) -> bool {
    let Some(locale) = locale.as_string() else {
        return false;
    };
    if table(&locale).is_some() {
        return true;
    }
    let pending = LOADING.with(|l| {
        l.borrow()
            .iter()
            .find(|(name, _)| *name == locale)
            .map(|(_, p)| p.clone())
    });
    let pending = match pending {
        Some(p) => p,
        None => {
            let started = import_locale(&locale);
            if started.is_undefined() {
                return false;
            }
            let p = Promise::resolve(&started);
            LOADING.with(|l| l.borrow_mut().push((locale.clone(), p.clone())));
            p
        }
    };
    let loaded = JsFuture::from(pending).await;
    LOADING.with(|l| l.borrow_mut().retain(|(name, _)| *name != locale));
    match loaded.ok().and_then(|module| get(&module, "default")) {
        Some(t) if t.is_object() => {
            if table(&locale).is_none() {
                LOADED.with(|l| l.borrow_mut().push((locale, t)));
            }
            true
        }
        _ => false,
    }
}

/// What a call's options ask for: loads `options.locale`; never fails.
pub async fn locale_ready(options: &JsValue) {
    if let Some(locale) = read(options, "locale") {
        load_locale(&locale).await;
    }
}

/// The sentence of `rule` under the call's `options` ({locale, messages}).
pub fn sentence(rule: &str, numbers: Numbers, options: &JsValue) -> String {
    let given = read(options, "messages")
        .and_then(|m| read(&m, rule))
        .and_then(|s| s.as_string());
    let locale = read(options, "locale")
        .and_then(|l| l.as_string())
        .filter(|l| table(l).is_some())
        .unwrap_or_else(|| "en".into());
    let text = given
        .or_else(|| {
            table(&locale)
                .and_then(|t| own(&t, rule))
                .and_then(|s| s.as_string())
        })
        .or_else(|| {
            table("en")
                .and_then(|t| get(&t, rule))
                .and_then(|s| s.as_string())
        })
        .or_else(|| {
            table("en")
                .and_then(|t| get(&t, "validation"))
                .and_then(|s| s.as_string())
        })
        .unwrap_or_default();
    fill(&text, numbers, locale == "es")
}

/// `table[key]` when it is the table's own (a rule id is never a prototype's property).
fn own(table: &JsValue, key: &str) -> Option<JsValue> {
    let own = js_sys::Object::has_own(
        table.unchecked_ref::<js_sys::Object>(),
        &JsValue::from_str(key),
    );
    own.then(|| get(table, key)).flatten()
}
