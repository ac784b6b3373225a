//! A scripted patient and therapist for tests and demonstrations (`--autopilot FILE`): each
//! step waits for a moment of the session (a phase, a question, seconds in the place), then
//! looks at an answer, presses keys, or saves a picture of a window. Driving the app through
//! the same inputs a person uses is what lets a test run a whole session end to end.

use crate::check::Checker;
use crate::error::SpecErrors;
use crate::locate::FieldPath;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub on: Trigger,
    /// Real seconds to wait after the moment comes.
    #[serde(default)]
    pub wait_s: f32,
    pub act: Act,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Trigger {
    /// The session enters this phase (`Calibrate`, `Baseline`, `Immersion`, `Closing`,
    /// `Post`).
    Phase(String),
    /// This question is on the panel (`baseline`, `minute_5`, `post`, `asked_1`).
    Question(String),
    /// This many seconds of scene time in the place.
    InPlaceS(f32),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum Act {
    /// Rest the gaze on this value's button until the question is answered.
    Look(u8),
    /// Press these keys one after another (`Digit4`, `Enter`, `F1`, `Space`, `Escape`,
    /// `ArrowLeft`, `KeyP`, …).
    Keys(Vec<String>),
    /// Save a PNG of a window.
    Shot(Window, String),
    /// Tell the console the therapist typed this answer (`None` skips the question).
    Say(Option<u8>),
    /// The therapist changes the place to this scene (it fades through the neutral).
    Scene(String),
    /// The therapist changes the immersion level, in the place.
    Level(String),
    /// Swing the arms on the screen: alternating ← and → (or, with `mouse`, the left and
    /// right mouse buttons), `per_s` presses a second for `for_s` seconds of scene time.
    Swings {
        per_s: f32,
        for_s: f32,
        #[serde(default)]
        mouse: bool,
    },
    /// Hold this key down for this many seconds of scene time (the one-switch walk).
    Hold(String, f32),
    /// The therapist cues a stroke along this limb (`left_leg`, `right_leg`, `left_arm`,
    /// `right_arm`).
    Stroke(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Window {
    Patient,
    Console,
}

/// The key names a script may press.
pub const KEYS: &[&str] = &[
    "Digit0",
    "Digit1",
    "Digit2",
    "Digit3",
    "Digit4",
    "Digit5",
    "Digit6",
    "Digit7",
    "Digit8",
    "Digit9",
    "Enter",
    "Space",
    "Escape",
    "ArrowLeft",
    "ArrowRight",
    "ArrowUp",
    "ArrowDown",
    "F1",
    "F2",
    "F3",
    "F4",
    "F5",
    "F6",
    "F7",
    "F8",
    "KeyB",
    "KeyP",
    "KeyR",
    "KeyY",
    "KeyN",
    "KeyW",
    "PageUp",
    "PageDown",
];

/// The most steps a script may have.
pub const MAX_STEPS: usize = 1_000;
/// The latest moment in the place a step may wait for, seconds: the longest session.
pub const MAX_IN_PLACE_S: f32 = 7_200.0;
/// The largest answer any scale takes (the FMS, 0–20).
pub const MAX_ANSWER: u8 = 20;

const PHASES: [&str; 6] = [
    "Calibrate",
    "Baseline",
    "Immersion",
    "Closing",
    "Post",
    "Done",
];

pub fn parse(file: &Path, src: &str) -> Result<Vec<Step>, SpecErrors> {
    let steps: Vec<Step> = ron::from_str(src).map_err(|e| crate::error::ron_error(file, &e))?;
    let mut c = Checker::new(file, src);
    c.count(&FieldPath::default(), steps.len(), 0..=MAX_STEPS, "steps");
    for (i, step) in steps.iter().enumerate().take(MAX_STEPS) {
        let at = FieldPath::default().index(i);
        c.range(&at.field("wait_s"), step.wait_s, 0.0..=3_600.0, " s");
        if let Trigger::InPlaceS(s) = step.on {
            c.range(
                &at.field("on").index(0),
                s,
                0.0..=MAX_IN_PLACE_S,
                " s (two hours)",
            );
        }
        match &step.act {
            Act::Look(v) | Act::Say(Some(v)) if *v > MAX_ANSWER => c.fail(
                &at.field("act").index(0),
                format!(
                    "needs an answer from 0 to {MAX_ANSWER} (the largest scale, FMS), found {v}"
                ),
            ),
            Act::Keys(keys) => {
                c.count(&at.field("act").index(0), keys.len(), 1..=100, "keys");
            }
            Act::Scene(name) | Act::Level(name) if !crate::research::data::is_label_like(name) => {
                c.fail(
                    &at.field("act").index(0),
                    format!("'{name}' is not a scene's or level's name (letters, digits, _)"),
                );
            }
            Act::Swings { per_s, for_s, .. } => {
                c.range(
                    &at.field("act").field("per_s"),
                    *per_s,
                    0.1..=10.0,
                    " a second",
                );
                c.range(&at.field("act").field("for_s"), *for_s, 0.0..=3_600.0, " s");
            }
            Act::Hold(key, seconds) => {
                if !KEYS.contains(&key.as_str()) {
                    c.fail(
                        &at.field("act").index(0),
                        format!(
                            "'{key}' is not a key a script may press; one of {}",
                            KEYS.join(", ")
                        ),
                    );
                }
                c.range(&at.field("act").index(1), *seconds, 0.0..=3_600.0, " s");
            }
            Act::Stroke(limb) if !crate::walk::LIMBS.contains(&limb.as_str()) => c.fail(
                &at.field("act").index(0),
                format!(
                    "'{limb}' is not a limb to stroke; one of {}",
                    crate::walk::LIMBS.join(", ")
                ),
            ),
            Act::Shot(_, name) if name.trim().is_empty() || name.len() > 255 => c.fail(
                &at.field("act").index(1),
                "needs a file name of 1 to 255 bytes".into(),
            ),
            _ => {}
        }
        if let Trigger::Phase(p) = &step.on
            && !PHASES.contains(&p.as_str())
        {
            c.fail(
                &at.field("on"),
                format!("'{p}' is not a phase; one of {}", PHASES.join(", ")),
            );
        }
        if let Act::Keys(keys) = &step.act {
            for k in keys {
                if !KEYS.contains(&k.as_str()) {
                    c.fail(
                        &at.field("act"),
                        format!(
                            "'{k}' is not a key a script may press; one of {}",
                            KEYS.join(", ")
                        ),
                    );
                }
            }
        }
    }
    c.finish()?;
    Ok(steps)
}

pub fn load(file: &Path) -> Result<Vec<Step>, SpecErrors> {
    parse(file, &crate::error::read_spec(file)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_reads_and_its_mistakes_are_placed() {
        let ok = parse(
            Path::new("s.ron"),
            r#"[
                (on: Question("baseline"), wait_s: 0.5, act: Look(6)),
                (on: InPlaceS(30.0), act: Keys(["F1"])),
                (on: Phase("Post"), act: Shot(Console, "c.png")),
            ]"#,
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[1].wait_s, 0.0);
        let e = parse(
            Path::new("s.ron"),
            "[\n (on: Phase(\"Lunch\"), act: Keys([\"F9\"])),\n]",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("s.ron:2:") && e.contains("'Lunch' is not a phase"),
            "{e}"
        );
        assert!(e.contains("'F9' is not a key"), "{e}");
        let swings = parse(
            Path::new("s.ron"),
            "[(on: InPlaceS(2.0), act: Swings(per_s: 2.0, for_s: 8.0)),\n (on: InPlaceS(9.0), act: Hold(\"KeyW\", 4.0)),\n (on: InPlaceS(9.0), act: Stroke(\"left_leg\"))]",
        )
        .unwrap();
        assert_eq!(
            swings[0].act,
            Act::Swings {
                per_s: 2.0,
                for_s: 8.0,
                mouse: false
            }
        );
        let e = parse(
            Path::new("s.ron"),
            "[(on: InPlaceS(2.0), act: Swings(per_s: 50.0, for_s: 8.0)),\n (on: InPlaceS(2.0), act: Hold(\"KeyQ\", 1.0)),\n (on: InPlaceS(2.0), act: Stroke(\"tail\"))]",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("s.ron:1:") && e.contains("per_s"), "{e}");
        assert!(
            e.contains("s.ron:2:") && e.contains("'KeyQ' is not a key"),
            "{e}"
        );
        assert!(
            e.contains("s.ron:3:") && e.contains("'tail' is not a limb"),
            "{e}"
        );
    }
}
