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
    /// [`letters`] of `folded`.
    letters: u64,
    /// Which ASCII words it may match at all ([`Lengths`]).
    lengths: Lengths,
}

/// The byte lengths (bits 0–63) and first bytes (bits 0–127) of the ASCII words a query
/// word may match: a word of a text, nearly always folded to ASCII, is most often ruled
/// out by these two alone, without comparing it.
#[derive(Clone, Copy, Debug)]
struct Lengths {
    /// Lengths matched as written or as a prefix: only with one of `firsts`.
    written: u64,
    firsts: u128,
    /// Lengths within the typos allowed (any first letter).
    typed: u64,
}

/// Lengths of `n` bytes or more, of the 64 a mask holds.
fn at_least(n: usize) -> u64 {
    u32::try_from(n)
        .ok()
        .and_then(|n| u64::MAX.checked_shl(n))
        .unwrap_or(0)
}

/// Lengths from `lo` to `hi` bytes.
fn between(lo: usize, hi: usize) -> u64 {
    at_least(lo) & !at_least(hi.saturating_add(1))
}

impl Lengths {
    fn of(m: &Matcher) -> Lengths {
        let mut lengths = Lengths {
            written: 0,
            firsts: 0,
            typed: 0,
        };
        for w in &m.whole {
            lengths.written(w, false);
        }
        if !m.several && m.prefix {
            if m.folded.is_empty() {
                // Every word starts with nothing.
                lengths.typed = u64::MAX;
            }
            lengths.written(m.folded, true);
        }
        if !m.several && m.typos > 0 {
            // The whole word within the typos, or (typing) its first letters.
            lengths.typed |= between(m.chars.saturating_sub(m.typos), m.chars + m.typos);
            if m.prefix {
                lengths.typed |= at_least(m.chars.saturating_sub(m.typos));
            }
        }
        lengths
    }

    /// Admits `w` as written, and with `longer`, every word it starts.
    fn written(&mut self, w: &str, longer: bool) {
        if let Some(&first) = w.as_bytes().first()
            && w.is_ascii()
        {
            self.written |= if longer {
                at_least(w.len())
            } else {
                between(w.len(), w.len())
            };
            self.firsts |= 1 << first;
        }
    }

    /// False when an ASCII word of `len` bytes starting with `first` cannot match.
    fn admit(self, len: usize, first: u8) -> bool {
        let Some(bit) = u32::try_from(len).ok().and_then(|l| 1u64.checked_shl(l)) else {
            // 64 bytes or more: compared in full.
            return true;
        };
        self.typed & bit != 0
            || (self.written & bit != 0 && first < 128 && (self.firsts >> first) & 1 != 0)
    }
}

/// The characters of a word as a set of 64 (two characters may share one): a character
/// one word has and the other has not costs an edit (deleted, or changed into another),
/// distinct characters distinct edits, so the number of such characters, either way, is
/// at most the distance between the words.
fn letters(word: &str) -> u64 {
    word.chars()
        .fold(0, |set, c| set | 1 << (u32::from(c) % 64))
}

impl<'a> Matcher<'a> {
    fn new(word: &'a Word) -> Self {
        let several = word.folded.contains(' ') || word.synonyms.iter().any(|s| s.contains(' '));
        let whole = std::iter::once(&word.folded)
            .chain(&word.synonyms)
            .flat_map(|phrase| phrase.split(' '))
            .collect();
        let mut m = Matcher {
            whole,
            several,
            folded: &word.folded,
            prefix: word.prefix,
            typos: usize::from(word.typos()),
            chars: word.folded.chars().count(),
            letters: letters(&word.folded),
            lengths: Lengths {
                written: u64::MAX,
                firsts: u128::MAX,
                typed: u64::MAX,
            },
        };
        m.lengths = Lengths::of(&m);
        m
    }

    /// Whether a word with these [`letters`] may be within the typos allowed: false rules
    /// it out without measuring the distance.
    fn may_be_within(&self, letters: u64) -> bool {
        (letters & !self.letters).count_ones() as usize <= self.typos
            && (self.letters & !letters).count_ones() as usize <= self.typos
    }

    fn matches(&self, indexed: &str) -> bool {
        any_matches(std::slice::from_ref(self), indexed)
    }

    /// [`Matcher::matches`], comparing the word whatever its length.
    fn compared(&self, indexed: &str) -> bool {
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
            if self.near(head) {
                return true;
            }
        }
        self.near(indexed)
    }

    /// Whether `word` is within the typos allowed of the query word, a typo on the first
    /// letter counting as two (as the engines count it, see `search::fuzzy`): the first
    /// letter as typed and the rest within the typos, or the whole within one typo fewer.
    /// Folded words are nearly always ASCII: their lengths, then their letters, rule most
    /// words out before the distance is measured.
    fn near(&self, word: &str) -> bool {
        let typos = self.typos;
        if self.folded.is_ascii() && word.is_ascii() {
            let (a, b) = (word.as_bytes(), self.folded.as_bytes());
            return a.len().abs_diff(b.len()) <= typos
                && self.may_be_within(letters(word))
                && ((a.first() == b.first() && within_seq(&a[1..], &b[1..], typos))
                    || (typos >= 2 && within_seq(a, b, typos - 1)));
        }
        fn first(s: &str) -> Option<(&str, &str)> {
            s.chars().next().map(|c| s.split_at(c.len_utf8()))
        }
        let kept = match (first(word), first(self.folded)) {
            (Some((a, rest_a)), Some((b, rest_b))) => a == b && within(rest_a, rest_b, typos),
            _ => false,
        };
        kept || (typos >= 2 && within(word, self.folded, typos - 1))
    }
}

/// Whether any of `words` matches an indexed word. Its length and first letter, read once,
/// rule most query words out ([`Lengths`]).
fn any_matches(words: &[Matcher], indexed: &str) -> bool {
    match indexed.as_bytes().first() {
        Some(&first) if indexed.is_ascii() => words
            .iter()
            .any(|w| w.lengths.admit(indexed.len(), first) && w.compared(indexed)),
        _ => words.iter().any(|w| w.compared(indexed)),
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
        marked_clean(original, &self.words)
    }

    /// About `max` characters of the text around its first match, highlighted.
    pub fn snippet(&self, original: &str, max: usize) -> String {
        snippet_of(original, &self.words, max)
    }
}

/// Room for the marks of a few words (`<mark></mark>` is 13 bytes) beyond the text, so a
/// highlighted text is written without growing its buffer.
const ROOM: usize = 64;

/// Room for a folded word: longer words grow it.
const WORD: usize = 32;

/// [`highlight`]: text already clean (as stored text is) is cleaned as it is marked, in one
/// reading; other text is cleaned first.
fn marked_clean(original: &str, words: &[Matcher]) -> String {
    let mut out = String::with_capacity(original.len() + ROOM);
    // Space at either end is not clean: known at once, not after marking the whole text.
    let ends_clean = !original.starts_with(' ') && !original.ends_with(' ');
    if !(ends_clean && marked_into::<true>(&mut out, original, words)) {
        out.clear();
        marked_into::<false>(&mut out, &text::cleaned(original), words);
    }
    out
}

/// [`highlight`] of text already cleaned.
fn marked(cleaned: &str, words: &[Matcher]) -> String {
    let mut out = String::with_capacity(cleaned.len() + ROOM);
    marked_into::<false>(&mut out, cleaned, words);
    out
}

/// [`marked`], appended to `out`. A word is letters and digits only, so it is copied as it
/// is written: escaping would leave it unchanged. `CLEAN`: `written` may not be clean, and the
/// answer is whether it was; when it was not, `out` holds a part of the text's marking.
///
/// Text is copied in pieces as long as possible: between two marked words or characters to
/// escape, everything is copied at once.
fn marked_into<const CLEAN: bool>(out: &mut String, written: &str, words: &[Matcher]) -> bool {
    // Where the word being read starts, and the word folded.
    let mut start = None;
    let mut folded = String::with_capacity(WORD);
    let mut after_space = true;
    // What is read but not yet copied starts here.
    let mut copied = 0;
    // A word read from `from` to `to`: marked when a query word matches it.
    let word_ends =
        |from: usize, to: usize, folded: &mut String, copied: &mut usize, out: &mut String| {
            if any_matches(words, folded) {
                out.push_str(&written[*copied..from]);
                out.push_str("<mark>");
                out.push_str(&written[from..to]);
                out.push_str("</mark>");
                *copied = to;
            }
            folded.clear();
        };
    let mut at = 0;
    while let Some(&byte) = written.as_bytes().get(at) {
        if byte.is_ascii() {
            // Read from the byte alone, as `text::reading` reads it.
            let class = ASCII_CLASSES[usize::from(byte)];
            if CLEAN {
                if byte == b' ' {
                    if after_space {
                        return false;
                    }
                    after_space = true;
                } else if class & SETTLED != 0 {
                    after_space = false;
                } else {
                    return false;
                }
            }
            if class & IN_WORD != 0 {
                start.get_or_insert(at);
                folded.push(char::from(byte.to_ascii_lowercase()));
            } else {
                if let Some(from) = start.take() {
                    word_ends(from, at, &mut folded, &mut copied, out);
                }
                if let Some(escaped) = escaped(char::from(byte)) {
                    out.push_str(&written[copied..at]);
                    out.push_str(escaped);
                    copied = at + 1;
                }
            }
            at += 1;
            continue;
        }
        let Some(c) = written[at..].chars().next() else {
            break;
        };
        let read = text::reading(c);
        if CLEAN {
            // As `text::cleaned` would leave it: see `text::plainly_clean`. Not ASCII, so
            // not a space.
            if read.settled {
                after_space = false;
            } else {
                return false;
            }
        }
        if read.word {
            start.get_or_insert(at);
            read.fold_onto(c, &mut folded);
        } else if let Some(from) = start.take() {
            word_ends(from, at, &mut folded, &mut copied, out);
        }
        at += c.len_utf8();
    }
    if CLEAN && after_space && !written.is_empty() {
        return false;
    }
    if let Some(from) = start {
        word_ends(from, written.len(), &mut folded, &mut copied, out);
    }
    out.push_str(&written[copied..]);
    true
}

/// How [`marked_into`] reads an ASCII byte, as `text::reading` reads it: part of a word;
/// settled ([`text::Reading`]).
const IN_WORD: u8 = 1;
const SETTLED: u8 = 2;

const ASCII_CLASSES: [u8; 128] = {
    let mut classes = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            classes[b] |= IN_WORD;
        }
        if !(c as char).is_whitespace() {
            classes[b] |= SETTLED;
        }
        b += 1;
    }
    classes
};

/// What HTML-escaping writes for `c`, when it changes it.
fn escaped(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

/// The first word of `cleaned` a query word matches: its first character's index, and
/// where it starts.
fn first_match(cleaned: &str, words: &[Matcher]) -> Option<(usize, usize)> {
    let mut start = None;
    let mut folded = String::with_capacity(WORD);
    for (i, (at, c)) in cleaned.char_indices().enumerate() {
        let read = text::reading(c);
        if read.word {
            start.get_or_insert((i, at));
            read.fold_onto(c, &mut folded);
        } else if let Some(word) = start.take() {
            if any_matches(words, &folded) {
                return Some(word);
            }
            folded.clear();
        }
    }
    start.filter(|_| any_matches(words, &folded))
}

/// About `max` characters around the first match: from the start of a word at most a
/// quarter of `max` before it, to the last whole word within `max` characters. Read in
/// place: only the words up to the first match are folded, only the piece shown is marked.
fn snippet_of(original: &str, words: &[Matcher], max: usize) -> String {
    // Short text is shown whole; text already clean has as many characters cleaned.
    if original.len() <= max || original.chars().count() <= max {
        let mut out = String::with_capacity(original.len() + ROOM);
        if marked_into::<true>(&mut out, original, words) {
            return out;
        }
    }
    let cleaned = text::cleaned(original);
    // A character is at least a byte: short text is shown whole without counting.
    if cleaned.len() <= max || cleaned.chars().count() <= max {
        return marked(&cleaned, words);
    }
    let cleaned: &str = &cleaned;
    let (at, at_byte) = first_match(cleaned, words).unwrap_or((0, 0));
    // A quarter of `max` characters back, then back to the start of a word.
    let mut before = cleaned[..at_byte].char_indices().rev().peekable();
    let mut from = at_byte;
    for _ in 0..at.min(max / 4) {
        if let Some((b, _)) = before.next() {
            from = b;
        }
    }
    while let Some(&(b, c)) = before.peek() {
        if c.is_whitespace() {
            break;
        }
        from = b;
        before.next();
    }
    let rest = &cleaned[from..];
    let mut out = String::with_capacity(max * 2 + 32);
    if from > 0 {
        out.push('…');
    }
    // Cut after `max` characters, at the last space, when there is more.
    let cut = rest.char_indices().nth(max).map(|(to, _)| {
        let piece = &rest[..to];
        piece
            .rfind(char::is_whitespace)
            .map_or(piece, |at| &piece[..at])
    });
    marked_into::<false>(&mut out, cut.unwrap_or(rest), words);
    if cut.is_some() {
        out.push('…');
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
        // A typo on the first letter counts as two, as the engines count it.
        let w = words("thong ");
        assert_eq!(
            highlight("Đũa Bạch Thông, không hong khô, thon", &w),
            "Đũa Bạch <mark>Thông</mark>, không hong khô, <mark>thon</mark>"
        );
        let w = words("tuyetsonla ");
        assert_eq!(
            highlight("Ruyetsonla Ruyetsomla", &w),
            "<mark>Ruyetsonla</mark> Ruyetsomla"
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
    fn words_the_letters_rule_out_are_never_within_the_typos() {
        // Every word of up to five letters from a small alphabet, against query words.
        let mut all = vec![String::new()];
        let mut last = all.clone();
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|w| ['a', 'b', 'n', 'ư'].map(|c| format!("{w}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        for query in ["banan", "nabab", "aaaaa", "ưnaba", "bananab", "ab"] {
            let word = Word {
                exact: query.into(),
                folded: query.into(),
                prefix: false,
                synonyms: Vec::new(),
            };
            let m = Matcher::new(&word);
            for typos in 0..=2 {
                let m = Matcher {
                    typos,
                    ..Matcher::new(&word)
                };
                for w in &all {
                    if within(w, query, typos) {
                        assert!(m.may_be_within(letters(w)), "{w} {query} {typos}");
                    }
                }
            }
            assert_eq!(m.letters, letters(query));
        }
    }

    #[test]
    fn lengths_and_first_letters_never_rule_out_a_match() {
        // Every word of up to six letters from a small alphabet, and longer ones.
        let mut all = vec![String::new()];
        let mut last = all.clone();
        for _ in 0..6 {
            last = last
                .iter()
                .flat_map(|w| ['a', 'b', 'n', 'đ'].map(|c| format!("{w}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all.extend([
            "a".repeat(63),
            "a".repeat(64),
            "a".repeat(70),
            "ab".repeat(40),
        ]);
        let word = |folded: &str, prefix: bool, synonyms: &[&str]| Word {
            exact: folded.into(),
            folded: folded.into(),
            prefix,
            synonyms: synonyms.iter().map(|s| (*s).to_string()).collect(),
        };
        let queries = [
            word("ban", false, &[]),
            word("ban", true, &[]),
            word("banan", false, &[]),
            word("banan", true, &[]),
            word("bananab", true, &["nab", "đa"]),
            word("nabanaban", false, &[]),
            word("b", true, &[]),
            word("", true, &[]),
            word("đan", true, &[]),
            word("đanab", false, &["ab"]),
            word("ab na", false, &[]),
            word("baa", true, &["ab na", "nn"]),
            word(&"a".repeat(62), true, &[]),
            word(&"a".repeat(65), false, &[]),
        ];
        let mut admitted = 0;
        for q in &queries {
            let m = Matcher::new(q);
            for w in &all {
                assert_eq!(m.matches(w), m.compared(w), "{w:?} against {q:?}");
                admitted += usize::from(
                    w.is_ascii() && !w.is_empty() && m.lengths.admit(w.len(), w.as_bytes()[0]),
                );
            }
        }
        // The test is worth something only if most words are ruled out before comparing.
        assert!(admitted < queries.len() * all.len() / 2, "{admitted}");
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

    fn escape_char(out: &mut String, c: char) {
        match escaped(c) {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }

    /// [`marked`] as it was first written: each word copied, folded and escaped.
    fn marked_by_copy(original: &str, words: &[Matcher]) -> String {
        let mut out = String::new();
        let mut current = String::new();
        let mut folded = String::new();
        let escape = |out: &mut String, s: &str| {
            for c in s.chars() {
                escape_char(out, c);
            }
        };
        let flush = |current: &mut String, folded: &mut String, out: &mut String| {
            if current.is_empty() {
                return;
            }
            if words.iter().any(|w| w.matches(folded)) {
                out.push_str("<mark>");
                escape(out, current);
                out.push_str("</mark>");
            } else {
                escape(out, current);
            }
            current.clear();
            folded.clear();
        };
        for c in original.chars() {
            if c.is_alphanumeric() {
                current.push(c);
                let folded_now: String = crate::domain::text::fold(&c.to_string());
                folded.push_str(&folded_now);
            } else {
                flush(&mut current, &mut folded, &mut out);
                escape(&mut out, c.encode_utf8(&mut [0; 4]));
            }
        }
        flush(&mut current, &mut folded, &mut out);
        out
    }

    /// [`snippet_of`] as it was first written: the whole text cleaned and read as
    /// characters.
    fn snippet_by_chars(original: &str, words: &[Matcher], max: usize) -> String {
        let cleaned = crate::domain::text::clean(original);
        if cleaned.chars().count() <= max {
            return marked_by_copy(&cleaned, words);
        }
        let chars: Vec<char> = cleaned.chars().collect();
        let mut start_of_match = 0;
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_alphanumeric() {
                let start = i;
                while i < chars.len() && chars[i].is_alphanumeric() {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let word = crate::domain::text::fold(&word);
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
        let mut out = marked_by_copy(&piece, words);
        if from > 0 {
            out.insert(0, '…');
        }
        out
    }

    #[test]
    fn highlights_and_snippets_read_in_place_as_they_did_copied() {
        use unicode_normalization::UnicodeNormalization;
        let story = "Sản phẩm truyền thống của vùng núi phía Bắc, được làm thủ công từ \
            nguyên liệu địa phương <100% tự nhiên> & \"sạch\". Miến dong dai, không hóa chất. \
            Đóng gói 500g, giao hàng toàn quốc.";
        let nfd: String = story.nfd().collect();
        let spaced = story.replace(' ', " \t ");
        let long = format!(
            "{} Chè Shan tuyết cổ thụ. {}",
            story.repeat(6),
            story.repeat(3)
        );
        let far = format!("{}mien", "x ".repeat(400));
        let queries = [
            "mien ",
            "chè shan tuyet ",
            "tuyest ",
            "mie",
            "khongnung ",
            "dong na r",
            "zzz ",
            "",
        ];
        let texts = [
            story,
            nfd.as_str(),
            spaced.as_str(),
            long.as_str(),
            far.as_str(),
            "Miến dong Na Rì <loại 1>",
            "ĐŨA TRE Bạch Thông",
            "mien",
            "  ",
            "",
            "Miến…dong",
            "x\u{301}yz mien \u{301}abc",
            "Giá 50.000₫ – “Miến” dong",
            "Hồng\u{a0}không hạt",
            " Miến dong",
            "Miến dong ",
            "Miến  dong",
            "Trà 🍵 Shan tuyết",
            "茶 mien",
            "A&B \"Miến\" <dong>&amp;",
            "Miến\u{b}dong\u{c}na\rrì",
            "<mien>",
            "MIEN DONG 500G, mien\u{1}dong",
            "mien\u{7f}dong 'Na' Ri_",
        ];
        for q in queries {
            let w = words(q);
            let matchers: Vec<Matcher> = w.iter().map(Matcher::new).collect();
            for text in texts {
                let cleaned = crate::domain::text::clean(text);
                let expected = marked_by_copy(&cleaned, &matchers);
                assert_eq!(marked(&cleaned, &matchers), expected, "{q:?} in {text:?}");
                assert_eq!(marked_clean(text, &matchers), expected, "{q:?} in {text:?}");
                for max in [1, 4, 10, 40, 160, 240, 5000] {
                    assert_eq!(
                        snippet_of(text, &matchers, max),
                        snippet_by_chars(text, &matchers, max),
                        "{q:?} in {text:?}, {max}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_match_beyond_the_window_starts_the_snippet() {
        let text = format!(
            "{}Miến dong Na Rì. {}",
            "Sản phẩm tốt. ".repeat(40),
            "Đóng gói. ".repeat(40)
        );
        let s = snippet(&text, &words("mien "), 160);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>Miến</mark>"), "{s}");
        assert!(s.chars().count() <= 160 + 2 + "<mark></mark>".len());
    }

    #[test]
    fn snippets_start_near_the_match() {
        let text = "Sản phẩm truyền thống của vùng núi phía Bắc, được làm thủ công từ nguyên liệu địa phương. Miến dong dai, không hóa chất.";
        let s = snippet(text, &words("mien "), 50);
        assert!(s.contains("<mark>Miến</mark>"), "{s}");
        assert!(s.starts_with('…'));
    }
}
