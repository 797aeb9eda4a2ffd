//! The one error a send can end with, as plain data; the wasm boundary turns it into the
//! JavaScript `UpdoxError`.

use super::codes;
use crate::check::options::Refusal;
use crate::issue::{Issues, ValidationIssue};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The message or options were refused before anything was sent.
    Validation,
    /// Updox answered with a failure code.
    Updox,
    /// The proxy answered with a non-2xx status.
    Http,
    /// The answer could not be read, or contradicted itself.
    Protocol,
    /// The request failed in the network (no HTTP answer).
    Network,
    /// No complete answer within `timeoutMs`.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Updox => "updox",
            ErrorKind::Http => "http",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub kind: ErrorKind,
    /// Plain English for the patient; never contains message content.
    pub message: String,
    /// Updox's code, or the local equivalent (validation issue code, 4020 for HTTP 413);
    /// `None` where none applies.
    pub response_code: Option<i64>,
    pub response_message: Option<String>,
    pub reason: Option<String>,
    pub status: Option<u16>,
    pub issues: Vec<ValidationIssue>,
    pub retryable: bool,
}

impl SendError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SendError {
            kind,
            message: message.into(),
            response_code: None,
            response_message: None,
            reason: None,
            status: None,
            issues: Vec::new(),
            retryable: false,
        }
    }

    pub fn validation(issues: Vec<ValidationIssue>) -> Self {
        let message = match issues.as_slice() {
            [one] => text::english(one),
            _ => "The message has problems to fix before it can be sent.".to_string(),
        };
        SendError {
            response_code: issues.first().map(ValidationIssue::code),
            issues,
            ..SendError::new(ErrorKind::Validation, message)
        }
    }

    pub fn updox(
        code: i64,
        response_message: Option<String>,
        reason: Option<String>,
        status: u16,
    ) -> Self {
        SendError {
            response_code: Some(code),
            response_message,
            reason,
            status: Some(status),
            retryable: codes::info(code).is_some_and(|i| i.retryable),
            ..SendError::new(ErrorKind::Updox, codes::patient_message(code))
        }
    }

    /// `unsent`: the proxy said it never reached Updox.
    pub fn http(
        status: u16,
        response_code: Option<i64>,
        response_message: Option<String>,
        unsent: bool,
    ) -> Self {
        let message = match status {
            413 => "The message is too large for the portal to accept.",
            401 | 403 => "The portal did not allow this message to be sent. Please sign in again.",
            429 => "Too many messages were sent just now. Please wait a moment and try again.",
            503 => "The portal's messaging service is unavailable right now. Please try again later.",
            502 | 504 => "The portal could not reach the messaging service. The message may not have been sent.",
            _ => "The portal could not send the message.",
        };
        SendError {
            status: Some(status),
            response_code: response_code.or((status == 413).then_some(4020)),
            response_message,
            // 429 and 503 are refusals before forwarding: resending cannot duplicate.
            retryable: matches!(status, 429 | 503) || unsent,
            ..SendError::new(ErrorKind::Http, message)
        }
    }

    pub fn protocol(
        status: u16,
        response_code: Option<i64>,
        response_message: Option<String>,
    ) -> Self {
        SendError {
            status: Some(status),
            response_code,
            response_message,
            ..SendError::new(
                ErrorKind::Protocol,
                "The answer from the messaging service could not be understood. The message may or may not have been sent.",
            )
        }
    }

    /// `offline`: the browser said it had no network, so nothing left the page.
    pub fn network(offline: bool) -> Self {
        SendError {
            retryable: offline,
            ..SendError::new(
                ErrorKind::Network,
                if offline {
                    "You appear to be offline. The message was not sent."
                } else {
                    "The message could not be sent because of a network problem. It may or may not have been delivered."
                },
            )
        }
    }

    pub fn timeout(ms: f64) -> Self {
        SendError::new(
            ErrorKind::Timeout,
            format!(
                "No answer came within {} seconds. The message may or may not have been sent.",
                // Whole seconds: integer formatting keeps float formatting out of the module.
                (ms / 1000.0).ceil() as u64
            ),
        )
    }

    pub fn aborted() -> Self {
        SendError::new(ErrorKind::Aborted, "Sending was cancelled.")
    }

    /// A local failure that is not the caller's fault (e.g. the browser could not read a file).
    pub fn local(message: impl Into<String>) -> Self {
        SendError::new(ErrorKind::Network, message)
    }
}

impl From<Issues> for SendError {
    fn from(issues: Issues) -> Self {
        SendError::validation(issues.into_vec())
    }
}

impl From<Refusal> for SendError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(issues) => issues.into(),
            Refusal::NoSecureRandom => SendError::local(
                "This browser cannot generate a secure random key, so the message was not sent.",
            ),
        }
    }
}
