//! Every Updox response code we know of, with a category and whether resending the same
//! message after it is safe (it cannot deliver a second copy).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Ok,
    Auth,
    Validation,
    Recipient,
    Direct,
    Server,
    Practice,
    User,
    Contact,
    Message,
    Patient,
    Portal,
    Fax,
    Notification,
    Other,
}

use Category::*;

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Ok => "ok",
            Auth => "auth",
            Validation => "validation",
            Recipient => "recipient",
            Direct => "direct",
            Server => "server",
            Practice => "practice",
            User => "user",
            Contact => "contact",
            Message => "message",
            Patient => "patient",
            Portal => "portal",
            Fax => "fax",
            Notification => "notification",
            Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: i64,
    pub category: Category,
    /// Updox's meaning, paraphrased.
    pub meaning: &'static str,
    /// Resending after this answer cannot deliver a duplicate (Updox refused the request
    /// before delivering) and may succeed once the cause is fixed.
    pub retryable: bool,
}

const fn c(code: i64, category: Category, meaning: &'static str, retryable: bool) -> CodeInfo {
    CodeInfo {
        code,
        category,
        meaning,
        retryable,
    }
}

/// The table, ordered by code.
#[rustfmt::skip]
pub const CODES: &[CodeInfo] = &[
    c(2000, Ok,           "OK",                                                               false),
    c(4000, Validation,   "Bad request",                                                      false),
    c(4010, Auth,         "Unauthorized: bad application ID or password",                     true),
    c(4011, Auth,         "Unauthorized: the practice account does not exist or is inactive", true),
    c(4012, Auth,         "Unauthorized: the user does not exist or is inactive",             true),
    c(4013, Auth,         "No token found",                                                   true),
    c(4014, Auth,         "Unauthorized",                                                     true),
    c(4020, Validation,   "Bad request: request likely too large",                            false),
    c(4021, Validation,   "Invalid date format",                                              false),
    c(4060, Validation,   "Request validation error",                                         false),
    c(4070, Recipient,    "Invalid recipient",                                                false),
    c(4071, Recipient,    "Recipient not found",                                              false),
    c(4072, Recipient,    "Invalid recipient type; requires PATIENT",                         false),
    c(4073, Recipient,    "Invalid recipient type; requires CONTACT",                         false),
    c(4074, Recipient,    "Invalid recipient type; requires PORTAL",                          false),
    c(4075, Recipient,    "Invalid recipient type; requires DIRECT",                          false),
    c(4076, Recipient,    "Invalid recipient type; requires EMAIL",                           false),
    c(4077, Recipient,    "Invalid recipient type; requires FAX",                             false),
    c(4080, Recipient,    "Recipient unable to receive messages",                             false),
    c(4110, Practice,     "No practice ID",                                                   false),
    c(4130, Practice,     "Account already exists",                                           false),
    c(4131, Practice,     "Account does not exist",                                           false),
    c(4132, Practice,     "Account already has an account ID",                                false),
    c(4140, Practice,     "Web address taken",                                                false),
    c(4150, Practice,     "Direct domain taken",                                              false),
    c(4160, Practice,     "Direct domain invalid",                                            false),
    c(4161, Practice,     "Web address invalid",                                              false),
    c(4162, Practice,     "IP invalid",                                                       false),
    c(4163, Practice,     "Direct domain unavailable",                                        false),
    c(4165, Practice,     "Port invalid",                                                     false),
    c(4210, User,         "No user ID",                                                       false),
    c(4230, User,         "User exists",                                                      false),
    c(4231, User,         "User does not exist",                                              false),
    c(4232, User,         "Password required",                                                false),
    c(4233, User,         "Password invalid",                                                 false),
    c(4240, User,         "User does not exist (use practice methods)",                       false),
    c(4241, User,         "User IDs starting with @ are reserved",                            false),
    c(4250, User,         "User date of birth invalid",                                       false),
    c(4251, User,         "Invalid NPI",                                                      false),
    c(4252, User,         "Invalid taxonomy code",                                            false),
    c(4330, Contact,      "Contact exists",                                                   false),
    c(4331, Contact,      "Contact does not exist",                                           false),
    c(4410, Message,      "Message not found",                                                false),
    c(4420, Message,      "No actions found",                                                 false),
    c(4430, Message,      "Message type has no MDNs",                                         false),
    c(4610, Direct,       "Direct address is taken",                                          false),
    c(4620, Direct,       "Domain does not match the account's Direct domain",                false),
    c(4621, Direct,       "Domain does not match the Direct domain for this vendor",          false),
    c(4630, Direct,       "Account has no Direct domain configured",                          false),
    c(4640, Direct,       "Invalid Direct address",                                           false),
    c(4641, Direct,       "No Direct address found for the sending user",                     false),
    c(4642, Direct,       "Identity verification required to send to this address",           false),
    c(4650, Direct,       "Direct send failed",                                               false),
    c(4651, Direct,       "Send failed and/or invalid Direct address",                        false),
    c(4652, Direct,       "Either from or patientDemographics is required",                   false),
    c(4730, Patient,      "Patient account exists",                                           false),
    c(4731, Patient,      "Patient account does not exist",                                   false),
    c(4830, Portal,       "Portal account exists",                                            false),
    c(4831, Portal,       "Portal account does not exist",                                    false),
    c(4832, Portal,       "Patient opted out of portal communications",                       false),
    c(4930, Fax,          "No fax for ID",                                                    false),
    c(4931, Fax,          "Zero bulk faxes for bulk fax ID",                                  false),
    c(4932, Fax,          "Fax number unavailable",                                           false),
    c(4933, Fax,          "Invalid fax number",                                               false),
    c(4960, Fax,          "Image not found",                                                  false),
    c(5000, Server,       "An unknown error has occurred",                                    false),
    c(5010, Notification, "Notification error",                                               false),
    c(5011, Notification, "Notification error",                                               false),
    c(5012, Notification, "Notification error",                                               false),
    c(5100, Server,       "An unknown server error has occurred",                             false),
    c(5110, Server,       "An unknown server error has occurred",                             false),
    c(6210, Validation,   "At least one value required",                                      false),
    c(6212, Validation,   "At least one ID required",                                         false),
    c(6213, Validation,   "Record does not exist for ID",                                     false),
    c(9010, Validation,   "Date must be yyyy-MM-dd",                                          false),
];

pub fn info(code: i64) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code == code)
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(CODES
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.code < b.code)));
    }

    /// The error table of docs/errors.md lists every code with its category and retry rule.
    #[test]
    fn readme_table_matches() {
        let readme = include_str!("../../docs/errors.md");
        for c in CODES {
            let retry = if c.retryable { "yes" } else { "no" };
            let row = format!(
                "| {} | {} | {} | {} |",
                c.code,
                c.category.as_str(),
                c.meaning,
                retry
            );
            assert!(readme.contains(&row), "docs/errors.md lacks: {row}");
        }
    }

    #[test]
    fn documented_codes_are_present() {
        for code in [
            2000, 4000, 4010, 4011, 4012, 4013, 4014, 4020, 4060, 4640, 4641, 4642, 4650, 4651,
            4652, 5000, 5100, 5110,
        ] {
            assert!(info(code).is_some(), "{code}");
        }
        assert!(info(4999).is_none());
        assert_eq!(
            info(4011).map(|i| (i.category, i.retryable)),
            Some((Auth, true))
        );
        assert_eq!(info(5000).map(|i| i.retryable), Some(false));
    }
}
