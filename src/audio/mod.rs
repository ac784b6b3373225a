//! The soundscape, live: the core's mixer wrapped as a rodio source that Bevy plays. The
//! listener follows the [`Head`]; the sound fades in with the picture and out with it.
//! With no audio device the session carries on silently, and says so.

pub mod room;

use crate::ActiveScene;
use crate::display::{Head, RenderReadiness};
use crate::session::Record;
use crate::session::{Closing, EmergencyStop, Phase};
use bevy::audio::{AddAudioSource, Decodable};
use bevy::prelude::*;
use respite_core::FADE_S;
use respite_core::SceneDef;
use respite_core::session::event::SessionEvent;
use respite_core::sound::{Mixer, Pose, ResolvedLevel, SAMPLE_RATE};
use std::num::NonZero;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the App is told about sound before it starts: the level chosen for this room.
#[derive(Resource, Clone, Debug)]
pub struct SoundPlan {
    pub level: ResolvedLevel,
    pub seed: u64,
    /// Plain stereo (centred, not following the head) instead of spatial sound.
    pub plain: bool,
}

/// The therapist's volume, dB around the soundscape's level (0 = as planned).
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct Volume(pub f32);

/// What the sound actually did, for session records.
#[derive(Resource, Clone, Debug, Default)]
pub struct SoundReport {
    pub level: Option<ResolvedLevel>,
    /// False once it is clear no device is taking the sound.
    pub device_playing: Option<bool>,
}

/// Frames rendered per lock of the shared control: about 21 ms at 48 kHz.
const BLOCK_FRAMES: usize = 1024;
/// How long after the sound should have started before silence means "no device".
const DEVICE_GRACE_S: f32 = 3.0;

#[derive(Clone, Copy, Debug, PartialEq)]
enum FadeCommand {
    In,
    Out,
    Emergency,
}

/// Shared between the App (writes) and the audio thread (reads once a block).
#[derive(Debug)]
struct Control {
    state: Mutex<ControlState>,
    frames: AtomicU64,
}

#[derive(Debug)]
struct ControlState {
    listener: Pose,
    command: Option<FadeCommand>,
    /// Chimes asked for since the sound thread last looked.
    chimes: u32,
    volume_db: f32,
    /// A change between plain and spatial sound (a new immersion level), and the seat
    /// plain sound is centred on.
    plain: Option<bool>,
    seat: Pose,
}

/// Ring one soft chime over the soundscape (a walk's minute mark, a goal reached).
#[derive(Message, Clone, Copy, Debug, Default)]
pub struct Chime;

/// The soundscape as a Bevy audio asset.
#[derive(Asset, TypePath)]
struct SoundscapeSource {
    mixer: Mixer,
    control: Arc<Control>,
}

impl Decodable for SoundscapeSource {
    type Decoder = MixerSource;

    fn decoder(&self) -> Self::Decoder {
        MixerSource {
            mixer: self.mixer.clone(),
            control: self.control.clone(),
            buf: Vec::new(),
            pos: 0,
        }
    }
}

/// The rodio side: renders a block at a time, picking up the head pose and fades between.
struct MixerSource {
    mixer: Mixer,
    control: Arc<Control>,
    buf: Vec<f32>,
    pos: usize,
}

impl Iterator for MixerSource {
    type Item = rodio::Sample;

    fn next(&mut self) -> Option<f32> {
        if self.pos >= self.buf.len() {
            if let Ok(mut state) = self.control.state.lock() {
                self.mixer.set_listener(&state.listener);
                match state.command.take() {
                    Some(FadeCommand::In) => self.mixer.fade_in(FADE_S),
                    Some(FadeCommand::Out) => self.mixer.fade_out(FADE_S),
                    Some(FadeCommand::Emergency) => self.mixer.emergency_fade_out(),
                    None => {}
                }
                if let Some(plain) = state.plain.take() {
                    let seat = state.seat;
                    self.mixer.set_plain(plain, &seat);
                }
                for _ in 0..std::mem::take(&mut state.chimes) {
                    self.mixer.chime();
                }
                self.mixer.set_volume_db(state.volume_db);
            }
            self.buf.resize(BLOCK_FRAMES * 2, 0.0);
            self.mixer.fill(&mut self.buf);
            self.control
                .frames
                .fetch_add(BLOCK_FRAMES as u64, Ordering::Relaxed);
            self.pos = 0;
        }
        let s = self.buf[self.pos];
        self.pos += 1;
        Some(s)
    }
}

impl rodio::Source for MixerSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> rodio::ChannelCount {
        NonZero::new(2).unwrap_or(NonZero::<u16>::MIN)
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        NonZero::new(SAMPLE_RATE).unwrap_or(NonZero::<u32>::MIN)
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

#[derive(Resource)]
struct LiveSound {
    control: Arc<Control>,
}

pub(crate) fn plugin(app: &mut App) {
    app.add_audio_source::<SoundscapeSource>()
        .add_message::<Chime>()
        .init_resource::<SoundReport>()
        .init_resource::<Volume>()
        .add_systems(Startup, start_soundscape)
        .add_systems(OnEnter(Phase::Immersion), fade_in_with_picture)
        .add_systems(OnEnter(Phase::Closing), fade_out_sound)
        .add_systems(
            Update,
            (
                follow_head,
                notice_when_no_device,
                ring_chimes,
                stop_at_once,
                set_volume.after(change_volume),
            )
                .run_if(resource_exists::<LiveSound>),
        )
        .add_systems(Update, change_volume);
}

fn start_soundscape(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    plan: Option<Res<SoundPlan>>,
    mut report: ResMut<SoundReport>,
    mut sources: ResMut<Assets<SoundscapeSource>>,
) {
    if let Some(made) = make_soundscape(&scene.def, plan.as_deref().cloned()) {
        install(&mut commands, &mut report, &mut sources, made);
    }
}

/// A soundscape made ready: its mixer and the seat it plays from.
pub(crate) struct MadeSound {
    mixer: Mixer,
    seat: Pose,
    plan: SoundPlan,
}

/// Makes a scene's soundscape at `plan`'s level (none for a scene without one, or a run
/// without sound). It takes up to a second for a scene with surf: a change of place makes
/// it on a thread of its own while the picture fades.
pub(crate) fn make_soundscape(def: &SceneDef, plan: Option<SoundPlan>) -> Option<MadeSound> {
    let (sound, plan) = match (&def.soundscape, plan) {
        (Some(sound), Some(plan)) => (sound, plan),
        (None, _) => {
            info!("sound: this scene has no soundscape");
            return None;
        }
        (Some(_), None) => {
            info!("sound: off for this run (pictures only)");
            return None;
        }
    };
    let v = &def.viewpoint;
    let seat = Pose::seated(v.eye_height_m, v.yaw_deg);
    let mut mixer = Mixer::new(sound, plan.level.dbfs, plan.seed, seat);
    mixer.set_plain(plan.plain, &seat);
    Some(MadeSound { mixer, seat, plan })
}

fn install(
    commands: &mut Commands,
    report: &mut SoundReport,
    sources: &mut Assets<SoundscapeSource>,
    made: MadeSound,
) {
    let MadeSound { mixer, seat, plan } = made;
    info!("sound: {}", plan.level.describe());
    report.level = Some(plan.level);
    let control = Arc::new(Control {
        state: Mutex::new(ControlState {
            listener: seat,
            command: None,
            chimes: 0,
            volume_db: 0.0,
            plain: None,
            seat,
        }),
        frames: AtomicU64::new(0),
    });
    let handle = sources.add(SoundscapeSource {
        mixer,
        control: control.clone(),
    });
    commands.spawn((
        Name::new("Soundscape"),
        Soundscape,
        AudioPlayer(handle),
        PlaybackSettings::ONCE,
    ));
    commands.insert_resource(LiveSound { control });
}

/// The playing soundscape's entity.
#[derive(Component)]
struct Soundscape;

/// A change of place: its sound fades out with the picture.
pub(crate) fn fade_out_for_switch(world: &mut World) {
    if let Some(live) = world.get_resource::<LiveSound>() {
        send(live, |s| s.command = Some(FadeCommand::Out));
    }
}

/// The new place's soundscape (made beforehand by [`make_soundscape`]), silent until
/// [`fade_in_for_switch`]; none when the place has none. The therapist's volume carries
/// over.
pub(crate) fn restart_soundscape(world: &mut World, made: Option<MadeSound>) {
    let mut old = world.query_filtered::<Entity, With<Soundscape>>();
    let old: Vec<Entity> = old.iter(world).collect();
    for e in old {
        world.despawn(e);
    }
    world.remove_resource::<LiveSound>();
    if let Some(made) = made {
        world.insert_resource(made.plan.clone());
        world.resource_scope(|world, mut sources: Mut<Assets<SoundscapeSource>>| {
            world.resource_scope(|world, mut report: Mut<SoundReport>| {
                let mut commands = world.commands();
                install(&mut commands, &mut report, &mut sources, made);
            });
        });
        world.flush();
    }
    world.resource_mut::<Volume>().set_changed();
}

/// The new place's sound arrives with its picture.
pub(crate) fn fade_in_for_switch(world: &mut World) {
    if let Some(live) = world.get_resource::<LiveSound>() {
        send(live, |s| s.command = Some(FadeCommand::In));
    }
}

/// Plain (centred) or spatial sound, as a new level asks, from the next block on.
pub(crate) fn set_plain(world: &mut World, plain: bool) {
    if let Some(plan) = world.get_resource_mut::<SoundPlan>().as_mut() {
        plan.plain = plain;
    }
    if let Some(live) = world.get_resource::<LiveSound>() {
        send(live, |s| s.plain = Some(plain));
    }
}

fn send(live: &LiveSound, f: impl FnOnce(&mut ControlState)) {
    if let Ok(mut state) = live.control.state.lock() {
        f(&mut state);
    }
}

fn ring_chimes(live: Res<LiveSound>, mut chimes: MessageReader<Chime>) {
    let n = chimes.read().count() as u32;
    if n > 0 {
        send(&live, |state| state.chimes += n);
    }
}

/// The ears go where the head goes.
fn follow_head(
    live: Res<LiveSound>,
    heads: Query<&GlobalTransform, (With<Head>, Changed<GlobalTransform>)>,
) {
    if let Ok(head) = heads.single() {
        let (p, r) = (head.translation(), head.right());
        send(&live, |s| {
            s.listener = Pose {
                position: p.to_array(),
                right: r.to_array(),
            };
        });
    }
}

/// Sound and picture arrive together: the place's sound fades in as it does.
fn fade_in_with_picture(live: Option<Res<LiveSound>>) {
    if let Some(live) = live {
        send(&live, |s| s.command = Some(FadeCommand::In));
    }
}

/// The emergency stop: out within a second, from whatever the sound was doing.
fn stop_at_once(live: Res<LiveSound>, mut stops: MessageReader<EmergencyStop>) {
    if stops.read().count() > 0 {
        send(&live, |s| s.command = Some(FadeCommand::Emergency));
    }
}

/// The therapist's volume, from the console (or a script): within −30 to +6 dB of the
/// soundscape's level, on record with how it came.
pub(crate) fn change_volume(
    mut commands: MessageReader<crate::session::SessionCommand>,
    mut volume: ResMut<Volume>,
    mut records: MessageWriter<crate::session::Record>,
) {
    for c in commands.read() {
        let crate::session::SessionCommand::SetVolume { db, via } = c else {
            continue;
        };
        if !db.is_finite() {
            continue;
        }
        let db = db.clamp(-30.0, 6.0);
        if db != volume.0 {
            volume.0 = db;
            records.write(Record(SessionEvent::Volume {
                db,
                by: respite_core::session::Who::Therapist,
                via: *via,
            }));
        }
    }
}

fn set_volume(live: Res<LiveSound>, volume: Res<Volume>) {
    if volume.is_changed() {
        let db = volume.0;
        send(&live, |s| s.volume_db = db);
    }
}

fn fade_out_sound(live: Option<Res<LiveSound>>, closing: Res<Closing>) {
    let command = match *closing {
        Closing::Emergency => FadeCommand::Emergency,
        _ => FadeCommand::Out,
    };
    if let Some(live) = live {
        send(&live, |s| s.command = Some(command));
    }
}

/// If nothing has pulled a single sample a few seconds after the sound should have begun,
/// no device is playing it: on record and on the therapist's console (never over the
/// patient's view), and the session carries on silently.
fn notice_when_no_device(
    live: Res<LiveSound>,
    readiness: Res<RenderReadiness>,
    time: Res<Time<Real>>,
    mut since: Local<Option<f32>>,
    mut report: ResMut<SoundReport>,
    mut records: MessageWriter<Record>,
) {
    if report.device_playing.is_some() || !readiness.is_settled() {
        return;
    }
    let start = *since.get_or_insert(time.elapsed_secs());
    let frames = live.control.frames.load(Ordering::Relaxed);
    if frames > 0 {
        report.device_playing = Some(true);
        info!("sound: playing");
        records.write(Record(SessionEvent::Sound {
            device: "playing".into(),
            waited_s: None,
        }));
    } else if time.elapsed_secs() - start > DEVICE_GRACE_S {
        report.device_playing = Some(false);
        warn!(
            "sound: no audio device is playing the soundscape; the session continues without sound"
        );
        records.write(Record(SessionEvent::Sound {
            device: "none".into(),
            waited_s: Some(DEVICE_GRACE_S),
        }));
    }
}
