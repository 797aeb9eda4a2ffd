//! preparePhoto's browser part in each engine (wasm-bindgen-test, Chromium, Firefox,
//! WebKit): a 12 MP phone photo turned by its EXIF comes out an upright JPEG within the
//! edge and byte limits, without metadata; what the engine cannot decode gives the typed
//! error. Pixels are read back through the engine's own decoder.
#![cfg(target_arch = "wasm32")]
// Test code: a failed expectation should stop the test (the panic lints guard src/).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use updox_direct::photo::prepare::prepare_photo;
use updox_direct::photo::{inspect, strip_metadata, PrepareError, PrepareOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{
    Blob, BlobPropertyBag, ImageBitmap, ImageEncodeOptions, OffscreenCanvas,
    OffscreenCanvasRenderingContext2d,
};

wasm_bindgen_test_configure!(run_in_browser);

/// The fixtures' EXIF block: GPS, Orientation 6 (scripts/make-photo-fixtures.sh).
const EXIF: &[u8] = include_bytes!("fixtures/photos/exif.tiff");
const HEIC: &[u8] = include_bytes!("fixtures/photos/quadrants.heic");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = createImageBitmap)]
    fn create_image_bitmap(image: &Blob) -> js_sys::Promise;
}

const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const YELLOW: [u8; 3] = [255, 255, 0];

fn context(canvas: &OffscreenCanvas) -> OffscreenCanvasRenderingContext2d {
    canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap()
}

fn blob_of(bytes: &[u8], kind: &str) -> Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let bag = BlobPropertyBag::new();
    bag.set_type(kind);
    Blob::new_with_u8_array_sequence_and_options(&parts, &bag).unwrap()
}

async fn bytes_of(blob: &Blob) -> Vec<u8> {
    let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
    js_sys::Uint8Array::new(&buffer).to_vec()
}

/// A phone's 4032×3024 photo as stored: red | green over blue | yellow, with an EXIF block
/// (GPS, Orientation 6: shown turned a quarter clockwise) after SOI. `detailed` lays fine
/// noise over it, as a sensor gives, but for a clean square at each quarter's centre.
async fn phone_photo(detailed: bool) -> Vec<u8> {
    let (w, h) = (4032.0, 3024.0);
    let canvas = OffscreenCanvas::new(4032, 3024).unwrap();
    let ctx = context(&canvas);
    for (x, y, colour) in [
        (0.0, 0.0, "#ff0000"),
        (w / 2.0, 0.0, "#00ff00"),
        (0.0, h / 2.0, "#0000ff"),
        (w / 2.0, h / 2.0, "#ffff00"),
    ] {
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(x, y, w / 2.0, h / 2.0);
    }
    if detailed {
        let tile = noise_tile();
        ctx.set_global_alpha(0.35);
        for ty in 0..12 {
            for tx in 0..16 {
                ctx.draw_image_with_image_bitmap(
                    &tile,
                    f64::from(tx) * 256.0,
                    f64::from(ty) * 256.0,
                )
                .unwrap();
            }
        }
        ctx.set_global_alpha(1.0);
        for (x, y, colour) in [
            (0.25, 0.25, "#ff0000"),
            (0.75, 0.25, "#00ff00"),
            (0.25, 0.75, "#0000ff"),
            (0.75, 0.75, "#ffff00"),
        ] {
            ctx.set_fill_style_str(colour);
            ctx.fill_rect(w * x - 300.0, h * y - 300.0, 600.0, 600.0);
        }
    }
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(0.92);
    let blob: Blob = JsFuture::from(canvas.convert_to_blob_with_options(&options).unwrap())
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    let plain = bytes_of(&blob).await;
    let mut photo = plain[..2].to_vec();
    photo.extend_from_slice(&[0xFF, 0xE1]);
    photo.extend_from_slice(&((2 + 6 + EXIF.len()) as u16).to_be_bytes());
    photo.extend_from_slice(b"Exif\0\0");
    photo.extend_from_slice(EXIF);
    photo.extend_from_slice(&plain[2..]);
    photo
}

/// 256×256 pixels of deterministic noise.
fn noise_tile() -> ImageBitmap {
    let mut seed = 0x2545_F491_u32;
    let data: Vec<u8> = (0..256 * 256 * 4)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            if i % 4 == 3 {
                255
            } else {
                seed as u8
            }
        })
        .collect();
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&data),
        256,
        256,
    )
    .unwrap();
    let canvas = OffscreenCanvas::new(256, 256).unwrap();
    context(&canvas).put_image_data(&image, 0.0, 0.0).unwrap();
    canvas.transfer_to_image_bitmap().unwrap()
}

/// The decoded size of `blob` and the colours at the centres of its quarters (top-left,
/// top-right, bottom-left, bottom-right).
async fn look(blob: &Blob) -> ((u32, u32), [[u8; 3]; 4]) {
    let bitmap: ImageBitmap = JsFuture::from(create_image_bitmap(blob))
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    let (w, h) = (bitmap.width(), bitmap.height());
    let canvas = OffscreenCanvas::new(w, h).unwrap();
    let ctx = context(&canvas);
    ctx.draw_image_with_image_bitmap(&bitmap, 0.0, 0.0).unwrap();
    let probe = |fx: f64, fy: f64| {
        let data = ctx
            .get_image_data(
                (f64::from(w) * fx).floor(),
                (f64::from(h) * fy).floor(),
                1.0,
                1.0,
            )
            .unwrap()
            .data();
        [data[0], data[1], data[2]]
    };
    let colours = [
        probe(0.25, 0.25),
        probe(0.75, 0.25),
        probe(0.25, 0.75),
        probe(0.75, 0.75),
    ];
    ((w, h), colours)
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 48)
}

fn engine() -> String {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let agent = js_sys::Reflect::get(&navigator, &"userAgent".into()).unwrap();
    let agent = agent.as_string().unwrap_or_default();
    if agent.contains("Firefox") {
        "firefox".into()
    } else if agent.contains("Chrome") {
        "chromium".into()
    } else {
        "webkit".into()
    }
}

fn now() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    performance.unchecked_into::<web_sys::Performance>().now()
}

#[wasm_bindgen_test]
async fn a_turned_phone_photo_becomes_an_upright_smaller_jpeg_without_metadata() {
    let original = phone_photo(false).await;
    assert!(
        inspect(&original).has_location,
        "the photo records a location"
    );
    let started = now();
    let file = prepare_photo(
        &blob_of(&original, "image/jpeg"),
        "IMG_0042.JPG",
        &PrepareOptions::default(),
    )
    .await
    .unwrap();
    console_log!(
        "preparePhoto, 4032×3024 JPEG in {}: {:.0} ms",
        engine(),
        now() - started
    );
    assert_eq!(file.name(), "IMG_0042.jpg");
    assert_eq!(file.type_(), "image/jpeg");

    let bytes = bytes_of(&file).await;
    let facts = inspect(&bytes);
    assert_eq!(facts.mime, "image/jpeg");
    assert!(!facts.has_location);
    assert!(facts.metadata.is_empty(), "{:?}", facts.metadata);
    assert_eq!((facts.width, facts.height), (Some(1536), Some(2048)));
    assert_eq!(strip_metadata(&bytes).removed, Some(vec![]));

    // Upright: turned a quarter clockwise, blue | red over yellow | green.
    let ((w, h), colours) = look(&file).await;
    assert_eq!((w, h), (1536, 2048));
    for (seen, wanted) in colours.iter().zip([BLUE, RED, YELLOW, GREEN]) {
        assert!(near(*seen, wanted), "{colours:?}");
    }
}

#[wasm_bindgen_test]
async fn a_byte_limit_is_met_by_lowering_quality_then_size() {
    let photo = phone_photo(true).await;
    // The removal's time in this engine (performance.now is coarse: 20 runs averaged).
    let started = now();
    for _ in 0..20 {
        let plan = strip_metadata(&photo);
        assert_eq!(plan.removed.as_deref(), Some(&["gps", "exif"][..]));
    }
    console_log!(
        "strip_metadata, {:.1} MB JPEG in {}: {:.2} ms",
        photo.len() as f64 / 1e6,
        engine(),
        (now() - started) / 20.0
    );
    let original = blob_of(&photo, "image/jpeg");
    let options = PrepareOptions {
        max_long_edge: 1024,
        ..PrepareOptions::default()
    };
    let first = prepare_photo(&original, "arm.jpeg", &options)
        .await
        .unwrap();
    let limit = (first.size() / 3.0).floor() as u64;
    let options = PrepareOptions {
        max_bytes: Some(limit),
        ..options
    };
    let small = prepare_photo(&original, "arm.jpeg", &options)
        .await
        .unwrap();
    assert!(small.size() <= limit as f64, "{} > {limit}", small.size());
    assert_eq!(small.name(), "arm.jpg");
    let ((w, h), colours) = look(&small).await;
    assert!(w.max(h) <= 1024 && h > w, "{w}×{h}");
    assert!(near(colours[0], BLUE), "{colours:?}");

    let impossible = PrepareOptions {
        max_bytes: Some(100),
        ..options
    };
    assert_eq!(
        prepare_photo(&original, "arm.jpeg", &impossible)
            .await
            .err(),
        Some(PrepareError::TooLarge)
    );
}

#[wasm_bindgen_test]
async fn heic_converts_where_the_engine_decodes_it_and_else_says_how_to_send_it() {
    let result = prepare_photo(
        &blob_of(HEIC, "image/heic"),
        "IMG_0043.HEIC",
        &PrepareOptions::default(),
    )
    .await;
    console_log!(
        "HEIC in {}: {}",
        engine(),
        if result.is_ok() {
            "converted"
        } else {
            "cannot convert"
        }
    );
    match (engine().as_str(), result) {
        ("chromium" | "firefox", Err(e)) => {
            assert_eq!(e, PrepareError::CannotConvert);
            assert_eq!(e.rule(), "attachments.cannot_convert");
            assert_eq!(e.kind(), "validation");
            assert!(e.message().contains("JPEG"));
        }
        ("webkit", Err(e)) => assert_eq!(e, PrepareError::CannotConvert),
        ("webkit", Ok(file)) => {
            assert_eq!(file.name(), "IMG_0043.jpg");
            let facts = inspect(&bytes_of(&file).await);
            assert_eq!(facts.mime, "image/jpeg");
            assert!(facts.metadata.is_empty() && facts.width.is_some());
        }
        (engine, Ok(_)) => panic!("{engine} was not expected to decode HEIC"),
        (engine, Err(e)) => panic!("{engine}: {e:?}"),
    }
}

#[wasm_bindgen_test]
async fn what_is_not_an_image_cannot_be_converted() {
    let pdf = blob_of(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "image/jpeg");
    assert_eq!(
        prepare_photo(&pdf, "scan.pdf", &PrepareOptions::default())
            .await
            .err(),
        Some(PrepareError::CannotConvert)
    );
    let bad = PrepareOptions {
        quality: 2.0,
        ..PrepareOptions::default()
    };
    assert_eq!(
        prepare_photo(&pdf, "scan.pdf", &bad).await.err(),
        Some(PrepareError::InvalidOptions)
    );
}
