//! Typos counted as Meilisearch counts them: a typo on a word's first letter counts as two.
//!
//! Within one typo (words of 5 to 8 letters) the first letter is therefore as typed: `thong`
//! finds `thongg` and `thon`, never `khong` (`không`, in half the catalogue's descriptions)
//! nor `hong`. Within two (9 letters and more) the first letter may be wrong when nothing
//! else is. tantivy's own fuzzy query lets any letter be wrong; this one runs the same
//! Levenshtein automata behind a check of the first letter.

use std::sync::{Arc, OnceLock};

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy::query::{AutomatonWeight, EnableScoring, Query, Weight};
use tantivy::schema::Field;

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
}

impl Fuzzy {
    pub fn new(field: Field, word: &str, typos: u8, prefix: bool) -> Self {
        Fuzzy {
            field,
            word: word.to_string(),
            typos: typos.min(2),
            prefix,
        }
    }
}

impl Query for Fuzzy {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let automaton = Arc::new(FirstLetter::new(&self.word, self.typos, self.prefix));
        Ok(Box::new(AutomatonWeight::<FirstLetter>::new(
            self.field, automaton,
        )))
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
