//! Updox's side of a send: the request body (JSON text around each attachment's base64),
//! Updox's response codes, the one error a send can end with, and the answer read back.

pub mod body;
pub mod codes;
pub mod error;
pub mod json;
pub mod response;
