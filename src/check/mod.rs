//! Every rule the module applies before a byte leaves the page, in plain Rust: the message
//! (address, patient, attachments, size limits) and the send options. Each broken rule is
//! an issue; nothing here needs a browser.

pub mod address;
pub mod attachment;
pub mod limits;
pub mod message;
pub mod options;
pub mod patient;

use crate::input::{Input, LimitsInput, MessageInput, OptionsInput, Text};
use crate::prelude::*;

/// Inputs shared by the checks' tests.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod sample {
    use super::patient::Day;
    use crate::input::{DemographicsInput, Input, MessageInput, Text};

    /// "Today" for every test, so that dates of birth compare the same way each day.
    pub const TODAY: Day = Day {
        year: 2026,
        month: 11,
        day: 24,
    };

    pub fn t(s: &str) -> Text {
        Input::Given(s.into())
    }

    /// The demographics of Updox's sample request.
    pub fn demographics() -> DemographicsInput {
        DemographicsInput {
            patient_id: t("100030"),
            first_name: t("Jane"),
            middle_name: t(""),
            last_name: t("Doe"),
            date_of_birth: t("1990-10-10"),
            gender: t("F"),
            email_address: t(""),
        }
    }

    /// Updox's sample request (without attachments).
    pub fn message() -> MessageInput {
        MessageInput {
            to: t("test@Direct.UpdoxQA.com"),
            subject: t("Test subject"),
            text_message: t("Test message body"),
            demographics: Input::Given(demographics()),
            ..MessageInput::default()
        }
    }
}
use crate::issue::Issues;
use message::ValidMessage;
use options::{Facts, Plan, Refusal};
use patient::Day;

/// The message checked under the limits given: the message when valid, and the issues of
/// both (the message's first).
pub fn message_under_limits(
    message: &Input<MessageInput>,
    limits: &Input<LimitsInput>,
    today: Day,
) -> (Option<ValidMessage>, Issues) {
    let mut limit_issues = Issues::default();
    let limits = limits::resolve(limits, &mut limit_issues);
    let mut issues = Issues::default();
    let valid = message::check(message, &limits, today, &mut issues);
    issues.append(limit_issues);
    (valid, issues)
}

/// What is asked of Updox through the proxy. (One of these exists per call: boxing the
/// larger variant would only add code.)
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Request {
    /// A message to send (PatientDirectMessageSend).
    Send(Input<MessageInput>),
    /// Whether an address can receive secure messages (DirectAddressValidate).
    Lookup(Text),
}

/// A request as it will be made: the message as it will be sent, or the address as it
/// will be looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Ready {
    Send(ValidMessage),
    Lookup(String),
}

/// A request and the options to make it with, checked together: the request as it will
/// be made and the plan of the exchange, or every issue of both (message or address,
/// limits, options, in that order). A lookup's address follows the rules of `to`.
pub fn prepare<S, F>(
    request: &Request,
    mut options: Input<OptionsInput<S, F>>,
    facts: Facts,
    today: Day,
) -> Result<(Ready, Plan<S, F>), Refusal> {
    let limits = match &mut options {
        Input::Given(o) => core::mem::replace(&mut o.limits, Input::Absent),
        _ => Input::Absent,
    };
    let (valid, mut issues) = match request {
        Request::Send(m) => {
            let (valid, issues) = message_under_limits(m, &limits, today);
            (valid.map(Ready::Send), issues)
        }
        Request::Lookup(address) => {
            let mut issues = Issues::default();
            let address = message::check_to(address, &mut issues);
            (Some(Ready::Lookup(address)), issues)
        }
    };
    match (valid, options::check(options, facts)) {
        (Some(ready), Ok(plan)) if issues.is_empty() => Ok((ready, plan)),
        (_, Err(Refusal::Invalid(more))) => {
            issues.append(more);
            Err(Refusal::Invalid(issues))
        }
        (_, Err(Refusal::NoSecureRandom)) if issues.is_empty() => Err(Refusal::NoSecureRandom),
        _ => Err(Refusal::Invalid(issues)),
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::sample::{t, TODAY};
    use super::*;
    use options::ResolvedUrl;

    fn message() -> Input<MessageInput> {
        Input::Given(MessageInput {
            to: t("dr@direct.example.org"),
            subject: Input::Absent,
            text_message: t("Hello"),
            from: t("patient:7"),
            ..sample::message()
        })
    }

    fn facts(random: bool) -> Facts {
        Facts {
            resolved_url: Some(ResolvedUrl {
                href: "https://portal.example/api".into(),
                scheme: "https:".into(),
                host: "portal.example".into(),
                same_origin: true,
            }),
            random: random.then_some([1; 16]),
        }
    }

    fn options(limits: Input<LimitsInput>) -> Input<OptionsInput<(), ()>> {
        Input::Given(OptionsInput {
            proxy_url: t("/api"),
            limits,
            ..OptionsInput::default()
        })
    }

    fn send(
        m: &Input<MessageInput>,
        options: Input<OptionsInput<(), ()>>,
        facts: Facts,
        today: Day,
    ) -> Result<(ValidMessage, Plan<(), ()>), Refusal> {
        prepare(&Request::Send(m.clone()), options, facts, today).map(|(ready, plan)| match ready {
            Ready::Send(m) => (m, plan),
            other => panic!("{other:?}"),
        })
    }

    fn ids(r: Result<(ValidMessage, Plan<(), ()>), Refusal>) -> Vec<&'static str> {
        match r {
            Err(Refusal::Invalid(issues)) => {
                issues.as_slice().iter().map(|i| i.rule.id()).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_valid_send_has_a_message_and_a_plan() {
        let (m, plan) = send(&message(), options(Input::Absent), facts(true), TODAY)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(m.to, "dr@direct.example.org");
        assert_eq!(m.sender.field(), "from");
        assert_eq!(plan.url, "https://portal.example/api");
    }

    #[test]
    fn message_then_limits_then_options() {
        let limits = Input::Given(LimitsInput {
            max_subject_chars: Input::Wrong("string"),
            max_text_message_bytes: Input::Given(2.0),
            max_attachments: Input::Absent,
            max_attachment_bytes: Input::Absent,
            max_total_attachment_bytes: Input::Absent,
        });
        let o = OptionsInput {
            proxy_url: t("/api"),
            limits: limits.clone(),
            timeout_ms: Input::Given(-5.0),
            ..OptionsInput::default()
        };
        assert_eq!(
            ids(send(&message(), Input::Given(o), facts(true), TODAY)),
            [
                "textMessage.too_long",
                "limits.maxSubjectChars.invalid",
                "options.timeoutMs.invalid"
            ]
        );
        // What validatePatientDirectMessage reports: a send whose options are the limits
        // alone, whose issues end with exactly one of the options', the missing proxy URL.
        let only_limits = OptionsInput {
            limits,
            ..OptionsInput::default()
        };
        assert_eq!(
            ids(send(
                &message(),
                Input::Given(only_limits),
                facts(false),
                TODAY
            )),
            [
                "textMessage.too_long",
                "limits.maxSubjectChars.invalid",
                "options.proxyUrl.required"
            ]
        );
        for m in [message(), Input::Absent] {
            let only_limits = Input::Given(OptionsInput::<(), ()>::default());
            let found = ids(send(&m, only_limits, facts(false), TODAY));
            assert_eq!(found.last(), Some(&"options.proxyUrl.required"));
            assert_eq!(
                found.iter().filter(|id| id.starts_with("options.")).count(),
                1
            );
        }
    }

    #[test]
    fn invalid_limits_alone_refuse_a_valid_message() {
        assert_eq!(
            ids(send(
                &message(),
                options(Input::Wrong("number")),
                facts(true),
                TODAY
            )),
            ["limits.not_an_object"]
        );
    }

    #[test]
    fn no_secure_random_matters_only_for_a_valid_send() {
        assert!(matches!(
            send(&message(), options(Input::Absent), facts(false), TODAY),
            Err(Refusal::NoSecureRandom)
        ));
        assert_eq!(
            ids(send(
                &Input::Absent,
                options(Input::Absent),
                facts(false),
                TODAY
            )),
            ["message.not_an_object"]
        );
        assert_eq!(
            ids(send(&message(), Input::Absent, facts(false), TODAY)),
            ["options.not_an_object"]
        );
    }

    #[test]
    fn a_lookup_checks_the_address_like_to() {
        let lookup = |address: Text| {
            prepare(
                &Request::Lookup(address),
                options(Input::Absent),
                facts(true),
                TODAY,
            )
        };
        match lookup(t(" Dr@Direct.Example.ORG ")) {
            Ok((Ready::Lookup(a), plan)) => {
                assert_eq!(a, "Dr@direct.example.org");
                assert_eq!(plan.url, "https://portal.example/api");
            }
            other => panic!("{other:?}"),
        }
        for (address, rule) in [
            (t("not an address"), "to.invalid"),
            (Input::Absent, "to.required"),
            (t("  "), "to.required"),
            (Input::Wrong("number"), "to.not_text"),
        ] {
            match lookup(address) {
                Err(Refusal::Invalid(issues)) => {
                    let found: Vec<_> = issues
                        .as_slice()
                        .iter()
                        .map(|i| (i.field(), i.rule.id()))
                        .collect();
                    assert_eq!(found, [("to", rule)]);
                }
                other => panic!("{other:?}"),
            }
        }
        // The options are checked too, after the address.
        match prepare::<(), ()>(&Request::Lookup(t("x")), Input::Absent, facts(true), TODAY) {
            Err(Refusal::Invalid(issues)) => {
                let found: Vec<_> = issues.as_slice().iter().map(|i| i.rule.id()).collect();
                assert_eq!(found, ["to.invalid", "options.not_an_object"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
