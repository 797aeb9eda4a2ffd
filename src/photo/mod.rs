//! Photos as a clinic needs them: the type sniffed from the bytes, metadata (location,
//! device, time) removed from JPEG and PNG without touching the image data, a description
//! of a file for the page to show, and (in the browser) an upright, smaller JPEG copy.
//!
//! Everything here but `prepare` (wasm32 only) is plain Rust over a byte slice: it never panics, whatever
//! the bytes, and runs under native `cargo test` and the fuzzer.

mod bytes;
pub mod inspect;
mod jpeg;
pub mod kind;
pub mod plan;
mod png;
pub mod resize;
pub mod stream;
mod tiff;

#[cfg(target_arch = "wasm32")]
pub mod prepare;

pub use inspect::{inspect, Inspection};
pub use kind::{sniff, Kind};
pub use plan::{strip_metadata, Block, Piece, Stripped};
pub use resize::{PrepareError, PrepareOptions};
pub use stream::Base64Stream;
