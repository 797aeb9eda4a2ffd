//! What a page can tell a patient about a file before it is sent: its real type, its pixel
//! size, whether it records where it was taken, and whether a clinic is likely to open it.

use super::bytes::{contains, find, u16_be, u16_le, u32_be, u32_le, u64_be};
use super::kind::{sniff, Kind};
use super::plan::{Block, Found};
use super::{jpeg, png, tiff};
use crate::prelude::*;

/// The description of a file (`inspectAttachment`'s result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The sniffed MIME type (`type`).
    pub mime: &'static str,
    pub is_photo: bool,
    /// The pixel size as the photo is shown (a JPEG turned by its orientation is given
    /// upright), where the container says it.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// A latitude or longitude is recorded in it.
    pub has_location: bool,
    /// The metadata blocks present, by name (those of `metadataRemoved`).
    pub metadata: Vec<&'static str>,
    pub viewable_by_clinics: bool,
}

#[derive(Default)]
struct Facts {
    width: Option<u32>,
    height: Option<u32>,
    found: Found,
}

/// Describes `bytes`. Never panics; what cannot be read is left out (`None`, empty).
pub fn inspect(bytes: &[u8]) -> Inspection {
    let kind = sniff(bytes);
    let facts = match kind {
        Kind::Jpeg => {
            let w = jpeg::walk(bytes);
            let turned = w.orientation.is_some_and(|o| o >= 5);
            let (width, height) = if turned {
                (w.height, w.width)
            } else {
                (w.width, w.height)
            };
            Facts {
                width,
                height,
                found: w.found,
            }
        }
        Kind::Png => {
            let w = png::walk(bytes);
            Facts {
                width: w.width,
                height: w.height,
                found: w.found,
            }
        }
        Kind::Gif => Facts {
            width: u16_le(bytes, 6).map(u32::from),
            height: u16_le(bytes, 8).map(u32::from),
            ..Facts::default()
        },
        Kind::Bmp => Facts {
            width: u32_le(bytes, 18).map(|n| (n as i32).unsigned_abs()),
            height: u32_le(bytes, 22).map(|n| (n as i32).unsigned_abs()),
            ..Facts::default()
        },
        Kind::Tiff => {
            let t = tiff::read(bytes).unwrap_or_default();
            let mut found = Found::default();
            if t.has_gps {
                found.add(Block::Gps);
            }
            Facts {
                width: t.width,
                height: t.height,
                found,
            }
        }
        Kind::WebP => webp(bytes),
        Kind::Heic | Kind::Heif | Kind::Avif => heif(bytes),
        _ => Facts::default(),
    };
    Inspection {
        mime: kind.mime(),
        is_photo: kind.is_photo(),
        width: facts.width,
        height: facts.height,
        has_location: facts.found.has(Block::Gps),
        metadata: facts.found.names(),
        viewable_by_clinics: kind.viewable_by_clinics(),
    }
}

/// Notes an EXIF block (a TIFF structure) in `found`.
fn note_exif(found: &mut Found, tiff_bytes: &[u8]) {
    found.add(Block::Exif);
    if tiff::read(tiff_bytes).is_some_and(|t| t.has_gps) {
        found.add(Block::Gps);
    }
}

/// WebP: RIFF chunks after "WEBP"; the size from VP8X, VP8 or VP8L.
fn webp(b: &[u8]) -> Facts {
    let mut f = Facts::default();
    let mut pos: usize = 12;
    while let (Some(kind), Some(len)) = (b.get(pos..pos + 4), u32_le(b, pos + 4)) {
        let start = pos + 8;
        let Some(end) = start.checked_add(len as usize) else {
            break;
        };
        let data = b.get(start..end.min(b.len())).unwrap_or_default();
        let u24 = |at: usize| u32_le(data, at).map(|n| (n & 0x00FF_FFFF) + 1);
        match kind {
            b"VP8X" => {
                f.width = u24(4);
                f.height = u24(7);
            }
            b"VP8 " if f.width.is_none() && data.get(3..6) == Some(&[0x9d, 0x01, 0x2a]) => {
                f.width = u16_le(data, 6).map(|n| u32::from(n & 0x3FFF));
                f.height = u16_le(data, 8).map(|n| u32::from(n & 0x3FFF));
            }
            b"VP8L" if f.width.is_none() && data.first() == Some(&0x2f) => {
                if let Some(bits) = u32_le(data, 1) {
                    f.width = Some((bits & 0x3FFF) + 1);
                    f.height = Some(((bits >> 14) & 0x3FFF) + 1);
                }
            }
            b"EXIF" => note_exif(&mut f.found, data.strip_prefix(b"Exif\0\0").unwrap_or(data)),
            b"XMP " => {
                f.found.add(Block::Xmp);
                if contains(data, b"GPSLatitude") {
                    f.found.add(Block::Gps);
                }
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        pos = match end.checked_add(end & 1) {
            Some(next) if next > pos => next,
            _ => break,
        };
    }
    f
}

/// The boxes directly inside `b`: (type, contents).
fn boxes(b: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut pos = 0usize;
    core::iter::from_fn(move || {
        let size = u32_be(b, pos)? as usize;
        let kind = b.get(pos + 4..pos + 8)?;
        let (header, size) = match size {
            0 => (8, b.len() - pos),
            1 => (16, usize::try_from(u64_be(b, pos + 8)?).ok()?),
            n => (8, n),
        };
        let end = pos.checked_add(size)?;
        let contents = b.get(pos + header..end)?;
        pos = end;
        Some((kind, contents))
    })
}

/// The size of the primary image as shown.
fn heif_size(b: &[u8]) -> Option<(u32, u32)> {
    // `meta`, `pitm` and `ipma` are full boxes: version and flags first.
    let meta = child(b, b"meta")?.get(4..)?;
    let pitm = child(meta, b"pitm")?;
    let primary = match pitm.first()? {
        0 => u32::from(u16_be(pitm, 4)?),
        _ => u32_be(pitm, 4)?,
    };
    let iprp = child(meta, b"iprp")?;
    let ipco: Vec<(&[u8], &[u8])> = boxes(child(iprp, b"ipco")?).collect();
    let ipma = child(iprp, b"ipma")?;
    let version = *ipma.first()?;
    let wide_index = ipma.get(3)? & 1 == 1;
    let mut pos = 8;
    let mut properties = Vec::new();
    for _ in 0..u32_be(ipma, 4)? {
        let item = if version < 1 {
            pos += 2;
            u32::from(u16_be(ipma, pos - 2)?)
        } else {
            pos += 4;
            u32_be(ipma, pos - 4)?
        };
        let count = usize::from(*ipma.get(pos)?);
        pos += 1;
        for _ in 0..count {
            let index = if wide_index {
                pos += 2;
                usize::from(u16_be(ipma, pos - 2)? & 0x7FFF)
            } else {
                pos += 1;
                usize::from(ipma.get(pos - 1)? & 0x7F)
            };
            if item == primary {
                // Indexes count from 1; 0 is "no property".
                properties.extend(index.checked_sub(1).and_then(|i| ipco.get(i)));
            }
        }
        if item == primary {
            break;
        }
    }
    let (mut w, mut h) = properties
        .iter()
        .find(|(k, _)| *k == b"ispe")
        .and_then(|(_, c)| Some((u32_be(c, 4)?, u32_be(c, 8)?)))?;
    for (kind, c) in &properties {
        match *kind {
            b"clap" => {
                let ratio = |at: usize| -> Option<u32> {
                    let (n, d) = (u32_be(c, at)?, u32_be(c, at + 4)?);
                    n.checked_div(d).filter(|v| *v > 0)
                };
                if let (Some(cw), Some(ch)) = (ratio(0), ratio(8)) {
                    w = cw.min(w);
                    h = ch.min(h);
                }
            }
            b"irot" if c.first().is_some_and(|a| a & 1 == 1) => {
                core::mem::swap(&mut w, &mut h);
            }
            _ => {}
        }
    }
    Some((w, h))
}

fn child<'a>(b: &'a [u8], kind: &[u8]) -> Option<&'a [u8]> {
    boxes(b).find(|(k, _)| *k == kind).map(|(_, c)| c)
}

/// HEIF (HEIC, AVIF): the primary item's (`pitm`) properties, through `ipma`, among
/// `ipco`'s: its extent (`ispe`), cropped by a clean aperture (`clap`), turned by `irot`.
/// EXIF and XMP items are found by their signatures.
fn heif(b: &[u8]) -> Facts {
    let mut f = Facts::default();
    if let Some((w, h)) = heif_size(b) {
        f.width = Some(w);
        f.height = Some(h);
    }
    // An EXIF item holds a TIFF structure, "Exif\0\0" first or not; its IFD0 comes right
    // after the header (offset 8) in what every writer makes. Both byte orders are tried.
    for header in [&b"MM\0*\0\0\0\x08"[..], &b"II*\0\x08\0\0\0"[..]] {
        if let Some(at) = find(b, header) {
            if let Some(t) = b.get(at..) {
                note_exif(&mut f.found, t);
                break;
            }
        }
    }
    if contains(b, b"<x:xmpmeta") {
        f.found.add(Block::Xmp);
        if contains(b, b"GPSLatitude") {
            f.found.add(Block::Gps);
        }
    }
    f
}
