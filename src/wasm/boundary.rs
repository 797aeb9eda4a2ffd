//! The JavaScript API: the only `#[wasm_bindgen]` exports. Each one reads its arguments
//! (`js_read`), applies the rules (`check`), sends when asked (`transport`) and writes the
//! outcome (`js_out`); a failure becomes an `UpdoxError` in the caller's locale through one
//! conversion, `js_out::error`.

use super::{js_out, js_read, platform, transport};
use crate::check::attachment::{self, Content};
use crate::check::limits::Limits;
use crate::check::options;
use crate::check::patient::{self, SENDER_ID};
use crate::check::{self as rules, address};
use crate::input::Input;
use crate::issue::Issues;
use crate::updox::codes::CODES;
use crate::updox::error::SendError;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Optional trailing arguments: typed here so the `.d.ts` marks them `?`.
    #[wasm_bindgen(typescript_type = "Partial<Limits>")]
    pub type LimitsArg;
    #[wasm_bindgen(typescript_type = "EncodeAttachmentOptions")]
    pub type EncodeOptionsArg;
    #[wasm_bindgen(typescript_type = "LocaleOptions")]
    pub type LocaleArg;
}

/// An optional argument as a plain value (`undefined` when not given).
fn given(arg: Option<impl Into<JsValue>>) -> JsValue {
    arg.map_or(JsValue::UNDEFINED, Into::into)
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("types.d.ts");

/// Checks a message without sending it: `[]` when it can be sent. Never throws.
#[wasm_bindgen(
    js_name = validatePatientDirectMessage,
    unchecked_return_type = "ValidationIssue[]"
)]
pub fn validate_patient_direct_message(
    #[wasm_bindgen(unchecked_param_type = "PatientDirectMessage")] message: JsValue,
    limits: Option<LimitsArg>,
    options: Option<LocaleArg>,
) -> JsValue {
    let limits = limits.map_or(Input::Absent, |l| js_read::limits(&l.into()));
    let (message, _blobs) = js_read::message(&message);
    let issues = rules::validate(&message, &limits, platform::today());
    js_out::issues(issues.as_slice(), &given(options))
}

/// True when `address` is a syntactically valid Direct address.
#[wasm_bindgen(js_name = isValidDirectAddress)]
pub fn is_valid_direct_address(
    #[wasm_bindgen(unchecked_param_type = "string")] address: JsValue,
) -> bool {
    address
        .as_string()
        .is_some_and(|a| address::is_valid(a.trim()))
}

/// `"patient:{patientId}"`, for a valid patient ID.
#[wasm_bindgen(js_name = patientSender, unchecked_return_type = "`patient:${string}`")]
pub fn patient_sender(
    #[wasm_bindgen(unchecked_param_type = "string")] patient_id: JsValue,
    options: Option<LocaleArg>,
) -> Result<JsValue, JsValue> {
    let mut issues = Issues::default();
    let id = patient::check_id_field(&js_read::text_arg(&patient_id), &SENDER_ID, &mut issues);
    if !issues.is_empty() {
        return Err(js_out::error(&issues.into(), &given(options)));
    }
    Ok(JsValue::from_str(&[patient::FROM_PREFIX, &id].concat()))
}

/// The known Updox response codes with their category and retry rule.
#[wasm_bindgen(js_name = updoxResponseCodes, unchecked_return_type = "UpdoxCodeInfo[]")]
pub fn updox_response_codes() -> JsValue {
    js_out::codes(CODES)
}

/// The limits used when a caller gives none.
#[wasm_bindgen(js_name = defaultLimits, unchecked_return_type = "Limits")]
pub fn default_limits() -> JsValue {
    js_out::limits(&Limits::default())
}

/// Base64-encodes a `File` or `Blob` into an Updox attachment object.
#[wasm_bindgen(js_name = encodeAttachment, unchecked_return_type = "Attachment")]
pub async fn encode_attachment(
    #[wasm_bindgen(unchecked_param_type = "File | Blob")] file: JsValue,
    options: Option<EncodeOptionsArg>,
) -> Result<JsValue, JsValue> {
    let options = given(options);
    js_out::load_locale(&options).await;
    let encoded = encode(&file, &options).await;
    encoded.map_err(|e| js_out::error(&e, &options))
}

async fn encode(file: &JsValue, options: &JsValue) -> Result<JsValue, SendError> {
    let (entry, blob) = js_read::file(file, options);
    let valid = attachment::single(&entry)?;
    let content = match (&valid.content, blob) {
        (Content::Blob { size, .. }, Some(blob)) => transport::encode_whole(&blob, *size).await,
        _ => None,
    };
    let content = content.ok_or_else(|| transport::unreadable("file".into()))?;
    Ok(js_out::attachment(&valid, content))
}

/// Validates, encodes and sends a message through the portal's proxy.
#[wasm_bindgen(js_name = sendPatientDirectMessage, unchecked_return_type = "SendResult")]
pub async fn send_patient_direct_message(
    #[wasm_bindgen(unchecked_param_type = "PatientDirectMessage")] message: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SendOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    js_out::load_locale(&options).await;
    let sent = send(&message, &options).await;
    sent.map_err(|e| js_out::error(&e, &options))
}

async fn send(message: &JsValue, options: &JsValue) -> Result<JsValue, SendError> {
    let options = js_read::options(options);
    let (message, blobs) = js_read::message(message);
    let facts = platform::facts(options::url_to_resolve(&options));
    let (message, plan) = rules::send(&message, options, facts, platform::today())?;
    let result = transport::send(&message, &blobs, plan).await?;
    Ok(js_out::result(&result))
}
