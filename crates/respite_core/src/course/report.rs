//! The course report: per participant, the sittings done against the plan (adherence, on
//! time, missed days), minutes in the place, pain before and after each session and its
//! trend across the course, sickness pauses, and the lessons with their check answers. It
//! writes `course.tsv` (one row per sitting), `course.md`, and for each participant a
//! one-page summary (`sub-<id>_course.svg` and `.png`) a therapist can hand to the patient.

use super::lesson::Lesson;
use super::program::{self, Attempt, Program};
use super::{CourseStamp, Day};
use crate::research::data::{self, SessionFiles};
use crate::research::read;
use crate::session::event::SessionEvent;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A lesson's check as answered in a sitting.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckAnswer {
    pub lesson: String,
    pub answer: Option<u8>,
    pub correct: Option<bool>,
}

/// One sitting, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Sitting {
    pub attempt: Attempt,
    pub stamp: CourseStamp,
    pub pre: Option<f64>,
    pub post: Option<f64>,
    pub place_min: Option<f64>,
    pub checks: Vec<CheckAnswer>,
}

/// One participant's course.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub participant: String,
    pub sittings: Vec<Sitting>,
    /// Planned days with no sitting, up to the last sitting's day.
    pub missed: Vec<Day>,
    /// Distinct course sessions run to an end, and planned by the last sitting's day.
    pub done: usize,
    pub planned: usize,
    pub of: usize,
    /// Sessions run to an end on or before their planned day.
    pub on_time: usize,
    pub minutes: f64,
    pub sickness_pauses: usize,
    /// Pain before and after each session against its course number: (k, NRS).
    pub pre: Vec<(f64, f64)>,
    pub post: Vec<(f64, f64)>,
}

/// Least-squares slope of y on x, points a session; `None` with fewer than two x values.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

impl Progress {
    /// Done as a share of planned, 0–1 (1 when nothing was planned yet).
    pub fn adherence(&self) -> f64 {
        if self.planned == 0 {
            1.0
        } else {
            (self.done as f64 / self.planned as f64).min(1.0)
        }
    }

    /// The mean fall in pain from before to after a session, over sessions with both.
    pub fn mean_relief(&self) -> Option<f64> {
        let d: Vec<f64> = self
            .sittings
            .iter()
            .filter_map(|s| Some(s.pre? - s.post?))
            .collect();
        crate::research::stats::mean(&d)
    }
}

/// Reads one participant's sittings of `program` in `data`.
pub fn progress(data_dir: &Path, participant: &str, program: &Program) -> Result<Progress, String> {
    let attempts = super::attempts(data_dir, participant, &program.program)?;
    let mut sittings = Vec::new();
    for a in &attempts {
        let dir = data_dir
            .join(format!("sub-{participant}"))
            .join(format!("ses-{}", a.ses));
        let files =
            SessionFiles::find(&dir).ok_or_else(|| format!("{}: no session", dir.display()))?;
        let text = std::fs::read_to_string(files.file("session.json")).unwrap_or_default();
        let side: data::Sidecar = serde_json::from_str(&text).unwrap_or_default();
        let result = read::read_session(&dir).ok();
        let events = std::fs::read_to_string(files.file("events.tsv")).unwrap_or_default();
        let checks = data::read_events(&events)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| match e.typed().ok()? {
                SessionEvent::LessonCheck {
                    lesson,
                    answer,
                    correct,
                    ..
                } => Some(CheckAnswer {
                    lesson,
                    answer,
                    correct,
                }),
                _ => None,
            })
            .collect();
        sittings.push(Sitting {
            attempt: a.clone(),
            stamp: side.course.unwrap_or_default(),
            pre: result.as_ref().and_then(|r| r.baseline),
            post: result.as_ref().and_then(|r| r.post),
            place_min: result.as_ref().and_then(|r| r.place_min),
            checks,
        });
    }
    let last = attempts.iter().map(|a| a.day).max();
    let start = attempts.iter().map(|a| a.day).min();
    let missed = last.map_or_else(Vec::new, |l| {
        program::missed_days(program, &attempts, Day(l.0 + 1))
    });
    let mut done: Vec<usize> = attempts.iter().filter(|a| a.counts).map(|a| a.k).collect();
    done.sort_unstable();
    done.dedup();
    let planned = match (start, last) {
        (Some(s), Some(l)) => program.planned_by(l.0 - s.0),
        _ => 0,
    };
    let on_time = sittings
        .iter()
        .filter(|s| s.attempt.counts && s.stamp.late_days <= 0)
        .map(|s| s.attempt.k)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    // Pain per course session: its last sitting with an answer.
    let per_k = |f: fn(&Sitting) -> Option<f64>| {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for s in &sittings {
            if let Some(v) = f(s) {
                let k = s.attempt.k as f64;
                out.retain(|p| p.0 != k);
                out.push((k, v));
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    };
    Ok(Progress {
        participant: participant.to_string(),
        pre: per_k(|s| s.pre),
        post: per_k(|s| s.post),
        minutes: sittings.iter().filter_map(|s| s.place_min).sum(),
        sickness_pauses: attempts.iter().filter(|a| a.sickness_pause).count(),
        missed,
        done: done.len(),
        planned,
        of: program.len(),
        on_time,
        sittings,
    })
}

/// The participants in `data` (the `sub-*` folders), sorted.
pub fn participants(data_dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(data_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_prefix("sub-")
                .map(str::to_string)
        })
        .collect();
    out.sort();
    out
}

/// The program a data folder's sittings belong to: the course stamp of the first
/// `session.json` that has one (its program's ID and file name).
pub fn program_of(data_dir: &Path) -> Option<CourseStamp> {
    for p in participants(data_dir) {
        let base = data_dir.join(format!("sub-{p}"));
        for e in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let Some(files) = SessionFiles::find(&e.path()) else {
                continue;
            };
            let side = files.file("session.json");
            let Ok(text) = std::fs::read_to_string(side) else {
                continue;
            };
            if let Ok(s) = serde_json::from_str::<data::Sidecar>(&text)
                && let Some(c) = s.course
            {
                return Some(c);
            }
        }
    }
    None
}

fn nrs(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.0}"))
}

/// The course's rows: one a sitting, every participant.
pub fn course_tsv(all: &[Progress]) -> String {
    let mut out = String::from(
        "participant\tses\tcourse_session\tof\tname\tday\tattempt\trepeat\toutcome\tlate_days\t\
         level\tplace_min\tnrs_pre\tnrs_post\tsickness_pause\tlessons\tchecks_correct\tmissed_days\n",
    );
    for p in all {
        for s in &p.sittings {
            let correct = s.checks.iter().filter(|c| c.correct == Some(true)).count();
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                p.participant,
                s.attempt.ses,
                s.attempt.k,
                p.of,
                data::cell(&s.stamp.name),
                s.attempt.day,
                s.stamp.attempt,
                s.stamp.repeat,
                s.attempt.outcome.code(),
                s.stamp.late_days,
                data::cell(&s.attempt.level),
                s.place_min.map_or("n/a".into(), |m| format!("{m:.1}")),
                nrs(s.pre),
                nrs(s.post),
                s.attempt.sickness_pause,
                s.checks.len(),
                correct,
                if s.stamp.missed_days.is_empty() {
                    "n/a".into()
                } else {
                    s.stamp.missed_days.join(",")
                },
            );
        }
    }
    out
}

fn option_text(lessons: &[(String, Lesson)], c: &CheckAnswer) -> String {
    let lesson = lessons.iter().find(|(n, _)| *n == c.lesson).map(|(_, l)| l);
    match (lesson, c.answer) {
        (Some(l), Some(a)) => l
            .check
            .options
            .get(usize::from(a))
            .cloned()
            .unwrap_or_else(|| format!("option {a}")),
        (None, Some(a)) => format!("option {a}"),
        (_, None) => "skipped".into(),
    }
}

fn lesson_title(lessons: &[(String, Lesson)], name: &str) -> String {
    lessons
        .iter()
        .find(|(n, _)| n == name)
        .map_or_else(|| name.to_string(), |(_, l)| l.title.clone())
}

/// The summary in words, each line. For the patient's page (`for_patient`) it says what was
/// done and leaves out what could shame (missed days, which answers were right); the
/// therapist's `course.md` has everything.
pub fn summary_lines(
    p: &Progress,
    program: &Program,
    lessons: &[(String, Lesson)],
    for_patient: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if for_patient {
        out.push(format!("Sessions done: {} of {}", p.done, p.of));
    } else {
        out.push(format!(
            "Sessions done: {} of {} ({} planned so far)",
            p.done, p.of, p.planned
        ));
        let days: Vec<String> = p.missed.iter().map(Day::to_string).collect();
        out.push(format!(
            "On time: {} · missed days: {}{}",
            p.on_time,
            p.missed.len(),
            if days.is_empty() {
                String::new()
            } else {
                format!(" ({})", days.join(", "))
            }
        ));
    }
    out.push(format!("Time in the place: {:.0} minutes", p.minutes));
    let first_last = |pts: &[(f64, f64)]| match (pts.first(), pts.last()) {
        (Some(a), Some(b)) if pts.len() >= 2 => Some((a.1, b.1)),
        _ => None,
    };
    if let Some((a, b)) = first_last(&p.pre) {
        out.push(format!(
            "Pain before sessions: {a:.0} at the first, {b:.0} at the latest{}",
            slope(&p.pre).map_or(String::new(), |s| format!(" (trend {s:+.2} a session)"))
        ));
    }
    if let Some(r) = p.mean_relief() {
        out.push(format!(
            "After a session, pain was on average {:.1} points {} than before it",
            r.abs(),
            if r >= 0.0 { "lower" } else { "higher" }
        ));
    }
    if p.sickness_pauses > 0 {
        out.push(format!(
            "Paused for feeling unwell: {} time(s)",
            p.sickness_pauses
        ));
    }
    let checks: Vec<(&Sitting, &CheckAnswer)> = p
        .sittings
        .iter()
        .flat_map(|s| s.checks.iter().map(move |c| (s, c)))
        .collect();
    if !checks.is_empty() && for_patient {
        let read: Vec<String> = checks
            .iter()
            .map(|(_, c)| lesson_title(lessons, &c.lesson))
            .collect();
        out.push(format!("Lessons read: {}", read.join(", ")));
    } else if !checks.is_empty() {
        out.push("Lessons:".into());
        for (_, c) in checks {
            out.push(format!(
                "  {} — you answered \"{}\"{}",
                lesson_title(lessons, &c.lesson),
                option_text(lessons, c),
                match c.correct {
                    Some(true) => ", the lesson's answer",
                    _ => "",
                }
            ));
        }
    }
    let course = program.course();
    if p.done < p.of {
        let next = course[p.done.min(course.len() - 1)];
        out.push(format!(
            "Next: session {} of {} ({}): {}",
            p.done + 1,
            p.of,
            next.name,
            next.modules
                .iter()
                .map(|m| match m {
                    program::Module::Lesson(l) => lesson_title(lessons, l),
                    m => m.words(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        out.push("The course is complete.".into());
    }
    out
}

/// `course.md`: each participant's summary and sittings.
pub fn markdown(all: &[Progress], program: &Program, lessons: &[(String, Lesson)]) -> String {
    let mut out = format!(
        "# Course report: {}\n\nProgram `{}`: {} sessions, {}.\n\n",
        program.title,
        program.program,
        program.len(),
        program.every.words()
    );
    for p in all {
        let _ = writeln!(out, "## sub-{}\n", p.participant);
        for l in summary_lines(p, program, lessons, false) {
            let _ = writeln!(out, "- {}", l.trim_start());
        }
        let _ = writeln!(
            out,
            "\nAdherence {:.0} % · one-page summary: `sub-{}_course.png`\n",
            p.adherence() * 100.0,
            p.participant
        );
        out.push_str(
            "| ses | session | day | try | outcome | late (days) | level | min | NRS before | NRS after |\n\
             |---|---|---|---|---|---|---|---|---|---|\n",
        );
        for s in &p.sittings {
            let _ = writeln!(
                out,
                "| {} | {} of {} ({}) | {} | {}{} | {} | {} | {} | {} | {} | {} |",
                s.attempt.ses,
                s.attempt.k,
                p.of,
                s.stamp.name,
                s.attempt.day,
                s.stamp.attempt,
                if s.stamp.repeat { " (repeat)" } else { "" },
                s.attempt.outcome.code(),
                s.stamp.late_days,
                s.attempt.level,
                s.place_min.map_or("n/a".into(), |m| format!("{m:.1}")),
                nrs(s.pre),
                nrs(s.post),
            );
        }
        out.push('\n');
    }
    out
}

const PAGE: (u32, u32) = (1240, 1754);

/// The one-page summary: the course's title, the summary in words, and pain before and
/// after each session across the course with its trend.
pub fn summary_page(
    p: &Progress,
    program: &Program,
    lessons: &[(String, Lesson)],
    stem: &Path,
) -> Result<Vec<PathBuf>, String> {
    use plotters::prelude::*;
    let colours = crate::research::plots::COLOURS;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, PAGE).into_drawing_area();
        let e = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let (top, rest) = root.split_vertically(700);
        let (chart_area, foot) = rest.split_vertically(820);
        top.draw(&Text::new(
            program.title.clone(),
            (80, 70),
            ("sans-serif", 52).into_font().color(&BLACK),
        ))
        .map_err(|x| e(&x))?;
        top.draw(&Text::new(
            format!("Your course so far · sub-{}", p.participant),
            (80, 140),
            ("sans-serif", 32).into_font().color(&RGBColor(80, 80, 80)),
        ))
        .map_err(|x| e(&x))?;
        for (i, line) in summary_lines(p, program, lessons, true).iter().enumerate() {
            top.draw(&Text::new(
                line.clone(),
                (80, 210 + 40 * i as i32),
                ("sans-serif", 28),
            ))
            .map_err(|x| e(&x))?;
        }
        let x_max = (p.of as f64).max(2.0);
        let mut chart = ChartBuilder::on(&chart_area)
            .caption(
                "Pain before and after each session (0–10)",
                ("sans-serif", 32),
            )
            .margin(60)
            .x_label_area_size(60)
            .y_label_area_size(60)
            .build_cartesian_2d(0.5f64..x_max + 0.5, 0f64..10f64)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("session of the course")
            .y_desc("pain")
            .x_labels(p.of.min(28))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 22))
            .axis_desc_style(("sans-serif", 24))
            .draw()
            .map_err(|x| e(&x))?;
        for (i, (name, pts)) in [("before", &p.pre), ("after", &p.post)].iter().enumerate() {
            let colour = colours[i];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(4)))
                .map_err(|x| e(&x))?
                .label(format!("pain {name} the session"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(4))
                });
            chart
                .draw_series(pts.iter().map(|q| Circle::new(*q, 7, colour.filled())))
                .map_err(|x| e(&x))?;
            // The trend: the least-squares line through the points, dashed, over their span.
            if let (Some(s), Some(a), Some(b)) = (slope(pts), pts.first(), pts.last()) {
                let n = pts.len() as f64;
                let mx = pts.iter().map(|q| q.0).sum::<f64>() / n;
                let my = pts.iter().map(|q| q.1).sum::<f64>() / n;
                let at = |x: f64| (x, (my + s * (x - mx)).clamp(0.0, 10.0));
                chart
                    .draw_series(DashedLineSeries::new(
                        [at(a.0), at(b.0)],
                        14,
                        10,
                        colour.mix(0.8).stroke_width(3),
                    ))
                    .map_err(|x| e(&x))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 24))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|x| e(&x))?;
        foot.draw(&Text::new(
            "Dashed: the trend across the course. Lessons and practice support your care; \
             they do not replace your clinician.",
            (80, 60),
            ("sans-serif", 22).into_font().color(&RGBColor(90, 90, 90)),
        ))
        .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    let (svg_path, png_path) = (stem.with_extension("svg"), stem.with_extension("png"));
    data::write_atomic(&svg_path, &svg).map_err(|e| format!("{}: {e}", svg_path.display()))?;
    crate::research::plots::to_png_sized(&svg, &png_path, PAGE)?;
    Ok(vec![svg_path, png_path])
}

/// Writes the course report for every participant of `data` into `out`; the files written.
pub fn write(
    data_dir: &Path,
    out: &Path,
    program: &Program,
    lessons: &[(String, Lesson)],
) -> Result<Vec<PathBuf>, String> {
    let mut all = Vec::new();
    for id in participants(data_dir) {
        let p = progress(data_dir, &id, program)?;
        if !p.sittings.is_empty() {
            all.push(p);
        }
    }
    if all.is_empty() {
        return Err(format!(
            "{}: no sittings of program '{}'",
            data_dir.display(),
            program.program
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut files = Vec::new();
    let tsv = out.join("course.tsv");
    data::write_atomic(&tsv, &course_tsv(&all)).map_err(|e| format!("{}: {e}", tsv.display()))?;
    files.push(tsv);
    let md = out.join("course.md");
    data::write_atomic(&md, &markdown(&all, program, lessons))
        .map_err(|e| format!("{}: {e}", md.display()))?;
    files.push(md);
    for p in &all {
        files.extend(summary_page(
            p,
            program,
            lessons,
            &out.join(format!("sub-{}_course", p.participant)),
        )?);
    }
    Ok(files)
}
