//! How each message changes the `App`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};

use super::home::Choice;
use super::keys::{self, Action};
use super::lesson::LessonScreen;
use super::msg::{LessonUpdate, Msg};
use super::picker::{Picked, Picker};
use super::sandbox::Sandbox;
use super::traffic::Pane;
use super::{App, Prompt, Screen};

/// Seconds between ticks, as the player counts them (the loop's tick).
const TICK_SECS: f64 = 0.05;
const PAGE: isize = 10;

impl App {
    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Key(k) => {
                self.dirty = true;
                self.key(k);
            }
            Msg::Mouse(m) => {
                self.dirty = true;
                if let Some(scroll) = self.help {
                    // The help is on top: the wheel scrolls it, a click closes it, like a key.
                    self.help = match m.kind {
                        MouseEventKind::ScrollUp => Some(scroll.saturating_sub(1)),
                        MouseEventKind::ScrollDown => Some(scroll.saturating_add(1)),
                        MouseEventKind::Down(_) => None,
                        _ => Some(scroll),
                    };
                    return;
                }
                if let Some(scroll) = self.glossary {
                    self.glossary = match m.kind {
                        MouseEventKind::ScrollUp => Some(scroll.saturating_sub(1)),
                        MouseEventKind::ScrollDown => Some(scroll.saturating_add(1)),
                        MouseEventKind::Down(_) => None,
                        _ => Some(scroll),
                    };
                    return;
                }
                if let Some(scroll) = self.recap {
                    self.recap = match m.kind {
                        MouseEventKind::ScrollUp => Some(scroll.saturating_sub(1)),
                        MouseEventKind::ScrollDown => Some(scroll.saturating_add(1)),
                        MouseEventKind::Down(_) => None,
                        _ => Some(scroll),
                    };
                    return;
                }
                match m.kind {
                    MouseEventKind::ScrollUp => self.act(Action::Up),
                    MouseEventKind::ScrollDown => self.act(Action::Down),
                    MouseEventKind::Down(_) if self.screen == Screen::Home => {
                        self.home.click(self.area.get(), m.column, m.row);
                    }
                    MouseEventKind::Down(_) => {
                        let a = self.areas(self.area.get());
                        if let Some(t) = self.traffic_mut() {
                            t.click([a.ladder, a.inspector, a.lifetimes], m.column, m.row);
                        }
                    }
                    _ => {}
                }
            }
            Msg::Resize(..) => self.dirty = true,
            Msg::Tick => {
                if let Some(p) = self.player.as_mut()
                    && (p.tick(TICK_SECS) || p.loading())
                {
                    self.dirty = true;
                }
                // Live lifetimes run on and count down between events: about 4 redraws a second.
                self.ticks = self.ticks.wrapping_add(1);
                let live = self.traffic().is_some_and(|t| t.live.is_some());
                if live && self.ticks.is_multiple_of(5) {
                    self.dirty = true;
                }
            }
            Msg::Live(events) => {
                if let Some(s) = self.sandbox.as_mut() {
                    s.on_live(&events);
                    self.dirty = true;
                }
            }
            Msg::Load { generation, report } => {
                if let Some(p) = self.player.as_mut()
                    && p.generation() == generation
                {
                    p.on_load(report);
                    self.dirty = true;
                }
            }
            Msg::Lesson { generation, update } => self.on_lesson(generation, update),
            Msg::Note(s) => {
                self.note = s;
                self.dirty = true;
            }
            Msg::Quit => self.quit = true,
        }
    }

    fn key(&mut self, k: KeyEvent) {
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            self.quit = true;
            return;
        }
        if let Some(scroll) = self.help {
            // ↑↓ scroll a help taller than the screen; any other key closes it.
            self.help = match keys::action(k) {
                Some(Action::Up) => Some(scroll.saturating_sub(1)),
                Some(Action::Down) => Some(scroll.saturating_add(1)),
                _ => None,
            };
            return;
        }
        if let Some(p) = self.prompt.take() {
            self.prompt_key(p, k);
            return;
        }
        if self.reqcomp_key(k) {
            return;
        }
        // The composer takes every key but help and quit (its fields are typed into).
        if self.composer.is_some() {
            match keys::action(k) {
                Some(a @ (Action::Help | Action::Quit)) if !self.composer_typing() => self.act(a),
                _ => self.composer_key(k),
            }
            return;
        }
        if let Some(scroll) = self.glossary {
            // As the recap: ↑↓ PgUp PgDn scroll, any other key closes.
            self.glossary = match keys::action(k) {
                Some(Action::Up) => Some(scroll.saturating_sub(1)),
                Some(Action::Down) => Some(scroll.saturating_add(1)),
                Some(Action::PageUp) => Some(scroll.saturating_sub(PAGE as u16)),
                Some(Action::PageDown) => Some(scroll.saturating_add(PAGE as u16)),
                _ => None,
            };
            return;
        }
        if let Some(scroll) = self.recap {
            // As the help: ↑↓ PgUp PgDn scroll, any other key closes.
            self.recap = match keys::action(k) {
                Some(Action::Up) => Some(scroll.saturating_sub(1)),
                Some(Action::Down) => Some(scroll.saturating_add(1)),
                Some(Action::PageUp) => Some(scroll.saturating_sub(PAGE as u16)),
                Some(Action::PageDown) => Some(scroll.saturating_add(PAGE as u16)),
                Some(Action::Help) => {
                    self.help = Some(0);
                    Some(scroll)
                }
                _ => None,
            };
            return;
        }
        if let Some(a) = keys::action(k) {
            self.act(a);
        }
    }

    fn prompt_key(&mut self, prompt: Prompt, k: KeyEvent) {
        let (mut text, search) = match prompt {
            Prompt::Search(t) => (t, true),
            Prompt::Filter(t) => (t, false),
            Prompt::Answer(t) => return self.answer_key(t, k),
        };
        match k.code {
            KeyCode::Esc => return,
            KeyCode::Enter => {
                let value = (!text.trim().is_empty()).then(|| text.trim().to_string());
                let Some(t) = self.traffic_mut() else {
                    return;
                };
                if search {
                    t.search = value;
                    self.jump_match(true);
                } else {
                    match t.set_filter(value.as_deref().unwrap_or("")) {
                        Ok(()) => self.note.clear(),
                        Err(e) => self.note = e,
                    }
                }
                return;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
        self.prompt = Some(if search {
            Prompt::Search(text)
        } else {
            Prompt::Filter(text)
        });
    }

    pub(super) fn act(&mut self, a: Action) {
        // A status line belongs to the screen it was said on: moving on leaves it behind.
        let (screen, note) = (self.screen, self.note.clone());
        self.act_on(a);
        if self.screen != screen && self.note == note {
            self.note.clear();
        }
    }

    fn act_on(&mut self, a: Action) {
        match (a, self.screen) {
            (Action::Quit, _) => self.quit = true,
            (Action::Help, _) => self.help = Some(0),
            (Action::Recap, _) => self.recap = Some(0),
            (Action::Glossary, _) => self.glossary = Some(0),
            (Action::Language, _) => self.switch_language(),
            (Action::Back, Screen::Home) => {}
            _ if self.lifetimes_key(a) => {}
            (Action::Back, Screen::Lesson) => {
                // Dropping the screen ends its player task, which finishes in the background.
                self.lesson = None;
                self.note.clear();
                self.screen = Screen::Home;
            }
            (Action::Back, Screen::Replay) => {
                self.player = None;
                self.screen = Screen::Picker;
            }
            (Action::Back, _) => self.screen = Screen::Home,
            (_, Screen::Home) => self.home_act(a),
            (_, Screen::Picker) => self.picker_act(a),
            (_, _) => self.traffic_act(a),
        }
    }

    fn home_act(&mut self, a: Action) {
        match a {
            Action::Up => self.home.move_by(-1),
            Action::Down => self.home.move_by(1),
            Action::PageUp | Action::First => self.home.move_by(-100),
            Action::PageDown | Action::Last => self.home.move_by(100),
            Action::NarrationUp => self.home.scroll_about(-1),
            Action::NarrationDown => self.home.scroll_about(1),
            Action::Open | Action::StepForward => match self.home.choice() {
                Choice::Lesson(id) => self.open_lesson(&id),
                Choice::Replay => {
                    self.picker = Some(Picker::new());
                    self.screen = Screen::Picker;
                }
                Choice::Sandbox => self.open_sandbox(),
            },
            _ => {}
        }
    }

    /// Opens lesson `id` on its first step; its player starts in the background.
    pub fn open_lesson(&mut self, id: &str) {
        let Some((i, lesson)) = self
            .course
            .lessons
            .iter()
            .enumerate()
            .find(|(_, l)| l.id == id)
        else {
            self.note = crate::tr!("status.no_lesson", id = id);
            return;
        };
        self.generation += 1;
        let mut screen = LessonScreen::new(lesson.clone(), i + 1, self.generation);
        screen.last_in_course = i + 1 == self.course.lessons.len();
        match &self.rt {
            Some(rt) => screen.start(rt, self.tx.clone()),
            None => self.note = crate::tr!("status.lesson_needs_runtime"),
        }
        self.lesson = Some(screen);
        self.screen = Screen::Lesson;
        self.note.clear();
    }

    fn on_lesson(&mut self, generation: u64, update: LessonUpdate) {
        let Some(l) = self
            .lesson
            .as_mut()
            .filter(|l| l.generation() == generation)
        else {
            return;
        };
        self.dirty = true;
        if let LessonUpdate::Step { index, report } = &update
            && let Some(step) = l.lesson.steps.get(*index)
        {
            self.progress.step_done(&l.lesson.id, &step.id);
            // The numbers of the interview recap, measured on this step's traffic.
            crate::lesson::recap::observe(&l.lesson, *index, report, &mut self.progress);
        }
        let saving = matches!(update, LessonUpdate::Step { .. });
        l.on_update(update);
        if saving {
            self.save_progress();
        }
    }

    /// Writes the progress (when there is a store) and refreshes the home screen's marks.
    fn save_progress(&mut self) {
        if let Some(store) = &self.store
            && let Err(e) = store.save(&self.progress)
        {
            self.note = crate::tr!("status.progress_not_saved", error = e);
        }
        self.home.course = self.course.entries(&self.progress);
    }

    /// Answers the open question of the lesson's step.
    fn answer_lesson(&mut self, given: &str) {
        let Some(l) = self.lesson.as_mut() else {
            return;
        };
        match l.answer(given) {
            Ok((q, g)) => {
                let key = format!("{}/{}", l.lesson.steps[l.step].id, q + 1);
                self.progress.answered(&l.lesson.id, key, g.text, g.correct);
                self.note.clear();
                self.save_progress();
            }
            Err(e) => self.note = e,
        }
    }

    fn answer_key(&mut self, mut text: String, k: KeyEvent) {
        match k.code {
            KeyCode::Esc => return,
            KeyCode::Enter => return self.answer_lesson(&text),
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
        self.prompt = Some(Prompt::Answer(text));
    }

    /// The lesson's own keys; false when the key is the traffic panes'.
    fn lesson_act(&mut self, a: Action) -> bool {
        let Some(l) = self.lesson.as_mut() else {
            return false;
        };
        match a {
            Action::Open | Action::PlayPause => match l.advance() {
                Ok(()) => self.note.clear(),
                Err(e) => self.note = e,
            },
            Action::PrevStep => l.back(),
            Action::Table => match l.toggle_table() {
                Ok(()) => self.note.clear(),
                Err(e) => self.note = e,
            },
            // Choosing an event in the ladder asks for the inspector: the table steps aside.
            Action::Up
            | Action::Down
            | Action::StepBack
            | Action::StepForward
            | Action::PageUp
            | Action::PageDown
            | Action::NextSameKind
            | Action::PrevSameKind
                if l.traffic.focus() == Pane::Ladder && l.shown_table().is_some() =>
            {
                l.table_hidden = Some(l.step);
                return false;
            }
            Action::NarrationUp => l.scroll_by(-1),
            Action::NarrationDown => l.scroll_by(1),
            Action::NextView => {
                if !l.next_view() {
                    self.note = crate::tr!("status.no_capture_yet");
                }
            }
            Action::Hint => match l.hint_now() {
                Ok(()) => self.note.clear(),
                Err(e) => self.note = e,
            },
            Action::GiveUp => match l.give_up() {
                Ok(said) | Err(said) => self.note = said,
            },
            Action::Choose(n) => self.answer_lesson(&n.to_string()),
            Action::Composer => self.open_composer(),
            Action::Compose => self.open_req_composer(None),
            Action::EditResend => self.edit_resend(),
            Action::TypeAnswer => {
                if l.open_question().is_some() {
                    self.prompt = Some(Prompt::Answer(String::new()));
                } else {
                    self.note = crate::tr!("status.no_question");
                }
            }
            _ => return false,
        }
        true
    }

    /// The next (or previous) search match; the status line says when there is none.
    fn jump_match(&mut self, forward: bool) {
        let Some(t) = self.traffic_mut() else {
            return;
        };
        let Some(q) = t.search.clone() else {
            return;
        };
        self.note = if t.jump_match(forward) {
            String::new()
        } else {
            let key = if forward {
                "status.no_match_after"
            } else {
                "status.no_match_before"
            };
            crate::tr!(key, q = q)
        };
    }

    fn open_sandbox(&mut self) {
        if self.start_sandbox() {
            self.screen = Screen::Sandbox;
        }
    }

    /// Starts the sandbox's server unless it runs already (home shows its URL, so a browser
    /// or curl can join before the sandbox is opened); false when it cannot run.
    pub fn start_sandbox(&mut self) -> bool {
        if self.sandbox.is_some() {
            return true;
        }
        let Some(rt) = self.rt.clone() else {
            self.note = crate::tr!("status.sandbox_needs_runtime");
            return false;
        };
        match Sandbox::start(rt, self.tx.clone()) {
            Ok(s) => {
                self.sandbox = Some(s);
                true
            }
            Err(e) => {
                self.note = e;
                false
            }
        }
    }

    fn picker_act(&mut self, a: Action) {
        let Some(p) = self.picker.as_mut() else {
            self.screen = Screen::Home;
            return;
        };
        match a {
            Action::Up => p.move_by(-1),
            Action::Down => p.move_by(1),
            Action::PageUp => p.move_by(-PAGE),
            Action::PageDown => p.move_by(PAGE),
            Action::First => p.move_by(isize::MIN / 2),
            Action::Last => p.move_by(isize::MAX / 2),
            Action::Open | Action::StepForward => {
                if let Picked::File(path) = p.open() {
                    self.open_replay(path);
                }
            }
            _ => {}
        }
    }

    fn traffic_act(&mut self, a: Action) {
        if self.screen == Screen::Lesson && self.lesson_act(a) {
            return;
        }
        if self.screen == Screen::Replay
            && let Some(p) = self.player.as_mut()
        {
            {
                match a {
                    Action::PlayPause => return p.playing = !p.playing,
                    Action::Faster => return p.faster(),
                    Action::Slower => return p.slower(),
                    _ => {}
                }
            }
        }
        if self.screen == Screen::Sandbox
            && let Some(s) = self.sandbox.as_mut()
        {
            {
                match a {
                    Action::SendGet => return s.send_get(),
                    Action::OpenWs => return s.open_ws(),
                    Action::SendText => return s.send_text(),
                    Action::PushTicker => return s.push_ticker(),
                    Action::KillConn => return s.kill_last(),
                    Action::Compose => return self.open_req_composer(None),
                    Action::EditResend => return self.edit_resend(),
                    Action::Composer => return self.open_composer(),
                    _ => {}
                }
            }
        }
        match a {
            Action::Search => self.prompt = Some(Prompt::Search(String::new())),
            Action::Filter => {
                let now = self
                    .traffic()
                    .and_then(|t| t.filter_line())
                    .unwrap_or_default()
                    .to_string();
                self.prompt = Some(Prompt::Filter(now));
            }
            _ => {}
        }
        let Some(t) = self.traffic_mut() else {
            return;
        };
        // ↑↓ scroll the inspector or the lifetimes when they have the keys.
        match (t.focus(), a) {
            (Pane::Inspector, Action::Up) => {
                return t.inspector_scroll = t.inspector_scroll.saturating_sub(1);
            }
            (Pane::Inspector, Action::Down) => {
                return t.inspector_scroll = t.inspector_scroll.saturating_add(1);
            }
            (Pane::Lifetimes, Action::Up) => {
                return t.lifetimes_offset = t.lifetimes_offset.saturating_sub(1);
            }
            (Pane::Lifetimes, Action::Down) => {
                return t.lifetimes_offset = t.lifetimes_offset.saturating_add(1);
            }
            _ => {}
        }
        match a {
            Action::Up | Action::StepBack => {
                t.select_by(-1);
            }
            Action::Down | Action::StepForward => {
                t.select_by(1);
            }
            Action::PageUp => {
                t.select_by(-PAGE);
            }
            Action::PageDown => {
                t.select_by(PAGE);
            }
            Action::First => t.select_first(),
            Action::Last => t.select_last(),
            Action::NextPane => t.set_focus(t.focus().next()),
            Action::PrevPane => t.set_focus(t.focus().prev()),
            Action::NextSameKind => {
                t.jump_same_kind(true);
            }
            Action::PrevSameKind => {
                t.jump_same_kind(false);
            }
            Action::NextMatch => self.jump_match(true),
            Action::PrevMatch => self.jump_match(false),
            Action::Unmask => t.unmask = !t.unmask,
            Action::Stats => t.show_stats = !t.show_stats,
            Action::Outsider => t.toggle_outsider(),
            Action::ClearFilter => {
                let _ = t.set_filter("");
            }
            _ => {}
        }
        if let Some(t) = self.traffic_mut() {
            t.after_key(a);
        }
    }
}
