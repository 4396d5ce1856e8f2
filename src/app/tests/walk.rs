//! Random input over every screen, size and shipped capture: nothing may panic or hang.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedReceiver;

use super::super::{App, Msg, Screen};
use super::{app, screen, settle};

/// A small seeded generator, so a failing walk can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub(super) const SIZES: &[(u16, u16)] = &[
    (1, 1),
    (10, 3),
    (40, 10),
    (79, 23),
    (80, 24),
    (120, 40),
    (300, 100),
];

/// Every key the key map reads, the prompts' editing keys, and some it does not read.
fn every_key() -> Vec<KeyEvent> {
    let mut keys: Vec<KeyEvent> = "qQ?jkgGhlmnNfFrwtpx +-=[]/b1234567aJKTLsz=é"
        .chars()
        .map(|c| KeyEvent::from(KeyCode::Char(c)))
        .collect();
    keys.extend(
        [
            KeyCode::Esc,
            KeyCode::Enter,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::F(1),
        ]
        .map(KeyEvent::from),
    );
    keys.push(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL));
    keys.push(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    keys
}

/// A random input: mostly keys, some mouse events anywhere (on and off every pane), resizes and
/// ticks.
fn random_msg(rng: &mut Rng, keys: &[KeyEvent]) -> Msg {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    match rng.below(10) {
        0 | 1 => {
            let kind = match rng.below(4) {
                0 => MouseEventKind::ScrollUp,
                1 => MouseEventKind::ScrollDown,
                2 => MouseEventKind::Moved,
                _ => MouseEventKind::Down(MouseButton::Left),
            };
            Msg::Mouse(MouseEvent {
                kind,
                column: [0, 1, 29, 30, 79, 80, 299, 300, u16::MAX][rng.below(9)],
                row: [0, 1, 2, 3, 10, 17, 23, 24, 99, u16::MAX][rng.below(10)],
                modifiers: KeyModifiers::NONE,
            })
        }
        2 => Msg::Tick,
        3 if rng.below(4) == 0 => {
            let (w, h) = SIZES[rng.below(SIZES.len())];
            Msg::Resize(w, h)
        }
        _ => Msg::Key(keys[rng.below(keys.len())]),
    }
}

/// Feeds `steps` random inputs, drawing at a random size after each; quitting is undone so the
/// walk goes on.
fn walk(app: &mut App, rx: &mut UnboundedReceiver<Msg>, seed: u64, steps: usize) {
    // `z` switches the language: for this thread alone, not the tests running beside it.
    crate::lang::scoped(crate::lang::Lang::En, || walk_on(app, rx, seed, steps));
}

fn walk_on(app: &mut App, rx: &mut UnboundedReceiver<Msg>, seed: u64, steps: usize) {
    let keys = every_key();
    let mut rng = Rng(seed | 1);
    let mut terms: Vec<Terminal<TestBackend>> = SIZES
        .iter()
        .map(|&(w, h)| Terminal::new(TestBackend::new(w, h)).expect("a test terminal"))
        .collect();
    for _ in 0..steps {
        let msg = random_msg(&mut rng, &keys);
        let what = format!("{msg:?}");
        app.update(msg);
        app.quit = false;
        while let Ok(m) = rx.try_recv() {
            app.update(m);
        }
        let i = rng.below(terms.len());
        terms[i]
            .draw(|f| app.draw(f))
            .unwrap_or_else(|e| panic!("seed {seed}, after {what}: {e}"));
    }
}

#[test]
fn every_screen_at_every_size_with_random_input_never_panics() {
    for seed in 1..=6u64 {
        let (mut app, mut rx) = app();
        walk(&mut app, &mut rx, seed * 7919, 400);
    }
}

#[test]
fn every_shipped_capture_survives_random_input_at_odd_sizes() {
    let mut files: Vec<_> = std::fs::read_dir("assets/captures")
        .expect("the shipped captures")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for (n, path) in files.into_iter().enumerate() {
        let (mut app, mut rx) = app();
        app.open_replay(path.clone());
        settle(&mut app, &mut rx);
        for &(w, h) in SIZES {
            screen(&app, w, h);
        }
        // Walk only the replay screen: Esc would leave for the picker.
        walk(&mut app, &mut rx, n as u64 * 104_729 + 1, 150);
        if app.screen == Screen::Replay {
            continue;
        }
        app.open_replay(path);
        settle(&mut app, &mut rx);
        walk(&mut app, &mut rx, n as u64 + 17, 150);
    }
}
