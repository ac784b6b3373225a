//! Sound from the command line: the offline render that lets a person check levels and
//! character without speakers, and the level modes.

use crate::support::{ROOT, respite, stderr, stdout};
use respite_core::FADE_S;
use respite_core::sound::{SAMPLE_RATE, rms_dbfs, wav};
use std::path::Path;

/// RMS of the part between the opening and closing fades, dBFS.
fn steady_dbfs(path: &Path) -> f32 {
    let (rate, samples) = wav::read_stereo(path).unwrap();
    assert_eq!(rate, SAMPLE_RATE);
    let fade = (FADE_S * SAMPLE_RATE as f32) as usize * 2;
    rms_dbfs(&samples[fade..samples.len() - fade])
}

#[test]
fn soundscape_renders_the_glade_at_its_level_the_same_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let render = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let run = respite()
            .args([
                "soundscape",
                "--scene",
                "forest_glade",
                "--seconds",
                "40",
                "--seed",
                seed,
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", stderr(&run));
        assert!(
            stdout(&run).contains("fixed: mix -24.0 dBFS"),
            "{}",
            stdout(&run)
        );
        out
    };
    let a = render("a.wav", "5");
    let level = steady_dbfs(&a);
    assert!(
        (level + 24.0).abs() <= 0.5,
        "glade plays at {level:.2} dBFS, spec says -24"
    );
    let b = render("b.wav", "5");
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same seed, different WAV"
    );
    let c = render("c.wav", "6");
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
}

#[test]
fn above_ambient_needs_the_room_and_plays_five_db_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let glade = std::fs::read_to_string(Path::new(ROOT).join("scenes/forest_glade.ron")).unwrap();
    let quiet = glade.replace("level_mode: Fixed", "level_mode: AboveAmbient(db: 5.0)");
    assert_ne!(glade, quiet, "the glade's level mode line moved");
    std::fs::write(dir.path().join("quiet_glade.ron"), quiet).unwrap();
    let out = dir.path().join("q.wav");
    let base = || {
        let mut c = respite();
        c.arg("--scenes-dir")
            .arg(dir.path())
            .args([
                "soundscape",
                "--scene",
                "quiet_glade",
                "--seconds",
                "30",
                "--out",
            ])
            .arg(&out);
        c
    };
    let missing = base().output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("--ambient-db"),
        "{}",
        stderr(&missing)
    );

    let run = base()
        .args(["--ambient-db", "40", "--headphones-db", "90"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stdout(&run).contains(
            "ambient 40.0 dB SPL, headphones 90.0 dB SPL at 0 dBFS → mix -45.0 dBFS = 45.0 dB SPL"
        ),
        "{}",
        stdout(&run)
    );
    let level = steady_dbfs(&out);
    // 40 dB SPL room + 5 dB, through headphones that play 90 dB SPL at 0 dBFS.
    assert!((level + 45.0).abs() <= 0.5, "{level:.2} dBFS, expected -45");

    // The same from `--sound-level`, on the glade as shipped (Fixed in its file): a study
    // can make "+5 dB above ambient" a condition on one scene.
    let shipped = |file: &Path, extra: &[&str]| {
        respite()
            .args([
                "soundscape",
                "--scene",
                "forest_glade",
                "--seconds",
                "30",
                "--out",
            ])
            .arg(file)
            .args(extra)
            .output()
            .unwrap()
    };
    let flagged = dir.path().join("flagged.wav");
    let run = shipped(
        &flagged,
        &[
            "--sound-level",
            "above-ambient:5",
            "--ambient-db",
            "40",
            "--headphones-db",
            "90",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let level = steady_dbfs(&flagged);
    assert!((level + 45.0).abs() <= 0.5, "{level:.2} dBFS, expected -45");
    // And `fixed` plays the scene's own level, whatever its file says.
    let fixed_glade = dir.path().join("fixed_glade.wav");
    assert!(shipped(&fixed_glade, &[]).status.success());
    let forced = base().args(["--sound-level", "fixed"]).output().unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    let (a, b) = (steady_dbfs(&fixed_glade), steady_dbfs(&out));
    assert!(
        (a - b).abs() <= 0.5 && a > -35.0,
        "fixed {b:.2} vs the glade's {a:.2} dBFS"
    );
    for bad in ["above-ambient:50", "louder", "above-ambient:NaN"] {
        let out = base().args(["--sound-level", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("--sound-level"),
            "{bad}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn sound_flags_are_checked_and_named() {
    let out = respite()
        .args([
            "soundscape",
            "--scene",
            "forest_glade",
            "--seconds",
            "2",
            "--out",
            "x.wav",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--seconds"), "{}", stderr(&out));

    let out = respite()
        .args(["run", "--ambient-db", "45", "--display", "flat"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--headphones-db"), "{}", stderr(&out));
}

#[test]
fn measuring_the_room_needs_a_calibrated_microphone() {
    let base = [
        "soundscape",
        "--scene",
        "forest_glade",
        "--seconds",
        "10",
        "--out",
        "unused.wav",
        "--ambient-db",
        "measure",
        "--headphones-db",
        "95",
    ];
    let out = respite().args(base).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--ambient-db measure needs --mic-db"),
        "{}",
        stderr(&out)
    );
    // This machine has no sound hardware: the measurement must say so, not guess.
    if !Path::new("/dev/snd").exists() {
        let out = respite()
            .args(base)
            .args(["--mic-db", "110"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("enter the room's level instead"),
            "{}",
            stderr(&out)
        );
        assert!(!Path::new(crate::support::ROOT).join("unused.wav").exists());
    }
}

/// `respite breathing`: synthetic breathing at 12 a minute with a voice over it, written
/// and heard back from the command line, its table to a file; a file that is no WAV is
/// named with what is wrong, exit 2, and no table is written.
#[test]
fn breathing_hears_the_rate_of_a_recording_and_names_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let wav_file = dir.path().join("breath.wav");
    crate::support::synthesise_breath(&wav_file, 12, 90, true);
    let table = dir.path().join("breaths.tsv");
    let heard = respite()
        .args(["breathing", "--wav"])
        .arg(&wav_file)
        .arg("--out")
        .arg(&table)
        .output()
        .unwrap();
    assert!(heard.status.success(), "{}", stderr(&heard));
    let out = stdout(&heard);
    assert!(out.contains("rate over the last minute 12.0/min"), "{out}");
    assert!(out.contains("set aside as speech"), "{out}");
    let rows = std::fs::read_to_string(&table).unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines[0], "start_s\tend_s\tphase\tlevel_db\trate_per_min");
    let exhales = lines.iter().filter(|l| l.contains("\texhale\t")).count();
    let inhales = lines.iter().filter(|l| l.contains("\tinhale\t")).count();
    // 18 breaths in 90 s, a fifth of them under the voice: most of both are heard.
    assert!((10..=18).contains(&exhales), "{exhales} exhales\n{rows}");
    assert!((8..=18).contains(&inhales), "{inhales} inhales\n{rows}");
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"not sound").unwrap();
    let bad_table = dir.path().join("bad.tsv");
    let bad = respite()
        .args(["breathing", "--wav"])
        .arg(&junk)
        .arg("--out")
        .arg(&bad_table)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("junk.wav: not a WAV file"),
        "{}",
        stderr(&bad)
    );
    assert!(!bad_table.exists());
}
