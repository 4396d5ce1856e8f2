//! The traffic panes shared by replay, sandbox and lessons: a session, a selection (the
//! playhead), the mask toggle, a filter and a search. The views draw it; this only steers them.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::filter;
use crate::proto::Timestamp;
use crate::proto::event::Event;
use crate::session::{Filter, Session};
use crate::ui::Theme;
use crate::ui::inspector::{self, InspectorState};
use crate::ui::ladder::{self, LadderState};
use crate::ui::lifetimes::{self, LifetimesState};
use crate::ui::stats::{self, StatsState};

/// A live session's clock and its server's keep-alive, for the lifetimes' countdown.
#[derive(Clone, Debug)]
pub struct LiveClock {
    pub clock: crate::capture::tap::Clock,
    pub control: std::sync::Arc<crate::net::control::Control>,
    /// The server's configured idle timeout, before any lesson changed it.
    pub configured: Option<std::time::Duration>,
}

/// Which traffic pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Ladder,
    Inspector,
    Lifetimes,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::Ladder => Pane::Inspector,
            Pane::Inspector => Pane::Lifetimes,
            Pane::Lifetimes => Pane::Ladder,
        }
    }
    pub fn prev(self) -> Pane {
        self.next().next()
    }
}

pub struct Traffic {
    pub session: Session,
    /// Session row of the selected event (the playhead); `None` before the first event.
    selected: Option<usize>,
    pub unmask: bool,
    focus: Pane,
    /// The filter as typed; the rows passing it live in `ladder.filtered`, kept up to date.
    pub filter: Option<(String, Filter)>,
    /// What the ladder is handed: the filtered rows and the selection's place among them.
    ladder: LadderState,
    pub search: Option<String>,
    /// Inspector lines scrolled (when it has the keys) and first connection shown.
    pub inspector_scroll: u16,
    pub lifetimes_offset: usize,
    /// The stats view is drawn where the inspector goes.
    pub show_stats: bool,
    /// Set for live traffic: time runs on between events, and idle connections count down.
    pub live: Option<LiveClock>,
    /// Live panes select each new event until the learner moves away from the newest.
    follow: bool,
    /// Rows that arrived (and pass the filter) since the learner stopped following.
    unseen: usize,
    /// Show only what an eavesdropper on the path sees (`E`); kept in `filter` too.
    outsider: bool,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            session: Session::new(),
            selected: None,
            unmask: false,
            focus: Pane::Ladder,
            filter: None,
            search: None,
            inspector_scroll: 0,
            lifetimes_offset: 0,
            show_stats: false,
            live: None,
            follow: true,
            unseen: 0,
            outsider: false,
            ladder: LadderState {
                focused: true,
                ..LadderState::default()
            },
        }
    }
}

impl Traffic {
    /// Panes for live traffic, whose lifetimes run on with the clock.
    pub fn live(clock: LiveClock) -> Traffic {
        Traffic {
            live: Some(clock),
            ..Traffic::default()
        }
    }

    pub fn push(&mut self, ev: &Event) {
        let before = self.session.len();
        self.session.push(ev);
        self.added(before);
    }

    /// Appends a batch made ready by a capture's loader, event by event as `push` does.
    pub fn append(&mut self, batch: &mut crate::session::Batch) {
        let mut ready = batch.drain();
        loop {
            let before = self.session.len();
            if !self.session.push_ready(&mut ready) {
                break;
            }
            self.added(before);
        }
    }

    /// Rows from `before` on are new: the filter and the first selection take them in.
    fn added(&mut self, before: usize) {
        // An event may add no row (a message whose frames are shown), so only new rows count.
        for i in before..self.session.len() {
            if let (Some((_, f)), Some(rows)) = (&self.filter, &mut self.ladder.filtered)
                && self.session.matches(i, f)
            {
                rows.push(i as u32);
            }
            if self.selected.is_none() && self.passes(i) {
                self.select(Some(i));
            }
        }
    }

    /// New live events: the selection follows them, unless the learner moved away, in which case
    /// they are counted for the "new below" cue.
    pub fn push_live<'a>(&mut self, events: impl IntoIterator<Item = &'a Event>) {
        for ev in events {
            // An event may add no row of its own (a message reassembled from frames shown).
            let before = self.len();
            self.push(ev);
            if self.follow {
                self.select_last();
            } else {
                self.unseen += (before..self.len()).filter(|&i| self.passes(i)).count();
            }
        }
    }

    /// After a key: one that moved the selection decides whether the view follows (it does
    /// again once the newest row is selected).
    pub fn after_key(&mut self, a: crate::app::keys::Action) {
        use crate::app::keys::Action as A;
        let moves = matches!(
            a,
            A::Up
                | A::Down
                | A::StepBack
                | A::StepForward
                | A::PageUp
                | A::PageDown
                | A::First
                | A::Last
                | A::NextSameKind
                | A::PrevSameKind
                | A::NextMatch
                | A::PrevMatch
                | A::ClearFilter
                | A::Open
        );
        if moves {
            self.moved_by_learner();
        }
    }

    /// After the learner moved the selection: at the newest row the view follows again.
    pub fn moved_by_learner(&mut self) {
        self.follow = self.at_end();
        if self.follow {
            self.unseen = 0;
        }
    }

    /// Rows below the selection that came while the learner looked elsewhere (counted only
    /// while not following, and cleared when following starts again).
    pub fn unseen(&self) -> usize {
        self.unseen
    }

    /// The ladder's "N new below" cue, while there is something below.
    pub fn unseen_cue(&self) -> Option<String> {
        (self.unseen > 0).then(|| crate::tr!("traffic.new_below", n = self.unseen))
    }

    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    pub fn len(&self) -> usize {
        self.session.len()
    }

    pub fn is_empty(&self) -> bool {
        self.session.is_empty()
    }

    /// True when the newest row passing the filter is selected (a live view follows it).
    pub fn at_end(&self) -> bool {
        self.selected.is_none() || self.selected == self.last()
    }

    fn passes(&self, i: usize) -> bool {
        match &self.filter {
            Some((_, f)) => self.session.matches(i, f),
            None => i < self.len(),
        }
    }

    fn last(&self) -> Option<usize> {
        match &self.ladder.filtered {
            Some(rows) => rows.last().map(|&r| r as usize),
            None => self.len().checked_sub(1),
        }
    }

    /// The row `steps` rows after (or before) the selection, among those passing the filter.
    fn moved(&self, steps: isize) -> Option<usize> {
        let cur = self.selected?;
        match &self.ladder.filtered {
            None => {
                let last = self.len().checked_sub(1)?;
                Some(cur.saturating_add_signed(steps).min(last))
            }
            Some(rows) => {
                let at = rows.partition_point(|&r| (r as usize) < cur);
                let pos = if steps < 0 {
                    at.saturating_add_signed(steps)
                } else {
                    // `at` may point past `cur` when `cur` itself is filtered out.
                    let on = rows.get(at).is_some_and(|&r| r as usize == cur);
                    at + steps as usize - usize::from(!on && steps > 0)
                };
                rows.get(pos.min(rows.len().checked_sub(1)?))
                    .map(|&r| r as usize)
            }
        }
    }

    /// Moves the selection; false when it could not move.
    pub fn select_by(&mut self, steps: isize) -> bool {
        let to = self.moved(steps);
        let moved = to.is_some() && to != self.selected;
        if moved {
            self.select(to);
        }
        moved
    }

    pub fn select_first(&mut self) {
        let first = match &self.ladder.filtered {
            Some(rows) => rows.first().map(|&r| r as usize),
            None => (!self.is_empty()).then_some(0),
        };
        self.select(first);
    }

    pub fn select_last(&mut self) {
        self.select(self.last());
    }

    /// Jumps to the next (or previous) event of the selected one's kind.
    pub fn jump_same_kind(&mut self, forward: bool) -> bool {
        let Some(kind) = self.selected.map(|i| self.session.row(i).kind) else {
            return false;
        };
        self.jump(forward, |t, i| t.session.row(i).kind == kind && t.passes(i))
    }

    /// Jumps to the next (or previous) event the search matches.
    pub fn jump_match(&mut self, forward: bool) -> bool {
        let Some(q) = self.search.clone() else {
            return false;
        };
        let f = Filter {
            text: Some(q),
            ..Filter::default()
        };
        self.jump(forward, |t, i| t.passes(i) && t.session.matches(i, &f))
    }

    fn jump(&mut self, forward: bool, pred: impl Fn(&Self, usize) -> bool) -> bool {
        let cur = self.selected.unwrap_or(0);
        let found = if forward {
            (cur + 1..self.len()).find(|&i| pred(self, i))
        } else {
            (0..cur).rev().find(|&i| pred(self, i))
        };
        if found.is_some() {
            self.select(found);
        }
        found.is_some()
    }

    /// Applies a typed filter (empty: none); the selection moves to the nearest passing row.
    pub fn set_filter(&mut self, line: &str) -> Result<(), String> {
        if line.trim().is_empty() && !self.outsider {
            self.filter = None;
            self.ladder.filtered = None;
            self.select(self.selected.or(self.last()));
            return Ok(());
        }
        let mut f = filter::parse(line)?;
        f.outsider = self.outsider;
        let rows = self.session.matching(&f);
        let cur = self.selected.unwrap_or(0);
        let at = rows.partition_point(|&r| (r as usize) < cur);
        let to = rows.get(at).or_else(|| rows.last()).map(|&r| r as usize);
        self.filter = Some((line.trim().to_string(), f));
        self.ladder.filtered = Some(rows);
        self.select(to);
        Ok(())
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn set_focus(&mut self, p: Pane) {
        self.focus = p;
        self.ladder.focused = p == Pane::Ladder;
    }

    /// The filter as typed, if any.
    pub fn filter_line(&self) -> Option<&str> {
        self.filter
            .as_ref()
            .map(|(l, _)| l.as_str())
            .filter(|l| !l.is_empty())
    }

    /// A click at (`col`, `row`) on the panes drawn in `areas`: on a ladder line it selects
    /// that event; anywhere in a pane it gives the pane the keys.
    pub fn click(&mut self, areas: [Rect; 3], col: u16, row: u16) {
        let at = ratatui::layout::Position::new(col, row);
        let [ladder, inspector, lifetimes] = areas;
        if inspector.contains(at) {
            self.set_focus(Pane::Inspector);
        } else if lifetimes.contains(at) {
            self.set_focus(Pane::Lifetimes);
        } else if ladder.contains(at) {
            self.set_focus(Pane::Ladder);
            // Under the border and the lanes' header line, as the ladder draws them.
            let height = usize::from(ladder.height.saturating_sub(3));
            let Some(line) = usize::from(row).checked_sub(usize::from(ladder.y) + 2) else {
                return;
            };
            let count = self.ladder.count(&self.session);
            let pos = self.ladder.window_start(count, height) + line;
            if line < height && pos < count {
                let to = self.ladder.row_at(pos);
                self.select(to);
            }
        }
    }

    /// Selects session row `to`; the ladder gets its place among the rows it shows.
    pub fn select(&mut self, to: Option<usize>) {
        if to != self.selected {
            self.inspector_scroll = 0;
        }
        self.selected = to;
        self.ladder.selected = match (&self.ladder.filtered, to) {
            (Some(rows), Some(s)) => Some(rows.partition_point(|&r| (r as usize) < s)),
            (None, s) => s,
            (Some(_), None) => None,
        };
    }

    /// The first connection the lifetimes show: where the learner scrolled them while they
    /// have the keys, else so that the selected event's connection is in view.
    fn lifetimes_first(&self, height: u16) -> usize {
        if self.focus == Pane::Lifetimes {
            return self.lifetimes_offset;
        }
        // Inside the borders and under the time axis.
        let rows = usize::from(height.saturating_sub(3)).max(1);
        let at = self
            .selected
            .and_then(|i| self.session.conn_position(self.session.row(i).conn));
        match at {
            Some(i) if i >= rows => i + 1 - rows,
            _ => 0,
        }
    }

    /// The end of the bars in the lifetimes view: now when live, else the newest event's time.
    fn now(&self) -> Timestamp {
        match &self.live {
            Some(l) => l.clock.now().max(self.session.last_ts()),
            None => self.session.last_ts(),
        }
    }

    /// "N new below" on the ladder's bottom border, while the learner is not following.
    fn draw_unseen(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let Some(cue) = self.unseen_cue() else {
            return;
        };
        if area.height < 3 || area.width < 12 {
            return;
        }
        let w = (unicode_width::UnicodeWidthStr::width(cue.as_str()) as u16)
            .min(area.width.saturating_sub(2));
        let at = Rect {
            x: area.x + area.width - 1 - w,
            y: area.y + area.height - 1,
            width: w,
            height: 1,
        };
        let line = ratatui::text::Line::styled(cue, theme.title);
        f.render_widget(ratatui::widgets::Paragraph::new(line), at);
    }

    /// Every connection over `area` (the `L` view), scrolled by the lifetimes' offset.
    pub fn draw_lifetimes_full(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let life = LifetimesState {
            now: self.now(),
            keepalive: self
                .live
                .as_ref()
                .and_then(|l| l.control.keepalive(l.configured)),
            offset: self.lifetimes_offset,
            focused: true,
        };
        crate::ui::lifetimes_full::render(f, area, &self.session, &life, theme);
    }

    pub fn draw(&self, f: &mut Frame, areas: [Rect; 3], theme: &Theme) {
        let [ladder_area, inspector_area, lifetimes_area] = areas;
        ladder::render(f, ladder_area, &self.session, &self.ladder, theme);
        self.draw_unseen(f, ladder_area, theme);
        let insp = InspectorState {
            event: self.selected,
            unmask: self.unmask,
            scroll: self.inspector_scroll,
            focused: self.focus == Pane::Inspector,
            outsider: self.outsider,
        };
        if self.show_stats {
            let st = StatsState {
                focused: self.focus == Pane::Inspector,
            };
            stats::render(f, inspector_area, &self.session, &st, theme);
        } else {
            inspector::render(f, inspector_area, &self.session, &insp, theme);
        }
        let life = LifetimesState {
            now: self.now(),
            keepalive: self
                .live
                .as_ref()
                .and_then(|l| l.control.keepalive(l.configured)),
            offset: self.lifetimes_first(lifetimes_area.height),
            focused: self.focus == Pane::Lifetimes,
        };
        lifetimes::render(f, lifetimes_area, &self.session, &life, theme);
    }
}

#[path = "traffic_path.rs"]
mod path;
pub use path::key_bar_tls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_panes_run_on_with_the_clock_and_follow_the_servers_keepalive() {
        let control = std::sync::Arc::new(crate::net::control::Control::default());
        let configured = Some(std::time::Duration::from_secs(75));
        let live = Traffic::live(LiveClock {
            clock: crate::capture::tap::Clock::start(),
            control: control.clone(),
            configured,
        });
        let before = live.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(live.now() > before, "time runs on with no event");
        let l = live.live.as_ref().unwrap();
        assert_eq!(l.control.keepalive(l.configured), configured);
        control.set_keepalive(Some(std::time::Duration::from_secs(2)));
        assert_eq!(
            l.control.keepalive(l.configured),
            Some(std::time::Duration::from_secs(2)),
            "a lesson's keepalive action shows"
        );
        let replay = Traffic::default();
        assert_eq!(replay.now(), Timestamp(0), "a replay's time is its events'");
    }
}
