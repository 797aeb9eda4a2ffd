//! `getDeliveryStatus`: asks the portal's proxy what became of a sent message (its
//! `MdnStatusList` route) with the same request options as a lookup, and gives the state
//! with its sentence in the caller's locale. The rules (the `messageId` asked about, the
//! answer's shape, each state's sentence rule) are `crate::delivery`.

use super::api::{facts, lookup_options};
use super::errors::{to_js, updox_error_saying};
use super::read::read_options;
use super::text::{self, sentence};
use super::transport::post_json;
use crate::check::options;
use crate::delivery::{check_message_id, read_delivery_status, DeliveryStatus, UNCHECKED_RULE};
use crate::input::Input;
use crate::prelude::*;
use crate::sentence::Numbers;
use crate::updox::error::SendError;
use crate::updox::response;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[derive(Serialize)]
struct EventOut {
    status: &'static str,
    at: String,
}

/// What `getDeliveryStatus` resolves with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusOut {
    message_id: f64,
    state: &'static str,
    #[serde(rename = "final")]
    is_final: bool,
    events: Vec<EventOut>,
    sent_at: String,
    updated_at: String,
    message: String,
}

impl StatusOut {
    fn new(s: DeliveryStatus, options: &JsValue) -> Self {
        StatusOut {
            message_id: s.message_id as f64,
            state: s.state.id(),
            is_final: s.is_final,
            message: sentence(s.rule(), Numbers::default(), options),
            events: s
                .events
                .into_iter()
                .map(|e| EventOut {
                    status: e.status.id(),
                    at: e.at,
                })
                .collect(),
            sent_at: s.sent_at,
            updated_at: s.updated_at,
        }
    }
}

/// The caller's `messageId`: a number as given, else absent or of the wrong type.
fn read_message_id(v: &JsValue) -> Input<f64> {
    match v.as_f64() {
        Some(n) => Input::Given(n),
        None if v.is_undefined() || v.is_null() => Input::Absent,
        None => Input::Wrong("?"),
    }
}

/// Asks the portal's proxy (MdnStatusList) what became of a message it saw Updox accept:
/// `{messageId, state, final, events, sentAt, updatedAt, message}`. A failure's message
/// says the status could not be checked (its rule stays the outcome's).
#[wasm_bindgen(js_name = getDeliveryStatus)]
pub async fn get_delivery_status(
    message_id: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    text::locale_ready(&options).await;
    let fail = |e: SendError| updox_error_saying(e, &options, None, Some(UNCHECKED_RULE));
    let o = read_options(&options, true);
    let facts = facts(&o);
    let id = check_message_id(&read_message_id(&message_id));
    let plan = match (id, options::check(o, facts)) {
        (Ok(id), Ok(plan)) => (id, plan),
        (Err(mut found), Err(options::Refusal::Invalid(more))) => {
            found.append(more);
            return Err(fail(found.into()));
        }
        (Err(found), _) => return Err(fail(found.into())),
        (Ok(_), Err(r)) => return Err(fail(r.into())),
    };
    let (id, plan) = plan;
    let json = format!("{{\"messageId\":{id}}}");
    let answer = post_json(&json, &lookup_options(&plan))
        .await
        .map_err(|f| fail(f.error()))?;
    if !(200..300).contains(&answer.status) {
        let refused = response::map_text(answer.status, &answer.text, "").err();
        return Err(fail(refused.unwrap_or_else(|| {
            SendError::protocol(answer.status, None, None, false)
        })));
    }
    let status = read_delivery_status(&answer.text, id)
        .ok_or_else(|| fail(SendError::protocol(answer.status, None, None, false)))?;
    Ok(to_js(&StatusOut::new(status, &options)))
}
