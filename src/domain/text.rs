//! Vietnamese text: normalisation, diacritic folding and readable URL slugs.

use std::borrow::Cow;

use unicode_normalization::{
    IsNormalized, UnicodeNormalization, char::is_combining_mark, is_nfc_quick,
};

/// NFC-normalises and trims; collapses runs of whitespace to one space.
pub fn clean(input: &str) -> String {
    cleaned(input).into_owned()
}

/// [`clean`], borrowing text that is clean already (as stored text is): read for every
/// search hit, so it only checks before it copies.
pub fn cleaned(input: &str) -> Cow<'_, str> {
    let composed = if is_nfc_quick(input.chars()) == IsNormalized::Yes {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(input.nfc().collect::<String>())
    };
    if single_spaced(&composed) {
        return composed;
    }
    Cow::Owned(composed.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// No whitespace but single spaces between words.
fn single_spaced(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if c != ' ' || after_space {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    !after_space || s.is_empty()
}

/// A name as it is matched: cleaned and folded (`HTX  Miến Dong` → `htx mien dong`).
pub fn name_key(name: &str) -> String {
    fold(&clean(name))
}

/// Appends `c` folded as [`fold`] folds it: lower-cased, without its diacritics (a
/// combining mark on its own folds to nothing). For text read a character at a time.
pub fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if matches!(c, 'đ' | 'Đ') {
        out.push('d');
        return;
    }
    unicode_normalization::char::decompose_canonical(c, |d| {
        if !is_combining_mark(d) {
            out.extend(d.to_lowercase());
        }
    });
}

/// Lower-cases and removes diacritics, `đ` included (it has no decomposition of its own).
pub fn fold(input: &str) -> String {
    input
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Numbers apart from their units, as search reads them: `500g` → `500 g`, `6lỗ` → `6 lỗ`,
/// `ISO22000` → `ISO 22000`; a size stays one word (`1x2`, `20x20x5`).
pub fn units_apart(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if let Some(&before) = i.checked_sub(1).and_then(|j| chars.get(j)) {
            // The `x` of a size, between two digits.
            let size_x = |j: usize| {
                matches!(chars.get(j), Some('x' | 'X' | '×'))
                    && j > 0
                    && chars[j - 1].is_ascii_digit()
                    && chars.get(j + 1).is_some_and(char::is_ascii_digit)
            };
            let boundary = (before.is_ascii_digit() && c.is_alphabetic() && !size_x(i))
                || (before.is_alphabetic() && c.is_ascii_digit() && !size_x(i - 1));
            if boundary {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

/// `Miến dong Na Rì` → `mien-dong-na-ri`. Never empty: falls back to `san-pham`.
pub fn slugify(input: &str) -> String {
    let folded = fold(input);
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.len() > 80 {
        slug.truncate(80);
        slug = slug.trim_end_matches('-').to_string();
    }
    if slug.is_empty() {
        "san-pham".to_string()
    } else {
        slug
    }
}

/// `1290000` → `1.290.000`, as Vietnamese write it.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A large sum in the unit people say it in: `1,29` (billions) or `180` (millions), with
/// `decimal` as the decimal mark and at most two decimals, trailing zeros dropped; `None`
/// under a million. `compact(1_290_000_000, ',')` is `Some(("1,29", Scale::Billion))`.
pub fn compact(n: i64, decimal: char) -> Option<(String, Scale)> {
    let (unit, scale) = match n.unsigned_abs() {
        a if a >= 1_000_000_000 => (1_000_000_000_i128, Scale::Billion),
        a if a >= 1_000_000 => (1_000_000_i128, Scale::Million),
        _ => return None,
    };
    // Hundredths, rounded half away from zero.
    let hundredths = (i128::from(n) * 100 * 2 + unit * i128::from(n.signum())) / (unit * 2);
    let whole = hundredths / 100;
    let frac = (hundredths % 100).abs();
    let text = match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{decimal}{}", f / 10),
        f => format!("{whole}{decimal}{f:02}"),
    };
    Some((text, scale))
}

/// The unit of a [`compact`] sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Million,
    Billion,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_character_at_a_time_folds_as_the_whole_text_does() {
        use super::{fold, fold_char};
        for text in [
            "Miến dong Na Rì",
            "ĐŨA TRE Bạch Thông",
            "Chè Shan tuyết 500g",
            "Mie\u{0302}\u{0301}n",
            "Rượu men lá – ½ ×",
        ] {
            let mut one = String::new();
            for c in text.chars() {
                fold_char(c, &mut one);
            }
            assert_eq!(one, fold(text), "{text}");
        }
    }

    #[test]
    fn numbers_stand_apart_from_their_units_and_sizes_stay_whole() {
        use super::units_apart;
        assert_eq!(units_apart("500g"), "500 g");
        assert_eq!(units_apart("Gói 500gr"), "Gói 500 gr");
        assert_eq!(units_apart("gạch 6lỗ"), "gạch 6 lỗ");
        assert_eq!(units_apart("ISO22000"), "ISO 22000");
        assert_eq!(units_apart("1x2"), "1x2");
        assert_eq!(units_apart("20x20x5cm"), "20x20x5 cm");
        assert_eq!(units_apart("220×105×60"), "220×105×60");
        assert_eq!(units_apart("500 g"), "500 g");
        assert_eq!(units_apart(""), "");
    }

    use super::*;

    #[test]
    fn large_sums_read_in_billions_and_millions() {
        assert_eq!(
            compact(1_290_000_000, ','),
            Some(("1,29".into(), Scale::Billion))
        );
        assert_eq!(
            compact(1_000_000_000, ','),
            Some(("1".into(), Scale::Billion))
        );
        assert_eq!(
            compact(1_305_000_000, '.'),
            Some(("1.31".into(), Scale::Billion))
        );
        assert_eq!(
            compact(180_000_000, ','),
            Some(("180".into(), Scale::Million))
        );
        assert_eq!(
            compact(2_500_000, ','),
            Some(("2,5".into(), Scale::Million))
        );
        assert_eq!(compact(999_999, ','), None);
    }

    #[test]
    fn slugs_read_like_the_name() {
        assert_eq!(slugify("Miến dong Na Rì"), "mien-dong-na-ri");
        assert_eq!(slugify("  Đũa tre — Bạch Thông!! "), "dua-tre-bach-thong");
        assert_eq!(
            slugify("Chè Shan tuyết 100% (loại 1)"),
            "che-shan-tuyet-100-loai-1"
        );
        assert_eq!(slugify("!!!"), "san-pham");
    }

    #[test]
    fn nfd_and_nfc_fold_alike() {
        let nfd: String = "Miến dong".nfd().collect();
        assert_eq!(fold(&nfd), fold("Miến dong"));
        assert_eq!(fold("ĐŨA TRE"), "dua tre");
    }

    #[test]
    fn clean_normalises_and_collapses_spaces() {
        let nfd: String = "Hồng  không\thạt ".nfd().collect();
        assert_eq!(clean(&nfd), "Hồng không hạt");
        for messy in [" Hồng", "Hồng ", "Hồng\nkhông", "", " ", "a  b"] {
            let expected = messy.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(cleaned(messy), expected, "{messy:?}");
        }
        // Clean text is read where it is, not copied.
        assert!(matches!(cleaned("Hồng không hạt"), Cow::Borrowed(_)));
    }
}
