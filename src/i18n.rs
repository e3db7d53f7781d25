//! Vietnamese and English messages, read from `frontend/locales` and embedded in the binary.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of Vietnamese or English named in an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .map(|part| {
                part.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .find_map(|tag| Lang::parse(tag.split('-').next().unwrap_or("")))
    }

    #[must_use]
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

fn load(source: &'static str) -> HashMap<&'static str, &'static str> {
    source
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static VI: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| load(include_str!("../frontend/locales/vi.txt")));
static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| load(include_str!("../frontend/locales/en.txt")));

/// The message for `key` in `lang` only, without falling back.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    match lang {
        Lang::Vi => VI.get(key).copied(),
        Lang::En => EN.get(key).copied(),
    }
}

/// Every key of `lang`'s messages.
pub fn keys(lang: Lang) -> Vec<&'static str> {
    match lang {
        Lang::Vi => VI.keys().copied().collect(),
        Lang::En => EN.keys().copied().collect(),
    }
}

/// The message for `key`; falls back to Vietnamese, then to the key itself.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let table = match lang {
        Lang::Vi => &*VI,
        Lang::En => &*EN,
    };
    table
        .get(key)
        .or_else(|| VI.get(key))
        .copied()
        .unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            "…"
        })
}

pub fn has(key: &str) -> bool {
    VI.contains_key(key)
}

tokio::task_local! {
    /// The language of the request being handled, set by a middleware for every request.
    pub static REQUEST_LANG: Lang;
}

pub fn current() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut missing_en: Vec<_> = VI.keys().filter(|k| !EN.contains_key(*k)).collect();
        let mut missing_vi: Vec<_> = EN.keys().filter(|k| !VI.contains_key(*k)).collect();
        missing_en.sort();
        missing_vi.sort();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_vi.is_empty(), "missing in vi: {missing_vi:?}");
    }

    #[test]
    fn accept_language_picks_the_first_known() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, vi;q=0.8"), Some(Lang::Vi));
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
