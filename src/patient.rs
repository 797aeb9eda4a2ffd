//! The patient as sender: `patient:{id}` and the demographics Updox accepts instead.

use crate::address;
use crate::input::{DemographicsInput, Field};
use crate::issue::{ValidationIssue, CODE_INVALID};

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

/// Checks a partner-assigned patient ID; returns it trimmed.
pub fn check_patient_id(id: &str) -> Result<String, &'static str> {
    let id = id.trim();
    if id.is_empty() {
        return Err("Enter the patient ID.");
    }
    if id.chars().count() > MAX_PATIENT_ID {
        return Err("The patient ID is too long.");
    }
    if has_control(id)
        || id.chars().any(char::is_whitespace)
        || id.chars().any(crate::attachment::is_bidi_control)
    {
        return Err("The patient ID cannot contain spaces or control characters.");
    }
    Ok(id.to_string())
}

/// `patient:{id}` for a valid ID.
pub fn sender_for(id: &str) -> Result<String, &'static str> {
    check_patient_id(id).map(|id| format!("{FROM_PREFIX}{id}"))
}

/// Checks a `from` value of the form `patient:{id}`; returns it normalised.
pub fn check_from(from: &str) -> Result<String, &'static str> {
    let from = from.trim();
    match from.strip_prefix(FROM_PREFIX) {
        Some(id) => sender_for(id),
        None => Err("The sender must be written as patient:{patient ID}."),
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
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    (day >= 1 && day <= days_in_month(year, month)).then_some(Day { year, month, day })
}

/// Checks a date of birth: a real `YYYY-MM-DD` date, from 1900 up to today.
pub fn check_birth_date(s: &str, today: Day) -> Result<(), &'static str> {
    let Some(day) = parse_day(s) else {
        return Err("Enter the date of birth as YYYY-MM-DD, for example 1990-10-10.");
    };
    if day.year < EARLIEST_BIRTH_YEAR {
        return Err("The date of birth cannot be before 1900.");
    }
    if day > today {
        return Err("The date of birth cannot be in the future.");
    }
    Ok(())
}

/// Gender codes Updox accepts; input is case-normalised ("f" → "F").
pub fn normalize_gender(s: &str) -> Option<String> {
    let g = s.trim().to_ascii_uppercase();
    matches!(g.as_str(), "M" | "F" | "O" | "U").then_some(g)
}

fn check_name(
    field: &Field,
    path: &str,
    label: &str,
    required: bool,
    issues: &mut Vec<ValidationIssue>,
) -> String {
    let value = match field {
        Field::Text(s) => s.trim().to_string(),
        Field::Absent => String::new(),
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                path,
                CODE_INVALID,
                format!("The {label} must be text."),
            ));
            return String::new();
        }
    };
    if required && value.is_empty() {
        issues.push(ValidationIssue::new(
            path,
            CODE_INVALID,
            format!("Enter the {label}."),
        ));
    } else if value.chars().count() > MAX_NAME {
        issues.push(ValidationIssue::new(
            path,
            CODE_INVALID,
            format!("The {label} is too long."),
        ));
    } else if has_control(&value) {
        issues.push(ValidationIssue::new(
            path,
            CODE_INVALID,
            format!("The {label} cannot contain control characters."),
        ));
    }
    value
}

/// Validates demographics; issues are pushed with paths under `patientDemographics.`.
pub fn check_demographics(
    d: &DemographicsInput,
    today: Day,
    issues: &mut Vec<ValidationIssue>,
) -> Demographics {
    const P: &str = "patientDemographics";
    let before = issues.len();
    let patient_id = match &d.patient_id {
        Field::Text(s) => check_patient_id(s).unwrap_or_else(|m| {
            issues.push(ValidationIssue::new(
                format!("{P}.patientId"),
                CODE_INVALID,
                m,
            ));
            String::new()
        }),
        Field::Absent => {
            issues.push(ValidationIssue::new(
                format!("{P}.patientId"),
                CODE_INVALID,
                "Enter the patient ID.",
            ));
            String::new()
        }
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                format!("{P}.patientId"),
                CODE_INVALID,
                "The patient ID must be text.",
            ));
            String::new()
        }
    };
    let first_name = check_name(
        &d.first_name,
        &format!("{P}.firstName"),
        "first name",
        true,
        issues,
    );
    let middle_name = check_name(
        &d.middle_name,
        &format!("{P}.middleName"),
        "middle name",
        false,
        issues,
    );
    let last_name = check_name(
        &d.last_name,
        &format!("{P}.lastName"),
        "last name",
        true,
        issues,
    );

    let date_of_birth = match &d.date_of_birth {
        Field::Absent => None,
        Field::Text(s) if s.trim().is_empty() => None,
        Field::Text(s) => {
            let s = s.trim();
            if let Err(m) = check_birth_date(s, today) {
                issues.push(ValidationIssue::new(
                    format!("{P}.dateOfBirth"),
                    CODE_INVALID,
                    m,
                ));
            }
            Some(s.to_string())
        }
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                format!("{P}.dateOfBirth"),
                CODE_INVALID,
                "Enter the date of birth as YYYY-MM-DD, for example 1990-10-10.",
            ));
            None
        }
    };

    let gender = match &d.gender {
        Field::Absent => None,
        Field::Text(s) if s.trim().is_empty() => None,
        Field::Text(s) => normalize_gender(s).or_else(|| {
            issues.push(ValidationIssue::new(
                format!("{P}.gender"),
                CODE_INVALID,
                "Choose a gender: M (male), F (female), O (other) or U (unknown).",
            ));
            None
        }),
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                format!("{P}.gender"),
                CODE_INVALID,
                "Choose a gender: M (male), F (female), O (other) or U (unknown).",
            ));
            None
        }
    };

    let email_address = match &d.email_address {
        Field::Absent => String::new(),
        Field::Text(s) => {
            let s = s.trim();
            if !s.is_empty() {
                if let Err(p) = address::check(s) {
                    issues.push(ValidationIssue::new(
                        format!("{P}.emailAddress"),
                        CODE_INVALID,
                        p.message("email address"),
                    ));
                }
            }
            s.to_string()
        }
        Field::Wrong(_) => {
            issues.push(ValidationIssue::new(
                format!("{P}.emailAddress"),
                CODE_INVALID,
                "The email address must be text.",
            ));
            String::new()
        }
    };
    debug_assert!(issues.len() >= before);
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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: Day = Day {
        year: 2026,
        month: 11,
        day: 24,
    };

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
        assert!(check_birth_date("1899-12-31", TODAY).is_err());
        assert!(check_birth_date("2026-11-24", TODAY).is_ok());
        assert!(check_birth_date("2026-11-25", TODAY).is_err());
        assert!(check_birth_date("2027-01-01", TODAY).is_err());
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
        assert!(sender_for("").is_err());
        assert!(sender_for("  ").is_err());
        assert!(sender_for("a b").is_err());
        assert!(sender_for("a\u{0}").is_err());
        assert!(sender_for("12\u{202e}34").is_err());
        assert!(sender_for(&"9".repeat(129)).is_err());
        assert_eq!(check_from("patient:7").as_deref(), Ok("patient:7"));
        assert!(check_from("7").is_err());
        assert!(check_from("patient:").is_err());
        assert!(check_from("contact:7").is_err());
    }

    fn text(s: &str) -> Field {
        Field::Text(s.to_string())
    }

    #[test]
    fn demographics_from_the_sample_pass() {
        let d = DemographicsInput {
            patient_id: text("100030"),
            first_name: text("Jane"),
            middle_name: text(""),
            last_name: text("Doe"),
            date_of_birth: text("1990-10-10"),
            gender: text("f"),
            email_address: text(""),
        };
        let mut issues = vec![];
        let out = check_demographics(&d, TODAY, &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(out.gender.as_deref(), Some("F"));
        assert_eq!(out.date_of_birth.as_deref(), Some("1990-10-10"));
    }

    #[test]
    fn demographics_issues_name_their_fields() {
        let d = DemographicsInput {
            patient_id: Field::Absent,
            first_name: text("  "),
            middle_name: Field::Wrong("number"),
            last_name: Field::Absent,
            date_of_birth: text("1990-02-30"),
            gender: text("Q"),
            email_address: text("not-an-address"),
        };
        let mut issues = vec![];
        check_demographics(&d, TODAY, &mut issues);
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "patientDemographics.patientId",
                "patientDemographics.firstName",
                "patientDemographics.middleName",
                "patientDemographics.lastName",
                "patientDemographics.dateOfBirth",
                "patientDemographics.gender",
                "patientDemographics.emailAddress",
            ]
        );
        assert!(issues.iter().all(|i| i.code == CODE_INVALID));
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
