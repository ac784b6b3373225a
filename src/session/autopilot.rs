//! `--autopilot FILE`: a scripted patient and therapist (see the core's `session::script`).
//! Each step waits for its moment, then acts through the same inputs a person uses: keys
//! into Bevy's keyboard input, a look at a button through the panel's gaze, the console's
//! "patient says" entry, and window pictures.

use super::panel::{Asking, GazeOverride, TherapistAnswer};
use super::{Phase, SessionClock};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use respite_core::session::script::{Act, Step, Trigger, Window as ShotOf};
use std::collections::VecDeque;
use std::path::PathBuf;

/// The script, and where each step stands.
#[derive(Resource, Clone, Debug)]
pub struct Autopilot {
    pub steps: Vec<Step>,
    /// Real time each step's moment came; `done` once acted on.
    due_at: Vec<Option<f32>>,
    done: Vec<bool>,
    /// Keys still to press, one per frame, and the key held from the last frame.
    keys: VecDeque<KeyCode>,
    held: Option<KeyCode>,
    /// Arm swings under way: the next press's scene time, the last one's, which side.
    swings: Option<Swinging>,
    /// A key held down until this scene time.
    holding: Option<(KeyCode, f32)>,
    /// A mouse button pressed on the last frame, to release on this one.
    clicked: Option<MouseButton>,
}

#[derive(Clone, Copy, Debug)]
struct Swinging {
    next_s: f32,
    every_s: f32,
    until_s: f32,
    mouse: bool,
    left: bool,
}

impl Autopilot {
    pub fn new(steps: Vec<Step>) -> Self {
        let n = steps.len();
        Self {
            steps,
            due_at: vec![None; n],
            done: vec![false; n],
            keys: VecDeque::new(),
            held: None,
            swings: None,
            holding: None,
            clicked: None,
        }
    }
}

/// The console's window, for pictures of it.
#[derive(Component)]
pub struct ConsoleWindow;

pub(super) fn plugin(app: &mut App) {
    if app.world().contains_resource::<Autopilot>() {
        app.add_systems(
            PreUpdate,
            (press_keys, swing_and_hold, follow_script)
                .chain()
                .after(bevy::input::InputSystems),
        );
    }
}

pub fn key_code(name: &str) -> Option<KeyCode> {
    use KeyCode::*;
    Some(match name {
        "Digit0" => Digit0,
        "Digit1" => Digit1,
        "Digit2" => Digit2,
        "Digit3" => Digit3,
        "Digit4" => Digit4,
        "Digit5" => Digit5,
        "Digit6" => Digit6,
        "Digit7" => Digit7,
        "Digit8" => Digit8,
        "Digit9" => Digit9,
        "Enter" => Enter,
        "Space" => Space,
        "Escape" => Escape,
        "ArrowLeft" => ArrowLeft,
        "ArrowRight" => ArrowRight,
        "ArrowUp" => ArrowUp,
        "ArrowDown" => ArrowDown,
        "F1" => F1,
        "F2" => F2,
        "F3" => F3,
        "F4" => F4,
        "F5" => F5,
        "F6" => F6,
        "F7" => F7,
        "F8" => F8,
        "KeyB" => KeyB,
        "KeyP" => KeyP,
        "KeyR" => KeyR,
        "KeyY" => KeyY,
        "KeyN" => KeyN,
        "KeyW" => KeyW,
        "PageUp" => PageUp,
        "PageDown" => PageDown,
        _ => return None,
    })
}

/// One key a frame: pressed on one, released on the next.
fn press_keys(mut pilot: ResMut<Autopilot>, mut keys: ResMut<ButtonInput<KeyCode>>) {
    if let Some(k) = pilot.held.take() {
        keys.release(k);
        return;
    }
    if let Some(k) = pilot.keys.pop_front() {
        keys.press(k);
        pilot.held = Some(k);
    }
}

/// Swings as alternating presses at their pace in scene time (one a frame at most), and a
/// held key until its time is up.
fn swing_and_hold(
    mut pilot: ResMut<Autopilot>,
    scene: Res<Time<Virtual>>,
    mut keys: ResMut<ButtonInput<KeyCode>>,
    mut clicks: MessageWriter<bevy::input::mouse::MouseButtonInput>,
    primary: Query<Entity, With<PrimaryWindow>>,
) {
    let now = scene.elapsed_secs();
    // Clicks go to the patient's window, as a person's would.
    let Some(window) = primary.iter().next() else {
        return;
    };
    let mut click = |button, state| {
        clicks.write(bevy::input::mouse::MouseButtonInput {
            button,
            state,
            window,
        });
    };
    if let Some(b) = pilot.clicked.take() {
        click(b, bevy::input::ButtonState::Released);
    }
    if let Some((k, until)) = pilot.holding
        && now >= until
    {
        keys.release(k);
        pilot.holding = None;
    }
    let Some(mut sw) = pilot.swings else { return };
    if now >= sw.until_s {
        pilot.swings = None;
        return;
    }
    // A press a frame at most, and only once the last one is released: a swing that must
    // wait a frame is late, never skipped.
    if now < sw.next_s || pilot.clicked.is_some() || pilot.held.is_some() {
        return;
    }
    sw.next_s = (sw.next_s + sw.every_s).max(now);
    if sw.mouse {
        let b = if sw.left {
            MouseButton::Left
        } else {
            MouseButton::Right
        };
        click(b, bevy::input::ButtonState::Pressed);
        pilot.clicked = Some(b);
    } else {
        // Released on the next frame by `press_keys`.
        let k = if sw.left {
            KeyCode::ArrowLeft
        } else {
            KeyCode::ArrowRight
        };
        keys.press(k);
        pilot.held = Some(k);
    }
    sw.left = !sw.left;
    pilot.swings = Some(sw);
}

fn follow_script(
    mut commands: Commands,
    mut pilot: ResMut<Autopilot>,
    phase: Res<State<Phase>>,
    asking: Option<Res<Asking>>,
    clock: Res<SessionClock>,
    scene: Res<Time<Virtual>>,
    real: Res<Time<Real>>,
    mut gaze: ResMut<GazeOverride>,
    mut say: MessageWriter<TherapistAnswer>,
    mut therapist: MessageWriter<super::SessionCommand>,
    mut hold: ResMut<ButtonInput<KeyCode>>,
    console: Query<Entity, With<ConsoleWindow>>,
    primary: Query<Entity, With<PrimaryWindow>>,
) {
    let now = real.elapsed_secs();
    let in_place = clock.in_place_s(&scene);
    let on_panel = asking
        .as_ref()
        .filter(|a| a.chosen.is_none())
        .map(|a| a.timepoint.to_string());
    for i in 0..pilot.steps.len() {
        if pilot.done[i] {
            continue;
        }
        if pilot.due_at[i].is_none() {
            let came = match &pilot.steps[i].on {
                Trigger::Phase(p) => phase.get().code() == p,
                Trigger::Question(q) => on_panel.as_deref() == Some(q.as_str()),
                Trigger::InPlaceS(s) => clock.immersion_scene.is_some() && in_place >= *s,
            };
            if came {
                pilot.due_at[i] = Some(now);
            }
        }
        let Some(at) = pilot.due_at[i] else { continue };
        if now - at < pilot.steps[i].wait_s {
            continue;
        }
        pilot.done[i] = true;
        let act = pilot.steps[i].act.clone();
        info!("autopilot: {act:?}");
        match act {
            Act::Look(v) => gaze.0 = Some(v),
            Act::Keys(names) => {
                let codes: Vec<KeyCode> = names.iter().filter_map(|n| key_code(n)).collect();
                pilot.keys.extend(codes);
            }
            Act::Swings {
                per_s,
                for_s,
                mouse,
            } => {
                let now = scene.elapsed_secs();
                pilot.swings = Some(Swinging {
                    next_s: now,
                    every_s: 1.0 / per_s.max(0.1),
                    until_s: now + for_s,
                    mouse,
                    left: true,
                });
            }
            Act::Hold(name, seconds) => {
                if let Some(k) = key_code(&name) {
                    hold.press(k);
                    pilot.holding = Some((k, scene.elapsed_secs() + seconds));
                }
            }
            Act::Stroke(limb) => {
                therapist.write(super::SessionCommand::Stroke {
                    limb,
                    via: super::CommandVia::Autopilot,
                });
            }
            Act::Say(v) => {
                say.write(TherapistAnswer(v));
            }
            Act::Scene(name) => {
                therapist.write(super::SessionCommand::SetScene {
                    name,
                    via: super::CommandVia::Autopilot,
                });
            }
            Act::Level(name) => {
                therapist.write(super::SessionCommand::SetLevel {
                    name,
                    via: super::CommandVia::Autopilot,
                });
            }
            Act::Shot(which, file) => {
                let window = match which {
                    ShotOf::Patient => primary.single().ok(),
                    ShotOf::Console => console.single().ok(),
                };
                let Some(window) = window else {
                    warn!("autopilot: no {which:?} window to picture");
                    continue;
                };
                let out = PathBuf::from(file);
                commands.spawn(Screenshot::window(window)).observe(
                    move |captured: On<ScreenshotCaptured>| match crate::screenshot::save_png(
                        &captured.image,
                        &out,
                    ) {
                        Ok(()) => info!("autopilot: saved {}", out.display()),
                        Err(e) => error!("autopilot: cannot write {}: {e}", out.display()),
                    },
                );
            }
        }
    }
}
