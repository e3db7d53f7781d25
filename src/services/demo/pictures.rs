//! Pictures for the demo catalogue, drawn when the demo is seeded: a simple illustration per
//! category (honey jars, nests of vermicelli, tea leaves, stacked bricks, woven baskets…),
//! varied by the product's name so that no two cards of a category look alike. The same
//! product always gets the same picture. They go through the same pipeline as an upload.

use image::{ImageEncoder, codecs::png::PngEncoder};

/// Size of a drawn picture: 4:3 like the catalogue's cards, wide enough for a phone's
/// product page at two device pixels per CSS pixel.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 480;

type Rgb = [f32; 3];

/// A picture of a product of `category`, as PNG bytes.
pub fn draw(category: &str, name: &str) -> Vec<u8> {
    let mut rng = Rng::new(name);
    let mut c = Canvas::new(WIDTH as usize, HEIGHT as usize);
    let lower = name.to_lowercase();
    match category {
        "mat-ong" => honey(&mut c, &mut rng),
        "mien-dong" => vermicelli(&mut c, &mut rng, &lower),
        "che" => tea(&mut c, &mut rng, &lower),
        "gao-dac-san" => rice(&mut c, &mut rng),
        "ruou-truyen-thong" => bottles(&mut c, &mut rng, [232.0, 226.0, 200.0], 0.35),
        "mang-nam" if lower.contains("măng") => shoots(&mut c, &mut rng),
        "mang-nam" => mushrooms(&mut c, &mut rng, lower.contains("mộc nhĩ")),
        "trai-cay-che-bien" => fruit(&mut c, &mut rng, lower.contains("mơ")),
        "tinh-dau-gia-vi" if lower.contains("tinh dầu") => {
            bottles(&mut c, &mut rng, [196.0, 120.0, 30.0], 0.7);
        }
        "tinh-dau-gia-vi" => anise(&mut c, &mut rng),
        "may-tre-dan" => basket(&mut c, &mut rng),
        "lam-san" if lower.contains("đũa") => chopsticks(&mut c, &mut rng),
        "lam-san" => boards(&mut c, &mut rng),
        "do-go" => furniture(&mut c, &mut rng),
        "gach-khong-nung" => bricks(&mut c, &mut rng, [150.0, 152.0, 150.0], true),
        "gach-nung" => bricks(&mut c, &mut rng, [178.0, 74.0, 48.0], lower.contains("lỗ")),
        "ngoi" => tiles(&mut c, &mut rng),
        "be-tong-duc-san" => pipes(&mut c, &mut rng),
        "da-xay-dung" | "cat-soi" | "voi" => heap(&mut c, &mut rng, category),
        "tho-cam" => brocade(&mut c, &mut rng),
        _ => sacks(&mut c, &mut rng),
    }
    c.png()
}

/// A small deterministic generator (SplitMix64) seeded by FNV-1a of the name, so pictures
/// do not change with the standard library's hashing.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let unit = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }

    fn int(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    /// A colour near `base`: each channel moved by up to `by`.
    fn near(&mut self, base: Rgb, by: f32) -> Rgb {
        base.map(|v| (v + self.range(-by, by)).clamp(0.0, 255.0))
    }
}

// Written out channel by channel: these run for every pixel, and unoptimised builds (the
// tests') would spend most of the demo's seeding time in iterator adapters otherwise.
fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn shade(a: Rgb, f: f32) -> Rgb {
    [
        (a[0] * f).min(255.0),
        (a[1] * f).min(255.0),
        (a[2] * f).min(255.0),
    ]
}

/// Pixels as floats, drawn with signed distance functions: a shape covers a pixel by how far
/// inside its edge the pixel's centre lies, which gives smooth edges without supersampling.
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<Rgb>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Canvas {
            w,
            h,
            px: vec![[0.0; 3]; w * h],
        }
    }

    /// Paints every pixel inside `sdf` (negative inside) within the box `x0..x1`, `y0..y1`,
    /// coloured by `paint`, with `alpha` and an edge `soft` pixels wide.
    fn fill(
        &mut self,
        (x0, y0, x1, y1): (f32, f32, f32, f32),
        alpha: f32,
        soft: f32,
        sdf: impl Fn(f32, f32) -> f32,
        paint: impl Fn(f32, f32) -> Rgb,
    ) {
        let clampx = |v: f32| (v.max(0.0) as usize).min(self.w);
        let clampy = |v: f32| (v.max(0.0) as usize).min(self.h);
        let (xa, xb) = (clampx(x0 - soft - 1.0), clampx(x1 + soft + 2.0));
        let (ya, yb) = (clampy(y0 - soft - 1.0), clampy(y1 + soft + 2.0));
        for y in ya..yb {
            let fy = y as f32 + 0.5;
            let row = y * self.w;
            for x in xa..xb {
                let fx = x as f32 + 0.5;
                let d = sdf(fx, fy);
                let cover = (0.5 - d / soft).min(1.0) * alpha;
                if cover <= 0.0 {
                    continue;
                }
                let c = paint(fx, fy);
                let p = &mut self.px[row + x];
                p[0] += (c[0] - p[0]) * cover;
                p[1] += (c[1] - p[1]) * cover;
                p[2] += (c[2] - p[2]) * cover;
            }
        }
    }

    /// A wall or sky of `top` fading to `bottom` above a table of `table` from `horizon`
    /// down, with a soft light from the upper left.
    fn scene(&mut self, top: Rgb, bottom: Rgb, table: Rgb, horizon: f32) {
        let (w, h) = (self.w as f32, self.h as f32);
        for y in 0..self.h {
            let fy = y as f32 / h;
            for x in 0..self.w {
                let fx = x as f32 / w;
                let base = if fy < horizon {
                    mix(top, bottom, fy / horizon)
                } else {
                    shade(table, 1.0 - 0.25 * (fy - horizon) / (1.0 - horizon))
                };
                let light = 1.08 - 0.18 * (fx - 0.3).hypot(fy - 0.2);
                self.px[y * self.w + x] = shade(base, light);
            }
        }
    }

    fn circle(&mut self, cx: f32, cy: f32, r: f32, color: Rgb) {
        self.fill(
            (cx - r, cy - r, cx + r, cy + r),
            1.0,
            1.0,
            |x, y| (x - cx).hypot(y - cy) - r,
            |_, _| color,
        );
    }

    /// A ball lit from the upper left: `color` darkening towards its lower right.
    fn ball(&mut self, cx: f32, cy: f32, r: f32, color: Rgb) {
        self.fill(
            (cx - r, cy - r, cx + r, cy + r),
            1.0,
            1.0,
            |x, y| (x - cx).hypot(y - cy) - r,
            |x, y| {
                let d = (x - cx + 0.35 * r).hypot(y - cy + 0.35 * r) / (1.6 * r);
                shade(color, 1.15 - 0.45 * d)
            },
        );
    }

    #[expect(clippy::too_many_arguments)]
    fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, angle: f32, alpha: f32, color: Rgb) {
        let r = rx.max(ry);
        self.fill(
            (cx - r, cy - r, cx + r, cy + r),
            alpha,
            1.0,
            ellipse_sdf(cx, cy, rx, ry, angle),
            |_, _| color,
        );
    }

    /// A soft shadow on the table under an object centred at `cx` and `cy` as wide as `rx`.
    fn shadow(&mut self, cx: f32, cy: f32, rx: f32, ry: f32) {
        self.fill(
            (cx - rx, cy - ry, cx + rx, cy + ry),
            0.35,
            ry.max(4.0),
            ellipse_sdf(cx, cy, rx * 0.85, ry * 0.6, 0.0),
            |_, _| [30.0, 25.0, 20.0],
        );
    }

    /// A box with rounded corners, centre `cx`, `cy`, half-size `hw` × `hh`.
    #[expect(clippy::too_many_arguments)]
    fn rect(&mut self, cx: f32, cy: f32, hw: f32, hh: f32, radius: f32, angle: f32, color: Rgb) {
        self.rect_with(cx, cy, hw, hh, radius, angle, |_, _| color);
    }

    #[expect(clippy::too_many_arguments)]
    fn rect_with(
        &mut self,
        cx: f32,
        cy: f32,
        hw: f32,
        hh: f32,
        radius: f32,
        angle: f32,
        paint: impl Fn(f32, f32) -> Rgb,
    ) {
        let r = if angle == 0.0 { 0.0 } else { hw.hypot(hh) };
        let (bx, by) = if angle == 0.0 { (hw, hh) } else { (r, r) };
        let (s, co) = angle.sin_cos();
        self.fill(
            (cx - bx, cy - by, cx + bx, cy + by),
            1.0,
            1.0,
            move |x, y| {
                let (dx, dy) = (x - cx, y - cy);
                let (u, v) = (dx * co + dy * s, -dx * s + dy * co);
                box_sdf(u, v, hw, hh, radius)
            },
            paint,
        );
    }

    /// A stroke from one point to another, `width` wide with round ends.
    #[expect(clippy::too_many_arguments)]
    fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, width: f32, alpha: f32, color: Rgb) {
        let r = width / 2.0;
        self.fill(
            (
                x0.min(x1) - r,
                y0.min(y1) - r,
                x0.max(x1) + r,
                y0.max(y1) + r,
            ),
            alpha,
            1.0,
            move |x, y| segment_sdf(x, y, x0, y0, x1, y1) - r,
            |_, _| color,
        );
    }

    fn png(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.px.len() * 3);
        for p in &self.px {
            // Colours stay within 0..=255 (`shade` caps them, blending stays between
            // two of them); `as` saturates anyway.
            bytes.push((p[0] + 0.5) as u8);
            bytes.push((p[1] + 0.5) as u8);
            bytes.push((p[2] + 0.5) as u8);
        }
        let mut out = Vec::new();
        PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Sub,
        )
        .write_image(
            &bytes,
            self.w as u32,
            self.h as u32,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encoding pixels in memory cannot fail");
        out
    }
}

fn ellipse_sdf(cx: f32, cy: f32, rx: f32, ry: f32, angle: f32) -> impl Fn(f32, f32) -> f32 {
    let (s, c) = angle.sin_cos();
    move |x, y| {
        let (dx, dy) = (x - cx, y - cy);
        let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
        // An approximation of the distance to an ellipse, close enough near its edge.
        let k0 = (u / rx).hypot(v / ry);
        let k1 = (u / (rx * rx)).hypot(v / (ry * ry));
        if k1 == 0.0 {
            -rx.min(ry)
        } else {
            k0 * (k0 - 1.0) / k1
        }
    }
}

fn box_sdf(u: f32, v: f32, hw: f32, hh: f32, radius: f32) -> f32 {
    let qx = u.abs() - hw + radius;
    let qy = v.abs() - hh + radius;
    qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - radius
}

fn segment_sdf(x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32) -> f32 {
    let (px, py, bx, by) = (x - x0, y - y0, x1 - x0, y1 - y0);
    let len = bx * bx + by * by;
    let t = if len == 0.0 {
        0.0
    } else {
        ((px * bx + py * by) / len).clamp(0.0, 1.0)
    };
    (px - bx * t).hypot(py - by * t)
}

/// Soft pastel wall colours a product photo might be taken against.
fn wall(rng: &mut Rng) -> (Rgb, Rgb) {
    let walls: [Rgb; 6] = [
        [246.0, 236.0, 214.0],
        [228.0, 240.0, 230.0],
        [238.0, 230.0, 242.0],
        [222.0, 234.0, 244.0],
        [246.0, 226.0, 216.0],
        [240.0, 240.0, 226.0],
    ];
    let pick = walls[rng.int(0, walls.len() - 1)];
    let top = rng.near(pick, 8.0);
    (top, shade(top, 0.9))
}

fn wood(rng: &mut Rng) -> Rgb {
    rng.near([168.0, 118.0, 74.0], 18.0)
}

fn honey(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, wood(rng), 0.68);
    // Honeycomb on the wall.
    let comb = rng.near([236.0, 180.0, 60.0], 12.0);
    let size = rng.range(34.0, 46.0);
    let (dx, dy) = (size * 1.732, size * 1.5);
    for row in 0..5 {
        for col in 0..6 {
            let x = 440.0 + col as f32 * dx + if row % 2 == 1 { dx / 2.0 } else { 0.0 };
            let y = 30.0 + row as f32 * dy;
            if rng.range(0.0, 1.0) < 0.25 {
                continue;
            }
            let fill = shade(comb, rng.range(0.85, 1.1));
            c.fill(
                (x - size, y - size, x + size, y + size),
                0.9,
                1.0,
                move |px, py| hexagon_sdf(px - x, py - y, size * 0.86),
                move |_, py| shade(fill, 1.05 - 0.2 * ((py - y) / size + 1.0) / 2.0),
            );
        }
    }
    let jars = rng.int(1, 3);
    for j in 0..jars {
        let scale = if j == 0 { 1.0 } else { rng.range(0.6, 0.8) };
        let cx = match (jars, j) {
            (1, _) => rng.range(340.0, 420.0),
            (_, 0) => rng.range(280.0, 340.0),
            (_, 1) => rng.range(470.0, 530.0),
            _ => rng.range(130.0, 170.0),
        };
        jar(c, rng, cx, 500.0, scale);
    }
}

fn hexagon_sdf(x: f32, y: f32, r: f32) -> f32 {
    let (kx, ky, kz) = (-0.866_025_4_f32, 0.5_f32, 0.577_350_26_f32);
    let (mut px, mut py) = (x.abs(), y.abs());
    let d = 2.0 * (kx * px + ky * py).min(0.0);
    px -= d * kx;
    py -= d * ky;
    let cx = px.clamp(-kz * r, kz * r);
    let (qx, qy) = (px - cx, py - r);
    qx.hypot(qy) * qy.signum()
}

/// A glass jar of honey standing with its bottom at `bottom`.
fn jar(c: &mut Canvas, rng: &mut Rng, cx: f32, bottom: f32, scale: f32) {
    let (hw, hh) = (95.0 * scale, 130.0 * scale);
    let cy = bottom - hh;
    c.shadow(cx + 20.0 * scale, bottom, hw * 1.3, 18.0 * scale);
    let amber = rng.near([214.0, 134.0, 26.0], 14.0);
    c.rect_with(cx, cy, hw, hh, 26.0 * scale, 0.0, move |x, _| {
        let t = ((x - cx) / hw).abs();
        shade(amber, 1.1 - 0.45 * t * t)
    });
    // Glass shine.
    c.line(
        cx - hw * 0.62,
        cy - hh * 0.6,
        cx - hw * 0.62,
        cy + hh * 0.55,
        10.0 * scale,
        0.45,
        [255.0, 250.0, 235.0],
    );
    // Lid.
    let lid = rng.near([196.0, 48.0, 40.0], 30.0);
    c.rect(
        cx,
        cy - hh - 14.0 * scale,
        hw * 0.86,
        22.0 * scale,
        8.0 * scale,
        0.0,
        lid,
    );
    c.rect(
        cx,
        cy - hh - 24.0 * scale,
        hw * 0.86,
        5.0 * scale,
        3.0,
        0.0,
        shade(lid, 1.2),
    );
    // Label.
    let paper = rng.near([250.0, 240.0, 214.0], 6.0);
    c.rect(cx, cy + 10.0 * scale, hw * 0.72, hh * 0.38, 6.0, 0.0, paper);
    c.rect(cx, cy - 8.0 * scale, hw * 0.5, 7.0 * scale, 3.0, 0.0, lid);
    c.rect(
        cx,
        cy + 18.0 * scale,
        hw * 0.42,
        4.0 * scale,
        2.0,
        0.0,
        [120.0, 90.0, 60.0],
    );
    c.rect(
        cx,
        cy + 32.0 * scale,
        hw * 0.3,
        4.0 * scale,
        2.0,
        0.0,
        [120.0, 90.0, 60.0],
    );
}

fn vermicelli(c: &mut Canvas, rng: &mut Rng, name: &str) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([196.0, 160.0, 110.0], 10.0), 0.45);
    // A round bamboo tray.
    let (tx, ty) = (rng.range(380.0, 420.0), 400.0);
    c.shadow(tx + 20.0, ty + 40.0, 330.0, 70.0);
    let straw = rng.near([214.0, 178.0, 110.0], 10.0);
    c.fill(
        (tx - 320.0, ty - 150.0, tx + 320.0, ty + 150.0),
        1.0,
        1.0,
        ellipse_sdf(tx, ty, 320.0, 150.0, 0.0),
        move |x, y| {
            let ring = ((x - tx).hypot((y - ty) * 2.13) / 14.0).sin();
            shade(straw, 1.0 + 0.06 * ring)
        },
    );
    let strand = rng.near([150.0, 118.0, 96.0], 12.0);
    let turmeric = name.contains("nghệ");
    let strand = if turmeric {
        [222.0, 164.0, 40.0]
    } else {
        strand
    };
    let bundles = if name.contains("bó") {
        1
    } else {
        rng.int(2, 3)
    };
    for b in 0..bundles {
        let (bx, by) = if bundles == 1 {
            (tx, ty - 20.0)
        } else {
            (
                tx - 150.0 + b as f32 * 300.0 / (bundles - 1) as f32 + rng.range(-20.0, 20.0),
                ty - 10.0 + rng.range(-20.0, 20.0),
            )
        };
        let radius = if bundles == 1 { 150.0 } else { 95.0 };
        // A nest of wavy strands, each a loop and a half around a centre of its own.
        for _ in 0..60 {
            let (ox, oy) = (
                rng.range(-0.12, 0.12) * radius,
                rng.range(-0.08, 0.08) * radius,
            );
            let phase = rng.range(0.0, std::f32::consts::TAU);
            let turns = rng.range(1.0, 1.6) * std::f32::consts::TAU;
            let (waves, wobble) = (rng.range(2.5, 4.5), rng.range(0.04, 0.12));
            let r0 = rng.range(0.35, 1.0) * radius;
            let tint = shade(strand, rng.range(0.85, 1.2));
            let steps = 40;
            let mut prev: Option<(f32, f32)> = None;
            for k in 0..=steps {
                let t = phase + turns * k as f32 / steps as f32;
                let r = r0 * (1.0 + wobble * (t * waves + phase).sin());
                let (x, y) = (bx + ox + r * t.cos(), by + oy + 0.55 * r * t.sin());
                if let Some((px, py)) = prev {
                    c.line(px, py, x, y, 2.2, 0.5, tint);
                }
                prev = Some((x, y));
            }
        }
        if bundles == 1 {
            let tie = rng.near([190.0, 40.0, 40.0], 20.0);
            c.rect(bx, by, 9.0, 70.0, 4.0, 0.2, tie);
        }
    }
}

/// A tea leaf: a pointed oval with a vein.
fn leaf(c: &mut Canvas, x: f32, y: f32, len: f32, angle: f32, color: Rgb) {
    let width = len * 0.36;
    let (s, co) = angle.sin_cos();
    c.fill(
        (x - len, y - len, x + len, y + len),
        1.0,
        1.0,
        move |px, py| {
            let (dx, dy) = (px - x, py - y);
            let (u, v) = (dx * co + dy * s, -dx * s + dy * co);
            // Two circles' intersection makes the pointed ends.
            let r = (len * len + width * width) / (2.0 * width);
            let off = r - width;
            (u.hypot(v - off) - r).max(u.hypot(v + off) - r)
        },
        move |px, py| {
            let (dx, dy) = (px - x, py - y);
            let v = -dx * s + dy * co;
            shade(color, 0.9 + 0.25 * (v / width).clamp(-1.0, 1.0))
        },
    );
    c.line(
        x - co * len * 0.9,
        y - s * len * 0.9,
        x + co * len * 0.9,
        y + s * len * 0.9,
        2.0,
        0.5,
        shade(color, 1.35),
    );
}

fn tea(c: &mut Canvas, rng: &mut Rng, name: &str) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([120.0, 84.0, 56.0], 14.0), 0.55);
    let green = rng.near([70.0, 130.0, 60.0], 16.0);
    if name.contains("hộp") || name.contains("túi") {
        // A tin or box of tea.
        let colour = rng.near([170.0, 30.0, 36.0], 25.0);
        let (bx, by) = (rng.range(500.0, 560.0), 330.0);
        c.shadow(bx + 20.0, by + 130.0, 150.0, 20.0);
        c.rect(bx, by, 110.0, 130.0, 10.0, 0.0, colour);
        c.rect(bx, by - 122.0, 116.0, 14.0, 6.0, 0.0, shade(colour, 0.75));
        c.circle(bx, by + 10.0, 52.0, [236.0, 200.0, 96.0]);
        leaf(c, bx, by + 10.0, 34.0, -0.6, green);
    } else {
        // A cup of tea.
        let (cx, cy) = (rng.range(520.0, 580.0), 360.0);
        c.shadow(cx + 16.0, cy + 70.0, 120.0, 22.0);
        let cup = rng.near([244.0, 242.0, 236.0], 6.0);
        c.ellipse(cx, cy + 70.0, 130.0, 26.0, 0.0, 1.0, shade(cup, 0.92));
        c.fill(
            (cx - 90.0, cy - 40.0, cx + 90.0, cy + 70.0),
            1.0,
            1.0,
            move |x, y| {
                // The lower half of an ellipse: a bowl.
                ellipse_sdf(cx, cy - 20.0, 90.0, 90.0, 0.0)(x, y).max(cy - 20.0 - y)
            },
            move |x, _| shade(cup, 1.05 - 0.2 * ((x - cx) / 90.0).abs()),
        );
        c.ellipse(cx, cy - 20.0, 90.0, 20.0, 0.0, 1.0, shade(cup, 0.85));
        c.ellipse(
            cx,
            cy - 18.0,
            80.0,
            15.0,
            0.0,
            1.0,
            rng.near([176.0, 150.0, 50.0], 12.0),
        );
    }
    // Loose leaves scattered on the table and in a heap on the left.
    let leaves = rng.int(14, 22);
    for _ in 0..leaves {
        let x = rng.range(60.0, 380.0);
        let y = rng.range(360.0, 560.0);
        let tone = shade(green, rng.range(0.7, 1.2));
        leaf(
            c,
            x,
            y,
            rng.range(26.0, 44.0),
            rng.range(0.0, std::f32::consts::PI),
            tone,
        );
    }
}

fn rice(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, wood(rng), 0.5);
    // A sack behind.
    let sack = rng.near([204.0, 180.0, 130.0], 12.0);
    c.rect(560.0, 300.0, 140.0, 170.0, 60.0, 0.05, sack);
    c.rect(560.0, 150.0, 100.0, 24.0, 12.0, 0.05, shade(sack, 0.85));
    // A bowl heaped with grains.
    let (cx, cy) = (rng.range(300.0, 360.0), 420.0);
    c.shadow(cx + 20.0, cy + 100.0, 200.0, 28.0);
    let grain = rng.near([246.0, 242.0, 228.0], 6.0);
    c.ellipse(cx, cy - 10.0, 165.0, 70.0, 0.0, 1.0, shade(grain, 0.95));
    for _ in 0..260 {
        let a = rng.range(0.0, std::f32::consts::TAU);
        let r = rng.range(0.0, 1.0).sqrt();
        let (x, y) = (
            cx + 150.0 * r * a.cos(),
            cy - 20.0 + 60.0 * r * a.sin() - 20.0 * (1.0 - r),
        );
        c.ellipse(
            x,
            y,
            7.0,
            3.2,
            rng.range(0.0, std::f32::consts::PI),
            1.0,
            shade(grain, rng.range(0.85, 1.03)),
        );
    }
    let bowl = rng.near([60.0, 90.0, 150.0], 30.0);
    c.fill(
        (cx - 180.0, cy, cx + 180.0, cy + 110.0),
        1.0,
        1.0,
        move |x, y| ellipse_sdf(cx, cy, 180.0, 110.0, 0.0)(x, y).max(cy - y),
        move |x, _| shade(bowl, 1.1 - 0.35 * ((x - cx) / 180.0).abs()),
    );
    c.rect(cx, cy + 40.0, 178.0, 5.0, 2.0, 0.0, [240.0, 236.0, 220.0]);
}

/// Bottles of liquor or essential oil, with a small cup.
fn bottles(c: &mut Canvas, rng: &mut Rng, liquid: Rgb, glass_alpha: f32) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, wood(rng), 0.62);
    let n = rng.int(1, 3);
    for i in 0..n {
        let cx = 400.0 + (i as f32 - (n - 1) as f32 / 2.0) * 170.0 + rng.range(-15.0, 15.0);
        let scale = rng.range(0.8, 1.05);
        let (hw, hh) = (62.0 * scale, 120.0 * scale);
        let base = 520.0;
        c.shadow(cx + 16.0, base, hw * 1.4, 14.0);
        let tint = rng.near(liquid, 12.0);
        let cy = base - hh;
        c.rect_with(cx, cy, hw, hh, 20.0 * scale, 0.0, move |x, _| {
            shade(tint, 1.08 - 0.35 * ((x - cx) / hw).abs())
        });
        c.rect(
            cx,
            cy - hh - 40.0 * scale,
            20.0 * scale,
            46.0 * scale,
            8.0,
            0.0,
            shade(tint, 0.95),
        );
        c.rect(
            cx,
            cy - hh - 92.0 * scale,
            16.0 * scale,
            14.0 * scale,
            5.0,
            0.0,
            [150.0, 100.0, 60.0],
        );
        c.line(
            cx - hw * 0.55,
            cy - hh * 0.7,
            cx - hw * 0.55,
            cy + hh * 0.7,
            8.0,
            glass_alpha,
            [255.0, 255.0, 250.0],
        );
        let label = rng.near([244.0, 232.0, 200.0], 8.0);
        c.rect(cx, cy + 10.0, hw * 0.8, hh * 0.3, 5.0, 0.0, label);
        c.rect(cx, cy + 6.0, hw * 0.5, 5.0, 2.0, 0.0, [150.0, 40.0, 40.0]);
    }
    let (ux, uy) = (rng.range(110.0, 150.0), 520.0);
    c.shadow(ux + 8.0, uy, 50.0, 8.0);
    c.rect(ux, uy - 28.0, 36.0, 28.0, 8.0, 0.0, [236.0, 236.0, 230.0]);
    c.ellipse(ux, uy - 54.0, 34.0, 7.0, 0.0, 1.0, shade(liquid, 1.1));
}

fn mushrooms(c: &mut Canvas, rng: &mut Rng, wood_ear: bool) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([150.0, 120.0, 80.0], 12.0), 0.4);
    // A flat woven tray.
    c.ellipse(400.0, 420.0, 360.0, 160.0, 0.0, 1.0, [206.0, 176.0, 120.0]);
    let n = rng.int(7, 11);
    for _ in 0..n {
        let x = rng.range(120.0, 680.0);
        let y = rng.range(340.0, 500.0);
        let r = rng.range(42.0, 70.0);
        if wood_ear {
            let dark = rng.near([52.0, 36.0, 34.0], 10.0);
            c.ellipse(
                x,
                y,
                r,
                r * 0.7,
                rng.range(0.0, std::f32::consts::PI),
                1.0,
                dark,
            );
            c.ellipse(
                x - r * 0.15,
                y - r * 0.15,
                r * 0.6,
                r * 0.35,
                0.4,
                0.6,
                shade(dark, 1.5),
            );
            continue;
        }
        let cap = rng.near([120.0, 70.0, 40.0], 16.0);
        let angle = rng.range(-0.5, 0.5);
        c.rect(
            x,
            y + r * 0.45,
            r * 0.22,
            r * 0.45,
            6.0,
            angle,
            [232.0, 216.0, 190.0],
        );
        c.fill(
            (x - r, y - r, x + r, y + r),
            1.0,
            1.0,
            ellipse_sdf(x, y, r, r * 0.62, angle),
            move |px, py| {
                let d = (px - x + 0.3 * r).hypot(py - y + 0.3 * r) / (1.6 * r);
                shade(cap, 1.2 - 0.5 * d)
            },
        );
        // Cracks in the cap, as shiitake have.
        for _ in 0..4 {
            let a = rng.range(0.0, std::f32::consts::TAU);
            let l = rng.range(0.2, 0.5) * r;
            c.line(
                x,
                y,
                x + l * a.cos(),
                y + 0.6 * l * a.sin(),
                2.0,
                0.6,
                [236.0, 220.0, 196.0],
            );
        }
    }
}

fn shoots(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([120.0, 90.0, 60.0], 12.0), 0.45);
    let n = rng.int(6, 9);
    for i in 0..n {
        let x = 110.0 + i as f32 * 580.0 / (n - 1) as f32 + rng.range(-20.0, 20.0);
        let y = rng.range(380.0, 460.0);
        let len = rng.range(120.0, 180.0);
        let angle = rng.range(-1.8, -1.3);
        let tone = rng.near([200.0, 164.0, 96.0], 18.0);
        c.shadow(x + 10.0, y + 60.0, 60.0, 10.0);
        c.fill(
            (x - len, y - len, x + len, y + len),
            1.0,
            1.0,
            ellipse_sdf(x, y, len * 0.6, len * 0.2, angle),
            move |px, py| {
                let ridge = ((px * angle.cos() + py * angle.sin()) / 9.0).sin();
                shade(tone, 1.0 + 0.08 * ridge)
            },
        );
    }
}

fn fruit(c: &mut Canvas, rng: &mut Rng, apricot: bool) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([120.0, 150.0, 90.0], 14.0), 0.42);
    c.ellipse(400.0, 420.0, 340.0, 150.0, 0.0, 1.0, [210.0, 180.0, 120.0]);
    let n = rng.int(6, 9);
    let base: Rgb = if apricot {
        [236.0, 170.0, 40.0]
    } else {
        [222.0, 104.0, 34.0]
    };
    let mut spots: Vec<(f32, f32, f32)> = (0..n)
        .map(|_| {
            (
                rng.range(150.0, 650.0),
                rng.range(350.0, 480.0),
                rng.range(46.0, 66.0),
            )
        })
        .collect();
    spots.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (x, y, r) in spots {
        c.shadow(x + 10.0, y + r * 0.8, r, 10.0);
        let tone = rng.near(base, 16.0);
        c.ball(x, y, r, tone);
        if apricot {
            c.ellipse(
                x + r * 0.3,
                y + r * 0.2,
                r * 0.45,
                r * 0.35,
                0.5,
                0.35,
                [200.0, 60.0, 30.0],
            );
        } else {
            // The persimmon's green calyx.
            for k in 0..4 {
                let a = k as f32 * std::f32::consts::FRAC_PI_2 + rng.range(-0.2, 0.2);
                c.ellipse(
                    x + 0.25 * r * a.cos(),
                    y - 0.75 * r + 0.12 * r * a.sin(),
                    r * 0.28,
                    r * 0.1,
                    a,
                    1.0,
                    [80.0, 100.0, 50.0],
                );
            }
        }
    }
}

fn anise(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([230.0, 220.0, 196.0], 8.0), 0.3);
    let n = rng.int(5, 8);
    for _ in 0..n {
        let (x, y) = (rng.range(130.0, 670.0), rng.range(260.0, 500.0));
        let r = rng.range(50.0, 75.0);
        let turn = rng.range(0.0, 1.0);
        let tone = rng.near([130.0, 60.0, 36.0], 14.0);
        c.shadow(x + 8.0, y + 10.0, r, r * 0.5);
        for k in 0..8 {
            let a = turn + k as f32 * std::f32::consts::FRAC_PI_4;
            let (px, py) = (x + 0.5 * r * a.cos(), y + 0.5 * r * a.sin());
            c.ellipse(
                px,
                py,
                r * 0.5,
                r * 0.2,
                a,
                1.0,
                shade(tone, rng.range(0.85, 1.1)),
            );
            c.ellipse(
                x + 0.55 * r * a.cos(),
                y + 0.55 * r * a.sin(),
                r * 0.1,
                r * 0.07,
                a,
                1.0,
                [210.0, 170.0, 100.0],
            );
        }
        c.circle(x, y, r * 0.1, shade(tone, 0.7));
    }
}

fn basket(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([150.0, 170.0, 130.0], 12.0), 0.62);
    let cane = rng.near([208.0, 168.0, 100.0], 14.0);
    let (cx, cy) = (rng.range(360.0, 440.0), 380.0);
    let (hw, hh) = (rng.range(170.0, 210.0), rng.range(110.0, 140.0));
    c.shadow(cx + 20.0, cy + hh, hw * 1.2, 20.0);
    // Handle.
    c.fill(
        (cx - hw, cy - hh - 170.0, cx + hw, cy - hh),
        1.0,
        1.0,
        move |x, y| {
            ((x - cx).hypot((y - cy + hh) * 1.25) - hw * 0.8)
                .abs()
                .max(0.0)
                - 8.0
        },
        move |_, _| shade(cane, 0.8),
    );
    // Body: a basket narrowing to its base, woven over and under.
    let weave = rng.range(14.0, 20.0);
    c.fill(
        (cx - hw, cy - hh, cx + hw, cy + hh),
        1.0,
        1.0,
        move |x, y| {
            let t = (y - (cy - hh)) / (2.0 * hh);
            let half = hw * (1.0 - 0.22 * t);
            ((x - cx).abs() - half).max((y - cy).abs() - hh)
        },
        move |x, y| {
            let (u, v) = (((x - cx) / weave).floor(), ((y - cy) / weave).floor());
            let over = (u + v).rem_euclid(2.0) < 1.0;
            let fx = ((x - cx) / weave).fract().abs();
            let fy = ((y - cy) / weave).fract().abs();
            let edge = if over { fx } else { fy };
            let band = 1.0 - 0.35 * (2.0 * edge - 1.0).powi(2);
            shade(cane, if over { band } else { band * 0.86 })
        },
    );
    c.rect(cx, cy - hh, hw + 6.0, 12.0, 6.0, 0.0, shade(cane, 0.75));
}

fn chopsticks(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([110.0, 80.0, 60.0], 12.0), 0.35);
    let bamboo = rng.near([224.0, 196.0, 140.0], 10.0);
    let n = rng.int(22, 32);
    let angle = rng.range(-0.25, -0.1);
    for i in 0..n {
        let off = i as f32 * 7.0 - n as f32 * 3.5;
        let (x0, y0) = (130.0, 420.0 + off);
        let (x1, y1) = (670.0, 420.0 + off + 540.0 * angle);
        c.line(
            x0,
            y0,
            x1,
            y1,
            8.0,
            1.0,
            shade(bamboo, rng.range(0.82, 1.08)),
        );
    }
    let band = rng.near([190.0, 40.0, 40.0], 20.0);
    c.rect(
        400.0,
        420.0 + 270.0 * angle,
        14.0,
        n as f32 * 4.5,
        3.0,
        angle,
        band,
    );
}

fn boards(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([140.0, 140.0, 136.0], 8.0), 0.7);
    let timber = rng.near([206.0, 164.0, 110.0], 14.0);
    let layers = rng.int(4, 7);
    for i in 0..layers {
        let y = 480.0 - i as f32 * 52.0;
        let shift = rng.range(-20.0, 20.0);
        let tone = shade(timber, rng.range(0.88, 1.08));
        let seed = rng.range(0.0, 100.0);
        c.rect_with(400.0 + shift, y, 300.0, 24.0, 3.0, 0.0, move |x, y| {
            let grain = ((y * 0.9 + 6.0 * (x * 0.012 + seed).sin()) * 0.8).sin();
            shade(tone, 1.0 + 0.06 * grain)
        });
        // Glued strips across the board.
        let strips = 6;
        for s in 1..strips {
            let x = 100.0 + shift + s as f32 * 600.0 / strips as f32;
            c.line(x, y - 22.0, x, y + 22.0, 1.5, 0.5, shade(tone, 0.7));
        }
    }
}

fn furniture(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, rng.near([200.0, 190.0, 176.0], 8.0), 0.6);
    let timber = rng.near([150.0, 96.0, 56.0], 16.0);
    let (cx, floor) = (rng.range(380.0, 420.0), 520.0);
    c.shadow(cx, floor, 300.0, 20.0);
    // Table top and legs.
    c.rect(cx, floor - 170.0, 230.0, 16.0, 4.0, 0.0, timber);
    for dx in [-200.0, 200.0] {
        c.rect(
            cx + dx,
            floor - 80.0,
            12.0,
            80.0,
            3.0,
            0.0,
            shade(timber, 0.8),
        );
    }
    // Chairs on both sides.
    for side in [-1.0, 1.0] {
        let x = cx + side * 290.0;
        let seat = shade(timber, rng.range(0.9, 1.1));
        c.rect(x, floor - 110.0, 60.0, 10.0, 3.0, 0.0, seat);
        c.rect(x + side * 52.0, floor - 180.0, 8.0, 80.0, 3.0, 0.0, seat);
        for dx in [-48.0, 48.0] {
            c.rect(x + dx, floor - 50.0, 7.0, 50.0, 2.0, 0.0, shade(seat, 0.8));
        }
    }
    // A bowl of fruit on the table.
    c.ball(cx - 30.0, floor - 205.0, 24.0, [220.0, 120.0, 40.0]);
    c.ball(cx + 10.0, floor - 210.0, 26.0, [200.0, 60.0, 50.0]);
}

/// A stack of bricks in a running bond, with holes on their faces when `holes`.
fn bricks(c: &mut Canvas, rng: &mut Rng, clay: Rgb, holes: bool) {
    let (top, _) = wall(rng);
    let sky = mix(top, [200.0, 220.0, 240.0], 0.5);
    c.scene(
        sky,
        shade(sky, 0.92),
        rng.near([160.0, 150.0, 130.0], 10.0),
        0.75,
    );
    let (bw, bh) = (rng.range(110.0, 140.0), rng.range(52.0, 66.0));
    let rows = rng.int(5, 7);
    let cols = 5;
    let left = 400.0 - cols as f32 * bw / 2.0;
    for row in 0..rows {
        let y = 500.0 - row as f32 * (bh + 6.0);
        let offset = if row % 2 == 1 { bw / 2.0 } else { 0.0 };
        let count = if row % 2 == 1 { cols - 1 } else { cols };
        for col in 0..count {
            let x = left + offset + bw / 2.0 + col as f32 * (bw + 6.0);
            let tone = shade(clay, rng.range(0.88, 1.1));
            c.rect_with(x, y, bw / 2.0, bh / 2.0, 3.0, 0.0, move |_, py| {
                shade(tone, 1.08 - 0.2 * ((py - y) / bh + 0.5))
            });
            if holes {
                for h in [-1.0, 1.0] {
                    c.rect(
                        x + h * bw * 0.2,
                        y,
                        bw * 0.13,
                        bh * 0.28,
                        3.0,
                        0.0,
                        shade(tone, 0.45),
                    );
                }
            }
        }
    }
}

fn tiles(c: &mut Canvas, rng: &mut Rng) {
    let (top, _) = wall(rng);
    let sky = mix(top, [190.0, 214.0, 240.0], 0.6);
    c.scene(
        sky,
        shade(sky, 0.95),
        rng.near([120.0, 130.0, 100.0], 12.0),
        0.8,
    );
    let clay = rng.near([186.0, 84.0, 52.0], 14.0);
    let scale = rng.range(34.0, 44.0);
    // A roof: rows of overlapping rounded tiles, scale after scale.
    c.fill(
        (60.0, 90.0, 740.0, 480.0),
        1.0,
        1.0,
        |x, y| {
            let slope = (y - 90.0) * 0.4;
            ((x - 400.0).abs() - 300.0 - slope).max((y - 285.0).abs() - 195.0)
        },
        move |x, y| {
            let row = (y / scale).floor();
            let shift = if row.rem_euclid(2.0) < 1.0 {
                0.0
            } else {
                scale
            };
            let u = ((x + shift) / (2.0 * scale)).fract() * 2.0 - 1.0;
            let v = (y / scale).fract();
            let curve = (1.0 - u * u).max(0.0).sqrt();
            let lit = 0.75 + 0.3 * curve - 0.25 * v;
            shade(clay, lit)
        },
    );
}

fn pipes(c: &mut Canvas, rng: &mut Rng) {
    let (top, _) = wall(rng);
    let sky = mix(top, [200.0, 220.0, 240.0], 0.5);
    c.scene(
        sky,
        shade(sky, 0.92),
        rng.near([150.0, 140.0, 120.0], 10.0),
        0.72,
    );
    let concrete = rng.near([168.0, 168.0, 164.0], 8.0);
    let r = rng.range(95.0, 120.0);
    let positions: Vec<(f32, f32)> = vec![
        (400.0 - 2.05 * r, 520.0 - r),
        (400.0, 520.0 - r),
        (400.0 + 2.05 * r, 520.0 - r),
        (400.0 - 1.02 * r, 520.0 - 2.75 * r),
        (400.0 + 1.02 * r, 520.0 - 2.75 * r),
    ];
    c.shadow(400.0, 520.0, 3.3 * r, 20.0);
    for (x, y) in positions {
        let tone = shade(concrete, rng.range(0.92, 1.06));
        c.fill(
            (x - r, y - r, x + r, y + r),
            1.0,
            1.0,
            move |px, py| {
                let d = (px - x).hypot(py - y);
                (d - r).max(r * 0.72 - d)
            },
            move |px, py| {
                let d = (px - x + 0.3 * r).hypot(py - y + 0.3 * r) / (1.6 * r);
                shade(tone, 1.12 - 0.35 * d)
            },
        );
        c.circle(x, y, r * 0.72, shade(tone, 0.4));
    }
}

/// A heap of stone, sand or lime.
fn heap(c: &mut Canvas, rng: &mut Rng, category: &str) {
    let (top, _) = wall(rng);
    let sky = mix(top, [196.0, 218.0, 240.0], 0.6);
    c.scene(
        sky,
        shade(sky, 0.93),
        rng.near([140.0, 150.0, 110.0], 12.0),
        0.7,
    );
    let (base, pieces, size): (Rgb, usize, f32) = match category {
        "cat-soi" => ([214.0, 180.0, 110.0], 0, 0.0),
        "voi" => ([236.0, 236.0, 228.0], 60, 30.0),
        _ => ([140.0, 140.0, 140.0], 220, 18.0),
    };
    let tone = rng.near(base, 10.0);
    let (cx, h) = (rng.range(370.0, 430.0), rng.range(230.0, 290.0));
    c.shadow(cx + 20.0, 500.0, 360.0, 24.0);
    c.fill(
        (cx - 340.0, 500.0 - h, cx + 340.0, 500.0),
        1.0,
        1.0,
        move |x, y| ellipse_sdf(cx, 500.0, 330.0, h, 0.0)(x, y).max(y - 500.0),
        move |x, y| {
            // Grain: a hash of the pixel's position, fixed for a given place.
            let n = ((x * 12.989 + y * 78.233).sin() * 43_758.547).fract();
            let lit = 1.1 - 0.3 * ((x - cx + 120.0) / 400.0).abs() + 0.08 * n;
            shade(tone, lit)
        },
    );
    for _ in 0..pieces {
        let a = rng.range(std::f32::consts::PI, std::f32::consts::TAU);
        let r = rng.range(0.0, 1.0).sqrt();
        let (x, y) = (cx + 300.0 * r * a.cos(), 500.0 + (h - 20.0) * r * a.sin());
        let s = rng.range(0.6, 1.3) * size;
        c.ellipse(
            x,
            y,
            s,
            s * rng.range(0.6, 0.9),
            rng.range(0.0, std::f32::consts::PI),
            1.0,
            shade(tone, rng.range(0.75, 1.15)),
        );
    }
}

fn brocade(c: &mut Canvas, rng: &mut Rng) {
    let palette: [Rgb; 5] = [
        [180.0, 30.0, 40.0],
        [30.0, 30.0, 40.0],
        [236.0, 190.0, 40.0],
        [40.0, 110.0, 70.0],
        [60.0, 70.0, 160.0],
    ];
    let first = rng.int(0, 4);
    let colours: Vec<Rgb> = (0..4)
        .map(|i| rng.near(palette[(first + i * 2) % 5], 10.0))
        .collect();
    let band = rng.range(46.0, 64.0);
    let angle = rng.range(-0.15, 0.15);
    let (s, co) = angle.sin_cos();
    let fringe = colours.clone();
    // The cloth fills the picture: bands of diamonds and zigzags, as Dao and Tày weaving.
    c.fill(
        (0.0, 0.0, 800.0, 600.0),
        1.0,
        1.0,
        |_, _| -1.0,
        move |x, y| {
            let (u, v) = (x * co + y * s, -x * s + y * co);
            let row = (v / band).floor();
            let i = row.rem_euclid(4.0) as usize;
            let fv = (v / band).fract().abs() - 0.5;
            let fu = ((u / band).fract().abs() - 0.5).abs();
            let diamond = fu + fv.abs() < 0.32;
            let zig = (fv - 0.3 * (u / band * std::f32::consts::TAU).sin()).abs() < 0.08;
            if diamond {
                colours[(i + 2) % 4]
            } else if zig {
                colours[(i + 1) % 4]
            } else {
                colours[i]
            }
        },
    );
    // Fringe at the bottom.
    c.rect(400.0, 560.0, 420.0, 40.0, 0.0, 0.0, [246.0, 240.0, 226.0]);
    for k in 0..60 {
        let x = 10.0 + k as f32 * 13.5;
        c.line(
            x,
            520.0,
            x + rng.range(-4.0, 4.0),
            596.0,
            3.0,
            1.0,
            fringe[k % 4],
        );
    }
}

fn sacks(c: &mut Canvas, rng: &mut Rng) {
    let (top, bottom) = wall(rng);
    c.scene(top, bottom, wood(rng), 0.6);
    let n = rng.int(2, 3);
    for i in 0..n {
        let x = 400.0 + (i as f32 - (n - 1) as f32 / 2.0) * 220.0;
        let tone = rng.near([204.0, 180.0, 130.0], 14.0);
        c.shadow(x + 15.0, 520.0, 120.0, 16.0);
        c.rect(x, 400.0, 95.0, 120.0, 45.0, 0.0, tone);
        c.rect(x, 285.0, 60.0, 18.0, 9.0, 0.0, shade(tone, 0.8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_product_gets_the_same_picture_and_another_a_different_one() {
        let a = draw("mat-ong", "Mật ong hoa rừng Ba Bể");
        assert_eq!(a, draw("mat-ong", "Mật ong hoa rừng Ba Bể"));
        assert_ne!(a, draw("mat-ong", "Mật ong bạc hà"));
        let img = image::load_from_memory(&a).expect("a PNG");
        assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
    }
}
