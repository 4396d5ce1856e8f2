//! The request composer (`R` in the sandbox, `e` on a request in the ladder): a form whose
//! bytes, shown as they go out, are written over plain TCP to the sandbox's server.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::req_form::{self, Form, How};
use super::req_send::Sender;

/// One line of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Method,
    Path,
    Version,
    How,
    Header(usize),
    /// The computed Content-Length.
    Length,
    Body,
    Raw(usize),
}

pub struct Composer {
    /// Hidden (Esc) keeps the form and the kept connection for the next `R`.
    pub open: bool,
    pub form: Form,
    /// Place of the selected line in [`Composer::fields`].
    pub at: usize,
    /// The selected line's text while it is typed.
    pub editing: Option<String>,
    /// The curl command, shown in place of the bytes.
    pub curl: Option<String>,
    /// `127.0.0.1:PORT`.
    pub host: String,
    sender: Option<Sender>,
}

impl Composer {
    /// A composer for the server at `host`; `sender` is none in tests that send nothing.
    pub fn new(host: String, sender: Option<Sender>) -> Composer {
        Composer {
            open: true,
            form: Form::new(&host),
            at: 0,
            editing: None,
            curl: None,
            host,
            sender,
        }
    }

    pub fn fields(&self) -> Vec<Field> {
        if self.form.how == How::Raw {
            let raw = (0..self.form.raw.len()).map(Field::Raw);
            return std::iter::once(Field::How).chain(raw).collect();
        }
        let mut out = vec![Field::Method, Field::Path, Field::Version, Field::How];
        out.extend((0..self.form.headers.len()).map(Field::Header));
        if self.form.auto_length().is_some() {
            out.push(Field::Length);
        }
        out.push(Field::Body);
        out
    }

    pub fn field(&self) -> Field {
        let f = self.fields();
        f[self.at.min(f.len() - 1)]
    }

    /// A line's text as it is edited.
    pub fn text(&self, field: Field) -> String {
        let f = &self.form;
        match field {
            Field::Method => f.method.clone(),
            Field::Path => f.path.clone(),
            Field::Version => format!("HTTP/1.{}", f.minor),
            Field::How => crate::tr!(f.how.key()),
            Field::Header(i) => f
                .headers
                .get(i)
                .map(|(n, v)| format!("{n}: {v}"))
                .unwrap_or_default(),
            Field::Length => format!("Content-Length: {}", f.auto_length().unwrap_or(0)),
            Field::Body => req_form::escape(&f.body),
            Field::Raw(i) => f.raw.get(i).cloned().unwrap_or_default(),
        }
    }

    /// Handles a key; false when it is not the composer's (it goes to the screen behind).
    pub fn key(&mut self, k: KeyEvent) -> Result<bool, String> {
        if let Some(text) = self.editing.take() {
            return self.edit_key(text, k).map(|()| true);
        }
        let n = self.fields().len();
        match k.code {
            KeyCode::Esc => self.open = false,
            KeyCode::Up | KeyCode::Char('k') => self.at = self.at.min(n - 1).saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.at = (self.at + 1).min(n - 1),
            KeyCode::Enter => self.enter(),
            KeyCode::Char('a') => self.add_line(),
            KeyCode::Char('d') | KeyCode::Delete => self.delete_line(),
            KeyCode::Char('y') => {
                self.curl = match self.curl {
                    Some(_) => None,
                    None => Some(super::req_curl::command(&self.form, &self.host)?),
                };
            }
            KeyCode::Char('s') => self.send()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn enter(&mut self) {
        match self.field() {
            Field::Version => self.form.minor ^= 1,
            Field::How => {
                self.form.how = self.form.how.next();
                if self.form.how == How::Raw {
                    self.form.fill_raw();
                }
                self.at = self
                    .fields()
                    .iter()
                    .position(|f| *f == Field::How)
                    .unwrap_or(0);
            }
            f => self.editing = Some(self.text(f)),
        }
        self.curl = None;
    }

    /// A new header (or raw line) under the selected one, opened for typing.
    fn add_line(&mut self) {
        let (list_len, at) = match self.field() {
            Field::Raw(i) => (self.form.raw.len(), i + 1),
            Field::How if self.form.how == How::Raw => (self.form.raw.len(), 0),
            Field::Header(i) => (self.form.headers.len(), i + 1),
            _ => (self.form.headers.len(), self.form.headers.len()),
        };
        let at = at.min(list_len);
        if self.form.how == How::Raw {
            self.form.raw.insert(at, r"\r\n".into());
            self.select(Field::Raw(at));
            self.editing = Some(String::new());
        } else {
            self.form.headers.insert(at, (String::new(), String::new()));
            self.select(Field::Header(at));
            self.editing = Some(String::new());
        }
        self.curl = None;
    }

    fn delete_line(&mut self) {
        match self.field() {
            Field::Header(i) => {
                self.form.headers.remove(i);
            }
            Field::Length => self.form.auto_length = false,
            Field::Raw(i) => {
                self.form.raw.remove(i);
            }
            _ => return,
        }
        self.at = self.at.min(self.fields().len() - 1);
        self.curl = None;
    }

    fn select(&mut self, f: Field) {
        self.at = self.fields().iter().position(|x| *x == f).unwrap_or(0);
    }

    fn edit_key(&mut self, mut text: String, k: KeyEvent) -> Result<(), String> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Esc => {
                // A line added and left empty goes again.
                if let Field::Header(i) = self.field()
                    && self.form.headers[i].0.is_empty()
                {
                    self.delete_line();
                }
                return Ok(());
            }
            KeyCode::Enter => return self.commit(text),
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) if !ctrl => text.push(c),
            _ => {}
        }
        self.editing = Some(text);
        Ok(())
    }

    /// The typed line into the form; a line that cannot be is kept open with the reason.
    fn commit(&mut self, text: String) -> Result<(), String> {
        let field = self.field();
        let f = &mut self.form;
        match field {
            Field::Method => f.method = text,
            Field::Path => f.path = text,
            Field::Version | Field::How => {}
            Field::Header(i) if text.trim().is_empty() => {
                f.headers.remove(i);
                self.at = self.at.min(self.fields().len() - 1);
            }
            Field::Length if text.trim().is_empty() => {
                f.auto_length = false;
                self.at = self.at.min(self.fields().len() - 1);
            }
            field @ (Field::Header(_) | Field::Length) => {
                let Some((n, v)) = text.split_once(':') else {
                    self.editing = Some(text);
                    return Err(crate::tr!("reqcomp.not_a_header"));
                };
                let line = (n.trim().to_string(), v.trim_start().to_string());
                match field {
                    Field::Header(i) => f.headers[i] = line,
                    _ => {
                        // The learner's own length: sent as written, no longer computed.
                        f.headers.push(line);
                        f.auto_length = false;
                        let last = Field::Header(f.headers.len() - 1);
                        self.select(last);
                    }
                }
            }
            Field::Body => match req_form::unescape(&text) {
                Ok(b) => f.body = b,
                Err(e) => {
                    self.editing = Some(text);
                    return Err(crate::tr!("reqcomp.bad_escape", line = 1, what = e));
                }
            },
            Field::Raw(i) => f.raw[i] = text,
        }
        Ok(())
    }

    /// Sends the bytes shown, as the form says.
    pub fn send(&mut self) -> Result<(), String> {
        let bytes = self.form.bytes()?;
        let Some(s) = self.sender.as_mut() else {
            return Ok(());
        };
        match self.form.how {
            How::Kept => s.send_kept(bytes),
            How::New | How::Raw => s.send_new(bytes),
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "req_composer_tests.rs"]
mod tests;
