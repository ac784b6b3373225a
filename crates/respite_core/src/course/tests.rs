use super::program::{self, Attempt, Known, Outcome, Program};
use super::*;

fn known() -> (Vec<String>, Vec<String>, Vec<String>) {
    (
        vec!["forest_glade".into(), "forest_trail_walk".into()],
        vec!["calm_view".into(), "gentle".into(), "immersive".into()],
        vec!["what_pain_is_for".into()],
    )
}

fn parse(src: &str) -> Result<Program, crate::SpecErrors> {
    let (scenes, levels, lessons) = known();
    Program::parse(
        Path::new("p.ron"),
        src,
        &Known {
            scenes: &scenes,
            walks: &[],
            levels: &levels,
            lessons: &lessons,
        },
    )
}

const WALK: &str = r#"Program(
    program: "walk2wk",
    title: "Two weeks of walking",
    every: PerDay(1),
    ladder: Ladder(levels: ["calm_view", "gentle", "immersive"], after: 2),
    sessions: [
        Session(
            name: "walk",
            scene: "forest_trail_walk",
            climbs: true,
            modules: [Lesson("what_pain_is_for"), Place(minutes: 20.0)],
            ratings: Ratings(baseline: true, post: true),
            repeat: 10,
        ),
    ],
)"#;

fn sitting(ses: usize, k: usize, day: i32, outcome: Outcome) -> Attempt {
    Attempt {
        ses,
        k,
        day: Day(20_788 + day),
        outcome,
        sickness_pause: false,
        level: "calm_view".into(),
        counts: outcome != Outcome::Interrupted,
    }
}

#[test]
fn days_are_calendar_days() {
    // 2026-12-01 is 20 788 days after 1970-01-01 (counted by hand with a calendar tool).
    assert_eq!(Day::parse("2026-12-01"), Some(Day(20_788)));
    assert_eq!(Day::parse("2000-02-29"), Some(Day(11_016)));
    assert_eq!(Day(20_788).to_string(), "2026-12-01");
    assert_eq!(Day(20_788 + 31).to_string(), "2027-01-01");
    for bad in [
        "2026-02-30",
        "2026-13-01",
        "2025-02-29",
        "12/01/2026",
        "",
        "2026-12",
    ] {
        assert_eq!(Day::parse(bad), None, "{bad}");
    }
    // 23:30 at UTC+2 is the same day as 21:30 UTC; 00:30 at UTC+2 is the next day's.
    let evening = 20_788 * 86_400 + 21 * 3600 + 1800;
    assert_eq!(Day::from_unix(evening, 7200), Day(20_788));
    assert_eq!(Day::from_unix(evening + 3 * 3600, 7200), Day(20_789));
}

#[test]
fn a_program_reads_and_its_mistakes_are_placed() {
    let p = parse(WALK).unwrap();
    assert_eq!(p.len(), 10);
    assert_eq!(p.course()[9].name, "walk");
    let bad = WALK
        .replace("PerDay(1)", "PerDay(9)")
        .replace("\"gentle\", \"immersive\"", "\"gentle\", \"wild\"")
        .replace("Lesson(\"what_pain_is_for\")", "Lesson(\"what_pain_is\")")
        .replace("minutes: 20.0", "minutes: inf")
        .replace("repeat: 10", "repeat: 0");
    let e = parse(&bad).unwrap_err().to_string();
    assert!(
        e.contains("p.ron:4:") && e.contains("1 to 4 sessions a day"),
        "{e}"
    );
    assert!(
        e.contains("p.ron:5:") && e.contains("'wild' is not an immersion level"),
        "{e}"
    );
    assert!(
        e.contains("p.ron:11:") && e.contains("'what_pain_is' is not a lesson"),
        "{e}"
    );
    assert!(
        e.contains("p.ron:11:") && e.contains("not a finite number"),
        "{e}"
    );
    assert!(
        e.contains("p.ron:13:") && e.contains("1 to 100 sessions in a row"),
        "{e}"
    );
    // A lesson alone is no session: it is read in a place that runs for some minutes.
    let e = parse(&WALK.replace(", Place(minutes: 20.0)", ""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("p.ron:11:") && e.contains("half a minute"),
        "{e}"
    );
    let e = parse(&WALK.replace("climbs: true", "climbs: true, immersion: \"gentle\""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a `ladder`"), "{e}");
}

#[test]
fn the_next_session_follows_the_record_and_a_missed_day_is_named() {
    let p = parse(WALK).unwrap();
    let today = |d: i32| Day(20_788 + d);
    // Nothing on record: session 1, today is the course's first day.
    let d = program::due(&p, &[], today(0), false).unwrap();
    assert_eq!(
        (d.k, d.of, d.attempt, d.resume, d.late_days),
        (1, 10, 1, None, 0)
    );
    assert_eq!(d.start, today(0));
    // Day 0 done; day 1 interrupted: the same day it is continued in its own folder.
    let mut on_record = vec![
        sitting(1, 1, 0, Outcome::Completed),
        sitting(2, 2, 1, Outcome::Interrupted),
    ];
    let d = program::due(&p, &on_record, today(1), false).unwrap();
    assert_eq!((d.k, d.attempt, d.resume), (2, 1, Some(2)));
    assert!(d.missed.is_empty());
    // Left until day 3: session 2 again, a second try in a new folder, day 2 missed, and
    // it is two days late (planned for day 1).
    let d = program::due(&p, &on_record, today(3), false).unwrap();
    assert_eq!((d.k, d.attempt, d.resume), (2, 2, None));
    assert_eq!(d.missed, vec![today(2)]);
    assert_eq!(d.late_days, 2);
    // Done on day 3: session 3 next; nothing newly missed on day 4.
    on_record.push(sitting(3, 2, 3, Outcome::Completed));
    let d = program::due(&p, &on_record, today(4), false).unwrap();
    assert_eq!((d.k, d.attempt), (3, 1));
    assert!(d.missed.is_empty(), "{:?}", d.missed);
    assert_eq!(
        program::missed_days(&p, &on_record, today(5)),
        vec![today(2), today(4)]
    );
    // Stopped before its lesson was read: not done, the same session again.
    let stopped = Attempt {
        counts: false,
        ..sitting(4, 3, 4, Outcome::CutShort)
    };
    let d = program::due(
        &p,
        &[on_record.clone(), vec![stopped]].concat(),
        today(5),
        false,
    )
    .unwrap();
    assert_eq!((d.k, d.attempt), (3, 2));
    // Repeating asks for the last session run to an end, as a second try of it.
    let d = program::due(&p, &on_record, today(4), true).unwrap();
    assert_eq!((d.k, d.attempt, d.repeat), (2, 3, true));
    // A date before the record's last is refused, not silently renumbered.
    let e = program::due(&p, &on_record, today(2), false).unwrap_err();
    assert!(e.contains("ses-3") && e.contains("--date"), "{e}");
    // The whole course done: finished.
    let all: Vec<Attempt> = (1..=10)
        .map(|k| sitting(k, k, k as i32 - 1, Outcome::Completed))
        .collect();
    let e = program::due(&p, &all, today(11), false).unwrap_err();
    assert!(e.contains("finished") && e.contains("all 10"), "{e}");
}

#[test]
fn a_course_ahead_of_its_weekly_plan_misses_no_day() {
    let p = parse(&WALK.replace("every: PerDay(1)", "every: PerWeek(3)")).unwrap();
    // Planned on days 0, 2, 4, 7, 9, 11, …; done on days 0, 1, 2: ahead, day 4 free.
    assert_eq!(
        (1..=4).map(|k| p.planned_day(k)).collect::<Vec<_>>(),
        vec![0, 2, 4, 7]
    );
    let on_record = vec![
        sitting(1, 1, 0, Outcome::Completed),
        sitting(2, 2, 1, Outcome::Completed),
        sitting(3, 3, 2, Outcome::Completed),
    ];
    assert!(program::missed_days(&p, &on_record, Day(20_788 + 7)).is_empty());
    // Behind: only day 0 done; days 2 and 4 were planned and passed without a session.
    assert_eq!(
        program::missed_days(&p, &on_record[..1], Day(20_788 + 7)),
        vec![Day(20_788 + 2), Day(20_788 + 4)]
    );
}

#[test]
fn the_ladder_climbs_after_two_clean_sessions_and_a_sickness_pause_steps_down() {
    let p = parse(&WALK.replace("repeat: 10", "repeat: 20")).unwrap();
    let mut on_record = Vec::new();
    let mut level_after = |a: Attempt| {
        on_record.push(a);
        program::ladder_step(&p, &on_record)
    };
    assert_eq!(level_after(sitting(1, 1, 0, Outcome::Completed)), 0);
    assert_eq!(level_after(sitting(2, 2, 1, Outcome::Completed)), 1);
    assert_eq!(level_after(sitting(3, 3, 2, Outcome::Completed)), 1);
    let sick = Attempt {
        sickness_pause: true,
        ..sitting(4, 4, 3, Outcome::Completed)
    };
    // A sickness pause steps down; a session cut short starts the count again.
    assert_eq!(level_after(sick), 0);
    assert_eq!(level_after(sitting(5, 5, 4, Outcome::Completed)), 0);
    assert_eq!(level_after(sitting(6, 6, 5, Outcome::CutShort)), 0);
    assert_eq!(level_after(sitting(7, 7, 6, Outcome::Completed)), 0);
    assert_eq!(level_after(sitting(8, 8, 7, Outcome::Completed)), 1);
    assert_eq!(level_after(sitting(9, 9, 8, Outcome::Completed)), 1);
    assert_eq!(level_after(sitting(10, 10, 9, Outcome::Completed)), 2);
    // The top of the ladder holds.
    assert_eq!(level_after(sitting(11, 11, 10, Outcome::Completed)), 2);
    assert_eq!(level_after(sitting(12, 12, 11, Outcome::Completed)), 2);
    let d = program::due(&p, &on_record, Day(20_788 + 11), false).unwrap();
    assert_eq!(d.ladder_level.as_deref(), Some("immersive"));
}

#[test]
fn the_trend_is_the_least_squares_slope() {
    // (1,6) (2,5) (3,5) (4,3): x̄ 2.5, ȳ 4.75, Sxx 5, Sxy −4.5: slope −0.9.
    let s = report::slope(&[(1.0, 6.0), (2.0, 5.0), (3.0, 5.0), (4.0, 3.0)]).unwrap();
    assert!((s + 0.9).abs() < 1e-12, "{s}");
    assert_eq!(report::slope(&[(1.0, 6.0)]), None);
    assert_eq!(report::slope(&[(2.0, 6.0), (2.0, 3.0)]), None);
}

/// The project's own folders, from this crate's.
fn shipped(dir: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir)
}

#[test]
fn every_shipped_lesson_reads_at_about_twelve_years_old() {
    let lessons = lesson::load_dir(&shipped("lessons")).unwrap();
    let names: Vec<&str> = lessons.iter().map(|(n, _)| n.as_str()).collect();
    assert!(lessons.len() >= 6, "{names:?}");
    for (name, l) in &lessons {
        // Flesch–Kincaid grade 7 reads at twelve to thirteen years old.
        let grade = lesson::reading_grade(&l.words());
        assert!(grade <= 7.0, "{name}: grade {grade:.1}");
        // And each card, question and explanation on its own (one sentence can be long).
        let texts = l.cards.iter().map(|c| c.text.as_str());
        for t in texts.chain([l.check.question.as_str(), l.check.explain.as_str()]) {
            let g = lesson::reading_grade(t);
            assert!(g <= 7.5, "{name}: grade {g:.1}: {t}");
        }
        assert!(l.cards.len() >= 3, "{name}");
    }
    // The three built-in illustrations are each used by a shipped lesson.
    for kind in ["alarm", "path", "dimmer"] {
        assert!(
            lessons.iter().any(|(_, l)| l
                .cards
                .iter()
                .any(|c| c.illustration.is_some_and(|i| i.code() == kind))),
            "{kind}"
        );
    }
}

#[test]
fn every_shipped_program_reads_with_the_shipped_scenes_levels_and_lessons() {
    let catalog = crate::Catalog::open(&shipped("scenes")).unwrap();
    let scenes = catalog.valid_names();
    let walks: Vec<String> = catalog
        .entries
        .iter()
        .filter(|e| e.def.as_ref().is_ok_and(|d| d.walk.is_some()))
        .map(|e| e.name.clone())
        .collect();
    assert!(walks.contains(&"forest_trail_walk".to_string()));
    let levels: Vec<String> = crate::session::ImmersionLevels::load(&shipped("immersion.ron"))
        .unwrap()
        .levels
        .iter()
        .map(|l| l.name.clone())
        .collect();
    let lessons: Vec<String> = lesson::load_dir(&shipped("lessons"))
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let known = Known {
        scenes: &scenes,
        walks: &walks,
        levels: &levels,
        lessons: &lessons,
    };
    let walk = Program::load(&shipped("programs/walk2wk.ron"), &known).unwrap();
    // A first lesson in a still place, then ten 20-minute walks.
    assert_eq!(walk.len(), 11);
    let walks_of = |p: &Program| {
        p.course()
            .iter()
            .filter(|s| walks.contains(&s.scene))
            .map(|s| s.timed_minutes())
            .collect::<Vec<_>>()
    };
    assert_eq!(walks_of(&walk), vec![20.0; 10]);
    let relief = Program::load(&shipped("programs/relief8wk.ron"), &known).unwrap();
    assert_eq!(relief.len(), 56);
    assert_eq!(relief.planned_day(56), 55, "eight weeks, one a day");
    for s in relief.course() {
        let m = s.timed_minutes();
        assert!((8.0..=15.0).contains(&m), "{}: {m} min", s.name);
    }
    // Each lesson is taught in the course.
    for l in &lessons {
        assert!(
            relief
                .course()
                .iter()
                .any(|s| s.modules.contains(&program::Module::Lesson(l.clone()))),
            "{l}"
        );
    }
}
