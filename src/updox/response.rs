//! The proxy's answer: read once (the same reader in the browser, native tests and
//! fuzzing), then mapped to a result or an error. Success needs all of: HTTP 2xx, a JSON
//! object, `successful === true` and `responseCode === 2000`.

use super::error::SendError;
use super::json::{read_object, whole_number, Value};
use crate::input::signed_digits;
use crate::prelude::*;

/// Updox's `messageId`: a number in its answers, kept as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageId {
    /// A JSON number, as its literal (JavaScript reads it with `parseFloat`, as
    /// `JSON.parse` would).
    Number(String),
    Text(String),
}

/// The fields of a JSON answer that matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// DirectAddressValidate's answer: whether a trusted certificate was found.
    pub valid_direct_address: Option<bool>,
}

/// A text field: a string, or a whole number written in decimal (a number that is not
/// whole counts as absent).
fn text(v: Option<Value>) -> Option<String> {
    match v? {
        Value::Text(s) => Some(s),
        Value::Number(n) => {
            let n = whole_number(&n)?;
            let mut out = String::new();
            if n < 0 {
                out.push('-');
            }
            crate::issue::push_decimal(&mut out, n.unsigned_abs());
            Some(out)
        }
        _ => None,
    }
}

/// A `responseCode` as found: a whole number, or a string of one (`"2000"`).
fn code(v: Option<Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => whole_number(&n),
        Value::Text(s) => signed_digits(s.trim()),
        _ => None,
    }
}

impl Answer {
    /// The answer in `body`, when it is a JSON object.
    pub fn read(body: &str) -> Option<Answer> {
        let [successful, response_code, response_message, error, message, message_id, recipient, name, direct_address, patient_direct_address, reason, valid_direct_address] =
            read_object(
                body,
                [
                    "successful",
                    "responseCode",
                    "responseMessage",
                    "error",
                    "message",
                    "messageId",
                    "recipient",
                    "name",
                    "directAddress",
                    "patientDirectAddress",
                    "reason",
                    "validDirectAddress",
                ],
            )?;
        let flag = |v| match v {
            Some(Value::Bool(b)) => Some(b),
            _ => None,
        };
        Some(Answer {
            successful: flag(successful),
            response_code: code(response_code),
            response_message: text(response_message),
            error: text(error),
            message: text(message),
            message_id: match message_id {
                Some(Value::Number(n)) => Some(MessageId::Number(n)),
                Some(Value::Text(s)) => Some(MessageId::Text(s)),
                _ => None,
            },
            recipient: text(recipient),
            name: text(name),
            direct_address: text(direct_address),
            patient_direct_address: text(patient_direct_address),
            reason: text(reason),
            valid_direct_address: flag(valid_direct_address),
        })
    }
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
    /// `"from"` or `"patientDemographics"`: the sender field that was sent (`""` for a
    /// lookup).
    pub sender: &'static str,
    /// A lookup's answer: whether Updox found a trusted certificate for the address.
    pub trusted: Option<bool>,
}

/// Updox's answer when it says "done" (HTTP 2xx, a JSON object, `successful: true` and
/// code 2000), else the error it amounts to. `answer` is `None` when the body was not a
/// JSON object.
fn succeeded(status: u16, answer: Option<Answer>) -> Result<Answer, SendError> {
    if !(200..300).contains(&status) {
        return Err(match answer {
            Some(a) => SendError::http(
                status,
                a.response_code,
                a.response_message.or(a.message),
                a.error.as_deref(),
            ),
            None => SendError::http(status, None, None, None),
        });
    }
    let Some(a) = answer else {
        return Err(SendError::protocol(status, None, None, false));
    };
    match (a.successful, a.response_code) {
        (Some(true), Some(2000)) => Ok(a),
        (Some(false), Some(c)) if c != 2000 => {
            Err(SendError::updox(c, a.response_message, a.reason, status))
        }
        // Missing fields, or `successful` and `responseCode` disagreeing.
        (_, c) => Err(SendError::protocol(status, c, a.response_message, true)),
    }
}

/// Maps HTTP `status` and the answer (`None` when the body was not a JSON object) to the
/// outcome. `sender` is recorded in the result; `""` marks a DirectAddressValidate lookup,
/// whose successful answer must say `validDirectAddress` as a boolean (`false` is an
/// answer, not an error).
pub fn map(
    status: u16,
    answer: Option<Answer>,
    sender: &'static str,
) -> Result<SendResult, SendError> {
    let a = succeeded(status, answer)?;
    // A lookup must say whether the address is trusted; a send that went must name the
    // message Updox made: "done" without it is no proof of delivery.
    let unproven = if sender.is_empty() {
        a.valid_direct_address.is_none()
    } else {
        a.message_id.is_none()
    };
    if unproven {
        return Err(SendError::protocol(
            status,
            Some(2000),
            a.response_message,
            true,
        ));
    }
    Ok(SendResult {
        response_code: 2000,
        response_message: a.response_message.unwrap_or_else(|| "OK".into()),
        message_id: a.message_id,
        recipient: a.recipient,
        name: a.name,
        direct_address: a.direct_address,
        patient_direct_address: a.patient_direct_address,
        reason: a.reason,
        sender,
        trusted: a.valid_direct_address,
    })
}

/// Maps HTTP `status` and the raw answer `body` to the outcome.
pub fn map_text(status: u16, body: &str, sender: &'static str) -> Result<SendResult, SendError> {
    map(status, Answer::read(body), sender)
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::updox::error::ErrorKind;
    use proptest::prelude::*;

    const SAMPLE: &str = include_str!("../../tests/fixtures/updox-sample-response.json");

    #[test]
    fn updox_sample_maps_field_by_field() {
        let r = map_text(200, SAMPLE, "patientDemographics").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            r,
            SendResult {
                response_code: 2000,
                response_message: "OK".into(),
                message_id: Some(MessageId::Number("249599".into())),
                recipient: Some("contact:227161".into()),
                name: Some("test@direct.updoxqa.com".into()),
                direct_address: Some("test@direct.updoxqa.com".into()),
                patient_direct_address: Some("ptacct+227163@direct.updoxqa.com".into()),
                reason: None,
                sender: "patientDemographics",
                trusted: None,
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
        assert_eq!(e.rule.id(), "updox.other");
    }

    #[test]
    fn unreadable_or_inconsistent_bodies_are_protocol_errors() {
        for body in [
            "",
            "<html>oops</html>",
            r#"{"successful":true,"responseCode":20"#,
            "[1,2]",
        ] {
            let e = err(200, body);
            assert_eq!(
                (e.kind, e.rule.id()),
                (ErrorKind::Protocol, "protocol.unreadable"),
                "{body}"
            );
        }
        for body in [
            r#"{"ok":1}"#,
            r#"{"successful":true,"responseCode":4060}"#,
            r#"{"successful":false,"responseCode":2000}"#,
            r#"{"successful":"yes","responseCode":2000}"#,
        ] {
            let e = err(200, body);
            assert_eq!(
                (e.kind, e.rule.id()),
                (ErrorKind::Protocol, "protocol.inconsistent"),
                "{body}"
            );
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
        assert_eq!(e.rule.id(), "http.413");
        let e = err(
            413,
            r#"{"error":"payload_too_large","message":"Body too large"}"#,
        );
        assert_eq!(e.rule.id(), "proxy.payload_too_large");
        assert_eq!(
            err(429, r#"{"error":"rate_limited"}"#).rule.id(),
            "proxy.rate_limited"
        );
        let e = err(500, "<html>Internal</html>");
        assert_eq!(e.rule.id(), "http.5xx");
        assert_eq!(
            (e.kind, e.status, e.response_code),
            (ErrorKind::Http, Some(500), None)
        );
        assert!(err(503, "").retryable);
        assert!(err(504, "").retryable);
        assert!(!err(413, "").retryable);
        assert!(err(502, r#"{"error":"upstream_unreachable","message":"x"}"#).retryable);
        // Maybe forwarded: worth resending with the same key.
        assert!(err(502, r#"{"error":"upstream_connection_lost","message":"x"}"#).retryable);
    }

    #[test]
    fn numbers_in_text_fields_are_whole_numbers_only() {
        let a = Answer::read(
            r#"{"successful":true,"responseCode":"2000","responseMessage":7,"recipient":2e3,
                "name":1.5,"reason":true,"messageId":"m-1","error":-0}"#,
        )
        .unwrap_or_default();
        assert_eq!(a.response_code, Some(2000));
        assert_eq!(a.response_message.as_deref(), Some("7"));
        assert_eq!(a.recipient.as_deref(), Some("2000"));
        assert_eq!((a.name, a.reason), (None, None));
        assert_eq!(a.message_id, Some(MessageId::Text("m-1".into())));
        assert_eq!(a.error.as_deref(), Some("0"));
        let a = Answer::read(r#"{"responseCode":2000.0,"successful":"true","messageId":1e400}"#)
            .unwrap_or_default();
        assert_eq!(a.response_code, Some(2000));
        assert_eq!(a.successful, None);
        assert_eq!(a.message_id, Some(MessageId::Number("1e400".into())));
        assert_eq!(
            Answer::read(r#"{"responseCode":" 2000 "}"#).and_then(|a| a.response_code),
            Some(2000)
        );
        assert_eq!(
            Answer::read(r#"{"responseCode":20.5}"#).and_then(|a| a.response_code),
            None
        );
    }

    #[test]
    fn success_without_a_message_id_is_not_proof_of_sending() {
        let e = err(
            200,
            r#"{"successful":true,"responseCode":2000,"responseMessage":"OK"}"#,
        );
        assert_eq!(
            (e.kind, e.rule.id(), e.delivery.as_str(), e.response_code),
            (
                ErrorKind::Protocol,
                "protocol.inconsistent",
                "unknown",
                Some(2000)
            )
        );
        let ok = map_text(
            200,
            r#"{"successful":true,"responseCode":2000,"messageId":"m-1"}"#,
            "from",
        );
        assert!(ok.is_ok());
    }

    fn map_lookup(status: u16, body: &str) -> Result<bool, SendError> {
        map_text(status, body, "").map(|r| r.trusted.unwrap_or_else(|| panic!("{r:?}")))
    }

    #[test]
    fn lookups() {
        let ok = |valid: &str| {
            format!(
                r#"{{"successful":true,"responseCode":2000,"responseMessage":"OK","validDirectAddress":{valid}}}"#
            )
        };
        assert_eq!(map_lookup(200, &ok("true")), Ok(true));
        assert_eq!(map_lookup(200, &ok("false")), Ok(false));
        for unclear in [ok("\"true\""), ok("null"), ok("1")] {
            let e = map_lookup(200, &unclear).unwrap_err();
            assert_eq!(e.rule.id(), "protocol.inconsistent", "{unclear}");
        }
        let e = map_lookup(200, r#"{"successful":false,"responseCode":4010}"#).unwrap_err();
        assert_eq!((e.kind, e.response_code), (ErrorKind::Updox, Some(4010)));
        let e = map_lookup(429, r#"{"error":"rate_limited","message":"x"}"#).unwrap_err();
        assert_eq!(e.rule.id(), "proxy.rate_limited");
        assert_eq!(
            map_lookup(200, "<html>").unwrap_err().kind,
            ErrorKind::Protocol
        );
    }

    proptest! {
        #[test]
        fn never_panics(status in 0u16..1000, body in ".{0,200}") {
            let _ = map_text(status, &body, "from");
            let _ = map_text(status, &body, "");
        }
    }
}
