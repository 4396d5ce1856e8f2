//! `z`: the interface and the lessons in the next language, live. The course is read again in
//! the new language (lesson files choose their translation as they load); what is on screen
//! keeps its place.

use super::App;
use super::course::Course;

impl App {
    pub(super) fn switch_language(&mut self) {
        // `lang::set(current().next())`, kept to this thread inside a test's `lang::scoped`.
        crate::lang::switch();
        self.reload_course();
        self.note = crate::tr!("status.language");
    }

    /// The course again in the current language: the home keeps its selection, an open lesson
    /// its step and answers (a translation never changes a lesson's shape; one that does is
    /// left as it was).
    pub(super) fn reload_course(&mut self) {
        let course = Course::load(self.lessons_dir.as_deref());
        if let Some(l) = self.lesson.as_mut()
            && let Some(new) = course.lessons.iter().find(|n| n.id == l.lesson.id)
        {
            let same = new.steps.len() == l.lesson.steps.len()
                && new
                    .steps
                    .iter()
                    .zip(&l.lesson.steps)
                    .all(|(a, b)| a.id == b.id && a.questions.len() == b.questions.len());
            if same {
                l.lesson = new.clone();
            }
        }
        self.course = course;
        let (selected, scroll) = (self.home.selected, self.home.about_scroll);
        self.home.course = self.course.entries(&self.progress);
        self.home.selected = selected.min(self.home.course.len() + 1);
        self.home.about_scroll = scroll;
    }
}
