//! The course as the home screen lists it. The one place to switch to `crate::lesson` once the
//! lesson loader lands: everything else reads this list.

/// One lesson line on the home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseEntry {
    pub id: String,
    pub title: String,
    /// Steps passed and steps in all (progress marks).
    pub done: u32,
    pub steps: u32,
}

impl CourseEntry {
    /// A mark readable without colour: `✓` done, `◐` begun, `·` not started.
    pub fn mark(&self) -> &'static str {
        if self.steps > 0 && self.done >= self.steps {
            "✓"
        } else if self.done > 0 {
            "◐"
        } else {
            "·"
        }
    }
}

/// The lessons in order, with the learner's progress.
pub fn course() -> Vec<CourseEntry> {
    const LESSONS: &[(&str, &str)] = &[
        ("http-request-response", "One request, one response"),
        ("http10-vs-http11", "HTTP/1.0 and HTTP/1.1 connections"),
        ("keepalive", "Keep-alive and its timeout"),
        ("http-heads", "What an HTTP head weighs"),
        ("ws-upgrade", "The WebSocket upgrade"),
        ("ws-frames", "WebSocket frames and masking"),
        ("ws-close", "Closing a WebSocket"),
        ("push-vs-poll", "Push against polling"),
    ];
    LESSONS
        .iter()
        .map(|(id, title)| CourseEntry {
            id: (*id).to_string(),
            title: (*title).to_string(),
            done: 0,
            steps: 0,
        })
        .collect()
}
