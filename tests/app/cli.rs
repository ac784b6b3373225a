//! The command line: what an operator types and what comes back.

use crate::support::{ROOT, respite, stderr, stdout};
use std::path::Path;

fn write_scene(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn glade_text() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("scenes/forest_glade.ron")).unwrap()
}

#[test]
fn check_passes_every_shipped_scene() {
    let out = respite().arg("check").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for name in crate::support::shipped_scenes() {
        assert!(
            text.contains(&format!("ok      scenes/{name}.ron")),
            "{name} missing from:\n{text}"
        );
    }
}

#[test]
fn check_on_a_bad_file_exits_2_and_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let out_of_range = write_scene(
        dir.path(),
        "tall.ron",
        &glade_text().replace("eye_height_m: 1.2", "eye_height_m: 2.7"),
    );
    let out = respite().arg("check").arg(&out_of_range).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    // Line 7, column 9 is where `eye_height_m` is written in the shipped glade.
    assert!(
        err.contains(
            "tall.ron:7:9: viewpoint.eye_height_m: must be between 0.8 and 1.6 m, found 2.7"
        ),
        "{err}"
    );

    let syntax = write_scene(
        dir.path(),
        "broken.ron",
        &glade_text().replace("seed: 1207,", "seed: 1207,,"),
    );
    let out = respite().arg("check").arg(&syntax).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("broken.ron:5:16:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_scene_lists_the_valid_ones() {
    let out = respite()
        .args(["run", "--scene", "moon_base", "--display", "flat"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("unknown scene 'moon_base'; available scenes: "),
        "{err}"
    );
    assert!(err.contains("forest_glade"), "{err}");
}

#[test]
fn scenes_lists_descriptions_and_a_broken_file_hides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_scene(dir.path(), "glade_copy.ron", &glade_text());
    write_scene(dir.path(), "half_written.ron", "(description: \"cut off");
    let out = respite()
        .arg("scenes")
        .arg("--scenes-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = stdout(&out);
    assert!(
        listing.lines().any(|l| l.starts_with("glade_copy ")
            && l.trim_end().ends_with("A sunlit clearing ringed by pines and birches, flowers and grass underfoot, soft haze between the trees.")),
        "{listing}"
    );
    assert!(!listing.contains("half_written"), "{listing}");
    assert!(
        stderr(&out).contains("half_written.ron:1:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["scenes", "--help"],
        vec!["check", "--help"],
        vec!["screenshot", "--help"],
    ] {
        let out = respite().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage: respite"), "{args:?}");
    }
    let top = stdout(&respite().arg("--help").output().unwrap());
    assert!(
        top.contains("--display <DISPLAY>") && top.contains("--minutes <MINUTES>"),
        "{top}"
    );
}

#[test]
fn bad_flags_exit_2_and_name_the_flag() {
    let out = respite().args(["run", "--minutes", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--minutes"), "{}", stderr(&out));

    let out = respite()
        .args([
            "screenshot",
            "--scene",
            "forest_glade",
            "--out",
            "x.png",
            "--size",
            "wide",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--size"), "{}", stderr(&out));

    // A run flag before another command would be ignored: refused instead.
    let out = respite()
        .args(["--display", "flat", "scenes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--display goes with `run`"),
        "{}",
        stderr(&out)
    );

    let out = respite().args(["--display", "hologram"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--display"), "{}", stderr(&out));
}

#[test]
fn the_readme_lists_every_immersion_level_as_the_file_defines_it() {
    let root = std::path::Path::new(crate::support::ROOT);
    let levels = respite_core::session::ImmersionLevels::load(&root.join("immersion.ron")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let out = respite().arg("levels").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = crate::support::stdout(&out);
    for l in &levels.levels {
        let row = format!(
            "| `{}`{} | {} | {:?} | {} | {:?} | {} | {} | {} |",
            l.name,
            if l.name == levels.default {
                " (default)"
            } else {
                ""
            },
            l.fov_deg,
            l.stereo,
            l.motion,
            l.audio,
            l.interactive,
            l.body,
            l.walk_vignette
        );
        assert!(readme.contains(&row), "README lacks or differs from: {row}");
        assert!(listed.contains(&l.name), "{listed}");
    }
}
