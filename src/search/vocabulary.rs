//! The catalogue's own words, folded, with how many products use each: what a joined word
//! (`miendong`) is split into and what a word nothing has is most likely a slip for. Built
//! by ketnoi from the database, so both engines read a query alike.

use std::collections::HashMap;

use crate::domain::text::{self, edit_distance as distance};

/// A vocabulary and when it was read, as the app keeps it.
pub type Kept = Option<(std::time::Instant, std::sync::Arc<Vocabulary>)>;

#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Folded word → number of texts it is in.
    words: HashMap<String, u32>,
    /// A category's names and the words buyers use for it, folded → its slug.
    categories: HashMap<String, String>,
}

/// A text's words as search reads them: numbers apart from units, folded.
pub(crate) fn words_of(s: &str) -> impl Iterator<Item = String> {
    text::fold(&text::units_apart(s))
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect::<Vec<_>>()
        .into_iter()
}

impl Vocabulary {
    /// The words of the given texts (a product's name, brand, category names...).
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut words: HashMap<String, u32> = HashMap::new();
        for t in texts {
            let mut seen: Vec<String> = words_of(t).collect();
            seen.sort_unstable();
            seen.dedup();
            for w in seen {
                *words.entry(w).or_default() += 1;
            }
        }
        Vocabulary {
            words,
            categories: HashMap::new(),
        }
    }

    /// Adds the phrases that name each category (its names, its buyers' words).
    #[must_use]
    pub fn with_categories<'a>(
        mut self,
        categories: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
    ) -> Self {
        for (slug, phrases) in categories {
            for phrase in phrases {
                let key = words_of(phrase).collect::<Vec<_>>().join(" ");
                if !key.is_empty() {
                    self.categories
                        .entry(key)
                        .or_insert_with(|| slug.to_string());
                }
            }
        }
        self
    }

    /// The category named by consecutive words of a query (folded): `(first word, number
    /// of words, slug)`, the longest name first.
    pub fn category_in(&self, words: &[&str]) -> Option<(usize, usize, &str)> {
        let mut best: Option<(usize, usize, &str)> = None;
        for start in 0..words.len() {
            for len in (1..=5.min(words.len() - start)).rev() {
                if let Some(slug) = self.categories.get(&words[start..start + len].join(" ")) {
                    if best.is_none_or(|(_, l, _)| len > l) {
                        best = Some((start, len, slug.as_str()));
                    }
                    break;
                }
            }
        }
        best
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// A word typed without its spaces (`miendong`, `matong`, `chesantuyet`) split into the
    /// catalogue's words, when there is exactly one way: two words if any split in two
    /// exists, else three. `None` for a word the catalogue has, or no single split.
    pub fn split(&self, word: &str) -> Option<Vec<String>> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 4 || self.contains(word) || chars.iter().any(char::is_ascii_digit) {
            return None;
        }
        let part = |from: usize, to: usize| -> Option<String> {
            let s: String = chars[from..to].iter().collect();
            (to - from >= 2 && self.contains(&s)).then_some(s)
        };
        let mut twos = Vec::new();
        for i in 2..chars.len().saturating_sub(1) {
            if let (Some(a), Some(b)) = (part(0, i), part(i, chars.len())) {
                twos.push(vec![a, b]);
            }
        }
        if !twos.is_empty() {
            return (twos.len() == 1).then(|| twos.remove(0));
        }
        let mut threes = Vec::new();
        for i in 2..chars.len() {
            for j in i + 2..chars.len().saturating_sub(1) {
                if let (Some(a), Some(b), Some(c)) = (part(0, i), part(i, j), part(j, chars.len()))
                {
                    threes.push(vec![a, b, c]);
                }
            }
        }
        (threes.len() == 1).then(|| threes.remove(0))
    }

    /// The catalogue's word nearest to one it does not have: one edit away for a word of
    /// up to 4 letters, two for longer ones; the commonest first among the nearest.
    pub fn nearest(&self, word: &str) -> Option<&str> {
        let n = word.chars().count();
        let most = if n <= 4 { 1 } else { 2 };
        self.words
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(n) <= most)
            .filter_map(|(w, count)| {
                let d = distance(word, w);
                (d > 0 && d <= most).then_some((d, std::cmp::Reverse(*count), w.as_str()))
            })
            .min()
            .map(|(_, _, w)| w)
    }

    /// The catalogue's words one edit (a letter added, left out or changed, or two
    /// neighbours swapped) from `word`, commonest first.
    pub fn neighbours(&self, word: &str) -> Vec<&str> {
        let n = word.chars().count();
        let mut near: Vec<(std::cmp::Reverse<u32>, &str)> = self
            .words
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(n) <= 1)
            .filter(|(w, _)| distance(word, w) == 1)
            .map(|(w, count)| (std::cmp::Reverse(*count), w.as_str()))
            .collect();
        near.sort_unstable();
        near.into_iter().map(|(_, w)| w).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Vocabulary {
        Vocabulary::from_texts([
            "Miến dong Na Rì",
            "Miến dong loại hai",
            "Mật ong rừng",
            "Chè Shan tuyết",
            "Đũa tre",
            "Gạch không nung 6 lỗ",
        ])
    }

    #[test]
    fn joined_words_are_split_when_there_is_one_way() {
        let v = catalogue();
        assert_eq!(v.split("miendong").unwrap(), ["mien", "dong"]);
        assert_eq!(v.split("matong").unwrap(), ["mat", "ong"]);
        assert_eq!(v.split("cheshantuyet").unwrap(), ["che", "shan", "tuyet"]);
        assert_eq!(v.split("mien"), None, "a word the catalogue has");
        assert_eq!(v.split("xyzabc"), None);
    }

    #[test]
    fn a_category_named_in_a_query_is_found_by_its_longest_name() {
        let v = catalogue().with_categories([
            (
                "mien-dong",
                vec!["Miến dong", "Arrowroot vermicelli", "glass noodles"],
            ),
            ("che", vec!["Chè", "Tea", "green tea"]),
        ]);
        assert_eq!(
            v.category_in(&["mien", "dong", "na", "ri"]),
            Some((0, 2, "mien-dong"))
        );
        assert_eq!(
            v.category_in(&["cheap", "green", "tea"]),
            Some((1, 2, "che"))
        );
        assert_eq!(v.category_in(&["mat", "ong"]), None);
    }

    #[test]
    fn a_slip_finds_the_nearest_word_the_catalogue_has() {
        let v = catalogue();
        assert_eq!(v.nearest("mieb"), Some("mien"));
        assert_eq!(v.nearest("khnog"), Some("khong"));
        assert_eq!(v.nearest("zzzzzz"), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(v.len(), 19);
    }

    #[test]
    fn neighbours_are_the_words_one_edit_away() {
        let v = catalogue();
        assert_eq!(v.neighbours("mein"), ["mien"], "two letters swapped");
        assert_eq!(v.neighbours("dogn"), ["dong"]);
        assert_eq!(
            v.neighbours("mien"),
            Vec::<&str>::new(),
            "not the word itself"
        );
        // `dong` is in two texts, `nung` and `ong` in one: the commonest first.
        assert_eq!(v.neighbours("nong"), ["dong", "nung", "ong"]);
    }
}
