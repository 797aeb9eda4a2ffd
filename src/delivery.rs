//! Delivery status of a sent message, as the portal's proxy reports it (`POST
//! /api/updox/MdnStatusList` with `{"messageId": n}`): checking the `messageId` asked about,
//! reading the proxy's answer `{messageId, state, final, events: [{status, at}], sentAt,
//! updatedAt}` into a typed value, and the sentence rule of each state. The sentences
//! themselves (English, Spanish) live with the others; they never say "read", because an MDN
//! never means that.

use crate::input::{whole, Input, Number};
use crate::issue::{Issues, Rule};
use crate::prelude::*;
use crate::updox::json::{read_array_text, read_object, read_object_text, whole_number, Value};

/// The largest `messageId` a JavaScript number holds exactly (2^53 - 1).
pub const MAX_MESSAGE_ID: u64 = (1 << 53) - 1;

/// The sentence of every failed status question, whatever its rule (the error's `rule`
/// stays the outcome's: `timeout`, `proxy.not_found`, …): the outcomes' own sentences
/// speak of sending, which a status question does not do.
pub const UNCHECKED_RULE: &str = "delivery.unchecked";

/// What a patient is told about a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// No MDN yet, within the proxy's wait (`deliveryUnconfirmedAfterMs`).
    Sent,
    /// `processed`, `received`, `deleted` or `denied`: it reached the clinic's system.
    Received,
    /// `dispatched`: delivered to the recipient's mailbox or application. Final.
    Delivered,
    /// `failed`, and no `dispatched`. Final.
    Failed,
    /// No MDN within the wait: never shown as delivered; a later MDN still changes it.
    Unconfirmed,
}

impl DeliveryState {
    pub const ALL: &'static [DeliveryState] = &[
        DeliveryState::Sent,
        DeliveryState::Received,
        DeliveryState::Delivered,
        DeliveryState::Failed,
        DeliveryState::Unconfirmed,
    ];

    /// The state's name in the proxy's answer and in `DeliveryStatus.state`.
    pub fn id(self) -> &'static str {
        match self {
            DeliveryState::Sent => "sent",
            DeliveryState::Received => "received",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Unconfirmed => "unconfirmed",
        }
    }

    /// The id of the sentence a patient is shown for this state.
    pub fn rule(self) -> &'static str {
        match self {
            DeliveryState::Sent => "delivery.sent",
            DeliveryState::Received => "delivery.received",
            DeliveryState::Delivered => "delivery.delivered",
            DeliveryState::Failed => "delivery.failed",
            DeliveryState::Unconfirmed => "delivery.unconfirmed",
        }
    }

    /// Delivered and failed do not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryState::Delivered | DeliveryState::Failed)
    }

    pub fn from_id(id: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.iter().copied().find(|s| s.id() == id)
    }
}

/// An MDN status as Updox's `inbound_mdn` webhook documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdnStatus {
    Received,
    Processed,
    Dispatched,
    Failed,
    Deleted,
    Denied,
}

impl MdnStatus {
    pub const ALL: &'static [MdnStatus] = &[
        MdnStatus::Received,
        MdnStatus::Processed,
        MdnStatus::Dispatched,
        MdnStatus::Failed,
        MdnStatus::Deleted,
        MdnStatus::Denied,
    ];

    pub fn id(self) -> &'static str {
        match self {
            MdnStatus::Received => "received",
            MdnStatus::Processed => "processed",
            MdnStatus::Dispatched => "dispatched",
            MdnStatus::Failed => "failed",
            MdnStatus::Deleted => "deleted",
            MdnStatus::Denied => "denied",
        }
    }

    pub fn from_id(id: &str) -> Option<MdnStatus> {
        MdnStatus::ALL.iter().copied().find(|s| s.id() == id)
    }
}

/// One MDN: its status and when it came (ISO 8601, as the proxy wrote it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryEvent {
    pub status: MdnStatus,
    pub at: String,
}

/// The proxy's answer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStatus {
    pub message_id: u64,
    pub state: DeliveryState,
    pub is_final: bool,
    pub events: Vec<DeliveryEvent>,
    pub sent_at: String,
    pub updated_at: String,
}

impl DeliveryStatus {
    /// The id of the sentence for the patient.
    pub fn rule(&self) -> &'static str {
        self.state.rule()
    }
}

/// The `messageId` to ask about: a whole number from 1 to [`MAX_MESSAGE_ID`]; anything else
/// (absent, text, zero, negative, a fraction) is the issue `messageId.invalid`.
pub fn check_message_id(value: &Number) -> Result<u64, Issues> {
    match value {
        Input::Given(v) => match whole(*v, MAX_MESSAGE_ID as f64) {
            Some(n) if n > 0 => Ok(n),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

fn invalid() -> Issues {
    let mut issues = Issues::default();
    issues.add(Rule::MessageIdInvalid);
    issues
}

/// Longest time text accepted (ISO 8601 with nanoseconds and an offset fits).
const MAX_TIME_CHARS: usize = 40;

/// A time as the proxy writes it: `YYYY-MM-DDTHH:MM:SS` then anything short and printable.
fn time(value: Option<Value>) -> Option<String> {
    let Some(Value::Text(t)) = value else {
        return None;
    };
    let b = t.as_bytes();
    let shape = b.len() >= 19
        && b.len() <= MAX_TIME_CHARS
        && b.iter().all(|c| c.is_ascii_graphic())
        && [4usize, 7].iter().all(|&i| b.get(i) == Some(&b'-'))
        && b.get(10) == Some(&b'T')
        && [13usize, 16].iter().all(|&i| b.get(i) == Some(&b':'));
    shape.then_some(t)
}

fn event(text: &str) -> Option<DeliveryEvent> {
    let [status, at] = read_object(text, ["status", "at"])?;
    let Some(Value::Text(status)) = status else {
        return None;
    };
    Some(DeliveryEvent {
        status: MdnStatus::from_id(&status)?,
        at: time(at)?,
    })
}

/// Reads the proxy's answer to a question about `asked`. `None` when it is not exactly that
/// shape, is about another message, or contradicts itself (`final` not the state's).
pub fn read_delivery_status(text: &str, asked: u64) -> Option<DeliveryStatus> {
    let [message_id, state, is_final, sent_at, updated_at] =
        read_object(text, ["messageId", "state", "final", "sentAt", "updatedAt"])?;
    let [events] = read_object_text(text, ["events"])?;
    let Some(Value::Number(id)) = message_id else {
        return None;
    };
    let message_id = u64::try_from(whole_number(&id)?).ok()?;
    if message_id != asked {
        return None;
    }
    let Some(Value::Text(state)) = state else {
        return None;
    };
    let state = DeliveryState::from_id(&state)?;
    let Some(Value::Bool(is_final)) = is_final else {
        return None;
    };
    if is_final != state.is_final() {
        return None;
    }
    let events = read_array_text(events?)?
        .into_iter()
        .map(event)
        .collect::<Option<Vec<_>>>()?;
    Some(DeliveryStatus {
        message_id,
        state,
        is_final,
        events,
        sent_at: time(sent_at)?,
        updated_at: time(updated_at)?,
    })
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    const DELIVERED: &str = r#"{"messageId":249600,"state":"delivered","final":true,
        "events":[{"status":"processed","at":"2026-03-02T09:00:01.000Z"},
                  {"status":"dispatched","at":"2026-03-02T09:00:02.000Z"}],
        "sentAt":"2026-03-02T09:00:00.000Z","updatedAt":"2026-03-02T09:00:02.000Z"}"#;

    #[test]
    fn message_ids() {
        assert_eq!(check_message_id(&Input::Given(249600.0)), Ok(249600));
        assert_eq!(check_message_id(&Input::Given(1.0)), Ok(1));
        assert_eq!(
            check_message_id(&Input::Given(MAX_MESSAGE_ID as f64)),
            Ok(MAX_MESSAGE_ID)
        );
        for bad in [
            Input::Given(0.0),
            Input::Given(-3.0),
            Input::Given(1.5),
            Input::Given(f64::NAN),
            Input::Given(f64::INFINITY),
            Input::Given(2f64.powi(60)),
            Input::Absent,
            Input::Wrong("string"),
        ] {
            let issues = check_message_id(&bad).err().unwrap_or_default();
            assert_eq!(issues.len(), 1, "{bad:?}");
            let issue = issues.as_slice().first().cloned();
            assert_eq!(issue.as_ref().map(|i| i.rule), Some(Rule::MessageIdInvalid));
            assert_eq!(issue.as_ref().map(|i| i.field()), Some("messageId"));
            assert_eq!(issue.map(|i| i.code()), Some(4060));
        }
    }

    #[test]
    fn reads_the_proxy_answer() {
        let s = read_delivery_status(DELIVERED, 249600);
        assert_eq!(
            s,
            Some(DeliveryStatus {
                message_id: 249600,
                state: DeliveryState::Delivered,
                is_final: true,
                events: vec![
                    DeliveryEvent {
                        status: MdnStatus::Processed,
                        at: "2026-03-02T09:00:01.000Z".into()
                    },
                    DeliveryEvent {
                        status: MdnStatus::Dispatched,
                        at: "2026-03-02T09:00:02.000Z".into()
                    },
                ],
                sent_at: "2026-03-02T09:00:00.000Z".into(),
                updated_at: "2026-03-02T09:00:02.000Z".into(),
            })
        );
        assert_eq!(s.map(|s| s.rule()), Some("delivery.delivered"));
        let sent = r#"{"messageId":7,"state":"sent","final":false,"events":[],"sentAt":"2026-03-02T09:00:00.000Z","updatedAt":"2026-03-02T09:00:00.000Z"}"#;
        assert_eq!(
            read_delivery_status(sent, 7).map(|s| s.state),
            Some(DeliveryState::Sent)
        );
    }

    #[test]
    fn refuses_what_is_not_the_answer() {
        let swap = |from: &str, to: &str| DELIVERED.replace(from, to);
        let bad = [
            String::from("not json"),
            String::from("{}"),
            swap("249600", "249601"),
            swap("249600", "\"249600\""),
            swap("\"delivered\"", "\"read\""),
            swap("\"final\":true", "\"final\":false"),
            swap("\"processed\"", "\"opened\""),
            swap("\"at\":\"2026-03-02T09:00:01.000Z\"", "\"at\":12"),
            swap(
                "\"sentAt\":\"2026-03-02T09:00:00.000Z\"",
                "\"sentAt\":\"yesterday\"",
            ),
            swap("\"events\":[", "\"events\":{\"x\":[")
                .replace("}],\n        \"sentAt", "}]},\n        \"sentAt"),
            swap(",\"updatedAt\":\"2026-03-02T09:00:02.000Z\"", ""),
            swap("\"events\"", "\"evts\""),
        ];
        for text in bad {
            assert_eq!(read_delivery_status(&text, 249600), None, "{text}");
        }
        assert_eq!(read_delivery_status(DELIVERED, 1), None, "another message");
    }

    #[test]
    fn every_state_has_its_rule_and_finality() {
        let rules: Vec<_> = DeliveryState::ALL.iter().map(|s| s.rule()).collect();
        assert_eq!(
            rules,
            [
                "delivery.sent",
                "delivery.received",
                "delivery.delivered",
                "delivery.failed",
                "delivery.unconfirmed"
            ]
        );
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::from_id(s.id()), Some(*s));
            assert_eq!(s.rule().strip_prefix("delivery."), Some(s.id()));
        }
        let finals: Vec<_> = DeliveryState::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| s.id())
            .collect();
        assert_eq!(finals, ["delivered", "failed"]);
        assert!(!rules.contains(&UNCHECKED_RULE));
        for m in MdnStatus::ALL {
            assert_eq!(MdnStatus::from_id(m.id()), Some(*m));
        }
    }
}
