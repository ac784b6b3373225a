//! Walking scenes on the real binary: a walk under way in the window, its record written as
//! it happens, and the legs in the picture when looking down.

use crate::support::{Picture, ROOT, picture_dir, require_display, respite, stderr};
use std::path::Path;

/// A scenes folder holding the shipped forest trail with marks every 10 s, so a short run
/// sees some.
fn quick_trail() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = std::fs::read_to_string(Path::new(ROOT).join("scenes/forest_trail_walk.ron"))
        .expect("shipped walk");
    let quick = src.replace(
        "mode: TimeMarked(minutes: 10.0),",
        "mode: TimeMarked(minutes: 10.0, mark_s: 10.0),",
    );
    assert_ne!(quick, src, "the shipped walk's mode line changed");
    std::fs::write(dir.path().join("forest_trail_walk.ron"), quick).expect("write scene");
    dir
}

fn column(rows: &[Vec<String>], event: &str) -> Vec<Vec<String>> {
    rows.iter().filter(|r| r[2] == event).cloned().collect()
}

#[test]
fn a_walk_runs_in_the_window_and_its_record_is_written_as_it_happens() {
    require_display();
    let scenes = quick_trail();
    let record = tempfile::tempdir().expect("temp dir");
    let body = record.path().join("body.ron");
    std::fs::write(
        &body,
        "(height_m: 1.62, build: Female, trousers: \"#7a5c8c\", legwear: Shorts)",
    )
    .unwrap();
    // A step faster by key, three seconds into the place.
    let pilot = record.path().join("pilot.ron");
    std::fs::write(&pilot, "[(on: InPlaceS(3.0), act: Keys([\"ArrowUp\"]))]").unwrap();
    let out = respite()
        .args(["run", "--scene", "forest_trail_walk", "--display", "flat"])
        .args(["--size", "256x144", "--minutes", "0.25", "--no-ratings"])
        .arg("--scenes-dir")
        .arg(scenes.path())
        .arg("--autopilot")
        .arg(&pilot)
        .arg("--body")
        .arg(&body)
        .arg("--record")
        .arg(record.path())
        .output()
        .expect("run respite");
    let err = stderr(&out);
    assert!(out.status.success(), "{:?}\n{err}", out.status);
    let events = std::fs::read_to_string(record.path().join("events.tsv")).expect("events.tsv");
    let mut lines = events.lines();
    assert_eq!(
        lines.next(),
        Some("onset\tduration\ttrial_type\tvalue\tscene_s\tdetail")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    assert!(rows.iter().all(|r| r.len() == 6), "{events}");
    // The body the patient chose is on record.
    let body = column(&rows, "body");
    assert!(
        body[0][5].contains("height_m=1.62 build=Female legwear=Shorts"),
        "{events}"
    );
    // Eyes at a 1.62 m walker's height.
    assert_eq!(field(&body[0][5], "eye_height_m"), 1.52, "{events}");
    // The pace change, on record with how it came.
    let pace = column(&rows, "walk_pace");
    assert_eq!(pace.len(), 1, "{events}");
    assert!(pace[0][5].ends_with("by=therapist via=keys"), "{events}");
    // The walk began, marked every 10 s of walking, and ended with the session.
    assert_eq!(column(&rows, "walk_start").len(), 1, "{events}");
    let marks = column(&rows, "walk_mark");
    assert!(!marks.is_empty(), "{events}");
    assert!(marks[0][5].starts_with("mark=1 walked_m="), "{events}");
    let end = column(&rows, "walk_end");
    assert_eq!(end.len(), 1, "{events}");
    let walked: f32 = field(&end[0][5], "walked_m");
    let steps: f32 = field(&end[0][5], "steps");
    let seconds: f32 = field(&end[0][5], "walking_s");
    // 15 s in the place at up to 0.8 m/s, then 0.9 after the key, eased in.
    assert!(
        walked > 5.0 && walked < 0.9 * seconds,
        "{walked} m in {seconds} s"
    );
    // About 1.5 steps a metre for a 1.62 m walker at this pace.
    assert!(
        steps > walked * 1.2 && steps < walked * 2.4,
        "{steps} steps, {walked} m"
    );
    // Phases in order, ending with the planned close.
    let phase_rows = column(&rows, "phase");
    let names: Vec<String> = phase_rows.iter().map(|r| r[5].clone()).collect();
    assert_eq!(
        names,
        [
            "phase=Calibrate",
            "phase=Immersion",
            "phase=Closing how=Planned",
            "phase=Done how=Planned"
        ],
        "{events}"
    );
    // Onsets never go backwards.
    let onsets: Vec<f64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(onsets.windows(2).all(|w| w[0] <= w[1]), "{events}");
    // The head moved forward along the path in the motion samples.
    let motion = std::fs::read_to_string(record.path().join("motion.tsv")).expect("motion.tsv");
    let xyz: Vec<Vec<f64>> = motion
        .lines()
        .skip(1)
        .map(|l| {
            l.split('\t')
                .skip(2)
                .take(3)
                .map(|v| v.parse().unwrap())
                .collect()
        })
        .collect();
    let (a, b) = (&xyz[0], &xyz[xyz.len() - 1]);
    let moved = ((b[0] - a[0]).powi(2) + (b[2] - a[2]).powi(2)).sqrt();
    // By the end of the closing fade the walker has coasted on a little past the logged end.
    assert!(
        moved as f32 > walked - 0.5 && (moved as f32) < walked + 3.5,
        "head moved {moved} m, walk says {walked}"
    );
}

fn field(detail: &str, key: &str) -> f32 {
    detail
        .split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {detail}"))
        .parse()
        .unwrap()
}

/// Trouser-blue pixels (the default profile's #5a789c, lit or shaded).
fn trouser(p: [u8; 3]) -> bool {
    let [r, g, b] = p.map(i32::from);
    b > r + 25 && b > g + 8 && b > 60
}

#[test]
fn looking_down_shows_the_legs_and_from_behind_the_whole_walker() {
    require_display();
    for (view, pitch, name) in [
        ("first-person", "-62", "down"),
        ("third-person", "-15", "behind"),
    ] {
        let path = picture_dir().join(format!("forest_trail_walk-{name}.png"));
        let out = respite()
            .args([
                "screenshot",
                "--scene",
                "forest_trail_walk",
                "--size",
                "480x270",
            ])
            .args(["--frames", "6", "--walk-at", "40.2", "--view", view])
            .arg(format!("--pitch={pitch}"))
            .arg("--out")
            .arg(&path)
            .output()
            .expect("run respite");
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let p = Picture::load(&path);
        // The legs stand in the lower middle of the picture looking down, in the middle
        // from behind; not where the path runs on or the grass grows.
        let (legs, elsewhere) = if name == "down" {
            (
                p.share(0.3, 0.6, 0.7, 1.0, trouser),
                p.share(0.0, 0.0, 1.0, 0.3, trouser),
            )
        } else {
            // From behind the sky is at the top: compare with the grass and trees beside.
            (
                p.share(0.4, 0.4, 0.6, 0.9, trouser),
                p.share(0.0, 0.4, 0.3, 0.9, trouser),
            )
        };
        // Measured: 2.7 % of the middle strip from behind (thin legs far off), far more
        // looking down.
        let least = if name == "down" { 0.05 } else { 0.015 };
        assert!(
            legs > least,
            "{name}: legs cover only {:.1} %",
            legs * 100.0
        );
        assert!(
            elsewhere < 0.005,
            "{name}: trouser colour elsewhere ({elsewhere})"
        );
    }
}
