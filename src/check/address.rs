//! Direct address syntax (RFC 5321 mailbox with a dot-atom local part and a DNS host name).
//! Syntax only: whether the address is a trusted Direct endpoint is Updox's to say.

use crate::ascii::{rsplit_once, split};
use crate::issue::Rule;
use crate::prelude::*;

const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 253;
const MAX_ADDRESS: usize = 254;
const MAX_LABEL: usize = 63;

/// What is wrong with an address, so a form can say something specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressProblem {
    Empty,
    NotAscii,
    Whitespace,
    TooLong,
    MissingAt,
    BadLocalPart,
    BadDomain,
}

/// The rules an address field can break: empty, or not a valid address (whatever the
/// problem; the problems stay apart for tests and fuzzing).
pub struct AddressRules {
    pub required: Rule,
    pub invalid: Rule,
}

impl AddressProblem {
    pub fn rule(self, rules: &AddressRules) -> Rule {
        match self {
            AddressProblem::Empty => rules.required,
            _ => rules.invalid,
        }
    }
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

fn check_local(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL {
        return false;
    }
    // Dot-atom: atoms of atext joined by single dots.
    split(local, b'.').all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

fn check_domain(domain: &str) -> bool {
    if domain.is_empty() || domain.len() > MAX_DOMAIN {
        return false;
    }
    let labels: Vec<&str> = split(domain, b'.').collect();
    if labels.len() < 2 {
        return false;
    }
    let ldh = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL
            && label.bytes().next() != Some(b'-')
            && label.bytes().last() != Some(b'-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !labels.iter().all(ldh) {
        return false;
    }
    // A last label of digits only would make this an IP address, not a host name.
    !labels
        .last()
        .is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks the syntax of a Direct address.
pub fn check(address: &str) -> Result<(), AddressProblem> {
    if address.is_empty() {
        return Err(AddressProblem::Empty);
    }
    if !address.is_ascii() {
        return Err(AddressProblem::NotAscii);
    }
    if address
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(AddressProblem::Whitespace);
    }
    if address.len() > MAX_ADDRESS {
        return Err(AddressProblem::TooLong);
    }
    let Some((local, domain)) = rsplit_once(address, |b| b == b'@') else {
        return Err(AddressProblem::MissingAt);
    };
    if !check_local(local) {
        return Err(AddressProblem::BadLocalPart);
    }
    if !check_domain(domain) {
        return Err(AddressProblem::BadDomain);
    }
    Ok(())
}

pub fn is_valid(address: &str) -> bool {
    check(address).is_ok()
}

/// The address as it is sent: the domain lower-cased (domains compare case-insensitively),
/// the local part untouched (it may be case-sensitive).
pub fn normalize(address: &str) -> String {
    match rsplit_once(address, |b| b == b'@') {
        Some((local, domain)) => {
            let mut out = String::with_capacity(address.len());
            out.push_str(local);
            out.push('@');
            out.push_str(&domain.to_ascii_lowercase());
            out
        }
        None => address.to_string(),
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_updox_addresses() {
        for a in [
            "test@direct.updoxqa.com",
            "ptacct+227163@direct.updoxqa.com",
            "dr.jane.o'neil@Direct.Example.ORG",
            "a@b.co",
            "x!#$%&'*+/=?^_`{|}~-y@h-1.example.com",
        ] {
            assert_eq!(check(a), Ok(()), "{a}");
        }
    }

    #[test]
    fn rejects_what_direct_cannot_use() {
        let cases = [
            ("", AddressProblem::Empty),
            ("jané@direct.example.org", AddressProblem::NotAscii),
            ("jane doe@direct.example.org", AddressProblem::Whitespace),
            ("jane@direct.example.org ", AddressProblem::Whitespace),
            ("janedirect.example.org", AddressProblem::MissingAt),
            ("\"jane\"@direct.example.org", AddressProblem::BadLocalPart),
            (".jane@direct.example.org", AddressProblem::BadLocalPart),
            ("jane.@direct.example.org", AddressProblem::BadLocalPart),
            ("ja..ne@direct.example.org", AddressProblem::BadLocalPart),
            ("@direct.example.org", AddressProblem::BadLocalPart),
            ("a@b@direct.example.org", AddressProblem::BadLocalPart),
            (
                "jane(comment)@direct.example.org",
                AddressProblem::BadLocalPart,
            ),
            ("jane@localhost", AddressProblem::BadDomain),
            ("jane@[127.0.0.1]", AddressProblem::BadDomain),
            ("jane@127.0.0.1", AddressProblem::BadDomain),
            ("jane@-direct.example.org", AddressProblem::BadDomain),
            ("jane@direct-.example.org", AddressProblem::BadDomain),
            ("jane@direct..example.org", AddressProblem::BadDomain),
            ("jane@direct.example.org.", AddressProblem::BadDomain),
            ("jane@dir_ect.example.org", AddressProblem::BadDomain),
            ("jane@", AddressProblem::BadDomain),
        ];
        for (a, want) in cases {
            assert_eq!(check(a), Err(want), "{a}");
        }
    }

    #[test]
    fn length_limits_are_octets() {
        let local64 = "a".repeat(64);
        assert!(is_valid(&format!("{local64}@example.org")));
        assert_eq!(
            check(&format!("{}@example.org", "a".repeat(65))),
            Err(AddressProblem::BadLocalPart)
        );
        let label63 = "b".repeat(63);
        assert!(is_valid(&format!("a@{label63}.org")));
        assert_eq!(
            check(&format!("a@{}.org", "b".repeat(64))),
            Err(AddressProblem::BadDomain)
        );
        // 4 labels of 63 + dots = 255 > 253.
        let long_domain = [label63.as_str(); 4].join(".");
        assert_eq!(
            check(&format!("a@{long_domain}")),
            Err(AddressProblem::TooLong)
        );
        // A 252-octet domain fits a 1-octet local part within the 254 total, not more.
        let d252 = format!("{}.{}.{}.{}", label63, label63, label63, "c".repeat(60));
        assert_eq!(d252.len(), 252);
        assert!(check(&format!("a@{d252}")).is_ok());
        assert_eq!(check(&format!("ab@{d252}")), Err(AddressProblem::TooLong));
    }

    #[test]
    fn normalize_lowercases_only_the_domain() {
        assert_eq!(
            normalize("Jane.Doe@Direct.Example.ORG"),
            "Jane.Doe@direct.example.org"
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = check(&s);
            let _ = normalize(&s);
        }

        #[test]
        fn generated_valid_addresses_pass(
            atoms in proptest::collection::vec("[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}", 1..4),
            labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..4),
            tld in "[a-z][a-z0-9]{1,6}",
        ) {
            let addr = format!("{}@{}.{}", atoms.join("."), labels.join("."), tld);
            prop_assert!(is_valid(&addr), "{}", addr);
            prop_assert!(is_valid(&addr.to_uppercase()));
        }

        #[test]
        fn any_whitespace_or_non_ascii_fails(
            prefix in "[a-z]{1,5}", bad in "[ \t\r\né€\u{202e}]", suffix in "[a-z]{0,5}"
        ) {
            let addr = format!("{prefix}{bad}{suffix}@direct.example.org");
            prop_assert!(!is_valid(&addr));
        }
    }
}
