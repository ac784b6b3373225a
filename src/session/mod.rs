//! A supervised session as Bevy states: calibrate (seated height, view recentred) →
//! baseline rating → immersion (the place fades in; ratings at scheduled minutes) → closing
//! (picture and sound fade out) → post rating → done. The emergency stop works from every
//! state: picture and sound go to a calm neutral within a second and the session ends,
//! logged as stopped. Fades happen on a shell around the [`Head`], so headset and screen
//! fade alike; while the picture is wholly neutral the cameras draw only the rating panel.
//!
//! Screenshots and the bench skip the flow: they start in the place with nothing veiled.

use crate::display::{Head, Recenter, RenderReadiness, WarmUpView, veil};
use crate::meshkit::ico;
use crate::pause::{PauseChanged, PauseReason, PauseReasons, SetPause};
use bevy::camera::visibility::RenderLayers;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::session::event::{self, SessionEvent};
use respite_core::session::{Scale, SessionPlan, Timepoint, Who};
use std::time::Duration;

pub mod autopilot;
pub mod breath;
pub mod course;
pub mod files;
pub mod guides;
mod lesson_art;
pub mod lsl;
pub mod markers;
pub mod panel;
pub mod questions;
pub mod record;
pub mod samples;

pub use panel::{Answered, AskRating, TherapistAnswer};
pub use record::Record;

pub use respite_core::FADE_S;
pub use respite_core::sound::mixer::EMERGENCY_FADE_S;
/// The neutral the picture fades from and to: a dim, slightly warm grey, never black.
pub const NEUTRAL: Color = Color::srgb(0.16, 0.17, 0.17);
/// The render layer of what is shown over the neutral (the rating panel); the place is on
/// layer 0.
pub const PANEL_LAYER: usize = 1;
/// Seconds of a steady head that complete the calibration.
pub const CALIBRATE_S: f32 = 3.0;
/// A head turning slower than this (°/s) counts as steady.
const STEADY_DEG_S: f32 = 10.0;

#[derive(States, Default, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Seated and still: the eye height is taken and the view recentred.
    #[default]
    Calibrate,
    /// The pain rating before the place.
    Baseline,
    /// In the place: it fades in, ratings come at their minutes.
    Immersion,
    /// The picture and sound fade out.
    Closing,
    /// The pain rating after the place.
    Post,
    /// Finished; the app ends.
    Done,
}

impl Phase {
    /// The phase as the record names it (the core's vocabulary, whose codes are pinned).
    pub fn record(self) -> event::Phase {
        match self {
            Phase::Calibrate => event::Phase::Calibrate,
            Phase::Baseline => event::Phase::Baseline,
            Phase::Immersion => event::Phase::Immersion,
            Phase::Closing => event::Phase::Closing,
            Phase::Post => event::Phase::Post,
            Phase::Done => event::Phase::Done,
        }
    }

    /// The name in records (`phase=Immersion`).
    pub fn code(self) -> &'static str {
        self.record().code()
    }
}

/// Where the planned minutes in the place end it (a program's lesson holds them first).
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndAfterMinutes;

/// How this run is shaped.
#[derive(Resource, Clone, Debug)]
pub struct RunSettings {
    pub plan: SessionPlan,
    /// Ask pain at baseline, during and after; off, the flow skips those steps.
    pub ratings: bool,
    /// Straight into the place with no fade, ratings or end: screenshots and the bench.
    pub show_only: bool,
    /// Questionnaires around the place.
    pub questions: questions::Questions,
    /// A rest between a study's conditions, before anything is asked.
    pub washout: Option<questions::WashoutPlan>,
    /// Pain asked after the place until it is back near the baseline.
    pub followup: Option<respite_core::research::protocol::Followup>,
    /// What a resumed session already has on record.
    pub done: questions::Done,
    /// The protocol's changes of place or level, at their minutes in the place.
    pub changes: Vec<respite_core::research::protocol::Change>,
}

impl RunSettings {
    /// Whether anything is asked before or after the place (else the session goes straight
    /// from calibration into the place, and from the closing to the end).
    pub fn asks_around(&self) -> bool {
        self.ratings
            || self.questions.ssq
            || self.questions.ipq
            || !self.questions.before.is_empty()
            || !self.questions.after.is_empty()
            || self.washout.is_some()
            || self.done.place
    }

    pub fn show_only() -> Self {
        Self {
            plan: SessionPlan::default(),
            ratings: false,
            show_only: true,
            questions: questions::Questions::default(),
            washout: None,
            followup: None,
            done: questions::Done::default(),
            changes: Vec::new(),
        }
    }
}

/// How the time in the place came to an end.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Closing {
    /// The planned minutes were up.
    #[default]
    Planned,
    /// The therapist ended it early.
    Ended,
    /// The session's maximum length was reached.
    TimeLimit,
    /// Esc or Space: picture and sound go to the calm neutral within a second.
    Emergency,
}

/// How a therapist's command came, for the record (`via=console`).
pub use respite_core::session::event::CommandVia;

impl Closing {
    /// The closing as the record names it.
    pub fn record(self) -> event::Closing {
        match self {
            Closing::Planned => event::Closing::Planned,
            Closing::Ended => event::Closing::Ended,
            Closing::TimeLimit => event::Closing::TimeLimit,
            Closing::Emergency => event::Closing::Emergency,
        }
    }

    /// The closing a record names, if it is one a place can end with.
    pub fn from_record(c: event::Closing) -> Option<Self> {
        [
            Closing::Planned,
            Closing::Ended,
            Closing::TimeLimit,
            Closing::Emergency,
        ]
        .into_iter()
        .find(|ours| ours.record() == c)
    }

    /// The name in records (`how=Emergency`).
    pub fn code(self) -> &'static str {
        self.record().code()
    }
}

/// What the therapist (console or keys) asks of the session.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum SessionCommand {
    /// Skip the rest of the calibration wait.
    StartNow,
    /// Brush the stroke cue's light down this limb (one of `respite_core::walk::LIMBS`),
    /// for the therapist to stroke the real one in time with it.
    Stroke {
        limb: String,
        via: CommandVia,
    },
    Pause,
    Resume,
    /// End the time in the place now, with the usual closing fade and post rating.
    End,
    Emergency,
    Recenter,
    /// Ask a rating now.
    Ask(Scale),
    /// The breathing pacer on or off, and its breaths per minute.
    Pacer(bool),
    PacerRate(f32),
    /// Start a round of the attention task (count the lights).
    CountingRound,
    /// Carry on in the desktop window, ending the headset's session (after a sickness check).
    ContinueOnScreen,
    /// Before the place: change the minutes in it.
    SetMinutes(f32),
    /// Set marker `key` (0–7, F1–F8) with its label now.
    Marker {
        key: usize,
        via: CommandVia,
    },
    /// A marker from another device (standard input, UDP), already bounded and cleaned,
    /// received this many seconds after the record's zero.
    OutsideMarker {
        source: &'static str,
        label: String,
        received_s: f64,
        /// An LSL marker's own stamp, on our LSL clock.
        lsl: Option<lsl::LslStamp>,
    },
    /// What an outside input told of itself (an LSL stream found, lost), on record in order
    /// with its markers.
    OutsideNote(respite_core::session::event::SessionEvent),
    /// The therapist's volume, dB around the soundscape's level (−30 to +6).
    SetVolume {
        db: f32,
        via: CommandVia,
    },
    /// The walking pace, m/s (within the walk's comfort range).
    SetPace {
        m_s: f32,
        via: CommandVia,
    },
    /// Before the place: start again with another scene or immersion level (a new process
    /// with the same flags otherwise; this one ends, its record saying why).
    Restart {
        scene: String,
        level: String,
    },
    /// In the place: change to this scene (the picture and sound cross through the
    /// neutral while it is built).
    SetScene {
        name: String,
        via: CommandVia,
    },
    /// In the place: change to this immersion level (it applies without leaving the place).
    SetLevel {
        name: String,
        via: CommandVia,
    },
}

/// This run's own command line (after the program name), for restarting with other choices.
#[derive(Resource, Clone, Debug, Default)]
pub struct LaunchArgs(pub Vec<String>);

/// `args` with `--flag value` set: earlier occurrences (`--flag v` or `--flag=v`) removed,
/// the new one appended.
pub fn with_flag(args: &[String], flag: &str, value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for a in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if a == flag {
            skip_next = true;
            continue;
        }
        if a.starts_with(&format!("{flag}=")) {
            continue;
        }
        out.push(a.clone());
    }
    out.push(flag.to_string());
    out.push(value.to_string());
    out
}

/// The emergency stop and the therapist's commands: whatever else takes commands runs after
/// them, so nothing can replace the stop's fade in the frame it is pressed.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObeyCommands;

/// The emergency stop was pressed (the sound fades within a second on it).
#[derive(Message, Clone, Copy, Debug)]
pub struct EmergencyStop;

/// Where the session's clock stands.
#[derive(Resource, Clone, Debug, Default)]
pub struct SessionClock {
    /// Scene time and real time when the place began.
    pub immersion_scene: Option<Duration>,
    pub immersion_real: Option<f32>,
    /// Scene time when the closing began: the time in the place stops counting there.
    pub closing_scene: Option<Duration>,
    /// Scheduled questions already asked.
    pub prompts_done: usize,
    /// Ratings the therapist asked for.
    pub asked: u32,
    /// Why the session is paused for the therapist (a sickness answer over the limit).
    pub alert: Option<String>,
}

impl SessionClock {
    /// Seconds in the place (scene time: it stops while paused).
    pub fn in_place_s(&self, time: &Time<Virtual>) -> f32 {
        let end = self.closing_scene.unwrap_or(time.elapsed());
        self.immersion_scene
            .map_or(0.0, |t| end.saturating_sub(t).as_secs_f32())
    }
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
    /// Held at its start until the place can be drawn: only before the fade has begun, so
    /// something compiling later (a screenshot's pipeline) never snaps the picture back.
    held: bool,
}

/// The picture's veil now: 0 the place in full view, 1 the neutral.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct Veil(pub f32);

impl Fade {
    /// A fade to `to` over `seconds` from wherever the picture is now: never a jump.
    fn from_here(veil: Veil, to: f32, seconds: f32, now: f32) -> Fade {
        Fade {
            from: veil.0,
            to,
            started: now,
            seconds,
            held: false,
        }
    }
}

pub(crate) fn plugin(app: &mut App) {
    samples::plugin(app);
    record::plugin(app);
    let show_only = app
        .world()
        .get_resource::<RunSettings>()
        .is_some_and(|s| s.show_only);
    if show_only {
        app.insert_state(Phase::Immersion);
    } else {
        app.init_state::<Phase>();
    }
    app.init_resource::<Closing>()
        .init_resource::<SessionClock>()
        .insert_resource(Veil(if show_only { 0.0 } else { 1.0 }))
        .add_message::<SessionCommand>()
        .add_message::<EmergencyStop>()
        .add_observer(wrap_head_in_fade_shell)
        .add_plugins((
            panel::plugin,
            markers::plugin,
            lsl::plugin,
            autopilot::plugin,
            guides::plugin,
            breath::plugin,
        ))
        .add_systems(
            PreUpdate,
            hold_hotkeys_while_typing.after(bevy::input::InputSystems),
        )
        .add_systems(Update, (record_phase_changes, alert_when_runtime_lost))
        .add_systems(PostUpdate, record_pauses.after(crate::pause::ApplyPauses))
        .add_systems(
            Update,
            (emergency_stop, obey_commands)
                .chain()
                .in_set(ObeyCommands)
                .run_if(not(in_state(Phase::Done))),
        )
        .add_systems(OnEnter(Phase::Done), end_session)
        // Last in the frame's updates, after whatever decided the phase (or, in the bench,
        // the stage).
        .add_systems(
            PostUpdate,
            apply_place_view
                .run_if(resource_exists::<PlaceView>)
                .before(bevy::camera::visibility::VisibilitySystems::CheckVisibility),
        );
    if show_only {
        return;
    }
    app.add_plugins((questions::plugin, course::plugin))
        .add_systems(OnEnter(Phase::Calibrate), say_how_to_sit)
        .add_systems(OnEnter(Phase::Immersion), begin_immersion)
        .add_systems(OnEnter(Phase::Closing), begin_closing)
        .add_systems(
            Update,
            (
                run_fade,
                calibrate_when_steady.run_if(in_state(Phase::Calibrate)),
                hold_fade_until_ready.run_if(in_state(Phase::Immersion)),
                (
                    ask_on_schedule,
                    end_after_minutes.in_set(EndAfterMinutes),
                    end_at_max_length,
                )
                    .run_if(in_state(Phase::Immersion)),
                finish_closing.run_if(in_state(Phase::Closing)),
                move_on_when_answered,
                place_view_for_phase,
            )
                .chain(),
        )
        .insert_resource(PlaceView::new(false));
}

fn wrap_head_in_fade_shell(
    add: On<Add, Head>,
    veil_now: Res<Veil>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let start = veil_now.0;
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

/// Every change of phase goes to the session record.
fn record_phase_changes(
    mut changes: MessageReader<StateTransitionEvent<Phase>>,
    closing: Res<Closing>,
    mut records: MessageWriter<Record>,
) {
    for change in changes.read() {
        if let Some(to) = change.entered {
            records.write(Record(SessionEvent::Phase {
                phase: to.record(),
                how: matches!(to, Phase::Closing | Phase::Done).then(|| closing.record()),
            }));
        }
    }
}

/// The headset's runtime is gone: on record, and the therapist is asked (the place is
/// paused on the screen) whether to go on there or stop.
fn alert_when_runtime_lost(
    mut lost: MessageReader<crate::display::RuntimeLost>,
    mut clock: ResMut<SessionClock>,
    mut records: MessageWriter<Record>,
) {
    for crate::display::RuntimeLost(why) in lost.read() {
        records.write(Record(SessionEvent::DisplayLost {
            reason: why.clone(),
            to: "screen".into(),
            paused: true,
        }));
        clock.alert = Some(format!(
            "The headset's runtime stopped ({why}). The place is paused on the screen."
        ));
    }
}

/// Each reason to pause, its start and its end, on record: `pause by=sickness_check fms=14
/// limit=12`, `resume by=headset still_paused_by=sickness_check`.
fn record_pauses(mut changes: MessageReader<PauseChanged>, mut records: MessageWriter<Record>) {
    for c in changes.read() {
        let mut event = c.record.clone();
        if let SessionEvent::Resume {
            still_paused_by, ..
        } = &mut event
        {
            *still_paused_by = c.holding.clone();
        }
        records.write(Record(event));
    }
}

/// While the therapist types in the console no key but Esc reaches the session: the one
/// place every hotkey (Space, markers, pause, answers, the pacer, the pace, the screen's
/// tilt) is held, so none can act on a letter meant for a text field. Esc always stops.
fn hold_hotkeys_while_typing(
    typing: Option<Res<ConsoleTyping>>,
    mut keys: ResMut<ButtonInput<KeyCode>>,
) {
    if !typing.is_some_and(|t| t.0) {
        return;
    }
    let held: Vec<KeyCode> = keys
        .get_just_pressed()
        .copied()
        .filter(|k| *k != KeyCode::Escape)
        .collect();
    for k in held {
        keys.clear_just_pressed(k);
    }
}

/// Whether the console has a text field in use: then Space is a space, not a stop.
#[derive(Resource, Default, Clone, Copy)]
pub struct ConsoleTyping(pub bool);

/// Esc or Space, from any window and in any state: the session ends now, gently but within a
/// second. (Space is left to a console text field while one is being typed in; Esc always
/// stops.)
fn emergency_stop(
    keys: Res<ButtonInput<KeyCode>>,
    mut commands: MessageReader<SessionCommand>,
    phase: Res<State<Phase>>,
    time: Res<Time<Real>>,
    veil_now: Res<Veil>,
    mut closing: ResMut<Closing>,
    mut next: ResMut<NextState<Phase>>,
    mut stops: MessageWriter<EmergencyStop>,
    mut records: MessageWriter<Record>,
    mut cmds: Commands,
) {
    let space = keys.just_pressed(KeyCode::Space);
    let asked = commands
        .read()
        .any(|c| matches!(c, SessionCommand::Emergency));
    if !(keys.just_pressed(KeyCode::Escape) || space || asked) || *closing == Closing::Emergency {
        return;
    }
    warn!("session: EMERGENCY STOP; fading to neutral over {EMERGENCY_FADE_S} s");
    records.write(Record(SessionEvent::EmergencyStop {
        phase: phase.get().record(),
    }));
    *closing = Closing::Emergency;
    stops.write(EmergencyStop);
    if *phase.get() == Phase::Post {
        // Already neutral and quiet: end now.
        next.set(Phase::Done);
        return;
    }
    // The fade starts on this very frame, from wherever the picture is.
    cmds.insert_resource(Fade::from_here(
        *veil_now,
        1.0,
        EMERGENCY_FADE_S,
        time.elapsed_secs(),
    ));
    if *phase.get() != Phase::Closing {
        next.set(Phase::Closing);
    }
}

/// The therapist's commands, other than the emergency stop.
fn obey_commands(
    mut commands: MessageReader<SessionCommand>,
    mut settings: ResMut<RunSettings>,
    launch: Option<Res<LaunchArgs>>,
    mut on_screen: MessageWriter<crate::display::ContinueOnScreen>,
    mut exit: MessageWriter<AppExit>,
    phase: Res<State<Phase>>,
    reasons: Res<PauseReasons>,
    mut pauses: MessageWriter<SetPause>,
    mut clock: ResMut<SessionClock>,
    mut closing: ResMut<Closing>,
    mut next: ResMut<NextState<Phase>>,
    mut calibrate: MessageWriter<Recenter>,
    mut ask: MessageWriter<AskRating>,
    mut records: MessageWriter<Record>,
) {
    for c in commands.read() {
        match c {
            SessionCommand::StartNow if *phase.get() == Phase::Calibrate => {
                calibrate.write(Recenter);
                next.set(Phase::Baseline);
            }
            SessionCommand::Pause => {
                pauses.write(SetPause::on(PauseReason::Therapist));
            }
            // The therapist's resume ends their own pause and a sickness check's (they have
            // looked at the patient); a headset that is not showing still holds.
            SessionCommand::Resume => {
                for reason in [PauseReason::Therapist, PauseReason::SicknessCheck] {
                    if reasons.holds(reason) {
                        pauses.write(SetPause::off(reason).ended_by_therapist(false));
                    }
                }
                clock.alert = None;
            }
            SessionCommand::End if *phase.get() == Phase::Immersion => {
                *closing = Closing::Ended;
                next.set(Phase::Closing);
            }
            SessionCommand::Recenter => {
                calibrate.write(Recenter);
            }
            SessionCommand::ContinueOnScreen => {
                on_screen.write(crate::display::ContinueOnScreen);
                for reason in [
                    PauseReason::RuntimeLost,
                    PauseReason::Headset,
                    PauseReason::SicknessCheck,
                ] {
                    if reasons.holds(reason) {
                        pauses.write(SetPause::off(reason).ended_by_therapist(true));
                    }
                }
                clock.alert = None;
                records.write(Record(SessionEvent::DisplaySwitch {
                    to: "screen".into(),
                    by: Who::Therapist,
                }));
            }
            SessionCommand::SetMinutes(m)
                if matches!(phase.get(), Phase::Calibrate | Phase::Baseline) =>
            {
                let m = m.clamp(0.5, 120.0);
                settings.plan.max_minutes += m - settings.plan.minutes;
                settings.plan.minutes = m;
                records.write(Record(SessionEvent::Plan {
                    minutes: m,
                    max_minutes: settings.plan.max_minutes,
                    by: Who::Therapist,
                }));
            }
            SessionCommand::Restart { scene, level }
                if matches!(phase.get(), Phase::Calibrate | Phase::Baseline) =>
            {
                let args = launch.as_ref().map(|l| l.0.clone()).unwrap_or_default();
                let args = with_flag(&with_flag(&args, "--scene", scene), "--immersion", level);
                let args = with_flag(&args, "--minutes", &settings.plan.minutes.to_string());
                match std::env::current_exe()
                    .and_then(|exe| std::process::Command::new(exe).args(&args).spawn())
                {
                    Ok(child) => {
                        records.write(Record(SessionEvent::Restart {
                            scene: scene.clone(),
                            level: level.clone(),
                            by: Who::Therapist,
                            pid: child.id(),
                        }));
                        // This session ends here (before the place); the new process
                        // keeps its own record.
                        records.write(Record(SessionEvent::SessionEnd {
                            how: event::Closing::Restart,
                            completed: false,
                            in_place_s: 0.0,
                        }));
                        exit.write(AppExit::Success);
                    }
                    Err(e) => error!("session: cannot start again: {e}"),
                }
            }
            SessionCommand::Ask(scale) => {
                clock.asked += 1;
                ask.write(AskRating {
                    timepoint: Timepoint::Asked(clock.asked),
                    scale: scale.clone(),
                });
            }
            _ => {}
        }
    }
}

fn say_how_to_sit(mut message: ResMut<panel::PanelMessage>) {
    message.0 = Some("Sit back comfortably\nand look straight ahead.".into());
}

/// Once the head has been steady for [`CALIBRATE_S`], the view is recentred on it and its
/// height recorded; then the baseline rating (or the place, without ratings).
fn calibrate_when_steady(
    settings: Res<RunSettings>,
    heads: Query<&GlobalTransform, With<Head>>,
    time: Res<Time<Real>>,
    mut steady: Local<(f32, Option<Quat>)>,
    mut recenter: MessageWriter<Recenter>,
    mut message: ResMut<panel::PanelMessage>,
    mut records: MessageWriter<Record>,
    mut next: ResMut<NextState<Phase>>,
) {
    let Ok(head) = heads.single() else { return };
    let dt = time.delta_secs().max(1e-4);
    let rotation = head.rotation();
    let turning = steady
        .1
        .map_or(0.0, |last| last.angle_between(rotation).to_degrees() / dt);
    steady.1 = Some(rotation);
    steady.0 = if turning < STEADY_DEG_S {
        steady.0 + dt
    } else {
        0.0
    };
    if steady.0 < CALIBRATE_S {
        return;
    }
    let (yaw, _, _) = rotation.to_euler(EulerRot::YXZ);
    records.write(Record(SessionEvent::Calibrate {
        eye_height_m: head.translation().y,
        head_yaw_deg: -yaw.to_degrees(),
    }));
    recenter.write(Recenter);
    message.0 = None;
    next.set(if settings.asks_around() {
        Phase::Baseline
    } else {
        Phase::Immersion
    });
}

/// A sickness answer over the limit pauses for the therapist. (What comes after an answer
/// before and after the place is `questions`' work.)
fn move_on_when_answered(
    mut answers: MessageReader<Answered>,
    settings: Res<RunSettings>,
    mut clock: ResMut<SessionClock>,
    mut pauses: MessageWriter<SetPause>,
) {
    for a in answers.read() {
        if a.scale == Scale::Fms
            && let Some(v) = a.value
            && settings.plan.too_sick(v)
        {
            let why = format!(
                "Sickness {v} of 20 (limit {}): the session is paused.",
                settings.plan.fms_pause_at
            );
            warn!("session: {why}");
            pauses.write(SetPause::sickness(v, settings.plan.fms_pause_at));
            clock.alert = Some(why);
        }
    }
}

fn begin_immersion(
    mut commands: Commands,
    mut clock: ResMut<SessionClock>,
    scene: Res<Time<Virtual>>,
    real: Res<Time<Real>>,
    veil_now: Res<Veil>,
) {
    clock.immersion_scene = Some(scene.elapsed());
    clock.immersion_real = Some(real.elapsed_secs());
    commands.insert_resource(Fade {
        held: veil_now.0 >= 1.0,
        ..Fade::from_here(*veil_now, 0.0, FADE_S, real.elapsed_secs())
    });
}

/// Holds the neutral until everything in the place can be drawn, then lets the fade run.
/// Once it runs it is never held again: the picture only ever moves one way.
fn hold_fade_until_ready(
    fade: Option<ResMut<Fade>>,
    readiness: Res<RenderReadiness>,
    time: Res<Time<Real>>,
) {
    let Some(mut fade) = fade else { return };
    if !fade.held {
        return;
    }
    if readiness.is_settled() {
        fade.held = false;
    }
    fade.started = time.elapsed_secs();
}

/// Scheduled questions, at their minutes of scene time in the place.
fn ask_on_schedule(
    settings: Res<RunSettings>,
    time: Res<Time<Virtual>>,
    mut clock: ResMut<SessionClock>,
    mut asks: MessageWriter<AskRating>,
) {
    if !settings.ratings {
        return;
    }
    let minutes = clock.in_place_s(&time) / 60.0;
    let prompts = settings.plan.prompts();
    while let Some(p) = prompts.get(clock.prompts_done) {
        if p.at_min > minutes {
            break;
        }
        asks.write(AskRating {
            timepoint: p.timepoint,
            scale: p.scale.clone(),
        });
        clock.prompts_done += 1;
    }
}

fn end_after_minutes(
    settings: Res<RunSettings>,
    time: Res<Time<Virtual>>,
    clock: Res<SessionClock>,
    mut closing: ResMut<Closing>,
    mut next: ResMut<NextState<Phase>>,
) {
    if clock.in_place_s(&time) >= settings.plan.minutes * 60.0 {
        info!(
            "session: {:.1} min in the place; time is up",
            settings.plan.minutes
        );
        *closing = Closing::Planned;
        next.set(Phase::Closing);
    }
}

/// However the session went (pauses included), it ends at its maximum length.
fn end_at_max_length(
    settings: Res<RunSettings>,
    time: Res<Time<Real>>,
    clock: Res<SessionClock>,
    mut closing: ResMut<Closing>,
    mut next: ResMut<NextState<Phase>>,
) {
    let Some(start) = clock.immersion_real else {
        return;
    };
    if time.elapsed_secs() - start >= settings.plan.max_minutes * 60.0 {
        warn!(
            "session: the maximum of {} min is reached; closing",
            settings.plan.max_minutes
        );
        *closing = Closing::TimeLimit;
        next.set(Phase::Closing);
    }
}

fn begin_closing(
    mut commands: Commands,
    reasons: Res<PauseReasons>,
    mut pauses: MessageWriter<SetPause>,
    mut clock: ResMut<SessionClock>,
    closing: Res<Closing>,
    veil_now: Res<Veil>,
    time: Res<Time<Real>>,
    virtual_time: Res<Time<Virtual>>,
) {
    clock.closing_scene = Some(virtual_time.elapsed());
    // A paused place closes too: the fade runs on real time, the sound with it, and every
    // reason to pause ends with the place (the scene's clock follows the reasons).
    for reason in reasons.iter() {
        pauses.write(SetPause::off(reason).closing());
    }
    if *closing == Closing::Emergency {
        // The stop has started its own one-second fade already.
        return;
    }
    let seconds = FADE_S;
    info!(
        "session: closing ({:?}); fading out over {seconds} s",
        *closing
    );
    commands.insert_resource(Fade::from_here(
        *veil_now,
        1.0,
        seconds,
        time.elapsed_secs(),
    ));
}

fn finish_closing(
    fade: Option<Res<Fade>>,
    time: Res<Time<Real>>,
    settings: Res<RunSettings>,
    closing: Res<Closing>,
    mut next: ResMut<NextState<Phase>>,
    mut records: MessageWriter<Record>,
) {
    let Some(fade) = fade else { return };
    let now = time.elapsed_secs();
    if fade_level(&fade, now) >= 1.0 {
        // This frame shows the neutral: on record when it happened.
        records.write(Record(SessionEvent::Faded {
            to: "neutral".into(),
            fade_s: now - fade.started,
        }));
        next.set(
            if settings.asks_around() && *closing != Closing::Emergency {
                Phase::Post
            } else {
                Phase::Done
            },
        );
    }
}

fn end_session(
    closing: Res<Closing>,
    clock: Res<SessionClock>,
    settings: Res<RunSettings>,
    time: Res<Time<Virtual>>,
    mut records: MessageWriter<Record>,
    mut exit: MessageWriter<AppExit>,
) {
    // A resumed session whose place had already ended keeps that attempt's time and end.
    let earlier = settings.done.place && clock.immersion_scene.is_none();
    let (closing, in_place_s) = match *closing {
        Closing::Emergency if earlier => (Closing::Emergency, settings.done.in_place_s),
        _ if earlier => (settings.done.closing, settings.done.in_place_s),
        now => (now, clock.in_place_s(&time)),
    };
    let completed = matches!(closing, Closing::Planned);
    records.write(Record(SessionEvent::SessionEnd {
        how: closing.record(),
        completed,
        in_place_s,
    }));
    exit.write(AppExit::Success);
}

/// Opacity now: smooth at both ends, so the change starts and stops without a jolt.
fn fade_level(fade: &Fade, now: f32) -> f32 {
    let eased = respite_core::smoothstep((now - fade.started) / fade.seconds);
    fade.from + (fade.to - fade.from) * eased
}

fn run_fade(
    fade: Option<Res<Fade>>,
    time: Res<Time<Real>>,
    mut veil_now: ResMut<Veil>,
    mut shells: Query<(&FadeShell, &mut Visibility)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(fade) = fade else { return };
    let level = if fade.held {
        fade.from
    } else {
        fade_level(&fade, time.elapsed_secs())
    };
    veil_now.set_if_neq(Veil(level));
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

/// What the cameras draw. Before and after the place (calibration, baseline, post) only the
/// panel over the neutral; in the place everything, the shell doing the fading. With
/// preloading (the bench's `--preload`; not in sessions), whenever cameras come the place is
/// first drawn behind the opaque neutral shell until everything it needs has compiled, so
/// the frame that first shows it has nothing left to build. Sessions do not preload this
/// way: they compile the place during calibration and the baseline with a warm-up view of
/// its own (`place.rs`), which never touches these cameras. The bench's preload took the
/// switch under lavapipe from 1.5–2.5 frames to 1.0–1.2 but left `mountain_lake`'s later
/// frames 2.3× slower in a window, with far more vertex work submitted per frame, for a
/// cause not yet found (docs/performance.md).
#[derive(Resource, Debug)]
pub struct PlaceView {
    /// Whether the place is to be drawn now.
    pub wanted: bool,
    /// Frames the place has been drawn for the cameras there are, while preloading.
    preload_frames: u32,
    preloaded: bool,
    preload: bool,
}

/// Frames the place is drawn at least before it counts as preloaded: its pipelines are
/// queued in the first, and the readiness count has seen what the second left waiting.
const PRELOAD_MIN_FRAMES: u32 = 2;

impl PlaceView {
    /// No preloading here: the place's first frame builds whatever the warm-up (in a
    /// session) has not.
    pub fn new(wanted: bool) -> Self {
        Self {
            wanted,
            preload_frames: 0,
            preloaded: true,
            preload: false,
        }
    }

    /// The place is drawn behind the neutral until it is built, whenever cameras come.
    pub fn preloading(wanted: bool) -> Self {
        Self {
            preloaded: false,
            preload: true,
            ..Self::new(wanted)
        }
    }

    /// True once the place has been drawn until nothing was left compiling (at once without
    /// preloading).
    pub fn preloaded(&self) -> bool {
        self.preloaded
    }
}

/// The session wants the place drawn only in the phases that show it.
fn place_view_for_phase(phase: Res<State<Phase>>, mut view: ResMut<PlaceView>) {
    view.wanted = !matches!(
        phase.get(),
        Phase::Calibrate | Phase::Baseline | Phase::Post | Phase::Done
    );
}

/// The picture fades to `to` (1 the neutral, 0 the place) over [`FADE_S`] from wherever it
/// is now: a change of place crosses through the neutral this way.
pub(crate) fn fade_picture(commands: &mut Commands, veil_now: Veil, to: f32, now: f32) {
    commands.insert_resource(Fade::from_here(veil_now, to, FADE_S, now));
}

pub(crate) fn apply_place_view(
    mut view: ResMut<PlaceView>,
    readiness: Res<RenderReadiness>,
    mut was_drawn: Local<Option<bool>>,
    mut cameras: Query<(Entity, &mut Camera), (With<Camera3d>, Without<WarmUpView>)>,
    added: Query<(), (Added<Camera3d>, Without<WarmUpView>)>,
    mut commands: Commands,
) {
    if !added.is_empty() && view.preload {
        view.preload_frames = 0;
        view.preloaded = false;
    }
    if !view.preloaded && !cameras.is_empty() {
        view.preload_frames += 1;
        if view.preload_frames > PRELOAD_MIN_FRAMES && readiness.is_settled() {
            view.preloaded = true;
            info!(
                "place preloaded behind the neutral in {} frames",
                view.preload_frames
            );
        }
    }
    let drawn = view.wanted || !view.preloaded;
    // Only on a change (or a camera that has just come): a touched camera is set up again
    // by the renderer.
    if *was_drawn == Some(drawn) && added.is_empty() {
        return;
    }
    *was_drawn = Some(drawn);
    let layers = if drawn {
        RenderLayers::from_layers(&[0, PANEL_LAYER])
    } else {
        RenderLayers::layer(PANEL_LAYER)
    };
    for (entity, mut camera) in &mut cameras {
        camera.clear_color = if drawn {
            ClearColorConfig::Default
        } else {
            ClearColorConfig::Custom(NEUTRAL)
        };
        commands.entity(entity).insert(layers.clone());
    }
}

/// Walking and other motion wait until the place is in full view, and stop with it.
pub fn place_in_view(phase: Res<State<Phase>>, veil_now: Res<Veil>) -> bool {
    match phase.get() {
        Phase::Immersion => veil_now.0 <= 0.0,
        Phase::Closing => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
