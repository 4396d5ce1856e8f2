//! The key map: one table read both by the input handling and by the help overlay, so the help
//! lists every key there is.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for; the screen in front decides what it means there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Back,
    Open,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    NextPane,
    PrevPane,
    StepBack,
    StepForward,
    PlayPause,
    Faster,
    Slower,
    NextSameKind,
    PrevSameKind,
    Unmask,
    /// The inspector's place shows the stats, or the inspector again.
    Stats,
    Search,
    NextMatch,
    PrevMatch,
    Filter,
    ClearFilter,
    SendGet,
    OpenWs,
    SendText,
    PushTicker,
    KillConn,
    /// The request composer.
    Compose,
    /// The selected request into the composer (or a frame sent again).
    EditResend,
    /// The frame composer on a WebSocket of the sandbox or of the lesson's server.
    Composer,
    /// The lesson's previous step.
    PrevStep,
    /// A question's choice, 1-based.
    Choose(u8),
    /// Type the answer to a question.
    TypeAnswer,
    NarrationUp,
    NarrationDown,
    /// The lesson's panes show the live traffic, or a replayed capture's.
    NextView,
    /// The interview recap, from the learner's own numbers.
    Recap,
    /// The lesson step's table of measures, shown or hidden.
    Table,
    /// The waiting task's next hint, before its time.
    Hint,
    /// Give up the waiting task: its solution plays.
    GiveUp,
    /// The lifetimes over the whole screen, or back.
    Lifetimes,
    /// The course's terms in English and Chinese, over the screen.
    Glossary,
    /// The interface and the lessons in the next language.
    Language,
    /// The panes show what an eavesdropper on the path sees, or what the endpoints see.
    Outsider,
}

/// Where a key applies, for the help overlay's grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Traffic,
    Replay,
    Sandbox,
    Lesson,
    Composer,
}

impl Scope {
    /// The catalog key of the scope's title.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Everywhere => "keys.scope.everywhere",
            Scope::Traffic => "keys.scope.traffic",
            Scope::Replay => "keys.scope.replay",
            Scope::Sandbox => "keys.scope.sandbox",
            Scope::Lesson => "keys.scope.lesson",
            Scope::Composer => "keys.scope.composer",
        }
    }
}

/// `(keys as shown, the catalog key of what they do, scope, action)`: the help reads the
/// description in the language of the moment, at draw time.
pub const KEYS: &[(&str, &str, Scope, Action)] = &[
    ("q  Ctrl-C", "keys.quit", Scope::Everywhere, Action::Quit),
    ("?", "keys.help", Scope::Everywhere, Action::Help),
    ("i", "keys.recap", Scope::Everywhere, Action::Recap),
    ("v", "keys.glossary", Scope::Everywhere, Action::Glossary),
    ("z", "keys.language", Scope::Everywhere, Action::Language),
    ("Esc", "keys.back", Scope::Everywhere, Action::Back),
    ("Enter", "keys.open", Scope::Everywhere, Action::Open),
    ("↑ k  ↓ j", "keys.updown", Scope::Everywhere, Action::Up),
    ("PgUp PgDn", "keys.page", Scope::Everywhere, Action::PageUp),
    (
        "Home g  End G",
        "keys.ends",
        Scope::Everywhere,
        Action::First,
    ),
    (
        "Tab  Shift-Tab",
        "keys.pane",
        Scope::Traffic,
        Action::NextPane,
    ),
    ("← h  → l", "keys.step", Scope::Traffic, Action::StepBack),
    ("[  ]", "keys.kind", Scope::Traffic, Action::NextSameKind),
    ("m", "keys.mask", Scope::Traffic, Action::Unmask),
    ("s", "keys.stats", Scope::Traffic, Action::Stats),
    ("L", "keys.lifetimes", Scope::Traffic, Action::Lifetimes),
    ("E", "keys.outsider", Scope::Traffic, Action::Outsider),
    ("/", "keys.search", Scope::Traffic, Action::Search),
    ("n  N", "keys.match", Scope::Traffic, Action::NextMatch),
    ("f", "keys.filter", Scope::Traffic, Action::Filter),
    (
        "F",
        "keys.clear_filter",
        Scope::Traffic,
        Action::ClearFilter,
    ),
    ("Space", "keys.play", Scope::Replay, Action::PlayPause),
    ("+  -", "keys.speed", Scope::Replay, Action::Faster),
    ("r", "keys.get", Scope::Sandbox, Action::SendGet),
    ("w", "keys.ws", Scope::Sandbox, Action::OpenWs),
    ("t", "keys.text", Scope::Sandbox, Action::SendText),
    ("p", "keys.ticker", Scope::Sandbox, Action::PushTicker),
    ("x", "keys.kill", Scope::Sandbox, Action::KillConn),
    ("R", "keys.compose", Scope::Sandbox, Action::Compose),
    ("e", "keys.edit_resend", Scope::Sandbox, Action::EditResend),
    ("C", "keys.composer", Scope::Sandbox, Action::Composer),
    ("Enter  Space", "keys.run", Scope::Lesson, Action::Open),
    (
        "b  Backspace",
        "keys.prev_step",
        Scope::Lesson,
        Action::PrevStep,
    ),
    ("1 … 6", "keys.choose", Scope::Lesson, Action::Choose(1)),
    ("a", "keys.type_answer", Scope::Lesson, Action::TypeAnswer),
    ("T", "keys.table", Scope::Lesson, Action::Table),
    ("K  J", "keys.narration", Scope::Lesson, Action::NarrationUp),
    ("c", "keys.view", Scope::Lesson, Action::NextView),
    ("H", "keys.hint", Scope::Lesson, Action::Hint),
    ("S", "keys.give_up", Scope::Lesson, Action::GiveUp),
    ("C", "keys.composer_lesson", Scope::Lesson, Action::Composer),
    ("R", "keys.compose_lesson", Scope::Lesson, Action::Compose),
    ("e", "keys.edit_resend", Scope::Lesson, Action::EditResend),
    // Inside the composer, which reads its keys itself.
    ("↑↓  Tab", "keys.c_field", Scope::Composer, Action::Composer),
    (
        "←→ Enter Space",
        "keys.c_change",
        Scope::Composer,
        Action::Composer,
    ),
    ("p  P", "keys.c_preset", Scope::Composer, Action::Composer),
    ("r", "keys.c_key", Scope::Composer, Action::Composer),
    ("m", "keys.mask", Scope::Composer, Action::Composer),
    ("s", "keys.c_send", Scope::Composer, Action::Composer),
    (
        "PgUp PgDn",
        "keys.c_scroll",
        Scope::Composer,
        Action::Composer,
    ),
    ("Esc", "keys.c_leave", Scope::Composer, Action::Composer),
];

/// The action of a key press, if any.
pub fn action(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        _ if ctrl => return None,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Esc => Action::Back,
        KeyCode::Enter => Action::Open,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::First,
        KeyCode::End | KeyCode::Char('G') => Action::Last,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Left | KeyCode::Char('h') => Action::StepBack,
        KeyCode::Right | KeyCode::Char('l') => Action::StepForward,
        KeyCode::Char(' ') => Action::PlayPause,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Char(']') => Action::NextSameKind,
        KeyCode::Char('[') => Action::PrevSameKind,
        KeyCode::Char('m') => Action::Unmask,
        KeyCode::Char('s') => Action::Stats,
        KeyCode::Char('/') => Action::Search,
        KeyCode::Char('n') => Action::NextMatch,
        KeyCode::Char('N') => Action::PrevMatch,
        KeyCode::Char('f') => Action::Filter,
        KeyCode::Char('F') => Action::ClearFilter,
        KeyCode::Char('r') => Action::SendGet,
        KeyCode::Char('w') => Action::OpenWs,
        KeyCode::Char('t') => Action::SendText,
        KeyCode::Char('p') => Action::PushTicker,
        KeyCode::Char('x') => Action::KillConn,
        KeyCode::Char('R') => Action::Compose,
        KeyCode::Char('e') => Action::EditResend,
        KeyCode::Char('C') => Action::Composer,
        KeyCode::Char('b') | KeyCode::Backspace => Action::PrevStep,
        KeyCode::Char(c @ '1'..='6') => Action::Choose(c as u8 - b'0'),
        KeyCode::Char('a') => Action::TypeAnswer,
        KeyCode::Char('K') => Action::NarrationUp,
        KeyCode::Char('J') => Action::NarrationDown,
        KeyCode::Char('c') => Action::NextView,
        KeyCode::Char('i') => Action::Recap,
        KeyCode::Char('T') => Action::Table,
        KeyCode::Char('H') => Action::Hint,
        KeyCode::Char('S') => Action::GiveUp,
        KeyCode::Char('L') => Action::Lifetimes,
        KeyCode::Char('E') => Action::Outsider,
        KeyCode::Char('v') => Action::Glossary,
        KeyCode::Char('z') => Action::Language,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lang::Lang;

    /// Every description in `lang` fits one line of the help box.
    fn fits_the_help_box(lang: Lang) {
        // The box is 76 wide: borders, two spaces, the keys in 15 columns.
        for (keys, what, ..) in KEYS {
            let what = crate::i18n::lookup(what, lang);
            let w = unicode_width::UnicodeWidthStr::width(what.as_str());
            assert!(w <= 76 - 2 - 17, "{keys}: {what:?} is {w} columns");
        }
    }

    #[test]
    fn every_help_line_fits_the_help_box_whole() {
        fits_the_help_box(Lang::En);
    }

    #[test]
    fn every_help_line_fits_the_help_box_whole_in_chinese() {
        fits_the_help_box(Lang::ZhCn);
        for (_, what, ..) in KEYS {
            let zh = crate::i18n::lookup(what, Lang::ZhCn);
            assert!(crate::i18n::has(what, Lang::ZhCn), "{what} has no zh-CN");
            assert!(
                zh.chars().any(|c| c > '\u{2e80}'),
                "{what}: {zh:?} is not Chinese"
            );
        }
    }

    #[test]
    fn every_action_a_key_gives_is_in_the_help_table_or_its_pair() {
        // Pairs share one help line: the table names the first of each.
        let paired = |a: Action| match a {
            Action::Down => Action::Up,
            Action::PageDown => Action::PageUp,
            Action::Last => Action::First,
            Action::PrevPane => Action::NextPane,
            Action::StepForward => Action::StepBack,
            Action::PrevSameKind => Action::NextSameKind,
            Action::PrevMatch => Action::NextMatch,
            Action::Slower => Action::Faster,
            Action::Choose(_) => Action::Choose(1),
            Action::NarrationDown => Action::NarrationUp,
            a => a,
        };
        let keys = "qQ?jkgGhlmnNfFrwtpxReC +-=[]/b123456aJKciTLvzHSE";
        for c in keys.chars() {
            if let Some(a) = action(KeyEvent::from(KeyCode::Char(c))) {
                assert!(
                    KEYS.iter().any(|(.., t)| *t == paired(a)),
                    "{c:?} -> {a:?} is not in the help"
                );
            }
        }
    }
}
