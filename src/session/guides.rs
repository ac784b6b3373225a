//! Things the therapist can switch on in the place: a breathing pacer (a softly glowing orb
//! ahead that swells as one breathes in and fades as one breathes out, 6 breaths a minute
//! unless set otherwise; with `--breath`, it follows the patient's own breath) and the attention task (count the soft lights that glow up one at
//! a time; the panel then asks how many). Both ease in and out: nothing flashes.

use super::{Answered, AskRating, Phase, Record, SessionCommand};
use crate::ActiveScene;
use crate::display::{Rig, ViewpointSpec, veil};
use crate::meshkit::ico;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::session::attention::{self, ASK_AFTER_S, GLOW_S, Light, ROUND_S};
use respite_core::session::event::SessionEvent;
use respite_core::session::{PACER_BREATHS_PER_MIN, Scale, Timepoint, breath};

/// The pacer's settings and state.
#[derive(Resource, Clone, Debug)]
pub struct Pacer {
    pub on: bool,
    pub breaths_per_min: f32,
    /// How present the orb is, 0–1: eased towards `on` over two seconds.
    shown: f32,
}

impl Pacer {
    /// On and fully shown from the first frame (a picture of the pacer).
    pub fn shown_from_the_start() -> Self {
        Self {
            on: true,
            shown: 1.0,
            ..default()
        }
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Self {
            on: false,
            breaths_per_min: PACER_BREATHS_PER_MIN,
            shown: 0.0,
        }
    }
}

/// The attention task's current round, if one is running or awaiting its answer.
#[derive(Resource, Clone, Debug, Default)]
pub struct Attention {
    /// Rounds started this session.
    pub rounds: u32,
    /// Scene seconds in the place when this round began, and its lights.
    running: Option<(f32, Vec<Light>)>,
    /// Asked how many, waiting for the answer: (round, lights shown).
    pub awaiting: Option<(u32, usize)>,
}

impl Attention {
    pub fn busy(&self) -> bool {
        self.running.is_some() || self.awaiting.is_some()
    }
}

#[derive(Component)]
pub(crate) struct PacerOrb(Handle<StandardMaterial>);

#[derive(Component)]
pub(crate) struct TaskLight {
    material: Handle<StandardMaterial>,
    lift: Vec3,
}

const PACER_COLOR: Color = Color::srgb(1.0, 0.92, 0.76);
const TASK_COLOR: Color = Color::srgb(1.0, 0.85, 0.45);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Pacer>()
        .init_resource::<Attention>()
        // After the displays have built their rigs.
        .add_systems(PostStartup, spawn_guides)
        .add_systems(
            Update,
            (
                switch_from_commands,
                breathe,
                run_attention_round.run_if(in_state(Phase::Immersion)),
                score_attention,
            )
                .chain(),
        )
        .add_systems(OnExit(Phase::Immersion), abandon_round);
}

/// How strongly a guide shows now (its opacity), for the record of what was seen.
#[derive(Component, Default, Clone, Copy, Debug)]
pub(crate) struct Glow(pub f32);

/// The orb and the task's light, hidden until used, carried with the viewer's rig.
fn spawn_guides(
    mut commands: Commands,
    rigs: Query<(Entity, &Rig)>,
    viewpoint: Option<Res<ViewpointSpec>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let (Ok((rig, lift)), Some(viewpoint)) = (rigs.single(), viewpoint) else {
        return;
    };
    let eye = viewpoint.0.eye_height_m;
    // The rig's origin sits `lift` above the ground under the viewer (at the eyes in a
    // headset): place things from the ground.
    let lift = lift.lift;
    let orb = materials.add(veil(PACER_COLOR.with_alpha(0.0)));
    let light = materials.add(veil(TASK_COLOR.with_alpha(0.0)));
    commands.entity(rig).with_children(|rig| {
        // 2.2 m ahead, a little below the eyes: in view without being in the way.
        rig.spawn((
            Name::new("Breathing pacer"),
            PacerOrb(orb.clone()),
            Glow::default(),
            Mesh3d(meshes.add(ico(0.12, 3))),
            MeshMaterial3d(orb),
            Transform::from_translation(Vec3::new(0.0, eye - 0.35, -2.2) - lift),
            Visibility::Hidden,
            NotShadowCaster,
            NotShadowReceiver,
        ));
        rig.spawn((
            Name::new("Attention light"),
            TaskLight {
                material: light.clone(),
                lift,
            },
            Glow::default(),
            Mesh3d(meshes.add(ico(0.09, 2))),
            MeshMaterial3d(light),
            Visibility::Hidden,
            NotShadowCaster,
            NotShadowReceiver,
        ));
    });
}

/// The console (and the B and T keys) switch the guides.
fn switch_from_commands(
    mut commands: MessageReader<SessionCommand>,
    keys: Res<ButtonInput<KeyCode>>,
    phase: Res<State<Phase>>,
    scene: Res<Time<Virtual>>,
    clock: Res<super::SessionClock>,
    active: Option<Res<ActiveScene>>,
    mut pacer: ResMut<Pacer>,
    mut attention: ResMut<Attention>,
    mut records: MessageWriter<Record>,
) {
    let mut wants: Vec<SessionCommand> = commands.read().cloned().collect();
    if keys.just_pressed(KeyCode::KeyB) {
        wants.push(SessionCommand::Pacer(!pacer.on));
    }
    if keys.just_pressed(KeyCode::KeyT) {
        wants.push(SessionCommand::CountingRound);
    }
    for c in wants {
        match c {
            SessionCommand::Pacer(on) if on != pacer.on => {
                pacer.on = on;
                records.write(Record(SessionEvent::Pacer {
                    on,
                    breaths_per_min: pacer.breaths_per_min,
                }));
            }
            SessionCommand::PacerRate(bpm) => {
                pacer.breaths_per_min = bpm.clamp(3.0, 12.0);
                if pacer.on {
                    records.write(Record(SessionEvent::Pacer {
                        on: true,
                        breaths_per_min: pacer.breaths_per_min,
                    }));
                }
            }
            SessionCommand::CountingRound
                if *phase.get() == Phase::Immersion && !attention.busy() =>
            {
                attention.rounds += 1;
                let seed = active.as_ref().map_or(0, |a| a.def.seed);
                let lights = attention::round(seed, attention.rounds);
                records.write(Record(SessionEvent::AttentionStart {
                    round: attention.rounds,
                    lights: lights.len(),
                }));
                attention.running = Some((clock.in_place_s(&scene), lights));
            }
            _ => {}
        }
    }
}

/// The orb swells and fades with the breath; it comes and goes over two seconds.
fn breathe(
    mut pacer: ResMut<Pacer>,
    patient: Res<super::breath::PatientBreath>,
    time: Res<Time<Real>>,
    mut orbs: Query<(&PacerOrb, &mut Transform, &mut Visibility, &mut Glow)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let target = if pacer.on { 1.0 } else { 0.0 };
    let step = time.delta_secs() / 2.0;
    pacer.shown = if pacer.shown < target {
        (pacer.shown + step).min(target)
    } else {
        (pacer.shown - step).max(target)
    };
    // With the patient's breath heard (`--breath`), the orb follows it; else the pacer's.
    let period = 60.0 / pacer.breaths_per_min.max(1.0);
    let b = if patient.leads(time.elapsed_secs_f64(), period) {
        patient.swell
    } else {
        breath(time.elapsed_secs(), pacer.breaths_per_min)
    };
    let shown = respite_core::smoothstep(pacer.shown);
    for (orb, mut t, mut vis, mut glow) in &mut orbs {
        vis.set_if_neq(if shown > 0.0 {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
        if shown <= 0.0 {
            continue;
        }
        t.scale = Vec3::splat(0.7 + 0.3 * b);
        glow.0 = shown * (0.25 + 0.6 * b);
        if let Some(mut m) = materials.get_mut(&orb.0) {
            m.base_color = PACER_COLOR.with_alpha(glow.0);
        }
    }
}

/// Shows the round's lights one at a time, then asks how many there were.
fn run_attention_round(
    mut attention: ResMut<Attention>,
    scene: Res<Time<Virtual>>,
    clock: Res<super::SessionClock>,
    mut lights: Query<(&TaskLight, &mut Transform, &mut Visibility, &mut Glow)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut asks: MessageWriter<AskRating>,
) {
    let Some((start, round)) = attention.running.clone() else {
        return;
    };
    let t = clock.in_place_s(&scene) - start;
    let Ok((light, mut at, mut vis, mut glow)) = lights.single_mut() else {
        return;
    };
    let now = round.iter().find(|l| t >= l.at_s && t <= l.at_s + GLOW_S);
    match now {
        Some(l) => {
            let yaw = l.yaw_deg.to_radians();
            at.translation = Vec3::new(
                yaw.sin() * l.distance_m,
                l.height_m,
                -yaw.cos() * l.distance_m,
            ) - light.lift;
            vis.set_if_neq(Visibility::Inherited);
            glow.0 = 0.9 * attention::glow(t - l.at_s);
            if let Some(mut m) = materials.get_mut(&light.material) {
                m.base_color = TASK_COLOR.with_alpha(glow.0);
            }
        }
        None => {
            vis.set_if_neq(Visibility::Hidden);
        }
    }
    if t >= ROUND_S + ASK_AFTER_S {
        let n = attention.rounds;
        attention.running = None;
        attention.awaiting = Some((n, round.len()));
        asks.write(AskRating {
            timepoint: Timepoint::Task(n),
            scale: Scale::Count("How many lights did you see?".into()),
        });
    }
}

/// The answer against what was shown.
fn score_attention(
    mut answers: MessageReader<Answered>,
    mut attention: ResMut<Attention>,
    mut records: MessageWriter<Record>,
) {
    for a in answers.read() {
        let Some((round, shown)) = attention.awaiting else {
            continue;
        };
        if a.timepoint != Timepoint::Task(round) {
            continue;
        }
        attention.awaiting = None;
        records.write(Record(SessionEvent::AttentionResult {
            round,
            shown,
            answered: a.value,
            error: a.value.map(|v| i64::from(v) - shown as i64),
        }));
    }
}

fn abandon_round(
    mut attention: ResMut<Attention>,
    mut lights: Query<&mut Visibility, With<TaskLight>>,
    mut records: MessageWriter<Record>,
) {
    if attention.running.take().is_some() {
        records.write(Record(SessionEvent::AttentionAbandoned {
            round: attention.rounds,
        }));
    }
    for mut v in &mut lights {
        *v = Visibility::Hidden;
    }
}
