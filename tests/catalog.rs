//! The interface catalog (`locales/*.toml`) is whole: every key the code reads is there, in
//! English and zh-CN, with the same placeholders; no key is left that nothing reads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `key -> (lang -> text)` from every catalog file.
fn catalog() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir("locales").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        flatten(&path, "", &table, &mut out);
    }
    out
}

fn flatten(
    path: &Path,
    prefix: &str,
    t: &toml::Table,
    out: &mut BTreeMap<String, BTreeMap<String, String>>,
) {
    for (k, v) in t {
        if prefix.is_empty() && k == "_version" {
            continue;
        }
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let toml::Value::Table(sub) = v else {
            panic!("{}: {key} is not a table of languages", path.display());
        };
        if sub.contains_key("en") {
            let langs = sub
                .iter()
                .map(|(l, t)| match t {
                    toml::Value::String(s) => (l.clone(), s.clone()),
                    _ => panic!("{}: {key}.{l} is not text", path.display()),
                })
                .collect();
            assert!(
                out.insert(key.clone(), langs).is_none(),
                "{}: {key} is defined twice",
                path.display()
            );
        } else {
            flatten(path, &key, sub, out);
        }
    }
}

fn placeholders(s: &str) -> BTreeSet<&str> {
    s.match_indices("%{")
        .filter_map(|(i, _)| s[i + 2..].split_once('}').map(|(name, _)| name))
        .collect()
}

fn sources(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs" || e == "html") {
            // Comments may show a key as an example; only code reads keys.
            for line in std::fs::read_to_string(&p).unwrap().lines() {
                if !line.trim_start().starts_with("//") {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
}

#[test]
fn every_key_has_english_and_chinese_with_the_same_placeholders() {
    let cat = catalog();
    assert!(!cat.is_empty());
    let mut problems = Vec::new();
    for (key, langs) in &cat {
        let (Some(en), Some(zh)) = (langs.get("en"), langs.get("zh-CN")) else {
            problems.push(format!("{key}: needs both en and zh-CN"));
            continue;
        };
        if let Some(other) = langs.keys().find(|l| *l != "en" && *l != "zh-CN") {
            problems.push(format!("{key}: unknown language {other}"));
        }
        if placeholders(en) != placeholders(zh) {
            problems.push(format!("{key}: placeholders differ: {en:?} / {zh:?}"));
        }
        if zh.trim().is_empty() || en.trim().is_empty() {
            problems.push(format!("{key}: empty text"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_key_the_code_reads_is_in_the_catalog_and_every_key_is_read() {
    let cat = catalog();
    let mut code = String::new();
    sources(Path::new("src"), &mut code);
    sources(Path::new("assets"), &mut code);
    // Keys given to `tr!` directly.
    let mut missing = BTreeSet::new();
    for (i, _) in code.match_indices("tr!(\"") {
        // Not `include_str!(`: the macro's name starts here.
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[i + 5..];
        let key = &rest[..rest.find('"').unwrap()];
        if !cat.contains_key(key) {
            missing.insert(key.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "keys read but not in locales/: {missing:?}"
    );
    // A key is read when it appears quoted anywhere (tables of keys, the page's data-i18n).
    let unused: Vec<&String> = cat
        .keys()
        .filter(|k| !code.contains(&format!("\"{k}\"")))
        .collect();
    assert!(unused.is_empty(), "keys nothing reads: {unused:?}");
}
