//! Colours and emphasis. Meaning never rides on colour alone (the views also draw glyphs and
//! words), so the plain theme for `NO_COLOR` loses nothing but colour.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// No colours at all: only bold, reverse and underline.
    pub plain: bool,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub client: Style,
    pub server: Style,
    pub selected: Style,
    pub ok: Style,
    pub bad: Style,
    /// Styles of the fields marked in the hex dump, used in turn.
    pub fields: [Style; 4],
}

impl Theme {
    /// Plain when `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::new(no_color)
    }

    pub fn new(plain: bool) -> Theme {
        if plain {
            Theme::plain()
        } else {
            Theme::color()
        }
    }

    pub fn color() -> Theme {
        Theme {
            plain: false,
            text: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            title: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            border_focused: Style::new().fg(Color::Cyan),
            client: Style::new().fg(Color::Cyan),
            server: Style::new().fg(Color::Yellow),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            ok: Style::new().fg(Color::Green),
            bad: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            fields: [
                Style::new().fg(Color::Cyan),
                Style::new().fg(Color::Magenta),
                Style::new().fg(Color::Yellow),
                Style::new().fg(Color::Green),
            ],
        }
    }

    pub fn plain() -> Theme {
        let none = Style::new();
        Theme {
            plain: true,
            text: none,
            dim: none,
            title: none.add_modifier(Modifier::BOLD),
            border: none,
            border_focused: none.add_modifier(Modifier::BOLD),
            client: none,
            server: none,
            selected: none.add_modifier(Modifier::REVERSED),
            ok: none,
            bad: none.add_modifier(Modifier::BOLD),
            fields: [none.add_modifier(Modifier::UNDERLINED); 4],
        }
    }

    pub fn field(&self, i: usize) -> Style {
        self.fields[i % self.fields.len()]
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::color()
    }
}
