//! updox-direct: send a patient's secure Direct message (with attachments) through Updox's
//! `PatientDirectMessageSend`, from a browser, via the portal's proxy.
//!
//! Everything but `wasm` (the transport and the JavaScript boundary) is plain Rust that
//! native `cargo test` runs.

pub mod address;
pub mod attachment;
pub mod body;
pub mod codes;
pub mod encode;
pub mod error;
pub mod input;
pub mod issue;
pub mod json;
pub mod limits;
pub mod options;
pub mod patient;
pub mod response;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
