//! Test pictures made on the spot: phone-like JPEGs (EXIF orientation, a GPS position,
//! other metadata), PNGs, and files that only pretend to be images.

use image::{ImageEncoder, Rgb, RgbImage};

/// A marker hidden in the metadata; it must never reach a buyer.
pub const SECRET: &[u8] = b"HOME-OF-THE-PRODUCER-21.5942N";

/// EXIF (big-endian TIFF) with an orientation and a GPS latitude.
fn exif(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: orientation, GPS pointer.
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 38: latitude reference and latitude (21° 35' 39.12").
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    t.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 68]);
    t.extend_from_slice(&0u32.to_be_bytes());
    for (n, d) in [(21u32, 1u32), (35, 1), (3912, 100)] {
        t.extend_from_slice(&n.to_be_bytes());
        t.extend_from_slice(&d.to_be_bytes());
    }
    t
}

/// `width` × `height` pixels, left half `left`, right half `right`.
pub fn halves(width: u32, height: u32, left: [u8; 3], right: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        Rgb(if x < width / 2 { left } else { right })
    })
}

pub const RED: [u8; 3] = [220, 20, 20];
pub const BLUE: [u8; 3] = [20, 20, 220];

/// A JPEG as a phone saves it: stored sideways with EXIF orientation 6 (turn 90° clockwise
/// to view), a GPS position, and the secret marker in another metadata segment.
pub fn phone_jpeg(width: u32, height: u32, left: [u8; 3], right: [u8; 3]) -> Vec<u8> {
    let img = halves(width, height, left, right);
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 90);
    enc.add_app_segment(1, exif(6)).expect("exif");
    let mut secret = b"Photoshop 3.0\0".to_vec();
    secret.extend_from_slice(SECRET);
    enc.add_app_segment(13, secret).expect("app13");
    enc.encode(
        img.as_raw(),
        width as u16,
        height as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("jpeg");
    out
}

/// A plain PNG of one colour.
pub fn png(width: u32, height: u32, colour: [u8; 3]) -> Vec<u8> {
    let img = RgbImage::from_pixel(width, height, Rgb(colour));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("png");
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    c
}

/// A ~100 kB PNG whose header claims `width` × `height` pixels (a decompression bomb).
pub fn huge_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &vec![0u8; 100_000]));
    out.extend(chunk(b"IEND", &[]));
    out
}
