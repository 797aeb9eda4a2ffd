//! Photos in the browser: `inspectAttachment` and `preparePhoto` (exports), and the send
//! path's part, a JPEG or PNG attachment read once and sent without its metadata.

use super::errors::{to_js, updox_error};
use super::files::{encode_slices, read_range};
use super::js::get;
use super::text;
use crate::issue::{Rule, ValidationIssue};
use crate::photo::Stripped as Plan;
use crate::photo::{inspect, prepare, sniff, strip_metadata, Kind, PrepareError, PrepareOptions};
use crate::prelude::*;
use crate::updox::error::SendError;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, Blob};

/// Bytes enough to tell a JPEG or PNG by its signature.
const SIGNATURE_BYTES: u64 = 16;
/// What `inspectAttachment` reads of a file that is no JPEG or PNG: enough for the
/// headers that give other types' pixel sizes, never a whole video.
const HEAD_BYTES: u64 = 256 * 1024;
/// The largest JPEG or PNG read whole where no per-file limit applies (`inspectAttachment`,
/// `encodeAttachment`): its metadata may be anywhere, a trailer at the end. Larger ones
/// are inspected from their head and encoded as they are.
pub const MAX_PHOTO_BYTES: u64 = 64 * 1024 * 1024;
/// How long a read may take when no timeout is given.
const READ_MS: f64 = 30_000.0;

/// A JPEG or PNG read for sending: its bytes and what of them is sent.
pub struct Photo {
    bytes: Vec<u8>,
    plan: Plan,
}

impl Photo {
    /// The size sent, in bytes (what the limits apply to).
    pub fn size(&self) -> u64 {
        self.plan.len() as u64
    }

    /// `metadataRemoved`: names, `[]` when nothing was, `None` for a JPEG/PNG too
    /// malformed to read (sent as it is).
    pub fn removed(&self) -> Option<Vec<&'static str>> {
        self.plan.removed.clone()
    }

    /// Hands the base64 of what is sent to `sink` (see [`encode_slices`]).
    pub fn encode(
        &self,
        sink: &mut dyn FnMut(&[u8]),
        between: &mut dyn FnMut(u64) -> bool,
    ) -> bool {
        encode_slices(self.plan.slices(&self.bytes), sink, between)
    }
}

/// What `read_photo` found.
pub enum Read {
    Photo(Photo),
    /// No JPEG or PNG, or its metadata is kept: sent as it is, slice by slice.
    AsItIs,
    /// The file could not be read as it was (moved, deleted or changed).
    Unreadable,
}

/// Reads `blob` (`size` bytes) when its bytes say it is a JPEG or PNG of at most
/// `max_bytes` (the per-file limit: a larger one is refused before any read), and plans
/// the removal of its metadata. With `keep`, and for other files, nothing is read here:
/// they go the slice-by-slice path as they are.
pub async fn read_photo(
    blob: &Blob,
    size: f64,
    max_bytes: u64,
    keep: bool,
    ms: f64,
    signal: Option<&AbortSignal>,
) -> Read {
    let Some(size) = crate::input::whole(size, max_bytes as f64).filter(|s| *s > 0 && !keep) else {
        return Read::AsItIs;
    };
    let ms = if ms > 0.0 { ms } else { READ_MS };
    let head = read_range(blob, 0, SIGNATURE_BYTES.min(size), size, ms, signal).await;
    let Some(head) = head else {
        return Read::Unreadable;
    };
    if !matches!(sniff(&head), Kind::Jpeg | Kind::Png) {
        return Read::AsItIs;
    }
    let Some(bytes) = read_range(blob, 0, size, size, ms, signal).await else {
        return Read::Unreadable;
    };
    let plan = strip_metadata(&bytes);
    Read::Photo(Photo { bytes, plan })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InspectionOut {
    #[serde(rename = "type")]
    mime: &'static str,
    is_photo: bool,
    width: Option<u32>,
    height: Option<u32>,
    has_location: bool,
    metadata: Vec<&'static str>,
    viewable_by_clinics: bool,
}

fn not_a_file() -> SendError {
    SendError::validation(vec![ValidationIssue {
        at: Some("file".into()),
        rule: Rule::FileRequired,
        limit: None,
        size: None,
    }])
}

fn unreadable() -> SendError {
    SendError::validation(vec![ValidationIssue {
        at: Some("file".into()),
        rule: Rule::AttachmentUnreadable,
        limit: None,
        size: None,
    }])
}

/// The Blob in `file` with its size, or the `file.required` error.
fn blob_of(file: &JsValue) -> Result<(Blob, u64), SendError> {
    let blob: Blob = file
        .clone()
        .dyn_into()
        .ok()
        .filter(|_| file.is_instance_of::<Blob>())
        .ok_or_else(not_a_file)?;
    let size = crate::input::whole(blob.size(), 9_007_199_254_740_991.0).ok_or_else(not_a_file)?;
    Ok((blob, size))
}

/// Describes a File or Blob from its bytes: `{ type, isPhoto, width, height, hasLocation,
/// metadata, viewableByClinics }`. A JPEG or PNG is read whole (metadata may be anywhere),
/// other files only their first bytes.
#[wasm_bindgen(js_name = inspectAttachment)]
pub async fn inspect_attachment(file: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    text::locale_ready(&options).await;
    let fail = |e: SendError| updox_error(e, &options, None, None);
    let (blob, size) = blob_of(&file).map_err(fail)?;
    let head = read_range(&blob, 0, HEAD_BYTES.min(size), size, READ_MS, None)
        .await
        .ok_or_else(|| fail(unreadable()))?;
    let whole = matches!(sniff(&head), Kind::Jpeg | Kind::Png)
        && size > HEAD_BYTES
        && size <= MAX_PHOTO_BYTES;
    let bytes = if whole {
        read_range(&blob, 0, size, size, READ_MS, None)
            .await
            .ok_or_else(|| fail(unreadable()))?
    } else {
        head
    };
    let found = inspect(&bytes);
    Ok(to_js(&InspectionOut {
        mime: found.mime,
        is_photo: found.is_photo,
        width: found.width,
        height: found.height,
        has_location: found.has_location,
        metadata: found.metadata,
        viewable_by_clinics: found.viewable_by_clinics,
    }))
}

fn rule_of(e: PrepareError) -> Rule {
    match e {
        PrepareError::CannotConvert => Rule::AttachmentCannotConvert,
        PrepareError::TooLarge => Rule::AttachmentTooLarge,
        PrepareError::InvalidOptions => Rule::AttachmentInvalid,
    }
}

/// A number option: its default when absent, `None` when of another type or not whole
/// where it must be.
fn number(options: &JsValue, name: &str) -> Result<Option<f64>, ()> {
    match get(options, name) {
        None => Ok(None),
        Some(v) if v.is_undefined() || v.is_null() => Ok(None),
        Some(v) => v.as_f64().filter(|n| n.is_finite()).map(Some).ok_or(()),
    }
}

fn prepare_options(options: &JsValue) -> Result<PrepareOptions, PrepareError> {
    let defaults = PrepareOptions::default();
    if !options.is_object() {
        return if options.is_undefined() || options.is_null() {
            Ok(defaults)
        } else {
            Err(PrepareError::InvalidOptions)
        };
    }
    let bad = |_| PrepareError::InvalidOptions;
    let edge = number(options, "maxLongEdge").map_err(bad)?;
    let max_bytes = number(options, "maxBytes").map_err(bad)?;
    let quality = number(options, "quality").map_err(bad)?;
    let whole = |n: f64, max: f64| crate::input::whole(n, max).ok_or(PrepareError::InvalidOptions);
    PrepareOptions {
        max_long_edge: match edge {
            Some(e) => u32::try_from(whole(e, f64::from(u32::MAX))?).map_err(|_| bad(()))?,
            None => defaults.max_long_edge,
        },
        max_bytes: match max_bytes {
            Some(b) => Some(whole(b, 9_007_199_254_740_991.0)?),
            None => defaults.max_bytes,
        },
        quality: quality.unwrap_or(defaults.quality),
    }
    .checked()
}

/// An upright JPEG copy of a photo the engine can decode, without metadata, within
/// `maxLongEdge` (2048) and `maxBytes`, at `quality` (0.85) or lower when it must be;
/// named like the original with `.jpg`. Never called by the send: callers choose.
#[wasm_bindgen(js_name = preparePhoto)]
pub async fn prepare_photo(file: JsValue, options: JsValue) -> Result<web_sys::File, JsValue> {
    text::locale_ready(&options).await;
    let fail = |e: PrepareError, limit: Option<u64>, size: Option<u64>| {
        let issue = ValidationIssue {
            at: None,
            rule: rule_of(e),
            limit,
            size,
        };
        updox_error(SendError::validation(vec![issue]), &options, None, None)
    };
    let (blob, _) = blob_of(&file).map_err(|e| updox_error(e, &options, None, None))?;
    let o = prepare_options(&options).map_err(|e| fail(e, None, None))?;
    let name = get(&file, "name")
        .and_then(|n| n.as_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "photo".into());
    prepare::prepare_photo_sized(&blob, &name, &o)
        .await
        .map_err(|(e, smallest)| fail(e, o.max_bytes, smallest))
}
