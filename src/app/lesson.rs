//! The lesson player: narration left, the lesson's own traffic right, updating live while a
//! step's actions run. The `Player` of `crate::lesson::run` lives in a task this screen owns;
//! dropping the screen closes its channel and the task finishes the player in the background.

use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::msg::{LessonUpdate, Msg};
use super::traffic::Traffic;
use crate::lesson::answer::{judge, right_answer};
use crate::lesson::model::{Lesson, Question};
use crate::lesson::run::log::Log;
use crate::lesson::run::task::{TaskLive, TaskMode};
use crate::lesson::run::{Player, StepReport};

/// What the screen asks of its player task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// Run step `i`.
    Run(usize),
    /// Give up the task waiting now: its solution plays.
    GiveUp,
}

/// How often the log is read for new events while a step runs.
const FORWARD: Duration = Duration::from_millis(50);

/// A learner's answer to one question, judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub text: String,
    pub correct: bool,
}

pub struct LessonScreen {
    pub lesson: Lesson,
    /// The lesson's place in the course, 1-based, as the home screen numbers it.
    pub number: usize,
    /// The step shown (0-based).
    pub step: usize,
    /// The course's last lesson: its end points at the interview recap.
    pub last_in_course: bool,
    /// Each step's report, once run.
    pub reports: Vec<Option<StepReport>>,
    /// Each step's answers, per question.
    pub answers: Vec<Vec<Option<Given>>>,
    /// The step whose actions are running.
    pub running: Option<usize>,
    /// Why the player stopped, shown in place of results.
    pub failed: Option<String>,
    pub server: Option<SocketAddr>,
    /// Narration lines scrolled by the learner; `None` follows the step (its top before it
    /// runs, its results after).
    pub scroll: Option<u16>,
    /// The offset last drawn, so scrolling starts from what is on screen.
    pub(super) shown: Cell<u16>,
    /// The step whose table of measures the learner hid (`T`).
    pub table_hidden: Option<usize>,
    generation: u64,
    /// Steps to run (and tasks given up), to the player task; `None` when no runtime is at hand.
    pub(super) cmd: Option<UnboundedSender<Cmd>>,
    /// The task waiting for the learner, as the player last said.
    pub task_live: Option<TaskLive>,
    /// Hints asked for with the key before their time, for the task waiting now.
    pub hints_asked: usize,
    /// The live traffic of the lesson's server.
    pub traffic: Traffic,
    /// Each replayed capture in a session of its own: its clock and connection numbers.
    pub captures: Vec<(Arc<str>, Traffic)>,
    /// Which traffic the panes show: 0 the live one, `i` the capture `captures[i - 1]`.
    pub view: usize,
    /// The learner picked the view while this step ran: new traffic does not take it away.
    pub(super) view_chosen: bool,
}

impl LessonScreen {
    /// The screen on its first step, nothing run yet; `start` gives it a player.
    pub fn new(lesson: Lesson, number: usize, generation: u64) -> LessonScreen {
        let n = lesson.steps.len();
        LessonScreen {
            reports: vec![None; n],
            answers: lesson
                .steps
                .iter()
                .map(|s| vec![None; s.questions.len()])
                .collect(),
            lesson,
            number,
            step: 0,
            last_in_course: false,
            running: None,
            failed: None,
            server: None,
            scroll: None,
            shown: Cell::new(0),
            table_hidden: None,
            generation,
            cmd: None,
            task_live: None,
            hints_asked: 0,
            traffic: Traffic::default(),
            captures: Vec::new(),
            view: 0,
            view_chosen: false,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts the lesson's server and player on `rt`; what it does arrives as `Msg::Lesson`.
    pub fn start(&mut self, rt: &Handle, tx: UnboundedSender<Msg>) {
        let (cmd_tx, mut cmd_rx) = unbounded_channel::<Cmd>();
        self.cmd = Some(cmd_tx);
        let lesson = self.lesson.clone();
        let generation = self.generation;
        rt.spawn(async move {
            let send = |update| {
                let _ = tx.send(Msg::Lesson { generation, update });
            };
            let mut player = match Player::start(lesson).await {
                Ok(p) => p,
                Err(e) => return send(LessonUpdate::Failed(e)),
            };
            send(LessonUpdate::Started {
                addr: player.addr(),
                live: super::traffic::LiveClock {
                    clock: player.clock(),
                    control: player.control(),
                    configured: Player::configured_keepalive(),
                },
            });
            // A learner at the keyboard does the tasks; `S` gives up and plays the solution.
            player.set_task_mode(TaskMode::Wait);
            let tasks = player.tasks();
            let mut task_sent = None;
            let log = player.log();
            let mut forwarded = 0;
            let mut tick = tokio::time::interval(FORWARD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            // The server lives on between steps (timeouts, pushes, a visitor's curl): its
            // events are forwarded whether a step runs or not.
            loop {
                let index = tokio::select! {
                    c = cmd_rx.recv() => match c {
                        Some(Cmd::Run(i)) => i,
                        Some(Cmd::GiveUp) => continue,
                        None => break,
                    },
                    _ = tick.tick() => {
                        forward(&log, &mut forwarded, &send);
                        continue;
                    }
                };
                let mut closed = false;
                let report = {
                    let run = player.run_step(index);
                    tokio::pin!(run);
                    loop {
                        tokio::select! {
                            r = &mut run => break r,
                            c = cmd_rx.recv(), if !closed => match c {
                                Some(Cmd::GiveUp) => tasks.give_up(),
                                // One step at a time: the screen asks for none while one runs.
                                Some(Cmd::Run(_)) => {}
                                // The screen is gone: end the task, then the loop below ends.
                                None => {
                                    closed = true;
                                    tasks.give_up();
                                }
                            },
                            _ = tick.tick() => {
                                forward(&log, &mut forwarded, &send);
                                let live = tasks.live();
                                if live != task_sent {
                                    task_sent.clone_from(&live);
                                    send(LessonUpdate::Task(live));
                                }
                            }
                        }
                    }
                };
                forward(&log, &mut forwarded, &send);
                task_sent = None;
                send(LessonUpdate::Task(None));
                send(match report {
                    Some(r) => LessonUpdate::Step {
                        index,
                        report: Box::new(r),
                    },
                    None => {
                        LessonUpdate::Failed(crate::tr!("lesson_screen.no_step", n = index + 1))
                    }
                });
            }
            // The screen is gone: close the clients and the server.
            let _ = player.finish().await;
        });
    }

    /// The step shown, with its report and questions: what Enter does next.
    pub fn advance(&mut self) -> Result<(), String> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.running.is_some() {
            return Err(crate::tr!("lesson_screen.still_running"));
        }
        if self.reports.get(self.step).is_some_and(Option::is_some) {
            if self.step + 1 < self.lesson.steps.len() {
                self.step += 1;
                self.scroll = None;
            }
            return Ok(());
        }
        // Steps build on each other: an earlier one not run yet runs first.
        let first = self
            .reports
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.step);
        let Some(cmd) = &self.cmd else {
            return Err(crate::tr!("lesson_screen.no_runtime"));
        };
        if cmd.send(Cmd::Run(first)).is_err() {
            return Err(crate::tr!("lesson_screen.player_stopped"));
        }
        self.step = first;
        self.running = Some(first);
        self.view_chosen = false;
        self.scroll = None;
        Ok(())
    }

    pub fn back(&mut self) {
        if self.step > 0 {
            self.step -= 1;
            self.scroll = None;
        }
    }

    pub fn scroll_by(&mut self, delta: i32) {
        let now = i32::from(self.scroll.unwrap_or(self.shown.get()));
        self.scroll = Some((now + delta).clamp(0, i32::from(u16::MAX)) as u16);
    }

    /// A report from the player task.
    pub fn on_update(&mut self, update: LessonUpdate) {
        match update {
            LessonUpdate::Started { addr, live } => {
                self.server = Some(addr);
                self.traffic.live = Some(live);
            }
            LessonUpdate::Events(events) => self.on_events(events),
            LessonUpdate::Step { index, report } => {
                self.traffic.label_rows(&report.events);
                if let Some(r) = self.reports.get_mut(index) {
                    *r = Some(*report);
                }
                self.running = None;
                if index == self.step {
                    self.scroll = None;
                }
            }
            LessonUpdate::Task(live) => {
                let other = |a: &TaskLive, b: &TaskLive| (a.step, a.task) != (b.step, b.task);
                if match (&self.task_live, &live) {
                    (Some(a), Some(b)) => other(a, b),
                    _ => true,
                } {
                    self.hints_asked = 0;
                }
                self.task_live = live;
            }
            LessonUpdate::Failed(e) => {
                self.running = None;
                self.failed = Some(e);
            }
        }
    }

    /// The current step's first question not answered yet, once the step has run.
    pub fn open_question(&self) -> Option<(usize, &Question)> {
        self.reports.get(self.step)?.as_ref()?;
        let step = self.lesson.steps.get(self.step)?;
        let answers = self.answers.get(self.step)?;
        step.questions
            .iter()
            .enumerate()
            .find(|(i, _)| answers.get(*i).is_some_and(Option::is_none))
    }

    /// Answers the open question with `given` (a choice's number, or typed text); the question's
    /// number and the judged answer, for saving.
    pub fn answer(&mut self, given: &str) -> Result<(usize, Given), String> {
        let Some((q, question)) = self.open_question() else {
            return Err(crate::tr!("lesson_screen.no_question"));
        };
        let events = self.reports[self.step]
            .as_ref()
            .map_or(&[][..], |r| &r.events[..]);
        let Some(right) = right_answer(question, events) else {
            return Err(crate::tr!("lesson_screen.no_answer_in_traffic"));
        };
        let given = given.trim().to_string();
        let correct = judge(question, &given, &right)?;
        let g = Given {
            text: given,
            correct,
        };
        self.answers[self.step][q] = Some(g.clone());
        Ok((q, g))
    }
}

/// Sends the log's entries not sent yet, as one batch.
fn forward(log: &Arc<Mutex<Log>>, sent: &mut usize, send: &impl Fn(LessonUpdate)) {
    let events: Vec<_> = {
        let l = log.lock().unwrap_or_else(PoisonError::into_inner);
        let new = l.entries.get(*sent..).unwrap_or_default();
        *sent += new.len();
        new.iter()
            .map(|e| (e.source.clone(), e.ev.clone()))
            .collect()
    };
    if !events.is_empty() {
        send(LessonUpdate::Events(events));
    }
}
