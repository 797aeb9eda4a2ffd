//! Send options that can be checked without a browser: the proxy URL policy, extra
//! headers, the credentials mode, the timeout and the (normally forbidden) auth block.

use crate::body::Auth;
use crate::input::{Field, Group, Number};
use crate::issue::{ValidationIssue, CODE_INVALID};

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

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks one extra request header.
pub fn check_header(name: &str, value: &Field) -> Result<(), String> {
    let lower = name.to_ascii_lowercase();
    if !is_token(name) {
        return Err("A header name may only contain letters, digits and - _ . characters.".into());
    }
    if RESERVED_HEADERS.contains(&lower.as_str())
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
    {
        return Err(format!("The header {name} cannot be set by the caller."));
    }
    match value {
        Field::Text(v) if v.len() > MAX_HEADER_VALUE => {
            Err(format!("The header {name} is too long."))
        }
        Field::Text(v) if v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) => {
            Err(format!("The header {name} cannot contain line breaks."))
        }
        // fetch refuses header values beyond Latin-1.
        Field::Text(v) if v.chars().any(|c| u32::from(c) > 0xff) => Err(format!(
            "The header {name} can only contain Latin-1 characters."
        )),
        Field::Text(_) => Ok(()),
        _ => Err(format!("The header {name} must be text.")),
    }
}

pub fn check_headers(headers: &Group<Vec<(String, Field)>>, issues: &mut Vec<ValidationIssue>) {
    match headers {
        Group::Absent => {}
        Group::Wrong(_) => issues.push(ValidationIssue::new(
            "options.headers",
            CODE_INVALID,
            "The headers must be an object of names and text values.",
        )),
        Group::Present(list) if list.len() > MAX_HEADERS => issues.push(ValidationIssue::new(
            "options.headers",
            CODE_INVALID,
            format!("At most {MAX_HEADERS} extra headers can be sent."),
        )),
        Group::Present(list) => {
            for (name, value) in list {
                if let Err(m) = check_header(name, value) {
                    issues.push(ValidationIssue::new(
                        format!("options.headers.{name}"),
                        CODE_INVALID,
                        m,
                    ));
                }
            }
        }
    }
}

/// Where the proxy URL resolved to, as the browser parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUrl {
    pub scheme: String,
    pub host: String,
    pub same_origin: bool,
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|o| o.parse::<u8>().is_ok())
        })
}

/// The proxy must be same-origin, `https:`, or on loopback, so that PHI never travels in
/// clear text to another host (unless the caller explicitly allows it).
pub fn check_proxy_url(url: &ResolvedUrl, allow_insecure: bool) -> Result<(), &'static str> {
    if url.scheme != "http:" && url.scheme != "https:" {
        return Err("The proxy URL must be an http: or https: URL.");
    }
    if allow_insecure || url.same_origin || url.scheme == "https:" || is_loopback(&url.host) {
        Ok(())
    } else {
        Err("The proxy URL must be on this site, use https:, or be on this computer.")
    }
}

pub fn check_timeout(n: Number, issues: &mut Vec<ValidationIssue>) -> f64 {
    match n {
        Number::Absent => DEFAULT_TIMEOUT_MS,
        Number::Value(v) if v.is_finite() && v > 0.0 && v <= MAX_TIMEOUT_MS => v,
        _ => {
            issues.push(ValidationIssue::new(
                "options.timeoutMs",
                CODE_INVALID,
                "The timeout must be a number of milliseconds above zero.",
            ));
            DEFAULT_TIMEOUT_MS
        }
    }
}

/// The fetch credentials mode, checked.
pub fn check_credentials(f: &Field, issues: &mut Vec<ValidationIssue>) -> Option<String> {
    match f {
        Field::Absent => None,
        Field::Text(s) if matches!(s.as_str(), "omit" | "same-origin" | "include") => {
            Some(s.clone())
        }
        _ => {
            issues.push(ValidationIssue::new(
                "options.credentials",
                CODE_INVALID,
                "The credentials mode must be omit, same-origin or include.",
            ));
            None
        }
    }
}

/// The Updox auth block as given by a caller.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthInput {
    pub application_id: Field,
    pub application_password: Field,
    pub account_id: Field,
    pub user_id: Field,
}

/// An auth block is refused unless `allow_browser_credentials` is exactly true: Updox
/// credentials belong on the portal's server.
pub fn check_auth(
    auth: &Group<AuthInput>,
    allow_browser_credentials: bool,
    issues: &mut Vec<ValidationIssue>,
) -> Option<Auth> {
    let a = match auth {
        Group::Absent => return None,
        _ if !allow_browser_credentials => {
            issues.push(ValidationIssue::new(
                "options.auth",
                CODE_INVALID,
                "Updox credentials are not sent from the browser unless allowBrowserCredentials is true; the portal's proxy adds them.",
            ));
            return None;
        }
        Group::Wrong(_) => {
            issues.push(ValidationIssue::new(
                "options.auth",
                CODE_INVALID,
                "The auth block must be an object.",
            ));
            return None;
        }
        Group::Present(a) => a,
    };
    let mut get = |f: &Field, name: &str| match f {
        Field::Text(s) if !s.is_empty() => s.clone(),
        _ => {
            issues.push(ValidationIssue::new(
                format!("options.auth.{name}"),
                CODE_INVALID,
                format!("The auth block needs {name} as text."),
            ));
            String::new()
        }
    };
    Some(Auth {
        application_id: get(&a.application_id, "applicationId"),
        application_password: get(&a.application_password, "applicationPassword"),
        account_id: get(&a.account_id, "accountId"),
        user_id: get(&a.user_id, "userId"),
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn url(scheme: &str, host: &str, same_origin: bool) -> ResolvedUrl {
        ResolvedUrl {
            scheme: scheme.into(),
            host: host.into(),
            same_origin,
        }
    }

    #[test]
    fn proxy_url_policy() {
        assert!(check_proxy_url(&url("http:", "portal.example", true), false).is_ok());
        assert!(check_proxy_url(&url("https:", "api.example", false), false).is_ok());
        assert!(check_proxy_url(&url("http:", "127.0.0.1", false), false).is_ok());
        assert!(check_proxy_url(&url("http:", "[::1]", false), false).is_ok());
        assert!(check_proxy_url(&url("http:", "localhost", false), false).is_ok());
        assert!(check_proxy_url(&url("http:", "api.example", false), false).is_err());
        assert!(check_proxy_url(&url("http:", "127.0.0.1.evil.example", false), false).is_err());
        assert!(check_proxy_url(&url("http:", "api.example", false), true).is_ok());
        assert!(check_proxy_url(&url("javascript:", "", true), true).is_err());
        assert!(check_proxy_url(&url("data:", "", false), false).is_err());
    }

    #[test]
    fn header_rules() {
        let t = |s: &str| Field::Text(s.into());
        assert!(check_header("X-CSRF-Token", &t("abc")).is_ok());
        assert!(check_header("X-Evil", &t("a\r\nSet-Cookie: x")).is_err());
        assert!(check_header("X-Name", &t("東京")).is_err());
        assert!(check_header("X-Big", &t(&"a".repeat(MAX_HEADER_VALUE + 1))).is_err());
        let many = Group::Present(
            (0..=MAX_HEADERS)
                .map(|i| (format!("X-{i}"), t("v")))
                .collect(),
        );
        let mut issues = vec![];
        check_headers(&many, &mut issues);
        assert_eq!(issues.len(), 1);
        assert!(check_header("Bad Name", &t("a")).is_err());
        assert!(check_header("Content-Type", &t("text/plain")).is_err());
        assert!(check_header("idempotency-key", &t("x")).is_err());
        assert!(check_header("Sec-Fetch-Site", &t("x")).is_err());
        assert!(check_header("Proxy-Authorization", &t("x")).is_err());
        assert!(check_header("X-Num", &Field::Wrong("number")).is_err());
    }

    #[test]
    fn auth_needs_the_flag() {
        let t = |s: &str| Field::Text(s.into());
        let a = Group::Present(AuthInput {
            application_id: t("a"),
            application_password: t("b"),
            account_id: t("c"),
            user_id: t("d"),
        });
        let mut issues = vec![];
        assert_eq!(check_auth(&a, false, &mut issues), None);
        assert_eq!(issues.len(), 1);
        let mut issues = vec![];
        assert!(check_auth(&a, true, &mut issues).is_some());
        assert!(issues.is_empty());
        assert_eq!(check_auth(&Group::Absent, false, &mut issues), None);
        assert!(issues.is_empty());
    }

    #[test]
    fn timeouts() {
        let mut issues = vec![];
        assert_eq!(check_timeout(Number::Absent, &mut issues), 30_000.0);
        assert_eq!(check_timeout(Number::Value(5.0), &mut issues), 5.0);
        for bad in [
            Number::Value(0.0),
            Number::Value(-1.0),
            Number::Value(f64::INFINITY),
            Number::Wrong("string"),
        ] {
            check_timeout(bad, &mut issues);
        }
        assert_eq!(issues.len(), 4);
    }
}
