//! The lesson player's slot: narration left, the lesson's traffic right. The lesson runner (on
//! main, by the lead) fills `narration` and `traffic`; this screen only shows them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::traffic::Traffic;

pub struct LessonScreen {
    pub id: String,
    pub title: String,
    /// `step N/M` for the title bar.
    pub step: Option<(usize, usize)>,
    /// The current step's text, its checks (`✓` / `✗`) and questions, one line each.
    pub narration: Vec<String>,
    pub traffic: Traffic,
}

impl LessonScreen {
    /// The slot before the runner is wired: says how to run the lesson meanwhile.
    pub fn new(id: &str, title: &str) -> LessonScreen {
        LessonScreen {
            id: id.to_string(),
            title: title.to_string(),
            step: None,
            narration: vec![
                "The lesson player is not wired into the UI yet.".to_string(),
                String::new(),
                format!("Meanwhile: duplex learn {id} --plain"),
            ],
            traffic: Traffic::default(),
        }
    }

    pub fn draw_side(&self, f: &mut Frame, area: Rect) {
        let step = self
            .step
            .map(|(n, m)| format!(" step {n}/{m} "))
            .unwrap_or_default();
        let block = Block::new()
            .borders(Borders::ALL)
            .title(format!(" {} ", self.title))
            .title_top(Line::from(step).right_aligned());
        let lines: Vec<Line> = self
            .narration
            .iter()
            .map(|l| Line::from(l.as_str()))
            .collect();
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
    }
}
