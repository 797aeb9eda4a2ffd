//! The browser side of the crate: the package's exports (`api`, and `delivery` for the
//! status of a sent message) and what they use to read the caller's values by name (`read`),
//! read files (`files`), talk to the proxy (`transport`), and build results, issues, errors
//! and sentences by name (`errors`, `text`), over the JavaScript the module takes (`js`).

pub mod api;
pub mod delivery;
#[cfg(feature = "bench-encoders")]
pub mod encoding;
pub mod errors;
pub mod files;
mod js;
pub mod photo;
pub mod read;
pub mod text;
pub mod transport;
