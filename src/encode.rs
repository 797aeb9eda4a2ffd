//! Base64 encoding of attachment bytes in slices. Slices are a multiple of 3 bytes long,
//! so their encodings concatenate into the encoding of the whole file (no inner padding).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Bytes read and encoded at a time: 3 MiB → 4 MiB of base64. Large enough that the
/// per-slice overhead vanishes, small enough to keep memory flat and tasks short.
pub const SLICE_BYTES: usize = 3 * 1024 * 1024;

/// Appends the base64 of `input` to `out` (reusing its capacity).
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(
        start + base64::encoded_len(input.len(), true).unwrap_or(0),
        0,
    );
    if let Some(dest) = out.get_mut(start..) {
        let written = STANDARD.encode_slice(input, dest).unwrap_or(0);
        out.truncate(start + written);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn slices_concatenate_to_the_whole(bytes in proptest::collection::vec(any::<u8>(), 0..5000),
                                         slice in 1usize..60) {
            let slice = slice * 3;
            let mut out = Vec::new();
            for chunk in bytes.chunks(slice) {
                encode_into(chunk, &mut out);
            }
            prop_assert_eq!(String::from_utf8(out).ok(), Some(STANDARD.encode(&bytes)));
        }
    }
}
