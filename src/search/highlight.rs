//! Highlighting matched words in the original text, the same for every engine.

use super::Word;
use crate::domain::text;

/// Whether the Damerau–Levenshtein distance (adjacent transpositions) between `a` and `b`
/// is at most `max`. Only the band of cells within `max` of the diagonal is computed, so the
/// work is linear in the words' length whatever text a producer or a searcher sends.
fn within(a: &str, b: &str, max: usize) -> bool {
    // Folded words are nearly always ASCII: compared as bytes, without collecting them.
    if a.is_ascii() && b.is_ascii() {
        return within_seq(a.as_bytes(), b.as_bytes(), max);
    }
    if a.chars().count().abs_diff(b.chars().count()) > max {
        return false;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within_seq(&a, &b, max)
}

fn within_seq<T: PartialEq>(a: &[T], b: &[T], max: usize) -> bool {
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let far = max + 1;
    let width = b.len() + 1;
    // Three rolling rows: the one before last (for transpositions), the last, this one; on
    // the stack for words of ordinary length.
    let mut small = [0usize; 3 * 33];
    let mut large = Vec::new();
    let cells: &mut [usize] = if width <= 33 {
        &mut small[..3 * width]
    } else {
        large.resize(3 * width, 0);
        &mut large
    };
    let (before, rest) = cells.split_at_mut(width);
    let (last, row) = rest.split_at_mut(width);
    let (mut before, mut last, mut row) = (before, last, row);
    before.fill(far);
    for (j, cell) in last.iter_mut().enumerate() {
        *cell = j.min(far);
    }
    for i in 1..=a.len() {
        let lo = i.saturating_sub(max).max(1);
        let hi = (i + max).min(b.len());
        row.fill(far);
        row[0] = i.min(far);
        let mut best = row[0];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d.min(far);
            best = best.min(row[j]);
        }
        if best > max {
            return false;
        }
        std::mem::swap(&mut before, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    last[b.len()] <= max
}

/// Does an indexed word (folded) match a query word: exactly, by prefix when typing, or
/// within the typos allowed?
pub fn matches(indexed: &str, word: &Word) -> bool {
    Matcher::new(word).matches(indexed)
}

/// A query word made ready to be compared with every word of a text.
struct Matcher<'a> {
    /// Indexed words it matches as they are: the word and its synonyms, or, for a word of
    /// several (`mien dong`, split from `miendong`, or a synonym such as `bun tau`), each of
    /// their words.
    whole: Vec<&'a str>,
    /// Only whole words (a word of several).
    several: bool,
    folded: &'a str,
    prefix: bool,
    typos: usize,
    chars: usize,
}

impl<'a> Matcher<'a> {
    fn new(word: &'a Word) -> Self {
        let several = word.folded.contains(' ') || word.synonyms.iter().any(|s| s.contains(' '));
        let whole = std::iter::once(&word.folded)
            .chain(&word.synonyms)
            .flat_map(|phrase| phrase.split(' '))
            .collect();
        Matcher {
            whole,
            several,
            folded: &word.folded,
            prefix: word.prefix,
            typos: usize::from(word.typos()),
            chars: word.folded.chars().count(),
        }
    }

    fn matches(&self, indexed: &str) -> bool {
        if self.whole.contains(&indexed) {
            return true;
        }
        if self.several {
            return false;
        }
        if self.prefix && indexed.starts_with(self.folded) {
            return true;
        }
        if self.typos == 0 {
            return false;
        }
        if self.prefix {
            // A prefix within the typo budget: compare with the start of the indexed word.
            let head = match indexed.char_indices().nth(self.chars) {
                Some((at, _)) => &indexed[..at],
                None => indexed,
            };
            if within(head, self.folded, self.typos) {
                return true;
            }
        }
        within(indexed, self.folded, self.typos)
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The text, HTML-escaped, with matched words wrapped in `<mark>`.
pub fn highlight(original: &str, words: &[Word]) -> String {
    Highlighter::new(words).highlight(original)
}

/// About `max` characters of the text around its first match, highlighted.
pub fn snippet(original: &str, words: &[Word], max: usize) -> String {
    Highlighter::new(words).snippet(original, max)
}

/// The query's words made ready once, for every text of every hit.
pub struct Highlighter<'a> {
    words: Vec<Matcher<'a>>,
}

impl<'a> Highlighter<'a> {
    pub fn new(words: &'a [Word]) -> Self {
        Highlighter {
            words: words.iter().map(Matcher::new).collect(),
        }
    }

    /// The text, HTML-escaped, with matched words wrapped in `<mark>`.
    pub fn highlight(&self, original: &str) -> String {
        marked(&text::cleaned(original), &self.words)
    }

    /// About `max` characters of the text around its first match, highlighted.
    pub fn snippet(&self, original: &str, max: usize) -> String {
        snippet_of(original, &self.words, max)
    }
}

/// [`highlight`] of text already cleaned.
fn marked(cleaned: &str, words: &[Matcher]) -> String {
    let original = cleaned;
    let mut out = String::with_capacity(original.len() + 16);
    // The word being read, as written and folded.
    let mut current = String::new();
    let mut folded = String::new();
    let flush = |current: &mut String, folded: &mut String, out: &mut String| {
        if current.is_empty() {
            return;
        }
        if words.iter().any(|w| w.matches(folded)) {
            out.push_str("<mark>");
            escape_into(out, current);
            out.push_str("</mark>");
        } else {
            escape_into(out, current);
        }
        current.clear();
        folded.clear();
    };
    for c in original.chars() {
        if c.is_alphanumeric() {
            current.push(c);
            text::fold_char(c, &mut folded);
        } else {
            flush(&mut current, &mut folded, &mut out);
            escape_into(&mut out, c.encode_utf8(&mut [0; 4]));
        }
    }
    flush(&mut current, &mut folded, &mut out);
    out
}

fn snippet_of(original: &str, words: &[Matcher], max: usize) -> String {
    let cleaned = text::cleaned(original);
    if cleaned.chars().count() <= max {
        return marked(&cleaned, words);
    }
    let chars: Vec<char> = cleaned.chars().collect();
    // Find the first matching word's position.
    let mut start_of_match = 0;
    let mut i = 0;
    let mut word = String::new();
    while i < chars.len() {
        if chars[i].is_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].is_alphanumeric() {
                i += 1;
            }
            word.clear();
            for &c in &chars[start..i] {
                text::fold_char(c, &mut word);
            }
            if words.iter().any(|w| w.matches(&word)) {
                start_of_match = start;
                break;
            }
        } else {
            i += 1;
        }
    }
    let from = start_of_match.saturating_sub(max / 4);
    let from = (0..=from)
        .rev()
        .find(|&k| k == 0 || chars[k - 1].is_whitespace())
        .unwrap_or(0);
    let to = (from + max).min(chars.len());
    let mut piece: String = chars[from..to].iter().collect();
    if to < chars.len() {
        if let Some(cut) = piece.rfind(char::is_whitespace) {
            piece.truncate(cut);
        }
        piece.push('…');
    }
    let mut out = marked(&piece, words);
    if from > 0 {
        out.insert(0, '…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::words;

    #[test]
    fn marks_folded_prefix_and_typo_matches() {
        let w = words("mien dong na r");
        assert_eq!(
            highlight("Miến dong Na Rì <loại 1>", &w),
            "<mark>Miến</mark> <mark>dong</mark> <mark>Na</mark> <mark>Rì</mark> &lt;loại 1&gt;"
        );
        let w = words("shan tuyet  ");
        assert_eq!(
            highlight("Chè Shan tuyết", &w),
            "Chè <mark>Shan</mark> <mark>tuyết</mark>"
        );
        let w = words("tuyest ");
        assert_eq!(
            highlight("Chè Shan tuyết", &w),
            "Chè Shan <mark>tuyết</mark>"
        );
    }

    #[test]
    fn typo_budget_follows_word_length() {
        assert_eq!(words("mien ")[0].typos(), 0);
        assert_eq!(words("tuyet ")[0].typos(), 1);
        assert_eq!(words("khongnung ")[0].typos(), 2);
        assert!(!matches("mien", &words("mian ")[0]));
        assert!(matches("tuyet", &words("tuyte ")[0]));
    }

    #[test]
    fn bounded_distance_agrees_with_the_definition() {
        assert!(within("tuyet", "tuyet", 0));
        assert!(within("tuyet", "tuyte", 1), "a transposition is one typo");
        assert!(within("tuyet", "tuye", 1));
        assert!(within("tuyet", "xtuyet", 1));
        assert!(!within("tuyet", "tuy", 1));
        assert!(!within("khongnung", "khungnong", 1));
        assert!(within("khongnung", "khungnong", 2));
        assert!(within("", "ab", 2));
        assert!(!within("", "abc", 2));
        assert!(within("abcdef", "bacdfe", 2));
        assert!(!within("abcdef", "badcfe", 2));
    }

    #[test]
    fn long_words_in_text_or_query_are_compared_without_blowing_up() {
        let long = "a".repeat(20_000);
        let query = words(&format!("{} ", "a".repeat(199)));
        let text = format!("{long} {long}b {}", "ab".repeat(10_000));
        // Two typos allowed: the 20,000-letter words are far from the 199-letter query word.
        assert!(!highlight(&text, &query).contains("<mark>"));
        let near = format!("x {} y", "a".repeat(200));
        assert!(highlight(&near, &query).contains("<mark>"));
    }

    #[test]
    fn snippets_start_near_the_match() {
        let text = "Sản phẩm truyền thống của vùng núi phía Bắc, được làm thủ công từ nguyên liệu địa phương. Miến dong dai, không hóa chất.";
        let s = snippet(text, &words("mien "), 50);
        assert!(s.contains("<mark>Miến</mark>"), "{s}");
        assert!(s.starts_with('…'));
    }
}
