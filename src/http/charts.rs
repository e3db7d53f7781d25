//! Charts drawn on the server as SVG: bars and lines, in the page's colours, readable printed
//! in black and white (each series has its own pattern of fill), with a title for screen
//! readers. The numbers are always in a table beside the chart as well.

use std::fmt::Write;

/// A chart's series: its name and one value per category.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<u64>,
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1.290` for a count.
fn number(n: u64) -> String {
    crate::domain::text::group_thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

fn cut(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    }
}

const CLASSES: [&str; 3] = ["s0", "s1", "s2"];

fn legend(out: &mut String, series: &[Series<'_>], y: u32) {
    let mut x = 0;
    for (i, s) in series.iter().enumerate() {
        let _ = write!(
            out,
            r#"<rect class="{}" x="{x}" y="{y}" width="12" height="12"/><text x="{}" y="{}">{}</text>"#,
            CLASSES[i % 3],
            x + 16,
            y + 11,
            esc(s.name)
        );
        x += 24 + u32::try_from(s.name.chars().count()).unwrap_or(20) * 7;
    }
}

/// Horizontal bars, one group per category, one bar per series.
pub fn bars(id: &str, title: &str, categories: &[String], series: &[Series<'_>]) -> String {
    let width = 640u32;
    let label_w = 190u32;
    let bar_h = 12u32;
    let group_h = bar_h * u32::try_from(series.len()).unwrap_or(1) + 10;
    let top = 24u32;
    let height = top + group_h * u32::try_from(categories.len()).unwrap_or(0) + 8;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let span = width - label_w - 70;
    let mut out = format!(
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        esc(title)
    );
    legend(&mut out, series, 0);
    for (row, label) in categories.iter().enumerate() {
        let y0 = top + group_h * u32::try_from(row).unwrap_or(0);
        let _ = write!(
            out,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            label_w - 8,
            y0 + group_h / 2 + 2,
            esc(&cut(label, 28))
        );
        for (i, s) in series.iter().enumerate() {
            let v = s.values.get(row).copied().unwrap_or(0);
            let w = u32::try_from(u64::from(span) * v / max).unwrap_or(span);
            let y = y0 + bar_h * u32::try_from(i).unwrap_or(0);
            let _ = write!(
                out,
                r#"<rect class="{}" x="{label_w}" y="{y}" width="{}" height="{}"><title>{}: {}</title></rect><text class="value" x="{}" y="{}">{}</text>"#,
                CLASSES[i % 3],
                w.max(1),
                bar_h - 2,
                esc(s.name),
                number(v),
                label_w + w.max(1) + 4,
                y + bar_h - 3,
                number(v)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Lines over time (or any ordered categories), one per series.
pub fn lines(id: &str, title: &str, points: &[String], series: &[Series<'_>]) -> String {
    let (width, height) = (640u32, 260u32);
    let (left, right, top, bottom) = (56u32, 16u32, 28u32, 36u32);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let n = u32::try_from(points.len()).unwrap_or(1).max(1);
    let x_of = |i: usize| {
        if n == 1 {
            left + plot_w / 2
        } else {
            left + plot_w * u32::try_from(i).unwrap_or(0) / (n - 1)
        }
    };
    let y_of = |v: u64| top + plot_h - u32::try_from(u64::from(plot_h) * v / max).unwrap_or(plot_h);
    let mut out = format!(
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        esc(title)
    );
    legend(&mut out, series, 0);
    // Axis and the top value.
    let _ = write!(
        out,
        r#"<line class="axis" x1="{left}" y1="{}" x2="{}" y2="{}"/><line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{}"/><text class="value" x="{}" y="{}" text-anchor="end">{}</text><text class="value" x="{}" y="{}" text-anchor="end">0</text>"#,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h,
        left - 6,
        top + 4,
        number(max),
        left - 6,
        top + plot_h
    );
    let step = (points.len() / 8).max(1);
    for (i, p) in points.iter().enumerate() {
        if i % step == 0 || i + 1 == points.len() {
            let _ = write!(
                out,
                r#"<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                x_of(i),
                height - bottom + 16,
                esc(p)
            );
        }
    }
    for (s_i, s) in series.iter().enumerate() {
        let path: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", x_of(i), y_of(*v)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="line {}" points="{}"/>"#,
            CLASSES[s_i % 3],
            path.join(" ")
        );
        for (i, v) in s.values.iter().enumerate() {
            let _ = write!(
                out,
                r#"<circle class="{}" cx="{}" cy="{}" r="3"><title>{} {}: {}</title></circle>"#,
                CLASSES[s_i % 3],
                x_of(i),
                y_of(*v),
                esc(s.name),
                esc(points.get(i).map_or("", String::as_str)),
                number(*v)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars(
            "c",
            "Sản phẩm <theo> nhóm",
            &["Miến & bún".to_string(), "Tre".to_string()],
            &[Series {
                name: "Tổng",
                values: vec![40, 10],
            }],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Sản phẩm &lt;theo&gt; nhóm"));
        assert!(svg.contains("Miến &amp; bún"));
        // The largest bar spans the plot (380 units), the other a quarter of it.
        assert!(svg.contains(r#"width="380""#), "{svg}");
        assert!(svg.contains(r#"width="95""#), "{svg}");
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn lines_place_each_point() {
        let svg = lines(
            "l",
            "Theo tháng",
            &["01/2026".to_string(), "02/2026".to_string()],
            &[Series {
                name: "Sản phẩm",
                values: vec![0, 10],
            }],
        );
        assert!(svg.contains(r#"points="56,224 624,28""#), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
