//! The page at `/` in English or zh-CN, filled from the catalog (`locales/page.toml`) at each
//! request: assets/index.html holds `{{page.key}}` where text goes and `{{lang}}` in `<html>`.
//!
//! The language: `?lang=zh-CN` / `?lang=en` on the URL first; then, when duplex's language was
//! chosen for it (`--lang`, `DUPLEX_LANG`), that one; else the browser's `Accept-Language`
//! (the visitor may not be the one whose locale started duplex); else duplex's language.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::i18n::lookup;
use crate::lang::{self, Lang};

const TEMPLATE: &str = include_str!("../../assets/index.html");

/// Every key the page holds; `page.js.*` sit inside single-quoted JavaScript strings.
const KEYS: &[&str] = &[
    "page.title",
    "page.intro",
    "page.try",
    "page.hello",
    "page.message",
    "page.send",
    "page.close",
    "page.js.open",
    "page.js.hello",
    "page.js.you_are",
    "page.js.in",
    "page.js.here",
    "page.js.no_one",
    "page.js.and",
    "page.js.more",
    "page.js.joined",
    "page.js.left",
    "page.js.paren_open",
    "page.js.paren_close",
    "page.js.error",
    "page.js.closed",
    "page.js.failed",
];

static CHOSEN: AtomicBool = AtomicBool::new(false);

/// Whether duplex's language was chosen explicitly (then it beats `Accept-Language`).
pub fn set_chosen(chosen: bool) {
    CHOSEN.store(chosen, Ordering::Relaxed);
}

/// The page's language for a request with this query string and `Accept-Language`.
pub fn choose(query: Option<&str>, accept: Option<&str>) -> Lang {
    let asked = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|kv| kv.strip_prefix("lang="))
        .find_map(Lang::parse);
    if let Some(l) = asked {
        return l;
    }
    if CHOSEN.load(Ordering::Relaxed) {
        return lang::current();
    }
    accept.and_then(accepted).unwrap_or_else(lang::current)
}

/// The first language duplex has in an `Accept-Language` list, by quality.
fn accepted(header: &str) -> Option<Lang> {
    let mut tags: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let lang = Lang::parse(parts.next()?.trim())?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1.0, |q| q.trim().parse().unwrap_or(0.0));
            (q > 0.0).then_some((q, lang))
        })
        .collect();
    // Stable: equal qualities keep the browser's order.
    tags.sort_by(|a, b| b.0.total_cmp(&a.0));
    tags.first().map(|(_, l)| *l)
}

/// The page in `lang`.
pub fn render(lang: Lang) -> String {
    let mut out = TEMPLATE.replace("{{lang}}", lang.tag());
    for key in KEYS {
        let text = lookup(key, lang);
        let text = if key.starts_with("page.js.") {
            text.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('\n', "\\n")
                .replace("</", "<\\/")
        } else {
            text
        };
        out = out.replace(&format!("{{{{{key}}}}}"), &text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled_in_both_languages() {
        for l in Lang::ALL {
            let page = render(l);
            assert!(!page.contains("{{"), "{}", l.tag());
            assert!(page.contains(&format!("<html lang=\"{}\">", l.tag())));
        }
        assert!(render(Lang::ZhCn).contains("<button>发送</button>"));
        // A line break between Chinese characters shows as a space in the browser.
        let zh = render(Lang::ZhCn);
        let wide = |c: Option<char>| c.is_some_and(|c| c > '\u{2e80}');
        for (i, _) in zh.match_indices('\n') {
            let around = (zh[..i].chars().next_back(), zh[i + 1..].chars().next());
            assert!(!(wide(around.0) && wide(around.1)), "{}", &zh[..i]);
        }
    }

    #[test]
    fn the_url_then_the_choice_then_the_browser() {
        assert_eq!(choose(Some("lang=zh-CN"), Some("en")), Lang::ZhCn);
        assert_eq!(choose(Some("x=1&lang=en"), Some("zh-CN")), Lang::En);
        let zh = "fr-FR, zh-CN;q=0.9, en;q=0.8";
        assert_eq!(accepted(zh), Some(Lang::ZhCn));
        assert_eq!(accepted("en-US,en;q=0.9,zh;q=0.8"), Some(Lang::En));
        assert_eq!(accepted("zh;q=0, en;q=0.5"), Some(Lang::En));
        assert_eq!(accepted("de, *"), None);
        lang::scoped(Lang::En, || {
            assert_eq!(choose(None, Some("de")), Lang::En);
        });
    }
}
