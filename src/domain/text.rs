//! Vietnamese text: normalisation, diacritic folding and readable URL slugs.

use std::borrow::Cow;

use unicode_normalization::{
    IsNormalized, UnicodeNormalization,
    char::{canonical_combining_class, is_combining_mark},
    is_nfc_quick,
};

/// NFC-normalises and trims; collapses runs of whitespace to one space.
pub fn clean(input: &str) -> String {
    cleaned(input).into_owned()
}

/// [`clean`], borrowing text that is clean already (as stored text is): read for every
/// search hit, so it only checks before it copies.
pub fn cleaned(input: &str) -> Cow<'_, str> {
    if plainly_clean(input) {
        return Cow::Borrowed(input);
    }
    cleaned_by_the_tables(input)
}

/// [`cleaned`] without its fast path: the Unicode tables for every character.
fn cleaned_by_the_tables(input: &str) -> Cow<'_, str> {
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

/// Text [`cleaned`] leaves as it is, told without the Unicode tables when it is written in
/// ASCII and the characters of [`table`] (as stored text nearly always is): every character
/// [`Reading::settled`], and no whitespace but single spaces between words. `false` says
/// only that the general path must decide.
fn plainly_clean(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c == ' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if reading(c).settled {
            after_space = false;
        } else {
            return false;
        }
    }
    !after_space || s.is_empty()
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
    match tabled(c).and_then(|r| r.folded) {
        Some(f) => out.push(f),
        None => fold_char_general(c, out),
    }
}

/// [`char::is_alphanumeric`]: what search reads as part of a word.
pub fn alphanumeric(c: char) -> bool {
    tabled(c).map_or_else(|| c.is_alphanumeric(), |r| r.word)
}

/// [`fold_char`] of a character outside ASCII, from the Unicode tables.
fn fold_char_general(c: char, out: &mut String) {
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

/// How search reads a character of a text: every search hit's text is read a character at
/// a time, and for ASCII and the characters of [`table`] (the Latin letters Vietnamese is
/// written with, punctuation, the đồng sign) this is told without the Unicode tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// [`char::is_alphanumeric`]: part of a word.
    pub word: bool,
    /// Not whitespace, and NFC whatever stands beside it: ASCII, or a starter (combining
    /// class 0) whose NFC quick check is Yes.
    pub settled: bool,
    /// [`fold_char`]'s one character, `None` where it gives none or several.
    folded: Option<char>,
}

impl Reading {
    /// From the Unicode tables (once for each character of [`table`]).
    fn of(c: char) -> Reading {
        let mut one = String::new();
        fold_char_general(c, &mut one);
        let mut folded = one.chars();
        Reading {
            folded: match (folded.next(), folded.next()) {
                (Some(f), None) => Some(f),
                _ => None,
            },
            ..Reading::untabled(c)
        }
    }

    /// From the Unicode tables, leaving the folding to [`fold_char_general`].
    fn untabled(c: char) -> Reading {
        Reading {
            word: c.is_alphanumeric(),
            settled: !c.is_whitespace()
                && (c.is_ascii()
                    || (canonical_combining_class(c) == 0
                        && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes)),
            folded: None,
        }
    }

    /// Appends `c`, read this way, folded.
    pub fn fold_onto(self, c: char, out: &mut String) {
        match self.folded {
            Some(f) => out.push(f),
            None => fold_char_general(c, out),
        }
    }
}

/// The blocks [`table`] holds: Latin-1 Supplement, Latin Extended-A and -B; Latin Extended
/// Additional; General Punctuation and Currency Symbols.
const TABLED: [std::ops::Range<u32>; 3] = [0x80..0x250, 0x1E00..0x1F00, 0x2000..0x20D0];

/// [`Reading::of`] each character of [`TABLED`], worked out once.
fn table() -> &'static [Reading] {
    static TABLE: std::sync::OnceLock<Vec<Reading>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        TABLED
            .into_iter()
            .flatten()
            .map(|c| Reading::of(char::from_u32(c).unwrap_or('\u{fffd}')))
            .collect()
    })
}

/// How search reads `c` ([`Reading`]).
#[inline]
pub fn reading(c: char) -> Reading {
    tabled(c).unwrap_or_else(|| Reading::untabled(c))
}

/// [`reading`] of ASCII and the characters of [`table`].
#[inline]
fn tabled(c: char) -> Option<Reading> {
    if c.is_ascii() {
        return Some(Reading {
            word: c.is_ascii_alphanumeric(),
            settled: !c.is_whitespace(),
            folded: Some(c.to_ascii_lowercase()),
        });
    }
    let code = u32::from(c);
    let mut offset = 0;
    for block in TABLED {
        if block.contains(&code) {
            return Some(table()[offset + (code - block.start) as usize]);
        }
        offset += block.len();
    }
    None
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

/// Edits (insert, delete, replace, or swap two neighbours) from `a` to `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
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
    fn tabled_characters_read_as_the_unicode_tables_say() {
        use super::{fold_char, fold_char_general, reading};
        // Every character of the blocks the fast path knows, and around them.
        for c in (0..0x300).chain(0x1d00..0x2100).filter_map(char::from_u32) {
            let (mut fast, mut general) = (String::new(), String::new());
            fold_char(c, &mut fast);
            if c.is_ascii() {
                general.push(c.to_ascii_lowercase());
            } else {
                fold_char_general(c, &mut general);
            }
            assert_eq!(fast, general, "{c:?}");
            assert_eq!(super::alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            assert_eq!(reading(c).word, c.is_alphanumeric(), "{c:?}");
            let mut read = String::new();
            reading(c).fold_onto(c, &mut read);
            assert_eq!(read, general, "{c:?}");
            for text in [
                format!("{c}"),
                format!("a{c}b"),
                format!("Miến {c} dong"),
                format!("{c}\u{0301}"),
                format!("e\u{0302}{c}"),
            ] {
                let (fast, tables) = (cleaned(&text), cleaned_by_the_tables(&text));
                assert_eq!(fast, tables, "{text:?}");
                assert_eq!(
                    matches!(fast, Cow::Borrowed(_)),
                    matches!(tables, Cow::Borrowed(_)),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn cleaning_reads_ascii_vietnamese_and_decomposed_text_alike() {
        let nfd: String = "Miến dong Na Rì".nfd().collect();
        for text in [
            "Miến dong Na Rì",
            "Mien dong Na Ri",
            nfd.as_str(),
            "ĐŨA TRE  Bạch Thông",
            " Hồng không hạt",
            "Hồng không hạt ",
            "Hồng\u{a0}không",
            "Hồng\u{85}không",
            "Hồng\u{b}không",
            "Hồng\u{2003}không",
            "tab\there",
            "Rượu men lá – ½ × 😀",
            "Ǆ ǅ ǆ İ ẞ ŉ",
            "",
            " ",
        ] {
            assert_eq!(cleaned(text), cleaned_by_the_tables(text), "{text:?}");
        }
        let long = "Miến dong Na Rì được làm từ củ dong riềng. ".repeat(50);
        assert_eq!(cleaned(&long), cleaned_by_the_tables(&long));
        assert_eq!(
            cleaned(long.trim_end()),
            cleaned_by_the_tables(long.trim_end())
        );
        assert!(matches!(cleaned(long.trim_end()), Cow::Borrowed(_)));
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
