//! Metadata removal and inspection on photos as phones and tools make them: the fixtures of
//! scripts/make-photo-fixtures.sh, and a 4032×3024 photo encoded here with their metadata.
//! What was removed is read back with parsers that are not ours: kamadak-exif, and exiftool.
#![cfg(not(target_arch = "wasm32"))]
// Test code: a failed expectation should stop the test (the panic lints guard src/).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;
use std::path::PathBuf;
use std::process::Command;

use exif::{In, Tag};
use updox_direct::photo::{inspect, strip_metadata, Piece, Stripped};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The EXIF as kamadak-exif reads it from a JPEG, PNG or HEIF; `None` when there is none.
fn exif_of(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

fn orientation(e: &exif::Exif) -> Option<u32> {
    e.get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
}

fn has_gps(e: &exif::Exif) -> bool {
    e.fields().any(|f| {
        matches!(
            f.tag,
            Tag::GPSLatitude | Tag::GPSLongitude | Tag::GPSLatitudeRef | Tag::GPSLongitudeRef
        )
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// exiftool's tags of `bytes`, one "[Group] Tag: value" per line. exiftool is installed by
/// scripts/setup.sh; without it this fails rather than pass unchecked.
fn exiftool(bytes: &[u8], ext: &str) -> String {
    let dir = std::env::temp_dir().join(format!("updox-photo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.{ext}", ext.len() + bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("exiftool")
        .args(["-a", "-G1", "-s", "-s", "-n", "-x", "System:all"])
        .arg(&path)
        .output()
        .expect("exiftool (scripts/setup.sh installs libimage-exiftool-perl)");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The bytes from the first SOS marker on (the image data and EOI), found by walking the
/// segment lengths from SOI: the part that must come through byte for byte.
fn scan_data(jpeg: &[u8]) -> &[u8] {
    let mut pos = 2;
    loop {
        assert_eq!(jpeg[pos], 0xFF, "segment at {pos}");
        let marker = jpeg[pos + 1];
        if marker == 0xDA {
            return &jpeg[pos..];
        }
        let len = u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]) as usize;
        pos += 2 + len;
    }
}

/// The chunk types of a PNG, in order.
fn png_chunks(png: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut pos = 8;
    let mut out = Vec::new();
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned();
        out.push((kind, png[pos + 8..pos + 8 + len].to_vec()));
        pos += 12 + len;
    }
    out
}

const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// A 4032×3024 photo (12 MP, about 6 MB: fine noise over gradients, as a phone's sensor
/// gives) with the fixtures' EXIF (GPS, Orientation 6), XMP (with a location) and ICC.
fn phone_photo() -> Vec<u8> {
    let (w, h) = (4032usize, 3024usize);
    let mut pixels = Vec::with_capacity(w * h * 3);
    let mut seed = 0x2545_F491_u32;
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed & 0x3F) as usize;
            pixels.push(((x * 255 / w + noise) % 256) as u8);
            pixels.push(((y * 255 / h + noise / 2) % 256) as u8);
            pixels.push((((x + y) * 255 / (w + h)) as u8).wrapping_add((seed >> 8) as u8 & 0x1F));
        }
    }
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 88);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(fixture("exif.tiff"));
    enc.add_app_segment(1, &exif).unwrap();
    let mut xmp = XMP_SIGNATURE.to_vec();
    xmp.extend(fixture("xmp.xml"));
    enc.add_app_segment(1, &xmp).unwrap();
    enc.add_icc_profile(&fixture("srgb.icc")).unwrap();
    enc.encode(&pixels, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// The pieces lie within the original, in order, without overlap; the stripped length is
/// what they add up to.
fn assert_well_formed(plan: &Stripped, original: &[u8]) {
    let mut at = 0;
    for p in &plan.pieces {
        if let Piece::Keep { start, end } = p {
            assert!(
                *start >= at && start < end && *end <= original.len(),
                "{p:?}"
            );
            at = *end;
        }
    }
    assert_eq!(plan.to_vec(original).len(), plan.len());
}

#[test]
fn a_phone_photo_loses_its_location_and_keeps_its_pixels_colours_and_orientation() {
    let original = phone_photo();
    assert!(original.len() > 4_000_000, "{} bytes", original.len());
    let before = exif_of(&original).expect("the photo has EXIF");
    assert!(has_gps(&before) && orientation(&before) == Some(6));

    let plan = strip_metadata(&original);
    assert_eq!(
        plan.removed.as_deref(),
        Some(&["gps", "exif", "xmp"][..]),
        "what the result reports"
    );
    assert_well_formed(&plan, &original);
    let out = plan.to_vec(&original);

    let after = exif_of(&out).expect("the orientation stays, in a minimal EXIF");
    assert!(!has_gps(&after));
    assert_eq!(orientation(&after), Some(6));
    let tags: Vec<_> = after.fields().map(|f| f.tag).collect();
    assert_eq!(tags, [Tag::Orientation], "nothing but the orientation");
    assert_eq!(find(&out, XMP_SIGNATURE), None, "no XMP");
    assert_eq!(find(&out, b"GPS"), None);
    let icc = fixture("srgb.icc");
    assert!(find(&out, &icc).is_some(), "the ICC profile is kept");
    assert_eq!(
        scan_data(&out),
        scan_data(&original),
        "image data byte for byte"
    );
    // Removing the metadata only ever shrinks the file.
    assert!(out.len() < original.len());

    let facts = inspect(&original);
    assert_eq!(
        (facts.width, facts.height),
        (Some(3024), Some(4032)),
        "shown upright"
    );
    assert!(facts.has_location && facts.is_photo && facts.viewable_by_clinics);
    assert_eq!(facts.metadata, ["gps", "exif", "xmp"]);
    let facts = inspect(&out);
    assert!(!facts.has_location);
    assert_eq!(
        facts.metadata,
        ["exif"],
        "the minimal EXIF is still an EXIF block"
    );
    // Stripping twice changes nothing more (the minimal EXIF is written again, as it was).
    assert_eq!(strip_metadata(&out).to_vec(&out), out);
}

#[test]
fn a_jpeg_loses_exif_xmp_iptc_and_comments_as_exiftool_sees_it() {
    let original = fixture("quadrants.jpg");
    let before = exiftool(&original, "jpg");
    for tag in [
        "[GPS] GPSLatitude",
        "[IPTC] Caption-Abstract",
        "[File] Comment",
        "[XMP-dc] Description",
        "[IFD0] Make",
    ] {
        assert!(before.contains(tag), "fixture lacks {tag}:\n{before}");
    }
    let plan = strip_metadata(&original);
    assert_eq!(
        plan.removed.as_deref(),
        Some(&["gps", "exif", "xmp", "iptc", "comment"][..])
    );
    let out = plan.to_vec(&original);
    let after = exiftool(&out, "jpg");
    for gone in [
        "[GPS]",
        "[IPTC]",
        "[XMP",
        "[File] Comment",
        "[IFD0] Make",
        "[IFD0] Model",
        "DateTimeOriginal",
    ] {
        assert!(!after.contains(gone), "{gone} left:\n{after}");
    }
    assert!(after.contains("[IFD0] Orientation: 6"), "{after}");
    assert!(after.contains("[ICC-header] ProfileClass"), "{after}");
    assert!(after.contains("[JFIF] JFIFVersion"), "{after}");
    assert!(!after.contains("Warning"), "{after}");
    assert_eq!(scan_data(&out), scan_data(&original));
}

#[test]
fn a_png_loses_exif_text_and_time_and_keeps_colour_chunks() {
    let original = fixture("quadrants.png");
    let plan = strip_metadata(&original);
    assert_eq!(
        plan.removed.as_deref(),
        Some(&["gps", "exif", "xmp", "text", "time"][..])
    );
    assert_well_formed(&plan, &original);
    let out = plan.to_vec(&original);
    let kinds: Vec<String> = png_chunks(&out).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        ["IHDR", "gAMA", "iCCP", "PLTE", "eXIf", "IDAT", "IEND"]
    );
    let data = |png: &[u8], kind: &str| {
        png_chunks(png)
            .into_iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, d)| d)
            .collect::<Vec<_>>()
    };
    for kept in ["IHDR", "gAMA", "iCCP", "PLTE", "IDAT"] {
        assert_eq!(data(&out, kept), data(&original, kept), "{kept}");
    }
    let after = exif_of(&out).expect("eXIf with the orientation");
    assert!(!has_gps(&after));
    assert_eq!(orientation(&after), Some(6));
    assert_eq!(after.fields().count(), 1);
    let tool = exiftool(&out, "png");
    assert!(
        !tool.contains("GPS") && !tool.contains("Title") && !tool.contains("Comment"),
        "{tool}"
    );
    assert!(
        !tool.contains("Warning") && !tool.contains("Error"),
        "{tool}"
    );
    assert!(tool.contains("[IFD0] Orientation: 6"), "{tool}");

    let facts = inspect(&original);
    assert_eq!((facts.width, facts.height), (Some(64), Some(48)));
    assert!(facts.has_location);
}

#[test]
fn heic_is_described_and_left_alone() {
    let heic = fixture("quadrants.heic");
    let facts = inspect(&heic);
    assert_eq!(facts.mime, "image/heic");
    assert!(facts.is_photo && !facts.viewable_by_clinics);
    assert_eq!((facts.width, facts.height), (Some(64), Some(48)));
    // heif-enc carried the JPEG's EXIF over; kamadak-exif agrees there is a location.
    assert!(has_gps(&exif_of(&heic).expect("EXIF in the HEIC")));
    assert!(facts.has_location);
    assert!(facts.metadata.contains(&"exif"));
    let plan = strip_metadata(&heic);
    assert!(plan.is_unchanged());
    assert_eq!(plan.removed, Some(vec![]));
}

#[test]
fn malformed_photos_are_kept_as_they_are_and_say_so() {
    for name in [
        "truncated.jpg",
        "bad-length.jpg",
        "truncated.png",
        "bad-chunk.png",
    ] {
        let bytes = fixture(name);
        let plan = strip_metadata(&bytes);
        assert_eq!(plan.removed, None, "{name}");
        assert!(plan.is_unchanged(), "{name}");
        assert_eq!(plan.to_vec(&bytes), bytes, "{name}");
        // Still described as far as it can be read.
        assert!(inspect(&bytes).is_photo, "{name}");
    }
    // The cut JPEG's metadata came before the cut: its location is still reported.
    assert!(inspect(&fixture("truncated.jpg")).has_location);
}

#[test]
fn a_clean_photo_is_kept_byte_for_byte_with_nothing_removed() {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80)
        .encode(&[200u8; 16 * 16 * 3], 16, 16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let plan = strip_metadata(&out);
    assert_eq!(plan.removed, Some(vec![]));
    assert!(plan.is_unchanged());
    assert_eq!(plan.to_vec(&out), out);
    let pdf = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj".to_vec();
    assert_eq!(strip_metadata(&pdf).removed, Some(vec![]));
    assert_eq!(inspect(&pdf).mime, "application/pdf");
}

#[test]
fn what_follows_the_image_and_metadata_between_scans_go_too() {
    let mut clean = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut clean, 80);
    enc.set_progressive(true);
    let pixels: Vec<u8> = (0..64 * 64 * 3).map(|i| (i * 7 % 251) as u8).collect();
    enc.encode(&pixels, 64, 64, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    // A comment before the second scan, and a motion-photo video after EOI.
    let scan = scan_data(&clean);
    let second = clean.len() - scan.len() + 4 + find(&scan[4..], &[0xFF, 0xDA]).unwrap();
    let mut dirty = clean[..second].to_vec();
    dirty.extend_from_slice(b"\xff\xfe\x00\x07home!");
    dirty.extend_from_slice(&clean[second..]);
    dirty.extend_from_slice(b"\0\0\0\x18ftypmp42 video of the patient's kitchen");
    let plan = strip_metadata(&dirty);
    assert_eq!(plan.removed.as_deref(), Some(&["comment", "trailer"][..]));
    assert_eq!(plan.to_vec(&dirty), clean);
}

#[test]
fn orientation_one_or_none_writes_no_exif() {
    let mut exif =
        b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x01\0\0\0\0\0\0".to_vec();
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 80);
    enc.add_app_segment(1, &exif).unwrap();
    enc.encode(&[9u8; 8 * 8 * 3], 8, 8, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let plan = strip_metadata(&out);
    assert_eq!(plan.removed.as_deref(), Some(&["exif"][..]));
    assert!(plan.pieces.iter().all(|p| matches!(p, Piece::Keep { .. })));
    assert!(exif_of(&plan.to_vec(&out)).is_none());
    exif.truncate(6);
    let _ = exif;
}

/// The removal time for a 6 MB photo. A benchmark, not a test: run it with
/// `cargo test --release --test photo -- --ignored --nocapture`.
#[test]
#[ignore]
fn benchmark_metadata_removal() {
    let photo = phone_photo();
    let runs = 50;
    let mut best = std::time::Duration::MAX;
    let mut total = std::time::Duration::ZERO;
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let plan = strip_metadata(std::hint::black_box(&photo));
        let spent = t.elapsed();
        std::hint::black_box(plan);
        best = best.min(spent);
        total += spent;
    }
    println!(
        "strip_metadata, {:.1} MB JPEG 4032×3024: best {:.2} ms, mean {:.2} ms over {runs}",
        photo.len() as f64 / 1e6,
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / runs as f64
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn clean_jpeg() -> Vec<u8> {
        let mut out = Vec::new();
        let pixels: Vec<u8> = (0..24 * 16 * 3).map(|i| (i * 13 % 256) as u8).collect();
        jpeg_encoder::Encoder::new(&mut out, 75)
            .encode(&pixels, 24, 16, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    /// A metadata segment: APP1 (EXIF that is no TIFF, XMP or other), APP13 or COM.
    fn metadata_segment() -> impl Strategy<Value = Vec<u8>> {
        let prefix = prop_oneof![
            Just((0xE1u8, b"Exif\0\0XX".to_vec())),
            Just((0xE1u8, XMP_SIGNATURE.to_vec())),
            Just((0xE1u8, b"FLIR\0".to_vec())),
            Just((0xEDu8, b"Photoshop 3.0\0".to_vec())),
            Just((0xFEu8, Vec::new())),
            Just((0xE2u8, b"MPF\0".to_vec())),
        ];
        (prefix, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(
            |((marker, mut body), rest)| {
                body.extend(rest);
                let mut s = vec![0xFF, marker];
                s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
                s.extend(body);
                s
            },
        )
    }

    proptest! {
        #[test]
        fn any_bytes_give_a_plan_within_them(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let plan = strip_metadata(&bytes);
            if !bytes.is_empty() {
                assert_well_formed(&plan, &bytes);
            }
            if plan.removed.is_none() {
                prop_assert!(plan.is_unchanged());
            }
            let facts = inspect(&bytes);
            prop_assert!(!facts.has_location || facts.metadata.contains(&"gps"));
        }

        #[test]
        fn a_jpeg_with_bytes_broken_never_panics(at in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
            let mut bytes = fixture("quadrants.jpg");
            let n = bytes.len();
            bytes[at % n] = byte;
            bytes.truncate(n - cut % n);
            let plan = strip_metadata(&bytes);
            if plan.removed.is_some() && !plan.is_unchanged() {
                let out = plan.to_vec(&bytes);
                prop_assert_eq!(strip_metadata(&out).to_vec(&out), out);
            }
            let _ = inspect(&bytes);
        }

        #[test]
        fn metadata_segments_anywhere_before_the_frame_go_and_nothing_else(
            segments in proptest::collection::vec((metadata_segment(), 0usize..8), 1..6)
        ) {
            let clean = clean_jpeg();
            // Segment boundaries before SOS in the clean JPEG: after SOI and after each
            // segment up to the first SOS.
            let mut bounds = vec![2];
            let mut pos = 2;
            while clean[pos + 1] != 0xDA {
                pos += 2 + u16::from_be_bytes([clean[pos + 2], clean[pos + 3]]) as usize;
                bounds.push(pos);
            }
            let mut dirty = Vec::new();
            let mut at = 0;
            let mut inserts: Vec<(usize, Vec<u8>)> =
                segments.into_iter().map(|(s, i)| (bounds[i % bounds.len()], s)).collect();
            inserts.sort_by_key(|(b, _)| *b);
            for (bound, segment) in inserts {
                dirty.extend_from_slice(&clean[at..bound]);
                dirty.extend(segment);
                at = bound;
            }
            dirty.extend_from_slice(&clean[at..]);
            let plan = strip_metadata(&dirty);
            prop_assert!(plan.removed.as_ref().is_some_and(|r| !r.is_empty()));
            prop_assert_eq!(plan.to_vec(&dirty), clean);
        }

        #[test]
        fn png_text_chunks_anywhere_go_and_the_rest_stays(
            texts in proptest::collection::vec((0usize..4, proptest::collection::vec(any::<u8>(), 0..100)), 1..5)
        ) {
            let original = fixture("quadrants.png");
            let clean = strip_metadata(&original).to_vec(&original);
            // Chunk boundaries of the clean PNG, IEND excluded.
            let mut bounds = vec![8];
            let mut pos = 8;
            while &clean[pos + 4..pos + 8] != b"IEND" {
                pos += 12 + u32::from_be_bytes(clean[pos..pos + 4].try_into().unwrap()) as usize;
                bounds.push(pos);
            }
            bounds.retain(|b| *b > 8 + 25); // after IHDR
            let mut inserts: Vec<(usize, Vec<u8>)> = texts
                .into_iter()
                .enumerate()
                .map(|(i, (kind, data))| {
                    let kind: &[u8; 4] = [b"tEXt", b"zTXt", b"iTXt", b"tIME"][kind];
                    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
                    chunk.extend_from_slice(kind);
                    chunk.extend(&data);
                    chunk.extend_from_slice(&[0, 0, 0, 0]); // CRCs are not checked, nor kept
                    (bounds[i % bounds.len()], chunk)
                })
                .collect();
            // From the last position back, so the earlier positions still hold.
            inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
            let mut dirty = clean.clone();
            for (at, chunk) in inserts {
                dirty.splice(at..at, chunk);
            }
            prop_assert_eq!(strip_metadata(&dirty).to_vec(&dirty), clean);
        }
    }
}
