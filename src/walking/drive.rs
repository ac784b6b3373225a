//! The patient's own movement driving an interactive or wheelchair walk: in a headset, the
//! controllers' swings (or the trigger held, or head nods); on a screen, alternating ← →
//! keys or mouse buttons stand in for the two arms, W or a mouse button held for the switch,
//! and a press of W or a click for a nod. Each cue goes to the core's walker and on record
//! as it happens.

use super::{Walk, WalkSystems};
use crate::display::{Head, Rig, TrackedHands};
use crate::session::Record;
use crate::session::panel::Asking;
use bevy::prelude::*;
use respite_core::session::Via;
use respite_core::session::event::SessionEvent;
use respite_core::walk::drive::{Alternation, NodDetector, SwingDetector};
use respite_core::walk::{Cue, Input, Side, Taken};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Cues>()
        .add_systems(PreUpdate, read_clicks.after(bevy::input::InputSystems))
        .add_systems(
            Update,
            (screen_cues, hand_cues, head_cues, take_cues)
                .chain()
                .run_if(crate::session::place_in_view)
                .in_set(WalkSystems)
                .after(super::change_pace)
                .before(super::follow_path),
        );
}

/// This frame's cues, with how each came, and what the inputs remember between frames
/// (all of it forgotten when a new place's walk starts).
#[derive(Resource, Default)]
struct Cues {
    now: Vec<(Cue, Via)>,
    keys: Alternation,
    mouse: Alternation,
    /// The switch as last told to the walker, and what held it.
    held: Option<Via>,
    /// The mouse buttons held in the patient's window (left, right), and pressed this frame.
    buttons: [bool; 2],
    clicked: [bool; 2],
    hands: [SwingDetector; 2],
    nod: NodDetector,
}

/// Whether the keys and mouse are the patient's just now: not while a question is on the
/// panel (the arrows and clicks answer it) or the therapist types at the console.
fn screen_free(
    asking: &Option<Res<Asking>>,
    typing: &Option<Res<crate::session::ConsoleTyping>>,
) -> bool {
    asking.as_ref().is_none_or(|a| a.chosen.is_some()) && !typing.as_ref().is_some_and(|t| t.0)
}

/// The mouse buttons in the patient's window only, every frame (a release is never missed):
/// the therapist's clicks on the console drive nothing.
fn read_clicks(
    mut clicks: MessageReader<bevy::input::mouse::MouseButtonInput>,
    patient: Query<Entity, With<bevy::window::PrimaryWindow>>,
    mut cues: ResMut<Cues>,
) {
    let patient = patient.iter().next();
    cues.clicked = [false; 2];
    for c in clicks.read() {
        if Some(c.window) != patient {
            continue;
        }
        let i = match c.button {
            MouseButton::Left => 0,
            MouseButton::Right => 1,
            _ => continue,
        };
        let pressed = c.state == bevy::input::ButtonState::Pressed;
        if pressed && !cues.buttons[i] {
            cues.clicked[i] = true;
        }
        cues.buttons[i] = pressed;
    }
}

fn screen_cues(
    walk: Option<Res<Walk>>,
    keys: Res<ButtonInput<KeyCode>>,
    hands: Option<Res<TrackedHands>>,
    asking: Option<Res<Asking>>,
    typing: Option<Res<crate::session::ConsoleTyping>>,
    mut cues: ResMut<Cues>,
) {
    if walk.as_ref().is_some_and(|w| w.is_added()) {
        // A new walk: nothing carried over but the buttons still held.
        let buttons = cues.buttons;
        *cues = Cues {
            buttons,
            ..Cues::default()
        };
    }
    cues.now.clear();
    let down = cues.clicked;
    let Some(driver) = walk.as_ref().and_then(|w| w.walker.driver()) else {
        return;
    };
    let free = screen_free(&asking, &typing);
    let pressed = |b| match b {
        MouseButton::Left => down[0],
        MouseButton::Right => down[1],
        _ => false,
    };
    match driver.input {
        Input::Swings if free => {
            for (key, side) in [
                (KeyCode::ArrowLeft, Side::Left),
                (KeyCode::ArrowRight, Side::Right),
            ] {
                if keys.just_pressed(key) && cues.keys.accept(side) {
                    cues.now.push((swing(side, 1.0), Via::Keys));
                }
            }
            for (button, side) in [
                (MouseButton::Left, Side::Left),
                (MouseButton::Right, Side::Right),
            ] {
                if pressed(button) && cues.mouse.accept(side) {
                    cues.now.push((swing(side, 1.0), Via::Mouse));
                }
            }
        }
        Input::Switch => {
            // Held by W, either mouse button or a controller's trigger. A release always
            // counts (even while a question is asked): the walk never runs on by itself.
            let by_key = keys.pressed(KeyCode::KeyW) && free;
            let by_mouse = (cues.buttons[0] || cues.buttons[1]) && free;
            let by_trigger = hands.as_ref().is_some_and(|h| h.trigger) && free;
            let now = if by_trigger {
                Some(Via::Controller)
            } else if by_mouse {
                Some(Via::Mouse)
            } else if by_key {
                Some(Via::Keys)
            } else {
                None
            };
            match (cues.held, now) {
                (None, Some(via)) => cues.now.push((Cue::Switch(true), via)),
                // Released: on record as what held it.
                (Some(via), None) => cues.now.push((Cue::Switch(false), via)),
                _ => {}
            }
            cues.held = now.map(|via| cues.held.unwrap_or(via));
        }
        Input::Nod if free => {
            // A screen has no head to nod: W or a click stands in for a nod.
            if keys.just_pressed(KeyCode::KeyW) {
                cues.now.push((Cue::Nod, Via::Keys));
            } else if pressed(MouseButton::Left) || pressed(MouseButton::Right) {
                cues.now.push((Cue::Nod, Via::Mouse));
            }
        }
        _ => {}
    }
}

fn swing(side: Side, amplitude: f32) -> Cue {
    Cue::Swing { side, amplitude }
}

/// The tracked hands' swings: each hand's distance ahead of the head, along the way the
/// body faces (the rig's forward), fed to a swing detector.
fn hand_cues(
    walk: Option<Res<Walk>>,
    hands: Option<Res<TrackedHands>>,
    heads: Query<&Transform, With<Head>>,
    mut cues: ResMut<Cues>,
) {
    let (Some(walk), Some(hands)) = (walk, hands) else {
        return;
    };
    if walk
        .walker
        .driver()
        .is_none_or(|d| d.input != Input::Swings)
    {
        return;
    }
    let head_z = heads.iter().next().map_or(0.0, |t| t.translation.z);
    for (i, side) in [Side::Left, Side::Right].into_iter().enumerate() {
        let Some(grip) = hands.grip[i] else {
            cues.hands[i] = SwingDetector::default();
            continue;
        };
        // The rig faces −Z: ahead is towards −Z from the head.
        if let Some(amplitude) = cues.hands[i].sample(head_z - grip.z) {
            cues.now.push((swing(side, amplitude), Via::Controller));
        }
    }
}

/// Nods of the tracked head (a headset): its pitch within the rig.
fn head_cues(
    walk: Option<Res<Walk>>,
    display: Option<Res<crate::display::DisplayReport>>,
    heads: Query<&Transform, (With<Head>, Without<Rig>)>,
    time: Res<Time<Real>>,
    mut cues: ResMut<Cues>,
) {
    let Some(walk) = walk else { return };
    if walk.walker.driver().is_none_or(|d| d.input != Input::Nod) {
        return;
    }
    let headset = display
        .as_ref()
        .is_some_and(|d| d.active == respite_core::session::event::ActiveDisplay::Xr);
    let Some(head) = heads.iter().next().filter(|_| headset) else {
        return;
    };
    let (_, pitch, _) = head.rotation.to_euler(EulerRot::YXZ);
    if cues.nod.sample(time.delta_secs(), pitch) {
        cues.now.push((Cue::Nod, Via::Head));
    }
}

/// Every cue of this frame to the walker, and on record with what it did.
fn take_cues(
    walk: Option<ResMut<Walk>>,
    mut cues: ResMut<Cues>,
    mut records: MessageWriter<Record>,
) {
    let Some(mut walk) = walk else {
        cues.now.clear();
        return;
    };
    for (cue, via) in std::mem::take(&mut cues.now) {
        let taken = walk.walker.cue(cue);
        let (word, side, amplitude) = match cue {
            Cue::Swing { side, amplitude } => ("swing", Some(side), Some(amplitude)),
            Cue::Switch(_) => ("switch", None, None),
            Cue::Nod => ("nod", None, None),
        };
        let (step_m, go) = match taken {
            Taken::Step(m) => (Some(m), None),
            Taken::Go(on) => (None, Some(on)),
            Taken::Ignored => (None, None),
        };
        records.write(Record(SessionEvent::WalkCue {
            cue: word.into(),
            side,
            amplitude,
            step_m,
            go: go.or(match cue {
                Cue::Switch(on) => Some(on),
                _ => None,
            }),
            taken: taken != Taken::Ignored,
            via,
        }));
    }
}
