//! updox-direct: send a patient's secure Direct message (with attachments) through Updox's
//! `PatientDirectMessageSend`, from a browser, via the portal's proxy.
//!
//! Layers, each using only those below it: `input` (values as read) and `issue` (rules and
//! issues); `check` (every rule, natively tested); `updox` (request body, answers, errors);
//! `wasm` (the browser: reading JavaScript values, the transport, and the exports).

pub mod check;
pub mod encode;
pub mod input;
pub mod issue;
pub mod updox;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use check::limits::Limits;
pub use check::message::ValidMessage;
pub use input::{Input, MessageInput, OptionsInput};
pub use issue::{Rule, ValidationIssue};
pub use updox::error::{ErrorKind, SendError};
pub use updox::response::SendResult;
