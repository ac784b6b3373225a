//! A BIDS dataset made from a data folder: `dataset_description.json`, `participants.tsv`,
//! per-subject `sessions.tsv`, events under `beh/`, head tracking under `motion/` (with
//! `channels.tsv` and `motion.json`), and every answer with its timepoint, who gave it, how
//! and how fast, plus SSQ/IPQ items and scores, in `beh/*_beh.tsv`. What BIDS has no place
//! for (frame timing, `session.json`) stays in the data folder. A blinded export carries
//! masks only: events that would tell the conditions apart are left out (display, scene,
//! level, walk, input device), and so is motion (its sampling rate differs by display).

use super::blinding;
use super::data::{self, write_atomic};
use super::read as report;
use super::report::{Report, SessionResult};
use super::scoring::SCORING_VERSION;
use serde_json::json;
use std::fmt::Write;
use std::path::{Component, Path};

const BIDS_VERSION: &str = "1.10.0";

fn put(root: &Path, rel: &str, text: &str) -> Result<(), String> {
    // Every name is made of checked labels; this is the last guard that a file of the
    // dataset lands inside it.
    if rel.is_empty()
        || !Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(format!(
            "{}: refusing to write {rel:?}, which is not inside the dataset",
            root.display()
        ));
    }
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write_atomic(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).expect("plain JSON") + "\n"
}

/// Writes the dataset to `out` (made if missing). Condition labels follow the report's
/// blinding.
pub fn export(report: &Report, name: &str, out: &Path) -> Result<usize, String> {
    // `read_all` refuses these already; a report put together by hand is checked here.
    for r in &report.sessions {
        data::check_label("participant", &r.participant)
            .and_then(|()| data::check_label("task", &r.task))
            .map_err(|e| format!("{}: {e}; nothing exported", r.dir.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut files = 0;
    let mut put = |rel: &str, text: &str| {
        files += 1;
        put(out, rel, text)
    };
    put(
        "dataset_description.json",
        &json_text(&json!({
            "Name": name,
            "BIDSVersion": BIDS_VERSION,
            "DatasetType": "raw",
            "Authors": ["Respite"],
            "GeneratedBy": [{
                "Name": "respite",
                "Version": env!("CARGO_PKG_VERSION"),
                "Description": "Respite report export"
            }]
        })),
    )?;
    let blinded = report.blinding.is_some();
    put(
        "README",
        &if blinded {
            format!(
                "{name}\n\nRecorded with Respite, a pain-distraction application. \
                 Each session is one condition, named by a mask (X1, X2, ...); the key is kept \
                 apart from this dataset. beh/*_events.tsv holds the session's events that name \
                 no condition (phases, ratings, questionnaire items and scores, pauses, the \
                 end), written as they happened; beh/*_beh.tsv holds every answer with its \
                 timepoint and who gave it, and the SSQ and IPQ raw items and scores \
                 ({SCORING_VERSION}). Head motion is left out of a blinded export.\n"
            )
        } else {
            format!(
                "{name}\n\nRecorded with Respite, an immersive pain-distraction application for \
                 VR headsets and screens. Each session is one condition (a scene on a display at \
                 an immersion level). beh/*_events.tsv holds every event of the session (phase \
                 changes, ratings with the timepoint, who answered and how, questionnaire items, \
                 markers), written as it happened; beh/*_beh.tsv holds every answer with its \
                 timepoint, who gave it, how and how fast, and the SSQ and IPQ raw items and \
                 scores ({SCORING_VERSION}). motion/ holds the head (or, on a screen, the view \
                 camera's) pose per rendered frame.\n"
            )
        },
    )?;
    let mut people: Vec<&str> = report
        .sessions
        .iter()
        .map(|s| s.participant.as_str())
        .collect();
    people.dedup();
    let mut participants = String::from("participant_id\tsequence\n");
    for p in &people {
        let seq = report
            .sessions
            .iter()
            .find(|s| s.participant == *p)
            .map_or("n/a".into(), |s| report.sequence_label(s));
        writeln!(participants, "sub-{p}\t{seq}").unwrap();
    }
    put("participants.tsv", &participants)?;
    put(
        "participants.json",
        &json_text(&json!({
            "sequence": {"Description": if blinded {
                "The order of conditions as their masks, period by period"
            } else {
                "The order of conditions (letters in the protocol's order), n/a when not in a study"
            }}
        })),
    )?;
    let mut tasks: Vec<String> = Vec::new();
    for p in &people {
        let mut sessions = String::from("session_id\tcondition\tdisplay\tperiod\tstatus\n");
        for r in report.sessions.iter().filter(|s| s.participant == *p) {
            let task = r.task.clone();
            if !tasks.contains(&task) {
                tasks.push(task.clone());
            }
            let display = if blinded {
                "masked"
            } else {
                r.display.as_str()
            };
            writeln!(
                sessions,
                "ses-{}\t{}\t{}\t{}\t{}",
                r.session,
                data::cell(&report.label(&r.condition)),
                if display.is_empty() {
                    "n/a".to_string()
                } else {
                    data::cell(display)
                },
                r.period.map_or("n/a".into(), |p| p.to_string()),
                r.status.code()
            )
            .unwrap();
            let base = format!("sub-{p}/ses-{}", r.session);
            let stem = format!("sub-{p}_ses-{}_task-{task}", r.session);
            // Events: BIDS's columns first, ours after; no masked condition names leak
            // because events carry none. Only the rows the report read go in (no torn or
            // unreadable line, no refused answer), each as written.
            let events_file = report::events_path(&r.dir)?;
            let (rows, _) = report::load_events(&events_file)?;
            let bytes = std::fs::read(&events_file)
                .map_err(|e| format!("{}: {e}", events_file.display()))?;
            let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            let mut clean = format!("{}\n", data::EVENTS_HEADER);
            for e in &rows {
                if blinded {
                    if let Some(line) = blinding::blinded_event(e) {
                        clean.push_str(&line);
                    }
                    continue;
                }
                let line = lines
                    .get(e.line - 1)
                    .and_then(|l| std::str::from_utf8(l).ok())
                    .unwrap_or_default();
                clean.push_str(line.strip_suffix('\r').unwrap_or(line));
                clean.push('\n');
            }
            let files = data::SessionFiles {
                dir: r.dir.clone(),
                prefix: events_file
                    .file_name()
                    .and_then(|n| n.to_str()?.strip_suffix("events.tsv"))
                    .unwrap_or_default()
                    .to_string(),
            };
            put(&format!("{base}/beh/{stem}_events.tsv"), &clean)?;
            put(&format!("{base}/beh/{stem}_beh.tsv"), &answers(r, blinded)?)?;
            // Motion: no header, latency first. Left out blinded: its rate names the display.
            let motion = if blinded {
                None
            } else {
                std::fs::read_to_string(files.file("motion.tsv")).ok()
            };
            if let Some(motion) = motion {
                let mut rows = String::new();
                let mut times = Vec::new();
                // Whole rows only: a torn last line or a non-finite number is left out.
                let complete = motion.rfind('\n').map_or("", |end| &motion[..end]);
                for line in complete.lines().skip(1) {
                    let c: Vec<&str> = line.split('\t').collect();
                    if c.len() != 9
                        || !c[1..]
                            .iter()
                            .all(|v| v.parse::<f64>().is_ok_and(f64::is_finite))
                    {
                        continue;
                    }
                    if let Ok(t) = c[1].parse::<f64>() {
                        times.push(t);
                    }
                    writeln!(rows, "{}", c[1..].join("\t")).unwrap();
                }
                if times.len() >= 2 {
                    let span = times[times.len() - 1] - times[0];
                    let rate = if span > 0.0 {
                        (times.len() - 1) as f64 / span
                    } else {
                        0.0
                    };
                    // A screen's view camera is not a tracked head.
                    let (tracksys, system, point) = if r.display == "screen" {
                        (
                            "screencamera",
                            "screen view camera (mouse look)",
                            "viewcamera",
                        )
                    } else {
                        ("headset", "headset", "head")
                    };
                    let ms = format!("{base}/motion/{stem}_tracksys-{tracksys}");
                    put(&format!("{ms}_motion.tsv"), &rows)?;
                    let mut ch = String::from("name\tcomponent\ttype\ttracked_point\tunits\n");
                    ch.push_str("latency\tn/a\tLATENCY\tn/a\ts\n");
                    for a in ["x", "y", "z"] {
                        writeln!(ch, "{point}_{a}\t{a}\tPOS\t{point}\tm").unwrap();
                    }
                    for a in ["x", "y", "z", "w"] {
                        writeln!(ch, "{point}_quat_{a}\tquat_{a}\tORNT\t{point}\tn/a").unwrap();
                    }
                    put(&format!("{ms}_channels.tsv"), &ch)?;
                    put(
                        &format!("{ms}_motion.json"),
                        &json_text(&json!({
                            "TaskName": task,
                            "TrackingSystemName": system,
                            "SamplingFrequency": (rate * 100.0).round() / 100.0,
                            "SamplingFrequencyEffective": (rate * 100.0).round() / 100.0,
                            "MotionChannelCount": 8,
                            "POSChannelCount": 3,
                            "ORNTChannelCount": 4,
                            "LATENCYChannelCount": 1,
                            "RecordingDuration": (span * 100.0).round() / 100.0,
                            "RecordingType": "continuous",
                            "TrackedPointsCount": 1
                        })),
                    )?;
                }
            }
        }
        put(&format!("sub-{p}/sub-{p}_sessions.tsv"), &sessions)?;
    }
    for task in &tasks {
        put(
            &format!("task-{task}_beh.json"),
            &json_text(&json!({
                "TaskName": task,
                "TaskDescription": if blinded {
                    "Time in a calm place with pain ratings and questionnaires"
                } else {
                    "Time in a calm virtual place (headset or screen) with pain ratings and questionnaires"
                },
                "measure": {"Description": "What was answered", "Levels": {
                    "nrs": "pain intensity 0 no pain - 10 worst pain imaginable",
                    "fms": "Fast Motion sickness Scale 0-20",
                    "ssq": "Simulator Sickness Questionnaire (Kennedy et al. 1993), items 0-3",
                    "ipq": "igroup Presence Questionnaire, items 0-6 (published -3..+3 shifted by 3); SP2, INV3, REAL1 reverse-keyed in the scores"}},
                "timepoint": {"Description": "baseline; minute_<m> in the place (m minutes after it began); post; after_<m> (a follow-up m minutes after the place); washout_<n> (the n-th pain check of the rest before this condition); asked_<n> (asked by the therapist); for questionnaires pre (before the baseline) or post (after the post rating)"},
                "item": {"Description": "The item's code (ssq01-ssq16, ipq_g1 ... ipq_real4), the rating's scale, or a score's name"},
                "value": {"Description": "The answer, or the score; n/a when skipped"},
                "derived": {"Description": format!("true for a score computed from the items ({SCORING_VERSION})"), "Levels": {"true": "score", "false": "raw answer"}},
                "by": {"Description": "Who entered the answer; n/a for a score", "Levels": {"patient": "the patient", "therapist": "the therapist, typing what the patient said"}},
                "via": {"Description": if blinded { "How the answer was entered: masked in a blinded export" } else { "How the answer was entered (gaze, keys, mouse, controller, console); n/a for a score" }},
                "latency_s": {"Description": if blinded { "Left out (n/a) in a blinded export: how fast an answer came says how it was given" } else { "Seconds from the question appearing to the answer; n/a for a score" }, "Units": "s"}
            })),
        )?;
        put(
            &format!("task-{task}_events.json"),
            &json_text(&json!({
                "trial_type": {"Description": "What happened: phase, rating (pain, sickness and each questionnaire item), questionnaire_score, marker, emergency_stop, session_end, …"},
                "value": {"Description": "The answer of a rating or questionnaire item; n/a otherwise"},
                "scene_s": {"Description": if blinded {
                    "Left out (n/a) in a blinded export"
                } else {
                    "Scene time in seconds (stops while paused or the headset is off)"
                }, "Units": "s"},
                "detail": {"Description": if blinded {
                    "The event's key=values that name no condition: timepoint, scale, by (patient or therapist), latency_s, …"
                } else {
                    "Every key=value the event has: timepoint, scale, by (patient or therapist), via (gaze, keys, mouse, controller, console), latency_s, …"
                }}
            })),
        )?;
    }
    Ok(files)
}

/// One session's answers, long: every rating with who gave it, how and how fast (a
/// sickness check at its minute, a washout or follow-up at its own), then each score.
fn answers(r: &SessionResult, blinded: bool) -> Result<String, String> {
    let mut t = String::from("measure\ttimepoint\titem\tvalue\tderived\tby\tvia\tlatency_s\n");
    for a in &r.ratings {
        let via = if blinded && a.via != "n/a" {
            "masked"
        } else {
            a.via.as_str()
        };
        writeln!(
            t,
            "{}\t{}\t{}\t{}\tfalse\t{}\t{}\t{}",
            data::cell(&a.scale),
            data::cell(&a.timepoint),
            data::cell(a.item.as_deref().unwrap_or(&a.scale)),
            a.value.map_or("n/a".into(), |v| v.to_string()),
            data::cell(&a.by),
            data::cell(via),
            a.latency_s
                .filter(|_| !blinded)
                .map_or("n/a".into(), |l| format!("{l:.2}")),
        )
        .unwrap();
    }
    for (q, when, items) in &r.questionnaires {
        for (name, score) in q.scores(items)? {
            writeln!(
                t,
                "{}\t{when}\t{}_{name}\t{score:.2}\ttrue\tn/a\tn/a\tn/a",
                q.code(),
                q.code()
            )
            .unwrap();
        }
    }
    Ok(t)
}
