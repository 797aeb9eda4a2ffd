//! The one error a send can end with, as plain data; the wasm boundary turns it into the
//! JavaScript `UpdoxError`.

use super::codes::{self, Category};
use crate::check::options::Refusal;
use crate::issue::{Issues, Rule, ValidationIssue};
use crate::prelude::*;

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

/// Whether the message reached Updox, as far as the module can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing left the page, or the proxy guarantees nothing was forwarded.
    NotSent,
    /// The request started and its fate is not known: it may have been delivered.
    Unknown,
    /// Updox answered with a failure code: it did not send the message.
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::NotSent => "not-sent",
            Delivery::Unknown => "unknown",
            Delivery::Failed => "failed",
        }
    }
}

macro_rules! outcomes {
    ($($name:ident $id:literal;)*) => {
        /// Every rule a failed call can report besides the validation rules: the outcome
        /// of a send. Each has a sentence in every locale (js/locales/en.js, js/locales/).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Outcome {
            $($name,)*
        }

        impl Outcome {
            /// All outcomes, in the order of the table.
            pub const ALL: &'static [Outcome] = &[$(Outcome::$name,)*];

            /// The stable id, e.g. `network.offline`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Outcome::$name => $id,)*
                }
            }
        }
    };
}

#[rustfmt::skip]
outcomes! {
    Validation                   "validation";
    Timeout                      "timeout";
    NetworkOffline               "network.offline";
    NetworkFailed                "network.failed";
    Aborted                      "aborted";
    AbortedAfterSending          "aborted.after_sending";
    ProtocolUnreadable           "protocol.unreadable";
    ProtocolInconsistent         "protocol.inconsistent";
    BrowserNoSecureRandom        "browser.no_secure_random";
    BrowserCannotPrepare         "browser.cannot_prepare";
    Http401                      "http.401";
    Http403                      "http.403";
    Http413                      "http.413";
    Http429                      "http.429";
    Http502                      "http.502";
    Http503                      "http.503";
    Http504                      "http.504";
    Http4xx                      "http.4xx";
    Http5xx                      "http.5xx";
    HttpOther                    "http.other";
    ProxyMethodNotAllowed        "proxy.method_not_allowed";
    ProxyNotFound                "proxy.not_found";
    ProxyOriginNotAllowed        "proxy.origin_not_allowed";
    ProxyHostNotAllowed          "proxy.host_not_allowed";
    ProxyUnsupportedMediaType    "proxy.unsupported_media_type";
    ProxyPayloadTooLarge         "proxy.payload_too_large";
    ProxyInvalidJson             "proxy.invalid_json";
    ProxyInvalidRequest          "proxy.invalid_request";
    ProxyInvalidIdempotencyKey   "proxy.invalid_idempotency_key";
    ProxyIdempotencyKeyRequired  "proxy.idempotency_key_required";
    ProxyIdempotencyKeyReused    "proxy.idempotency_key_reused";
    ProxySenderMismatch          "proxy.sender_mismatch";
    ProxyUnauthorized            "proxy.unauthorized";
    ProxyRateLimited             "proxy.rate_limited";
    ProxyProxyBusy               "proxy.proxy_busy";
    ProxyIdempotencyStoreFull    "proxy.idempotency_store_full";
    ProxyIdempotencyUnavailable  "proxy.idempotency_unavailable";
    ProxyUpstreamUnreachable     "proxy.upstream_unreachable";
    ProxyRequestInProgress       "proxy.request_in_progress";
    ProxyUpstreamTimeout         "proxy.upstream_timeout";
    ProxyUpstreamConnectionLost  "proxy.upstream_connection_lost";
    ProxyUpstreamResponseTooLarge "proxy.upstream_response_too_large";
    ProxyAnswerNotReplayable     "proxy.answer_not_replayable";
    ProxyInternalError           "proxy.internal_error";
    ProxyOutcomeUnknown          "proxy.outcome_unknown";
    UpdoxAuth                    "updox.auth";
    UpdoxValidation              "updox.validation";
    UpdoxRecipient               "updox.recipient";
    UpdoxServer                  "updox.server";
    UpdoxOther                   "updox.other";
    Updox4020                    "updox.4020";
    Updox4640                    "updox.4640";
    Updox4641                    "updox.4641";
    Updox4642                    "updox.4642";
    Updox4650                    "updox.4650";
    Updox4651                    "updox.4651";
    Updox4652                    "updox.4652";
    ResendSignIn                 "resend.sign_in";
    ResendUnconfirmed            "resend.unconfirmed";
    ResendChanged                "resend.changed";
    RecipientUnchecked           "recipient.unchecked";
}

/// The proxy contract's error codes, each with its rule (`proxy.` and the code), in three
/// groups: refused before forwarding (nothing reached Updox) for good, then refused before
/// forwarding for now (a resend may succeed), then forwarded or maybe forwarded.
#[rustfmt::skip]
const PROXY_CODES: &[(&str, Outcome)] = &[
    ("method_not_allowed", Outcome::ProxyMethodNotAllowed),
    ("not_found", Outcome::ProxyNotFound),
    ("origin_not_allowed", Outcome::ProxyOriginNotAllowed),
    ("host_not_allowed", Outcome::ProxyHostNotAllowed),
    ("unsupported_media_type", Outcome::ProxyUnsupportedMediaType),
    ("payload_too_large", Outcome::ProxyPayloadTooLarge),
    ("invalid_json", Outcome::ProxyInvalidJson),
    ("invalid_request", Outcome::ProxyInvalidRequest),
    ("invalid_idempotency_key", Outcome::ProxyInvalidIdempotencyKey),
    ("idempotency_key_required", Outcome::ProxyIdempotencyKeyRequired),
    ("idempotency_key_reused", Outcome::ProxyIdempotencyKeyReused),
    ("sender_mismatch", Outcome::ProxySenderMismatch),
    ("unauthorized", Outcome::ProxyUnauthorized),
    ("rate_limited", Outcome::ProxyRateLimited),
    ("proxy_busy", Outcome::ProxyProxyBusy),
    ("idempotency_store_full", Outcome::ProxyIdempotencyStoreFull),
    ("idempotency_unavailable", Outcome::ProxyIdempotencyUnavailable),
    ("upstream_unreachable", Outcome::ProxyUpstreamUnreachable),
    ("request_in_progress", Outcome::ProxyRequestInProgress),
    ("upstream_timeout", Outcome::ProxyUpstreamTimeout),
    ("upstream_connection_lost", Outcome::ProxyUpstreamConnectionLost),
    ("upstream_response_too_large", Outcome::ProxyUpstreamResponseTooLarge),
    ("answer_not_replayable", Outcome::ProxyAnswerNotReplayable),
    ("internal_error", Outcome::ProxyInternalError),
    ("outcome_unknown", Outcome::ProxyOutcomeUnknown),
];
/// Where the groups of `PROXY_CODES` start: refused for now, then (maybe) forwarded.
const PROXY_TRANSIENT: usize = 12;
const PROXY_FORWARDED: usize = 18;

/// The rule of an Updox failure code: the code itself where it has a sentence of its own,
/// else its category where that has one, else `updox.other`.
pub fn updox_rule(code: i64) -> Outcome {
    match code {
        4020 => Outcome::Updox4020,
        4640 => Outcome::Updox4640,
        4641 => Outcome::Updox4641,
        4642 => Outcome::Updox4642,
        4650 => Outcome::Updox4650,
        4651 => Outcome::Updox4651,
        4652 => Outcome::Updox4652,
        _ => match codes::info(code).map(|i| i.category) {
            Some(Category::Auth) => Outcome::UpdoxAuth,
            Some(Category::Validation) => Outcome::UpdoxValidation,
            Some(Category::Recipient) => Outcome::UpdoxRecipient,
            Some(Category::Server) => Outcome::UpdoxServer,
            _ => Outcome::UpdoxOther,
        },
    }
}

/// The rule of an HTTP failure: the proxy's own error code when it is one of the proxy
/// contract's, else the status (or its class); and the code's place in `PROXY_CODES`.
fn http_rule(status: u16, proxy_error: Option<&str>) -> (Outcome, Option<usize>) {
    if let Some(i) = PROXY_CODES
        .iter()
        .position(|(code, _)| Some(*code) == proxy_error)
    {
        if let Some((_, rule)) = PROXY_CODES.get(i) {
            return (*rule, Some(i));
        }
    }
    let rule = match status {
        401 => Outcome::Http401,
        403 => Outcome::Http403,
        413 => Outcome::Http413,
        429 => Outcome::Http429,
        502 => Outcome::Http502,
        503 => Outcome::Http503,
        504 => Outcome::Http504,
        400..=499 => Outcome::Http4xx,
        500..=599 => Outcome::Http5xx,
        _ => Outcome::HttpOther,
    };
    (rule, None)
}

/// The rule an error reports: a validation rule (that of its one issue) or an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleRef {
    Check(Rule),
    Outcome(Outcome),
}

impl RuleRef {
    pub fn id(self) -> &'static str {
        match self {
            RuleRef::Check(r) => r.id(),
            RuleRef::Outcome(o) => o.id(),
        }
    }

    /// The place of the rule among all rules (the validation rules, then the outcomes),
    /// which is how the wasm names it to JavaScript.
    pub fn index(self) -> u16 {
        match self {
            RuleRef::Check(r) => r.index(),
            RuleRef::Outcome(o) => Rule::ALL.len() as u16 + o as u16,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SendError {
    pub kind: ErrorKind,
    /// The rule that decided the outcome (an [`Outcome`], or the one validation issue's
    /// rule); its sentence, in the caller's locale, is the error's message.
    pub rule: RuleRef,
    /// For `timeout`: the limit, in whole seconds, that the sentence names.
    pub seconds: Option<u32>,
    /// Updox's code, or the local equivalent (validation issue code, 4020 for HTTP 413);
    /// `None` where none applies.
    pub response_code: Option<i64>,
    pub response_message: Option<String>,
    pub reason: Option<String>,
    pub status: Option<u16>,
    pub issues: Vec<ValidationIssue>,
    /// Resending the same message with the same `Idempotency-Key` is safe and may succeed.
    pub retryable: bool,
    pub delivery: Delivery,
    /// The rule whose sentence is the message, when it is not `rule`'s own.
    pub said: Option<Outcome>,
}

impl SendError {
    /// A failure after the request started, whose fate is unknown: a resend with the same
    /// key is safe (the proxy answers it with the first answer, or forwards it once).
    fn new(kind: ErrorKind, rule: Outcome) -> Self {
        SendError {
            kind,
            rule: RuleRef::Outcome(rule),
            seconds: None,
            response_code: None,
            response_message: None,
            reason: None,
            status: None,
            issues: Vec::new(),
            retryable: true,
            delivery: Delivery::Unknown,
            said: None,
        }
    }

    /// Refused before anything left the page.
    fn unsent(kind: ErrorKind, rule: Outcome, retryable: bool) -> Self {
        SendError {
            retryable,
            delivery: Delivery::NotSent,
            ..SendError::new(kind, rule)
        }
    }

    pub fn validation(issues: Vec<ValidationIssue>) -> Self {
        let rule = match issues.as_slice() {
            [one] => RuleRef::Check(one.rule),
            _ => RuleRef::Outcome(Outcome::Validation),
        };
        SendError {
            response_code: issues.first().map(ValidationIssue::code),
            issues,
            rule,
            ..SendError::unsent(ErrorKind::Validation, Outcome::Validation, false)
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
            delivery: Delivery::Failed,
            ..SendError::new(ErrorKind::Updox, updox_rule(code))
        }
    }

    /// `proxy_error`: the `error` code of the proxy's JSON answer, if any. A code of the
    /// proxy contract says whether anything was forwarded; without one, the answer may come
    /// from Updox itself or anything on the way (a 503 or 429 passed through), so whether
    /// the message went is unknown: a 5xx or 429 is worth resending with the same key, any
    /// other status is final.
    pub fn http(
        status: u16,
        response_code: Option<i64>,
        response_message: Option<String>,
        proxy_error: Option<&str>,
    ) -> Self {
        let (rule, code) = http_rule(status, proxy_error);
        let (retryable, delivery) = match code {
            Some(i) if i < PROXY_TRANSIENT => (false, Delivery::NotSent),
            Some(i) if i < PROXY_FORWARDED => (true, Delivery::NotSent),
            // The proxy holds the key of an attempt whose fate it cannot tell, and
            // answers every resend of it so.
            Some(_) if rule == Outcome::ProxyOutcomeUnknown => (false, Delivery::Unknown),
            Some(_) => (true, Delivery::Unknown),
            None => (
                (500..600).contains(&status) || status == 429,
                Delivery::Unknown,
            ),
        };
        SendError {
            status: Some(status),
            response_code: response_code.or((status == 413).then_some(4020)),
            response_message,
            retryable,
            delivery,
            ..SendError::new(ErrorKind::Http, rule)
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
            Outcome::ProtocolInconsistent
        } else {
            Outcome::ProtocolUnreadable
        };
        SendError {
            status: Some(status),
            response_code,
            response_message,
            ..SendError::new(ErrorKind::Protocol, rule)
        }
    }

    /// `offline`: the browser said it had no network before the request, so nothing left
    /// the page; otherwise the request failed on its way and may have arrived.
    pub fn network(offline: bool) -> Self {
        if offline {
            SendError::unsent(ErrorKind::Network, Outcome::NetworkOffline, true)
        } else {
            SendError::new(ErrorKind::Network, Outcome::NetworkFailed)
        }
    }

    pub fn timeout(ms: f64) -> Self {
        // Whole seconds, rounded up: the sentence names them (ms is at most 2^31 − 1).
        let seconds = ms / 1000.0;
        let whole = seconds as u32;
        SendError {
            seconds: Some(if f64::from(whole) < seconds {
                whole + 1
            } else {
                whole
            }),
            ..SendError::new(ErrorKind::Timeout, Outcome::Timeout)
        }
    }

    /// `after_sending`: the request had been handed to the browser already, and may
    /// arrive.
    pub fn aborted(after_sending: bool) -> Self {
        if after_sending {
            SendError::new(ErrorKind::Aborted, Outcome::AbortedAfterSending)
        } else {
            SendError::unsent(ErrorKind::Aborted, Outcome::Aborted, true)
        }
    }

    /// The same error, for a request that repeats an earlier attempt (the caller passed
    /// its `idempotencyKey`). The proxy refusing it before forwarding says nothing about the
    /// earlier attempt, which may have reached Updox: such a refusal is `Unknown`, never
    /// `NotSent`, and its sentence says so (keeping the rule, so callers can still branch
    /// on the proxy's code).
    pub fn resent(self) -> Self {
        if self.kind != ErrorKind::Http || self.delivery != Delivery::NotSent {
            return self;
        }
        let said = match self.rule {
            RuleRef::Outcome(Outcome::ProxyUnauthorized) => Outcome::ResendSignIn,
            RuleRef::Outcome(Outcome::ProxyIdempotencyKeyReused) => Outcome::ResendChanged,
            _ => Outcome::ResendUnconfirmed,
        };
        SendError {
            delivery: Delivery::Unknown,
            said: Some(said),
            ..self
        }
    }

    /// The rule whose sentence is the error's message.
    pub fn sentence_rule(&self) -> RuleRef {
        self.said.map_or(self.rule, RuleRef::Outcome)
    }

    /// The browser could not build the request (nothing was sent).
    pub fn cannot_prepare() -> Self {
        SendError::unsent(ErrorKind::Network, Outcome::BrowserCannotPrepare, false)
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
                SendError::unsent(ErrorKind::Network, Outcome::BrowserNoSecureRandom, false)
            }
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn outcome_rules_are_unique() {
        let mut seen = HashSet::new();
        assert!(Outcome::ALL.iter().all(|r| seen.insert(r.id())));
        for rule in Rule::ALL {
            assert!(!seen.contains(rule.id()), "{} twice", rule.id());
        }
        for (code, rule) in PROXY_CODES {
            assert_eq!(rule.id().strip_prefix("proxy."), Some(*code));
        }
        let proxy = Outcome::ALL.iter().filter(|o| o.id().starts_with("proxy."));
        assert_eq!(proxy.count(), PROXY_CODES.len());
    }

    /// The proxy contract: which codes mean "not forwarded", and which of those are
    /// transient (the groups of `PROXY_CODES`).
    #[test]
    fn proxy_codes_say_what_was_forwarded() {
        let codes = |from: usize, to: usize| -> Vec<&str> {
            PROXY_CODES[from..to].iter().map(|(c, _)| *c).collect()
        };
        let mut final_unsent = codes(0, PROXY_TRANSIENT);
        final_unsent.sort_unstable();
        assert_eq!(
            final_unsent,
            [
                "host_not_allowed",
                "idempotency_key_required",
                "idempotency_key_reused",
                "invalid_idempotency_key",
                "invalid_json",
                "invalid_request",
                "method_not_allowed",
                "not_found",
                "origin_not_allowed",
                "payload_too_large",
                "sender_mismatch",
                "unsupported_media_type",
            ]
        );
        let mut transient = codes(PROXY_TRANSIENT, PROXY_FORWARDED);
        transient.sort_unstable();
        assert_eq!(
            transient,
            [
                "idempotency_store_full",
                "idempotency_unavailable",
                "proxy_busy",
                "rate_limited",
                "unauthorized",
                "upstream_unreachable",
            ]
        );
        let mut forwarded = codes(PROXY_FORWARDED, PROXY_CODES.len());
        forwarded.sort_unstable();
        assert_eq!(
            forwarded,
            [
                "answer_not_replayable",
                "internal_error",
                "outcome_unknown",
                "request_in_progress",
                "upstream_connection_lost",
                "upstream_response_too_large",
                "upstream_timeout",
            ]
        );
    }

    #[test]
    fn retryable_and_delivery() {
        use Delivery::*;
        let http = |status, code: Option<&str>| {
            let e = SendError::http(status, None, None, code);
            (e.retryable, e.delivery)
        };
        assert_eq!(http(503, Some("proxy_busy")), (true, NotSent));
        assert_eq!(http(429, Some("rate_limited")), (true, NotSent));
        assert_eq!(http(401, Some("unauthorized")), (true, NotSent));
        assert_eq!(http(502, Some("upstream_unreachable")), (true, NotSent));
        assert_eq!(http(422, Some("idempotency_key_reused")), (false, NotSent));
        assert_eq!(http(403, Some("sender_mismatch")), (false, NotSent));
        assert_eq!(http(413, Some("payload_too_large")), (false, NotSent));
        assert_eq!(http(409, Some("request_in_progress")), (true, Unknown));
        assert_eq!(http(504, Some("upstream_timeout")), (true, Unknown));
        assert_eq!(http(500, Some("internal_error")), (true, Unknown));
        // Without a code of the contract (Updox's own 503 passed through, a gateway's 502).
        assert_eq!(http(503, None), (true, Unknown));
        assert_eq!(http(429, None), (true, Unknown));
        assert_eq!(http(502, Some("test")), (true, Unknown));
        assert_eq!(http(504, None), (true, Unknown));
        assert_eq!(http(500, None), (true, Unknown));
        assert_eq!(http(413, None), (false, Unknown));
        assert_eq!(http(422, None), (false, Unknown));
        assert_eq!(http(404, None), (false, Unknown));
        assert_eq!(http(302, None), (false, Unknown));
        assert_eq!(http(999, None), (false, Unknown));
        let e = SendError::updox(4650, None, None, 200);
        assert_eq!((e.retryable, e.delivery), (false, Failed));
        let e = SendError::updox(4012, None, None, 200);
        assert_eq!((e.retryable, e.delivery), (true, Failed));
        let e = SendError::validation(Vec::new());
        assert_eq!((e.retryable, e.delivery), (false, NotSent));
        for (e, want) in [
            (SendError::network(true), (true, NotSent)),
            (SendError::network(false), (true, Unknown)),
            (SendError::timeout(1.0), (true, Unknown)),
            (SendError::aborted(false), (true, NotSent)),
            (SendError::aborted(true), (true, Unknown)),
            (SendError::protocol(200, None, None, true), (true, Unknown)),
            (SendError::cannot_prepare(), (false, NotSent)),
            (Refusal::NoSecureRandom.into(), (false, NotSent)),
        ] {
            assert_eq!((e.retryable, e.delivery), want, "{:?}", e.rule);
        }
        assert_eq!(
            [NotSent, Unknown, Failed].map(Delivery::as_str),
            ["not-sent", "unknown", "failed"]
        );
    }

    /// A resend (the caller's key) refused before forwarding: the earlier attempt may have
    /// arrived, so never "not sent"; what was "unknown" or "failed" stays so.
    #[test]
    fn a_refused_resend_is_never_not_sent() {
        use Delivery::*;
        let resent = |status, code: &str| SendError::http(status, None, None, Some(code)).resent();
        for (status, code, said) in [
            (401, "unauthorized", "resend.sign_in"),
            (403, "sender_mismatch", "resend.unconfirmed"),
            (429, "rate_limited", "resend.unconfirmed"),
            (503, "proxy_busy", "resend.unconfirmed"),
            (503, "idempotency_unavailable", "resend.unconfirmed"),
            (502, "upstream_unreachable", "resend.unconfirmed"),
            (422, "idempotency_key_reused", "resend.changed"),
            (400, "invalid_request", "resend.unconfirmed"),
        ] {
            let e = resent(status, code);
            assert_eq!(e.delivery, Unknown, "{code}");
            assert_eq!(e.rule.id().strip_prefix("proxy."), Some(code));
            assert_eq!(e.sentence_rule().id(), said, "{code}");
            // Whether a resend may help does not change.
            let first = SendError::http(status, None, None, Some(code));
            assert_eq!(e.retryable, first.retryable, "{code}");
            assert_eq!(
                (first.delivery, first.sentence_rule()),
                (NotSent, first.rule)
            );
        }
        // The proxy's own word that the outcome is unknown: the same for a first attempt.
        for e in [
            SendError::http(409, None, None, Some("outcome_unknown")),
            resent(409, "outcome_unknown"),
        ] {
            assert_eq!((e.retryable, e.delivery), (false, Unknown));
            assert_eq!(e.sentence_rule().id(), "proxy.outcome_unknown");
        }
        // Other errors keep their own word.
        for e in [
            SendError::http(504, None, None, Some("upstream_timeout")),
            SendError::http(503, None, None, None),
            SendError::updox(4650, None, None, 200),
            SendError::aborted(false),
            SendError::network(true),
        ] {
            let again = e.clone().resent();
            assert_eq!(again, e);
        }
    }

    #[test]
    fn indexes_follow_the_tables() {
        for (i, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(RuleRef::Check(*rule).index() as usize, i);
        }
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(RuleRef::Outcome(*o).index() as usize, Rule::ALL.len() + i);
        }
    }

    #[test]
    fn every_code_has_a_known_rule() {
        for c in codes::CODES {
            assert!(updox_rule(c.code).id().starts_with("updox."), "{}", c.code);
        }
        assert_eq!(updox_rule(4011).id(), "updox.auth");
        assert_eq!(updox_rule(4650).id(), "updox.4650");
        assert_eq!(updox_rule(4071).id(), "updox.recipient");
        assert_eq!(updox_rule(5110).id(), "updox.server");
        assert_eq!(updox_rule(6210).id(), "updox.validation");
        assert_eq!(updox_rule(4131).id(), "updox.other");
        assert_eq!(updox_rule(4999).id(), "updox.other");
    }

    #[test]
    fn http_rules() {
        let id = |s, e| http_rule(s, e).0.id();
        assert_eq!(id(429, Some("rate_limited")), "proxy.rate_limited");
        assert_eq!(
            id(502, Some("upstream_unreachable")),
            "proxy.upstream_unreachable"
        );
        assert_eq!(id(429, Some("rate-limited")), "http.429");
        assert_eq!(id(400, Some("")), "http.4xx");
        assert_eq!(id(418, None), "http.4xx");
        assert_eq!(id(599, None), "http.5xx");
        assert_eq!(id(302, None), "http.other");
    }

    #[test]
    fn every_constructor_reports_its_rule() {
        let issue = |rule| ValidationIssue {
            at: None,
            rule,
            limit: None,
            size: None,
        };
        let rules: Vec<&str> = [
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
        ]
        .iter()
        .map(|e| e.rule.id())
        .collect();
        assert_eq!(
            rules,
            [
                "to.required",
                "validation",
                "protocol.unreadable",
                "protocol.inconsistent",
                "network.offline",
                "network.failed",
                "timeout",
                "aborted",
                "aborted.after_sending",
                "browser.cannot_prepare",
                "browser.no_secure_random",
            ]
        );
        assert_eq!(SendError::timeout(1500.0).seconds, Some(2));
        assert_eq!(SendError::timeout(3000.0).seconds, Some(3));
    }
}
