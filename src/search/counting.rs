//! Counting facet values among a query's matches, from one table of numbers per segment.
//!
//! tantivy keeps each facet as a column, and reading one document's values from a column goes
//! through the column's index, for every facet of every matching document: on a broad query
//! (`du`, `tinh da`) that was three quarters of the engine's time. A segment never changes once
//! written, so when the reader first holds a segment its facet values are read once into a
//! flat table: each document's values as numbers that index straight into one array of
//! counts. Counting a match is then a few additions, and values are named only at the end,
//! for those counted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyError};

/// Each counted facet's values, by name, with how many matches have them.
pub(super) type Counted = BTreeMap<String, BTreeMap<String, u64>>;

/// The name of the field holding a facet's values.
pub(super) fn field_name(facet: &str) -> String {
    format!("f_{facet}")
}

/// One segment's facet values.
struct Table {
    /// Each facet the segment has: its column (to name its values) and where its numbers
    /// start among all facets' numbers.
    facets: Vec<(&'static str, StrColumn, u32)>,
    /// Where each document's numbers start in `values`, then where the last one ends.
    starts: Vec<u32>,
    values: Numbers,
    /// How many numbers the facets take together: the length of an array of counts.
    width: u32,
}

/// The documents' value numbers, two bytes each when every facet's values together number
/// at most 65,536 (a province's catalogue by far), else four: half the memory a broad query
/// reads through.
enum Numbers {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Numbers {
    fn push(&mut self, value: u32) -> tantivy::Result<()> {
        match self {
            Numbers::Narrow(v) => v.push(u16::try_from(value).map_err(|_| too_large("width"))?),
            Numbers::Wide(v) => v.push(value),
        }
        Ok(())
    }

    fn len(&self) -> usize {
        match self {
            Numbers::Narrow(v) => v.len(),
            Numbers::Wide(v) => v.len(),
        }
    }

    fn shrink_to_fit(&mut self) {
        match self {
            Numbers::Narrow(v) => v.shrink_to_fit(),
            Numbers::Wide(v) => v.shrink_to_fit(),
        }
    }
}

fn too_large(what: &str) -> TantivyError {
    TantivyError::InvalidArgument(format!("a segment's facet table is too large: {what}"))
}

impl Table {
    fn read(segment: &SegmentReader, facets: &[&'static str]) -> tantivy::Result<Table> {
        let mut columns = Vec::with_capacity(facets.len());
        let mut width: u32 = 0;
        for facet in facets {
            if let Some(column) = segment.fast_fields().str(&field_name(facet))? {
                let values = u32::try_from(column.num_terms()).map_err(|_| too_large(facet))?;
                columns.push((*facet, column, width));
                width = width.checked_add(values).ok_or_else(|| too_large(facet))?;
            }
        }
        let docs = segment.max_doc();
        let mut starts = Vec::with_capacity(docs as usize + 1);
        let capacity = docs as usize * columns.len();
        let mut values = if width <= 1 << 16 {
            Numbers::Narrow(Vec::with_capacity(capacity))
        } else {
            Numbers::Wide(Vec::with_capacity(capacity))
        };
        starts.push(0);
        for doc in 0..docs {
            for (_, column, first) in &columns {
                for ord in column.term_ords(doc) {
                    // An ordinal is below its column's number of values, so within `width`.
                    values.push(first + ord as u32)?;
                }
            }
            starts.push(u32::try_from(values.len()).map_err(|_| too_large("values"))?);
        }
        values.shrink_to_fit();
        Ok(Table {
            facets: columns,
            starts,
            values,
            width,
        })
    }

    /// Where one document's numbers are in `values`.
    fn range(&self, doc: DocId) -> std::ops::Range<usize> {
        let doc = doc as usize;
        match (self.starts.get(doc), self.starts.get(doc + 1)) {
            (Some(&from), Some(&to)) => from as usize..to as usize,
            _ => 0..0,
        }
    }
}

/// The tables of the segments the reader holds, read when it first holds each segment.
pub(super) struct Tables {
    facets: &'static [&'static str],
    by_segment: Mutex<HashMap<SegmentId, Arc<Table>>>,
}

impl Tables {
    pub(super) fn new(facets: &'static [&'static str]) -> Self {
        Tables {
            facets,
            by_segment: Mutex::default(),
        }
    }

    fn locked(&self) -> MutexGuard<'_, HashMap<SegmentId, Arc<Table>>> {
        // A table is inserted whole or not at all: what a panicking holder left is sound.
        self.by_segment
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn table(&self, segment: &SegmentReader) -> tantivy::Result<Arc<Table>> {
        let id = segment.segment_id();
        if let Some(table) = self.locked().get(&id) {
            return Ok(table.clone());
        }
        // Read without holding the lock: queries on other segments go on meanwhile.
        let table = Arc::new(Table::read(segment, self.facets)?);
        self.locked().insert(id, table.clone());
        Ok(table)
    }

    /// Reads the tables of the searcher's new segments and forgets those of segments it no
    /// longer holds. Called whenever the reader takes up a new searcher (after each commit,
    /// in the writer's task), so queries find their tables ready.
    pub(super) fn follow(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let mut live = HashSet::new();
        for segment in searcher.segment_readers() {
            self.table(segment)?;
            live.insert(segment.segment_id());
        }
        self.locked().retain(|id, _| live.contains(id));
        Ok(())
    }

    /// A collector counting the given facets' values among the matches.
    pub(super) fn counter<'a>(&'a self, wanted: &[&str]) -> FacetCounts<'a> {
        FacetCounts {
            tables: self,
            wanted: self
                .facets
                .iter()
                .copied()
                .filter(|f| wanted.contains(f))
                .collect(),
        }
    }
}

/// Counts the values of the wanted facets among the matching documents.
pub(super) struct FacetCounts<'a> {
    tables: &'a Tables,
    wanted: Vec<&'static str>,
}

pub(super) struct SegmentFacetCounts {
    /// `None` when no facet is wanted: nothing to count.
    table: Option<Arc<Table>>,
    counts: Vec<u32>,
    wanted: Vec<&'static str>,
}

impl Collector for FacetCounts<'_> {
    type Fruit = Counted;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        if self.wanted.is_empty() {
            return Ok(SegmentFacetCounts {
                table: None,
                counts: Vec::new(),
                wanted: Vec::new(),
            });
        }
        let table = self.tables.table(segment)?;
        Ok(SegmentFacetCounts {
            counts: vec![0; table.width as usize],
            table: Some(table),
            wanted: self.wanted.clone(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counted>) -> tantivy::Result<Counted> {
        let mut fruits = fruits.into_iter();
        let mut out = fruits.next().unwrap_or_default();
        for fruit in fruits {
            for (facet, counts) in fruit {
                let into = out.entry(facet).or_default();
                for (value, n) in counts {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = Counted;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(table) = &self.table else {
            return;
        };
        let range = table.range(doc);
        let mut add = |value: usize| {
            if let Some(n) = self.counts.get_mut(value) {
                *n += 1;
            }
        };
        match &table.values {
            Numbers::Narrow(values) => {
                for &value in values.get(range).unwrap_or_default() {
                    add(usize::from(value));
                }
            }
            Numbers::Wide(values) => {
                for &value in values.get(range).unwrap_or_default() {
                    add(value as usize);
                }
            }
        }
    }

    fn harvest(self) -> Counted {
        let mut out = Counted::new();
        let Some(table) = self.table else {
            return out;
        };
        let mut name = String::new();
        for (facet, column, first) in &table.facets {
            if !self.wanted.contains(facet) {
                continue;
            }
            let mut values = BTreeMap::new();
            let first = *first as usize;
            let n = column.num_terms();
            for (ord, &count) in self.counts.iter().skip(first).take(n).enumerate() {
                if count > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    values.insert(name.clone(), u64::from(count));
                }
            }
            out.insert((*facet).to_string(), values);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::Count;
    use tantivy::query::AllQuery;
    use tantivy::schema::{FAST, STRING, Schema};
    use tantivy::{Index, TantivyDocument};

    const FACETS: &[&str] = &["category", "certification"];

    /// Counts every document's facets with the tables as read, then with the same numbers
    /// four bytes wide: both layouts must count alike.
    #[test]
    fn narrow_and_wide_tables_count_alike() {
        let mut schema = Schema::builder();
        let category = schema.add_text_field(&field_name("category"), STRING | FAST);
        let certification = schema.add_text_field(&field_name("certification"), STRING | FAST);
        let index = Index::create_in_ram(schema.build());
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..60 {
            let mut doc = TantivyDocument::default();
            doc.add_text(category, ["mat-ong", "che", "mien-dong"][i % 3]);
            // None, one or two values: rows of every length.
            for c in ["ocop", "vietgap"].iter().take(i % 3) {
                doc.add_text(certification, c);
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let tables = Tables::new(FACETS);
        tables.follow(&searcher).unwrap();
        let count = |tables: &Tables| searcher.search(&AllQuery, &(Count, tables.counter(FACETS)));

        let (n, narrow) = count(&tables).unwrap();
        assert_eq!(n, 60);
        assert_eq!(narrow["category"]["mat-ong"], 20);
        assert_eq!(narrow["certification"]["ocop"], 40);
        assert_eq!(narrow["certification"]["vietgap"], 20);
        assert!(
            tables
                .locked()
                .values()
                .all(|t| matches!(t.values, Numbers::Narrow(_)))
        );

        for table in tables.locked().values_mut() {
            let table = Arc::get_mut(table).expect("only the tables hold it");
            if let Numbers::Narrow(values) = &table.values {
                table.values = Numbers::Wide(values.iter().map(|&v| u32::from(v)).collect());
            }
        }
        let (_, wide) = count(&tables).unwrap();
        assert_eq!(wide, narrow);
    }
}
