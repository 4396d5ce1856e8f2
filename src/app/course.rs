//! The course as the home screen lists it: the lessons of `crate::lesson::load::catalog` (the
//! built-in ones, plus `--lessons DIR`), in order, with the learner's progress marks.

use std::path::Path;

use crate::lesson::load;
use crate::lesson::model::Lesson;
use crate::lesson::progress::Progress;

/// One lesson line on the home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseEntry {
    pub id: String,
    pub title: String,
    /// The lesson's one-line summary.
    pub summary: String,
    /// Steps passed and steps in all (progress marks).
    pub done: u32,
    pub steps: u32,
    /// The last answer to each question: how many right, how many given.
    pub right: u32,
    pub asked: u32,
    /// Questions in the lesson.
    pub questions: u32,
}

impl CourseEntry {
    /// A mark readable without colour: `✓` done, `!` done with answers to review (wrong or
    /// missing), `◐` begun, `·` not started (as `Progress::mark`).
    pub fn mark(&self) -> &'static str {
        if self.steps > 0 && self.done >= self.steps {
            if self.right < self.questions {
                "!"
            } else {
                "✓"
            }
        } else if self.done > 0 {
            "◐"
        } else {
            "·"
        }
    }
}

/// The lessons, and any problems of the lesson files (said on the home screen's status line).
pub struct Course {
    pub lessons: Vec<Lesson>,
    pub problems: Vec<String>,
}

impl Course {
    /// The built-in lessons, then those of `extra` (which add to or override them).
    pub fn load(extra: Option<&Path>) -> Course {
        let cat = load::catalog(extra);
        Course {
            lessons: cat.lessons,
            problems: cat.problems.iter().map(ToString::to_string).collect(),
        }
    }

    /// The home screen's lines, marked with `progress`.
    pub fn entries(&self, progress: &Progress) -> Vec<CourseEntry> {
        self.lessons.iter().map(|l| entry(l, progress)).collect()
    }
}

/// A lesson's home line, marked with `progress`.
pub fn entry(l: &Lesson, progress: &Progress) -> CourseEntry {
    let ids: Vec<&str> = l.steps.iter().map(|s| s.id.as_str()).collect();
    let (right, asked) = progress.score(&l.id);
    CourseEntry {
        right: right as u32,
        asked: asked as u32,
        questions: l.steps.iter().map(|s| s.questions.len() as u32).sum(),
        id: l.id.clone(),
        title: l.title.clone(),
        summary: l.summary.clone(),
        done: progress.done(&l.id, &ids) as u32,
        steps: ids.len() as u32,
    }
}
