//! `run --program`: the participant's due session of a course, read from their record
//! (never from a separate progress file), and what the App needs to run its modules.

use super::*;
use respite::session::course::CourseRun;
use respite::session::questions::Done;
use respite_core::course::lesson::{self, Lesson};
use respite_core::course::program::{self, Due, Known, Module, Program, SessionSpec};
use respite_core::course::{CourseStamp, Day};
use respite_core::session::event::SessionEvent;

/// A folder beside the scenes folder (`lessons/`, `programs/`).
pub(crate) fn beside(scenes: &Path, name: &str) -> PathBuf {
    scenes
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from(name), |p| p.join(name))
}

/// Every lesson in `lessons/` beside the scenes, each checked.
pub(crate) fn load_lessons(scenes: &Path) -> Result<Vec<(String, Lesson)>, Fail> {
    lesson::load_dir(&beside(scenes, "lessons")).map_err(|e| Fail::input(e.to_string()))
}

/// A program, checked against the scenes, levels and lessons there are.
pub(crate) fn load_program(
    scenes: &Path,
    levels: &Path,
    file: &Path,
) -> Result<(Program, Vec<(String, Lesson)>), Fail> {
    let lessons = load_lessons(scenes)?;
    let (scene_names, level_names) = names(scenes, levels);
    let walks: Vec<String> = open_catalog(scenes)
        .map(|c| {
            c.entries
                .into_iter()
                .filter(|e| e.def.as_ref().is_ok_and(|d| d.walk.is_some()))
                .map(|e| e.name)
                .collect()
        })
        .unwrap_or_default();
    let lesson_names: Vec<String> = lessons.iter().map(|(n, _)| n.clone()).collect();
    let known = Known {
        scenes: &scene_names,
        walks: &walks,
        levels: &level_names,
        lessons: &lesson_names,
    };
    let p = Program::load(file, &known).map_err(|e| Fail::input(e.to_string()))?;
    Ok((p, lessons))
}

/// Today on this machine's calendar (local time), the day a session counts for.
pub(crate) fn today() -> Day {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // SAFETY: localtime_r writes only into the `tm` given, from a valid time_t.
    let offset = unsafe {
        let t: libc::time_t = now as libc::time_t;
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            0
        } else {
            tm.tm_gmtoff as i64
        }
    };
    Day::from_unix(now, offset)
}

/// The course stamp of the participant's last sitting, if it can be read.
fn last_stamp(
    data: &Path,
    participant: &str,
    attempts: &[respite_core::course::program::Attempt],
) -> Option<CourseStamp> {
    let last = attempts.last()?;
    let files = SessionFiles::find(
        &data
            .join(format!("sub-{participant}"))
            .join(format!("ses-{}", last.ses)),
    )?;
    let text = std::fs::read_to_string(files.file("session.json")).ok()?;
    serde_json::from_str::<Sidecar>(&text).ok()?.course
}

/// The session a program run is to be.
pub(crate) struct ProgramRun {
    pub(crate) program: Program,
    pub(crate) spec: SessionSpec,
    pub(crate) due: Due,
    pub(crate) files: SessionFiles,
    pub(crate) stamp: CourseStamp,
    pub(crate) course: CourseRun,
    /// What an interrupted sitting of today already has on record.
    pub(crate) done: Option<Done>,
    pub(crate) line: String,
}

/// Works out the participant's due session of the program in `file`.
pub(crate) fn prepare(
    (scenes, levels): (&Path, &Path),
    file: &Path,
    args: &RunArgs,
) -> Result<ProgramRun, Fail> {
    let (program, lessons) = load_program(scenes, levels, file)?;
    let participant = args.participant.clone().unwrap_or_default();
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| Path::new("data").join(&program.program));
    let day = args.date.unwrap_or_else(today);
    // A typed year in the future would block every later sitting: refused (tomorrow is
    // allowed, for a clinic across a date line from this machine's clock).
    if day.0 > today().0 + 1 {
        return Err(Fail::input(format!(
            "--date {day}: after today ({}); a session counts for the day it is run",
            today()
        )));
    }
    let attempts = respite_core::course::attempts(&data, &participant, &program.program)
        .map_err(Fail::input)?;
    let due = program::due(&program, &attempts, day, args.repeat).map_err(|e| {
        Fail::input(format!(
            "--program {}: sub-{participant}: {e}",
            file.display()
        ))
    })?;
    let spec = program.course()[due.k - 1].clone();
    let ses = due
        .resume
        .unwrap_or_else(|| respite_core::research::data::next_session(&data, &participant));
    let files = SessionFiles::bids(&data, &participant, ses, &program.program);
    let level = due
        .ladder_level
        .clone()
        .or_else(|| spec.immersion.clone())
        .unwrap_or_else(|| {
            ImmersionLevels::load(levels)
                .map(|l| l.default)
                .unwrap_or_default()
        });
    // The last sitting's stamp; when resuming, that sitting is the one continued, and what
    // its first try put on record of the course (its missed days) is kept.
    let last = last_stamp(&data, &participant, &attempts);
    let earlier = due.resume.and(last.clone());
    let missed: Vec<String> = match &earlier {
        Some(e) => e.missed_days.clone(),
        None => due.missed.iter().map(Day::to_string).collect(),
    };
    // Continued, the sitting stays what its first try was (a repeat stays a repeat).
    let (attempt, repeat, level) = match &earlier {
        Some(e) => (e.attempt, e.repeat, e.level.clone()),
        None => (due.attempt, due.repeat, level),
    };
    // The program file changed since the last sitting: said, so a course that means
    // something else now is noticed.
    let sha = file_sha(file);
    let changed = last.filter(|s| s.program_sha256 != sha).map(|s| {
        format!(
            "{} has changed since ses-{} (its SHA-256 differs; that session was '{}'): \
                 session {} is now '{}'",
            file.display(),
            attempts.last().map_or(0, |a| a.ses),
            s.name,
            due.k,
            spec.name
        )
    });
    if let Some(c) = &changed {
        respite::log::say(format!("warning: {c}"));
    }
    let stamp = CourseStamp {
        program: program.program.clone(),
        title: program.title.clone(),
        program_file: file_name(file),
        program_sha256: sha,
        session: due.k,
        of: due.of,
        name: spec.name.clone(),
        day: day.to_string(),
        attempt,
        repeat,
        missed_days: missed.clone(),
        late_days: due.late_days,
        level: level.clone(),
        modules: spec.modules.iter().map(Module::words).collect(),
    };
    let mut start_events = vec![stamp.event()];
    if due.resume.is_none() {
        start_events.extend(
            missed
                .iter()
                .map(|d| SessionEvent::CourseMissed { day: d.clone() }),
        );
    }
    let mut modules = Vec::new();
    for m in &spec.modules {
        let lesson = match m {
            Module::Lesson(name) => Some(
                lessons
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, l)| l.clone())
                    .ok_or_else(|| Fail::input(format!("lesson '{name}' is not in lessons/")))?,
            ),
            _ => None,
        };
        modules.push((m.clone(), lesson));
    }
    let (done, done_modules) = match due.resume {
        Some(_) => {
            let text = std::fs::read_to_string(files.file("events.tsv")).unwrap_or_default();
            let rows = respite_core::research::data::read_events(&text).unwrap_or_default();
            // A lesson read to its end is not read again; timed modules run again with
            // the place.
            let read: Vec<usize> = rows
                .iter()
                .filter_map(|e| match e.typed().ok()? {
                    SessionEvent::ModuleEnd { index, kind, .. } if kind == "lesson" => {
                        index.checked_sub(1)
                    }
                    _ => None,
                })
                .collect();
            (Some(respite::study::done_on_record(&rows)), read)
        }
        None => (None, Vec::new()),
    };
    let missed_words = if missed.is_empty() {
        String::new()
    } else {
        format!(" · missed: {} day(s) ({})", missed.len(), missed.join(", "))
    };
    let next = program
        .course()
        .get(due.k)
        .map_or("the course's last session".to_string(), |s| {
            format!("next: session {} ({})", due.k + 1, s.name)
        });
    let changed_words = if changed.is_some() {
        " · the program file has changed since the last session"
    } else {
        ""
    };
    let line = format!(
        "Program {}: {participant} session {} of {} ({}{}), {day}{}{} · {next}{missed_words}{changed_words}",
        program.program,
        due.k,
        due.of,
        spec.name,
        if attempt > 1 {
            format!(", try {attempt}")
        } else {
            String::new()
        },
        if repeat { ", a repeat" } else { "" },
        if due.resume.is_some() {
            ", resuming"
        } else {
            ""
        },
    );
    Ok(ProgramRun {
        program,
        spec,
        due,
        files,
        stamp,
        course: CourseRun {
            modules,
            done: done_modules,
            start_events,
        },
        done,
        line,
    })
}
