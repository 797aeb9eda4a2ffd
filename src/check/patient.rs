//! The patient as sender: `patient:{id}` and the demographics Updox accepts instead.

use super::address::{self, AddressRules};
use super::attachment::is_bidi_control;
use crate::input::{char_count, digits, DemographicsInput, Input, Text};
use crate::issue::{Issues, Rule};
use crate::prelude::*;

const MAX_PATIENT_ID: usize = 128;
const MAX_NAME: usize = 100;
const EARLIEST_BIRTH_YEAR: u32 = 1900;
pub const FROM_PREFIX: &str = "patient:";

/// A calendar day, for "not in the future" checks; the caller supplies today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

/// Demographics as sent to Updox (field names are Updox's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demographics {
    pub patient_id: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub email_address: String,
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// What is wrong with a patient ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    Empty,
    TooLong,
    BadCharacters,
}

/// The rules a patient-ID field can break, one for each problem.
pub struct IdRules {
    pub not_text: Rule,
    pub required: Rule,
    pub too_long: Rule,
    pub invalid_characters: Rule,
}

impl IdProblem {
    pub fn rule(self, rules: &IdRules) -> Rule {
        match self {
            IdProblem::Empty => rules.required,
            IdProblem::TooLong => rules.too_long,
            IdProblem::BadCharacters => rules.invalid_characters,
        }
    }
}

/// `patientSender`'s own argument.
pub const SENDER_ID: IdRules = IdRules {
    not_text: Rule::SenderIdNotText,
    required: Rule::SenderIdRequired,
    too_long: Rule::SenderIdTooLong,
    invalid_characters: Rule::SenderIdInvalidCharacters,
};

/// The ID inside `from`.
pub const FROM_ID: IdRules = IdRules {
    not_text: Rule::FromNotText,
    required: Rule::FromIdRequired,
    too_long: Rule::FromIdTooLong,
    invalid_characters: Rule::FromIdInvalidCharacters,
};

const PATIENT_ID: IdRules = IdRules {
    not_text: Rule::PatientIdNotText,
    required: Rule::PatientIdRequired,
    too_long: Rule::PatientIdTooLong,
    invalid_characters: Rule::PatientIdInvalidCharacters,
};

/// Checks a partner-assigned patient ID; returns it trimmed.
pub fn check_patient_id(id: &str) -> Result<String, IdProblem> {
    let id = id.trim();
    if id.is_empty() {
        return Err(IdProblem::Empty);
    }
    if char_count(id) > MAX_PATIENT_ID {
        return Err(IdProblem::TooLong);
    }
    if has_control(id) || id.chars().any(char::is_whitespace) || id.chars().any(is_bidi_control) {
        return Err(IdProblem::BadCharacters);
    }
    Ok(id.to_string())
}

/// `patient:{id}` for a valid ID.
pub fn sender_for(id: &str) -> Result<String, IdProblem> {
    check_patient_id(id).map(|id| {
        let mut out = String::with_capacity(FROM_PREFIX.len() + id.len());
        out.push_str(FROM_PREFIX);
        out.push_str(&id);
        out
    })
}

/// What is wrong with a `from` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromProblem {
    /// Not of the form `patient:{id}`.
    NotPatient,
    Id(IdProblem),
}

/// Checks a `from` value of the form `patient:{id}`; returns it normalised.
pub fn check_from(from: &str) -> Result<String, FromProblem> {
    let from = from.trim();
    match from.strip_prefix(FROM_PREFIX) {
        Some(id) => sender_for(id).map_err(FromProblem::Id),
        None => Err(FromProblem::NotPatient),
    }
}

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses `YYYY-MM-DD` into a real calendar day.
pub fn parse_day(s: &str) -> Option<Day> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let num = |r: core::ops::Range<usize>| s.get(r).and_then(digits).map(|n| n as u32);
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    (day >= 1 && day <= days_in_month(year, month)).then_some(Day { year, month, day })
}

/// What is wrong with a date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    NotADate,
    TooEarly,
    InFuture,
}

/// Checks a date of birth: a real `YYYY-MM-DD` date, from 1900 up to today.
pub fn check_birth_date(s: &str, today: Day) -> Result<(), DateProblem> {
    let Some(day) = parse_day(s) else {
        return Err(DateProblem::NotADate);
    };
    if day.year < EARLIEST_BIRTH_YEAR {
        return Err(DateProblem::TooEarly);
    }
    if day > today {
        return Err(DateProblem::InFuture);
    }
    Ok(())
}

/// Gender codes Updox accepts; input is case-normalised ("f" → "F").
pub fn normalize_gender(s: &str) -> Option<String> {
    let g = s.trim().to_ascii_uppercase();
    matches!(g.as_str(), "M" | "F" | "O" | "U").then_some(g)
}

/// The rules of one name field.
struct NameRules {
    not_text: Rule,
    /// `None` for an optional name.
    required: Option<Rule>,
    too_long: Rule,
    invalid_characters: Rule,
}

const FIRST_NAME: NameRules = NameRules {
    not_text: Rule::FirstNameNotText,
    required: Some(Rule::FirstNameRequired),
    too_long: Rule::FirstNameTooLong,
    invalid_characters: Rule::FirstNameInvalidCharacters,
};

const MIDDLE_NAME: NameRules = NameRules {
    not_text: Rule::MiddleNameNotText,
    required: None,
    too_long: Rule::MiddleNameTooLong,
    invalid_characters: Rule::MiddleNameInvalidCharacters,
};

const LAST_NAME: NameRules = NameRules {
    not_text: Rule::LastNameNotText,
    required: Some(Rule::LastNameRequired),
    too_long: Rule::LastNameTooLong,
    invalid_characters: Rule::LastNameInvalidCharacters,
};

const EMAIL: AddressRules = AddressRules {
    // Only a non-empty address is checked.
    required: Rule::EmailInvalid,
    invalid: Rule::EmailInvalid,
};

fn check_name(field: &Text, rules: &NameRules, issues: &mut Issues) -> String {
    let Some(value) = field.text_or_empty() else {
        issues.add(rules.not_text);
        return String::new();
    };
    let value = value.trim();
    let broken = match rules.required {
        Some(required) if value.is_empty() => Some(required),
        _ if char_count(value) > MAX_NAME => Some(rules.too_long),
        _ if has_control(value) => Some(rules.invalid_characters),
        _ => None,
    };
    if let Some(rule) = broken {
        issues.add(rule);
    }
    value.to_string()
}

/// Checks a patient ID field with `rules`; returns it trimmed, or "" when broken.
pub fn check_id_field(field: &Text, rules: &IdRules, issues: &mut Issues) -> String {
    let result = match field {
        Input::Given(s) => check_patient_id(s),
        Input::Absent => Err(IdProblem::Empty),
        Input::Wrong(_) => {
            issues.add(rules.not_text);
            return String::new();
        }
    };
    result.unwrap_or_else(|p| {
        issues.add(p.rule(rules));
        String::new()
    })
}

/// An optional text field: `None` when absent or blank, else the trimmed text.
fn optional(field: &Text) -> Result<Option<&str>, ()> {
    match field.text_or_empty() {
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => Ok(Some(s.trim())),
        None => Err(()),
    }
}

/// Checks demographics; their issues are added to `issues`.
pub fn check_demographics(d: &DemographicsInput, today: Day, issues: &mut Issues) -> Demographics {
    let patient_id = check_id_field(&d.patient_id, &PATIENT_ID, issues);
    let first_name = check_name(&d.first_name, &FIRST_NAME, issues);
    let middle_name = check_name(&d.middle_name, &MIDDLE_NAME, issues);
    let last_name = check_name(&d.last_name, &LAST_NAME, issues);

    let date_of_birth = match optional(&d.date_of_birth) {
        Ok(Some(s)) => {
            if let Err(p) = check_birth_date(s, today) {
                issues.add(match p {
                    DateProblem::NotADate => Rule::DateOfBirthNotADate,
                    DateProblem::TooEarly => Rule::DateOfBirthTooEarly,
                    DateProblem::InFuture => Rule::DateOfBirthInFuture,
                });
            }
            Some(s.to_string())
        }
        Ok(None) => None,
        Err(()) => {
            issues.add(Rule::DateOfBirthNotADate);
            None
        }
    };

    let gender = match optional(&d.gender) {
        Ok(None) => None,
        given => {
            let gender = given.ok().flatten().and_then(normalize_gender);
            if gender.is_none() {
                issues.add(Rule::GenderInvalid);
            }
            gender
        }
    };

    let email_address = match d.email_address.text_or_empty() {
        Some(s) => {
            let s = s.trim();
            if !s.is_empty() {
                if let Err(p) = address::check(s) {
                    issues.add(p.rule(&EMAIL));
                }
            }
            s.to_string()
        }
        None => {
            issues.add(Rule::EmailNotText);
            String::new()
        }
    };
    Demographics {
        patient_id,
        first_name,
        middle_name,
        last_name,
        date_of_birth,
        gender,
        email_address,
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::check::sample::{demographics, t as text, TODAY};
    use proptest::prelude::*;

    #[test]
    fn calendar_dates() {
        assert!(parse_day("1990-10-10").is_some());
        assert!(parse_day("2000-02-29").is_some());
        assert!(parse_day("2024-02-29").is_some());
        assert!(parse_day("1900-02-29").is_none());
        assert!(parse_day("2023-02-29").is_none());
        assert!(parse_day("2023-04-31").is_none());
        assert!(parse_day("2023-13-01").is_none());
        assert!(parse_day("2023-00-10").is_none());
        assert!(parse_day("2023-1-10").is_none());
        assert!(parse_day("10/10/1990").is_none());
        assert!(parse_day("1990-10-10T00:00").is_none());
        assert!(parse_day("+990-10-10").is_none());
        assert!(parse_day("١٩٩٠-10-10").is_none());
    }

    #[test]
    fn birth_date_range() {
        assert!(check_birth_date("1900-01-01", TODAY).is_ok());
        assert_eq!(
            check_birth_date("1899-12-31", TODAY),
            Err(DateProblem::TooEarly)
        );
        assert!(check_birth_date("2026-11-24", TODAY).is_ok());
        assert_eq!(
            check_birth_date("2026-11-25", TODAY),
            Err(DateProblem::InFuture)
        );
        assert!(check_birth_date("2027-01-01", TODAY).is_err());
        assert_eq!(
            check_birth_date("1990-02-30", TODAY),
            Err(DateProblem::NotADate)
        );
    }

    #[test]
    fn gender_is_case_normalised() {
        assert_eq!(normalize_gender("f").as_deref(), Some("F"));
        assert_eq!(normalize_gender(" U ").as_deref(), Some("U"));
        assert_eq!(normalize_gender("X"), None);
        assert_eq!(normalize_gender("female"), None);
    }

    #[test]
    fn sender_strings() {
        assert_eq!(sender_for("100030").as_deref(), Ok("patient:100030"));
        assert_eq!(sender_for(" 42 ").as_deref(), Ok("patient:42"));
        assert_eq!(sender_for(""), Err(IdProblem::Empty));
        assert_eq!(sender_for("  "), Err(IdProblem::Empty));
        assert_eq!(sender_for("a b"), Err(IdProblem::BadCharacters));
        assert_eq!(sender_for("a\u{0}"), Err(IdProblem::BadCharacters));
        assert_eq!(sender_for("12\u{202e}34"), Err(IdProblem::BadCharacters));
        assert_eq!(sender_for(&"9".repeat(129)), Err(IdProblem::TooLong));
        assert_eq!(check_from("patient:7").as_deref(), Ok("patient:7"));
        assert_eq!(check_from("7"), Err(FromProblem::NotPatient));
        assert_eq!(
            check_from("patient:"),
            Err(FromProblem::Id(IdProblem::Empty))
        );
        assert_eq!(check_from("contact:7"), Err(FromProblem::NotPatient));
    }

    fn rules(issues: &Issues) -> Vec<(&str, &str)> {
        issues
            .as_slice()
            .iter()
            .map(|i| (i.field(), i.rule.id()))
            .collect()
    }

    #[test]
    fn demographics_from_the_sample_pass() {
        let d = DemographicsInput {
            gender: text("f"),
            ..demographics()
        };
        let mut issues = Issues::default();
        let out = check_demographics(&d, TODAY, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(out.gender.as_deref(), Some("F"));
        assert_eq!(out.date_of_birth.as_deref(), Some("1990-10-10"));
    }

    #[test]
    fn demographics_issues_name_their_fields_and_rules() {
        let d = DemographicsInput {
            patient_id: Input::Absent,
            first_name: text("  "),
            middle_name: Input::Wrong("number"),
            last_name: Input::Absent,
            date_of_birth: text("1990-02-30"),
            gender: text("Q"),
            email_address: text("not-an-address"),
        };
        let mut issues = Issues::default();
        check_demographics(&d, TODAY, &mut issues);
        assert_eq!(
            rules(&issues),
            [
                (
                    "patientDemographics.patientId",
                    "patientDemographics.patientId.required"
                ),
                (
                    "patientDemographics.firstName",
                    "patientDemographics.firstName.required"
                ),
                (
                    "patientDemographics.middleName",
                    "patientDemographics.middleName.not_text"
                ),
                (
                    "patientDemographics.lastName",
                    "patientDemographics.lastName.required"
                ),
                (
                    "patientDemographics.dateOfBirth",
                    "patientDemographics.dateOfBirth.not_a_date"
                ),
                (
                    "patientDemographics.gender",
                    "patientDemographics.gender.invalid"
                ),
                (
                    "patientDemographics.emailAddress",
                    "patientDemographics.emailAddress.invalid"
                ),
            ]
        );
        assert!(issues.as_slice().iter().all(|i| i.code() == 4060));
    }

    #[test]
    fn each_demographics_rule_in_turn() {
        let ok = || DemographicsInput {
            middle_name: Input::Absent,
            date_of_birth: Input::Absent,
            gender: Input::Absent,
            email_address: Input::Absent,
            ..demographics()
        };
        let long = "x".repeat(101);
        let cases: Vec<(DemographicsInput, &str)> = vec![
            (
                DemographicsInput {
                    patient_id: Input::Wrong("number"),
                    ..ok()
                },
                "patientDemographics.patientId.not_text",
            ),
            (
                DemographicsInput {
                    patient_id: text(&"1".repeat(129)),
                    ..ok()
                },
                "patientDemographics.patientId.too_long",
            ),
            (
                DemographicsInput {
                    patient_id: text("1 2"),
                    ..ok()
                },
                "patientDemographics.patientId.invalid_characters",
            ),
            (
                DemographicsInput {
                    first_name: text(&long),
                    ..ok()
                },
                "patientDemographics.firstName.too_long",
            ),
            (
                DemographicsInput {
                    last_name: text("Do\u{7}e"),
                    ..ok()
                },
                "patientDemographics.lastName.invalid_characters",
            ),
            (
                DemographicsInput {
                    middle_name: text(&long),
                    ..ok()
                },
                "patientDemographics.middleName.too_long",
            ),
            (
                DemographicsInput {
                    date_of_birth: text("1899-01-01"),
                    ..ok()
                },
                "patientDemographics.dateOfBirth.too_early",
            ),
            (
                DemographicsInput {
                    date_of_birth: text("2026-11-25"),
                    ..ok()
                },
                "patientDemographics.dateOfBirth.in_future",
            ),
            (
                DemographicsInput {
                    date_of_birth: Input::Wrong("number"),
                    ..ok()
                },
                "patientDemographics.dateOfBirth.not_a_date",
            ),
            (
                DemographicsInput {
                    gender: Input::Wrong("boolean"),
                    ..ok()
                },
                "patientDemographics.gender.invalid",
            ),
            (
                DemographicsInput {
                    email_address: Input::Wrong("number"),
                    ..ok()
                },
                "patientDemographics.emailAddress.not_text",
            ),
            (
                DemographicsInput {
                    email_address: text("jane doe@example.org"),
                    ..ok()
                },
                "patientDemographics.emailAddress.invalid",
            ),
        ];
        for (d, want) in cases {
            let mut issues = Issues::default();
            check_demographics(&d, TODAY, &mut issues);
            let got: Vec<&str> = rules(&issues).into_iter().map(|(_, r)| r).collect();
            assert_eq!(got, [want]);
        }
        let mut issues = Issues::default();
        let d = DemographicsInput {
            middle_name: text("  "),
            date_of_birth: text(" "),
            gender: text(" "),
            email_address: text(" "),
            ..ok()
        };
        let out = check_demographics(&d, TODAY, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!((out.date_of_birth, out.gender), (None, None));
    }

    proptest! {
        #[test]
        fn date_parser_never_panics(s in ".{0,16}") {
            let _ = parse_day(&s);
            let _ = check_birth_date(&s, TODAY);
        }

        #[test]
        fn every_real_date_parses(y in 1900u32..2100, m in 1u32..13, d in 1u32..32) {
            let s = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(parse_day(&s).is_some(), d <= days_in_month(y, m));
        }
    }
}
