//! The few facts read from an EXIF block (a TIFF structure): orientation, whether a
//! location is there, the pixel size of a TIFF file; and the minimal EXIF written back so
//! that a stripped photo still shows upright. Only IFD0 and the GPS IFD are read: no
//! pointer is followed twice, so no input can loop.

use super::bytes::{u16_be, u16_le, u32_be, u32_le};
use crate::prelude::*;

const TAG_WIDTH: u16 = 0x0100;
const TAG_HEIGHT: u16 = 0x0101;
const TAG_ORIENTATION: u16 = 0x0112;
const TAG_GPS_IFD: u16 = 0x8825;
const TYPE_SHORT: u16 = 3;
const TYPE_LONG: u16 = 4;
const TYPE_IFD: u16 = 13;

/// What an EXIF block says.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    /// The Orientation tag (1–8) when present and valid.
    pub orientation: Option<u16>,
    /// A latitude or longitude is recorded.
    pub has_gps: bool,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

struct Tiff<'a> {
    b: &'a [u8],
    little: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        if self.little {
            u16_le(self.b, at)
        } else {
            u16_be(self.b, at)
        }
    }

    fn u32(&self, at: usize) -> Option<u32> {
        if self.little {
            u32_le(self.b, at)
        } else {
            u32_be(self.b, at)
        }
    }

    /// The entries of the IFD at `offset`: (tag, type, offset of the entry), those that fit.
    fn entries(&self, offset: usize) -> impl Iterator<Item = (u16, u16, usize)> + '_ {
        let count = self.u16(offset).unwrap_or(0) as usize;
        (0..count).map_while(move |i| {
            let at = offset.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
            self.b.get(at..at.checked_add(12)?)?;
            Some((self.u16(at)?, self.u16(at + 2)?, at))
        })
    }

    /// A SHORT or LONG value held in the entry at `at`.
    fn number(&self, kind: u16, at: usize) -> Option<u32> {
        match kind {
            TYPE_SHORT => self.u16(at.checked_add(8)?).map(u32::from),
            TYPE_LONG | TYPE_IFD => self.u32(at.checked_add(8)?),
            _ => None,
        }
    }
}

/// The facts of the TIFF structure `b` ("II*\0" or "MM\0*" first); `None` when it is not one.
pub(crate) fn read(b: &[u8]) -> Option<Facts> {
    let little = match b.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let t = Tiff { b, little };
    let ifd0 = t.u32(4)? as usize;
    let mut facts = Facts::default();
    let mut gps = None;
    for (tag, kind, at) in t.entries(ifd0) {
        match tag {
            TAG_ORIENTATION if kind == TYPE_SHORT => {
                facts.orientation = t
                    .number(kind, at)
                    .and_then(|o| u16::try_from(o).ok())
                    .filter(|o| (1..=8).contains(o));
            }
            TAG_GPS_IFD => gps = t.number(kind, at),
            TAG_WIDTH => facts.width = t.number(kind, at),
            TAG_HEIGHT => facts.height = t.number(kind, at),
            _ => {}
        }
    }
    if let Some(gps) = gps {
        // Tags 1–4: latitude and longitude with their references. A GPS IFD with only a
        // version (phones write one with location off) holds no location.
        facts.has_gps = t
            .entries(gps as usize)
            .any(|(tag, _, _)| (1..=4).contains(&tag));
    }
    Some(facts)
}

/// A TIFF structure with one tag, Orientation = `orientation`: 26 bytes.
pub(crate) fn orientation_only(orientation: u16) -> Vec<u8> {
    let mut t = Vec::with_capacity(26);
    t.extend_from_slice(b"MM\0*\0\0\0\x08"); // big-endian, IFD0 at 8
    t.extend_from_slice(&1u16.to_be_bytes()); // one entry
    t.extend_from_slice(&TAG_ORIENTATION.to_be_bytes());
    t.extend_from_slice(&TYPE_SHORT.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes()); // count
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]); // the value field's unused half
    t.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_writes() {
        for o in 1..=8 {
            let f = read(&orientation_only(o)).unwrap();
            assert_eq!(f.orientation, Some(o));
            assert!(!f.has_gps);
        }
    }

    #[test]
    fn out_of_range_orientation_is_none() {
        assert_eq!(read(&orientation_only(9)).unwrap().orientation, None);
        assert_eq!(read(&orientation_only(0)).unwrap().orientation, None);
    }

    #[test]
    fn not_tiff_or_cut_short() {
        assert_eq!(read(b""), None);
        assert_eq!(read(b"Exif\0\0MM"), None);
        let t = orientation_only(6);
        for n in 0..t.len() {
            // Never panics; once the header is there, the missing parts are simply absent.
            let _ = read(&t[..n]);
        }
        assert_eq!(read(&t[..8]).unwrap().orientation, None);
    }
}
