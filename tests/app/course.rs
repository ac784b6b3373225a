//! A course, not a session: a participant runs three sessions of the shipped eight-week
//! program (a lesson, a breathing practice, time in the place), the second killed in the
//! middle and continued, a day left out before the third; the course report then shows
//! three of 56 with the trend. And a lesson read in the flat display, its illustrations
//! looked at.

use crate::support::{Picture, ROOT, picture_dir, require_display, respite, stderr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

type Rows = Vec<Vec<String>>;

fn events(ses: &Path) -> Rows {
    let file = std::fs::read_dir(ses)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_events.tsv"))
        .unwrap_or_else(|| panic!("no events table in {}", ses.display()));
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn of<'a>(rows: &'a Rows, event: &str) -> Vec<&'a str> {
    rows.iter()
        .filter(|r| r[2] == event)
        .map(|r| r[5].as_str())
        .collect()
}

fn sidecar(ses: &Path) -> serde_json::Value {
    let file = std::fs::read_dir(ses)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("session.json"))
        .unwrap();
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// A program session of P01 on `date`, driven by `script`.
fn sitting(dir: &Path, program: &Path, date: &str, script: &str) -> std::process::Command {
    let pilot = dir.join(format!("pilot-{date}.ron"));
    std::fs::write(&pilot, script).unwrap();
    let mut c = respite();
    c.args(["run", "--display", "flat", "--size", "480x270"])
        .args(["--participant", "P01", "--time-scale", "60", "--date", date])
        .arg("--program")
        .arg(program)
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--autopilot")
        .arg(&pilot);
    c
}

/// Runs a sitting to its end, which must succeed; what it said.
fn ran(mut c: std::process::Command) -> String {
    let out = c.output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    err
}

fn ses(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("data/sub-P01/ses-{n}"))
}

#[test]
fn a_participant_runs_three_sessions_of_the_relief_course_through_a_crash_and_a_skipped_day() {
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let program = Path::new(ROOT).join("programs/relief8wk.ron");

    // Day 1, session 1 "learn": the first lesson (four cards, the check, its explanation),
    // three minutes of breathing with pain after it, five in the place.
    let err = ran(sitting(
        dir,
        &program,
        "2025-03-01",
        r#"[
            (on: Question("baseline"), wait_s: 0.3, act: Look(6)),
            (on: Question("card_1"), wait_s: 0.3, act: Look(0)),
            (on: Question("card_2"), wait_s: 0.3, act: Keys(["Enter"])),
            (on: Question("card_3"), wait_s: 0.3, act: Look(0)),
            (on: Question("card_4"), wait_s: 0.3, act: Keys(["ArrowRight"])),
            (on: Question("check_1"), wait_s: 0.3, act: Look(0)),
            (on: Question("card_5"), wait_s: 0.3, act: Keys(["Enter"])),
            (on: Question("module_2"), wait_s: 0.3, act: Look(5)),
            (on: Question("post"), wait_s: 0.3, act: Look(4)),
        ]"#,
    ));
    assert!(
        err.contains("Program relief8wk: P01 session 1 of 56 (learn), 2025-03-01"),
        "{err}"
    );
    let one = events(&ses(dir, 1));
    let course = of(&one, "course");
    assert_eq!(course.len(), 1, "{course:?}");
    assert!(
        course[0].contains("session=1 of=56 name=learn day=2025-03-01 attempt=1"),
        "{course:?}"
    );
    // Each module in order, each ended.
    let starts = of(&one, "module_start");
    assert_eq!(starts.len(), 3, "{starts:?}");
    assert!(
        starts[0].contains("kind=lesson lesson=what_pain_is_for"),
        "{starts:?}"
    );
    assert!(starts[1].contains("kind=breathing") && starts[1].contains("minutes=3"));
    assert!(starts[2].contains("kind=place") && starts[2].contains("minutes=5"));
    assert_eq!(of(&one, "module_end").len(), 3);
    // Every card read (by gaze, Enter, the right arrow), the check answered right.
    let cards = of(&one, "lesson_card");
    assert_eq!(cards.len(), 5, "{cards:?}");
    assert!(
        cards[0].contains("card=1 of=4 by=patient via=gaze"),
        "{cards:?}"
    );
    assert!(cards[1].contains("via=keys") && cards[3].contains("via=keys"));
    assert!(
        cards[4].contains("card=5 of=5"),
        "the explanation: {cards:?}"
    );
    let check = of(&one, "lesson_check");
    assert_eq!(check.len(), 1);
    assert!(
        check[0].contains("lesson=what_pain_is_for answer=0 correct=true by=patient via=gaze"),
        "{check:?}"
    );
    // The breathing practice: the pacer on at six a minute, its script, pain after it.
    assert!(
        of(&one, "pacer")
            .iter()
            .any(|p| p.contains("on=true breaths_per_min=6"))
    );
    let guide: Vec<&str> = of(&one, "breathing_guide");
    assert_eq!(
        guide,
        vec!["step=settle", "step=slow_out", "step=follow", "step=return"]
    );
    assert!(
        of(&one, "rating")
            .iter()
            .any(|r| r.contains("timepoint=module_2") && r.contains("scale=nrs value=5"))
    );
    // The lesson's reading time was added to the place's minutes, on record.
    assert!(of(&one, "plan").iter().any(|p| p.contains("by=patient")));
    assert!(of(&one, "session_end")[0].contains("completed=true"));

    // Day 2, session 2 "breathe": killed during its breathing practice.
    let mut child = sitting(
        dir,
        &program,
        "2025-03-02",
        r#"[(on: Question("baseline"), wait_s: 0.3, act: Look(5))]"#,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let began = Instant::now();
    loop {
        let started = ses(dir, 2).is_dir()
            && of(&events(&ses(dir, 2)), "module_start")
                .iter()
                .any(|m| m.contains("kind=breathing"));
        if started {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "session 2 ended before its breathing began"
        );
        assert!(began.elapsed() < Duration::from_secs(240), "no breathing");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap(); // SIGKILL, in the middle of the practice
    child.wait().unwrap();
    let killed = events(&ses(dir, 2));
    assert!(
        of(&killed, "session_end").is_empty(),
        "a killed sitting has no end"
    );
    // The same day again: it continues in its own folder, the baseline not asked again.
    let err = ran(sitting(
        dir,
        &program,
        "2025-03-02",
        r#"[
            (on: Question("module_1"), wait_s: 0.3, act: Look(4)),
            (on: Question("post"), wait_s: 0.3, act: Look(3)),
        ]"#,
    ));
    assert!(
        err.contains("session 2 of 56 (breathe), 2025-03-02, resuming"),
        "{err}"
    );
    assert!(!ses(dir, 3).exists(), "resumed in ses-2, not renumbered");
    let two = events(&ses(dir, 2));
    assert_eq!(of(&two, "session_start").len(), 2);
    assert_eq!(of(&two, "session_resumed").len(), 1);
    assert!(of(&two, "session_end")[0].contains("completed=true"));
    let baselines: Vec<&str> = of(&two, "rating")
        .into_iter()
        .filter(|r| r.contains("timepoint=baseline"))
        .collect();
    assert_eq!(baselines.len(), 1, "{baselines:?}");

    // Day 3 left out; day 4, session 3 "rest": the missed day is on record, one day late.
    let err = ran(sitting(
        dir,
        &program,
        "2025-03-04",
        r#"[
            (on: Question("baseline"), wait_s: 0.3, act: Look(5)),
            (on: Question("post"), wait_s: 0.3, act: Look(2)),
        ]"#,
    ));
    assert!(
        err.contains("session 3 of 56 (rest), 2025-03-04")
            && err.contains("missed: 1 day(s) (2025-03-03)"),
        "{err}"
    );
    let three = events(&ses(dir, 3));
    assert_eq!(of(&three, "course_missed"), vec!["day=2025-03-03"]);
    let side = sidecar(&ses(dir, 3));
    assert_eq!(side["course"]["session"], 3);
    assert_eq!(side["course"]["missed_days"][0], "2025-03-03");
    assert_eq!(side["course"]["late_days"], 1);
    assert_eq!(side["task"], "relief8wk");

    // A date before the record's last is refused with the flag named, nothing written.
    let out = sitting(dir, &program, "2025-03-02", "[]").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--date"), "{}", stderr(&out));
    assert!(!ses(dir, 4).exists());

    // The course report: three of 56, pain before and after, the trend, the lesson.
    let report = dir.join("report");
    let out = respite()
        .arg("report")
        .arg(dir.join("data"))
        .arg("--out")
        .arg(&report)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(report.join("course.md")).unwrap();
    // By hand: pain before 6, 5, 5 and after 4, 3, 2; relief 2, 2, 3 (mean 2.3); the
    // before-trend through (1,6) (2,5) (3,5) is −0.5 a session; four sessions were planned
    // by day 4 (one a day), two ran on their day.
    for want in [
        "Sessions done: 3 of 56 (4 planned so far)",
        "On time: 2 · missed days: 1 (2025-03-03)",
        "Pain before sessions: 6 at the first, 5 at the latest (trend -0.50 a session)",
        "After a session, pain was on average 2.3 points lower than before it",
        "What pain is for — you answered \"To protect you\", the lesson's answer",
        "Next: session 4 of 56 (rest)",
        "Adherence 75 %",
    ] {
        assert!(md.contains(want), "{want}\n{md}");
    }
    let tsv = std::fs::read_to_string(report.join("course.tsv")).unwrap();
    let rows: Vec<&str> = tsv.lines().collect();
    assert_eq!(rows.len(), 4, "{tsv}");
    assert!(rows[2].starts_with("P01\t2\t2\t56\tbreathe\t2025-03-02\t1\tfalse\tcompleted"));
    assert!(rows[3].contains("\t2025-03-03"), "{}", rows[3]);
    let page = report.join("sub-P01_course.png");
    std::fs::copy(&page, picture_dir().join("course_report.png")).unwrap();
    let pic = Picture::load(&page);
    assert_eq!((pic.width, pic.height), (1240, 1754));
    // The chart's two lines are drawn, blue (before) and orange (after), in its part: three
    // points each over the first two of 56 sessions' width (about 0.07 % of the page each).
    let blue = pic.share(0.0, 0.4, 1.0, 0.87, |p| {
        p[2] > 150 && p[0] < 60 && p[1] < 140
    });
    let orange = pic.share(0.0, 0.4, 1.0, 0.87, |p| {
        p[0] > 200 && p[1] > 130 && p[2] < 60
    });
    assert!(
        blue > 0.0004 && orange > 0.0004,
        "blue {blue} orange {orange}"
    );
}

#[test]
fn a_lesson_reads_on_the_panel_with_its_illustrations_in_the_flat_display() {
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let program = dir.join("two_lessons.ron");
    std::fs::write(
        &program,
        r#"Program(
            program: "lessontest",
            title: "Two lessons",
            every: PerDay(1),
            sessions: [Session(
                name: "learn",
                scene: "beach_sunset",
                immersion: "gentle",
                modules: [Lesson("turning_the_volume"), Lesson("learning_again"), Place(minutes: 0.5)],
                ratings: Ratings(baseline: false, post: false),
            )],
        )"#,
    )
    .unwrap();
    let shots = picture_dir();
    let (dimmer, path) = (
        shots.join("lesson_dimmer.png"),
        shots.join("lesson_path.png"),
    );
    let script = r#"[
        (on: Question("card_1"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("card_2"), wait_s: 5.0, act: Shot(Patient, "DIMMER")),
        (on: Question("card_2"), wait_s: 6.0, act: Keys(["Enter"])),
        (on: Question("card_3"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("card_4"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("check_1"), wait_s: 0.3, act: Look(1)),
        (on: Question("card_5"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("card_6"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("card_7"), wait_s: 5.0, act: Shot(Patient, "PATH")),
        (on: Question("card_7"), wait_s: 6.0, act: Keys(["Enter"])),
        (on: Question("card_8"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("card_9"), wait_s: 0.3, act: Keys(["Enter"])),
        (on: Question("check_2"), wait_s: 0.3, act: Keys(["ArrowRight", "Enter"])),
        (on: Question("card_10"), wait_s: 0.3, act: Keys(["Enter"])),
    ]"#
    .replace("DIMMER", &dimmer.to_string_lossy())
    .replace("PATH", &path.to_string_lossy());
    let pilot = dir.join("pilot.ron");
    std::fs::write(&pilot, script).unwrap();
    let out = respite()
        .args(["run", "--display", "flat", "--size", "960x540"])
        .args(["--participant", "P02", "--time-scale", "10", "--program"])
        .arg(&program)
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--autopilot")
        .arg(&pilot)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let rows = events(&ses_of(dir, "P02"));
    let checks = of(&rows, "lesson_check");
    assert_eq!(checks.len(), 2, "{checks:?}");
    // A wrong answer is recorded as it was given, and the explanation still follows.
    assert!(checks[0].contains("lesson=turning_the_volume answer=1 correct=false"));
    assert!(checks[1].contains("lesson=learning_again answer=1 correct=false"));
    assert_eq!(of(&rows, "lesson_card").len(), 10);
    for (file, lamp_or_grass) in [(&dimmer, "lamp"), (&path, "grass")] {
        let pic = Picture::load(file);
        // The words sit on the dark board in the middle: light ink on dark.
        let ink = pic.share(0.2, 0.2, 0.7, 0.6, |p| p.iter().all(|&c| c > 160));
        assert!(ink > 0.01, "{}: ink {ink}", file.display());
        // The illustration beside the board, right of centre: the lamp's warm light
        // turned up, or the field's green.
        let art = pic.share(0.72, 0.2, 1.0, 0.8, |p| match lamp_or_grass {
            "lamp" => p[0] > 220 && p[1] > 180 && p[2] > 80 && p[2] < 200,
            _ => p[1] > 110 && p[0] < 120 && p[2] < 100,
        });
        assert!(art > 0.002, "{}: {lamp_or_grass} {art}", file.display());
    }
}

fn ses_of(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("data/sub-{id}/ses-1"))
}

#[test]
fn every_shipped_lesson_and_program_passes_check_and_a_broken_one_is_placed() {
    let out = respite().arg("check").output().unwrap();
    let said = crate::support::stdout(&out);
    assert!(out.status.success(), "{said}\n{}", stderr(&out));
    for f in [
        "lessons/what_pain_is_for.ron",
        "lessons/learning_again.ron",
        "programs/relief8wk.ron",
        "programs/walk2wk.ron",
    ] {
        assert!(said.contains(&format!("ok      {f}")), "{f}\n{said}");
    }
    let dir = tempfile::tempdir().unwrap();
    // A year typed wrong would block every later sitting: a day after tomorrow is refused.
    let program = Path::new(ROOT).join("programs/walk2wk.ron");
    let out = sitting(dir.path(), &program, "2999-01-01", "[]")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--date 2999-01-01: after today"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("data").exists());
    let lesson = dir.path().join("broken_lesson.ron");
    let text = std::fs::read_to_string(Path::new(ROOT).join("lessons/pacing.ron"))
        .unwrap()
        .replace("answer: 0", "answer: 7");
    std::fs::write(&lesson, text).unwrap();
    let program = dir.path().join("broken_program.ron");
    let text = std::fs::read_to_string(Path::new(ROOT).join("programs/walk2wk.ron"))
        .unwrap()
        .replace("Lesson(\"what_pain_is_for\")", "Lesson(\"what_pain_is\")");
    std::fs::write(&program, text).unwrap();
    for (file, line, why) in [
        (&lesson, 25, "names option 7 but there are 3"),
        (&program, 28, "'what_pain_is' is not a lesson in lessons/"),
    ] {
        let out = respite().arg("check").arg(file).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        let at = format!("{}:{line}:", file.display());
        assert!(err.contains(&at) && err.contains(why), "{at} {why}\n{err}");
    }
}
