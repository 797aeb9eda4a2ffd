//! What metadata removal produces: not a new file but a plan over the original's bytes, the
//! byte ranges to keep, in order, with the few small blocks written in their place. The
//! send encodes the kept ranges straight from the bytes it read (`Stripped::slices` with a
//! [`Base64Stream`](super::Base64Stream)), so the photo is never copied whole a second time.

use super::kind::{sniff, Kind};
use super::{jpeg, png};
use crate::prelude::*;

/// A kind of metadata block, by the name results report it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// A latitude or longitude (in EXIF or XMP).
    Gps,
    /// An EXIF block (camera, device, times, settings, thumbnail).
    Exif,
    /// An XMP packet (editing history, often a copy of the EXIF).
    Xmp,
    /// JPEG APP13: Photoshop/IPTC (captions, names, places).
    Iptc,
    /// A JPEG comment (COM).
    Comment,
    /// PNG text chunks (tEXt, zTXt, iTXt).
    Text,
    /// PNG tIME: when the image was last changed.
    Time,
    /// JPEG APP2 "MPF": the index of further images stored after the photo.
    Mpf,
    /// Bytes after the image's end (depth maps, motion-photo videos, previews).
    Trailer,
    /// Another JPEG APP1 block (not EXIF, not XMP).
    Other,
}

impl Block {
    /// In the order results list them.
    pub const ALL: [Block; 10] = [
        Block::Gps,
        Block::Exif,
        Block::Xmp,
        Block::Iptc,
        Block::Comment,
        Block::Text,
        Block::Time,
        Block::Mpf,
        Block::Trailer,
        Block::Other,
    ];

    /// The name results use: `metadataRemoved`, `metadata`.
    pub fn name(self) -> &'static str {
        match self {
            Block::Gps => "gps",
            Block::Exif => "exif",
            Block::Xmp => "xmp",
            Block::Iptc => "iptc",
            Block::Comment => "comment",
            Block::Text => "text",
            Block::Time => "time",
            Block::Mpf => "mpf",
            Block::Trailer => "trailer",
            Block::Other => "other",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of [`Block`]s.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Found(u16);

impl Found {
    pub fn add(&mut self, block: Block) {
        self.0 |= block.bit();
    }

    pub fn has(self, block: Block) -> bool {
        self.0 & block.bit() != 0
    }

    /// The names, in [`Block::ALL`]'s order.
    pub fn names(self) -> Vec<&'static str> {
        Block::ALL
            .iter()
            .filter(|b| self.has(**b))
            .map(|b| b.name())
            .collect()
    }
}

/// One step of the stripped file: a range of the original's bytes, or new bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// `bytes[start..end]` of the original, as it is.
    Keep { start: usize, end: usize },
    /// Bytes written in place of what was removed (a minimal EXIF holding the orientation).
    Insert(Vec<u8>),
}

/// The result of [`strip_metadata`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The stripped file is these pieces in order. When nothing was removed (or the file
    /// could not be read), one piece keeps the whole original.
    pub pieces: Vec<Piece>,
    /// What was removed, by name (`Block::name`): empty when nothing was, `None` when the
    /// file is a JPEG or PNG too malformed to read, which is then kept as it is.
    pub removed: Option<Vec<&'static str>>,
}

impl Stripped {
    /// The whole of a `len`-byte file, unchanged.
    pub(crate) fn unchanged(len: usize, removed: Option<Vec<&'static str>>) -> Stripped {
        Stripped {
            pieces: vec![Piece::Keep { start: 0, end: len }],
            removed,
        }
    }

    /// The original's bytes are kept as they are (nothing removed, or unreadable).
    pub fn is_unchanged(&self) -> bool {
        matches!(self.pieces.as_slice(), [Piece::Keep { start: 0, .. }])
    }

    /// The stripped file's length in bytes.
    pub fn len(&self) -> usize {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Keep { start, end } => end.saturating_sub(*start),
                Piece::Insert(b) => b.len(),
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stripped file's bytes as slices, in order, borrowed from `original` (the bytes
    /// this plan was made from) and from the plan itself.
    pub fn slices<'a>(&'a self, original: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.pieces.iter().map(move |p| match p {
            Piece::Keep { start, end } => original.get(*start..*end).unwrap_or_default(),
            Piece::Insert(b) => b.as_slice(),
        })
    }

    /// The stripped file in one buffer (tests, and callers that need the bytes whole).
    pub fn to_vec(&self, original: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        for s in self.slices(original) {
            out.extend_from_slice(s);
        }
        out
    }
}

/// What a container walk (JPEG, PNG) learnt, as far as it got.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    /// The metadata blocks (and trailer) to remove, in file order.
    pub drops: Vec<core::ops::Range<usize>>,
    pub found: Found,
    /// The orientation of the first EXIF block before the image data, and where that
    /// block began.
    pub orientation: Option<u16>,
    pub exif_at: Option<usize>,
    /// Stored pixel size.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The walk reached the container's end through well-formed parts.
    pub complete: bool,
}

impl Walk {
    /// The plan for a `len`-byte file so walked: unchanged with `removed: None` when the
    /// walk did not complete; else without the drops, and `orientation_block(o)` where the
    /// EXIF block was when it turned the photo (o ≠ 1).
    pub(crate) fn plan(self, len: usize, orientation_block: fn(u16) -> Vec<u8>) -> Stripped {
        if !self.complete {
            return Stripped::unchanged(len, None);
        }
        let removed = Some(self.found.names());
        if self.drops.is_empty() {
            return Stripped::unchanged(len, removed);
        }
        let insert = match (self.exif_at, self.orientation) {
            (Some(at), Some(o)) if o != 1 => Some((at, orientation_block(o))),
            _ => None,
        };
        Stripped {
            pieces: keep_all_but(len, &self.drops, insert),
            removed,
        }
    }
}

/// Builds the pieces that keep everything of a `len`-byte file but `drops` (sorted,
/// disjoint ranges), with `insert` written where the first of them began.
pub(crate) fn keep_all_but(
    len: usize,
    drops: &[core::ops::Range<usize>],
    insert: Option<(usize, Vec<u8>)>,
) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(drops.len() * 2 + 2);
    let mut insert = insert;
    let mut at = 0;
    for d in drops {
        if d.start > at {
            pieces.push(Piece::Keep {
                start: at,
                end: d.start,
            });
        }
        if let Some((_, bytes)) = insert.take_if(|(pos, _)| *pos <= d.start) {
            pieces.push(Piece::Insert(bytes));
        }
        at = at.max(d.end);
    }
    if len > at {
        pieces.push(Piece::Keep {
            start: at,
            end: len,
        });
    }
    pieces
}

/// Removes the metadata of a JPEG or PNG (see docs/photos.md for what goes and what
/// stays), never touching the image data. Other types are kept as they are, with nothing
/// removed. Never panics.
pub fn strip_metadata(bytes: &[u8]) -> Stripped {
    match sniff(bytes) {
        Kind::Jpeg => jpeg::strip(bytes),
        Kind::Png => png::strip(bytes),
        _ => Stripped::unchanged(bytes.len(), Some(Vec::new())),
    }
}
