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

/// Walked metres at each 10 s mark of a record.
fn marks_walked(rows: &[Vec<String>]) -> Vec<f32> {
    column(rows, "walk_mark")
        .iter()
        .map(|r| field(&r[5], "walked_m"))
        .collect()
}

fn run_walk(
    extra: &[&str],
    pilot: &str,
    minutes: &str,
) -> (tempfile::TempDir, Vec<Vec<String>>, String) {
    let scenes = quick_trail();
    let record = tempfile::tempdir().expect("temp dir");
    let script = record.path().join("pilot.ron");
    std::fs::write(&script, pilot).unwrap();
    let out = respite()
        .args(["run", "--scene", "forest_trail_walk", "--display", "flat"])
        .args(["--size", "256x144", "--minutes", minutes, "--no-ratings"])
        .args(extra)
        .arg("--scenes-dir")
        .arg(scenes.path())
        .arg("--autopilot")
        .arg(&script)
        .arg("--record")
        .arg(record.path())
        .output()
        .expect("run respite");
    assert!(out.status.success(), "{:?}\n{}", out.status, stderr(&out));
    let events = std::fs::read_to_string(record.path().join("events.tsv")).expect("events.tsv");
    let rows = rows_of(&events);
    (record, rows, events)
}

/// The rows of an events table, header left out, each split into its cells.
fn rows_of(events: &str) -> Vec<Vec<String>> {
    events
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// Head positions per frame from motion.tsv: (t_s, x, y, z).
fn head_track(record: &Path) -> Vec<[f64; 4]> {
    std::fs::read_to_string(record.join("motion.tsv"))
        .expect("motion.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<f64> = l.split('\t').map(|v| v.parse().unwrap()).collect();
            [v[1], v[2], v[3], v[4]]
        })
        .collect()
}

/// Never faster than the walk's pace (0.8 m/s; scene time never runs ahead of real time),
/// never a lurch up or down.
fn no_lurch(track: &[[f64; 4]], what: &str) {
    for w in track.windows(2) {
        let d = ((w[1][1] - w[0][1]).powi(2) + (w[1][3] - w[0][3]).powi(2)).sqrt();
        let dt = w[1][0] - w[0][0];
        assert!(d <= 0.8 * dt * 1.02 + 1e-4, "{what}: {d:.3} m in {dt:.3} s");
        assert!(
            (w[1][2] - w[0][2]).abs() <= 0.12 * d + 2e-3,
            "{what}: the view lurched"
        );
    }
}

#[test]
fn alternating_keys_walk_an_interactive_walk_faster_swings_faster_and_no_swings_an_eased_stop() {
    require_display();
    // One swing a second for the first 10 s of walking, two a second for the next 10,
    // then none. (The walk starts once the place has faded in, 3 s into it: swings
    // before then move nothing and are not on record.)
    let (record, rows, all) = run_walk(
        &["--walking", "interactive"],
        "[(on: InPlaceS(0.5), act: Swings(per_s: 1.0, for_s: 12.5)),
          (on: InPlaceS(13.0), act: Swings(per_s: 2.0, for_s: 10.0)),
          (on: InPlaceS(36.0), act: Stroke(\"left_leg\"))]",
        "0.75",
    );
    let settings = column(&rows, "walk_settings");
    assert!(
        settings[0][5].contains("walking=interactive input=swings"),
        "{all}"
    );
    // Every swing on record as it came, from the keys, alternating and taken.
    let cues = column(&rows, "walk_cue");
    assert!(
        (26..=32).contains(&cues.len()),
        "{} swings\n{all}",
        cues.len()
    );
    for c in &cues {
        assert!(c[5].starts_with("cue=swing side="), "{all}");
        assert!(
            c[5].contains("taken=true") && c[5].ends_with("via=keys"),
            "{all}"
        );
    }
    for w in cues.windows(2) {
        assert_ne!(
            w[0][5].contains("side=left"),
            w[1][5].contains("side=left"),
            "two swings of one arm in a row\n{all}"
        );
    }
    let m = marks_walked(&rows);
    assert!(m.len() >= 4, "{all}");
    let (slow, fast, after, still) = (m[0], m[1] - m[0], m[2] - m[1], m[3] - m[2]);
    // A swing a second: about 0.6 m/s once under way (the first seconds ease in); two a
    // second reach the pace's 0.8 m/s; without swings the walker walks out what it was
    // given, eases to a stop and stands.
    assert!(slow > 3.0 && slow < 6.5, "first 10 s: {slow} m\n{all}");
    assert!(
        fast > slow + 0.8 && fast < 8.2,
        "second 10 s: {fast} m after {slow}\n{all}"
    );
    assert!(after > 0.3 && after < 4.0, "stopping: {after} m\n{all}");
    assert!(still < 0.01, "standing: {still} m\n{all}");
    no_lurch(&head_track(record.path()), "interactive");
    // The therapist's stroke cue: on record when it began and when it ended, 3 s of
    // scene time later.
    let (start, end) = (column(&rows, "stroke_start"), column(&rows, "stroke_end"));
    assert_eq!((start.len(), end.len()), (1, 1), "{all}");
    assert!(
        start[0][5].starts_with("limb=left_leg seconds=3.0 by=therapist via=autopilot"),
        "{all}"
    );
    let took: f32 = end[0][4].parse::<f32>().unwrap() - start[0][4].parse::<f32>().unwrap();
    assert!(
        (2.9..3.3).contains(&took),
        "the stroke took {took} s\n{all}"
    );
}

#[test]
fn a_wheelchair_walk_rolls_by_mouse_pushes_and_a_film_walk_has_no_body() {
    require_display();
    let (record, rows, all) = run_walk(
        &["--walking", "wheelchair"],
        "[(on: InPlaceS(0.5), act: Swings(per_s: 1.0, for_s: 16.0, mouse: true))]",
        "0.4",
    );
    let body = column(&rows, "body");
    // Seated in the wheelchair: the eyes at seat height plus the seated trunk, about
    // 1.23 m for the default 1.70 m body.
    let eyes = field(&body[0][5], "eye_height_m");
    assert!((1.15..1.32).contains(&eyes), "{all}");
    assert!(body[0][5].contains("seat=Wheelchair"), "{all}");
    let cues = column(&rows, "walk_cue");
    assert!(cues.len() >= 10, "{all}");
    assert!(cues.iter().all(|c| c[5].ends_with("via=mouse")), "{all}");
    // A push glides twice a step: pushes once a second roll at the pace or near it.
    let m = marks_walked(&rows);
    assert!(m[0] > 3.5, "{all}");
    no_lurch(&head_track(record.path()), "wheelchair");

    let (record, rows, all) = run_walk(&["--walking", "film"], "[]", "0.2");
    let body = column(&rows, "body");
    assert!(body[0][5].ends_with("shown=false"), "{all}");
    assert!(
        column(&rows, "walk_settings")[0][5].contains("walking=film"),
        "{all}"
    );
    // The film walks at the path's pace by itself, no cues.
    assert!(column(&rows, "walk_cue").is_empty(), "{all}");
    let track = head_track(record.path());
    no_lurch(&track, "film");
    let (a, b) = (track[0], track[track.len() - 1]);
    assert!(((b[1] - a[1]).powi(2) + (b[3] - a[3]).powi(2)).sqrt() > 3.0);
}

/// One packet for Monado's `remote` driver (its `struct r_remote_data`, 280 bytes, little
/// endian): the headset's pose, then each controller's pose, velocities, inputs and flags.
fn remote_packet(left: [f32; 3], right: [f32; 3]) -> [u8; 280] {
    let mut b = [0u8; 280];
    let put =
        |b: &mut [u8; 280], at: usize, v: f32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    b[0..8].copy_from_slice(b"mndrmt2\0");
    // The headset: orientation (x, y, z, w) at 8, position at 24; upright at 1.6 m.
    put(&mut b, 20, 1.0);
    put(&mut b, 28, 1.6);
    for (base, p) in [(36, left), (156, right)] {
        put(&mut b, base + 12, 1.0);
        for (k, v) in p.into_iter().enumerate() {
            put(&mut b, base + 16 + 4 * k, v);
        }
        // active
        b[base + 105] = 1;
    }
    b
}

/// In a real OpenXR runtime (Monado's service with its `remote` driver, whose two
/// controllers take poses a test sends over TCP port 4242), controllers swung alternately
/// forward and back drive an interactive walk, and every swing is on record as the
/// controller's. `RESPITE_XR_RUNTIME` names the runtime's install folder
/// (`bin/monado-service`, `share/openxr/1/openxr_monado.json`); without it the test is
/// skipped and says so.
#[test]
fn swung_controllers_walk_an_interactive_walk_in_a_headset_runtime() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let Some(prefix) = std::env::var_os("RESPITE_XR_RUNTIME").map(std::path::PathBuf::from) else {
        eprintln!(
            "skipped: RESPITE_XR_RUNTIME is unset (an OpenXR runtime's install folder with \
             bin/monado-service and share/openxr/1/openxr_monado.json)"
        );
        return;
    };
    require_display();
    let dir = tempfile::tempdir().unwrap();
    let run_dir = crate::faults::xdg_runtime_dir(dir.path());
    let mut service = Command::new(prefix.join("bin/monado-service"))
        .env("XDG_RUNTIME_DIR", &run_dir)
        .env("XRT_COMPOSITOR_NULL", "1")
        .env("P_OVERRIDE_ACTIVE_CONFIG", "remote")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("service.txt")).unwrap())
        .spawn()
        .expect("start monado-service");
    // The driver listens once the service is up.
    let start = Instant::now();
    let mut link = loop {
        match std::net::TcpStream::connect("127.0.0.1:4242") {
            Ok(s) => break s,
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("the remote driver never listened: {e}"),
        }
    };
    let mut hello = [0u8; 560];
    let _ = link.read_exact(&mut hello);
    let swinging = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let hands = {
        let (swinging, done) = (swinging.clone(), done.clone());
        std::thread::spawn(move || {
            // Half a swing a second each, the hands in counter-phase: each hand goes 36 cm
            // forward and back.
            let t0 = Instant::now();
            while !done.load(Ordering::Relaxed) {
                let t = t0.elapsed().as_secs_f32();
                let s = if swinging.load(Ordering::Relaxed) {
                    0.18 * (std::f32::consts::TAU * 0.5 * t).sin()
                } else {
                    0.0
                };
                let packet = remote_packet([-0.2, 1.1, -0.45 - s], [0.2, 1.1, -0.45 + s]);
                if link.write_all(&packet).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let scenes = quick_trail();
    let rec = dir.path().join("rec");
    let log = dir.path().join("log.txt");
    let mut child = respite()
        .args(["run", "--scene", "forest_trail_walk", "--display", "xr"])
        .args(["--size", "320x180", "--no-ratings", "--minutes", "1"])
        .args(["--walking", "interactive"])
        .arg("--scenes-dir")
        .arg(scenes.path())
        .arg("--record")
        .arg(&rec)
        .env("XDG_RUNTIME_DIR", &run_dir)
        .env(
            "XR_RUNTIME_JSON",
            prefix.join("share/openxr/1/openxr_monado.json"),
        )
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let events = rec.join("events.tsv");
    crate::faults::wait_for(
        &events,
        "phase=Immersion",
        &mut child,
        Duration::from_secs(180),
    );
    swinging.store(true, Ordering::Relaxed);
    let text = crate::faults::wait_for(&events, "mark=3 ", &mut child, Duration::from_secs(300));
    swinging.store(false, Ordering::Relaxed);
    let _ = child.kill();
    let _ = child.wait();
    done.store(true, Ordering::Relaxed);
    let _ = service.kill();
    let _ = service.wait();
    let _ = hands.join();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.contains("active=Xr"),
        "not in the headset:\n{text}\n{log}"
    );
    let rows = rows_of(&text);
    let cues = column(&rows, "walk_cue");
    assert!(
        cues.len() >= 10 && cues.iter().all(|c| c[5].ends_with("via=controller")),
        "{text}"
    );
    let m = marks_walked(&rows);
    // Swings once a second (two hands, half a swing a second each) of nearly full
    // amplitude walk about 0.5 m/s once under way.
    assert!(m[2] - m[1] > 2.0, "{m:?}\n{text}");
    eprintln!(
        "in the headset runtime: {} swings from the controllers, {:.1} m by 30 s",
        cues.len(),
        m[2]
    );
    for c in cues.iter().take(12) {
        eprintln!("  {} {}", c[4], c[5]);
    }
}
