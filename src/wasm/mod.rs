//! The wasm side of the browser boundary: the core's exports, and the plain lists they read
//! and write. Everything that touches a browser object — reading the caller's values, the
//! clock, random bytes, files, the network, sentences — is the JavaScript side's (js/).

pub mod boundary;
pub mod encoding;
mod js_out;
mod js_read;
