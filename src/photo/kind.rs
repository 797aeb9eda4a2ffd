//! The type of a file, sniffed from its first bytes: the name and the browser's `type` are
//! whatever the patient's device said, and a phone's `.jpg` may well be HEIC.

use super::bytes::{array, u32_be};

/// A file type the module recognises by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    WebP,
    Tiff,
    Bmp,
    /// HEIF holding HEVC images: what iPhones and many Android phones take.
    Heic,
    /// HEIF of another or unstated codec.
    Heif,
    Avif,
    JpegXl,
    Pdf,
    Mp4,
    QuickTime,
    /// Nothing above: no claim is made about it.
    Unknown,
}

impl Kind {
    /// The MIME type to label the file with.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Gif => "image/gif",
            Kind::WebP => "image/webp",
            Kind::Tiff => "image/tiff",
            Kind::Bmp => "image/bmp",
            Kind::Heic => "image/heic",
            Kind::Heif => "image/heif",
            Kind::Avif => "image/avif",
            Kind::JpegXl => "image/jxl",
            Kind::Pdf => "application/pdf",
            Kind::Mp4 => "video/mp4",
            Kind::QuickTime => "video/quicktime",
            Kind::Unknown => "application/octet-stream",
        }
    }

    /// A still image (what a patient would call a photo or a scan).
    pub fn is_photo(self) -> bool {
        matches!(
            self,
            Kind::Jpeg
                | Kind::Png
                | Kind::Gif
                | Kind::WebP
                | Kind::Tiff
                | Kind::Bmp
                | Kind::Heic
                | Kind::Heif
                | Kind::Avif
                | Kind::JpegXl
        )
    }

    /// False for the types clinics' inboxes and EHR viewers rarely open (docs/photos.md
    /// lists them); true for the rest, including files of unknown type, of which nothing is
    /// claimed.
    pub fn viewable_by_clinics(self) -> bool {
        !matches!(
            self,
            Kind::Heic
                | Kind::Heif
                | Kind::Avif
                | Kind::WebP
                | Kind::JpegXl
                | Kind::Mp4
                | Kind::QuickTime
        )
    }
}

/// The type of `bytes`, from their signature.
pub fn sniff(bytes: &[u8]) -> Kind {
    let head = |n: usize| bytes.get(..n).unwrap_or_default();
    if head(3) == [0xFF, 0xD8, 0xFF] {
        Kind::Jpeg
    } else if head(8) == b"\x89PNG\r\n\x1a\n" {
        Kind::Png
    } else if head(6) == b"GIF87a" || head(6) == b"GIF89a" {
        Kind::Gif
    } else if head(4) == b"RIFF" && bytes.get(8..12) == Some(b"WEBP") {
        Kind::WebP
    } else if matches!(head(4), b"II*\0" | b"MM\0*") {
        Kind::Tiff
    } else if head(2) == [0xFF, 0x0A] || head(12) == b"\0\0\0\x0cJXL \r\n\x87\n" {
        Kind::JpegXl
    } else if bytes.get(4..8) == Some(b"ftyp") {
        iso_media(bytes)
    } else if is_pdf(bytes) {
        Kind::Pdf
    } else if is_bmp(bytes) {
        Kind::Bmp
    } else {
        Kind::Unknown
    }
}

/// PDF readers accept the header anywhere in the first KiB.
fn is_pdf(bytes: &[u8]) -> bool {
    let head = bytes.get(..1024).unwrap_or(bytes);
    super::bytes::contains(head, b"%PDF-")
}

/// "BM" alone is too weak a signature: the DIB header size must be one of the known ones.
fn is_bmp(bytes: &[u8]) -> bool {
    bytes.get(..2) == Some(b"BM")
        && array::<4>(bytes, 14)
            .map(u32::from_le_bytes)
            .is_some_and(|n| matches!(n, 12 | 40 | 52 | 56 | 64 | 108 | 124))
}

const HEIC_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
];
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];
const HEIF_BRANDS: [&[u8; 4]; 3] = [b"mif1", b"msf1", b"heif"];
const MP4_BRANDS: [&[u8; 4]; 9] = [
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
];

/// An ISO base media file (`ftyp` box first): the major brand decides, then the
/// compatible ones (a HEIC often says `mif1` first and `heic` among the compatible).
fn iso_media(bytes: &[u8]) -> Kind {
    let size = u32_be(bytes, 0).unwrap_or(0) as usize;
    let ftyp = bytes
        .get(8..size.min(bytes.len()).max(8))
        .unwrap_or_default();
    let major = ftyp.get(..4);
    let compatible = || ftyp.get(8..).unwrap_or_default().chunks_exact(4);
    let any = |set: &[&[u8; 4]]| {
        major.is_some_and(|m| set.iter().any(|b| b.as_slice() == m))
            || compatible().any(|c| set.iter().any(|b| b.as_slice() == c))
    };
    let major_in = |set: &[&[u8; 4]]| major.is_some_and(|m| set.iter().any(|b| b.as_slice() == m));
    if major_in(&HEIC_BRANDS) {
        Kind::Heic
    } else if major_in(&AVIF_BRANDS) {
        Kind::Avif
    } else if major == Some(b"qt  ") {
        Kind::QuickTime
    } else if major_in(&MP4_BRANDS) && !any(&HEIF_BRANDS) {
        Kind::Mp4
    } else if any(&HEIC_BRANDS) {
        Kind::Heic
    } else if any(&AVIF_BRANDS) {
        Kind::Avif
    } else if any(&HEIF_BRANDS) {
        Kind::Heif
    } else if any(&MP4_BRANDS) {
        Kind::Mp4
    } else {
        Kind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&((16 + 4 * compatible.len()) as u32).to_be_bytes());
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b
    }

    #[test]
    fn signatures() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Kind::Jpeg);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Kind::Png);
        assert_eq!(sniff(b"GIF89a.."), Kind::Gif);
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Kind::WebP);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Kind::Unknown);
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Kind::Tiff);
        assert_eq!(sniff(b"%PDF-1.7\n"), Kind::Pdf);
        assert_eq!(sniff(b"\xef\xbb\xbf\n%PDF-1.4"), Kind::Pdf);
        assert_eq!(sniff(b"BM\0\0\0\0\0\0\0\0\0\0\0\0\x28\0\0\0"), Kind::Bmp);
        assert_eq!(sniff(b"BMW is a car"), Kind::Unknown);
        assert_eq!(sniff(b""), Kind::Unknown);
        assert_eq!(sniff(b"\xff\xd8"), Kind::Unknown);
    }

    #[test]
    fn iso_brands() {
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), Kind::Heic);
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1", b"heic"])), Kind::Heic);
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1"])), Kind::Heif);
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), Kind::Avif);
        assert_eq!(sniff(&ftyp(b"isom", &[b"isom", b"mp42"])), Kind::Mp4);
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), Kind::QuickTime);
        assert_eq!(sniff(&ftyp(b"zzzz", &[])), Kind::Unknown);
        // A size that runs past the end or below the header is no reason to panic.
        let mut b = ftyp(b"mif1", &[b"heic"]);
        b[3] = 0xff;
        assert_eq!(sniff(&b), Kind::Heic);
        b[3] = 2;
        assert_eq!(sniff(&b), Kind::Unknown);
    }

    #[test]
    fn clinics_rarely_open_heic_and_friends() {
        assert!(!Kind::Heic.viewable_by_clinics());
        assert!(!Kind::Heif.viewable_by_clinics());
        assert!(Kind::Jpeg.viewable_by_clinics());
        assert!(Kind::Pdf.viewable_by_clinics());
        assert!(!Kind::Pdf.is_photo());
        assert!(Kind::Heic.is_photo());
    }
}
