//! The one error a send can end with, as plain data; the wasm boundary turns it into the
//! JavaScript `UpdoxError`.

use super::codes;
use crate::check::options::Refusal;
use crate::issue::{Issues, ValidationIssue};

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

/// Every rule a failed call can report besides the validation rules: the outcome of a
/// send. Each has a sentence in every locale (js/text.js, js/locales/).
#[rustfmt::skip]
pub const OUTCOME_RULES: &[&str] = &[
    "validation",
    "timeout",
    "network.offline",
    "network.failed",
    "aborted",
    "aborted.after_sending",
    "protocol.unreadable",
    "protocol.inconsistent",
    "browser.no_secure_random",
    "browser.cannot_prepare",
    "http.401",
    "http.403",
    "http.413",
    "http.429",
    "http.502",
    "http.503",
    "http.504",
    "http.4xx",
    "http.5xx",
    "http.other",
    "proxy.method_not_allowed",
    "proxy.not_found",
    "proxy.origin_not_allowed",
    "proxy.host_not_allowed",
    "proxy.unsupported_media_type",
    "proxy.payload_too_large",
    "proxy.invalid_json",
    "proxy.invalid_request",
    "proxy.invalid_idempotency_key",
    "proxy.idempotency_key_required",
    "proxy.idempotency_key_reused",
    "proxy.unauthorized",
    "proxy.sender_mismatch",
    "proxy.rate_limited",
    "proxy.proxy_busy",
    "proxy.idempotency_store_full",
    "proxy.idempotency_unavailable",
    "proxy.upstream_unreachable",
    "proxy.request_in_progress",
    "proxy.upstream_timeout",
    "proxy.upstream_connection_lost",
    "proxy.upstream_response_too_large",
    "proxy.answer_not_replayable",
    "proxy.internal_error",
    "updox.auth",
    "updox.validation",
    "updox.recipient",
    "updox.server",
    "updox.other",
    "updox.4020",
    "updox.4640",
    "updox.4641",
    "updox.4642",
    "updox.4650",
    "updox.4651",
    "updox.4652",
];

/// The rule of an HTTP failure: the proxy's own error code when it is one of the proxy
/// contract's, else the status (or its class).
pub fn http_rule(status: u16, proxy_error: Option<&str>) -> &'static str {
    let proxy = proxy_error.and_then(|code| {
        OUTCOME_RULES
            .iter()
            .find(|rule| rule.strip_prefix("proxy.") == Some(code))
    });
    if let Some(rule) = proxy {
        return rule;
    }
    match status {
        401 => "http.401",
        403 => "http.403",
        413 => "http.413",
        429 => "http.429",
        502 => "http.502",
        503 => "http.503",
        504 => "http.504",
        400..=499 => "http.4xx",
        500..=599 => "http.5xx",
        _ => "http.other",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub kind: ErrorKind,
    /// The rule that decided the outcome (one of [`OUTCOME_RULES`], or the one validation
    /// issue's rule); its sentence, in the caller's locale, is the error's message.
    pub rule: &'static str,
    /// For `timeout`: the limit, in whole seconds, that the sentence names.
    pub seconds: Option<u32>,
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
    fn new(kind: ErrorKind, rule: &'static str) -> Self {
        SendError {
            kind,
            rule,
            seconds: None,
            response_code: None,
            response_message: None,
            reason: None,
            status: None,
            issues: Vec::new(),
            retryable: false,
        }
    }

    pub fn validation(issues: Vec<ValidationIssue>) -> Self {
        let rule = match issues.as_slice() {
            [one] => one.rule.id(),
            _ => "validation",
        };
        SendError {
            response_code: issues.first().map(ValidationIssue::code),
            issues,
            ..SendError::new(ErrorKind::Validation, rule)
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
            ..SendError::new(ErrorKind::Updox, codes::rule(code))
        }
    }

    /// `proxy_error`: the `error` code of the proxy's JSON answer, if any.
    pub fn http(
        status: u16,
        response_code: Option<i64>,
        response_message: Option<String>,
        proxy_error: Option<&str>,
    ) -> Self {
        // The proxy contract's "could not even connect to Updox".
        let unsent = proxy_error == Some("upstream_unreachable");
        SendError {
            status: Some(status),
            response_code: response_code.or((status == 413).then_some(4020)),
            response_message,
            // 429 and 503 are refusals before forwarding: resending cannot duplicate.
            retryable: matches!(status, 429 | 503) || unsent,
            ..SendError::new(ErrorKind::Http, http_rule(status, proxy_error))
        }
    }

    /// A 2xx answer that is not a JSON object (`inconsistent: false`), or one whose
    /// `successful` and `responseCode` are missing or disagree (`inconsistent: true`).
    pub fn protocol(
        status: u16,
        response_code: Option<i64>,
        response_message: Option<String>,
        inconsistent: bool,
    ) -> Self {
        let rule = if inconsistent {
            "protocol.inconsistent"
        } else {
            "protocol.unreadable"
        };
        SendError {
            status: Some(status),
            response_code,
            response_message,
            ..SendError::new(ErrorKind::Protocol, rule)
        }
    }

    /// `offline`: the browser said it had no network, so nothing left the page.
    pub fn network(offline: bool) -> Self {
        let rule = if offline {
            "network.offline"
        } else {
            "network.failed"
        };
        SendError {
            retryable: offline,
            ..SendError::new(ErrorKind::Network, rule)
        }
    }

    pub fn timeout(ms: f64) -> Self {
        SendError {
            // Whole seconds: the sentence names them.
            seconds: Some((ms / 1000.0).ceil() as u32),
            ..SendError::new(ErrorKind::Timeout, "timeout")
        }
    }

    /// `after_sending`: the request had been handed to the browser already.
    pub fn aborted(after_sending: bool) -> Self {
        let rule = if after_sending {
            "aborted.after_sending"
        } else {
            "aborted"
        };
        SendError::new(ErrorKind::Aborted, rule)
    }

    /// The browser could not build the request (nothing was sent).
    pub fn cannot_prepare() -> Self {
        SendError::new(ErrorKind::Network, "browser.cannot_prepare")
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
            Refusal::NoSecureRandom => {
                SendError::new(ErrorKind::Network, "browser.no_secure_random")
            }
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::issue::Rule;
    use std::collections::HashSet;

    #[test]
    fn outcome_rules_are_unique() {
        let mut seen = HashSet::new();
        assert!(OUTCOME_RULES.iter().all(|r| seen.insert(*r)));
        for rule in Rule::ALL {
            assert!(!seen.contains(rule.id()), "{} twice", rule.id());
        }
    }

    #[test]
    fn http_rules() {
        assert_eq!(http_rule(429, Some("rate_limited")), "proxy.rate_limited");
        assert_eq!(
            http_rule(502, Some("upstream_unreachable")),
            "proxy.upstream_unreachable"
        );
        assert_eq!(http_rule(429, Some("rate-limited")), "http.429");
        assert_eq!(http_rule(400, Some("")), "http.4xx");
        assert_eq!(http_rule(418, None), "http.4xx");
        assert_eq!(http_rule(599, None), "http.5xx");
        assert_eq!(http_rule(302, None), "http.other");
        for status in 0..1000 {
            assert!(OUTCOME_RULES.contains(&http_rule(status, None)));
        }
    }

    #[test]
    fn every_constructor_reports_a_known_rule() {
        let issue = |rule| ValidationIssue {
            field: String::new(),
            rule,
            limit: None,
            size: None,
        };
        let errors = [
            SendError::validation(vec![issue(Rule::ToRequired)]),
            SendError::validation(vec![issue(Rule::ToRequired), issue(Rule::SubjectNotText)]),
            SendError::protocol(200, None, None, false),
            SendError::protocol(200, None, None, true),
            SendError::network(true),
            SendError::network(false),
            SendError::timeout(1500.0),
            SendError::aborted(false),
            SendError::aborted(true),
            SendError::cannot_prepare(),
            Refusal::NoSecureRandom.into(),
        ];
        let rules: Vec<_> = errors.iter().map(|e| e.rule).collect();
        assert_eq!(rules[0], "to.required");
        assert_eq!(errors[6].seconds, Some(2));
        for rule in &rules[1..] {
            assert!(OUTCOME_RULES.contains(rule), "{rule}");
        }
    }
}
