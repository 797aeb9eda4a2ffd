//! updox-direct: send a patient's secure Direct message (with attachments) through Updox's
//! `PatientDirectMessageSend`, from a browser, via the portal's proxy.
//!
//! Layers, each using only those below it: `input` (values as read) and `issue` (rules and
//! issues); `check` (every rule, natively tested); `updox` (request body, answers, errors);
//! `wasm` (the exports the JavaScript side calls, and the plain lists they read and write).
//! Everything that touches a browser object is the JavaScript side's (js/).
//!
//! The release wasm is built without the `std` feature: `no_std` with its own panic handler
//! (a trap) and allocator, so that nothing pulls in Rust's formatting machinery and the
//! module stays small. Native builds, tests and the browser tests use `std`.

#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

/// What the standard prelude would give, for `no_std` builds (some of it only the wasm
/// side uses).
#[allow(unused_imports)]
mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod ascii;
pub mod check;
pub mod delivery;
pub mod encode;
pub mod input;
pub mod issue;
pub mod photo;
pub mod updox;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// What `std` would provide to the no_std release build.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod runtime {
    use lol_alloc::{AssumeSingleThreaded, FreeListAllocator};
    // SAFETY: the module is single-threaded.
    #[global_allocator]
    static ALLOCATOR: AssumeSingleThreaded<FreeListAllocator> =
        unsafe { AssumeSingleThreaded::new(FreeListAllocator::new()) };

    /// No input can reach a panic (the clippy lints in Cargo.toml); should one happen anyway,
    /// trap without formatting a message, which would pull in `core::fmt`.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}

pub use check::limits::Limits;
pub use check::message::ValidMessage;
pub use input::{Input, MessageInput, OptionsInput};
pub use issue::{Rule, ValidationIssue};
pub use updox::error::{ErrorKind, SendError};
pub use updox::response::SendResult;
