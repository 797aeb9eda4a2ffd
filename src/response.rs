//! Mapping the proxy's answer to a result or an error. Success needs all of: HTTP 2xx, a
//! JSON object, `successful === true` and `responseCode === 2000`.

use crate::error::SendError;

/// Updox's `messageId`: a number in its answers, kept as given.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageId {
    Number(f64),
    Text(String),
}

/// The fields of a JSON answer that matter, as read by whoever parsed it (`JSON.parse` in
/// the browser, serde_json in native tests).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub successful: Option<bool>,
    pub response_code: Option<i64>,
    pub response_message: Option<String>,
    /// A proxy error's `error` and `message` (`{"error": "...", "message": "..."}`).
    pub error: Option<String>,
    pub message: Option<String>,
    pub message_id: Option<MessageId>,
    pub recipient: Option<String>,
    pub name: Option<String>,
    pub direct_address: Option<String>,
    pub patient_direct_address: Option<String>,
    pub reason: Option<String>,
}

/// A `responseCode` as found: a whole number, or a string of one ("2000").
pub fn code_from_number(n: f64) -> Option<i64> {
    (n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

pub fn code_from_text(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// What a successful send resolves with (Updox's fields, plus which sender was sent).
#[derive(Debug, Clone, PartialEq)]
pub struct SendResult {
    pub response_code: i64,
    pub response_message: String,
    pub message_id: Option<MessageId>,
    pub recipient: Option<String>,
    pub name: Option<String>,
    pub direct_address: Option<String>,
    pub patient_direct_address: Option<String>,
    pub reason: Option<String>,
    /// `"from"` or `"patientDemographics"`: the sender field that was sent.
    pub sender: &'static str,
}

/// Maps HTTP `status` and the answer (`None` when the body was not a JSON object) to the
/// outcome. `sender` is recorded in the result.
pub fn map(
    status: u16,
    answer: Option<Answer>,
    sender: &'static str,
) -> Result<SendResult, SendError> {
    if !(200..300).contains(&status) {
        let (c, m, unsent) = match &answer {
            Some(a) => (
                a.response_code,
                a.response_message.clone().or_else(|| a.message.clone()),
                // The proxy contract's "could not even connect to Updox".
                a.error.as_deref() == Some("upstream_unreachable"),
            ),
            None => (None, None, false),
        };
        return Err(SendError::http(status, c, m, unsent));
    }
    let Some(a) = answer else {
        return Err(SendError::protocol(status, None, None));
    };
    match (a.successful, a.response_code) {
        (Some(true), Some(2000)) => Ok(SendResult {
            response_code: 2000,
            response_message: a.response_message.unwrap_or_else(|| "OK".into()),
            message_id: a.message_id,
            recipient: a.recipient,
            name: a.name,
            direct_address: a.direct_address,
            patient_direct_address: a.patient_direct_address,
            reason: a.reason,
            sender,
        }),
        (Some(false), Some(c)) if c != 2000 => {
            Err(SendError::updox(c, a.response_message, a.reason, status))
        }
        // Missing fields, or `successful` and `responseCode` disagreeing.
        (_, c) => Err(SendError::protocol(status, c, a.response_message)),
    }
}

/// Native parsing of an answer, for tests and fuzzing (the browser uses `JSON.parse`).
#[cfg(not(target_arch = "wasm32"))]
pub fn parse(body: &str) -> Option<Answer> {
    use serde_json::Value;
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(body) else {
        return None;
    };
    let text = |k: &str| match o.get(k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Some(Answer {
        successful: o.get("successful").and_then(Value::as_bool),
        response_code: match o.get("responseCode") {
            Some(Value::Number(n)) => n.as_f64().and_then(code_from_number),
            Some(Value::String(s)) => code_from_text(s),
            _ => None,
        },
        response_message: text("responseMessage"),
        error: text("error"),
        message: text("message"),
        message_id: match o.get("messageId") {
            Some(Value::Number(n)) => n.as_f64().map(MessageId::Number),
            Some(Value::String(s)) => Some(MessageId::Text(s.clone())),
            _ => None,
        },
        recipient: text("recipient"),
        name: text("name"),
        direct_address: text("directAddress"),
        patient_direct_address: text("patientDirectAddress"),
        reason: text("reason"),
    })
}

/// `map` of a raw body (native).
#[cfg(not(target_arch = "wasm32"))]
pub fn map_text(status: u16, body: &str, sender: &'static str) -> Result<SendResult, SendError> {
    map(status, parse(body), sender)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;

    const SAMPLE: &str = include_str!("../tests/fixtures/updox-sample-response.json");

    #[test]
    fn updox_sample_maps_field_by_field() {
        let r = map_text(200, SAMPLE, "patientDemographics").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            r,
            SendResult {
                response_code: 2000,
                response_message: "OK".into(),
                message_id: Some(MessageId::Number(249599.0)),
                recipient: Some("contact:227161".into()),
                name: Some("test@direct.updoxqa.com".into()),
                direct_address: Some("test@direct.updoxqa.com".into()),
                patient_direct_address: Some("ptacct+227163@direct.updoxqa.com".into()),
                reason: None,
                sender: "patientDemographics",
            }
        );
    }

    fn err(status: u16, body: &str) -> SendError {
        match map_text(status, body, "from") {
            Err(e) => e,
            Ok(r) => panic!("unexpected success {r:?}"),
        }
    }

    #[test]
    fn updox_failures() {
        let e = err(
            200,
            r#"{"successful":false,"responseCode":4650,"responseMessage":"Direct send failed","reason":"no route"}"#,
        );
        assert_eq!(e.kind, ErrorKind::Updox);
        assert_eq!(e.response_code, Some(4650));
        assert_eq!(e.reason.as_deref(), Some("no route"));
        assert_eq!(e.response_message.as_deref(), Some("Direct send failed"));
        assert!(!e.retryable);
        let e = err(
            200,
            r#"{"successful":false,"responseCode":4010,"responseMessage":"Unauthorized"}"#,
        );
        assert!(e.retryable);
        let e = err(
            200,
            r#"{"successful":false,"responseCode":4999,"responseMessage":"?"}"#,
        );
        assert_eq!((e.kind, e.response_code), (ErrorKind::Updox, Some(4999)));
    }

    #[test]
    fn unreadable_or_inconsistent_bodies_are_protocol_errors() {
        for body in [
            "",
            "<html>oops</html>",
            r#"{"successful":true,"responseCode":20"#,
            "[1,2]",
            r#"{"ok":1}"#,
            r#"{"successful":true,"responseCode":4060}"#,
            r#"{"successful":false,"responseCode":2000}"#,
            r#"{"successful":"yes","responseCode":2000}"#,
        ] {
            assert_eq!(err(200, body).kind, ErrorKind::Protocol, "{body}");
        }
        assert_eq!(
            err(200, r#"{"successful":true,"responseCode":4060}"#).response_code,
            Some(4060)
        );
    }

    #[test]
    fn http_errors() {
        let e = err(413, r#"{"error":"too_large","message":"Body too large"}"#);
        assert_eq!(
            (e.kind, e.status, e.response_code),
            (ErrorKind::Http, Some(413), Some(4020))
        );
        assert_eq!(e.response_message.as_deref(), Some("Body too large"));
        let e = err(500, "<html>Internal</html>");
        assert_eq!(
            (e.kind, e.status, e.response_code),
            (ErrorKind::Http, Some(500), None)
        );
        assert!(err(503, "").retryable);
        assert!(!err(504, "").retryable);
        assert!(err(502, r#"{"error":"upstream_unreachable","message":"x"}"#).retryable);
        assert!(!err(502, r#"{"error":"upstream_connection_lost","message":"x"}"#).retryable);
    }

    proptest! {
        #[test]
        fn never_panics(status in 0u16..1000, body in ".{0,200}") {
            let _ = map_text(status, &body, "from");
        }
    }
}
