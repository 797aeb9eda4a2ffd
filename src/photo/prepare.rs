//! `preparePhoto`'s browser part: the engine decodes the file upright (`createImageBitmap`
//! with `imageOrientation: "from-image"`), it is drawn at the copy's size on an
//! `OffscreenCanvas` and encoded as JPEG (`convertToBlob`), lowering the quality, then the
//! size, until it fits `maxBytes` (the steps are `resize::attempts`). A canvas carries no
//! metadata, so the copy has none. Decoding and encoding run off the main thread in the
//! engines that do them asynchronously; only the draw is on the caller's thread. The same
//! code runs in a worker: nothing here needs `window`.

use super::resize::{attempts, jpeg_name, target_size, PrepareError, PrepareOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, File, FilePropertyBag, ImageBitmap, ImageBitmapOptions, ImageEncodeOptions,
    ImageOrientation, OffscreenCanvas, OffscreenCanvasRenderingContext2d,
};

#[wasm_bindgen]
extern "C" {
    /// The global `createImageBitmap`, as a window's or a worker's.
    #[wasm_bindgen(js_name = createImageBitmap, catch)]
    fn create_image_bitmap(
        image: &Blob,
        options: &ImageBitmapOptions,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_name = createImageBitmap, catch)]
    fn create_image_bitmap_plain(image: &Blob) -> Result<js_sys::Promise, JsValue>;
}

const JPEG: &str = "image/jpeg";

/// Decodes `image` upright. Engines that do not know the `imageOrientation` value reject
/// the options; they are asked again without them (they apply the orientation anyway).
async fn decode(image: &Blob) -> Result<ImageBitmap, PrepareError> {
    let options = ImageBitmapOptions::new();
    options.set_image_orientation(ImageOrientation::FromImage);
    let with_options = match create_image_bitmap(image, &options) {
        Ok(promise) => JsFuture::from(promise).await,
        Err(e) => Err(e),
    };
    let bitmap = match with_options {
        Ok(b) => b,
        Err(e) if e.has_type::<js_sys::TypeError>() => {
            let promise =
                create_image_bitmap_plain(image).map_err(|_| PrepareError::CannotConvert)?;
            JsFuture::from(promise)
                .await
                .map_err(|_| PrepareError::CannotConvert)?
        }
        Err(_) => return Err(PrepareError::CannotConvert),
    };
    bitmap
        .dyn_into::<ImageBitmap>()
        .map_err(|_| PrepareError::CannotConvert)
}

/// Draws `bitmap` on a `width`×`height` canvas over white (JPEG has no transparency).
fn draw(bitmap: &ImageBitmap, width: u32, height: u32) -> Result<OffscreenCanvas, PrepareError> {
    let canvas = OffscreenCanvas::new(width, height).map_err(|_| PrepareError::CannotConvert)?;
    let context = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<OffscreenCanvasRenderingContext2d>().ok())
        .ok_or(PrepareError::CannotConvert)?;
    let (w, h) = (f64::from(width), f64::from(height));
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, w, h);
    context.set_image_smoothing_enabled(true);
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, w, h)
        .map_err(|_| PrepareError::CannotConvert)?;
    Ok(canvas)
}

/// Encodes the canvas as a JPEG of `quality`. An engine that cannot write JPEG gives PNG
/// instead: that is no conversion.
async fn encode(canvas: &OffscreenCanvas, quality: f64) -> Result<Blob, PrepareError> {
    let options = ImageEncodeOptions::new();
    options.set_type(JPEG);
    options.set_quality(quality);
    let promise = canvas
        .convert_to_blob_with_options(&options)
        .map_err(|_| PrepareError::CannotConvert)?;
    let blob: Blob = JsFuture::from(promise)
        .await
        .ok()
        .and_then(|b| b.dyn_into().ok())
        .ok_or(PrepareError::CannotConvert)?;
    if blob.type_() == JPEG {
        Ok(blob)
    } else {
        Err(PrepareError::CannotConvert)
    }
}

/// An upright JPEG copy of `image` (a photo the engine can decode), within the options'
/// edge and byte limits, without metadata, named after `name` with `.jpg`.
pub async fn prepare_photo(
    image: &Blob,
    name: &str,
    options: &PrepareOptions,
) -> Result<File, PrepareError> {
    prepare_photo_sized(image, name, options)
        .await
        .map_err(|(e, _)| e)
}

/// As [`prepare_photo`]; a `TooLarge` failure comes with the size of the smallest copy
/// tried, for the sentence that says how large it still is.
pub async fn prepare_photo_sized(
    image: &Blob,
    name: &str,
    options: &PrepareOptions,
) -> Result<File, (PrepareError, Option<u64>)> {
    let options = options.checked().map_err(|e| (e, None))?;
    let bitmap = decode(image).await.map_err(|e| (e, None))?;
    let result = fit(&bitmap, &options).await;
    bitmap.close();
    let blob = result?;
    let parts = js_sys::Array::of1(&blob);
    let bag = FilePropertyBag::new();
    bag.set_type(JPEG);
    File::new_with_blob_sequence_and_options(&parts, &jpeg_name(name), &bag)
        .map_err(|_| (PrepareError::CannotConvert, None))
}

/// Tries the attempts in order; the first within `maxBytes` wins. When none does, the
/// smallest size reached comes with the error.
async fn fit(
    bitmap: &ImageBitmap,
    options: &PrepareOptions,
) -> Result<Blob, (PrepareError, Option<u64>)> {
    let (width, height) = (bitmap.width(), bitmap.height());
    let mut canvas: Option<(u32, OffscreenCanvas)> = None;
    let mut smallest: Option<u64> = None;
    for attempt in attempts(width.max(height), options) {
        let (w, h) = target_size(width, height, attempt.long_edge);
        // A size step draws again; a quality step re-encodes the same drawing.
        let drawn = match canvas.take() {
            Some((edge, c)) if edge == attempt.long_edge => c,
            _ => draw(bitmap, w, h).map_err(|e| (e, None))?,
        };
        let blob = encode(&drawn, attempt.quality)
            .await
            .map_err(|e| (e, None))?;
        let fits = options
            .max_bytes
            .is_none_or(|max| blob.size() <= max as f64);
        if fits {
            return Ok(blob);
        }
        let size = blob.size() as u64;
        smallest = Some(smallest.map_or(size, |s| s.min(size)));
        canvas = Some((attempt.long_edge, drawn));
    }
    Err((PrepareError::TooLarge, smallest))
}
