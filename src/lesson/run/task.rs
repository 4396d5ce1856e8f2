//! A step's tasks: waiting until the wire shows what the learner was asked to do (from any
//! client: the workbench, curl, a browser), or playing the task's solution in their place.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::expect::matches;
use super::{ActionReport, Player};
use crate::lesson::model::Task;

/// After a solution's actions, how long its events may take to show.
const SOLUTION_SETTLE: Duration = Duration::from_secs(5);

/// Whether tasks wait for the learner or play their solutions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskMode {
    /// `check --run`, `learn --auto`: the solution plays at once.
    Solve,
    /// A learner at the keyboard: wait for the wire (until they give up, or the timeout).
    Wait,
}

/// Who did the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskBy {
    /// The learner's own traffic matched.
    Learner,
    /// The solution played: under `--auto` or `check --run`.
    Solution,
    /// The learner gave up: the solution played.
    GaveUp,
    /// Nothing matched in time: the solution played.
    TimedOut,
}

#[derive(Clone, Debug)]
pub struct TaskReport {
    pub by: TaskBy,
    /// Events of the task's window that matched, and how many it asked for.
    pub matched: u32,
    pub count: u32,
    /// The solution's actions, when it played.
    pub actions: Vec<ActionReport>,
    pub secs: f64,
}

impl TaskReport {
    pub fn ok(&self) -> bool {
        self.matched >= self.count && self.actions.iter().all(|a| a.outcome.is_ok())
    }
}

/// The task waiting now, as views show it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskLive {
    pub step: usize,
    pub task: usize,
    pub matched: u32,
    pub count: u32,
    pub started: Instant,
    /// The solution is playing.
    pub solving: bool,
}

/// Shared between the player and the views: the live status, and the learner giving up.
#[derive(Default)]
pub struct TaskControl {
    live: Mutex<Option<TaskLive>>,
    /// A step's actions, reported once they are done and before its tasks begin: the plain
    /// transcript says what was done before it asks the learner to do more.
    acted: Mutex<Option<(usize, Vec<ActionReport>)>>,
    give_up: AtomicBool,
    wake: Notify,
}

impl TaskControl {
    pub fn live(&self) -> Option<TaskLive> {
        self.live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, f: impl FnOnce(&mut Option<TaskLive>)) {
        f(&mut self.live.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Step `step`'s actions, once they ran (only for a step with tasks).
    pub fn acted(&self, step: usize) -> Option<Vec<ActionReport>> {
        let acted = self.acted.lock().unwrap_or_else(PoisonError::into_inner);
        acted
            .as_ref()
            .filter(|(s, _)| *s == step)
            .map(|(_, a)| a.clone())
    }

    pub(super) fn set_acted(&self, step: usize, actions: Vec<ActionReport>) {
        *self.acted.lock().unwrap_or_else(PoisonError::into_inner) = Some((step, actions));
    }

    /// The learner gives up on the task waiting now: its solution plays.
    pub fn give_up(&self) {
        self.give_up.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }
}

impl Player {
    pub fn set_task_mode(&mut self, mode: TaskMode) {
        self.task_mode = mode;
    }

    /// The live status of tasks, and the way to give up on one.
    pub fn tasks(&self) -> Arc<TaskControl> {
        self.tasks.clone()
    }

    /// Task `n` of step `step`: waits for the learner, or plays the solution, then counts
    /// the events since the task began that match.
    pub(super) async fn run_task(&mut self, step: usize, n: usize, task: &Task) -> TaskReport {
        let began = Instant::now();
        let from = self.ctx.lock().entries.len();
        // The learner's traffic is nobody's label: the last action's must not stick to it.
        self.ctx.lock().begin(self.ctx.clock.now(), None);
        self.tasks.give_up.store(false, Ordering::SeqCst);
        self.tasks.set(|l| {
            *l = Some(TaskLive {
                step,
                task: n,
                matched: 0,
                count: task.target(),
                started: began,
                solving: false,
            })
        });
        let by = match self.task_mode {
            TaskMode::Solve => TaskBy::Solution,
            TaskMode::Wait => self.wait_for(task, from, began).await,
        };
        let mut actions = Vec::new();
        if by != TaskBy::Learner {
            self.tasks.set(|l| {
                if let Some(l) = l {
                    l.solving = true;
                }
            });
            for a in &task.solution {
                actions.push(self.act(a).await);
            }
            let until = Instant::now() + SOLUTION_SETTLE;
            while self.matched(task, from) < task.target() && Instant::now() < until {
                let notified = self.ctx.notify.notified();
                let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
            }
        }
        let matched = self.matched(task, from);
        self.tasks.set(|l| {
            if let Some(l) = l {
                l.matched = matched;
            }
        });
        TaskReport {
            by,
            matched,
            count: task.target(),
            actions,
            secs: began.elapsed().as_secs_f64(),
        }
    }

    /// Progress towards [`Task::target`]: matching events, or connections carrying `count`.
    fn matched(&self, task: &Task, from: usize) -> u32 {
        let log = self.ctx.lock();
        let hits = log
            .entries
            .get(from..)
            .unwrap_or_default()
            .iter()
            .filter(|e| !e.replayed && matches(e, &task.until));
        let n = match task.connections {
            None => hits.count(),
            Some(_) => {
                let mut per_conn = std::collections::HashMap::new();
                for e in hits {
                    *per_conn.entry(e.ev.conn).or_insert(0u32) += 1;
                }
                per_conn.values().filter(|&&n| n >= task.count).count()
            }
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    async fn wait_for(&mut self, task: &Task, from: usize, began: Instant) -> TaskBy {
        loop {
            let notified = self.ctx.notify.notified();
            let woken = self.tasks.wake.notified();
            let matched = self.matched(task, from);
            self.tasks.set(|l| {
                if let Some(l) = l {
                    l.matched = matched;
                }
            });
            if matched >= task.target() {
                return TaskBy::Learner;
            }
            if self.tasks.give_up.swap(false, Ordering::SeqCst) {
                return TaskBy::GaveUp;
            }
            let Some(left) = task.timeout.checked_sub(began.elapsed()) else {
                return TaskBy::TimedOut;
            };
            tokio::select! {
                _ = notified => {}
                _ = woken => {}
                _ = tokio::time::sleep(left.min(Duration::from_millis(250))) => {}
            }
        }
    }
}
