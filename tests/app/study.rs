//! Studies: plans from protocols, a study session killed at random points (nothing it
//! wrote is lost, the report reads it, `--resume` finishes it), markers from another
//! device on standard input, and the report with its BIDS export.

use crate::support::{ROOT, require_display, respite, stderr, stdout};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn plans_are_the_same_bytes_every_time_and_bad_input_is_refused() {
    let plan = |extra: &[&str]| {
        respite()
            .args(["plan", "protocols/hmd_vs_screen.ron"])
            .args(extra)
            .output()
            .unwrap()
    };
    let a = plan(&["--participants", "16"]);
    let b = plan(&["--participants", "16"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(stdout(&a).lines().count(), 33);
    assert!(
        stderr(&a).contains("balanced: each of the 2 sequences used by 8"),
        "{}",
        stderr(&a)
    );
    let odd = plan(&["--participants", "15"]);
    assert!(stderr(&odd).contains("not balanced"), "{}", stderr(&odd));
    let dup = plan(&["--participants", "P01,P02,P01"]);
    assert_eq!(dup.status.code(), Some(2));
    assert!(
        stderr(&dup).contains("'P01' is listed twice"),
        "{}",
        stderr(&dup)
    );
    let label = plan(&["--participants", "P01,Jane Doe"]);
    assert_eq!(label.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    // The study's masks, drawn once: a second plan never redraws them.
    let key = dir.path().join("key.tsv");
    let keyed = plan(&["--blind-key", key.to_str().unwrap()]);
    assert!(keyed.status.success(), "{}", stderr(&keyed));
    assert_eq!(
        stdout(&keyed),
        stdout(&plan(&[])),
        "the key changes nothing in the plan"
    );
    let drawn = std::fs::read_to_string(&key).unwrap();
    assert!(
        drawn.starts_with("mask\tcondition\nX1\t")
            && drawn.contains("\thmd\n")
            && drawn.contains("\tscreen\n"),
        "{drawn}"
    );
    let again = plan(&["--blind-key", key.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("drawn once per study"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&key).unwrap(), drawn);
    let nowhere = dir.path().join("missing/plan.tsv");
    let out = plan(&["--out", nowhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!nowhere.exists());
    let run = |participant: &str, extra: &[&str]| {
        respite()
            .args(["run", "--protocol", "protocols/hmd_vs_screen.ron"])
            .args(["--participant", participant])
            .args(extra)
            .output()
            .unwrap()
    };
    // A data folder that cannot be written: exit 2 before anything is shown.
    let out = run("P01", &["--data", "/etc/hostname/data"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write the session's record"),
        "{}",
        stderr(&out)
    );
    let out = run("P99", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not in the plan"), "{}", stderr(&out));
    let bad = dir.path().join("bad.ron");
    let src = std::fs::read_to_string(Path::new(ROOT).join("protocols/hmd_vs_screen.ron")).unwrap();
    std::fs::write(&bad, src.replacen("\"forest_glade\"", "\"moon_base\"", 1)).unwrap();
    let out = respite().arg("plan").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.ron:13:") && err.contains("unknown scene 'moon_base'"),
        "{err}"
    );
}

const PROTOCOL: &str = r#"Protocol(
    study: "killtest",
    title: "Two screen conditions",
    task: "rest",
    participants: 2,
    seed: 3,
    conditions: [
        Condition(name: "a", scene: "plain", display: Screen, minutes: 2),
        Condition(name: "b", scene: "plain", display: Screen, minutes: 2),
    ],
    design: AbBa,
    washout: None,
    ratings: Ratings(baseline: true, every_min: 1, post: true),
)"#;

const SCRIPT: &str = r#"[
    (on: Question("baseline"), act: Say(Some(6))),
    (on: Question("minute_1"), act: Say(Some(4))),
    (on: Question("post"), act: Say(Some(3))),
]"#;

struct Study {
    dir: tempfile::TempDir,
}

impl Study {
    fn new() -> Self {
        Self::with(PROTOCOL, SCRIPT)
    }

    fn with(protocol: &str, script: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let scenes = dir.path().join("scenes");
        std::fs::create_dir_all(&scenes).unwrap();
        std::fs::write(scenes.join("plain.ron"), respite::bench::BARE_SPEC).unwrap();
        std::fs::write(dir.path().join("p.ron"), protocol).unwrap();
        std::fs::write(dir.path().join("pilot.ron"), script).unwrap();
        Self { dir }
    }

    fn path(&self, p: &str) -> std::path::PathBuf {
        self.dir.path().join(p)
    }

    fn run(&self, extra: &[&str]) -> std::process::Command {
        let mut c = respite();
        c.arg("run")
            .arg("--protocol")
            .arg(self.path("p.ron"))
            .args([
                "--participant",
                "P01",
                "--size",
                "320x180",
                "--time-scale",
                "10",
            ])
            .arg("--scenes-dir")
            .arg(self.path("scenes"))
            .arg("--data")
            .arg(self.path("data"))
            .arg("--autopilot")
            .arg(self.path("pilot.ron"))
            .args(extra);
        c
    }
}

/// `(event, detail)` of each record the app logged: it logs one only once it is on disk.
fn logged(log: &str) -> Vec<(String, String)> {
    log.lines()
        // The message, not the module path (`…::record: record: phase …`).
        .filter_map(|l| l.split_once(" record: "))
        .filter_map(|(_, r)| {
            let (e, d) = r.split_once(' ').unwrap_or((r, ""));
            (!e.is_empty() && !e.contains('/') && e != "writing" && e != "closed")
                .then(|| (e.to_string(), d.trim_end().to_string()))
        })
        .collect()
}

#[test]
fn a_study_session_killed_at_random_points_loses_nothing_and_resumes() {
    require_display();
    let study = Study::new();
    let ses = study.path("data/sub-P01/ses-1");
    let events_file = ses.join("sub-P01_ses-1_task-rest_events.tsv");
    // Kill points from a fixed LCG: 2–14 s after start, over calibration, the baseline, the
    // place and its ratings.
    let mut x: u64 = 0x5eed;
    let mut kills = Vec::new();
    for attempt in 0..3 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = 2.0 + (x >> 33) as f64 / (1u64 << 31) as f64 * 12.0;
        kills.push(after);
        let log = study.path(&format!("log{attempt}.txt"));
        let extra: &[&str] = if attempt == 0 {
            &["--markers", "stdin"]
        } else {
            &["--markers", "stdin", "--resume"]
        };
        let mut child = study
            .run(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let start = Instant::now();
        let mut sent = 0;
        while start.elapsed().as_secs_f64() < after {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let _ = writeln!(stdin, "TENS pulse {attempt}-{sent}");
            let _ = stdin.flush();
            sent += 1;
            std::thread::sleep(Duration::from_millis(250));
        }
        child.kill().unwrap(); // SIGKILL
        let killed_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        child.wait().unwrap();
        let log = std::fs::read_to_string(&log).unwrap();
        assert!(!log.contains("panicked"), "{log}");
        let text = std::fs::read_to_string(&events_file).unwrap_or_default();
        let rows: Vec<(String, String)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                (c[2].to_string(), c[5].to_string())
            })
            .collect();
        let said = logged(&log);
        assert!(said.len() >= 3, "killed after {after:.1} s:\n{log}");
        assert!(said.iter().any(|r| r.0 == "session_start"), "{said:?}");
        for r in &said {
            assert!(
                rows.contains(r),
                "logged but not on disk after the kill at {after:.1} s: {r:?}\n{text}"
            );
        }
        assert!(
            !ses.join("manifest.sha256").exists(),
            "a killed session is not closed"
        );
        // No head motion lost beyond the samples' flush: the last pose on disk against the
        // kill, on the attempt's own clock (its clock row gives the record's zero).
        let zero: f64 = text
            .rsplit("zero_unix_s=")
            .next()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .expect("the clock row gives the record's zero");
        let motion =
            std::fs::read_to_string(ses.join("sub-P01_ses-1_task-rest_motion.tsv")).unwrap();
        let last_pose: f64 = motion
            .lines()
            .last()
            .and_then(|l| l.split('\t').nth(1)?.parse().ok())
            .expect("motion on disk");
        // Counted in frames, not seconds (software rendering's frames can each take a
        // second on a busy machine, and a frame that has not begun has no pose to lose):
        // every frame that put an event on disk had its pose written within the samples'
        // flush (0.1 s), so a frame's event older than that (and half a second for a busy
        // machine's scheduling) has its pose on disk too.
        let kill = killed_at - zero;
        let witness = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next()?.parse::<f64>().ok())
            .filter(|t| *t < kill - 0.6)
            .fold(f64::MIN, f64::max);
        assert!(
            last_pose >= witness - 1e-4,
            "killed at {after:.1} s ({kill:.3} s on the record's clock): the last pose on \
             disk is at {last_pose:.4} s, but a frame at {witness:.4} s put an event on disk"
        );
        // Without --resume the next run refuses and says why.
        let refused = study.run(&[]).output().unwrap();
        assert_eq!(refused.status.code(), Some(2));
        assert!(
            stderr(&refused).contains("was interrupted"),
            "{}",
            stderr(&refused)
        );
        // The report reads what is there and marks it incomplete.
        let out = respite()
            .args(["report"])
            .arg(study.path("data"))
            .arg("--out")
            .arg(study.path("report"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let table = std::fs::read_to_string(study.path("report/sessions.tsv")).unwrap();
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("P01\t1\t1\tAB") || l.starts_with("P01\t1\t1\tBA")),
            "{table}"
        );
        assert!(table.contains("\tincomplete\tnone"), "{table}");
    }
    let markers = std::fs::read_to_string(&events_file).unwrap();
    assert!(
        markers.contains("source=stdin label=\"TENS pulse 0-"),
        "{markers}"
    );
    // Resumed to the end: closed with a manifest, the report says completed.
    let done = study.run(&["--resume"]).output().unwrap();
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(ses.join("manifest.sha256").exists(), "{}", stderr(&done));
    let text = std::fs::read_to_string(&events_file).unwrap();
    assert!(
        text.contains("session_end\tn/a") && text.contains("completed=true"),
        "{text}"
    );
    // Every resumed run says so, and they all share one events table and header.
    assert!(text.contains("\tsession_resumed\t"), "{text}");
    assert_eq!(text.matches("onset\tduration").count(), 1, "{text}");
    let sidecar =
        std::fs::read_to_string(ses.join("sub-P01_ses-1_task-rest_session.json")).unwrap();
    for key in [
        "\"git_revision\"",
        "\"protocol_sha256\"",
        "\"scene_sha256\"",
        "\"condition\"",
        "\"fov_deg\"",
    ] {
        assert!(sidecar.contains(key), "{sidecar}");
    }
    let out = respite()
        .arg("report")
        .arg(study.path("data"))
        .arg("--out")
        .arg(study.path("report"))
        .arg("--bids")
        .arg(study.path("bids"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let table = std::fs::read_to_string(study.path("report/sessions.tsv")).unwrap();
    // The unblinded export copies the motion, so every file was hashed.
    assert!(table.contains("\tcompleted\tverified"), "{table}");
    assert!(study.path("bids/dataset_description.json").is_file());
    validate_bids(&study.path("bids"));
    assert!(study.path("report/nrs_over_time.png").is_file());
    // Blinded: no condition name in the report, the key beside it and not in it.
    let out = respite()
        .arg("report")
        .arg(study.path("data"))
        .arg("--out")
        .arg(study.path("blind"))
        .arg("--blind")
        .arg("--bids")
        .arg(study.path("blind-bids"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("masks drawn and written to the key"),
        "{}",
        stderr(&out)
    );
    // The blinded export is a valid dataset too, without motion.
    validate_bids(&study.path("blind-bids"));
    assert!(!study.path("blind-bids/sub-P01/ses-1/motion").exists());
    let masked = std::fs::read_to_string(study.path("blind/sessions.tsv")).unwrap();
    assert!(
        masked.contains("\tX1\tmasked\t") || masked.contains("\tX2\tmasked\t"),
        "{masked}"
    );
    assert!(
        !masked.contains("\ta\t") && !masked.contains("screen"),
        "{masked}"
    );
    let key = std::fs::read_to_string(study.path("blind-key.tsv")).unwrap();
    assert!(
        key.starts_with("mask\tcondition\n") && key.contains("\ta\n"),
        "{key}"
    );
    // Given back, the key gives the same report, byte for byte.
    let again = respite()
        .arg("report")
        .arg(study.path("data"))
        .arg("--out")
        .arg(study.path("blind2"))
        .arg("--blind")
        .arg("--key")
        .arg(study.path("blind-key.tsv"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    for f in [
        "sessions.tsv",
        "contrasts.tsv",
        "report.md",
        "nrs_over_time.svg",
    ] {
        assert_eq!(
            std::fs::read(study.path("blind").join(f)).unwrap(),
            std::fs::read(study.path("blind2").join(f)).unwrap(),
            "{f}"
        );
    }
    eprintln!("kill points: {kills:?}");
}

/// A Moseley-style study: pain asked after the place every half minute until it is back
/// within a point of the baseline, and a questionnaire of the study's own (a file, no code)
/// after the place.
const RELIEF: &str = r#"Protocol(
    study: "relief",
    title: "Relief after the place",
    task: "walking",
    participants: 2,
    seed: 3,
    conditions: [
        Condition(name: "walk", scene: "plain", display: Screen, minutes: 1),
        Condition(name: "film", scene: "plain", display: Screen, minutes: 1, sound_level: Fixed),
    ],
    design: AbBa,
    washout: None,
    ratings: Ratings(baseline: true, every_min: 0, post: true),
    questionnaires: Questionnaires(after: ["calm"]),
    followup: Followup(every_min: 0.5, within: 1, max_min: 2),
)"#;

/// A made-up two-item questionnaire (not a published instrument).
const CALM: &str = r#"Questionnaire(
    code: "calm",
    title: "Two test questions",
    source: "Made up for Respite's tests",
    terms: "Written for these tests; free to use.",
    prompt: "Right now:",
    items: [
        Item(code: "calm1", text: "I feel calm.", min: 0, max: 4, anchors: ("0  not at all", "very  4")),
        Item(code: "calm2", text: "I feel at ease.", min: 0, max: 4, anchors: ("0  not at all", "very  4")),
    ],
    reversed: [],
    scores: [Score(name: "total", items: ["calm1", "calm2"], combine: Sum)],
)"#;

/// Baseline 6, post 2, the two questions 1 and 3, then the follow-ups 3 (half a minute
/// after) and 5 (a minute after: back within 1 of 6).
const RELIEF_SCRIPT: &str = r#"[
    (on: Question("baseline"), act: Say(Some(6))),
    (on: Question("post"), act: Say(Some(2))),
    (on: Question("post"), wait_s: 1.5, act: Say(Some(1))),
    (on: Question("post"), wait_s: 3.0, act: Say(Some(3))),
    (on: Question("after_0.5"), act: Say(Some(3))),
    (on: Question("after_1"), act: Say(Some(5))),
]"#;

#[test]
fn a_follow_up_asks_pain_after_the_place_until_it_is_back_and_the_report_times_it() {
    require_display();
    let study = Study::with(RELIEF, RELIEF_SCRIPT);
    let qdir = study.path("questionnaires");
    std::fs::create_dir_all(&qdir).unwrap();
    std::fs::write(qdir.join("calm.ron"), CALM).unwrap();
    let out = study
        .run(&[])
        .arg("--questionnaires-dir")
        .arg(&qdir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ses = study.path("data/sub-P01/ses-1");
    let events =
        std::fs::read_to_string(ses.join("sub-P01_ses-1_task-walking_events.tsv")).unwrap();
    for want in [
        "followup_start",
        "timepoint=post scale=calm value=1",
        "item=calm2",
        "questionnaire_score",
        "scheduled_min=0.5",
        "timepoint=after_0.5 scale=nrs value=3",
        "timepoint=after_1 scale=nrs value=5",
        "back_to_baseline=true after_min=1.00 reason=back",
    ] {
        assert!(
            events.contains(want),
            "{want}:
{events}"
        );
    }
    assert!(
        !events.contains("after_1.5"),
        "no question once pain is back:
{events}"
    );
    // Without the study's questionnaire file the protocol is refused, at its place.
    let refused = study.run(&[]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("p.ron:14:")
            && stderr(&refused).contains("unknown questionnaire 'calm'"),
        "{}",
        stderr(&refused)
    );
    let report = respite()
        .arg("report")
        .arg(study.path("data"))
        .arg("--out")
        .arg(study.path("report"))
        .arg("--questionnaires-dir")
        .arg(&qdir)
        .output()
        .unwrap();
    assert!(report.status.success(), "{}", stderr(&report));
    let course = std::fs::read_to_string(study.path("report/timecourse.tsv")).unwrap();
    let row: Vec<&str> = course
        .lines()
        .find(|l| l.starts_with("P01\t1\t"))
        .unwrap_or_else(|| panic!("{course}"))
        .split('\t')
        .collect();
    // participant session condition baseline 30% 50% to_baseline back last_followup auc
    assert_eq!(row[3], "6", "{course}");
    assert_eq!(
        (row[6], row[7], row[8]),
        ("1.00", "true", "1.00"),
        "{course}"
    );
    let relief: f64 = row[4].parse().unwrap();
    assert!(
        (0.9..1.2).contains(&relief),
        "30 % relief at the post rating: {course}"
    );
    let md = std::fs::read_to_string(study.path("report/report.md")).unwrap();
    assert!(
        md.contains("back to baseline 1.0 min after the place"),
        "{md}"
    );
    let scores = std::fs::read_to_string(study.path("report/scores.tsv")).unwrap();
    assert!(scores.contains("\tcalm\tpost\ttotal\t4.00\t"), "{scores}");
    let by_minute = std::fs::read_to_string(study.path("report/nrs_by_minute.tsv")).unwrap();
    assert!(
        by_minute.contains("\tafter\t0.5\t1\t3.00\t")
            && by_minute.contains("\tafter\t1\t1\t5.00\t"),
        "{by_minute}"
    );
    let sessions = std::fs::read_to_string(study.path("report/sessions.tsv")).unwrap();
    let p01 = sessions
        .lines()
        .find(|l| l.starts_with("P01\t1\t"))
        .unwrap();
    let cells: Vec<&str> = p01.split('\t').collect();
    // The sound level: the film condition's is fixed; the plain scene has no sound.
    let want = if cells[4] == "film" { "fixed" } else { "none" };
    assert_eq!(cells[6], want, "{sessions}");
    for f in [
        "nrs_over_time.svg",
        "nrs_over_time.png",
        "analysis.py",
        "redcap_import.csv",
    ] {
        assert!(study.path("report").join(f).is_file(), "{f}");
    }
}

/// The official BIDS validator (the `bids-validator` npm package, named by
/// `RESPITE_BIDS_VALIDATOR`; `.ci/run` installs it) must accept the export: errors fail,
/// warnings are allowed. Without it the check is skipped here, never in CI.
fn validate_bids(dir: &Path) {
    let Some(validator) =
        crate::support::tool_from_env("RESPITE_BIDS_VALIDATOR", "the export is not validated")
    else {
        return;
    };
    let out = std::process::Command::new(validator)
        .arg(dir)
        .output()
        .expect("run bids-validator");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        out.status.success(),
        "bids-validator refused the export:\n{text}"
    );
    assert!(!text.contains("[ERR]"), "{text}");
    assert!(text.contains("1 - Subject"), "{text}");
}
