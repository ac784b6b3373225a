//! Treatment programs (`programs/*.ron`): an ordered course of sessions over days or weeks,
//! each made of modules (a lesson, a breathing practice, time in a place or a walk), how
//! often they come, and the rule for climbing a ladder of immersion levels. Plain data and
//! the arithmetic of a course: which session is due, which days were missed, which level
//! is next.

use super::Day;
use crate::check::Checker;
use crate::error::{SpecErrors, read_spec, ron_error};
use crate::locate::FieldPath;
use crate::research::data::is_label;
use crate::research::protocol::Ratings;
use serde::Deserialize;
use std::path::Path;

/// How often sessions come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Every {
    /// This many sessions a day (VRWalk: two).
    PerDay(u8),
    /// This many sessions a week, spread over it.
    PerWeek(u8),
}

impl Every {
    /// The day (from the course's first) session slot `j` (0-based) is planned for.
    pub fn day_of(self, j: usize) -> i32 {
        match self {
            Every::PerDay(n) => (j / usize::from(n.max(1))) as i32,
            Every::PerWeek(n) => (j * 7 / usize::from(n.max(1))) as i32,
        }
    }

    /// As a person says it.
    pub fn words(self) -> String {
        match self {
            Every::PerDay(1) => "every day".into(),
            Every::PerDay(n) => format!("{n} a day"),
            Every::PerWeek(n) => format!("{n} a week"),
        }
    }
}

/// One part of a session, in the order the session runs them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Module {
    /// A lesson from `lessons/` by name, read on the panel in the place.
    Lesson(String),
    /// The breathing pacer with its guided script (settle, breathe out longer than in, six
    /// breaths a minute, return), then a pain rating of its own when `rate_after`.
    Breathing {
        minutes: f32,
        #[serde(default = "yes")]
        rate_after: bool,
    },
    /// Time in the session's place: a calm scene to rest in, or a walk on a walking scene.
    Place { minutes: f32 },
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

impl Module {
    pub fn code(&self) -> &'static str {
        match self {
            Module::Lesson(_) => "lesson",
            Module::Breathing { .. } => "breathing",
            Module::Place { .. } => "place",
        }
    }

    /// Minutes of scene time it takes (a lesson takes as long as the patient reads).
    pub fn minutes(&self) -> f32 {
        match self {
            Module::Lesson(_) => 0.0,
            Module::Breathing { minutes, .. } | Module::Place { minutes } => *minutes,
        }
    }

    /// `lesson what_pain_is_for`, `breathing 5 min`, `place 10 min`.
    pub fn words(&self) -> String {
        match self {
            Module::Lesson(l) => format!("lesson {l}"),
            m => format!("{} {} min", m.code(), m.minutes()),
        }
    }
}

/// A kind of session in the course (`repeat` of them in a row).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "Session")]
pub struct SessionSpec {
    /// A short label (letters, digits, _): what the console and the report call it.
    pub name: String,
    pub scene: String,
    /// An immersion level's name [default: the levels file's default]; not with `climbs`.
    #[serde(default)]
    pub immersion: Option<String>,
    /// The level comes from the program's ladder, climbed by its rule.
    #[serde(default)]
    pub climbs: bool,
    pub modules: Vec<Module>,
    pub ratings: Ratings,
    /// A sickness check (FMS) every this many minutes in the place [default: none].
    #[serde(default)]
    pub fms_every_min: Option<f32>,
    /// How many sessions of this kind follow one another [default: 1].
    #[serde(default = "one")]
    pub repeat: u32,
}

impl SessionSpec {
    /// Minutes of scene time its timed modules take.
    pub fn timed_minutes(&self) -> f32 {
        self.modules.iter().map(Module::minutes).sum()
    }
}

/// Immersion levels climbed one step after `after` sessions in a row completed without a
/// sickness pause; a session cut short or paused for sickness starts the count again.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    pub levels: Vec<String>,
    pub after: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// The program's ID: letters and digits; its data folder's name and BIDS task.
    pub program: String,
    pub title: String,
    pub every: Every,
    #[serde(default)]
    pub ladder: Option<Ladder>,
    pub sessions: Vec<SessionSpec>,
}

/// The most sessions a course may have (RelieVRx: 56).
pub const MAX_SESSIONS: usize = 200;
/// The most modules a session may have.
pub const MAX_MODULES: usize = 8;

/// Names a program may refer to.
pub struct Known<'a> {
    pub scenes: &'a [String],
    /// The scenes that walk (a lesson is read seated, never while walking).
    pub walks: &'a [String],
    pub levels: &'a [String],
    pub lessons: &'a [String],
}

impl Program {
    pub fn parse(file: &Path, src: &str, known: &Known) -> Result<Program, SpecErrors> {
        let p: Program = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(src)
            .map_err(|e| ron_error(file, &e))?;
        p.validate(file, src, known)?;
        Ok(p)
    }

    pub fn load(file: &Path, known: &Known) -> Result<Program, SpecErrors> {
        Program::parse(file, &read_spec(file)?, known)
    }

    fn validate(&self, file: &Path, src: &str, known: &Known) -> Result<(), SpecErrors> {
        let mut c = Checker::new(file, src);
        let level = |c: &mut Checker, at: &FieldPath, l: &str| {
            if !known.levels.iter().any(|k| k == l) {
                c.fail(
                    at,
                    format!(
                        "'{l}' is not an immersion level; one of {}",
                        known.levels.join(", ")
                    ),
                );
            }
        };
        let root = FieldPath::default();
        if !is_label(&self.program) {
            c.fail_plain(
                &root.field("program"),
                format!(
                    "program '{}' must be 1 to 32 letters and digits",
                    self.program
                ),
            );
        }
        let n = self.title.chars().count();
        if self.title.trim().is_empty() || n > 80 {
            c.fail(
                &root.field("title"),
                format!("needs 1 to 80 characters, found {n}"),
            );
        }
        match self.every {
            Every::PerDay(n) if !(1..=4).contains(&n) => c.fail(
                &root.field("every").index(0),
                format!("1 to 4 sessions a day, found {n}"),
            ),
            Every::PerWeek(n) if !(1..=7).contains(&n) => c.fail(
                &root.field("every").index(0),
                format!("1 to 7 sessions a week, found {n}"),
            ),
            _ => {}
        }
        if let Some(ladder) = &self.ladder {
            let at = root.field("ladder");
            c.count(&at.field("levels"), ladder.levels.len(), 1..=6, "levels");
            for (i, l) in ladder.levels.iter().enumerate() {
                level(&mut c, &at.field("levels").index(i), l);
            }
            if !(1..=10).contains(&ladder.after) {
                c.fail(
                    &at.field("after"),
                    format!("1 to 10 sessions before a step, found {}", ladder.after),
                );
            }
        }
        c.count(
            &root.field("sessions"),
            self.sessions.len(),
            1..=MAX_SESSIONS,
            "kinds of session",
        );
        let total: u64 = self.sessions.iter().map(|s| u64::from(s.repeat)).sum();
        if total > MAX_SESSIONS as u64 {
            c.fail(
                &root.field("sessions"),
                format!("adds up to {total} sessions; a course has at most {MAX_SESSIONS}"),
            );
        }
        for (i, s) in self.sessions.iter().enumerate() {
            let at = root.field("sessions").index(i);
            if !crate::research::data::is_label_like(&s.name) {
                c.fail(
                    &at.field("name"),
                    format!("'{}' must be letters, digits and _", s.name),
                );
            }
            if !known.scenes.contains(&s.scene) {
                c.fail(
                    &at.field("scene"),
                    format!("'{}' is not a scene in scenes/", s.scene),
                );
            }
            if let Some(l) = &s.immersion {
                level(&mut c, &at.field("immersion"), l);
            }
            if s.climbs && (self.ladder.is_none() || s.immersion.is_some()) {
                c.fail(
                    &at.field("climbs"),
                    "climbs the program's ladder: the program needs a `ladder` and the \
                     session no `immersion` of its own"
                        .into(),
                );
            }
            if !(1..=100).contains(&s.repeat) {
                c.fail(
                    &at.field("repeat"),
                    format!("1 to 100 sessions in a row, found {}", s.repeat),
                );
            }
            c.count(
                &at.field("modules"),
                s.modules.len(),
                1..=MAX_MODULES,
                "modules",
            );
            for (j, m) in s.modules.iter().enumerate() {
                let mat = at.field("modules").index(j);
                match m {
                    Module::Lesson(name) if !known.lessons.contains(name) => {
                        c.fail(&mat, format!("'{name}' is not a lesson in lessons/"));
                    }
                    Module::Lesson(_) if known.walks.contains(&s.scene) => c.fail(
                        &mat,
                        format!(
                            "'{}' walks: a lesson is read seated, so give it a session in a \
                             place that stays still",
                            s.scene
                        ),
                    ),
                    // Long enough for the guided script's four steps to be read.
                    Module::Breathing { minutes, .. } => {
                        c.range(&mat.field("minutes"), *minutes, 1.5..=30.0, " min");
                    }
                    Module::Place { minutes } => {
                        c.range(&mat.field("minutes"), *minutes, 0.5..=120.0, " min");
                    }
                    _ => {}
                }
            }
            let timed = s.timed_minutes();
            if timed.is_finite() && timed < 0.5 {
                c.fail(
                    &at.field("modules"),
                    "needs half a minute or more of Breathing or Place: a lesson is read \
                     in the place"
                        .into(),
                );
            }
            let every = s.ratings.every_min;
            if every != 0.0 {
                c.range(
                    &at.field("ratings").field("every_min"),
                    every,
                    crate::session::EVERY_MIN,
                    " min (0 for none)",
                );
            }
            if let Some(f) = s.fms_every_min {
                c.range(
                    &at.field("fms_every_min"),
                    f,
                    crate::session::EVERY_MIN,
                    " min",
                );
            }
        }
        c.finish()
    }

    /// The course in order: session `k` (1-based) is `course()[k - 1]`.
    pub fn course(&self) -> Vec<&SessionSpec> {
        self.sessions
            .iter()
            .flat_map(|s| std::iter::repeat_n(s, s.repeat as usize))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.course().len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The day (from the first session's) course session `k` (1-based) is planned for.
    pub fn planned_day(&self, k: usize) -> i32 {
        self.every.day_of(k.saturating_sub(1))
    }

    /// Sessions planned on or before day `d` of the course.
    pub fn planned_by(&self, d: i32) -> usize {
        (1..=self.len())
            .take_while(|&k| self.planned_day(k) <= d)
            .count()
    }
}

/// How one attempt at a course session ended, as its record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Ran to its end.
    Completed,
    /// Ended early (the emergency stop, the end button, the time limit).
    CutShort,
    /// No end on record: the program stopped in the middle.
    Interrupted,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::CutShort => "cut_short",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// One sitting on record: which course session it was, on which day, how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The BIDS session number (`ses-3`): every sitting has its own, never renumbered.
    pub ses: usize,
    /// The course session it was (1-based).
    pub k: usize,
    pub day: Day,
    pub outcome: Outcome,
    /// A sickness answer paused it.
    pub sickness_pause: bool,
    /// The immersion level it ran at.
    pub level: String,
    /// It counts as the course session done: run to its end, or cut short after the place
    /// was reached and every lesson of it read. A sitting stopped before that is tried again.
    pub counts: bool,
}

/// What the next run is.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    /// The course session (1-based) and how many there are.
    pub k: usize,
    pub of: usize,
    /// This course session's attempt number (2 when it is tried again).
    pub attempt: usize,
    /// `Some(ses)`: continue that interrupted sitting of today in its own folder.
    pub resume: Option<usize>,
    /// The sitting repeats a session already done, because the therapist asked.
    pub repeat: bool,
    /// Planned days with no session that came to light since the last sitting.
    pub missed: Vec<Day>,
    /// The immersion level from the ladder, when the session climbs it.
    pub ladder_level: Option<String>,
    /// Days after its planned day (0 on time; negative ahead of plan).
    pub late_days: i32,
    /// The course's first day (today, for the first session).
    pub start: Day,
}

/// Whether the sitting counts toward the course.
fn attended(a: &Attempt) -> bool {
    a.counts
}

/// Planned days with no sitting at all while the course was behind its plan at the day's
/// end (sessions that count), from the first day up to (not including) `until`.
pub fn missed_days(program: &Program, attempts: &[Attempt], until: Day) -> Vec<Day> {
    let Some(start) = attempts.iter().map(|a| a.day).min() else {
        return Vec::new();
    };
    let planned: std::collections::BTreeSet<i32> = (1..=program.len())
        .map(|k| program.planned_day(k))
        .collect();
    let mut out = Vec::new();
    for d in start.0..until.0 {
        let rel = d - start.0;
        if !planned.contains(&rel) || attempts.iter().any(|a| a.day.0 == d) {
            continue;
        }
        let done: std::collections::BTreeSet<usize> = attempts
            .iter()
            .filter(|a| a.day.0 <= d && attended(a))
            .map(|a| a.k)
            .collect();
        if done.len() < program.planned_by(rel).min(program.len()) {
            out.push(Day(d));
        }
    }
    out
}

/// The ladder's step after these sittings (in the order they happened): one up after
/// `after` clean sessions in a row, one down after a sickness pause (the level that made the
/// patient unwell is not asked of them again straight away).
pub fn ladder_step(program: &Program, attempts: &[Attempt]) -> usize {
    let Some(ladder) = &program.ladder else {
        return 0;
    };
    let course = program.course();
    let (mut step, mut streak) = (0usize, 0u32);
    for a in attempts {
        if !course.get(a.k.wrapping_sub(1)).is_some_and(|s| s.climbs) {
            continue;
        }
        if a.sickness_pause {
            step = step.saturating_sub(1);
            streak = 0;
        } else if a.outcome == Outcome::Completed {
            streak += 1;
            if streak >= ladder.after {
                step = (step + 1).min(ladder.levels.len().saturating_sub(1));
                streak = 0;
            }
        } else {
            streak = 0;
        }
    }
    step
}

/// The session due today: the next course session after the last one run to an end; the
/// interrupted sitting of today continued; or, with `repeat`, the last one again.
pub fn due(
    program: &Program,
    attempts: &[Attempt],
    today: Day,
    repeat: bool,
) -> Result<Due, String> {
    let mut attempts = attempts.to_vec();
    attempts.sort_by_key(|a| a.ses);
    let n = program.len();
    if let Some(bad) = attempts.iter().find(|a| a.k == 0 || a.k > n) {
        return Err(format!(
            "ses-{} says it was course session {}, but the course has {n}: is it another \
             program's folder?",
            bad.ses, bad.k
        ));
    }
    if let Some(future) = attempts.iter().find(|a| a.day > today) {
        return Err(format!(
            "ses-{} is on record for {} — after {today}; check the date (--date)",
            future.ses, future.day
        ));
    }
    let last = attempts.last();
    let resume = match last {
        Some(a) if a.outcome == Outcome::Interrupted && a.day == today && !repeat => Some(a),
        _ => None,
    };
    let k = if let Some(a) = resume {
        a.k
    } else if repeat {
        attempts
            .iter()
            .rev()
            .find(|a| attended(a))
            .map(|a| a.k)
            .ok_or("--repeat: no session of the course has been run to an end yet")?
    } else {
        attempts
            .iter()
            .filter(|a| attended(a))
            .map(|a| a.k)
            .max()
            .unwrap_or(0)
            + 1
    };
    if k > n {
        return Err(format!(
            "the course '{}' is finished: all {n} sessions are on record (--repeat runs \
             the last again)",
            program.program
        ));
    }
    let start = attempts.first().map_or(today, |a| a.day);
    let since = last.map_or(start, |a| Day(a.day.0 + 1));
    let missed = missed_days(program, &attempts, today)
        .into_iter()
        .filter(|d| *d >= since)
        .collect();
    let tries = attempts.iter().filter(|a| a.k == k).count();
    let ladder_level = match (resume, program.course()[k - 1].climbs) {
        (Some(a), true) => Some(a.level.clone()),
        (None, true) => program
            .ladder
            .as_ref()
            .map(|l| l.levels[ladder_step(program, &attempts)].clone()),
        (_, false) => None,
    };
    Ok(Due {
        k,
        of: n,
        attempt: if resume.is_some() { tries } else { tries + 1 },
        resume: resume.map(|a| a.ses),
        repeat,
        missed,
        ladder_level,
        late_days: today.0 - start.0 - program.planned_day(k),
        start,
    })
}
