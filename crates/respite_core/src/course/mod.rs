//! A course, not a session: treatment programs over days and weeks (`programs/*.ron`), the
//! pain neuroscience lessons read in the place (`lessons/*.ron`), each participant's
//! progress read back from their session folders, and the course report.
//!
//! Progress is never kept apart from the data: every sitting's `session.json` says which
//! course session it was and on which day, and its events say how it ended. A crash loses
//! nothing that a session record would not keep, and a sitting is never renumbered.

pub mod lesson;
pub mod program;
pub mod report;

use crate::research::data::{self, SessionFiles};
use crate::session::PauseReason;
use crate::session::event::SessionEvent;
use program::{Attempt, Outcome};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// A calendar day, counted from 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    /// `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Day> {
        let mut parts = s.trim().splitn(3, '-');
        let y: i32 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
            return None;
        }
        let day = Day(days_from_civil(y, m, d));
        // 2026-02-30 is not a day: it must come back as written.
        (day.civil() == (y, m, d)).then_some(day)
    }

    /// (year, month, day).
    pub fn civil(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// The day `unix_s` seconds after 1970 falls on, `offset_s` east of UTC.
    pub fn from_unix(unix_s: i64, offset_s: i64) -> Day {
        Day((unix_s + offset_s).div_euclid(86_400) as i32)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

// Howard Hinnant's civil-date algorithms (public domain), for the proleptic Gregorian
// calendar.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// What a sitting's `session.json` says of its place in a course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct CourseStamp {
    pub program: String,
    pub title: String,
    pub program_file: String,
    pub program_sha256: String,
    /// The course session (1-based) and how many the course has.
    pub session: usize,
    pub of: usize,
    /// The session's kind, as the program names it.
    pub name: String,
    /// The day it counts for (`YYYY-MM-DD`).
    pub day: String,
    /// This course session's try (2: run again after an interrupted or repeated one).
    pub attempt: usize,
    pub repeat: bool,
    /// Days the plan had a session and none was run, noticed at this sitting.
    pub missed_days: Vec<String>,
    /// Days after its planned day (negative: ahead of the plan).
    pub late_days: i32,
    /// The immersion level it ran at (from the ladder, when it climbs one).
    pub level: String,
    /// The modules in order (`lesson what_pain_is_for`, `breathing 5 min`).
    pub modules: Vec<String>,
}

impl CourseStamp {
    /// The `course` event that opens the sitting's record.
    pub fn event(&self) -> SessionEvent {
        SessionEvent::Course {
            program: self.program.clone(),
            session: self.session,
            of: self.of,
            name: self.name.clone(),
            day: self.day.clone(),
            attempt: self.attempt,
            repeat: self.repeat,
            missed_days: self.missed_days.len(),
            level: self.level.clone(),
        }
    }
}

/// Every sitting of `participant` in `data` that belongs to `program`, in session order,
/// with how each ended. A folder that is no session (nothing written) is skipped; one whose
/// `session.json` cannot be read is an error naming it (progress is never guessed).
pub fn attempts(data: &Path, participant: &str, program: &str) -> Result<Vec<Attempt>, String> {
    let base = data.join(format!("sub-{participant}"));
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let dir = e.path();
        let Some(ses) = dir
            .file_name()
            .and_then(|n| n.to_str()?.strip_prefix("ses-")?.parse::<usize>().ok())
        else {
            continue;
        };
        if data::is_empty_session(&dir) {
            continue;
        }
        let Some(files) = SessionFiles::find(&dir) else {
            continue;
        };
        let side = files.file("session.json");
        let text = std::fs::read_to_string(&side)
            .map_err(|e| format!("{}: cannot read: {e}", side.display()))?;
        let sidecar: data::Sidecar = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a session's sidecar: {e}", side.display()))?;
        let Some(stamp) = sidecar.course.filter(|c| c.program == program) else {
            continue;
        };
        let day = Day::parse(&stamp.day).ok_or_else(|| {
            format!(
                "{}: course day '{}' is not a date YYYY-MM-DD",
                side.display(),
                stamp.day
            )
        })?;
        let events = std::fs::read_to_string(files.file("events.tsv")).unwrap_or_default();
        let events: Vec<SessionEvent> = data::read_events(&events)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.typed().ok())
            .collect();
        let outcome = events
            .iter()
            .rev()
            .find_map(|e| match e {
                SessionEvent::SessionEnd { completed, .. } => Some(if *completed {
                    Outcome::Completed
                } else {
                    Outcome::CutShort
                }),
                _ => None,
            })
            .unwrap_or(Outcome::Interrupted);
        // Cut short counts as done only once the place was reached and every lesson read.
        let reached = events.iter().any(|e| {
            matches!(
                e,
                SessionEvent::Phase {
                    phase: crate::session::event::Phase::Immersion,
                    ..
                }
            )
        });
        let lessons = stamp
            .modules
            .iter()
            .filter(|m| m.starts_with("lesson "))
            .count();
        let read = events
            .iter()
            .filter(|e| matches!(e, SessionEvent::ModuleEnd { kind, .. } if kind == "lesson"))
            .count();
        let counts = match outcome {
            Outcome::Completed => true,
            Outcome::CutShort => reached && read >= lessons,
            Outcome::Interrupted => false,
        };
        let sickness_pause = events.iter().any(|e| {
            matches!(
                e,
                SessionEvent::Pause {
                    by: PauseReason::SicknessCheck,
                    ..
                }
            )
        });
        out.push(Attempt {
            ses,
            k: stamp.session,
            day,
            outcome,
            sickness_pause,
            level: stamp.level,
            counts,
        });
    }
    out.sort_by_key(|a| a.ses);
    Ok(out)
}

#[cfg(test)]
mod tests;
