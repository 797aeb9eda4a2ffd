//! Every rule about the send options: the proxy URL (required, length, resolvable, allowed),
//! the timeout, the credentials mode, extra headers, the (normally forbidden) auth block,
//! the signal and progress callback, and the idempotency key: the caller's (a resend), or
//! one made from a secure random source.
//! What only the browser knows (where the URL resolves to, random bytes) comes in as
//! [`Facts`], so that every rule runs under native tests.

use super::attachment::is_token;
use crate::ascii::split;
use crate::input::{digits, AuthInput, Input, Number, OptionsInput, Text};
use crate::issue::{sub, Issues, Rule};
use crate::prelude::*;

pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Longest proxy URL accepted; browsers and servers refuse far shorter ones than fetch
/// would try, and a refused request would look like a network failure.
pub const MAX_PROXY_URL: usize = 8 * 1024;
/// Longest value of one extra header, and the most extra headers.
pub const MAX_HEADER_VALUE: usize = 8 * 1024;
pub const MAX_HEADERS: usize = 50;
/// setTimeout's largest delay (2^31 − 1 ms); larger values fire at once in browsers.
const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// Headers the module sets itself, or that browsers forbid scripts to set.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "idempotency-key",
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Checks one extra request header; the rule it breaks, if any.
pub fn check_header(name: &str, value: &Text) -> Option<Rule> {
    let lower = name.to_ascii_lowercase();
    if !is_token(name) {
        return Some(Rule::HeaderInvalidName);
    }
    if RESERVED_HEADERS.contains(&lower.as_str())
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
    {
        return Some(Rule::HeaderForbidden);
    }
    match value {
        Input::Given(v) if v.len() > MAX_HEADER_VALUE => Some(Rule::HeaderTooLong),
        Input::Given(v) if v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) => {
            Some(Rule::HeaderLineBreak)
        }
        // fetch refuses header values beyond Latin-1.
        Input::Given(v) if v.chars().any(|c| u32::from(c) > 0xff) => Some(Rule::HeaderNotLatin1),
        Input::Given(_) => None,
        _ => Some(Rule::HeaderNotText),
    }
}

/// The extra headers as they will be sent, when all are allowed.
fn check_headers(
    headers: Input<Vec<(String, Text)>>,
    issues: &mut Issues,
) -> Vec<(String, String)> {
    let list = match headers {
        Input::Absent => return Vec::new(),
        Input::Wrong(_) => {
            issues.add(Rule::HeadersNotAnObject);
            return Vec::new();
        }
        Input::Given(list) if list.len() > MAX_HEADERS => {
            issues.over(Rule::HeadersTooMany, None, MAX_HEADERS as u64, None);
            return Vec::new();
        }
        Input::Given(list) => list,
    };
    let mut out = Vec::with_capacity(list.len());
    for (name, value) in list {
        match check_header(&name, &value) {
            Some(rule) => issues.at(rule, sub("options.headers", &name)),
            None => out.extend(value.given().map(|v| (name, v))),
        }
    }
    out
}

/// Where the proxy URL resolved to, as the browser parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUrl {
    /// The whole URL, absolute.
    pub href: String,
    pub scheme: String,
    pub host: String,
    pub same_origin: bool,
}

fn is_loopback(host: &str) -> bool {
    let host = host.strip_prefix('[').unwrap_or(host);
    let host = host.strip_suffix(']').unwrap_or(host);
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.strip_prefix("127.").is_some_and(|rest| {
            split(rest, b'.').count() == 3
                && split(rest, b'.').all(|o| digits(o).is_some_and(|n| n <= 255))
        })
}

/// The proxy must be same-origin, `https:`, or on loopback, so that PHI never travels in
/// clear text to another host (unless the caller explicitly allows it).
pub fn check_proxy_url(url: &ResolvedUrl, allow_insecure: bool) -> Option<Rule> {
    if url.scheme != "http:" && url.scheme != "https:" {
        return Some(Rule::ProxyUrlNotHttp);
    }
    let allowed =
        allow_insecure || url.same_origin || url.scheme == "https:" || is_loopback(&url.host);
    (!allowed).then_some(Rule::ProxyUrlInsecure)
}

/// The proxy URL the browser should resolve: given as text, not blank, not too long.
pub fn url_to_resolve<S, F>(options: &Input<OptionsInput<S, F>>) -> Option<&str> {
    match options {
        Input::Given(OptionsInput {
            proxy_url: Input::Given(url),
            ..
        }) => Some(url.trim()).filter(|u| !u.is_empty() && url.len() <= MAX_PROXY_URL),
        _ => None,
    }
}

fn check_url(
    proxy_url: &Text,
    resolved: Option<ResolvedUrl>,
    allow_insecure: bool,
) -> Result<String, Rule> {
    match proxy_url {
        Input::Given(u) if u.len() > MAX_PROXY_URL => Err(Rule::ProxyUrlTooLong),
        Input::Given(u) if !u.trim().is_empty() => {
            let url = resolved.ok_or(Rule::ProxyUrlInvalid)?;
            match check_proxy_url(&url, allow_insecure) {
                Some(rule) => Err(rule),
                None => Ok(url.href),
            }
        }
        _ => Err(Rule::ProxyUrlRequired),
    }
}

/// `timeoutMs` in force: the caller's when it is usable, else the default (with an issue
/// when one was given).
pub fn check_timeout(n: &Number, issues: &mut Issues) -> f64 {
    match *n {
        Input::Absent => DEFAULT_TIMEOUT_MS,
        Input::Given(v) if v.is_finite() && v > 0.0 && v <= MAX_TIMEOUT_MS => v,
        _ => {
            issues.add(Rule::TimeoutInvalid);
            DEFAULT_TIMEOUT_MS
        }
    }
}

/// Body bytes an exchange's timeout covers as given; each byte beyond adds time at
/// [`SLOWEST_UPLOAD_BYTES_PER_S`].
pub const TIMEOUT_FREE_BYTES: f64 = 1024.0 * 1024.0;
/// The slowest upload the timeout allows for: 64 KiB/s (about 0.5 Mbit/s, a poor mobile
/// line), so that a large upload on a slow line is not cut off while its body still leaves.
pub const SLOWEST_UPLOAD_BYTES_PER_S: f64 = 64.0 * 1024.0;

/// The timeout of an exchange whose body is `body_bytes` long: `timeout_ms` (the caller's,
/// meant for the answer) plus the time the body takes to leave at the slowest upload
/// allowed for. fetch does not say when a body has left, so the time is scaled instead.
pub fn exchange_timeout_ms(timeout_ms: f64, body_bytes: f64) -> f64 {
    let extra_ms = (body_bytes - TIMEOUT_FREE_BYTES).max(0.0) * 1000.0 / SLOWEST_UPLOAD_BYTES_PER_S;
    // Rounded up to a whole millisecond (no `ceil` without std); the cast saturates.
    let whole = extra_ms.min(MAX_TIMEOUT_MS) as u64 as f64;
    let extra_ms = if whole < extra_ms { whole + 1.0 } else { whole };
    (timeout_ms + extra_ms).min(MAX_TIMEOUT_MS)
}

/// The fetch credentials mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

impl Credentials {
    /// fetch's name for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }
}

fn check_credentials(f: &Text, issues: &mut Issues) -> Option<Credentials> {
    let mode = match f {
        Input::Absent => return None,
        Input::Given(s) => match s.as_str() {
            "omit" => Some(Credentials::Omit),
            "same-origin" => Some(Credentials::SameOrigin),
            "include" => Some(Credentials::Include),
            _ => None,
        },
        Input::Wrong(_) => None,
    };
    if mode.is_none() {
        issues.add(Rule::CredentialsInvalid);
    }
    mode
}

/// The Updox auth block; only sent when a caller explicitly allows browser credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    pub application_id: String,
    pub application_password: String,
    pub account_id: String,
    pub user_id: String,
}

/// An auth block is refused unless `allow_browser_credentials` is exactly true: Updox
/// credentials belong on the portal's server.
fn check_auth(
    auth: &Input<AuthInput>,
    allow_browser_credentials: bool,
    issues: &mut Issues,
) -> Option<Auth> {
    let a = match auth {
        Input::Absent => return None,
        _ if !allow_browser_credentials => {
            issues.add(Rule::AuthNotAllowed);
            return None;
        }
        Input::Wrong(_) => {
            issues.add(Rule::AuthNotAnObject);
            return None;
        }
        Input::Given(a) => a,
    };
    let mut get = |f: &Text, rule: Rule| match f {
        Input::Given(s) if !s.is_empty() => s.clone(),
        _ => {
            issues.add(rule);
            String::new()
        }
    };
    Some(Auth {
        application_id: get(&a.application_id, Rule::AuthApplicationIdRequired),
        application_password: get(
            &a.application_password,
            Rule::AuthApplicationPasswordRequired,
        ),
        account_id: get(&a.account_id, Rule::AuthAccountIdRequired),
        user_id: get(&a.user_id, Rule::AuthUserIdRequired),
    })
}

/// What only the browser can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Where [`url_to_resolve`] resolved, or `None` when it is not a URL (or there was
    /// none to resolve).
    pub resolved_url: Option<ResolvedUrl>,
    /// 16 bytes from the platform's secure random source, `None` when it has none.
    pub random: Option<[u8; 16]>,
}

/// Everything about one exchange besides the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<S, F> {
    pub url: String,
    pub timeout_ms: f64,
    pub headers: Vec<(String, String)>,
    pub credentials: Option<Credentials>,
    pub signal: Option<S>,
    pub on_progress: Option<F>,
    pub auth: Option<Auth>,
    /// The `Idempotency-Key` header: the caller's, else 128 random bits in hex (empty for
    /// a lookup, which sends none).
    pub idempotency_key: String,
    /// Photos are sent with their metadata, as they are.
    pub keep_photo_metadata: bool,
}

/// Why the options cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Broken rules (of the message too, when checked together).
    Invalid(Issues),
    /// All is valid, but the platform has no secure random source for the key.
    NoSecureRandom,
}

fn hex(bytes: &[u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for &b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

/// The caller's `Idempotency-Key`, when given: 1–255 visible ASCII characters, as the
/// proxy accepts it.
fn check_key(key: Text, issues: &mut Issues) -> Option<String> {
    match key {
        Input::Absent => None,
        Input::Given(k)
            if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Some(k)
        }
        _ => {
            issues.add(Rule::IdempotencyKeyInvalid);
            None
        }
    }
}

/// An optional value of the right type, or its rule when of another.
fn optional<T>(input: Input<T>, rule: Rule, issues: &mut Issues) -> Option<T> {
    match input {
        Input::Given(v) => Some(v),
        Input::Absent => None,
        Input::Wrong(_) => {
            issues.add(rule);
            None
        }
    }
}

/// `keepPhotoMetadata`: true only when given as true; another type is an issue.
pub fn check_keep_photo_metadata(keep: &Input<bool>, issues: &mut Issues) -> bool {
    match keep {
        Input::Given(keep) => *keep,
        Input::Absent => false,
        Input::Wrong(_) => {
            issues.add(Rule::KeepPhotoMetadataInvalid);
            false
        }
    }
}

/// Checks the send options (all but `limits`, which the message check needs first): the
/// plan for the exchange, or why there is none.
pub fn check<S, F>(
    options: Input<OptionsInput<S, F>>,
    facts: Facts,
) -> Result<Plan<S, F>, Refusal> {
    let mut issues = Issues::default();
    let Input::Given(o) = options else {
        issues.add(Rule::OptionsNotAnObject);
        return Err(Refusal::Invalid(issues));
    };
    let url = check_url(&o.proxy_url, facts.resolved_url, o.allow_insecure_proxy_url)
        .map_err(|rule| issues.add(rule))
        .ok();
    let timeout_ms = check_timeout(&o.timeout_ms, &mut issues);
    let credentials = check_credentials(&o.credentials, &mut issues);
    let headers = check_headers(o.headers, &mut issues);
    let auth = check_auth(&o.auth, o.allow_browser_credentials, &mut issues);
    let signal = optional(o.signal, Rule::SignalInvalid, &mut issues);
    let on_progress = optional(o.on_progress, Rule::OnProgressInvalid, &mut issues);
    let key = check_key(o.idempotency_key, &mut issues);
    let keep_photo_metadata = check_keep_photo_metadata(&o.keep_photo_metadata, &mut issues);
    match url {
        Some(url) if issues.is_empty() => Ok(Plan {
            url,
            timeout_ms,
            headers,
            credentials,
            signal,
            on_progress,
            auth,
            idempotency_key: match (key, facts.random) {
                (Some(key), _) => key,
                (None, Some(random)) => hex(&random),
                (None, None) => return Err(Refusal::NoSecureRandom),
            },
            keep_photo_metadata,
        }),
        _ => Err(Refusal::Invalid(issues)),
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    type Options = OptionsInput<(), ()>;

    fn t(s: &str) -> Text {
        Input::Given(s.into())
    }

    fn url(scheme: &str, host: &str, same_origin: bool) -> ResolvedUrl {
        ResolvedUrl {
            href: [scheme, "//", host, "/api"].concat(),
            scheme: scheme.into(),
            host: host.into(),
            same_origin,
        }
    }

    fn facts() -> Facts {
        Facts {
            resolved_url: Some(url("https:", "portal.example", true)),
            random: Some([0xab; 16]),
        }
    }

    fn options() -> Options {
        OptionsInput {
            proxy_url: t("/api/updox"),
            ..OptionsInput::default()
        }
    }

    fn plan(o: Options) -> Plan<(), ()> {
        check(Input::Given(o), facts()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// (field, rule id) of each issue when `o` is refused.
    fn refused(o: Input<Options>, facts: Facts) -> Vec<(String, &'static str)> {
        match check(o, facts) {
            Err(Refusal::Invalid(issues)) => issues
                .into_vec()
                .into_iter()
                .map(|i| (i.field().to_string(), i.rule.id()))
                .collect(),
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    fn rules(o: Options) -> Vec<&'static str> {
        refused(Input::Given(o), facts())
            .into_iter()
            .map(|(_, r)| r)
            .collect()
    }

    #[test]
    fn a_plain_plan() {
        let p = plan(options());
        assert_eq!(p.url, "https://portal.example/api");
        assert_eq!(p.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(p.idempotency_key, "ab".repeat(16));
        assert_eq!(
            (p.credentials, p.auth, p.signal, p.on_progress),
            (None, None, None, None)
        );
        assert!(p.headers.is_empty());
    }

    #[test]
    fn the_options_must_be_an_object() {
        for o in [Input::Absent, Input::Wrong("string")] {
            assert_eq!(
                refused(o, facts()),
                [("options".to_string(), "options.not_an_object")]
            );
        }
    }

    #[test]
    fn proxy_url_rules() {
        for proxy_url in [Input::Absent, t(""), t("  "), Input::Wrong("number")] {
            let o = OptionsInput {
                proxy_url,
                ..options()
            };
            assert_eq!(url_to_resolve(&Input::Given(o.clone())), None);
            assert_eq!(rules(o), ["options.proxyUrl.required"]);
        }
        let long = OptionsInput {
            proxy_url: t(&"a".repeat(MAX_PROXY_URL + 1)),
            ..options()
        };
        assert_eq!(url_to_resolve(&Input::Given(long.clone())), None);
        assert_eq!(rules(long), ["options.proxyUrl.too_long"]);
        let o = OptionsInput {
            proxy_url: t(" /api "),
            ..options()
        };
        assert_eq!(url_to_resolve(&Input::Given(o.clone())), Some("/api"));
        let unresolved = Facts {
            resolved_url: None,
            ..facts()
        };
        assert_eq!(
            refused(Input::Given(o), unresolved),
            [("options.proxyUrl".to_string(), "options.proxyUrl.invalid")]
        );
    }

    #[test]
    fn proxy_url_policy() {
        let ok = |u: ResolvedUrl, insecure: bool| check_proxy_url(&u, insecure).is_none();
        assert!(ok(url("http:", "portal.example", true), false));
        assert!(ok(url("https:", "api.example", false), false));
        assert!(ok(url("http:", "127.0.0.1", false), false));
        assert!(ok(url("http:", "[::1]", false), false));
        assert!(ok(url("http:", "localhost", false), false));
        assert!(ok(url("http:", "app.localhost", false), false));
        assert!(ok(url("http:", "api.example", false), true));
        assert_eq!(
            check_proxy_url(&url("http:", "api.example", false), false),
            Some(Rule::ProxyUrlInsecure)
        );
        assert_eq!(
            check_proxy_url(&url("http:", "127.0.0.1.evil.example", false), false),
            Some(Rule::ProxyUrlInsecure)
        );
        assert_eq!(
            check_proxy_url(&url("javascript:", "", true), true),
            Some(Rule::ProxyUrlNotHttp)
        );
        assert_eq!(
            check_proxy_url(&url("data:", "", false), false),
            Some(Rule::ProxyUrlNotHttp)
        );
        let insecure = Facts {
            resolved_url: Some(url("http:", "api.example", false)),
            ..facts()
        };
        assert_eq!(
            refused(Input::Given(options()), insecure.clone()),
            [("options.proxyUrl".to_string(), "options.proxyUrl.insecure")]
        );
        let allowed = OptionsInput {
            allow_insecure_proxy_url: true,
            ..options()
        };
        assert!(check(Input::Given(allowed), insecure).is_ok());
    }

    #[test]
    fn the_timeout_grows_with_the_body() {
        assert_eq!(exchange_timeout_ms(30_000.0, 0.0), 30_000.0);
        assert_eq!(exchange_timeout_ms(300.0, 1024.0 * 1024.0), 300.0);
        // 26 MiB (a 20 MiB attachment as base64) past the first MiB: 400 s more.
        assert_eq!(
            exchange_timeout_ms(30_000.0, 26.0 * 1024.0 * 1024.0),
            430_000.0
        );
        assert_eq!(exchange_timeout_ms(1000.0, 1024.0 * 1024.0 + 1.0), 1001.0);
        assert_eq!(exchange_timeout_ms(MAX_TIMEOUT_MS, 1e12), MAX_TIMEOUT_MS);
    }

    #[test]
    fn timeouts() {
        let with = |n: Number| OptionsInput {
            timeout_ms: n,
            ..options()
        };
        assert_eq!(plan(with(Input::Given(5.0))).timeout_ms, 5.0);
        assert_eq!(
            plan(with(Input::Given(MAX_TIMEOUT_MS))).timeout_ms,
            MAX_TIMEOUT_MS
        );
        for bad in [
            Input::Given(0.0),
            Input::Given(-1.0),
            Input::Given(f64::INFINITY),
            Input::Given(f64::NAN),
            Input::Given(MAX_TIMEOUT_MS + 1.0),
            Input::Wrong("string"),
        ] {
            assert_eq!(rules(with(bad)), ["options.timeoutMs.invalid"]);
        }
    }

    #[test]
    fn credentials_modes() {
        let with = |c: Text| OptionsInput {
            credentials: c,
            ..options()
        };
        assert_eq!(plan(with(t("omit"))).credentials, Some(Credentials::Omit));
        assert_eq!(
            plan(with(t("same-origin"))).credentials,
            Some(Credentials::SameOrigin)
        );
        assert_eq!(
            plan(with(t("include"))).credentials,
            Some(Credentials::Include)
        );
        for bad in [t("Include"), t(""), Input::Wrong("boolean")] {
            assert_eq!(rules(with(bad)), ["options.credentials.invalid"]);
        }
    }

    #[test]
    fn header_rules() {
        assert_eq!(check_header("X-CSRF-Token", &t("abc")), None);
        for (name, value, rule) in [
            ("X-Evil", t("a\r\nSet-Cookie: x"), Rule::HeaderLineBreak),
            ("X-Nul", t("a\0"), Rule::HeaderLineBreak),
            ("X-Name", t("東京"), Rule::HeaderNotLatin1),
            (
                "X-Big",
                t(&"a".repeat(MAX_HEADER_VALUE + 1)),
                Rule::HeaderTooLong,
            ),
            ("Bad Name", t("a"), Rule::HeaderInvalidName),
            ("", t("a"), Rule::HeaderInvalidName),
            ("Content-Type", t("text/plain"), Rule::HeaderForbidden),
            ("idempotency-key", t("x"), Rule::HeaderForbidden),
            ("Cookie", t("x"), Rule::HeaderForbidden),
            ("Sec-Fetch-Site", t("x"), Rule::HeaderForbidden),
            ("Proxy-Authorization", t("x"), Rule::HeaderForbidden),
            ("X-Num", Input::Wrong("number"), Rule::HeaderNotText),
            ("X-Null", Input::Absent, Rule::HeaderNotText),
        ] {
            assert_eq!(check_header(name, &value), Some(rule), "{name}");
        }
        let o = OptionsInput {
            headers: Input::Given(vec![
                ("X-CSRF-Token".into(), t("abc")),
                ("Host".into(), t("evil.example")),
            ]),
            ..options()
        };
        assert_eq!(
            refused(Input::Given(o), facts()),
            [(
                "options.headers.Host".to_string(),
                "options.headers.forbidden"
            )]
        );
        let o = OptionsInput {
            headers: Input::Given(vec![("X-CSRF-Token".into(), t("abc"))]),
            ..options()
        };
        assert_eq!(
            plan(o).headers,
            [("X-CSRF-Token".to_string(), "abc".to_string())]
        );
        let many = OptionsInput {
            headers: Input::Given(
                (0..=MAX_HEADERS)
                    .map(|i| (["X-", &i.to_string()].concat(), t("v")))
                    .collect(),
            ),
            ..options()
        };
        assert_eq!(rules(many), ["options.headers.too_many"]);
        let wrong = OptionsInput {
            headers: Input::Wrong("string"),
            ..options()
        };
        assert_eq!(rules(wrong), ["options.headers.not_an_object"]);
    }

    fn auth() -> AuthInput {
        AuthInput {
            application_id: t("a"),
            application_password: t("b"),
            account_id: t("c"),
            user_id: t("d"),
        }
    }

    #[test]
    fn auth_needs_the_flag() {
        let o = OptionsInput {
            auth: Input::Given(auth()),
            ..options()
        };
        assert_eq!(rules(o.clone()), ["options.auth.not_allowed"]);
        let allowed = OptionsInput {
            allow_browser_credentials: true,
            ..o
        };
        assert_eq!(plan(allowed).auth.map(|a| a.user_id), Some("d".into()));
        let wrong = OptionsInput {
            auth: Input::Wrong("string"),
            allow_browser_credentials: true,
            ..options()
        };
        assert_eq!(rules(wrong), ["options.auth.not_an_object"]);
        let partial = OptionsInput {
            auth: Input::Given(AuthInput {
                application_id: t(""),
                application_password: Input::Absent,
                account_id: Input::Wrong("number"),
                ..auth()
            }),
            allow_browser_credentials: true,
            ..options()
        };
        assert_eq!(
            refused(Input::Given(partial), facts()),
            [
                (
                    "options.auth.applicationId".to_string(),
                    "options.auth.applicationId.required"
                ),
                (
                    "options.auth.applicationPassword".to_string(),
                    "options.auth.applicationPassword.required"
                ),
                (
                    "options.auth.accountId".to_string(),
                    "options.auth.accountId.required"
                ),
            ]
        );
    }

    #[test]
    fn signal_and_progress_types() {
        let o = OptionsInput {
            signal: Input::Wrong("string"),
            on_progress: Input::Wrong("number"),
            ..options()
        };
        assert_eq!(
            rules(o),
            ["options.signal.invalid", "options.onProgress.invalid"]
        );
        let o = OptionsInput {
            signal: Input::Given(()),
            on_progress: Input::Given(()),
            ..options()
        };
        let p = plan(o);
        assert_eq!((p.signal, p.on_progress), (Some(()), Some(())));
    }

    #[test]
    fn a_secure_random_source_is_needed_only_when_all_else_is_valid() {
        let no_random = Facts {
            random: None,
            ..facts()
        };
        assert_eq!(
            check(Input::Given(options()), no_random.clone()),
            Err(Refusal::NoSecureRandom)
        );
        let bad = OptionsInput {
            timeout_ms: Input::Given(0.0),
            ..options()
        };
        assert_eq!(
            refused(Input::Given(bad), no_random),
            [("options.timeoutMs".to_string(), "options.timeoutMs.invalid")]
        );
        let mut bytes = [0u8; 16];
        bytes[0] = 0x0f;
        bytes[15] = 0xf0;
        assert_eq!(hex(&bytes), ["0f", &"0".repeat(28), "f0"].concat());
    }

    #[test]
    fn a_caller_s_idempotency_key_is_used_as_given() {
        let with = |key: Text| OptionsInput {
            idempotency_key: key,
            ..options()
        };
        for key in ["k", "0f3a-RETRY_1", "!~", &"x".repeat(255)] {
            assert_eq!(plan(with(t(key))).idempotency_key, key);
        }
        // No random source is needed when the caller gives the key.
        let no_random = Facts {
            random: None,
            ..facts()
        };
        let p = check(Input::Given(with(t("abc"))), no_random.clone());
        assert_eq!(p.map(|p| p.idempotency_key), Ok("abc".to_string()));
        for bad in [
            t(""),
            t(" "),
            t("a b"),
            t("é"),
            t("a\u{7f}"),
            t("tab\there"),
            t(&"x".repeat(256)),
            Input::Wrong("number"),
        ] {
            assert_eq!(
                refused(Input::Given(with(bad.clone())), facts()),
                [(
                    "options.idempotencyKey".to_string(),
                    "options.idempotencyKey.invalid"
                )],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn issues_come_in_a_fixed_order() {
        let o = OptionsInput {
            proxy_url: Input::Absent,
            timeout_ms: Input::Given(-1.0),
            credentials: t("all"),
            headers: Input::Given(vec![("Cookie".into(), t("x"))]),
            auth: Input::Given(auth()),
            signal: Input::Wrong("number"),
            on_progress: Input::Wrong("string"),
            idempotency_key: t(""),
            keep_photo_metadata: Input::Wrong("string"),
            ..options()
        };
        assert_eq!(
            rules(o),
            [
                "options.proxyUrl.required",
                "options.timeoutMs.invalid",
                "options.credentials.invalid",
                "options.headers.forbidden",
                "options.auth.not_allowed",
                "options.signal.invalid",
                "options.onProgress.invalid",
                "options.idempotencyKey.invalid",
                "options.keepPhotoMetadata.invalid",
            ]
        );
    }

    #[test]
    fn photo_metadata_is_kept_only_when_asked_for() {
        let with = |keep: Input<bool>| OptionsInput {
            keep_photo_metadata: keep,
            ..options()
        };
        assert!(!plan(with(Input::Absent)).keep_photo_metadata);
        assert!(!plan(with(Input::Given(false))).keep_photo_metadata);
        assert!(plan(with(Input::Given(true))).keep_photo_metadata);
        let mut found = Issues::default();
        assert!(!check_keep_photo_metadata(
            &Input::Wrong("number"),
            &mut found
        ));
        assert_eq!(
            found
                .as_slice()
                .iter()
                .map(|i| i.rule.id())
                .collect::<Vec<_>>(),
            ["options.keepPhotoMetadata.invalid"]
        );
    }
}
