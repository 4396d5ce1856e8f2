//! A played step in plain words: narration, what each action did, the decoded events, the
//! expectations with what was seen, the table of measures.

use std::io::{self, Write};

use super::markdown;
use super::model::{Lesson, Step};
use super::run::expect::fmt_num;
use super::run::{StepReport, TableReport};
use crate::output::plain;
use crate::proto::Timestamp;

/// Events listed per step at most; a chatty step says how many more there were.
const EVENTS_SHOWN: usize = 60;
const WIDTH: usize = 96;

pub fn header(out: &mut impl Write, lesson: &Lesson, i: usize, step: &Step) -> io::Result<()> {
    let n = lesson.steps.len();
    let claims = if step.claims.is_empty() {
        String::new()
    } else {
        format!("   [tests {}]", step.claims.join(", "))
    };
    writeln!(out)?;
    writeln!(
        out,
        "━━ {} · step {} of {n}: {}{claims}",
        lesson.title,
        i + 1,
        step.title
    )?;
    writeln!(out)?;
    let text = markdown::to_plain(&markdown::parse(&step.text), WIDTH);
    for line in text.lines() {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}

pub fn report(out: &mut impl Write, r: &StepReport) -> io::Result<()> {
    if !r.actions.is_empty() {
        writeln!(out, "\n  What we did:")?;
        for a in &r.actions {
            let mark = if a.outcome.is_ok() { "→" } else { "✗" };
            writeln!(out, "    {mark} {}", a.line())?;
        }
    }
    if !r.events.is_empty() {
        writeln!(out, "\n  On the wire ({} events):", r.events.len())?;
        // Live events count from the lesson server's start; a replayed capture from its own.
        let mut origin_replay: Option<Timestamp> = None;
        for (k, e) in r.events.iter().take(EVENTS_SHOWN).enumerate() {
            let origin = if e.replayed {
                *origin_replay.get_or_insert(e.ev.ts)
            } else {
                Timestamp(0)
            };
            let mut line = Vec::new();
            plain::write_step(&mut line, k as u64 + 1, &e.ev, origin)?;
            let tag = if e.replayed { "  (capture)" } else { "" };
            write!(out, "  {}", String::from_utf8_lossy(&line).trim_end())?;
            writeln!(out, "{tag}")?;
        }
        if r.events.len() > EVENTS_SHOWN {
            writeln!(
                out,
                "    … and {} more events like these",
                r.events.len() - EVENTS_SHOWN
            )?;
        }
    }
    if let Some(t) = &r.table {
        table(out, t)?;
    }
    if !r.verdicts.is_empty() {
        writeln!(out, "\n  What the traffic must show:")?;
        for v in &r.verdicts {
            let mark = if v.ok { "✓ PASS" } else { "✗ FAIL" };
            writeln!(out, "    {mark}  {} (on the wire: {})", v.says, v.saw)?;
        }
    }
    Ok(())
}

fn table(out: &mut impl Write, t: &TableReport) -> io::Result<()> {
    writeln!(out, "\n  Measured on this machine, just now:")?;
    let lines = table_lines(t, 2);
    for (i, line) in lines.iter().enumerate() {
        writeln!(out, "    {line}")?;
        if i == 0 {
            let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
            writeln!(out, "    {}", "─".repeat(width))?;
        }
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
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (c, cell) in r.iter().enumerate() {
                let pad = " ".repeat(widths[c] - cell.chars().count());
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
