//! Base64 over pieces of any length, as one stream: the 0–2 bytes a piece leaves over are
//! carried into the next, so the pieces of a stripped photo encode, straight from the bytes
//! read, to the encoding of the stripped file (no padding inside).

use crate::encode::encode_into;
use crate::prelude::*;

/// Encodes a byte stream given in pieces; `finish` writes the end (and its padding).
#[derive(Debug, Default)]
pub struct Base64Stream {
    carry: [u8; 3],
    held: usize,
}

impl Base64Stream {
    pub fn new() -> Base64Stream {
        Base64Stream::default()
    }

    /// Appends to `out` the base64 of all whole 3-byte groups so far, `input` included.
    pub fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        if self.held > 0 {
            while self.held < 3 {
                let Some((first, rest)) = input.split_first() else {
                    return;
                };
                if let Some(slot) = self.carry.get_mut(self.held) {
                    *slot = *first;
                }
                self.held += 1;
                input = rest;
            }
            encode_into(&self.carry, out);
            self.held = 0;
        }
        let whole = input.len() / 3 * 3;
        let (groups, rest) = input.split_at(whole);
        encode_into(groups, out);
        for (slot, byte) in self.carry.iter_mut().zip(rest) {
            *slot = *byte;
        }
        self.held = rest.len();
    }

    /// Appends the base64 of the bytes held back, with padding.
    pub fn finish(self, out: &mut Vec<u8>) {
        encode_into(self.carry.get(..self.held).unwrap_or_default(), out);
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pieces_encode_as_the_whole(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                                      cuts in proptest::collection::vec(0usize..600, 0..12)) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut stream = Base64Stream::new();
            let mut out = Vec::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                stream.push(&bytes[at..c], &mut out);
                at = c;
            }
            stream.finish(&mut out);
            prop_assert_eq!(String::from_utf8(out).ok(), Some(STANDARD.encode(&bytes)));
        }
    }
}
