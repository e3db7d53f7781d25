//! Photos as they are stored and served: the sizes made of each upload and where they live.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Path under which public objects are served.
pub const MEDIA_PATH: &str = "/media/";

/// What a photo's row holds, borrowed.
pub struct Stored<'a> {
    pub id: i32,
    pub position: i32,
    pub width: i32,
    pub height: i32,
    pub alt: &'a str,
    /// JSON list of [`StoredVariant`].
    pub variants: &'a str,
    pub pending: bool,
}

/// One stored size of a photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImageVariant {
    pub width: u32,
    pub height: u32,
    /// `webp` or `jpeg`.
    pub format: String,
    /// Path (under `/media/`) or absolute URL; never changes, cache it for good.
    pub url: String,
    pub bytes: u64,
}

/// A photo as buyers get it: sizes for `srcset`, no metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhotoView {
    pub id: i32,
    /// 0 is the cover.
    pub position: i32,
    pub cover: bool,
    /// Upright size of the original.
    pub width: u32,
    pub height: u32,
    pub alt: String,
    /// The smallest JPEG, for lists and previews.
    pub thumbnail: String,
    pub variants: Vec<ImageVariant>,
    /// Added to a published listing and waiting for the centre; only its members and
    /// staff see it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

impl PhotoView {
    /// The photo as served, from what its row stores: `variants` is the JSON list of the
    /// stored sizes, with their object keys.
    pub fn from_stored(stored: &Stored<'_>) -> Self {
        let variants: Vec<ImageVariant> =
            serde_json::from_str::<Vec<StoredVariant>>(stored.variants)
                .unwrap_or_default()
                .into_iter()
                .map(|v| ImageVariant {
                    width: v.width,
                    height: v.height,
                    format: v.format,
                    url: format!("{MEDIA_PATH}{}", v.key.trim_start_matches("public/")),
                    bytes: v.bytes,
                })
                .collect();
        let thumbnail = variants
            .iter()
            .find(|v| v.format == "jpeg")
            .map(|v| v.url.clone())
            .unwrap_or_default();
        PhotoView {
            id: stored.id,
            position: stored.position,
            cover: stored.position == 0,
            width: u32::try_from(stored.width).unwrap_or(0),
            height: u32::try_from(stored.height).unwrap_or(0),
            alt: stored.alt.to_string(),
            thumbnail,
            variants,
            pending: stored.pending,
        }
    }

    /// `srcset` of one format, up to `max_width`.
    pub fn srcset(&self, format: &str, max_width: u32) -> String {
        self.variants
            .iter()
            .filter(|v| v.format == format && v.width <= max_width)
            .map(|v| format!("{} {}w", v.url, v.width))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The JPEG closest to `width` from below (or the smallest), for `src`.
    pub fn jpeg(&self, width: u32) -> &str {
        self.variants
            .iter()
            .filter(|v| v.format == "jpeg")
            .take_while(|v| v.width <= width)
            .last()
            .or_else(|| self.variants.iter().find(|v| v.format == "jpeg"))
            .map_or("", |v| v.url.as_str())
    }

    /// Height at `width`, keeping the aspect ratio (for `width`/`height` attributes).
    pub fn height_at(&self, width: u32) -> u32 {
        if self.width == 0 {
            return width;
        }
        ((u64::from(self.height) * u64::from(width)) / u64::from(self.width)) as u32
    }
}

/// One stored size as its row keeps it: the object key rather than a URL.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredVariant {
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub key: String,
    pub bytes: u64,
}
