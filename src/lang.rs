//! The language of the lessons: `--lang`, then `DUPLEX_LANG`, then the locale (`LC_ALL`,
//! `LC_MESSAGES`, `LANG`), as POSIX programs choose their messages.
//!
//! Lesson text and the interface's catalog (`tr!`) both read [`current`].

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The tag, as written in translation files and their directory names.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// A language tag or locale name (`zh-CN`, `zh_CN.UTF-8`, `zh-Hans`, `en_GB`, `C`): `None`
    /// when it names no language duplex has.
    pub fn parse(s: &str) -> Option<Lang> {
        // `zh_CN.UTF-8@euro`: the encoding and modifier say nothing of the language.
        let base = s.split(['.', '@']).next().unwrap_or("").trim();
        let norm = base.replace('_', "-").to_ascii_lowercase();
        let mut parts = norm.split('-');
        match parts.next()? {
            "c" | "posix" if norm == "c" || norm == "posix" => Some(Lang::En),
            "en" => Some(Lang::En),
            "zh" => {
                // Simplified Chinese: zh, zh-CN, zh-SG, zh-Hans(-*). Traditional is not it.
                let rest: Vec<&str> = parts.collect();
                let traditional = rest
                    .iter()
                    .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"));
                (!traditional).then_some(Lang::ZhCn)
            }
            _ => None,
        }
    }

    /// The language from a `--lang` value (`None` when absent) and an environment. The first
    /// variable that is set and not empty decides, as for locales; one naming a language
    /// duplex lacks means English.
    pub fn resolve(flag: Option<Lang>, env: impl Fn(&str) -> Option<String>) -> Lang {
        if let Some(l) = flag {
            return l;
        }
        for var in ["DUPLEX_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                return Lang::parse(&v).unwrap_or(Lang::En);
            }
        }
        Lang::En
    }
}

/// For clap: `--lang TAG`, refused with the list when duplex has no such language.
pub fn parse_flag(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| {
        let known: Vec<&str> = Lang::ALL.iter().map(|l| l.tag()).collect();
        crate::tr!("cli.err.no_lang", tag = s, langs = known.join(", "))
    })
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// A language for this thread only, over the process's (tests render both side by side).
    static SCOPED: Cell<Option<Lang>> = const { Cell::new(None) };
}

impl Lang {
    fn index(self) -> u8 {
        Lang::ALL.iter().position(|l| *l == self).unwrap_or(0) as u8
    }

    /// The other language, for the TUI's switch key.
    pub fn next(self) -> Lang {
        Lang::ALL[(usize::from(self.index()) + 1) % Lang::ALL.len()]
    }

    /// The language's own name, as a learner looks for it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "中文",
        }
    }
}

/// Sets the language: at start-up (the command line's choice) and on the TUI's switch key.
pub fn set(lang: Lang) {
    CURRENT.store(lang.index(), Ordering::Relaxed);
}

/// The language in use; English when none was set (library use, unit tests).
pub fn current() -> Lang {
    SCOPED
        .with(Cell::get)
        .unwrap_or_else(|| Lang::ALL[usize::from(CURRENT.load(Ordering::Relaxed))])
}

/// The TUI's switch key: the next language for the process, or for this thread alone while a
/// [`scoped`] language is on (so a test that presses the key changes no other test's).
pub fn switch() -> Lang {
    let next = current().next();
    let scoped = SCOPED.with(|s| s.get().is_some().then(|| s.set(Some(next))));
    if scoped.is_none() {
        set(next);
    }
    next
}

/// Runs `f` with `lang` as this thread's language, then puts the previous one back.
pub fn scoped<T>(lang: Lang, f: impl FnOnce() -> T) -> T {
    let before = SCOPED.with(|s| s.replace(Some(lang)));
    let out = f();
    SCOPED.with(|s| s.set(before));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn tags_and_locales_normalise() {
        for s in [
            "zh-CN",
            "zh",
            "zh_CN",
            "zh-Hans",
            "zh_CN.UTF-8",
            "ZH-cn",
            "zh-Hans-CN",
        ] {
            assert_eq!(Lang::parse(s), Some(Lang::ZhCn), "{s}");
        }
        for s in ["en", "en_US.UTF-8", "en-GB", "C", "POSIX", "C.UTF-8"] {
            assert_eq!(Lang::parse(s), Some(Lang::En), "{s}");
        }
        for s in ["zh-TW", "zh_Hant", "fr_FR.UTF-8", "", "Chinese"] {
            assert_eq!(Lang::parse(s), None, "{s}");
        }
    }

    #[test]
    fn the_flag_then_duplex_lang_then_the_locale() {
        let all = [
            ("DUPLEX_LANG", "zh"),
            ("LC_ALL", "en_US.UTF-8"),
            ("LANG", "en_US.UTF-8"),
        ];
        assert_eq!(Lang::resolve(Some(Lang::En), env(&all)), Lang::En);
        assert_eq!(Lang::resolve(None, env(&all)), Lang::ZhCn);
        assert_eq!(Lang::resolve(None, env(&all[1..])), Lang::En);
        let locale = [("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")];
        assert_eq!(Lang::resolve(None, env(&locale)), Lang::ZhCn);
        assert_eq!(
            Lang::resolve(None, env(&[("LANG", "zh_CN.UTF-8")])),
            Lang::ZhCn
        );
        // LC_ALL overrides LANG even when it names a language duplex lacks.
        let fr = [("LC_ALL", "fr_FR.UTF-8"), ("LANG", "zh_CN.UTF-8")];
        assert_eq!(Lang::resolve(None, env(&fr)), Lang::En);
        // Empty is unset.
        let empty = [("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")];
        assert_eq!(Lang::resolve(None, env(&empty)), Lang::ZhCn);
        assert_eq!(Lang::resolve(None, env(&[("LANG", "C")])), Lang::En);
        assert_eq!(Lang::resolve(None, env(&[])), Lang::En);
    }

    #[test]
    fn an_unknown_flag_names_the_languages() {
        assert_eq!(parse_flag("zh_CN"), Ok(Lang::ZhCn));
        let e = parse_flag("xx").unwrap_err();
        assert!(e.contains("en, zh-CN"), "{e}");
    }
}
