//! Finding a commune from an address as people write it: today's commune and province
//! (`Xã Na Rì`, `Thái Nguyên`), or the pre-2025 commune, district and province most survey
//! files still give, mapped to the commune that took it over on 1 July 2025.

use std::collections::{HashMap, HashSet};

use super::text::{edit_distance, fold};

/// A commune of the 2025 list.
#[derive(Clone, Debug)]
pub struct PlaceCommune {
    pub code: i32,
    pub name: String,
    pub province_code: i32,
}

/// A commune as it was before 1 July 2025, and the commune it is part of now.
#[derive(Clone, Debug)]
pub struct FormerCommune {
    pub commune_code: i32,
    pub name: String,
    pub district: String,
    pub province: String,
    /// The former province's code (Bắc Kạn was 6, Hà Giang 2).
    pub province_code: i32,
}

/// How an address was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placed {
    /// A commune of the 2025 list, named as it is now.
    Current(i32),
    /// A former commune, mapped to today's. `others` are the other communes it was split
    /// into, when it was: the first is taken, and the report says so.
    Former {
        code: i32,
        former: String,
        others: Vec<i32>,
    },
}

impl Placed {
    pub fn code(&self) -> i32 {
        match self {
            Placed::Current(code) | Placed::Former { code, .. } => *code,
        }
    }
}

/// Why an address could not be read, with the closest communes to offer instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unplaced {
    pub ambiguous: bool,
    pub suggestions: Vec<i32>,
}

/// Today's communes and provinces with the former communes, indexed by folded name.
#[derive(Debug, Default)]
pub struct PlaceIndex {
    communes: Vec<PlaceCommune>,
    /// `place_key` of each commune's name.
    keys: Vec<String>,
    by_code: HashMap<i32, usize>,
    /// Folded province name without its kind (`thai nguyen`) → code.
    provinces: HashMap<String, i32>,
    current: HashMap<String, Vec<usize>>,
    formers: Vec<FormerCommune>,
    former_by_name: HashMap<String, Vec<usize>>,
    /// Today's commune code → the former communes it took over.
    former_by_commune: HashMap<i32, Vec<usize>>,
    /// Places a buyer may name in a search, by [`place_key`]: today's provinces, former
    /// provinces and former districts (names of two syllables or more).
    mentionable: HashMap<String, Mention>,
    /// The first word of each mentionable name: a search's words that start none are
    /// passed over without building a name from them.
    first_words: HashSet<String>,
    /// The words of each mentionable name, and its key.
    spellings: Vec<(Vec<String>, String)>,
    /// A name's first word and its last word → its place in `spellings`. A name of two
    /// words or more typed with one slip still has one of them as written.
    by_end: HashMap<String, Vec<usize>>,
    /// Former province code → its name.
    former_province_names: HashMap<i32, String>,
}

/// What kind of place a search named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Province,
    FormerProvince,
    FormerDistrict,
}

/// A place a search may name, as it is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub kind: PlaceKind,
    /// For a former district, its former province.
    pub within: Option<String>,
}

/// A place named by consecutive words of a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Named<'a> {
    /// The first word (a kind word before the name, when there is one).
    pub from: usize,
    /// How many words.
    pub len: usize,
    pub place: &'a Mention,
    /// A word of the name typed with one slip: its position among the words, and the
    /// name's word (folded).
    pub slip: Option<(usize, &'a str)>,
    /// The slip is in a word shorter than the engines forgive a typo in (`bac kna`, `na
    /// rii`): such a word has many neighbours, and the name is to be taken only when the
    /// query's other words, with the name, find products.
    pub short: bool,
}

/// The shortest word, of a place's name and as typed, in which a slip is forgiven, as the
/// engines forgive one typo in a word typed with 5 letters or more (`quan nam` is not
/// `quang nam`).
const SLIP_LETTERS: usize = 5;

/// The shortest word in which a slip is read at all, when the search anchors it (see
/// [`Named::short`]): most of the province's names are of 2 and 3 letters (`Na Rì`).
const SHORT_SLIP_LETTERS: usize = 2;

/// Kind words a buyer may type before a place's name.
const KIND_WORDS: &[&str] = &["tinh", "huyen", "thanh pho", "tp", "quan", "thi xa", "tx"];

/// `Xã Na Rì` → `na ri`; `TP. Hồ Chí Minh` → `ho chi minh`; `Phường 3` → `3`.
pub fn place_key(name: &str) -> String {
    key_of(&fold(name))
}

/// [`place_key`] with the marks kept: `Xã Văn Lăng` → `văn lăng`, which tells it from
/// `Văn Lang` when both are in one province.
fn marked_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lower: String = name.nfc().flat_map(char::to_lowercase).collect();
    key_of(&lower)
}

fn key_of(folded: &str) -> String {
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let kinds: &[&[&str]] = &[
        &["thanh", "pho"],
        &["thi", "tran"],
        &["thi", "xa"],
        &["dac", "khu"],
        &["xa"],
        &["phuong"],
        &["tinh"],
        &["huyen"],
        &["quan"],
        &["tp"],
        &["tt"],
        &["tx"],
    ];
    let mut rest: &[&str] = &words;
    for kind in kinds {
        if rest.len() > kind.len() && kind.iter().zip(rest).all(|(k, w)| fold(w) == *k) {
            rest = &rest[kind.len()..];
            break;
        }
    }
    // "Phường 03" and "Phường 3" are one ward.
    rest.iter()
        .map(|w| {
            if w.chars().all(|c| c.is_ascii_digit()) {
                let t = w.trim_start_matches('0');
                if t.is_empty() { "0" } else { t }
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl PlaceIndex {
    pub fn new(
        communes: Vec<PlaceCommune>,
        provinces: &[(i32, String)],
        formers: Vec<FormerCommune>,
    ) -> Self {
        let mut current: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            current.entry(place_key(&c.name)).or_default().push(i);
        }
        let mut former_by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in formers.iter().enumerate() {
            former_by_name
                .entry(place_key(&f.name))
                .or_default()
                .push(i);
        }
        let mut former_by_commune: HashMap<i32, Vec<usize>> = HashMap::new();
        for (i, f) in formers.iter().enumerate() {
            former_by_commune.entry(f.commune_code).or_default().push(i);
        }
        // Today's provinces first, then former provinces, then former districts: a name
        // that is several of them is read as the first.
        let named = provinces
            .iter()
            .map(|(_, name)| (name, PlaceKind::Province, None))
            .chain(
                formers
                    .iter()
                    .map(|f| (&f.province, PlaceKind::FormerProvince, None)),
            )
            .chain(
                formers
                    .iter()
                    .map(|f| (&f.district, PlaceKind::FormerDistrict, Some(&f.province))),
            );
        let mut mentionable: HashMap<String, Mention> = HashMap::new();
        for (name, kind, within) in named {
            let key = place_key(name);
            if key.split(' ').count() >= 2 {
                mentionable.entry(key).or_insert_with(|| Mention {
                    name: name.clone(),
                    kind,
                    within: within.cloned(),
                });
            }
        }
        let mut spellings = Vec::new();
        let mut by_end: HashMap<String, Vec<usize>> = HashMap::new();
        for key in mentionable.keys() {
            let words: Vec<String> = key.split(' ').map(str::to_string).collect();
            let at = spellings.len();
            let (first, last) = (words[0].clone(), words[words.len() - 1].clone());
            by_end.entry(first).or_default().push(at);
            by_end.entry(last).or_default().push(at);
            spellings.push((words, key.clone()));
        }
        let mut former_province_names: HashMap<i32, String> = HashMap::new();
        for f in &formers {
            former_province_names
                .entry(f.province_code)
                .or_insert_with(|| f.province.clone());
        }
        PlaceIndex {
            first_words: mentionable
                .keys()
                .filter_map(|k| k.split(' ').next())
                .map(str::to_string)
                .collect(),
            mentionable,
            spellings,
            by_end,
            former_province_names,
            keys: communes.iter().map(|c| place_key(&c.name)).collect(),
            by_code: communes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.code, i))
                .collect(),
            communes,
            provinces: provinces
                .iter()
                .map(|(code, name)| (place_key(name), *code))
                .collect(),
            current,
            formers,
            former_by_name,
            former_by_commune,
        }
    }

    /// The place named by consecutive words of a search (folded), the longest name first,
    /// a kind word before it (`huyen`, `tinh`) counted with it. A name typed as written
    /// wins; failing that, a name typed with one slip (a letter added, left out or
    /// changed, or two swapped) in one of its words of 5 letters or more, typed with 5 or
    /// more (`bach thogn`), when only one name is that near; failing that, one with a slip
    /// in a shorter word (`bac kna`), when only one name is that near, marked
    /// [`Named::short`]. Only a word `may_slip` allows is read as a slip (a word the
    /// catalogue has is meant as typed).
    pub fn mentioned(&self, words: &[&str], may_slip: impl Fn(&str) -> bool) -> Option<Named<'_>> {
        self.longest(words, |window| {
            if !self.first_words.contains(window[0]) {
                return None;
            }
            self.mentionable
                .get(&window.join(" "))
                .map(|place| (place, None))
        })
        .or_else(|| {
            // Most searches have no word that may be a slip: no name is looked for.
            if !words.iter().any(|w| may_slip(w)) {
                return None;
            }
            let slips = |letters| {
                let may_slip = &may_slip;
                move |window: &[&str]| self.with_slip(window, letters, may_slip)
            };
            self.longest(words, slips(SLIP_LETTERS)).or_else(|| {
                self.longest(words, slips(SHORT_SLIP_LETTERS))
                    .map(|named| Named {
                        short: true,
                        ..named
                    })
            })
        })
    }

    /// The longest window of `words` that `find` reads as a place, with the kind word
    /// before it.
    fn longest<'a>(
        &'a self,
        words: &[&str],
        find: impl Fn(&[&str]) -> Option<(&'a Mention, Option<(usize, &'a str)>)>,
    ) -> Option<Named<'a>> {
        let mut best: Option<Named<'a>> = None;
        for start in 0..words.len() {
            for len in (2..=4.min(words.len() - start)).rev() {
                let Some((place, slip)) = find(&words[start..start + len]) else {
                    continue;
                };
                // A kind word just before ("huyện Na Rì") belongs to the mention.
                let kind = KIND_WORDS.iter().find_map(|k| {
                    let n = k.split(' ').count();
                    (start >= n && words[start - n..start].join(" ") == *k).then_some(n)
                });
                let (from, span) = match kind {
                    Some(n) => (start - n, len + n),
                    None => (start, len),
                };
                if best.is_none_or(|b| span > b.len) {
                    best = Some(Named {
                        from,
                        len: span,
                        place,
                        slip: slip.map(|(i, word)| (start + i, word)),
                        short: false,
                    });
                }
                break;
            }
        }
        best
    }

    /// The one name `window` spells with a single slip in a word of `letters` or more, as
    /// typed and in the name, and where the slip is.
    fn with_slip(
        &self,
        window: &[&str],
        letters: usize,
        may_slip: &impl Fn(&str) -> bool,
    ) -> Option<(&Mention, Option<(usize, &str)>)> {
        let ends = [window[0], window[window.len() - 1]];
        let mut found: Option<(usize, usize)> = None;
        for &at in ends.iter().filter_map(|w| self.by_end.get(*w)).flatten() {
            let (name, _) = &self.spellings[at];
            if name.len() != window.len() {
                continue;
            }
            let mut differ = (0..name.len()).filter(|&i| name[i] != window[i]);
            let (Some(i), None) = (differ.next(), differ.next()) else {
                continue;
            };
            if name[i].chars().count() < letters
                || window[i].chars().count() < letters
                || !window[i].chars().all(char::is_alphabetic)
                || !may_slip(window[i])
                || edit_distance(window[i], &name[i]) != 1
            {
                continue;
            }
            match found {
                Some((other, _)) if other != at => return None,
                _ => found = Some((at, i)),
            }
        }
        let (at, i) = found?;
        let (name, key) = &self.spellings[at];
        Some((&self.mentionable[key], Some((i, name[i].as_str()))))
    }

    /// A province as it was before 1 July 2025, by its former code.
    pub fn former_province(&self, code: i32) -> Option<&str> {
        self.former_province_names.get(&code).map(String::as_str)
    }

    /// What a product in today's commune is also called by: the names of the former
    /// communes, districts and provinces the commune took over, each once, and the former
    /// provinces' codes.
    pub fn former_names(&self, code: i32) -> (Vec<String>, Vec<i32>) {
        let (mut names, mut provinces) = (Vec::new(), Vec::new());
        for f in self.formers_of(code) {
            for name in [&f.name, &f.district, &f.province] {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            if !provinces.contains(&f.province_code) {
                provinces.push(f.province_code);
            }
        }
        (names, provinces)
    }

    /// The former communes (with their districts and provinces) that today's commune took
    /// over on 1 July 2025.
    pub fn formers_of(&self, code: i32) -> impl Iterator<Item = &FormerCommune> {
        self.former_by_commune
            .get(&code)
            .into_iter()
            .flatten()
            .map(|i| &self.formers[*i])
    }

    pub fn commune(&self, code: i32) -> Option<&PlaceCommune> {
        self.by_code.get(&code).map(|i| &self.communes[*i])
    }

    /// Reads an address. `province` may be today's province or a former one; `district`
    /// names a former district and says the address is from before 2025.
    pub fn resolve(
        &self,
        commune: &str,
        district: Option<&str>,
        province: Option<&str>,
    ) -> Result<Placed, Unplaced> {
        let key = place_key(commune);
        let district_key = district.map(place_key).filter(|d| !d.is_empty());
        let province_key = province.map(place_key).filter(|p| !p.is_empty());
        let current_province = province_key
            .as_deref()
            .and_then(|p| self.provinces.get(p).copied());
        let current: Vec<&PlaceCommune> = self
            .current
            .get(&key)
            .map(|ids| ids.iter().map(|i| &self.communes[*i]).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|c| current_province.is_none_or(|p| c.province_code == p))
            .collect();
        let formers: Vec<&FormerCommune> = self
            .former_by_name
            .get(&key)
            .map(|ids| ids.iter().map(|i| &self.formers[*i]).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|f| {
                district_key
                    .as_deref()
                    .is_none_or(|d| place_key(&f.district) == d)
            })
            .filter(|f| {
                province_key.as_deref().is_none_or(|p| {
                    place_key(&f.province) == p
                        || self
                            .commune(f.commune_code)
                            .is_some_and(|c| Some(c.province_code) == current_province)
                })
            })
            .collect();
        // A district says the address predates 2025: its former commune comes first.
        let former_first = district_key.is_some();
        // Names that fold alike (`Văn Lang`, `Văn Lăng`) are told apart by their marks.
        let marked = marked_key(commune);
        let current = if current.len() > 1 {
            let exact: Vec<&PlaceCommune> = current
                .iter()
                .copied()
                .filter(|c| marked_key(&c.name) == marked)
                .collect();
            if exact.len() == 1 { exact } else { current }
        } else {
            current
        };
        let from_current = || match current.as_slice() {
            [one] => Some(Ok(Placed::Current(one.code))),
            [] => None,
            _ => Some(Err(true)),
        };
        let from_former = || {
            // One former commune (name, district, province) may appear on several rows, one
            // for each commune it went into.
            let mut places: Vec<(String, String, String)> = formers
                .iter()
                .map(|f| (f.name.clone(), f.district.clone(), f.province.clone()))
                .collect();
            places.dedup();
            places.sort();
            places.dedup();
            match places.as_slice() {
                [] => None,
                [_] => {
                    let mut codes: Vec<i32> = formers.iter().map(|f| f.commune_code).collect();
                    codes.dedup();
                    // The new commune that kept the former one's name, if one did.
                    if let Some(i) = codes
                        .iter()
                        .position(|c| self.commune(*c).is_some_and(|c| place_key(&c.name) == key))
                    {
                        codes.swap(0, i);
                    }
                    let code = codes.remove(0);
                    Some(Ok(Placed::Former {
                        code,
                        former: format!(
                            "{}, {}, {}",
                            formers[0].name, formers[0].district, formers[0].province
                        ),
                        others: codes,
                    }))
                }
                _ => Some(Err(true)),
            }
        };
        let found = if former_first {
            from_former().or_else(from_current)
        } else {
            from_current().or_else(from_former)
        };
        // A former province (Bắc Kạn) narrows suggestions to the provinces it went into.
        let provinces: Vec<i32> = match (current_province, province_key.as_deref()) {
            (Some(p), _) => vec![p],
            (None, Some(key)) => {
                let mut codes: Vec<i32> = self
                    .formers
                    .iter()
                    .filter(|f| place_key(&f.province) == key)
                    .filter_map(|f| self.commune(f.commune_code).map(|c| c.province_code))
                    .collect();
                codes.sort_unstable();
                codes.dedup();
                codes
            }
            (None, None) => Vec::new(),
        };
        match found {
            Some(Ok(placed)) => Ok(placed),
            Some(Err(ambiguous)) => Err(Unplaced {
                ambiguous,
                suggestions: self.suggest(&key, district_key.as_deref(), &provinces),
            }),
            None => Err(Unplaced {
                ambiguous: false,
                suggestions: self.suggest(&key, district_key.as_deref(), &provinces),
            }),
        }
    }

    /// Up to five communes whose names are closest to `key`, in the province when one is
    /// known, and first any commune named like the former district (many districts became
    /// one commune of their name).
    fn suggest(&self, key: &str, district: Option<&str>, provinces: &[i32]) -> Vec<i32> {
        let in_province =
            |c: &PlaceCommune| provinces.is_empty() || provinces.contains(&c.province_code);
        let mut out: Vec<i32> = Vec::new();
        if let Some(d) = district {
            out.extend(
                self.current
                    .get(d)
                    .into_iter()
                    .flatten()
                    .map(|i| &self.communes[*i])
                    .filter(|c| in_province(c))
                    .map(|c| c.code),
            );
        }
        let mut scored: Vec<(f64, i32)> = self
            .communes
            .iter()
            .zip(&self.keys)
            .filter(|(c, _)| in_province(c))
            .map(|(c, k)| (strsim::jaro_winkler(key, k), c.code))
            .filter(|(score, _)| *score >= 0.75)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, code) in scored {
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out.truncate(5);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> PlaceIndex {
        let communes = vec![
            PlaceCommune {
                code: 100,
                name: "Xã Na Rì".into(),
                province_code: 19,
            },
            PlaceCommune {
                code: 101,
                name: "Xã Côn Minh".into(),
                province_code: 19,
            },
            PlaceCommune {
                code: 102,
                name: "Phường Bắc Kạn".into(),
                province_code: 19,
            },
            PlaceCommune {
                code: 200,
                name: "Xã Côn Minh".into(),
                province_code: 20,
            },
            PlaceCommune {
                code: 201,
                name: "Phường 3".into(),
                province_code: 20,
            },
        ];
        let provinces = vec![
            (19, "Tỉnh Thái Nguyên".into()),
            (20, "Thành phố Hồ Chí Minh".into()),
        ];
        let former = |code, name: &str, district: &str, province: &str| FormerCommune {
            commune_code: code,
            name: name.into(),
            district: district.into(),
            province: province.into(),
            province_code: 6,
        };
        let formers = vec![
            former(100, "Thị trấn Yến Lạc", "Huyện Na Rì", "Tỉnh Bắc Kạn"),
            former(101, "Xã Quang Phong", "Huyện Na Rì", "Tỉnh Bắc Kạn"),
            former(101, "Xã Côn Minh", "Huyện Na Rì", "Tỉnh Bắc Kạn"),
            // Split between two new communes.
            former(102, "Xã Dương Quang", "Thành phố Bắc Kạn", "Tỉnh Bắc Kạn"),
            former(100, "Xã Dương Quang", "Thành phố Bắc Kạn", "Tỉnh Bắc Kạn"),
        ];
        PlaceIndex::new(communes, &provinces, formers)
    }

    #[test]
    fn current_names_in_any_spelling() {
        let ix = index();
        assert_eq!(
            ix.resolve("xa na ri", None, Some("Thái Nguyên")),
            Ok(Placed::Current(100))
        );
        assert_eq!(ix.resolve("NA RÌ", None, None), Ok(Placed::Current(100)));
        assert_eq!(
            ix.resolve("Phường 03", None, Some("TP. Hồ Chí Minh")),
            Ok(Placed::Current(201))
        );
    }

    #[test]
    fn the_province_tells_apart_communes_of_one_name() {
        let ix = index();
        assert_eq!(
            ix.resolve("Côn Minh", None, Some("Tỉnh Thái Nguyên")),
            Ok(Placed::Current(101))
        );
        let err = ix.resolve("Côn Minh", None, None).unwrap_err();
        assert!(err.ambiguous);
        assert!(err.suggestions.contains(&101) && err.suggestions.contains(&200));
    }

    #[test]
    fn former_addresses_map_to_todays_commune() {
        let ix = index();
        let placed = ix
            .resolve("Xã Quang Phong", Some("Huyện Na Rì"), Some("Tỉnh Bắc Kạn"))
            .unwrap();
        assert_eq!(placed.code(), 101);
        assert!(matches!(placed, Placed::Former { ref others, .. } if others.is_empty()));
        // The former commune of the same name as a new one, with its district: the former.
        let placed = ix
            .resolve("Côn Minh", Some("Na Rì"), Some("Bắc Kạn"))
            .unwrap();
        assert!(matches!(placed, Placed::Former { code: 101, .. }));
    }

    #[test]
    fn names_that_fold_alike_are_told_apart_by_their_marks() {
        let communes = vec![
            PlaceCommune {
                code: 1,
                name: "Xã Văn Lang".into(),
                province_code: 19,
            },
            PlaceCommune {
                code: 2,
                name: "Xã Văn Lăng".into(),
                province_code: 19,
            },
        ];
        let ix = PlaceIndex::new(communes, &[(19, "Thái Nguyên".into())], Vec::new());
        assert_eq!(
            ix.resolve("Xã Văn Lăng", None, Some("Thái Nguyên")),
            Ok(Placed::Current(2))
        );
        assert_eq!(
            ix.resolve("văn lang", None, Some("Thái Nguyên")),
            Ok(Placed::Current(1))
        );
        // Without marks it could be either.
        assert!(
            ix.resolve("Van Lang", None, Some("Thái Nguyên"))
                .unwrap_err()
                .ambiguous
        );
    }

    #[test]
    fn a_split_commune_names_the_others() {
        let ix = index();
        let placed = ix
            .resolve("Dương Quang", Some("TP Bắc Kạn"), Some("Bắc Kạn"))
            .unwrap();
        assert_eq!(
            placed,
            Placed::Former {
                code: 102,
                former: "Xã Dương Quang, Thành phố Bắc Kạn, Tỉnh Bắc Kạn".into(),
                others: vec![100],
            }
        );
    }

    #[test]
    fn unknown_names_offer_the_closest_and_the_district_that_became_a_commune() {
        let ix = index();
        let err = ix
            .resolve("Xã Lạng San", Some("Huyện Na Rì"), Some("Thái Nguyên"))
            .unwrap_err();
        assert!(!err.ambiguous);
        assert_eq!(err.suggestions.first(), Some(&100));
        let err = ix
            .resolve("Con Minhh", None, Some("Thái Nguyên"))
            .unwrap_err();
        assert_eq!(err.suggestions.first(), Some(&101));
    }

    /// `(from, len, name, slip)` of a place a query names.
    type Read<'a> = (usize, usize, &'a str, Option<(usize, &'a str)>);

    /// A place read as written or through a slip the engines would forgive too.
    fn named<'a>(ix: &'a PlaceIndex, query: &str) -> Option<Read<'a>> {
        read(ix, query, false)
    }

    /// A place read through a slip in a short word, which the search must anchor.
    fn short<'a>(ix: &'a PlaceIndex, query: &str) -> Option<Read<'a>> {
        read(ix, query, true)
    }

    fn read<'a>(ix: &'a PlaceIndex, query: &str, short: bool) -> Option<Read<'a>> {
        let words: Vec<&str> = query.split(' ').collect();
        ix.mentioned(&words, |_| true)
            .filter(|n| n.short == short)
            .map(|n| (n.from, n.len, n.place.name.as_str(), n.slip))
    }

    #[test]
    fn a_slip_in_a_short_word_of_a_name_is_offered_for_the_search_to_anchor() {
        let ix = index();
        assert_eq!(
            short(&ix, "mien bac kna"),
            Some((1, 2, "Tỉnh Bắc Kạn", Some((2, "kan"))))
        );
        assert_eq!(
            short(&ix, "mien dong na rii"),
            Some((2, 2, "Huyện Na Rì", Some((3, "ri"))))
        );
        assert_eq!(
            short(&ix, "mien dong huyen na ti"),
            Some((2, 3, "Huyện Na Rì", Some((4, "ri"))))
        );
        // A name as written, or with a slip the engines forgive, wins.
        assert_eq!(short(&ix, "na rii bac kan"), None);
        assert_eq!(
            named(&ix, "na rii bac kan"),
            Some((2, 2, "Tỉnh Bắc Kạn", None))
        );
        assert_eq!(short(&ix, "na rii thai nguyne"), None);
        // A word the catalogue has is meant as typed.
        let known = |w: &str| w != "kna" && w != "nguyne";
        assert!(ix.mentioned(&["mien", "bac", "kna"], known).is_none());
        assert!(ix.mentioned(&["che", "thai", "nguyne"], known).is_none());
        // Not in a word of one letter, nor two slips, nor a digit.
        assert_eq!(short(&ix, "mien bac k"), None);
        assert_eq!(short(&ix, "mien bca kna"), None);
        assert_eq!(short(&ix, "mien na r1"), None);
        // Two names as near: neither.
        let provinces = vec![(1, "Tỉnh Bắc Kạn".into()), (2, "Tỉnh Bắc Hạn".into())];
        let ix = PlaceIndex::new(Vec::new(), &provinces, Vec::new());
        assert_eq!(short(&ix, "mien bac xan"), None);
        assert_eq!(
            short(&ix, "mien bac kna"),
            Some((1, 2, "Tỉnh Bắc Kạn", Some((2, "kan"))))
        );
    }

    #[test]
    fn a_search_names_a_place_as_written_or_with_one_slip_in_a_long_word() {
        let ix = index();
        assert_eq!(
            named(&ix, "mien dong huyen na ri"),
            Some((2, 3, "Huyện Na Rì", None))
        );
        assert_eq!(
            named(&ix, "che thai nguyne"),
            Some((1, 2, "Tỉnh Thái Nguyên", Some((2, "nguyen"))))
        );
        assert_eq!(
            named(&ix, "che tinh thai ngyen"),
            Some((1, 3, "Tỉnh Thái Nguyên", Some((3, "nguyen"))))
        );
        // A name as written wins over one with a slip, wherever it is.
        assert_eq!(
            named(&ix, "thai nguyenn bac kan"),
            Some((2, 2, "Tỉnh Bắc Kạn", None))
        );
        // No slip in a word under 5 letters, nor two slips, nor two edits in one word.
        assert_eq!(named(&ix, "che thia nguyen"), None);
        assert_eq!(named(&ix, "mien bac kna"), None);
        assert_eq!(named(&ix, "che thia nguyne"), None);
        assert_eq!(named(&ix, "che thai ngyune"), None);
        assert_eq!(named(&ix, "che thai nguye1"), None);
    }

    #[test]
    fn a_slip_two_names_are_as_near_to_names_neither() {
        let provinces = vec![(1, "Tỉnh Bắc Giang".into()), (2, "Tỉnh Bắc Khang".into())];
        let ix = PlaceIndex::new(Vec::new(), &provinces, Vec::new());
        assert_eq!(named(&ix, "mien bac ghang"), None);
        // Typed with 4 letters: too short to be read as a slip.
        assert_eq!(named(&ix, "mien bac gian"), None);
        assert_eq!(
            named(&ix, "mien bac giangg"),
            Some((1, 2, "Tỉnh Bắc Giang", Some((2, "giang"))))
        );
    }
}
