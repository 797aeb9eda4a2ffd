//! updox-direct: send a patient's secure Direct message (with attachments) through Updox's
//! `PatientDirectMessageSend`, from a browser, via the portal's proxy.
//!
//! Layers, each using only those below it: `input` (values as read) and `issue` (rules and
//! issues); `check` (every rule, natively tested); `updox` (request body, answers, errors);
//! `sentence` (filling a sentence's numbers); `wasm` (the package's exports: reading the
//! caller's values by name, files, fetch, results and errors by name).

extern crate alloc;

/// The names the modules use from `alloc` (written so since the module once was no_std).
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
pub mod sentence;
pub mod updox;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The allocator: lol_alloc's free list is a few KB smaller than std's dlmalloc.
#[cfg(target_arch = "wasm32")]
mod runtime {
    use lol_alloc::{AssumeSingleThreaded, FreeListAllocator};
    // SAFETY: the module runs on one thread.
    #[global_allocator]
    static ALLOCATOR: AssumeSingleThreaded<FreeListAllocator> =
        unsafe { AssumeSingleThreaded::new(FreeListAllocator::new()) };
}

pub use check::limits::Limits;
pub use check::message::ValidMessage;
pub use input::{Input, MessageInput, OptionsInput};
pub use issue::{Rule, ValidationIssue};
pub use updox::error::{ErrorKind, SendError};
pub use updox::response::SendResult;
