//! Words as typed with their accents. Both engines match folded words, so `chè` (tea)
//! finds `chế` (to process) as well; a query typed with its accents ranks first the
//! documents that hold every accented word spelled as typed, in their names, brands,
//! categories, places or producers. Those words are compared in a code of ASCII letters
//! (as Telex types them: `chè` → `chef`, `chế` → `chees`, `đồng` → `ddoongf`), which no
//! engine's normaliser changes.

use std::collections::BTreeSet;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::{SearchDoc, SearchQuery, Sort};
use crate::domain::text;

/// `word` (lower-cased) in Telex letters: a vowel's circumflex doubles it (`ê` → `ee`), a
/// breve or horn adds `w` (`ă` → `aw`, `ư` → `uw`), `đ` is `dd`, and the tone is a last
/// letter (`f` grave, `s` acute, `r` hook, `x` tilde, `j` dot below). `None` for a word
/// without diacritics: it is the same however it is typed.
pub fn code(word: &str) -> Option<String> {
    if word.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(word.len() + 2);
    let mut tone = None;
    for c in word.chars() {
        if matches!(c, 'đ' | 'Đ') {
            out.push_str("dd");
            continue;
        }
        decompose_canonical(c, |d| match d {
            '\u{0300}' => tone = Some('f'),
            '\u{0301}' => tone = Some('s'),
            '\u{0309}' => tone = Some('r'),
            '\u{0303}' => tone = Some('x'),
            '\u{0323}' => tone = Some('j'),
            '\u{0302}' => {
                if let Some(vowel) = out.chars().last() {
                    out.push(vowel);
                }
            }
            '\u{0306}' | '\u{031B}' => out.push('w'),
            // Any other mark (`ü`, `ç`) still tells the word apart from its bare letters.
            d if is_combining_mark(d) => out.push('q'),
            d => out.extend(d.to_lowercase()),
        });
    }
    out.extend(tone);
    Some(out)
}

/// The coded words a text holds: its words written with diacritics.
fn coded_words(text: &str, into: &mut BTreeSet<String>) {
    let cleaned = text::units_apart(&text::clean(text)).to_lowercase();
    into.extend(
        cleaned
            .split(|c: char| !c.is_alphanumeric())
            .filter_map(code),
    );
}

impl SearchDoc {
    /// The words with diacritics in the product's name, brand, categories, place and
    /// producer, coded: what an accented query word is compared with.
    pub fn accented_words(&self) -> Vec<String> {
        let mut words = BTreeSet::new();
        for part in [
            self.name.as_str(),
            self.brand.as_deref().unwrap_or_default(),
            &self.enterprise_name,
            &self.commune,
            &self.province,
        ]
        .into_iter()
        .chain(self.category_names.iter().map(String::as_str))
        .chain(self.former_places.iter().map(String::as_str))
        {
            coded_words(part, &mut words);
        }
        words.into_iter().collect()
    }
}

impl SearchQuery {
    /// The query's words typed with diacritics, coded, when results are ranked by
    /// relevance and shown: documents holding every one of them as typed come first (a
    /// sort the buyer chose is kept as chosen; a count needs no order). A word still being
    /// typed is not one of them.
    pub fn accented_words(&self) -> Vec<String> {
        if self.sort != Sort::Relevance || self.limit == 0 {
            return Vec::new();
        }
        let mut words = BTreeSet::new();
        for w in self.words.iter().filter(|w| !w.prefix) {
            words.extend(w.exact.split_whitespace().filter_map(code));
        }
        words.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_accent_has_its_own_letters() {
        assert_eq!(code("chè").as_deref(), Some("chef"));
        assert_eq!(code("chế").as_deref(), Some("chees"));
        assert_eq!(code("bắc").as_deref(), Some("bawcs"));
        assert_eq!(code("kạn").as_deref(), Some("kanj"));
        assert_eq!(code("đồng").as_deref(), Some("ddoongf"));
        assert_eq!(code("ệ").as_deref(), Some("eej"));
        assert_eq!(code("ngưỡng").as_deref(), Some("nguwowngx"));
        assert_eq!(code("của").as_deref(), Some("cuar"));
        assert_eq!(code("dong"), None);
        // Decomposed (NFD) input codes as composed does.
        assert_eq!(code("che\u{0300}").as_deref(), Some("chef"));
    }

    #[test]
    fn words_that_fold_alike_code_apart() {
        let all = ["che", "chè", "chế", "chẻ", "chẽ", "chẹ", "chê", "chề"];
        let coded: BTreeSet<Option<String>> = all.iter().map(|w| code(w)).collect();
        assert_eq!(coded.len(), all.len());
    }

    #[test]
    fn a_query_codes_its_finished_accented_words_only_when_ranked_by_relevance() {
        let mut q = SearchQuery {
            words: super::super::words("Chè Bắc dong kạ"),
            limit: 24,
            ..Default::default()
        };
        assert_eq!(q.accented_words(), ["bawcs", "chef"]);
        q.sort = Sort::PriceAsc;
        assert!(q.accented_words().is_empty());
        q.sort = Sort::Relevance;
        q.limit = 0;
        assert!(q.accented_words().is_empty());
    }
}
