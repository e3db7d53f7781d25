//! Slips in short syllables: a 4-letter word of a query of several words, which nothing in
//! the catalogue has, read as the catalogue's word one edit away when the query's other
//! words find products named with that word, and with no other such word.
//!
//! Engines forgive no typo under 5 letters (Meilisearch's `minWordSizeForTypos` is set per
//! index, not per query), and most Vietnamese syllables are shorter: `mein dong con minh`
//! would find nothing. Forgiving a slip in every 4-letter word would flood a one-word query
//! with unrelated products, so ketnoi reads the slip itself, before either engine sees the
//! query, and only where the other words anchor it. Both engines then get the same words.

use std::collections::BTreeMap;
use std::future::Future;

use serde::Serialize;
use utoipa::ToSchema;

use super::vocabulary::{Vocabulary, words_of};
use super::{SearchQuery, SearchResults, Word};

/// The length of the words read this way: shorter ones have too many neighbours to guess
/// from, longer ones the engines forgive themselves.
const SLIP_LETTERS: usize = 4;

/// A word with more neighbours than this is not guessed at.
const MOST_NEIGHBOURS: usize = 16;

/// The products looked at for a name with the word read: both engines rank products
/// whose name has the query's words first.
const NAMES_LOOKED_AT: usize = 10;

/// A word of the query read as another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Correction {
    /// As typed (lower case, with its marks).
    pub typed: String,
    /// The catalogue's word the search used instead (folded).
    pub read: String,
}

/// Whether `w` may be a slip: four letters (no digits), one word, not a word the catalogue
/// has in a name, a brand or a category.
fn may_be_slip(w: &Word, vocabulary: &Vocabulary) -> bool {
    w.folded.chars().count() == SLIP_LETTERS
        && w.folded.chars().all(char::is_alphabetic)
        && !vocabulary.contains(&w.folded)
}

/// Reads at most one slip in `words` (see the module). `search` asks the engine, over the
/// whole catalogue. A word the catalogue has anywhere (a description, a place) is never a
/// slip; a slip is read only when the other words alone find products, and exactly one of
/// the catalogue's words one edit from it finds, with them, a product with that word in its
/// name (so the page marks it there).
pub async fn read_slip<F, Fut, E>(
    words: &mut [Word],
    vocabulary: &Vocabulary,
    search: F,
) -> Result<Option<Correction>, E>
where
    F: Fn(SearchQuery) -> Fut,
    Fut: Future<Output = Result<SearchResults, E>>,
{
    let ask = |words: Vec<Word>, limit: usize| {
        search(SearchQuery {
            words,
            limit,
            ..Default::default()
        })
    };
    if words.len() < 2 {
        return Ok(None);
    }
    let maybe: Vec<usize> = (0..words.len())
        .filter(|i| may_be_slip(&words[*i], vocabulary))
        .collect();
    if maybe.is_empty() {
        return Ok(None);
    }
    let found =
        futures_util::future::try_join_all(maybe.iter().map(|i| ask(vec![words[*i].clone()], 1)))
            .await?;
    let slips: Vec<usize> = maybe
        .into_iter()
        .zip(found)
        .filter(|(_, r)| r.total == 0)
        .map(|(i, _)| i)
        .collect();
    // Two slips: neither has the other words to anchor it.
    let [at] = slips[..] else {
        return Ok(None);
    };
    let near = vocabulary.neighbours(&words[at].folded);
    if near.is_empty() || near.len() > MOST_NEIGHBOURS {
        return Ok(None);
    }
    let others: Vec<Word> = words
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, w)| w.clone())
        .collect();
    if ask(others, 1).await?.total == 0 {
        return Ok(None);
    }
    let read_as = |near: &str| Word::read_as(near, words[at].prefix);
    let tries = near.iter().map(|n| {
        let mut tried = words.to_vec();
        tried[at] = read_as(n);
        ask(tried, NAMES_LOOKED_AT)
    });
    let found = futures_util::future::try_join_all(tries).await?;
    let anchored: Vec<&str> = near
        .into_iter()
        .zip(found)
        .filter(|(n, r)| r.hits.iter().any(|d| words_of(&d.name).any(|w| w == *n)))
        .map(|(n, _)| n)
        .collect();
    let [read] = anchored[..] else {
        return Ok(None);
    };
    let correction = Correction {
        typed: words[at].exact.clone(),
        read: read.to_string(),
    };
    words[at] = read_as(read);
    Ok(Some(correction))
}

/// Whether `words`, with the word at `slip.0` read as `slip.1`, find products (within
/// `filters`): a slip in a short word of a place's name (`bac kna`,
/// [`crate::domain::place::Named::short`]) is read only then, as such a word has many
/// neighbours. `search` asks the engine for a count.
pub async fn anchored<F, Fut, E>(
    words: &[Word],
    slip: (usize, &str),
    filters: &BTreeMap<String, Vec<String>>,
    search: F,
) -> Result<bool, E>
where
    F: FnOnce(SearchQuery) -> Fut,
    Fut: Future<Output = Result<SearchResults, E>>,
{
    let (at, read) = slip;
    let mut words = words.to_vec();
    let Some(word) = words.get_mut(at) else {
        return Ok(false);
    };
    *word = Word::read_as(read, false);
    let found = search(SearchQuery {
        words,
        filters: filters.clone(),
        // Only the count is read.
        limit: 0,
        ..Default::default()
    })
    .await?;
    Ok(found.total > 0)
}
