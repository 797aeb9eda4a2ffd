//! Base64 encoding of attachment bytes in slices. Slices are a multiple of 3 bytes long,
//! so their encodings concatenate into the encoding of the whole file (no inner padding).

use crate::prelude::*;
/// Bytes read and encoded at a time: 3 MiB → 4 MiB of base64. Large enough that the
/// per-slice overhead vanishes, small enough to keep memory flat and tasks short.
pub const SLICE_BYTES: usize = 3 * 1024 * 1024;

/// Appends the base64 of `input` to `out` (reusing its capacity). base64-simd uses wasm
/// SIMD when the crate is built with `+simd128` (see .cargo/config.toml).
#[cfg(not(feature = "scalar-encoder"))]
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    base64_simd::STANDARD.encode_append(input, out);
}

/// The same with the `base64` crate's scalar encoder (the benchmark weighs the two).
#[cfg(feature = "scalar-encoder")]
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    scalar_encode_into(input, out);
}

/// Appends the base64 of `input` to `out` with the `base64` crate's scalar encoder.
#[cfg(any(feature = "scalar-encoder", feature = "bench-encoders"))]
pub fn scalar_encode_into(input: &[u8], out: &mut Vec<u8>) {
    use base64::Engine;
    let start = out.len();
    out.resize(start + input.len().div_ceil(3) * 4, 0);
    if let Some(free) = out.get_mut(start..) {
        let _ = base64::engine::general_purpose::STANDARD.encode_slice(input, free);
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use proptest::prelude::*;

    /// Sizes around the slice boundary and the SIMD block sizes, against the scalar reference.
    #[test]
    fn identical_to_the_scalar_reference_around_boundaries() {
        let mut sizes: Vec<usize> = (0..100).collect();
        for edge in [SLICE_BYTES, 2 * SLICE_BYTES] {
            sizes.extend(edge - 4..edge + 5);
        }
        let data: Vec<u8> = (0..2 * SLICE_BYTES + 50)
            .map(|i| (i * 131 + i / 7) as u8)
            .collect();
        for n in sizes {
            let input = data.get(..n).unwrap_or_default();
            let mut out = Vec::new();
            for chunk in input.chunks(SLICE_BYTES) {
                encode_into(chunk, &mut out);
            }
            assert_eq!(out, STANDARD.encode(input).into_bytes(), "{n} bytes");
        }
    }

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
