//! The Updox JSON request body, as a sequence of parts: JSON text around each attachment's
//! base64 content, which stays on the JavaScript side (a File/Blob it encodes, or the
//! caller's base64). The transport sends the parts as one `Blob`, so no single string or
//! buffer ever holds the whole body (attachments can be tens of megabytes).

use super::json::{push_field, push_str};
use crate::check::message::{Sender, ValidMessage};
use crate::check::options::Auth;
use crate::check::patient::Demographics;
use crate::prelude::*;

/// One piece of the body, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Json(String),
    /// An attachment's content: its place among the attachments (see
    /// `ValidAttachment::part`) and its decoded size.
    Content {
        part: usize,
        size: u64,
    },
}

/// The request body of one message, as parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub parts: Vec<Part>,
    /// `"from"` or `"patientDemographics"` (`""` for a lookup): the sender field sent.
    pub sender: &'static str,
    /// Decoded bytes of all attachments (what the progress of encoding counts).
    pub attachment_bytes: u64,
}

fn push_demographics(json: &mut String, d: &Demographics) {
    json.push('{');
    push_field(json, true, "patientId", &d.patient_id);
    push_field(json, false, "firstName", &d.first_name);
    push_field(json, false, "middleName", &d.middle_name);
    push_field(json, false, "lastName", &d.last_name);
    if let Some(dob) = &d.date_of_birth {
        push_field(json, false, "dateOfBirth", dob);
    }
    if let Some(g) = &d.gender {
        push_field(json, false, "gender", g);
    }
    push_field(json, false, "emailAddress", &d.email_address);
    json.push('}');
}

fn push_auth(json: &mut String, a: &Auth) {
    json.push('{');
    push_field(json, true, "applicationId", &a.application_id);
    push_field(json, false, "applicationPassword", &a.application_password);
    push_field(json, false, "accountId", &a.account_id);
    push_field(json, false, "userId", &a.user_id);
    json.push('}');
}

/// The body for `m`, with `auth` appended when given.
pub fn body(m: &ValidMessage, auth: Option<&Auth>) -> Body {
    Body {
        parts: parts(m, auth),
        sender: m.sender.field(),
        attachment_bytes: m.attachment_bytes(),
    }
}

/// The body of a DirectAddressValidate lookup: `{"recipient": address}` and nothing else.
pub fn lookup(address: &str) -> Body {
    let mut json = String::from("{");
    push_field(&mut json, true, "recipient", address);
    json.push('}');
    Body {
        parts: vec![Part::Json(json)],
        sender: "",
        attachment_bytes: 0,
    }
}

fn parts(m: &ValidMessage, auth: Option<&Auth>) -> Vec<Part> {
    let mut out = Vec::with_capacity(2 + 2 * m.attachments.len());
    let mut json = String::with_capacity(256 + m.text_message.len());
    json.push('{');
    push_field(&mut json, true, "to", &m.to);
    push_field(&mut json, false, "subject", &m.subject);
    push_field(&mut json, false, "textMessage", &m.text_message);
    match &m.sender {
        Sender::From(from) => {
            push_field(&mut json, false, "from", from);
        }
        Sender::Demographics(d) => {
            json.push_str(",\"patientDemographics\":");
            push_demographics(&mut json, d);
        }
    }
    json.push_str(",\"attachments\":[");
    for (i, a) in m.attachments.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str("{\"fileName\":");
        push_str(&mut json, &a.file_name);
        json.push_str(",\"mimeType\":");
        push_str(&mut json, &a.mime_type);
        json.push_str(",\"content\":\"");
        out.push(Part::Json(core::mem::take(&mut json)));
        out.push(Part::Content {
            part: a.part,
            size: a.size,
        });
        json.push_str("\"}");
    }
    json.push(']');
    if let Some(auth) = auth {
        json.push_str(",\"auth\":");
        push_auth(&mut json, auth);
    }
    json.push('}');
    out.push(Part::Json(json));
    out
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::check::attachment::ValidAttachment;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    fn message() -> ValidMessage {
        ValidMessage {
            to: "test@direct.updoxqa.com".into(),
            subject: "Résultats \"labo\"".into(),
            text_message: "line1\nline2 </script>".into(),
            sender: Sender::Demographics(Demographics {
                patient_id: "100030".into(),
                first_name: "Jane".into(),
                middle_name: "".into(),
                last_name: "Doe".into(),
                date_of_birth: Some("1990-10-10".into()),
                gender: Some("F".into()),
                email_address: "".into(),
            }),
            attachments: vec![
                ValidAttachment {
                    file_name: "a.txt".into(),
                    mime_type: "text/plain".into(),
                    part: 0,
                    size: 2,
                },
                ValidAttachment {
                    file_name: "scan \"1\".pdf".into(),
                    mime_type: "application/pdf".into(),
                    part: 1,
                    size: 4,
                },
            ],
        }
    }

    /// Joins the parts the way the transport does, with `contents` as the attachments'
    /// bytes.
    fn assemble(parts: &[Part], contents: &[&[u8]]) -> String {
        parts
            .iter()
            .map(|p| match *p {
                Part::Json(ref s) => s.clone(),
                Part::Content { part, size } => {
                    assert_eq!(contents[part].len() as u64, size);
                    STANDARD.encode(contents[part])
                }
            })
            .collect()
    }

    #[test]
    fn parts_make_updox_json() {
        let m = message();
        let b = body(&m, None);
        assert_eq!((b.sender, b.attachment_bytes), ("patientDemographics", 6));
        let body = assemble(&b.parts, &[b"hi", b"%PDF"]);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(v["to"], "test@direct.updoxqa.com");
        assert_eq!(v["subject"], "Résultats \"labo\"");
        assert_eq!(v["textMessage"], "line1\nline2 </script>");
        assert_eq!(v["patientDemographics"]["dateOfBirth"], "1990-10-10");
        assert_eq!(v["patientDemographics"]["middleName"], "");
        assert_eq!(v["attachments"][0]["content"], "aGk=");
        assert_eq!(v["attachments"][1]["content"], "JVBERg==");
        assert_eq!(v["attachments"][1]["fileName"], "scan \"1\".pdf");
        assert!(v.get("auth").is_none());
        assert!(v.get("from").is_none());
    }

    #[test]
    fn from_and_auth() {
        let mut m = message();
        m.sender = Sender::From("patient:7".into());
        m.attachments.clear();
        let auth = Auth {
            application_id: "app".into(),
            application_password: "pw".into(),
            account_id: "acct".into(),
            user_id: "user".into(),
        };
        let b = body(&m, Some(&auth));
        assert_eq!(b.sender, "from");
        assert_eq!(b.parts.len(), 1, "one JSON text");
        let body = assemble(&b.parts, &[]);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(v["from"], "patient:7");
        assert_eq!(v["attachments"], serde_json::json!([]));
        assert_eq!(v["auth"]["applicationPassword"], "pw");
        assert!(v.get("patientDemographics").is_none());
    }

    #[test]
    fn a_lookup_names_the_recipient_only() {
        let b = lookup("dr.o'neil@direct.example.org");
        assert_eq!(
            b.parts,
            [Part::Json(
                r#"{"recipient":"dr.o'neil@direct.example.org"}"#.into()
            )]
        );
    }
}
