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
    /// The lifetimes over the whole screen, or back.
    Lifetimes,
}

/// Where a key applies, for the help overlay's grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Traffic,
    Replay,
    Sandbox,
    Lesson,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Everywhere => "Everywhere",
            Scope::Traffic => "Traffic panes (replay, sandbox, lessons)",
            Scope::Replay => "Replay",
            Scope::Sandbox => "Sandbox",
            Scope::Lesson => "Lessons",
        }
    }
}

/// `(keys as shown, what they do, scope, action)`.
pub const KEYS: &[(&str, &str, Scope, Action)] = &[
    (
        "q  Ctrl-C",
        "quit (Esc goes back)",
        Scope::Everywhere,
        Action::Quit,
    ),
    (
        "?",
        "this help; any key closes it",
        Scope::Everywhere,
        Action::Help,
    ),
    (
        "i",
        "the interview recap in your numbers; any key closes",
        Scope::Everywhere,
        Action::Recap,
    ),
    (
        "Esc",
        "back to the previous screen",
        Scope::Everywhere,
        Action::Back,
    ),
    (
        "Enter",
        "open the selected item",
        Scope::Everywhere,
        Action::Open,
    ),
    (
        "↑ k  ↓ j",
        "select the previous / next line",
        Scope::Everywhere,
        Action::Up,
    ),
    (
        "PgUp PgDn",
        "a page up / down",
        Scope::Everywhere,
        Action::PageUp,
    ),
    (
        "Home g  End G",
        "the first / last line",
        Scope::Everywhere,
        Action::First,
    ),
    (
        "Tab  Shift-Tab",
        "the next / previous pane",
        Scope::Traffic,
        Action::NextPane,
    ),
    (
        "← h  → l",
        "step one event back / forward",
        Scope::Traffic,
        Action::StepBack,
    ),
    (
        "[  ]",
        "previous / next event of the selected one's kind",
        Scope::Traffic,
        Action::NextSameKind,
    ),
    (
        "m",
        "show the payload masked / unmasked",
        Scope::Traffic,
        Action::Unmask,
    ),
    (
        "s",
        "stats in the inspector's place (bytes, heads, messages)",
        Scope::Traffic,
        Action::Stats,
    ),
    (
        "L",
        "all connections full screen: how and when each ended",
        Scope::Traffic,
        Action::Lifetimes,
    ),
    (
        "/",
        "search the events (Enter keeps it, Esc drops it)",
        Scope::Traffic,
        Action::Search,
    ),
    (
        "n  N",
        "next / previous search match",
        Scope::Traffic,
        Action::NextMatch,
    ),
    (
        "f",
        "filter: conn=N proto=http|ws|tcp opcode=N (empty clears)",
        Scope::Traffic,
        Action::Filter,
    ),
    ("F", "clear the filter", Scope::Traffic, Action::ClearFilter),
    ("Space", "play / pause", Scope::Replay, Action::PlayPause),
    (
        "+  -",
        "play faster / slower",
        Scope::Replay,
        Action::Faster,
    ),
    ("r", "send a GET request", Scope::Sandbox, Action::SendGet),
    (
        "w",
        "open a WebSocket to /ws/echo",
        Scope::Sandbox,
        Action::OpenWs,
    ),
    (
        "t",
        "send a text frame on the open WebSocket",
        Scope::Sandbox,
        Action::SendText,
    ),
    (
        "p",
        "push 10 ticker updates over /ws/ticker",
        Scope::Sandbox,
        Action::PushTicker,
    ),
    (
        "x",
        "kill the last connection (no close frame)",
        Scope::Sandbox,
        Action::KillConn,
    ),
    (
        "Enter  Space",
        "run the step's actions; once run, the next step",
        Scope::Lesson,
        Action::Open,
    ),
    (
        "b  Backspace",
        "back to the previous step's narration",
        Scope::Lesson,
        Action::PrevStep,
    ),
    (
        "1 … 6",
        "answer the step's question with that choice",
        Scope::Lesson,
        Action::Choose(1),
    ),
    (
        "a",
        "type the answer to the step's question",
        Scope::Lesson,
        Action::TypeAnswer,
    ),
    (
        "T",
        "show / hide the step's table of measures",
        Scope::Lesson,
        Action::Table,
    ),
    (
        "K  J",
        "scroll a lesson's narration or the home's About up / down",
        Scope::Lesson,
        Action::NarrationUp,
    ),
    (
        "c",
        "live traffic, or a replayed capture (own clock)",
        Scope::Lesson,
        Action::NextView,
    ),
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
        KeyCode::Char('b') | KeyCode::Backspace => Action::PrevStep,
        KeyCode::Char(c @ '1'..='6') => Action::Choose(c as u8 - b'0'),
        KeyCode::Char('a') => Action::TypeAnswer,
        KeyCode::Char('K') => Action::NarrationUp,
        KeyCode::Char('J') => Action::NarrationDown,
        KeyCode::Char('c') => Action::NextView,
        KeyCode::Char('i') => Action::Recap,
        KeyCode::Char('T') => Action::Table,
        KeyCode::Char('L') => Action::Lifetimes,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_help_line_fits_the_help_box_whole() {
        // The box is 76 wide: borders, two spaces, the keys in 15 columns.
        for (keys, what, ..) in KEYS {
            let w = unicode_width::UnicodeWidthStr::width(*what);
            assert!(w <= 76 - 2 - 17, "{keys}: {what:?} is {w} columns");
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
        let keys = "qQ?jkgGhlmnNfFrwtpx +-=[]/b123456aJKciTL";
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
