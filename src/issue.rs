//! Validation problems. Every check the module makes is one [`Rule`]: a stable id (the
//! field path without indexes, a dot, and the rule in snake_case) and the Updox code it
//! corresponds to. An issue is a rule found broken at one field, with the numbers its
//! sentence needs; the sentences themselves, in each language, are the JavaScript side's
//! (js/locales/en.js, js/locales/), so that they never repeat the value entered (PHI).

use crate::prelude::*;
/// Updox's code for an invalid Direct address.
pub const CODE_ADDRESS: i64 = 4640;
/// Updox's code for "either `from` or `patientDemographics` is required".
pub const CODE_SENDER: i64 = 4652;
/// Updox's code for any other request validation error.
pub const CODE_INVALID: i64 = 4060;
/// Updox's code for "request likely too large": every local limit maps to it.
pub const CODE_TOO_LARGE: i64 = 4020;

macro_rules! rules {
    ($($name:ident $id:literal $code:ident;)*) => {
        /// Every validation rule; each variant is one distinct rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Rule {
            $($name,)*
        }

        impl Rule {
            /// All rules, in the order of the table.
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)*];

            /// The stable id, e.g. `patientDemographics.dateOfBirth.not_a_date`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$name => $id,)*
                }
            }

            /// The matching Updox code.
            pub fn code(self) -> i64 {
                match self {
                    $(Rule::$name => $code,)*
                }
            }
        }
    };
}

use self::{
    CODE_ADDRESS as ADDRESS, CODE_INVALID as INVALID, CODE_SENDER as SENDER,
    CODE_TOO_LARGE as TOO_LARGE,
};

#[rustfmt::skip]
rules! {
    MessageNotAnObject              "message.not_an_object"                           INVALID;
    ToNotText                       "to.not_text"                                     ADDRESS;
    ToRequired                      "to.required"                                     ADDRESS;
    ToInvalid                       "to.invalid"                                      ADDRESS;
    SubjectNotText                  "subject.not_text"                                INVALID;
    SubjectTooLong                  "subject.too_long"                                TOO_LARGE;
    TextMessageNotText              "textMessage.not_text"                            INVALID;
    TextMessageTooLong              "textMessage.too_long"                            TOO_LARGE;
    TextMessageRequired             "textMessage.required"                            INVALID;
    FromRequired                    "from.required"                                   SENDER;
    FromNotText                     "from.not_text"                                   SENDER;
    FromInvalid                     "from.invalid"                                    SENDER;
    FromIdRequired                  "from.id_required"                                SENDER;
    FromIdTooLong                   "from.id_too_long"                                SENDER;
    FromIdInvalidCharacters         "from.id_invalid_characters"                      SENDER;
    DemographicsNotAnObject         "patientDemographics.not_an_object"               SENDER;
    PatientIdNotText                "patientDemographics.patientId.not_text"          INVALID;
    PatientIdRequired               "patientDemographics.patientId.required"          INVALID;
    PatientIdTooLong                "patientDemographics.patientId.too_long"          INVALID;
    PatientIdInvalidCharacters      "patientDemographics.patientId.invalid_characters" INVALID;
    FirstNameNotText                "patientDemographics.firstName.not_text"          INVALID;
    FirstNameRequired               "patientDemographics.firstName.required"          INVALID;
    FirstNameTooLong                "patientDemographics.firstName.too_long"          INVALID;
    FirstNameInvalidCharacters      "patientDemographics.firstName.invalid_characters" INVALID;
    MiddleNameNotText               "patientDemographics.middleName.not_text"         INVALID;
    MiddleNameTooLong               "patientDemographics.middleName.too_long"         INVALID;
    MiddleNameInvalidCharacters     "patientDemographics.middleName.invalid_characters" INVALID;
    LastNameNotText                 "patientDemographics.lastName.not_text"           INVALID;
    LastNameRequired                "patientDemographics.lastName.required"           INVALID;
    LastNameTooLong                 "patientDemographics.lastName.too_long"           INVALID;
    LastNameInvalidCharacters       "patientDemographics.lastName.invalid_characters" INVALID;
    DateOfBirthNotADate             "patientDemographics.dateOfBirth.not_a_date"      INVALID;
    DateOfBirthTooEarly             "patientDemographics.dateOfBirth.too_early"       INVALID;
    DateOfBirthInFuture             "patientDemographics.dateOfBirth.in_future"       INVALID;
    GenderInvalid                   "patientDemographics.gender.invalid"              INVALID;
    EmailNotText                    "patientDemographics.emailAddress.not_text"       INVALID;
    EmailInvalid                    "patientDemographics.emailAddress.invalid"        INVALID;
    AttachmentsNotAList             "attachments.not_a_list"                          INVALID;
    AttachmentsTooMany              "attachments.too_many"                            TOO_LARGE;
    AttachmentsTotalTooLarge        "attachments.total_too_large"                     TOO_LARGE;
    AttachmentInvalid               "attachments.invalid"                             INVALID;
    AttachmentTooLarge              "attachments.too_large"                           TOO_LARGE;
    AttachmentEmpty                 "attachments.empty"                               INVALID;
    AttachmentUnreadable            "attachment.unreadable"                           INVALID;
    FileNameRequired                "attachments.fileName.required"                   INVALID;
    FileNameNotText                 "attachments.fileName.not_text"                   INVALID;
    FileNameHasSlash                "attachments.fileName.has_slash"                  INVALID;
    FileNameInvalid                 "attachments.fileName.invalid"                    INVALID;
    FileNameInvalidCharacters       "attachments.fileName.invalid_characters"         INVALID;
    FileNameTooLong                 "attachments.fileName.too_long"                   INVALID;
    MimeTypeNotText                 "attachments.mimeType.not_text"                   INVALID;
    MimeTypeInvalid                 "attachments.mimeType.invalid"                    INVALID;
    ContentRequired                 "attachments.content.required"                    INVALID;
    ContentNotText                  "attachments.content.not_text"                    INVALID;
    ContentNotBase64                "attachments.content.not_base64"                  INVALID;
    FileRequired                    "file.required"                                   INVALID;
    LimitsNotAnObject               "limits.not_an_object"                            INVALID;
    MaxSubjectCharsInvalid          "limits.maxSubjectChars.invalid"                  INVALID;
    MaxTextMessageBytesInvalid      "limits.maxTextMessageBytes.invalid"              INVALID;
    MaxAttachmentsInvalid           "limits.maxAttachments.invalid"                   INVALID;
    MaxAttachmentBytesInvalid       "limits.maxAttachmentBytes.invalid"               INVALID;
    MaxTotalAttachmentBytesInvalid  "limits.maxTotalAttachmentBytes.invalid"          INVALID;
    OptionsNotAnObject              "options.not_an_object"                           INVALID;
    ProxyUrlRequired                "options.proxyUrl.required"                       INVALID;
    ProxyUrlTooLong                 "options.proxyUrl.too_long"                       INVALID;
    ProxyUrlInvalid                 "options.proxyUrl.invalid"                        INVALID;
    ProxyUrlNotHttp                 "options.proxyUrl.not_http"                       INVALID;
    ProxyUrlInsecure                "options.proxyUrl.insecure"                       INVALID;
    TimeoutInvalid                  "options.timeoutMs.invalid"                       INVALID;
    CredentialsInvalid              "options.credentials.invalid"                     INVALID;
    HeadersNotAnObject              "options.headers.not_an_object"                   INVALID;
    HeadersTooMany                  "options.headers.too_many"                        INVALID;
    HeaderInvalidName               "options.headers.invalid_name"                    INVALID;
    HeaderForbidden                 "options.headers.forbidden"                       INVALID;
    HeaderTooLong                   "options.headers.too_long"                        INVALID;
    HeaderLineBreak                 "options.headers.line_break"                      INVALID;
    HeaderNotLatin1                 "options.headers.not_latin1"                      INVALID;
    HeaderNotText                   "options.headers.not_text"                        INVALID;
    AuthNotAllowed                  "options.auth.not_allowed"                        INVALID;
    AuthNotAnObject                 "options.auth.not_an_object"                      INVALID;
    AuthApplicationIdRequired       "options.auth.applicationId.required"             INVALID;
    AuthApplicationPasswordRequired "options.auth.applicationPassword.required"       INVALID;
    AuthAccountIdRequired           "options.auth.accountId.required"                 INVALID;
    AuthUserIdRequired              "options.auth.userId.required"                    INVALID;
    SignalInvalid                   "options.signal.invalid"                          INVALID;
    OnProgressInvalid               "options.onProgress.invalid"                      INVALID;
    IdempotencyKeyInvalid           "options.idempotencyKey.invalid"                  INVALID;
    SenderIdNotText                 "patientId.not_text"                              INVALID;
    SenderIdRequired                "patientId.required"                              INVALID;
    SenderIdTooLong                 "patientId.too_long"                              INVALID;
    SenderIdInvalidCharacters       "patientId.invalid_characters"                    INVALID;
    MessageIdInvalid                "messageId.invalid"                               INVALID;
    AttachmentCannotConvert         "attachments.cannot_convert"                      INVALID;
    KeepPhotoMetadataInvalid        "options.keepPhotoMetadata.invalid"               INVALID;
}

impl Rule {
    /// The rule's place in [`Rule::ALL`], which is how the wasm names it to JavaScript.
    pub fn index(self) -> u16 {
        self as u16
    }

    /// The field a rule is about when no index or name is added: the id without its last
    /// part (`message` stands for the message itself, whose path is empty).
    pub fn field(self) -> &'static str {
        match self.id().rsplit_once('.') {
            Some(("message", _)) | None => "",
            Some((field, _)) => field,
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    /// The field's path when it is not the rule's own field (it has an index or a name in
    /// it, e.g. `attachments[2].fileName`); see [`ValidationIssue::field`].
    pub at: Option<String>,
    pub rule: Rule,
    /// The limit in force, for rules about limits.
    pub limit: Option<u64>,
    /// The size found, for rules about sizes.
    pub size: Option<u64>,
}

impl ValidationIssue {
    pub fn code(&self) -> i64 {
        self.rule.code()
    }

    /// Path of the field, e.g. `patientDemographics.dateOfBirth` or `attachments[2].fileName`.
    /// (The wasm build leaves the rule's own field to the JavaScript side, which derives it
    /// from the rule id the same way, so that no rule id is compiled into the module.)
    pub fn field(&self) -> &str {
        self.at.as_deref().unwrap_or_else(|| self.rule.field())
    }
}

/// The issues found so far, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issues(Vec<ValidationIssue>);

impl Issues {
    /// `rule` broken at its own field.
    pub fn add(&mut self, rule: Rule) {
        self.push(rule, None, None, None);
    }

    /// `rule` broken at `field` (a path with an index or a name in it).
    pub fn at(&mut self, rule: Rule, field: String) {
        self.push(rule, Some(field), None, None);
    }

    /// A limit rule at `field`: `limit` is the limit in force, `size` what was found.
    pub fn over(&mut self, rule: Rule, field: Option<String>, limit: u64, size: Option<u64>) {
        self.push(rule, field, Some(limit), size);
    }

    fn push(&mut self, rule: Rule, at: Option<String>, limit: Option<u64>, size: Option<u64>) {
        self.0.push(ValidationIssue {
            at,
            rule,
            limit,
            size,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Adds `more` after these.
    pub fn append(&mut self, mut more: Issues) {
        self.0.append(&mut more.0);
    }

    pub fn as_slice(&self) -> &[ValidationIssue] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<ValidationIssue> {
        self.0
    }
}

/// `list[index]` as a path, e.g. `attachments[2]`.
pub fn indexed(list: &str, index: usize) -> String {
    let mut out = String::with_capacity(list.len() + 6);
    out.push_str(list);
    out.push('[');
    push_decimal(&mut out, index as u64);
    out.push(']');
    out
}

/// `path.name`, or `name` alone when `path` is empty.
pub fn sub(path: &str, name: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1 + name.len());
    if !path.is_empty() {
        out.push_str(path);
        out.push('.');
    }
    out.push_str(name);
    out
}

/// Appends `n` in decimal (without the formatting machinery).
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "{id} twice");
            let (_, name) = id.rsplit_once('.').unwrap_or(("", id));
            assert!(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{id}: the rule part must be snake_case"
            );
        }
    }

    #[test]
    fn fields_come_from_ids() {
        assert_eq!(Rule::MessageNotAnObject.field(), "");
        assert_eq!(Rule::ToRequired.field(), "to");
        assert_eq!(
            Rule::DateOfBirthNotADate.field(),
            "patientDemographics.dateOfBirth"
        );
        assert_eq!(Rule::FromIdTooLong.field(), "from");
    }

    #[test]
    fn paths() {
        assert_eq!(indexed("attachments", 0), "attachments[0]");
        assert_eq!(indexed("attachments", 1234), "attachments[1234]");
        assert_eq!(sub("attachments[2]", "fileName"), "attachments[2].fileName");
        assert_eq!(sub("", "fileName"), "fileName");
        let mut s = String::new();
        push_decimal(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }
}
