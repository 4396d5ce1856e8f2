//! A step's table of measures in its own full-width pane (in the inspector's place), so no
//! number is cut by the narrow narration pane. Lines are those of `learn --plain` when they fit;
//! a table wider than the screen is split into groups of columns, each repeating the labels.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::lesson::run::TableReport;
use crate::lesson::transcript::table_fitted;
use crate::ui::Theme;

/// Spaces between columns, as the plain transcript prints them.
const GAP: usize = 2;

/// The table as lines at most `width` columns wide, as the plain transcript splits it; labels'
/// controls escaped before the columns are measured.
fn fitted(t: &TableReport, width: usize) -> (Vec<String>, Vec<usize>) {
    table_fitted(&escaped(t), width, GAP)
}

/// `t` with its labels' controls escaped.
fn escaped(t: &TableReport) -> TableReport {
    TableReport {
        metrics: t.metrics.clone(),
        rows: t
            .rows
            .iter()
            .map(|(label, vals)| (crate::ui::visible(label).into_owned(), vals.clone()))
            .collect(),
    }
}

/// Rows the pane wants at `width` columns: its lines and its two borders.
pub fn height(t: &TableReport, width: u16) -> u16 {
    let (lines, _) = fitted(t, usize::from(width.saturating_sub(2)));
    u16::try_from(lines.len() + 2).unwrap_or(u16::MAX)
}

/// Draws the pane: `step` names the step the table belongs to, `scroll` lines are skipped.
pub fn draw(
    f: &mut Frame,
    area: Rect,
    t: &TableReport,
    step: usize,
    scroll: u16,
    focused: bool,
    theme: &Theme,
) {
    let inner_w = usize::from(area.width.saturating_sub(2));
    let (lines, heads) = fitted(t, inner_w);
    let rows = usize::from(area.height.saturating_sub(2));
    let max = lines.len().saturating_sub(rows);
    let scroll = usize::from(scroll).min(max);
    let more = if max > scroll {
        crate::tr!("lesson_screen.table_more", n = max - scroll)
    } else {
        String::new()
    };
    let title = crate::tr!("lesson_screen.table_title", n = step + 1);
    let block =
        crate::ui::pane(title, focused, theme).title_bottom(Line::from(more).right_aligned());
    let head = theme.title.add_modifier(Modifier::BOLD);
    let shown: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if heads.contains(&i) {
                Line::styled(l, head)
            } else {
                Line::raw(l)
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(shown)
            .scroll((scroll as u16, 0))
            .block(block),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::model::Metric;
    use crate::lesson::transcript::table_lines;

    fn table() -> TableReport {
        TableReport {
            metrics: vec![
                Metric::BytesPerUpdate,
                Metric::Connections,
                Metric::Requests,
                Metric::LatencyMs,
            ],
            rows: vec![
                (
                    "poll-new".into(),
                    vec![Some(254.2), Some(8.0), Some(8.0), Some(2.0)],
                ),
                ("ws".into(), vec![Some(106.4), Some(1.0), None, Some(107.9)]),
            ],
        }
    }

    #[test]
    fn a_table_that_fits_is_the_plain_transcripts_lines() {
        let (lines, heads) = fitted(&table(), 80);
        assert_eq!(lines, table_lines(&table(), 2));
        assert_eq!(heads, vec![0]);
    }

    #[test]
    fn a_wide_table_splits_into_column_groups_and_keeps_every_number_whole() {
        let (lines, heads) = fitted(&table(), 34);
        assert!(heads.len() > 1, "{lines:#?}");
        assert!(
            lines.iter().all(|l| crate::ui::width(l) <= 34),
            "{lines:#?}"
        );
        let all = lines.join("\n");
        for n in [
            "254.2",
            "106.4",
            "107.9",
            "latency_ms",
            "bytes_per_update",
            "—",
        ] {
            assert!(all.contains(n), "{n} missing:\n{all}");
        }
        // Each group repeats the labels.
        assert_eq!(all.matches("poll-new").count(), heads.len());
    }

    #[test]
    fn a_screen_too_narrow_for_one_column_still_never_panics() {
        for w in 0..12 {
            let _ = fitted(&table(), w);
            let _ = height(&table(), w as u16);
        }
        let empty = TableReport {
            metrics: Vec::new(),
            rows: Vec::new(),
        };
        assert_eq!(fitted(&empty, 10).0.len(), 1);
    }
}
