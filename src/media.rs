//! Uploaded files, judged by their content: what kind of file it really is, and the photo
//! pipeline that turns a phone's photo into small, metadata-free images for buyers.
//!
//! A photo is checked before it is decoded (format by its bytes, nothing hidden after the
//! image, width × height within limits), decoded under memory limits, turned upright by its
//! EXIF orientation, then re-encoded from pixels alone into WebP and JPEG at a few widths.
//! Re-encoding is what strips the metadata: no EXIF, GPS position, comment or colour profile
//! survives, because nothing but pixels is carried over.

use crate::domain::Code;
use std::io::Cursor;

use fast_image_resize as fr;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// Largest file accepted as a photo.
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;
/// Largest file accepted as a document (certificate scan).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// Largest photo, in pixels (a 48-megapixel phone photo passes).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Longest side of a photo, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Widths of the variants buyers get; a narrower photo is never enlarged.
pub const VARIANT_WIDTHS: [u32; 4] = [320, 640, 1024, 1600];
/// Bumped whenever the pipeline's output changes, so that new output gets new keys.
pub const PIPELINE_VERSION: &str = "v1";

const JPEG_QUALITY: u8 = 80;
const WEBP_QUALITY: f32 = 76.0;

/// What a file is, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
        }
    }

    fn image_format(self) -> Option<ImageFormat> {
        match self {
            FileKind::Jpeg => Some(ImageFormat::Jpeg),
            FileKind::Png => Some(ImageFormat::Png),
            FileKind::Webp => Some(ImageFormat::WebP),
            FileKind::Pdf => None,
        }
    }
}

/// Recognises the kinds ketnoi accepts. Names and declared types are never consulted.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(FileKind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else {
        None
    }
}

/// Photos from iPhones (HEIC) and newer Androids (AVIF) look like this; they get their own
/// advice.
fn is_heif(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" | b"avif"
        )
}

/// Why a file was refused. Each maps to a message a producer can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("file larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("empty file")]
    Empty,
    #[error("HEIC/HEIF/AVIF photo")]
    Heif,
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("not a PDF, JPEG or PNG document")]
    NotADocument,
    #[error("{width} × {height} pixels is more than allowed")]
    TooManyPixels { width: u32, height: u32 },
    #[error("image data is damaged")]
    Damaged,
    #[error("something other than the image is hidden in the file")]
    HiddenData,
}

impl Refusal {
    /// The stable error code (`photo.*`), also the message key.
    pub fn code(&self) -> Code {
        match self {
            Refusal::TooLarge { .. } => Code::FileTooLarge,
            Refusal::Empty => Code::FileEmpty,
            Refusal::Heif => Code::PhotoHeif,
            Refusal::NotAnImage => Code::PhotoFormat,
            Refusal::NotADocument => Code::DocumentFormat,
            Refusal::TooManyPixels { .. } => Code::PhotoTooManyPixels,
            Refusal::Damaged => Code::PhotoDamaged,
            Refusal::HiddenData => Code::PhotoHiddenData,
        }
    }
}

/// Where the image in a file ends, by walking its structure; `None` when the structure is
/// broken.
fn image_end(kind: FileKind, b: &[u8]) -> Option<usize> {
    match kind {
        FileKind::Jpeg => jpeg_end(b),
        FileKind::Png => png_end(b),
        FileKind::Webp => {
            let size = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?) as usize;
            let end = 8usize.checked_add(size)?.checked_add(size % 2)?;
            (end <= b.len() || end == b.len() + 1).then_some(end.min(b.len()))
        }
        FileKind::Pdf => Some(b.len()),
    }
}

fn jpeg_end(b: &[u8]) -> Option<usize> {
    let mut i = 2;
    loop {
        // Tolerate stray bytes between segments, as decoders do.
        while *b.get(i)? != 0xFF {
            i += 1;
        }
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = b[i];
        i += 1;
        match marker {
            0xD9 => return Some(i),
            0xD0..=0xD7 | 0x01 => {}
            _ => {
                let len = u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as usize;
                if len < 2 {
                    return None;
                }
                i += len;
                if marker == 0xDA {
                    // Entropy-coded data runs until a marker that is neither a stuffed byte
                    // nor a restart marker.
                    loop {
                        if *b.get(i)? == 0xFF {
                            let next = *b.get(i + 1)?;
                            if next != 0x00 && !(0xD0..=0xD7).contains(&next) {
                                break;
                            }
                        }
                        i += 1;
                    }
                }
            }
        }
    }
}

fn png_end(b: &[u8]) -> Option<usize> {
    let mut i = 8;
    loop {
        let len = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize;
        let kind = b.get(i + 4..i + 8)?;
        i = i.checked_add(12)?.checked_add(len)?;
        if i > b.len() {
            return None;
        }
        if kind == b"IEND" {
            return Some(i);
        }
    }
}

/// What phones legitimately append after a JPEG: motion-photo video (Google, Samsung) and
/// padding. Anything else after the image is refused: that is how polyglot files (an image
/// that is also an archive, a script or a page) are built.
fn harmless_trailer(kind: FileKind, t: &[u8]) -> bool {
    t.iter().all(|&x| x == 0 || x == 0xFF)
        || (kind == FileKind::Jpeg
            && (t.starts_with(b"MotionPhoto_Data") || t.get(4..8) == Some(b"ftyp")))
}

/// The accepted image part of an upload: checked kind, and the bytes up to the image's end
/// (a motion photo's video is left out).
pub fn check_photo(bytes: &[u8]) -> Result<(FileKind, &[u8]), Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(Refusal::TooLarge {
            max: MAX_PHOTO_BYTES,
        });
    }
    let kind = match sniff(bytes) {
        Some(k @ (FileKind::Jpeg | FileKind::Png | FileKind::Webp)) => k,
        _ if is_heif(bytes) => return Err(Refusal::Heif),
        _ => return Err(Refusal::NotAnImage),
    };
    let end = image_end(kind, bytes).ok_or(Refusal::Damaged)?;
    if !harmless_trailer(kind, &bytes[end..]) {
        return Err(Refusal::HiddenData);
    }
    Ok((kind, &bytes[..end]))
}

/// Checks a certificate scan: a PDF, JPEG or PNG, within the size limit.
pub fn check_document(bytes: &[u8]) -> Result<FileKind, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Refusal::TooLarge {
            max: MAX_DOCUMENT_BYTES,
        });
    }
    match sniff(bytes) {
        Some(FileKind::Pdf) => Ok(FileKind::Pdf),
        Some(kind @ (FileKind::Jpeg | FileKind::Png)) => {
            let end = image_end(kind, bytes).ok_or(Refusal::Damaged)?;
            if harmless_trailer(kind, &bytes[end..]) {
                Ok(kind)
            } else {
                Err(Refusal::HiddenData)
            }
        }
        _ => Err(Refusal::NotADocument),
    }
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantFormat {
    Webp,
    Jpeg,
}

impl VariantFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            VariantFormat::Webp => "webp",
            VariantFormat::Jpeg => "jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            VariantFormat::Webp => "webp",
            VariantFormat::Jpeg => "jpg",
        }
    }
}

pub struct EncodedVariant {
    pub width: u32,
    pub height: u32,
    pub format: VariantFormat,
    pub bytes: Vec<u8>,
}

/// A photo ready to store.
pub struct ProcessedPhoto {
    pub kind: FileKind,
    /// The uploaded image (without a motion photo's video), kept privately.
    pub original: Vec<u8>,
    /// SHA-256 of `original`.
    pub hash: String,
    /// Upright size.
    pub width: u32,
    pub height: u32,
    pub variants: Vec<EncodedVariant>,
}

/// The widths to produce for an upright photo of `width` × `height`: the standard widths
/// below the largest it allows, then that largest, which is the photo's own size or, if
/// smaller, the size whose long side is the largest standard width (a portrait photo's
/// biggest variant is 1200 × 1600, not 1600 × 2133). Never enlarged.
pub fn variant_widths(width: u32, height: u32) -> Vec<u32> {
    let longest = u64::from(VARIANT_WIDTHS[VARIANT_WIDTHS.len() - 1]);
    let (w, h) = (u64::from(width), u64::from(height.max(1)));
    let cap = if h > w { longest * w / h } else { longest };
    let largest = w.min(cap).max(1) as u32;
    let mut widths: Vec<u32> = VARIANT_WIDTHS
        .iter()
        .copied()
        .filter(|&v| v < largest)
        .collect();
    widths.push(largest);
    widths
}

fn decode(kind: FileKind, bytes: &[u8]) -> Result<DynamicImage, Refusal> {
    let format = kind.image_format().ok_or(Refusal::NotAnImage)?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| Refusal::Damaged)?;
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(Refusal::TooManyPixels { width, height });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 8);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Refusal::Damaged)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Damaged)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(img)
}

/// Turns an uploaded photo into its variants. CPU-heavy: run it on a blocking thread.
pub fn process_photo(bytes: &[u8]) -> Result<ProcessedPhoto, Refusal> {
    let (kind, original) = check_photo(bytes)?;
    let img = decode(kind, original)?;
    let alpha = img.color().has_alpha() && img.to_rgba8().pixels().any(|p| p.0[3] < 255);
    let (width, height) = (img.width(), img.height());
    let (pixel_type, channels) = if alpha {
        (fr::PixelType::U8x4, 4)
    } else {
        (fr::PixelType::U8x3, 3)
    };
    let pixels = if alpha {
        img.into_rgba8().into_raw()
    } else {
        img.into_rgb8().into_raw()
    };
    let mut resizer = fr::Resizer::new();
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    let mut variants = Vec::new();
    // Largest first; each smaller width is made from the one before (cheaper, same result to
    // the eye).
    let mut source = fr::images::Image::from_vec_u8(width, height, pixels, pixel_type)
        .map_err(|_| Refusal::Damaged)?;
    for w in variant_widths(width, height).into_iter().rev() {
        let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
            .max(1) as u32;
        let resized = if w == source.width() {
            source.copy()
        } else {
            let mut dst = fr::images::Image::new(w, h, pixel_type);
            resizer
                .resize(&source, &mut dst, &options)
                .map_err(|_| Refusal::Damaged)?;
            dst
        };
        let (rw, rh) = (resized.width(), resized.height());
        variants.push(EncodedVariant {
            width: rw,
            height: rh,
            format: VariantFormat::Webp,
            bytes: encode_webp(resized.buffer(), rw, rh, channels)?,
        });
        variants.push(EncodedVariant {
            width: rw,
            height: rh,
            format: VariantFormat::Jpeg,
            bytes: encode_jpeg(resized.buffer(), rw, rh, channels)?,
        });
        source = resized;
    }
    variants.reverse();
    variants.sort_by_key(|v| (v.width, v.format.as_str()));
    Ok(ProcessedPhoto {
        kind,
        hash: sha256_hex(original),
        original: original.to_vec(),
        width,
        height,
        variants,
    })
}

fn encode_webp(pixels: &[u8], w: u32, h: u32, channels: usize) -> Result<Vec<u8>, Refusal> {
    let encoder = if channels == 4 {
        webp::Encoder::from_rgba(pixels, w, h)
    } else {
        webp::Encoder::from_rgb(pixels, w, h)
    };
    encoder
        .encode_simple(false, WEBP_QUALITY)
        .map(|m| m.to_vec())
        .map_err(|_| Refusal::Damaged)
}

/// Progressive JPEG (a blurry whole image first on a slow line); transparency goes white.
fn encode_jpeg(pixels: &[u8], w: u32, h: u32, channels: usize) -> Result<Vec<u8>, Refusal> {
    let rgb: std::borrow::Cow<[u8]> = if channels == 4 {
        pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u16::from(p[3]);
                [0, 1, 2].map(|c| ((u16::from(p[c]) * a + 255 * (255 - a)) / 255) as u8)
            })
            .collect::<Vec<u8>>()
            .into()
    } else {
        pixels.into()
    };
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, JPEG_QUALITY);
    encoder.set_progressive(true);
    encoder.set_optimized_huffman_tables(true);
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| Refusal::Damaged)?,
        u16::try_from(h).map_err(|_| Refusal::Damaged)?,
    );
    encoder
        .encode(&rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| Refusal::Damaged)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_enlarge() {
        assert_eq!(variant_widths(4000, 3000), vec![320, 640, 1024, 1600]);
        assert_eq!(variant_widths(1600, 1600), vec![320, 640, 1024, 1600]);
        assert_eq!(variant_widths(900, 600), vec![320, 640, 900]);
        assert_eq!(variant_widths(200, 100), vec![200]);
        // Portrait: the long side stops at 1600.
        assert_eq!(variant_widths(3000, 4000), vec![320, 640, 1024, 1200]);
        assert_eq!(variant_widths(700, 1200), vec![320, 640, 700]);
    }

    #[test]
    fn kinds_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
        assert_eq!(
            check_photo(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Err(Refusal::Heif)
        );
        assert_eq!(check_photo(b"<html>"), Err(Refusal::NotAnImage));
        assert_eq!(check_photo(b""), Err(Refusal::Empty));
        assert_eq!(check_photo(&[0xFF, 0xD8, 0xFF]), Err(Refusal::Damaged));
    }
}
