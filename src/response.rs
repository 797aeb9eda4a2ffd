//! Mapping the proxy's answer to a result or an error. Success needs all of: HTTP 2xx, a
//! JSON object, `successful === true` and `responseCode === 2000`.

use crate::error::SendError;
use serde::Serialize;
use serde_json::{Map, Value};

/// What a successful send resolves with (Updox's fields, plus which sender was sent).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    pub response_code: i64,
    pub response_message: String,
    /// A number in Updox's answers; kept as given (number or string).
    pub message_id: Option<Value>,
    pub recipient: Option<String>,
    pub name: Option<String>,
    pub direct_address: Option<String>,
    pub patient_direct_address: Option<String>,
    pub reason: Option<String>,
    /// `"from"` or `"patientDemographics"`: the sender field that was sent.
    pub sender: &'static str,
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn code(o: &Map<String, Value>) -> Option<i64> {
    match o.get("responseCode") {
        Some(Value::Number(n)) => n.as_i64(),
        // Be lenient with "2000": a string code is still unambiguous.
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn message_of(o: &Map<String, Value>) -> Option<String> {
    text(o, "responseMessage").or_else(|| text(o, "message"))
}

/// Maps HTTP `status` and `body` to the outcome. `sender` is recorded in the result.
pub fn map(status: u16, body: &str, sender: &'static str) -> Result<SendResult, SendError> {
    let parsed: Option<Map<String, Value>> = match serde_json::from_str(body) {
        Ok(Value::Object(o)) => Some(o),
        _ => None,
    };
    if !(200..300).contains(&status) {
        let (c, m) = match &parsed {
            Some(o) => (code(o), message_of(o)),
            None => (None, None),
        };
        return Err(SendError::http(status, c, m));
    }
    let Some(o) = parsed else {
        return Err(SendError::protocol(status, None, None));
    };
    let successful = o.get("successful").and_then(Value::as_bool);
    let response_code = code(&o);
    let response_message = text(&o, "responseMessage");
    match (successful, response_code) {
        (Some(true), Some(2000)) => Ok(SendResult {
            response_code: 2000,
            response_message: response_message.unwrap_or_else(|| "OK".into()),
            message_id: o
                .get("messageId")
                .filter(|v| v.is_number() || v.is_string())
                .cloned(),
            recipient: text(&o, "recipient"),
            name: text(&o, "name"),
            direct_address: text(&o, "directAddress"),
            patient_direct_address: text(&o, "patientDirectAddress"),
            reason: text(&o, "reason"),
            sender,
        }),
        (Some(false), Some(c)) if c != 2000 => Err(SendError::updox(
            c,
            response_message,
            text(&o, "reason"),
            status,
        )),
        // Missing fields, or `successful` and `responseCode` disagreeing.
        (_, c) => Err(SendError::protocol(status, c, response_message)),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;

    const SAMPLE: &str = include_str!("../tests/fixtures/updox-sample-response.json");

    #[test]
    fn updox_sample_maps_field_by_field() {
        let r = map(200, SAMPLE, "patientDemographics").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            r,
            SendResult {
                response_code: 2000,
                response_message: "OK".into(),
                message_id: Some(serde_json::json!(249599)),
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
        match map(status, body, "from") {
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
    }

    proptest! {
        #[test]
        fn never_panics(status in 0u16..1000, body in ".{0,200}") {
            let _ = map(status, &body, "from");
        }
    }
}
