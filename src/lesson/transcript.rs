//! A played step in plain words, for a terminal, a file or a screen reader: narration, what
//! each action did, the decoded events (an HTTP head line by line, a frame's bits, the accept
//! derivation), the expectations with what was seen, the table of measures. No box drawing;
//! lines within `wrap::columns()` (100, or a narrower terminal's).

use std::io::{self, Write};

use super::model::{Lesson, Step};
use super::plain_words::narration;
use super::run::expect::fmt_num;
use super::run::{ActionReport, StepReport, TableReport};
use super::wrap::{self, columns, wrap};
use crate::output::{plain, plain_detail};
use crate::proto::Timestamp;
use crate::proto::event::{Event, EventKind};
use crate::tr;

/// Events listed per step at most; a chatty step says how many more there were.
const EVENTS_SHOWN: usize = 60;

fn lines(out: &mut impl Write, text: &str, first: &str, indent: &str) -> io::Result<()> {
    for l in wrap(text, columns(), first, indent) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// What makes an event's details worth saying again: a head of another shape, a frame of
/// another kind. Repeats (a ticker's hundred frames) are said once.
fn shape(ev: &Event) -> Option<String> {
    let d = format!("{:?}", ev.dir);
    match &ev.kind {
        EventKind::HttpRequest(m) | EventKind::HttpResponse(m) => {
            let names: Vec<&str> = m.head.headers.iter().map(|(n, _)| n.as_str()).collect();
            Some(format!(
                "{d} {:?} {:?} {}",
                m.head.method,
                m.head.status,
                names.join(",")
            ))
        }
        EventKind::WsFrame(f) => Some(format!(
            "{d} {} {} {} {}",
            f.opcode,
            f.masked,
            f.fin,
            f.len_range.len()
        )),
        _ => None,
    }
}

pub fn header(out: &mut impl Write, lesson: &Lesson, i: usize, step: &Step) -> io::Result<()> {
    let n = lesson.steps.len();
    let claims = if step.claims.is_empty() {
        String::new()
    } else {
        tr!("learn.claims", claims = step.claims.join(", "))
    };
    writeln!(out)?;
    let title = tr!(
        "learn.step",
        n = i + 1,
        total = n,
        title = step.title,
        claims = claims
    );
    lines(out, &title, "", "  ")?;
    writeln!(out)?;
    for line in narration(&step.text, columns() - 2) {
        if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// "What we did": the step's actions, each with its outcome.
pub fn actions(out: &mut impl Write, actions: &[ActionReport]) -> io::Result<()> {
    if !actions.is_empty() {
        writeln!(out, "\n  {}", tr!("learn.what_we_did"))?;
        for a in actions {
            let mark = if a.outcome.is_ok() {
                "    - "
            } else {
                "    ✗ "
            };
            lines(out, &a.line(), mark, "      ")?;
        }
    }
    Ok(())
}

pub fn report(out: &mut impl Write, r: &StepReport) -> io::Result<()> {
    actions(out, &r.actions)?;
    if !r.events.is_empty() {
        writeln!(out, "\n  {}", tr!("learn.on_the_wire", n = r.events.len()))?;
        // Live events count from the lesson server's start; a replayed capture from its own.
        let mut origin_replay: Option<Timestamp> = None;
        let mut said = std::collections::HashSet::new();
        // A ClientHello is told once the server answered it (see `plain_hold`).
        let verdicts = crate::output::plain_hold::told(r.events.iter().map(|e| &e.ev), false);
        for (k, e) in r.events.iter().take(EVENTS_SHOWN).enumerate() {
            let origin = if e.replayed {
                *origin_replay.get_or_insert(e.ev.ts)
            } else {
                Timestamp(0)
            };
            let mut line = Vec::new();
            let stranger = verdicts.get(k).copied().unwrap_or(false);
            plain::write_told(&mut line, k as u64 + 1, &e.ev, origin, stranger)?;
            let tag = if e.replayed {
                tr!("learn.capture")
            } else {
                String::new()
            };
            let text = format!("{}{tag}", String::from_utf8_lossy(&line).trim());
            lines(out, &text, "    ", "          ")?;
            if shape(&e.ev).is_some_and(|s| said.insert(s)) {
                for d in plain_detail::details(&e.ev) {
                    lines(out, &d, "          * ", "            ")?;
                }
            }
        }
        if r.events.len() > EVENTS_SHOWN {
            let more = r.events.len() - EVENTS_SHOWN;
            writeln!(out, "    {}", tr!("learn.more_events", n = more))?;
        }
    }
    if let Some(t) = &r.table {
        table(out, t)?;
    }
    if !r.verdicts.is_empty() {
        writeln!(out, "\n  {}", tr!("learn.must_show"))?;
        for v in &r.verdicts {
            let mark = if v.ok {
                tr!("learn.pass")
            } else {
                tr!("learn.fail")
            };
            let mark = format!("    {mark}  ");
            let indent = " ".repeat(wrap::cols(&mark));
            lines(
                out,
                &tr!("learn.verdict", says = v.says, saw = v.saw),
                &mark,
                &indent,
            )?;
        }
    }
    Ok(())
}

fn table(out: &mut impl Write, t: &TableReport) -> io::Result<()> {
    writeln!(out, "\n  {}", tr!("learn.measured"))?;
    // Aligned columns, no rule: a screen reader reads the names, then each row.
    for line in table_fitted(t, columns().saturating_sub(4), 2).0 {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

/// The measures as aligned rows, the metric names first; numbers right-aligned, `gap` spaces
/// between columns. The plain transcript and the lesson screen both print these.
pub fn table_lines(t: &TableReport, gap: usize) -> Vec<String> {
    let mut head = vec![String::new()];
    head.extend(t.metrics.iter().map(|m| m.name().to_owned()));
    let mut rows = vec![head];
    for (label, vals) in &t.rows {
        let mut row = vec![label.clone()];
        row.extend(vals.iter().map(|v| v.map_or("—".to_owned(), fmt_num)));
        rows.push(row);
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| wrap::cols(&r[c])).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (c, cell) in r.iter().enumerate() {
                let pad = " ".repeat(widths[c] - wrap::cols(cell));
                if c == 0 {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str(&" ".repeat(gap));
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

fn widest(lines: &[String]) -> usize {
    lines.iter().map(|l| wrap::cols(l)).max().unwrap_or(0)
}

/// The table as lines at most `width` columns wide, and the indices of its header lines: the
/// lines of [`table_lines`] when they fit, else groups of columns, each with the labels again.
pub fn table_fitted(t: &TableReport, width: usize, gap: usize) -> (Vec<String>, Vec<usize>) {
    let whole = table_lines(t, gap);
    if widest(&whole) <= width || t.metrics.len() <= 1 {
        return (whole, vec![0]);
    }
    let mut out = Vec::new();
    let mut heads = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    let mut flush = |group: &mut Vec<usize>, out: &mut Vec<String>| {
        if group.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        heads.push(out.len());
        out.extend(table_lines(&subset(t, group), gap));
        group.clear();
    };
    for m in 0..t.metrics.len() {
        group.push(m);
        if group.len() > 1 && widest(&table_lines(&subset(t, &group), gap)) > width {
            group.pop();
            flush(&mut group, &mut out);
            group.push(m);
        }
    }
    flush(&mut group, &mut out);
    (out, heads)
}

fn subset(t: &TableReport, metrics: &[usize]) -> TableReport {
    TableReport {
        metrics: metrics
            .iter()
            .filter_map(|&m| t.metrics.get(m).copied())
            .collect(),
        rows: t
            .rows
            .iter()
            .map(|(label, vals)| {
                let v = metrics.iter().map(|&m| vals.get(m).copied().flatten());
                (label.clone(), v.collect())
            })
            .collect(),
    }
}
