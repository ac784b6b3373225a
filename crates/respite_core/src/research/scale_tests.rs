//! A study at scale: a generator of realistic, closed session folders (a test fixture, never
//! shipped data), a report on a small one checked against figures worked out by hand, and
//! the study `respite bench --report` measures, written on request.

use super::data::{self, Sidecar, Verify};
use super::questionnaire::Questionnaire;
use super::report::{self, Report, Status};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// How big a generated study is.
#[derive(Clone, Copy)]
pub(crate) struct StudySize {
    pub participants: usize,
    /// Sessions per participant: headset then screen (odd participants) or the other way.
    pub periods: usize,
    /// Head-pose and frame rows per session (54 000: ten minutes at 90 Hz).
    pub rows: usize,
}

/// Participant `k`'s (0-based) baseline pain, and their pain after each display: 5, 6 or 7
/// at baseline; 3 points less after the headset, 1 less after the screen.
pub(crate) fn pain(k: usize, headset: bool) -> (u8, u8) {
    let base = 5 + (k % 3) as u8;
    (base, base - if headset { 3 } else { 1 })
}

/// Writes `size` sessions under `data` as the app writes them (sub-Pnnn/ses-k: events,
/// session.json, motion, frames, the manifest). Returns the bytes written.
pub(crate) fn synthetic_study(data: &Path, size: StudySize) -> u64 {
    let mut bytes = 0u64;
    for k in 0..size.participants {
        let participant = format!("P{:03}", k + 1);
        for period in 1..=size.periods {
            let headset = (period + k) % 2 == 1;
            let files = data::SessionFiles::bids(data, &participant, period, "distraction");
            std::fs::create_dir_all(&files.dir).unwrap();
            let condition = if headset { "headset" } else { "screen" };
            let side = Sidecar {
                app: "respite".into(),
                participant: participant.clone(),
                session: period,
                task: "distraction".into(),
                study: Some("scale".into()),
                condition: Some(condition.into()),
                conditions: vec!["headset".into(), "screen".into()],
                period: Some(period),
                sequence: Some(if k % 2 == 0 { "AB" } else { "BA" }.into()),
                scene: "forest_glade".into(),
                display: if headset { "headset" } else { "screen" }.into(),
                minutes: 10.0,
                ..Default::default()
            };
            let json = side.to_json();
            std::fs::write(files.file("session.json"), &json).unwrap();
            let events = session_events(k, headset);
            std::fs::write(files.file("events.tsv"), &events).unwrap();
            bytes += (json.len() + events.len()) as u64;
            bytes += recordings(&files, size.rows, k);
            data::write_manifest(&files.dir).unwrap();
        }
    }
    bytes
}

/// A ten-minute session's events, as the app records them: start, level, display, the
/// phases, SSQ before, the baseline, pain at 5 and 10 minutes, sickness checks every 2
/// minutes, the post rating, SSQ and IPQ after, and a completed end.
fn session_events(k: usize, headset: bool) -> String {
    let (base, post) = pain(k, headset);
    let mut ev = format!("{}\n", data::EVENTS_HEADER);
    let mut t = 0.0;
    let mut add = |at: f64, kind: &str, d: String| {
        t = f64::max(t, at);
        ev.push_str(&data::event_line(t, t, kind, &d));
        t += 0.5;
    };
    let rating = |tp: &str, scale: &str, item: Option<&str>, v: u8| {
        let item = item.map_or(String::new(), |i| format!(" item={i}"));
        format!("timepoint={tp} scale={scale}{item} value={v} by=patient via=gaze latency_s=1.20")
    };
    add(
        0.0,
        "clock",
        "zero_unix_s=1796129866.736396 source=system_clock".into(),
    );
    add(0.0, "phase", "phase=Calibrate".into());
    add(
        3.0,
        "calibrate",
        "eye_height_m=1.200 head_yaw_deg=-0.0".into(),
    );
    for (i, item) in Questionnaire::ssq().items().iter().enumerate() {
        add(
            10.0,
            "rating",
            rating("pre", "ssq", Some(item.code), ((i + k) % 2) as u8),
        );
    }
    add(40.0, "phase", "phase=Baseline".into());
    add(45.0, "rating", rating("baseline", "nrs", None, base));
    add(50.0, "phase", "phase=Immersion".into());
    let start = 50.0;
    for minute in 1..=10 {
        let at = start + 60.0 * minute as f64;
        if minute % 2 == 0 {
            add(
                at,
                "rating",
                rating(
                    &format!("minute_{minute}"),
                    "fms",
                    None,
                    (minute / 2 % 3) as u8,
                ),
            );
        }
        if minute % 5 == 0 {
            let v = base as f64 + (post as f64 - base as f64) * minute as f64 / 10.0;
            add(
                at,
                "rating",
                rating(&format!("minute_{minute}"), "nrs", None, v.round() as u8),
            );
        }
    }
    add(start + 605.0, "phase", "phase=Closing how=Planned".into());
    add(start + 610.0, "rating", rating("post", "nrs", None, post));
    for (i, item) in Questionnaire::ssq().items().iter().enumerate() {
        add(
            620.0,
            "rating",
            rating("post", "ssq", Some(item.code), ((i + k) % 3) as u8),
        );
    }
    for (i, item) in Questionnaire::ipq().items().iter().enumerate() {
        let v = if headset {
            4 + (i + k) % 3
        } else {
            1 + (i + k) % 3
        };
        add(
            650.0,
            "rating",
            rating("post", "ipq", Some(item.code), v as u8),
        );
    }
    add(
        700.0,
        "session_end",
        "how=Planned completed=true in_place_s=600.0".into(),
    );
    add(700.0, "phase", "phase=Done how=Planned".into());
    ev
}

/// The head pose and frame times of a session, `rows` of each at 90 Hz, a slow look around.
fn recordings(files: &data::SessionFiles, rows: usize, k: usize) -> u64 {
    let mut motion =
        std::io::BufWriter::new(std::fs::File::create(files.file("motion.tsv")).unwrap());
    let mut frames =
        std::io::BufWriter::new(std::fs::File::create(files.file("frames.tsv")).unwrap());
    let mut line = String::with_capacity(96);
    let mut bytes = 0u64;
    line.push_str("frame\tt_s\tx\ty\tz\tqx\tqy\tqz\tqw\n");
    motion.write_all(line.as_bytes()).unwrap();
    bytes += line.len() as u64;
    line.clear();
    line.push_str("frame\tt_s\tframe_ms\tperiod_ms\tdropped\tpredicted_display_s\n");
    frames.write_all(line.as_bytes()).unwrap();
    bytes += line.len() as u64;
    for i in 0..rows {
        let t = i as f64 / 90.0;
        let yaw = 0.4 * (t * 0.1 + k as f64).sin();
        let (s, c) = (yaw / 2.0).sin_cos();
        line.clear();
        writeln!(
            line,
            "{}\t{t:.4}\t{:.4}\t{:.4}\t{:.4}\t0.00000\t{s:.5}\t0.00000\t{c:.5}",
            i + 1,
            0.01 * (t * 0.3).sin(),
            1.2 + 0.005 * (t * 0.7).sin(),
            0.01 * (t * 0.2).cos(),
        )
        .unwrap();
        motion.write_all(line.as_bytes()).unwrap();
        bytes += line.len() as u64;
        line.clear();
        writeln!(
            line,
            "{}\t{t:.4}\t11.111\t11.111\t0\t{:.4}",
            i + 1,
            t + 0.02
        )
        .unwrap();
        frames.write_all(line.as_bytes()).unwrap();
        bytes += line.len() as u64;
    }
    motion.flush().unwrap();
    frames.flush().unwrap();
    bytes
}

/// Six participants, two periods each: every figure of the report is one a reader can work
/// out from [`pain`]. Headset: baselines 5, 6, 7, 5, 6, 7 and post 2, 3, 4, 2, 3, 4 (mean
/// 3.00, change −3.00 each); screen: post 4, 5, 6, 4, 5, 6 (mean 5.00, change −1.00 each).
#[test]
fn a_generated_study_reads_back_with_the_figures_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let size = StudySize {
        participants: 6,
        periods: 2,
        rows: 300,
    };
    let bytes = synthetic_study(dir.path(), size);
    assert!(bytes > 12 * 300 * 60, "{bytes}");
    let read = report::read_all(dir.path()).unwrap();
    assert_eq!(read.skipped, vec![]);
    assert_eq!(read.sessions.len(), 12);
    for r in &read.sessions {
        assert_eq!(r.status, Status::Completed, "{}", r.name());
        assert_eq!(r.manifest, Some(vec![]), "{}", r.name());
        assert_eq!(r.during.len(), 2, "minutes 5 and 10");
        assert_eq!(r.fms, vec![1, 2, 0, 1, 2], "{}", r.name());
    }
    let report = Report::new(read, None);
    let conditions = report.conditions_tsv();
    let row = |condition: &str, outcome: &str| -> Vec<String> {
        conditions
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
            .find(|c| c[0] == condition && c[1] == outcome)
            .unwrap_or_else(|| panic!("no {condition} {outcome} in\n{conditions}"))
    };
    // condition, outcome, n, mean, SD
    assert_eq!(row("headset", "baseline_nrs")[2..4], ["6", "6.00"]);
    assert_eq!(row("headset", "post_nrs")[2..5], ["6", "3.00", "0.89"]);
    assert_eq!(row("screen", "post_nrs")[2..5], ["6", "5.00", "0.89"]);
    assert_eq!(row("headset", "change")[2..5], ["6", "-3.00", "0.00"]);
    assert_eq!(row("screen", "change")[2..5], ["6", "-1.00", "0.00"]);
    // Minutes 5 and 10 (headset, baseline 5 → 2: 3.5 rounds to 4, then 2): mean 3.
    assert_eq!(
        report.sessions[0].during,
        vec![(5.0, 4.0), (10.0, 2.0)],
        "P001 ses-1 is the headset"
    );
    let sessions = report.sessions_tsv();
    let first = sessions.lines().nth(1).unwrap();
    assert!(first.starts_with("P001\t1\t1\t"), "{first}");
    assert!(first.ends_with("\tcompleted\tok\tn/a"), "{first}");
}

/// The report reads what its numbers come from and finds the recordings without
/// re-reading them; `--verify` hashes those too. A changed answer is always caught.
#[test]
fn the_report_hashes_what_it_reads_and_verify_hashes_every_recording() {
    let dir = tempfile::tempdir().unwrap();
    let size = StudySize {
        participants: 1,
        periods: 1,
        rows: 200,
    };
    synthetic_study(dir.path(), size);
    let ses = dir.path().join("sub-P001/ses-1");
    let file = |name: &str| ses.join(format!("sub-P001_ses-1_task-distraction_{name}"));
    let read = |verify| report::read_session_with(&ses, verify).unwrap().manifest;
    assert_eq!(read(Verify::Read), Some(vec![]));
    assert_eq!(read(Verify::All), Some(vec![]));
    let verified = report::read_session_with(&ses, Verify::All).unwrap();
    let report = Report::new(vec![verified], None);
    assert!(
        report.sessions_tsv().contains("\tcompleted\tverified\tn/a"),
        "{}",
        report.sessions_tsv()
    );
    // Only the recordings by their names are spared the hash, never a look-alike.
    for (name, recording) in [
        ("motion.tsv", true),
        ("sub-P001_ses-1_task-distraction_frames.tsv", true),
        ("emotion.tsv", false),
        ("keyframes.tsv", false),
        ("sub-P001_ses-1_task-distraction_events.tsv", false),
    ] {
        assert_eq!(data::is_recording(name), recording, "{name}");
    }
    // One digit of one pose, the file's length unchanged.
    let motion = std::fs::read_to_string(file("motion.tsv")).unwrap();
    let changed = motion.replacen("\t1.2000\t", "\t1.2001\t", 1);
    assert_ne!(motion, changed);
    std::fs::write(file("motion.tsv"), &changed).unwrap();
    assert_eq!(read(Verify::Read), Some(vec![]), "found, not re-read");
    let motion_name = "sub-P001_ses-1_task-distraction_motion.tsv".to_string();
    assert_eq!(read(Verify::All), Some(vec![motion_name.clone()]));
    // A recording gone is named either way.
    std::fs::remove_file(file("frames.tsv")).unwrap();
    let frames_name = "sub-P001_ses-1_task-distraction_frames.tsv".to_string();
    assert_eq!(read(Verify::Read), Some(vec![frames_name.clone()]));
    // An answer changed is named by the plain report.
    let events = std::fs::read_to_string(file("events.tsv")).unwrap();
    std::fs::write(
        file("events.tsv"),
        events.replacen(
            "timepoint=post scale=nrs value=2",
            "timepoint=post scale=nrs value=3",
            1,
        ),
    )
    .unwrap();
    let events_name = "sub-P001_ses-1_task-distraction_events.tsv".to_string();
    assert_eq!(
        read(Verify::Read),
        Some(vec![events_name.clone(), frames_name.clone()])
    );
    assert_eq!(
        read(Verify::All),
        Some(vec![events_name, frames_name, motion_name])
    );
}

/// The study `respite bench --report` reads: 500 participants × 2 sessions, each ten minutes
/// of head pose and frame times at 90 Hz (about 6 GB in all). Written only when
/// `RESPITE_REPORT_BENCH_DATA` names an empty or new folder; run it in release:
/// `RESPITE_REPORT_BENCH_DATA=/tmp/study cargo test -p respite_core --release -- --ignored
/// write_the_report_bench_study`.
#[test]
#[ignore = "writes about 6 GB: run by hand for respite bench --report"]
fn write_the_report_bench_study() {
    let Some(dir) = std::env::var_os("RESPITE_REPORT_BENCH_DATA") else {
        eprintln!("skipped: RESPITE_REPORT_BENCH_DATA is not set");
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    if dir.exists() {
        assert!(
            std::fs::read_dir(&dir).unwrap().next().is_none(),
            "{} is not empty",
            dir.display()
        );
    }
    let size = StudySize {
        participants: 500,
        periods: 2,
        rows: 54_000,
    };
    let bytes = synthetic_study(&dir, size);
    eprintln!(
        "wrote {} sessions, {:.2} GB, to {}",
        size.participants * size.periods,
        bytes as f64 / 1e9,
        dir.display()
    );
}
