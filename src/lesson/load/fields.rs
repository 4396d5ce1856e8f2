//! Reading typed fields out of a spanned TOML table, noting each problem where it was written.
//!
//! Every getter returns a value even when the file is wrong (a default), after recording the
//! problem: the loader keeps going to report everything, and returns no lesson if it noted any.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::super::diag::{Diagnostic, Lines, did_you_mean};
use super::super::model::Pos;

pub type Span = Range<usize>;

pub struct Ctx<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub lines: Lines<'a>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Ctx {
            file,
            text,
            lines: Lines::new(text),
            diags: Vec::new(),
        }
    }

    /// The file's TOML tree, or None with each syntax error reported: a recovered tree would
    /// only add confusing follow-on problems.
    pub fn parse(&mut self) -> Option<Spanned<DeTable<'a>>> {
        let (doc, errors) = DeTable::parse_recoverable(self.text);
        if errors.is_empty() {
            return Some(doc);
        }
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            self.err(&span, format!("TOML syntax: {}", e.message().trim()));
        }
        None
    }

    pub fn pos(&self, span: &Span) -> Pos {
        self.lines.span_pos(span)
    }

    pub fn err(&mut self, span: &Span, message: impl Into<String>) {
        self.report(span, message, None);
    }

    pub fn err_hint(&mut self, span: &Span, message: impl Into<String>, hint: impl Into<String>) {
        self.report(span, message, Some(hint.into()));
    }

    fn report(&mut self, span: &Span, message: impl Into<String>, hint: Option<String>) {
        let pos = self.pos(span);
        self.diags.push(Diagnostic {
            file: self.file.to_string(),
            pos,
            message: message.into(),
            hint,
        });
    }

    /// Reports every key of `t` not in `known`, with the closest known name.
    pub fn unknown_keys(&mut self, t: &DeTable<'_>, known: &[&str], what: &str) {
        for (k, _) in t.iter() {
            if !known.contains(&k.get_ref().as_ref()) {
                let hint = did_you_mean(k.get_ref(), known);
                self.err_hint(
                    &k.span(),
                    format!("unknown field `{}` in {what}", k.get_ref()),
                    hint,
                );
            }
        }
    }

    pub fn missing(&mut self, span: &Span, key: &str, what: &str) {
        self.err(span, format!("missing required field `{key}` in {what}"));
    }

    pub fn wrong_type(&mut self, v: &Spanned<DeValue<'_>>, key: &str, want: &str) {
        let found = a_type(v.get_ref());
        self.err(&v.span(), format!("`{key}` must be {want}, found {found}"));
    }

    /// A string field; `None` (noted) when absent and required, or not a string.
    pub fn str_field(
        &mut self,
        t: &DeTable<'_>,
        span: &Span,
        key: &str,
        what: &str,
        required: bool,
    ) -> Option<String> {
        match t.get(key) {
            None => {
                if required {
                    self.missing(span, key, what);
                }
                None
            }
            Some(v) => match v.get_ref().as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    self.wrong_type(v, key, "a string");
                    None
                }
            },
        }
    }

    /// A required string, "" when missing or wrong.
    pub fn req_str(&mut self, t: &DeTable<'_>, span: &Span, key: &str, what: &str) -> String {
        self.str_field(t, span, key, what, true).unwrap_or_default()
    }

    /// An optional string with a default.
    pub fn opt_str(&mut self, t: &DeTable<'_>, key: &str, default: &str) -> String {
        self.str_field(t, &(0..0), key, "", false)
            .unwrap_or_else(|| default.to_string())
    }

    /// `true` or `false`; `default` when absent (or noted as wrong).
    pub fn bool_field(&mut self, t: &DeTable<'_>, key: &str, default: bool) -> bool {
        let Some(v) = t.get(key) else {
            return default;
        };
        if let DeValue::Boolean(b) = v.get_ref() {
            return *b;
        }
        self.wrong_type(v, key, "true or false");
        default
    }

    /// An integer field within `lo..=hi`; `None` when absent (or noted as wrong).
    pub fn int_field(&mut self, t: &DeTable<'_>, key: &str, lo: i64, hi: i64) -> Option<i64> {
        let v = t.get(key)?;
        let Some(n) = int_of(v.get_ref()) else {
            if let DeValue::Integer(i) = v.get_ref() {
                // Written as an integer, but too large for one.
                self.err(
                    &v.span(),
                    format!(
                        "`{key}` must be between {lo} and {hi}, found {}",
                        i.as_str()
                    ),
                );
            } else {
                self.wrong_type(v, key, "an integer");
            }
            return None;
        };
        if n < lo || n > hi {
            self.err(
                &v.span(),
                format!("`{key}` must be between {lo} and {hi}, found {n}"),
            );
            return None;
        }
        Some(n)
    }

    /// A number (integer or float) within `lo..=hi`; `None` when absent (or noted).
    pub fn num_field(&mut self, t: &DeTable<'_>, key: &str, lo: f64, hi: f64) -> Option<f64> {
        let v = t.get(key)?;
        let Some(n) = num_of(v.get_ref()) else {
            self.wrong_type(v, key, "a number");
            return None;
        };
        if !(lo..=hi).contains(&n) {
            self.err(
                &v.span(),
                format!("`{key}` must be between {lo} and {hi}, found {n}"),
            );
            return None;
        }
        Some(n)
    }

    /// A string out of `choices`; the default when absent.
    pub fn choice<'c>(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        choices: &[&'c str],
        default: &'c str,
    ) -> &'c str {
        let Some(s) = self.str_field(t, &(0..0), key, "", false) else {
            return default;
        };
        if let Some(c) = choices.iter().find(|c| **c == s) {
            return c;
        }
        if let Some(v) = t.get(key) {
            self.err_hint(
                &v.span(),
                format!("`{key}` cannot be \"{s}\""),
                did_you_mean(&s, choices),
            );
        }
        default
    }

    /// An array of strings; `None` when absent (or noted).
    pub fn str_list(&mut self, t: &DeTable<'_>, key: &str) -> Option<Vec<(String, Span)>> {
        let v = t.get(key)?;
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(v, key, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in arr.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push((s.to_string(), item.span())),
                None => self.wrong_type(item, key, "an array of strings"),
            }
        }
        Some(out)
    }

    /// An inline or header table field; `None` when absent (or noted).
    pub fn table<'t, 'i>(
        &mut self,
        t: &'t DeTable<'i>,
        key: &str,
    ) -> Option<(&'t DeTable<'i>, Span)> {
        let v = t.get(key)?;
        match v.get_ref().as_table() {
            Some(tab) => Some((tab, v.span())),
            None => {
                self.wrong_type(v, key, "a table");
                None
            }
        }
    }

    /// An array of tables (`[[step]]`), each with its span; empty when absent (or noted).
    pub fn tables<'t, 'i>(
        &mut self,
        t: &'t DeTable<'i>,
        key: &str,
    ) -> Vec<(&'t DeTable<'i>, Span)> {
        let Some(v) = t.get(key) else {
            return Vec::new();
        };
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(v, key, &format!("an array of tables (`[[...{key}]]`)"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in arr.iter() {
            match item.get_ref().as_table() {
                Some(tab) => out.push((tab, item.span())),
                None => self.wrong_type(item, key, "a table"),
            }
        }
        out
    }
}

pub fn int_of(v: &DeValue<'_>) -> Option<i64> {
    let i = v.as_integer()?;
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

/// A number, integer or float; an integer too large for `i64` is read as a float.
pub fn num_of(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Float(f) => f.as_str().parse().ok(),
        DeValue::Integer(i) => int_of(v)
            .map(|n| n as f64)
            .or_else(|| (i.radix() == 10).then(|| i.as_str().parse().ok()).flatten()),
        _ => None,
    }
}

/// "a string", "an integer": for "must be X, found Y".
pub fn a_type(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
