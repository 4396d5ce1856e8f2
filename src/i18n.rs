//! The interface's strings come from one catalog, `locales/*.toml`, where each key holds its
//! English and its zh-CN side by side (rust-i18n's `_version = 2` layout). [`tr!`] reads a key
//! in the language of [`crate::lang::current`], so a switch in the TUI takes effect at the next
//! draw. A key missing in zh-CN falls back to English; `tests/catalog.rs` keeps both complete.
//!
//! Placeholders are `%{name}`; protocol tokens (`Upgrade: websocket`, opcode names) stay as
//! they are on the wire in every language.

/// The catalog's text for `key` in the current language, `%{name}` placeholders filled:
/// `tr!("home.title")`, `tr!("lesson.step_of", n = 3, total = 7)`.
#[macro_export]
macro_rules! tr {
    ($key:expr) => {
        $crate::i18n::lookup($key, $crate::lang::current())
    };
    ($key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::fill(
            &$crate::i18n::lookup($key, $crate::lang::current()),
            &[$((stringify!($name), $value.to_string())),+],
        )
    };
}

use std::borrow::Cow;

use crate::lang::Lang;

/// The text of `key` in `lang`, English when that language lacks it, the key itself when the
/// catalog has no such key (a test keeps that from shipping).
pub fn lookup(key: &str, lang: Lang) -> String {
    crate::_rust_i18n_try_translate(lang.tag(), key)
        .or_else(|| crate::_rust_i18n_try_translate("en", key))
        .map_or_else(|| key.to_string(), Cow::into_owned)
}

/// `text` with each `%{name}` replaced by its value; an unknown placeholder stays as written.
pub fn fill(text: &str, values: &[(&str, String)]) -> String {
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let vals: Vec<String> = values.iter().map(|(_, v)| v.clone()).collect();
    rust_i18n::replace_patterns(text, &names, &vals)
}

/// Whether the catalog has `key` in `lang` itself, without falling back.
pub fn has(key: &str, lang: Lang) -> bool {
    crate::_rust_i18n_backend()
        .translate(lang.tag(), key)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_in_each_language_and_fills_its_placeholders() {
        assert_eq!(
            fill(&lookup("probe.hello", Lang::En), &[("name", "Ada".into())]),
            "Hello, Ada"
        );
        assert_eq!(
            fill(
                &lookup("probe.hello", Lang::ZhCn),
                &[("name", "Ada".into())]
            ),
            "你好，Ada"
        );
        assert_eq!(lookup("no.such.key", Lang::ZhCn), "no.such.key");
        assert!(has("probe.hello", Lang::ZhCn));
        assert!(!has("no.such.key", Lang::En));
    }

    #[test]
    fn the_macro_follows_the_scoped_language() {
        crate::lang::scoped(Lang::ZhCn, || {
            assert_eq!(crate::tr!("probe.hello", name = "Ada"), "你好，Ada");
        });
        crate::lang::scoped(Lang::En, || {
            assert_eq!(crate::tr!("probe.hello", name = 7), "Hello, 7");
        });
    }
}
