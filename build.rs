//! Embeds the lesson translations, `lessons/LANG/*.toml`, whatever files there are: a new
//! translation is built in with no change to the code (and none at all builds fine).

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=lessons");
    // rust-i18n reads locales/ inside a macro, which cargo does not watch: rebuild on a change.
    println!("cargo:rerun-if-changed=locales");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let (path, name) = (dir.path(), dir.file_name());
        let (true, Some(lang)) = (path.is_dir(), name.to_str()) else {
            continue;
        };
        for f in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "toml") && p.is_file() {
                let shown = format!("lessons/{lang}/{}", f.file_name().to_string_lossy());
                files.push((lang.to_string(), shown, p.display().to_string()));
            }
        }
    }
    files.sort();
    let mut out = String::from("&[\n");
    for (lang, shown, path) in files {
        let _ = writeln!(out, "    ({lang:?}, {shown:?}, include_str!({path:?})),");
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("translations.rs");
    std::fs::write(dest, out).unwrap();
}
