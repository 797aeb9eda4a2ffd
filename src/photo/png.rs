//! The PNG walk: chunk by chunk from the signature to IEND. Chunks are kept or dropped
//! whole, their CRCs as they were; only a new eXIf holding the orientation gets a CRC of ours.

use super::bytes::{contains, u32_be};
use super::plan::{Block, Stripped, Walk};
use super::tiff;
use crate::prelude::*;

/// The iTXt keyword Adobe's XMP goes under.
const XMP_KEYWORD: &[u8] = b"XML:com.adobe.xmp\0";

pub(crate) fn walk(b: &[u8]) -> Walk {
    let mut w = Walk::default();
    if b.get(..8) != Some(b"\x89PNG\r\n\x1a\n") {
        return w;
    }
    let mut pos = 8;
    let mut seen_idat = false;
    loop {
        let Some(len) = u32_be(b, pos).map(|n| n as usize) else {
            return w;
        };
        let Some(kind) = b.get(pos + 4..pos + 8) else {
            return w;
        };
        let Some(end) = (pos + 12).checked_add(len).filter(|e| *e <= b.len()) else {
            return w;
        };
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return w;
        }
        let data = b.get(pos + 8..end - 4).unwrap_or_default();
        if pos == 8 {
            if kind != b"IHDR" {
                return w;
            }
            w.width = u32_be(data, 0);
            w.height = u32_be(data, 4);
        }
        let drop = match kind {
            b"eXIf" => {
                if let Some(facts) = tiff::read(data) {
                    if facts.has_gps {
                        w.found.add(Block::Gps);
                    }
                    if w.exif_at.is_none() && !seen_idat {
                        w.exif_at = Some(pos);
                        w.orientation = facts.orientation;
                    }
                }
                Some(Block::Exif)
            }
            b"iTXt" if data.starts_with(XMP_KEYWORD) => {
                if contains(data, b"GPSLatitude") || contains(data, b"GPSLongitude") {
                    w.found.add(Block::Gps);
                }
                Some(Block::Xmp)
            }
            b"tEXt" | b"zTXt" | b"iTXt" => Some(Block::Text),
            b"tIME" => Some(Block::Time),
            _ => None,
        };
        if let Some(block) = drop {
            w.found.add(block);
            w.drops.push(pos..end);
        }
        seen_idat |= kind == b"IDAT";
        if kind == b"IEND" {
            if b.len() > end {
                w.found.add(Block::Trailer);
                w.drops.push(end..b.len());
            }
            w.complete = seen_idat;
            return w;
        }
        pos = end;
    }
}

/// The CRC-32 of PNG chunks (ISO 3309), bit by bit: it only ever covers 30 bytes here.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = !0u32;
    for byte in parts.iter().flat_map(|p| p.iter()) {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// An eXIf chunk holding only `orientation`.
fn orientation_chunk(orientation: u16) -> Vec<u8> {
    let tiff = tiff::orientation_only(orientation);
    let mut c = Vec::with_capacity(12 + tiff.len());
    c.extend_from_slice(&(tiff.len() as u32).to_be_bytes());
    c.extend_from_slice(b"eXIf");
    c.extend_from_slice(&tiff);
    c.extend_from_slice(&crc32(&[b"eXIf", &tiff]).to_be_bytes());
    c
}

pub(crate) fn strip(b: &[u8]) -> Stripped {
    walk(b).plan(b.len(), orientation_chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_iend_is_the_known_one() {
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
    }
}
