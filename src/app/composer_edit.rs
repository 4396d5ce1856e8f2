//! The composer's keys: moving between fields, changing a value, typing one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Field, Form, LenMode, MAX_FRAGMENTS, Reply, hex};
use crate::proto::ws::build::{self, Preset};

impl Form {
    pub(super) fn move_by(&mut self, d: isize) {
        let i = Field::ALL
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0) as isize;
        let n = Field::ALL.len() as isize;
        self.field = Field::ALL[(i + d).rem_euclid(n) as usize];
    }

    /// The next preset (`d` = 1) or the previous; none is between the last and the first.
    pub fn cycle_preset(&mut self, d: isize) {
        let all = Preset::ALL;
        let at = self
            .preset
            .and_then(|p| all.iter().position(|q| *q == p))
            .map_or(-1, |i| i as isize);
        let n = all.len() as isize + 1;
        let next = (at + 1 + d).rem_euclid(n) - 1;
        match usize::try_from(next) {
            Ok(i) => *self = Form::from_preset(all[i]),
            Err(_) => {
                *self = Form {
                    key: self.key,
                    ..Form::default()
                }
            }
        }
        self.field = Field::Preset;
    }

    /// ←/→ (`d` = -1 / 1), Enter and Space (`d` = 1) on a field that is not typed.
    pub(super) fn cycle(&mut self, d: isize) {
        let step = |v: u64, max: u64| (v as i64 + d as i64).rem_euclid(max as i64 + 1) as u64;
        match self.field {
            Field::Preset => return self.cycle_preset(d),
            Field::Fin => self.fin = !self.fin,
            Field::Rsv1 => self.rsv ^= 4,
            Field::Rsv2 => self.rsv ^= 2,
            Field::Rsv3 => self.rsv ^= 1,
            Field::Opcode => self.opcode = step(u64::from(self.opcode), 15) as u8,
            Field::Mask => self.mask = !self.mask,
            Field::Length => {
                let modes = [
                    LenMode::Auto,
                    LenMode::Seven,
                    LenMode::Sixteen,
                    LenMode::SixtyFour,
                ];
                let i = modes.iter().position(|m| *m == self.len_mode).unwrap_or(0);
                self.len_mode = modes[step(i as u64, 3) as usize];
                // A new form starts honest: the first frame's real length.
                let real = self.specs().ok().map_or(0, |f| f[0].payload.len() as u64);
                self.len_n = match self.len_mode {
                    LenMode::Seven => real.min(125),
                    LenMode::Sixteen => real.min(0xffff),
                    _ => real,
                };
            }
            Field::PayloadForm => self.toggle_hex(),
            Field::Fragments => {
                let n = step(self.fragments as u64 - 1, MAX_FRAGMENTS as u64 - 1);
                self.fragments = n as usize + 1;
            }
            Field::PingBetween => self.ping_between = !self.ping_between,
            Field::Key | Field::Payload | Field::CloseCode | Field::Reason => return,
        }
        self.touched();
    }

    /// Text ⇄ hex, the payload converted (hex that is not UTF-8 stays hex).
    pub(super) fn toggle_hex(&mut self) {
        if self.hex {
            match build::parse_hex(&self.payload).map(String::from_utf8) {
                Some(Ok(s)) => {
                    self.payload = s;
                    self.hex = false;
                }
                _ => self.problem = Some(crate::tr!("composer.not_text")),
            }
        } else {
            self.set_hex(&self.payload.clone().into_bytes());
        }
    }

    /// The typed field's value as a line to edit.
    pub(super) fn line(&self) -> String {
        match self.field {
            Field::Key => hex(&self.key).replace(' ', ""),
            Field::Length => self.len_n.to_string(),
            Field::Payload => self.payload.clone(),
            Field::Fragments => self.fragments.to_string(),
            Field::CloseCode => self.close_code.map_or(String::new(), |c| c.to_string()),
            Field::Reason => self.reason.clone(),
            _ => String::new(),
        }
    }

    /// Takes the typed line into the field; an error says what is wrong and keeps the line.
    pub fn commit(&mut self, line: &str) -> Result<(), String> {
        let t = line.trim();
        match self.field {
            Field::Key => {
                let k = build::parse_hex(t)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .ok_or_else(|| crate::tr!("composer.bad_key"))?;
                self.key = k;
                self.mask = true;
            }
            Field::Length => {
                let n: u64 = t.parse().map_err(|_| crate::tr!("composer.bad_number"))?;
                let max = match self.len_mode {
                    LenMode::Auto | LenMode::Seven => 125,
                    LenMode::Sixteen => 0xffff,
                    LenMode::SixtyFour => u64::MAX,
                };
                if n > max {
                    return Err(crate::tr!("composer.too_long", max = max));
                }
                if self.len_mode == LenMode::Auto {
                    self.len_mode = LenMode::Seven;
                }
                self.len_n = n;
            }
            Field::Payload => {
                if self.hex && build::parse_hex(line).is_none() {
                    return Err(crate::tr!("composer.bad_hex"));
                }
                self.payload = line.to_string();
            }
            Field::Fragments => match t.parse::<usize>() {
                Ok(n @ 1..=MAX_FRAGMENTS) => self.fragments = n,
                _ => return Err(crate::tr!("composer.bad_fragments", max = MAX_FRAGMENTS)),
            },
            Field::CloseCode if t.is_empty() => self.close_code = None,
            Field::CloseCode => {
                let c: u16 = t.parse().map_err(|_| crate::tr!("composer.bad_code"))?;
                self.close_code = Some(c);
                // The shortcut: a close code makes the frame a close frame.
                self.opcode = 8;
            }
            Field::Reason => {
                // A control frame carries 125 bytes: the code's 2 and the reason.
                if line.len() > 123 {
                    return Err(crate::tr!("composer.too_long", max = 123));
                }
                self.reason = line.to_string();
                if self.close_code.is_none() {
                    self.close_code = Some(1000);
                }
                self.opcode = 8;
            }
            _ => {}
        }
        self.touched();
        Ok(())
    }

    /// One key: what the owner does next.
    pub fn key(&mut self, k: KeyEvent) -> Reply {
        if let Some(mut line) = self.editing.take() {
            match k.code {
                KeyCode::Esc => self.problem = None,
                KeyCode::Enter => match self.commit(&line) {
                    Ok(()) => self.problem = None,
                    Err(e) => {
                        self.problem = Some(e);
                        self.editing = Some(line);
                    }
                },
                KeyCode::Backspace => {
                    line.pop();
                    self.editing = Some(line);
                }
                // Ctrl-U empties the line, as in the request composer; other Ctrl keys type
                // nothing (a stray `u` in a payload is a wrong frame).
                KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.editing = Some(String::new());
                }
                KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                    line.push(c);
                    self.editing = Some(line);
                }
                _ => self.editing = Some(line),
            }
            return Reply::Stay;
        }
        self.problem = None;
        match k.code {
            KeyCode::Esc => return Reply::Leave,
            KeyCode::Char('s') => return Reply::Send,
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => self.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => self.move_by(1),
            KeyCode::Left | KeyCode::Char('h') if self.field.cycles() => self.cycle(-1),
            KeyCode::Right | KeyCode::Char('l') if self.field.cycles() => self.cycle(1),
            KeyCode::Enter | KeyCode::Char(' ') if self.field.typed() => {
                self.editing = Some(self.line());
            }
            KeyCode::Enter | KeyCode::Char(' ') => self.cycle(1),
            KeyCode::Char('p') => self.cycle_preset(1),
            KeyCode::Char('P') => self.cycle_preset(-1),
            KeyCode::Char('r') => {
                self.key = build::random_key();
                self.touched();
            }
            KeyCode::Char('m') => self.unmask = !self.unmask,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(5),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(5),
            _ => {}
        }
        Reply::Stay
    }
}
