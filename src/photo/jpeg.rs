//! The JPEG walk: every marker segment from SOI to EOI, the scan data skipped by looking
//! for the next marker (0xFF not followed by a stuffed 0x00, a restart marker or a fill
//! byte), so that metadata between the scans of a progressive JPEG is found too.

use super::bytes::{contains, u16_be};
use super::plan::{Block, Stripped, Walk};
use super::tiff;
use crate::prelude::*;

const EXIF: &[u8] = b"Exif\0\0";
const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENDED: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const MPF: &[u8] = b"MPF\0";

const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP13: u8 = 0xED;
const COM: u8 = 0xFE;

/// Frame headers (SOF0–SOF15 but DHT, JPG and DAC), which hold the pixel size.
fn is_frame_header(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// The position of the 0xFF of the next marker at or after `from` in scan data.
fn next_marker_in_scan(b: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from.checked_add(memchr::memchr(0xFF, b.get(from..)?)?)?;
        match *b.get(at + 1)? {
            // A stuffed 0xFF in the data, or a restart marker: still the scan.
            0x00 | 0xD0..=0xD7 => from = at + 2,
            // A fill byte: the marker follows.
            0xFF => from = at + 1,
            _ => return Some(at),
        }
    }
}

/// Walks a JPEG (SOI already sniffed), noting what it finds until the end or the first
/// thing it cannot read.
pub(crate) fn walk(b: &[u8]) -> Walk {
    let mut w = Walk::default();
    if b.get(..2) != Some(&[0xFF, 0xD8]) {
        return w;
    }
    let mut pos = 2;
    let mut in_scan = false;
    loop {
        if in_scan {
            match next_marker_in_scan(b, pos) {
                Some(at) => pos = at,
                None => return w,
            }
        }
        if b.get(pos) != Some(&0xFF) {
            return w;
        }
        while b.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = b.get(pos + 1) else {
            return w;
        };
        match marker {
            EOI if w.width.is_some() => {
                let end = pos + 2;
                if b.len() > end {
                    w.found.add(Block::Trailer);
                    w.drops.push(end..b.len());
                }
                w.complete = true;
                return w;
            }
            // TEM and restart markers stand alone.
            0x01 | 0xD0..=0xD7 => {
                pos += 2;
                continue;
            }
            // A second SOI, EOI before any frame, or no marker at all.
            0x00 | 0xD8 | EOI => return w,
            _ => {}
        }
        let Some(len) = u16_be(b, pos + 2).map(usize::from).filter(|n| *n >= 2) else {
            return w;
        };
        let end = pos + 2 + len;
        let Some(payload) = b.get(pos + 4..end) else {
            return w;
        };
        let drop = match marker {
            APP1 => {
                let after_frame = in_scan || w.width.is_some();
                Some(app1(&mut w, payload, pos, after_frame))
            }
            APP13 => Some(Block::Iptc),
            COM => Some(Block::Comment),
            APP2 if payload.starts_with(MPF) => Some(Block::Mpf),
            m if is_frame_header(m) && w.width.is_none() => {
                w.height = u16_be(payload, 1).map(u32::from);
                w.width = u16_be(payload, 3).map(u32::from);
                if w.width.is_none() {
                    return w;
                }
                None
            }
            _ => None,
        };
        if let Some(block) = drop {
            w.found.add(block);
            w.drops.push(pos..end);
        }
        if marker == SOS && w.width.is_none() {
            return w; // image data before any frame header
        }
        in_scan = marker == SOS;
        pos = end;
    }
}

/// Classifies an APP1 segment and notes what it holds.
fn app1(w: &mut Walk, payload: &[u8], at: usize, after_frame: bool) -> Block {
    if let Some(tiff) = payload.strip_prefix(EXIF) {
        if let Some(facts) = tiff::read(tiff) {
            if facts.has_gps {
                w.found.add(Block::Gps);
            }
            // Only an EXIF block before the frame header places the orientation.
            if w.exif_at.is_none() && !after_frame {
                w.exif_at = Some(at);
                w.orientation = facts.orientation;
            }
        }
        Block::Exif
    } else if payload.starts_with(XMP) || payload.starts_with(XMP_EXTENDED) {
        if contains(payload, b"GPSLatitude") || contains(payload, b"GPSLongitude") {
            w.found.add(Block::Gps);
        }
        Block::Xmp
    } else {
        Block::Other
    }
}

/// The APP1 segment holding only `orientation`.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let tiff = tiff::orientation_only(orientation);
    let mut s = Vec::with_capacity(4 + EXIF.len() + tiff.len());
    s.extend_from_slice(&[0xFF, APP1]);
    s.extend_from_slice(&((2 + EXIF.len() + tiff.len()) as u16).to_be_bytes());
    s.extend_from_slice(EXIF);
    s.extend_from_slice(&tiff);
    s
}

pub(crate) fn strip(b: &[u8]) -> Stripped {
    walk(b).plan(b.len(), orientation_segment)
}
