//! Typos counted as Meilisearch counts them: a typo on a word's first letter counts as two.
//!
//! Within one typo (words of 5 to 8 letters) the first letter is therefore as typed: `thong`
//! finds `thongg` and `thon`, never `khong` (`không`, in half the catalogue's descriptions)
//! nor `hong`. Within two (9 letters and more) the first letter may be wrong when nothing
//! else is. tantivy's own fuzzy query lets any letter be wrong; this one runs the same
//! Levenshtein automata behind a check of the first letter.

use std::sync::{Arc, OnceLock};

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy::query::{
    AutomatonWeight, BitSetDocSet, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError};

/// The automata builders for one and two typos (transpositions cost one), built once: each
/// holds tables that take a while to compute.
fn builder(typos: u8) -> &'static LevenshteinAutomatonBuilder {
    static BUILDERS: [OnceLock<LevenshteinAutomatonBuilder>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let typos = typos.min(2);
    BUILDERS[usize::from(typos)].get_or_init(|| LevenshteinAutomatonBuilder::new(typos, true))
}

/// The terms of `field` within `typos` of `word` (folded), a typo on the first letter
/// counting as two; with `prefix`, the terms starting with such a word.
#[derive(Clone, Debug)]
pub struct Fuzzy {
    field: Field,
    word: String,
    typos: u8,
    prefix: bool,
    /// How much more than a near miss a term with the word as typed scores (see
    /// [`Fuzzy::written_first`]).
    written: Option<Score>,
}

impl Fuzzy {
    pub fn new(field: Field, word: &str, typos: u8, prefix: bool) -> Self {
        Fuzzy {
            field,
            word: word.to_string(),
            typos: typos.min(2),
            prefix,
            written: None,
        }
    }

    /// A document with a term that is the word as typed (with `prefix`, that starts with
    /// it) scores `extra` times the boost more than one with only a near miss: a word
    /// being typed ranks its completions above its typos. The same as a prefix query
    /// beside this one, from one reading of the terms and their postings instead of two.
    #[must_use]
    pub fn written_first(mut self, extra: Score) -> Self {
        self.written = Some(extra);
        self
    }
}

impl Query for Fuzzy {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let automaton = Arc::new(FirstLetter::new(&self.word, self.typos, self.prefix));
        Ok(match self.written {
            None => Box::new(AutomatonWeight::<FirstLetter>::new(self.field, automaton)),
            Some(extra) => Box::new(WrittenFirst {
                field: self.field,
                automaton,
                word: self.word.clone().into_bytes(),
                prefix: self.prefix,
                extra,
            }),
        })
    }
}

/// [`Fuzzy::written_first`]'s weight: the matching terms read once, their documents in
/// two sets, every match and the matches as typed.
struct WrittenFirst {
    field: Field,
    automaton: Arc<FirstLetter>,
    word: Vec<u8>,
    prefix: bool,
    extra: Score,
}

impl WrittenFirst {
    fn as_typed(&self, term: &[u8]) -> bool {
        if self.prefix {
            term.starts_with(&self.word)
        } else {
            term == self.word
        }
    }
}

impl Weight for WrittenFirst {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let max_doc = reader.max_doc();
        let mut all = BitSet::with_max_value(max_doc);
        let mut typed = BitSet::with_max_value(max_doc);
        let index = reader.inverted_index(self.field)?;
        let mut terms = index.terms().search(&*self.automaton).into_stream()?;
        while terms.advance() {
            let as_typed = self.as_typed(terms.key());
            let mut postings =
                index.read_block_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            loop {
                let docs = postings.docs();
                if docs.is_empty() {
                    break;
                }
                for &doc in docs {
                    all.insert(doc);
                    if as_typed {
                        typed.insert(doc);
                    }
                }
                postings.advance();
            }
        }
        Ok(Box::new(TwoLevels {
            docs: BitSetDocSet::from(all),
            typed,
            near: boost,
            written: boost * (1.0 + self.extra),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("WrittenFirst", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

/// Every matching document, scored higher when it has the word as typed.
struct TwoLevels {
    docs: BitSetDocSet,
    typed: BitSet,
    near: Score,
    written: Score,
}

impl DocSet for TwoLevels {
    fn advance(&mut self) -> DocId {
        self.docs.advance()
    }
    fn seek(&mut self, target: DocId) -> DocId {
        self.docs.seek(target)
    }
    fn doc(&self) -> DocId {
        self.docs.doc()
    }
    fn size_hint(&self) -> u32 {
        self.docs.size_hint()
    }
}

impl Scorer for TwoLevels {
    fn score(&mut self) -> Score {
        if self.typed.contains(self.docs.doc()) {
            self.written
        } else {
            self.near
        }
    }
}

/// The automaton: the first letter as written, then the rest of the word within the typos;
/// or, with two typos, the whole word within one (the first letter's typo costs the other).
pub struct FirstLetter {
    first: Vec<u8>,
    rest: DFA,
    whole: Option<DFA>,
}

/// How far a term is read: bytes of the first letter matched (`u8::MAX` once one did not),
/// then the state of the rest's automaton, and the state of the whole word's.
#[derive(Clone, Debug)]
pub struct Reading {
    first: u8,
    rest: u32,
    whole: u32,
}

impl FirstLetter {
    pub fn new(word: &str, typos: u8, prefix: bool) -> Self {
        let split = word.chars().next().map_or(0, char::len_utf8);
        let (first, rest) = word.split_at(split);
        let dfa = |text: &str, typos: u8| {
            if prefix {
                builder(typos).build_prefix_dfa(text)
            } else {
                builder(typos).build_dfa(text)
            }
        };
        FirstLetter {
            first: first.as_bytes().to_vec(),
            rest: dfa(rest, typos),
            whole: (typos >= 2).then(|| dfa(word, typos - 1)),
        }
    }

    fn first_done(&self, reading: &Reading) -> bool {
        usize::from(reading.first) == self.first.len()
    }
}

const MISSED: u8 = u8::MAX;

fn exact(dfa: &DFA, state: u32) -> bool {
    state != SINK_STATE && matches!(dfa.distance(state), Distance::Exact(_))
}

impl tantivy_fst::Automaton for FirstLetter {
    type State = Reading;

    fn start(&self) -> Reading {
        Reading {
            first: 0,
            rest: self.rest.initial_state(),
            whole: self.whole.as_ref().map_or(SINK_STATE, DFA::initial_state),
        }
    }

    fn is_match(&self, reading: &Reading) -> bool {
        (self.first_done(reading) && exact(&self.rest, reading.rest))
            || self
                .whole
                .as_ref()
                .is_some_and(|whole| exact(whole, reading.whole))
    }

    fn can_match(&self, reading: &Reading) -> bool {
        (reading.first != MISSED && reading.rest != SINK_STATE) || reading.whole != SINK_STATE
    }

    fn accept(&self, reading: &Reading, byte: u8) -> Reading {
        let whole = match &self.whole {
            Some(whole) if reading.whole != SINK_STATE => whole.transition(reading.whole, byte),
            _ => SINK_STATE,
        };
        if reading.first == MISSED {
            return Reading {
                first: MISSED,
                rest: SINK_STATE,
                whole,
            };
        }
        if self.first_done(reading) {
            return Reading {
                first: reading.first,
                rest: self.rest.transition(reading.rest, byte),
                whole,
            };
        }
        let matched = self.first.get(usize::from(reading.first)) == Some(&byte);
        Reading {
            first: if matched { reading.first + 1 } else { MISSED },
            rest: if matched { reading.rest } else { SINK_STATE },
            whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::edit_distance as distance;
    use tantivy_fst::Automaton;

    /// The rule, written plainly: the first letter as typed and the rest within the typos,
    /// or any first letter and the whole within the typos less the two it costs. Whole
    /// words are measured here; as a prefix, by the Levenshtein library's own prefix
    /// distance (what tantivy's prefix query uses), read over the whole term at once.
    fn forgiven(word: &str, term: &str, typos: u8, prefix: bool) -> bool {
        let w: Vec<char> = word.chars().collect();
        let t: Vec<char> = term.chars().collect();
        let n = usize::from(typos);
        if !prefix {
            let rest = |s: &[char]| s.iter().skip(1).collect::<String>();
            return (w.first() == t.first()
                && !t.is_empty()
                && distance(&rest(&w), &rest(&t)) <= n)
                || (n >= 2 && distance(word, term) < n);
        }
        let close = |query: &[char], text: &[char], typos: u8| {
            let query: String = query.iter().collect();
            let text: String = text.iter().collect();
            matches!(
                builder(typos).build_prefix_dfa(&query).eval(text),
                Distance::Exact(_)
            )
        };
        (w.first() == t.first() && !t.is_empty() && close(&w[1..], &t[1..], typos))
            || (typos >= 2 && close(&w, &t, typos - 1))
    }

    fn accepts(automaton: &FirstLetter, term: &str) -> bool {
        let mut state = automaton.start();
        for b in term.bytes() {
            if !automaton.can_match(&state) {
                return false;
            }
            state = automaton.accept(&state, b);
        }
        automaton.is_match(&state)
    }

    /// Each document's score for `query` over an index of one field with `texts`, in order.
    fn scores(texts: &[&str], query: impl Fn(Field) -> Box<dyn Query>) -> Vec<Option<f32>> {
        use tantivy::collector::TopDocs;
        use tantivy::schema::{STRING, Schema};
        let mut schema = Schema::builder();
        let field = schema.add_text_field("w", STRING);
        let index = tantivy::Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        for t in texts {
            writer.add_document(tantivy::doc!(field => *t)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let found = searcher
            .search(&*query(field), &TopDocs::with_limit(100).order_by_score())
            .unwrap();
        (0..texts.len())
            .map(|i| {
                found
                    .iter()
                    .find(|(_, a)| a.doc_id as usize == i)
                    .map(|(s, _)| *s)
            })
            .collect()
    }

    #[test]
    fn a_word_typed_first_scores_as_its_prefix_query_beside_its_typos() {
        use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur};
        let texts = [
            "thong", "thongtin", "thonh", "thng", "khong", "tho", "thongg",
        ];
        for (word, prefix) in [("thong", true), ("thong", false), ("thon", true)] {
            let merged = scores(&texts, |field| {
                Box::new(BoostQuery::new(
                    Box::new(Fuzzy::new(field, word, 1, prefix).written_first(1.5)),
                    2.0,
                ))
            });
            let apart = scores(&texts, |field| {
                let written: Box<dyn Query> = if prefix {
                    Box::new(FuzzyTermQuery::new_prefix(
                        tantivy::Term::from_field_text(field, word),
                        0,
                        true,
                    ))
                } else {
                    Box::new(FuzzyTermQuery::new(
                        tantivy::Term::from_field_text(field, word),
                        0,
                        true,
                    ))
                };
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, Box::new(BoostQuery::new(written, 3.0))),
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(Fuzzy::new(field, word, 1, prefix)),
                            2.0,
                        )),
                    ),
                ]))
            });
            assert_eq!(merged, apart, "{word} (prefix {prefix})");
        }
        // As typed, typed on, near misses; never another first letter.
        let typing = scores(&texts, |field| {
            Box::new(Fuzzy::new(field, "thong", 1, true).written_first(1.5))
        });
        assert_eq!(
            typing,
            [
                Some(2.5),
                Some(2.5),
                Some(1.0),
                Some(1.0),
                None,
                None,
                Some(2.5)
            ]
        );
    }

    #[test]
    fn a_typo_on_the_first_letter_counts_as_two() {
        let one = FirstLetter::new("thong", 1, false);
        assert!(accepts(&one, "thong"));
        assert!(accepts(&one, "thon"));
        assert!(accepts(&one, "thongg"));
        assert!(accepts(&one, "tohng"));
        assert!(!accepts(&one, "khong"), "the first letter is as typed");
        assert!(!accepts(&one, "hong"));
        assert!(!accepts(&one, "htong"));
        let two = FirstLetter::new("tuyetsonla", 2, false);
        assert!(
            accepts(&two, "ruyetsonla"),
            "two typos pay for the first letter"
        );
        assert!(accepts(&two, "uyetsonla"));
        assert!(accepts(&two, "tuyetsomlo"));
        assert!(
            !accepts(&two, "ruyetsomla"),
            "the first letter and one more is three"
        );
        let typing = FirstLetter::new("tuyes", 1, true);
        assert!(accepts(&typing, "tuyet"));
        assert!(accepts(&typing, "tuyetson"));
        assert!(!accepts(&typing, "luyet"));
    }

    #[test]
    fn the_automaton_follows_the_rule_on_every_term() {
        // Every term of up to six letters over a small alphabet, against words that test
        // each path: first letter kept or not, one or two typos, whole or as a prefix.
        let letters = ['a', 'b', 'c', 'd'];
        let mut terms = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..6 {
            terms = terms
                .iter()
                .flat_map(|t| letters.iter().map(move |l| format!("{t}{l}")))
                .collect();
            all.extend(terms.iter().cloned());
        }
        let mut checked = 0;
        for word in ["abcd", "bacd", "abcab", "dcbad"] {
            for typos in 1..=2 {
                for prefix in [false, true] {
                    let automaton = FirstLetter::new(word, typos, prefix);
                    for term in &all {
                        assert_eq!(
                            accepts(&automaton, term),
                            forgiven(word, term, typos, prefix),
                            "{word} ~{typos} {term} (prefix {prefix})"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 70_000);
    }
}
