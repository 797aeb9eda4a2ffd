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

/// Whitespace that pre-encoded content may carry (as in Updox's own sample); it is removed
/// before sending.
pub fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// The value of one base64 digit, or `None`.
fn digit(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// The decoded size of standard padded base64 `text` (whitespace ignored), or `None` when it
/// is not: a length that is not a multiple of 4, a stray character or `=`, or a last digit
/// carrying bits the padding drops (so that the text stands for exactly one byte string).
pub fn decoded_size(text: &[u8]) -> Option<u64> {
    let mut len: u64 = 0;
    let mut pad: u64 = 0;
    let mut last = 0u8;
    for &b in text {
        if is_space(b) {
            continue;
        }
        if b == b'=' {
            pad += 1;
        } else if pad > 0 {
            return None;
        } else {
            last = digit(b)?;
        }
        len += 1;
    }
    let stray = match pad {
        0 => 0,
        1 => last & 0b11,
        2 => last & 0b1111,
        _ => return None,
    };
    (len % 4 == 0 && stray == 0 && (pad == 0 || len >= 4)).then(|| len / 4 * 3 - pad)
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use proptest::prelude::*;

    #[test]
    fn decoded_sizes() {
        for (text, want) in [
            ("", Some(0)),
            ("YQ==", Some(1)),
            ("YWI=", Some(2)),
            ("YWJj", Some(3)),
            (" YW\nJj\r\n", Some(3)),
            ("YR==", None),
            ("YWJ=", None),
            ("YWJ", None),
            ("YQ=", None),
            ("Y===", None),
            ("====", None),
            ("YQ==YQ==", None),
            ("YW-j", None),
            ("YWJj\u{a0}", None),
        ] {
            assert_eq!(decoded_size(text.as_bytes()), want, "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn decoded_size_agrees_with_the_reference(text in "[A-Za-z0-9+/=]{0,24}") {
            let want = STANDARD.decode(&text).ok().map(|b| b.len() as u64);
            prop_assert_eq!(decoded_size(text.as_bytes()), want);
        }
    }

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
