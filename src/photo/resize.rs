//! The rules of `preparePhoto` that need no browser: its options, the size of the copy, the
//! steps it takes down to meet a byte limit, the copy's name, and its errors.

use crate::prelude::*;

/// `preparePhoto`'s options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrepareOptions {
    /// The longest side of the copy, in pixels (`maxLongEdge`, default 2048).
    pub max_long_edge: u32,
    /// The most bytes the copy may have (`maxBytes`); none by default.
    pub max_bytes: Option<u64>,
    /// The JPEG quality to start from, 0–1 (`quality`, default 0.85).
    pub quality: f64,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions {
            max_long_edge: 2048,
            max_bytes: None,
            quality: 0.85,
        }
    }
}

/// The lowest quality tried before the copy is made smaller instead: below it, artefacts
/// hide what a clinician looks for (a rash's edge, a label's small print).
pub const QUALITY_FLOOR: f64 = 0.6;
/// Each quality step lowers it by this much.
pub const QUALITY_STEP: f64 = 0.1;
/// Each size step scales both sides by this much.
pub const SIZE_STEP: f64 = 0.8;
/// The copy's long edge never goes below this: smaller, a photo stops being useful.
pub const MIN_LONG_EDGE: u32 = 320;

/// The rule ids of `preparePhoto`'s errors (kind `validation`, field `attachments`).
pub const RULE_CANNOT_CONVERT: &str = "attachments.cannot_convert";
pub const RULE_TOO_LARGE: &str = "attachments.too_large";
pub const RULE_INVALID_OPTIONS: &str = "attachments.invalid";

/// Why no copy could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrepareError {
    /// The engine cannot decode the file (HEIC outside Safari), or cannot encode JPEG.
    CannotConvert,
    /// Even the smallest copy tried is over `maxBytes`.
    TooLarge,
    /// `maxLongEdge`, `maxBytes` or `quality` out of range.
    InvalidOptions,
}

impl PrepareError {
    pub fn kind(self) -> &'static str {
        "validation"
    }

    pub fn rule(self) -> &'static str {
        match self {
            PrepareError::CannotConvert => RULE_CANNOT_CONVERT,
            PrepareError::TooLarge => RULE_TOO_LARGE,
            PrepareError::InvalidOptions => RULE_INVALID_OPTIONS,
        }
    }

    pub fn field(self) -> &'static str {
        "attachments"
    }

    /// A sentence a patient can act on (English; the page may show its own by `rule`).
    pub fn message(self) -> &'static str {
        match self {
            PrepareError::CannotConvert => {
                "This browser cannot convert this photo. Save it as a JPEG first (on an \
                 iPhone: Settings > Camera > Formats > Most Compatible, or share it by mail), \
                 then attach the JPEG."
            }
            PrepareError::TooLarge => {
                "Even a small copy of this photo is too large to send. Crop it, or send a \
                 screenshot of the part that matters."
            }
            PrepareError::InvalidOptions => {
                "preparePhoto was called with maxLongEdge, maxBytes or quality out of range."
            }
        }
    }
}

impl PrepareOptions {
    /// The options, checked: a long edge of at least 1 px, a quality in (0, 1], a byte
    /// limit above zero.
    pub fn checked(self) -> Result<PrepareOptions, PrepareError> {
        let ok = self.max_long_edge >= 1
            && self.quality > 0.0
            && self.quality <= 1.0
            && self.max_bytes != Some(0);
        if ok {
            Ok(self)
        } else {
            Err(PrepareError::InvalidOptions)
        }
    }
}

/// The size of the copy of a `width`×`height` image: scaled down (never up) so that its
/// long edge is at most `max_long_edge`, each side at least 1 px.
pub fn target_size(width: u32, height: u32, max_long_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_long_edge || long == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(max_long_edge) / f64::from(long);
    let side = |n: u32| round(f64::from(n) * scale).clamp(1, max_long_edge);
    (side(width), side(height))
}

/// `x` (≥ 0) to the nearest whole number; `f64::round` is not in `core`, and `as`
/// saturates.
fn round(x: f64) -> u32 {
    (x + 0.5) as u32
}

/// One attempt at the copy: its long edge and its JPEG quality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attempt {
    pub long_edge: u32,
    pub quality: f64,
}

/// The attempts, in order, for an image whose long edge is `long_edge`: the first at the
/// caller's size and quality; then lower qualities down to [`QUALITY_FLOOR`]; then smaller
/// sizes at that quality, down to [`MIN_LONG_EDGE`] (or the first size, if smaller).
pub fn attempts(long_edge: u32, options: &PrepareOptions) -> Vec<Attempt> {
    let first = long_edge.min(options.max_long_edge).max(1);
    let mut out = vec![Attempt {
        long_edge: first,
        quality: options.quality,
    }];
    if options.max_bytes.is_none() {
        return out;
    }
    let mut q = options.quality;
    while q - QUALITY_STEP >= QUALITY_FLOOR - 1e-9 {
        q -= QUALITY_STEP;
        out.push(Attempt {
            long_edge: first,
            quality: q,
        });
    }
    let mut edge = first;
    loop {
        let next = round(f64::from(edge) * SIZE_STEP);
        if next < MIN_LONG_EDGE || next >= edge {
            break;
        }
        edge = next;
        out.push(Attempt {
            long_edge: edge,
            quality: q,
        });
    }
    out
}

/// The copy's name: the original's with `.jpg` for its extension ("IMG_0042.HEIC" →
/// "IMG_0042.jpg"), or "photo.jpg" for a file without a name.
pub fn jpeg_name(original: &str) -> String {
    let stem = match original.rfind('.') {
        Some(dot) if dot > 0 => original.get(..dot).unwrap_or(original),
        _ => original,
    };
    let stem = stem.trim();
    if stem.is_empty() {
        "photo.jpg".to_string()
    } else {
        let mut name = stem.to_string();
        name.push_str(".jpg");
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(jpeg_name("IMG_0042.HEIC"), "IMG_0042.jpg");
        assert_eq!(jpeg_name("rash.photo.png"), "rash.photo.jpg");
        assert_eq!(jpeg_name("scan"), "scan.jpg");
        assert_eq!(jpeg_name(".heic"), ".heic.jpg");
        assert_eq!(jpeg_name(""), "photo.jpg");
        assert_eq!(jpeg_name("ñandú.jpeg"), "ñandú.jpg");
    }

    #[test]
    fn sizes() {
        assert_eq!(target_size(4032, 3024, 2048), (2048, 1536));
        assert_eq!(target_size(3024, 4032, 2048), (1536, 2048));
        assert_eq!(target_size(800, 600, 2048), (800, 600), "never scaled up");
        assert_eq!(target_size(10000, 1, 100), (100, 1));
        assert_eq!(target_size(0, 0, 100), (1, 1));
    }

    #[test]
    fn quality_then_size() {
        let o = PrepareOptions {
            max_bytes: Some(1),
            ..PrepareOptions::default()
        };
        let a = attempts(4032, &o);
        assert_eq!(
            a[0],
            Attempt {
                long_edge: 2048,
                quality: 0.85
            }
        );
        let qualities: Vec<_> = a
            .iter()
            .take_while(|s| s.long_edge == 2048)
            .map(|s| s.quality)
            .collect();
        assert_eq!(qualities.len(), 3, "{qualities:?}");
        assert!(qualities.windows(2).all(|w| w[1] < w[0]));
        let rest = &a[qualities.len()..];
        assert!(rest.windows(2).all(|w| w[1].long_edge < w[0].long_edge));
        assert!(rest
            .iter()
            .all(|s| s.long_edge >= MIN_LONG_EDGE && s.quality >= QUALITY_FLOOR - 1e-9));
        assert_eq!(attempts(4032, &PrepareOptions::default()).len(), 1);
        assert_eq!(attempts(200, &o)[0].long_edge, 200);
    }

    #[test]
    fn options() {
        assert!(PrepareOptions::default().checked().is_ok());
        for bad in [
            PrepareOptions {
                quality: 0.0,
                ..Default::default()
            },
            PrepareOptions {
                quality: 1.5,
                ..Default::default()
            },
            PrepareOptions {
                quality: f64::NAN,
                ..Default::default()
            },
            PrepareOptions {
                max_long_edge: 0,
                ..Default::default()
            },
            PrepareOptions {
                max_bytes: Some(0),
                ..Default::default()
            },
        ] {
            assert_eq!(bad.checked(), Err(PrepareError::InvalidOptions));
        }
        assert_eq!(
            PrepareError::CannotConvert.rule(),
            "attachments.cannot_convert"
        );
    }
}
