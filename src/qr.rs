//! QR codes for printed matter: SVG (sharp at any print size) and PNG.

use qrcode::{EcLevel, QrCode};

/// Modules of white around the code, as the standard asks.
const QUIET: usize = 4;

fn code(url: &str) -> Result<QrCode, qrcode::types::QrError> {
    // Level M survives a smudge or a fold in a printed card.
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
}

/// The code as an SVG drawing in module units: one path, dark modules only.
pub fn svg(url: &str) -> anyhow::Result<String> {
    let code = code(url)?;
    let width = code.width();
    let size = width + 2 * QUIET;
    let colors = code.to_colors();
    let mut path = String::with_capacity(width * width * 4);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            path.push_str(&format!("M{x},{y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

/// The code as a PNG, `scale` pixels per module.
pub fn png(url: &str, scale: u32) -> anyhow::Result<Vec<u8>> {
    let code = code(url)?;
    let width = code.width();
    let scale = scale.clamp(1, 40);
    let size = u32::try_from(width + 2 * QUIET)? * scale;
    let colors = code.to_colors();
    let image = image::GrayImage::from_fn(size, size, |px, py| {
        let (mx, my) = ((px / scale) as usize, (py / scale) as usize);
        let dark = mx >= QUIET
            && my >= QUIET
            && mx < QUIET + width
            && my < QUIET + width
            && colors[(my - QUIET) * width + (mx - QUIET)] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}
