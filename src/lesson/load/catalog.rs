//! The course: built-in lessons, then lesson files from a directory that add to or override them.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use super::super::builtin;
use super::super::model::{Lesson, Pos};
use super::{Diagnostic, parse_with_pos, translate};

/// Every lesson that loaded, and every problem found (in files that did not load, and across them).
#[derive(Debug, Default)]
pub struct Catalog {
    pub lessons: Vec<Lesson>,
    pub problems: Vec<Diagnostic>,
    /// Stale or missing translated strings: said by `duplex check`, never fatal.
    pub warnings: Vec<Diagnostic>,
}

/// `DUPLEX_LESSONS`: a directory of lesson files that add to or override the built-in ones.
pub fn lessons_dir_from_env() -> Option<PathBuf> {
    std::env::var_os("DUPLEX_LESSONS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The built-in lessons, then every `*.toml` in `extra`: a file whose `id` is a built-in one
/// replaces it; a new id adds to the course. Sorted by (order, id).
pub fn catalog(extra: Option<&Path>) -> Catalog {
    let mut cat = Catalog::default();
    let mut builtins = Loaded::default();
    for (path, text) in builtin::builtin() {
        builtins.add(&mut cat, path, text);
    }
    if let Some(dir) = extra {
        let mut local = Loaded::default();
        let files = read_files(&mut cat, dir);
        if files.is_empty() && dir.is_dir() {
            // Most likely a wrong directory: say so rather than show the built-ins alone.
            let mut d = io_problem(dir, "");
            d.message =
                "no lesson files (*.toml) in this directory: the built-in lessons only".into();
            cat.problems.push(d);
        }
        for (name, text) in files {
            local.add(&mut cat, &name, &text);
        }
        let overridden: Vec<&String> = local.lessons.iter().map(|(l, _)| &l.id).collect();
        builtins
            .lessons
            .retain(|(l, _)| !overridden.contains(&&l.id));
        builtins.lessons.extend(local.lessons);
    }
    cat.lessons = builtins.lessons.into_iter().map(|(l, _)| l).collect();
    sort(&mut cat.lessons);
    let lang = crate::lang::current();
    if lang != crate::lang::Lang::En {
        let mut sources = builtin_translations(Some(lang.tag()));
        if let Some(dir) = extra {
            sources.extend(dir_translations(&mut cat, dir, Some(lang.tag())));
        }
        translate::apply_all(&mut cat, sources);
    }
    cat
}

/// For `duplex check PATH...`: the files named and the `*.toml` in the directories named, with
/// no built-ins. With no paths: `lessons/` if it exists, else the built-ins.
pub fn load_paths(paths: &[PathBuf]) -> Catalog {
    let mut cat = Catalog::default();
    let mut loaded = Loaded::default();
    // Translation files named one by one, checked once the lessons are loaded.
    let mut single = Vec::new();
    if paths.is_empty() {
        let dir = Path::new("lessons");
        if dir.is_dir() {
            for (name, text) in read_files(&mut cat, dir) {
                loaded.add(&mut cat, &name, &text);
            }
        } else {
            for (path, text) in builtin::builtin() {
                loaded.add(&mut cat, path, text);
            }
        }
    }
    for p in paths {
        if p.is_dir() {
            let before = cat.problems.len();
            let files = read_files(&mut cat, p);
            // (Unless reading said why already.)
            if files.is_empty() && cat.problems.len() == before {
                let mut d = io_problem(p, "");
                d.message = "no lesson files (*.toml) in this directory".into();
                d.hint = Some("name a lesson file, or a directory that holds some".into());
                cat.problems.push(d);
            }
            for (name, text) in files {
                loaded.add(&mut cat, &name, &text);
            }
        } else if let Some(text) = read_one(&mut cat, p) {
            let file = p.display().to_string();
            match translation_dir(p) {
                Some(dir) => single.push(translate::Source { dir, file, text }),
                None => loaded.add(&mut cat, &file, &text),
            }
        }
    }
    cat.lessons = loaded.lessons.into_iter().map(|(l, _)| l).collect();
    sort(&mut cat.lessons);
    let mut sources = Vec::new();
    if paths.is_empty() {
        let dir = Path::new("lessons");
        sources = if dir.is_dir() {
            dir_translations(&mut cat, dir, None)
        } else {
            builtin_translations(None)
        };
    }
    for p in paths.iter().filter(|p| p.is_dir()) {
        sources.extend(dir_translations(&mut cat, p, None));
    }
    sources.extend(single);
    translate::check_all(&mut cat, sources, &|| {
        let mut all = Loaded::default();
        let mut scratch = Catalog::default();
        for (path, text) in builtin::builtin() {
            all.add(&mut scratch, path, text);
        }
        all.lessons.into_iter().map(|(l, _)| l).collect()
    });
    cat
}

/// The built-in translations, each checked against the built-in lessons (for a test).
#[cfg(test)]
pub(super) fn check_builtin_translations() -> Catalog {
    let mut cat = Catalog::default();
    let mut loaded = Loaded::default();
    for (path, text) in builtin::builtin() {
        loaded.add(&mut cat, path, text);
    }
    cat.lessons = loaded.lessons.into_iter().map(|(l, _)| l).collect();
    translate::check_all(&mut cat, builtin_translations(None), &Vec::new);
    cat
}

/// The language directory of a file named on its own, when it is a translation: a file in a
/// directory named like a language (`lessons/zh-CN/03-keep-alive.toml`).
fn translation_dir(file: &Path) -> Option<String> {
    let dir = file.parent()?.file_name()?.to_str()?;
    let lang = crate::lang::Lang::parse(dir)?;
    // `C` or `posix` would be a lesson directory's odd name, not a language's.
    (lang != crate::lang::Lang::En || dir.starts_with("en")).then(|| dir.to_string())
}

/// The built-in translations into `lang` (all of them when `None`).
fn builtin_translations(lang: Option<&str>) -> Vec<translate::Source> {
    builtin::translations()
        .iter()
        .filter(|(l, _, _)| lang.is_none_or(|want| want == *l))
        .map(|(l, path, text)| translate::Source {
            dir: l.to_string(),
            file: path.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// The translation files in the subdirectories of `dir`: `dir/LANG/*.toml`, for `lang` only
/// when given (a missing `dir/LANG/` is no problem: the course is in English there).
fn dir_translations(cat: &mut Catalog, dir: &Path, lang: Option<&str>) -> Vec<translate::Source> {
    let subdirs: Vec<PathBuf> = match lang {
        Some(l) => vec![dir.join(l)],
        None => fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default(),
    };
    let mut subdirs: Vec<PathBuf> = subdirs.into_iter().filter(|d| d.is_dir()).collect();
    subdirs.sort();
    let mut out = Vec::new();
    for sub in subdirs {
        let name = sub.file_name().map(|n| n.to_string_lossy().into_owned());
        for (file, text) in read_files(cat, &sub) {
            let dir = name.clone().unwrap_or_default();
            out.push(translate::Source { dir, file, text });
        }
    }
    out
}

/// Lessons of one origin, with where their ids were written, to report duplicates.
#[derive(Default)]
struct Loaded {
    lessons: Vec<(Lesson, Pos)>,
    ids: HashMap<String, (String, Pos)>,
}

impl Loaded {
    fn add(&mut self, cat: &mut Catalog, file: &str, text: &str) {
        match parse_with_pos(file, text, &capture_exists) {
            Err(mut d) => cat.problems.append(&mut d),
            Ok((lesson, pos)) => {
                if let Some((other, opos)) = self.ids.get(&lesson.id) {
                    cat.problems.push(Diagnostic {
                        file: file.to_string(),
                        pos,
                        message: format!(
                            "duplicate lesson id `{}`: {other}:{}:{} has it too",
                            lesson.id, opos.line, opos.col
                        ),
                        hint: Some("every lesson needs its own `id`".into()),
                    });
                    return;
                }
                self.ids.insert(lesson.id.clone(), (file.to_string(), pos));
                self.lessons.push((lesson, pos));
            }
        }
    }
}

/// A capture shipped in the binary, or a file in `assets/captures/` under the current directory.
fn capture_exists(name: &str) -> bool {
    builtin::shipped_capture(name).is_some() || Path::new("assets/captures").join(name).is_file()
}

fn sort(lessons: &mut [Lesson]) {
    lessons.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
}

/// The `*.toml` files of `dir`, by name, as (path for messages, text).
fn read_files(cat: &mut Catalog, dir: &Path) -> Vec<(String, String)> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            cat.problems.push(io_problem(dir, &e.to_string()));
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension() == Some(OsStr::new("toml")) && p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), read_one(cat, &p)?)))
        .collect()
}

fn read_one(cat: &mut Catalog, path: &Path) -> Option<String> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            cat.problems.push(io_problem(path, &e.to_string()));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(s) if !s.contains('\0') => Some(s),
        Ok(_) => {
            cat.problems.push(io_problem(
                path,
                "a binary file (it holds NUL bytes), not a lesson",
            ));
            None
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let good = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let pos = super::super::diag::Lines::new(&good).pos(at);
            cat.problems.push(Diagnostic {
                file: path.display().to_string(),
                pos,
                message: "not UTF-8 text: a lesson file must be UTF-8".into(),
                hint: Some("save it as UTF-8; is it a lesson file at all?".into()),
            });
            None
        }
    }
}

fn io_problem(path: &Path, e: &str) -> Diagnostic {
    Diagnostic {
        file: path.display().to_string(),
        pos: Pos { line: 1, col: 1 },
        message: format!("cannot read: {e}"),
        hint: None,
    }
}
