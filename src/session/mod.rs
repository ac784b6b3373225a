//! The run's phases: a gentle opening (the picture fades in from a calm neutral), the time in
//! the place, and a gentle closing (it fades out) before the app ends. Fades happen on a
//! shell around the [`Head`], so the headset and the screen fade alike.

use crate::display::{Head, RenderReadiness, veil};
use crate::environment::ico;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use std::time::Duration;

pub mod record;
pub mod samples;

pub use record::Record;

pub use respite_core::FADE_S;
pub use respite_core::sound::mixer::EMERGENCY_FADE_S;
/// The neutral the picture fades from and to: a dim, slightly warm grey, never black.
const NEUTRAL: Color = Color::srgb(0.16, 0.17, 0.17);

#[derive(States, Default, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Fading in from the neutral.
    #[default]
    Opening,
    /// In the place.
    Immersed,
    /// Fading out to the neutral; the app ends when the fade completes.
    Closing,
}

/// How the run begins and ends.
#[derive(Resource, Clone, Debug)]
pub struct RunSettings {
    /// End after this long in the place (scene time: it stops while a headset is off).
    pub limit: Option<Duration>,
    /// Fade in at the start. Off for screenshots, which must show the place itself.
    pub fade_in: bool,
}

/// How the closing came about: the end of the planned time, or the emergency stop.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Closing {
    #[default]
    Planned,
    /// Esc or Space: picture and sound go to the calm neutral within a second.
    Emergency,
}

#[derive(Component)]
struct FadeShell {
    material: Handle<StandardMaterial>,
}

/// An opacity ramp on the fade shell, timed in real time so it runs even when paused.
#[derive(Resource, Clone, Copy)]
struct Fade {
    from: f32,
    to: f32,
    started: f32,
    seconds: f32,
}

pub(crate) fn plugin(app: &mut App) {
    samples::plugin(app);
    record::plugin(app);
    app.init_state::<Phase>()
        .init_resource::<Closing>()
        .add_observer(wrap_head_in_fade_shell)
        .add_systems(OnEnter(Phase::Opening), begin_opening)
        .add_systems(Update, record_phase_changes)
        .add_systems(OnEnter(Phase::Closing), begin_closing)
        .add_systems(
            Update,
            (
                run_fade,
                finish_opening.run_if(in_state(Phase::Opening)),
                end_after_limit.run_if(in_state(Phase::Immersed)),
                exit_when_closed.run_if(in_state(Phase::Closing)),
            )
                .chain(),
        )
        .add_systems(
            PreUpdate,
            emergency_stop.run_if(not(in_state(Phase::Closing))),
        );
}

fn wrap_head_in_fade_shell(
    add: On<Add, Head>,
    settings: Res<RunSettings>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let start = if settings.fade_in { 1.0 } else { 0.0 };
    let material = materials.add(veil(NEUTRAL.with_alpha(start)));
    // 0.3 m: inside every object in the place, outside the camera's 0.1 m near plane.
    commands.entity(add.entity).with_child((
        Name::new("Fade shell"),
        FadeShell {
            material: material.clone(),
        },
        Mesh3d(meshes.add(ico(0.3, 2))),
        MeshMaterial3d(material),
        NotShadowCaster,
        NotShadowReceiver,
        if start > 0.0 {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        },
    ));
}

fn begin_opening(mut commands: Commands, settings: Res<RunSettings>, time: Res<Time<Real>>) {
    let from = if settings.fade_in { 1.0 } else { 0.0 };
    commands.insert_resource(Fade {
        from,
        to: 0.0,
        started: time.elapsed_secs(),
        seconds: FADE_S,
    });
}

/// Every change of phase goes to the session record.
fn record_phase_changes(
    mut changes: MessageReader<StateTransitionEvent<Phase>>,
    closing: Res<Closing>,
    mut records: MessageWriter<Record>,
) {
    for change in changes.read() {
        if let Some(to) = change.entered {
            let detail = match to {
                Phase::Closing => format!("phase={to:?} how={:?}", *closing),
                _ => format!("phase={to:?}"),
            };
            records.write(Record::new("phase", detail));
        }
    }
}

/// Esc or Space, at any moment: the session ends now, gently but within a second.
fn emergency_stop(
    keys: Res<ButtonInput<KeyCode>>,
    mut closing: ResMut<Closing>,
    mut next: ResMut<NextState<Phase>>,
) {
    if keys.any_just_pressed([KeyCode::Escape, KeyCode::Space]) {
        warn!("session: EMERGENCY STOP; fading to neutral over {EMERGENCY_FADE_S} s");
        *closing = Closing::Emergency;
        next.set(Phase::Closing);
    }
}

fn begin_closing(
    mut commands: Commands,
    closing: Res<Closing>,
    fade: Option<Res<Fade>>,
    time: Res<Time<Real>>,
) {
    let seconds = match *closing {
        Closing::Planned => FADE_S,
        Closing::Emergency => EMERGENCY_FADE_S,
    };
    let now = time.elapsed_secs();
    // From wherever the picture is (an emergency may come mid-opening), never a jump.
    let from = fade.map_or(0.0, |f| fade_level(&f, now));
    info!(
        "session: closing ({:?}); fading out over {seconds} s",
        *closing
    );
    commands.insert_resource(Fade {
        from,
        to: 1.0,
        started: now,
        seconds,
    });
}

/// Opacity now: smooth at both ends, so the change starts and stops without a jolt.
fn fade_level(fade: &Fade, now: f32) -> f32 {
    let eased = respite_core::smoothstep((now - fade.started) / fade.seconds);
    fade.from + (fade.to - fade.from) * eased
}

fn run_fade(
    fade: Option<Res<Fade>>,
    time: Res<Time<Real>>,
    mut shells: Query<(&FadeShell, &mut Visibility)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(fade) = fade else { return };
    let level = fade_level(&fade, time.elapsed_secs());
    for (shell, mut visibility) in &mut shells {
        // Touch the material only when the level moves: a changed material is re-sent to
        // the GPU, and most frames of a session have no fade running.
        let current = materials.get(&shell.material).map(|m| m.base_color.alpha());
        if current.is_some_and(|a| a != level)
            && let Some(mut m) = materials.get_mut(&shell.material)
        {
            m.base_color = NEUTRAL.with_alpha(level);
        }
        visibility.set_if_neq(if level > 0.0 {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
    }
}

/// Holds the neutral until everything can be drawn, then lets the fade run its course.
fn finish_opening(
    fade: Option<ResMut<Fade>>,
    readiness: Res<RenderReadiness>,
    time: Res<Time<Real>>,
    mut next: ResMut<NextState<Phase>>,
) {
    let Some(mut fade) = fade else { return };
    if !readiness.is_settled() {
        fade.started = time.elapsed_secs();
        return;
    }
    if fade_level(&fade, time.elapsed_secs()) <= 0.0 {
        next.set(Phase::Immersed);
    }
}

fn end_after_limit(
    settings: Res<RunSettings>,
    time: Res<Time<Virtual>>,
    mut since: Local<Option<Duration>>,
    mut next: ResMut<NextState<Phase>>,
) {
    let Some(limit) = settings.limit else { return };
    let start = *since.get_or_insert(time.elapsed());
    if time.elapsed() - start >= limit {
        info!(
            "session: {:.1} s in the place; time is up",
            limit.as_secs_f32()
        );
        next.set(Phase::Closing);
    }
}

fn exit_when_closed(
    fade: Option<Res<Fade>>,
    time: Res<Time<Real>>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(fade) = fade else { return };
    if fade_level(&fade, time.elapsed_secs()) >= 1.0 {
        exit.write(AppExit::Success);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::state::app::StatesPlugin;
    use bevy::time::TimeUpdateStrategy;

    /// The session plugin alone, with time stepped by hand 50 ms a frame.
    fn session_app() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, StatesPlugin, AssetPlugin::default()))
            .init_asset::<Mesh>()
            .init_asset::<StandardMaterial>()
            .init_resource::<ButtonInput<KeyCode>>()
            .init_resource::<RenderReadiness>()
            .insert_resource(RunSettings {
                limit: None,
                fade_in: true,
            })
            .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
                50,
            )))
            .add_plugins(plugin);
        app.finish();
        app.update();
        app
    }

    #[test]
    fn emergency_stop_ends_the_session_within_a_second_even_mid_opening() {
        let mut app = session_app();
        for _ in 0..5 {
            app.update();
        }
        assert_eq!(
            *app.world().resource::<State<Phase>>().get(),
            Phase::Opening
        );
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .press(KeyCode::Escape);
        let mut frames = 0;
        while app.should_exit().is_none() && frames < 100 {
            app.update();
            frames += 1;
        }
        assert_eq!(*app.world().resource::<Closing>(), Closing::Emergency);
        let seconds = frames as f32 * 0.05;
        assert!(app.should_exit().is_some(), "no exit after {seconds} s");
        assert!(seconds <= 1.0, "emergency stop took {seconds} s");
    }

    #[test]
    fn fades_are_monotonic_and_reach_their_ends() {
        let fade = Fade {
            from: 0.0,
            to: 1.0,
            started: 10.0,
            seconds: FADE_S,
        };
        let mut last = -1.0;
        for i in 0..=40 {
            let v = fade_level(&fade, 10.0 + i as f32 * FADE_S / 40.0);
            assert!(v >= last, "fade went backwards at step {i}");
            last = v;
        }
        assert_eq!(fade_level(&fade, 9.0), 0.0);
        assert_eq!(fade_level(&fade, 10.0 + FADE_S), 1.0);
        // The largest step between 90 Hz frames stays small: no visible jump.
        let frame = 1.0 / 90.0;
        let worst = (0..(FADE_S / frame) as usize)
            .map(|i| {
                fade_level(&fade, 10.0 + (i + 1) as f32 * frame)
                    - fade_level(&fade, 10.0 + i as f32 * frame)
            })
            .fold(0.0, f32::max);
        assert!(worst < 0.01, "largest per-frame change {worst}");
    }
}
