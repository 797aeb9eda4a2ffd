//! Everything that needs a browser: reading JavaScript values, the platform (time, random,
//! location), the transport, and the exported API.

pub mod boundary;
mod js_out;
mod js_read;
mod platform;
mod transport;
