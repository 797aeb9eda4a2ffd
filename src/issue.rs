//! A validation problem: which field, which Updox code it corresponds to, and a sentence a
//! patient-facing form can show as it is. Messages never repeat the value entered (PHI).

/// Updox's code for an invalid Direct address.
pub const CODE_ADDRESS: i64 = 4640;
/// Updox's code for "either `from` or `patientDemographics` is required".
pub const CODE_SENDER: i64 = 4652;
/// Updox's code for any other request validation error.
pub const CODE_INVALID: i64 = 4060;
/// Updox's code for "request likely too large": every local limit maps to it.
pub const CODE_TOO_LARGE: i64 = 4020;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    /// Path of the field, e.g. `patientDemographics.dateOfBirth` or `attachments[2].fileName`.
    pub field: String,
    pub code: i64,
    pub message: String,
}

impl ValidationIssue {
    pub fn new(field: impl Into<String>, code: i64, message: impl Into<String>) -> Self {
        ValidationIssue {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}
