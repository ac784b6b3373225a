//! Changing the place or the immersion level mid-session, from the console, a script or the
//! protocol: all go through [`SessionCommand`]s and on record with who and how.
//!
//! A new **level** applies in the place: the field of view eases to its width over 2 s (the
//! screen camera, or the headset's dark ring), the eyes go mono or stereo, the share of
//! drifting particles and animals is rebuilt, sound turns plain or spatial, the walking body
//! shows or hides, and life answers the gaze or not.
//!
//! A new **scene** crosses through the calm neutral: picture and sound fade out together
//! (3 s, the session's fade) while its soundscape is made on a thread of its own; the old
//! place is taken down and the new one built behind the neutral one block a frame, each root
//! hidden as it is made (so no frame carries the whole build, and a headset keeps getting
//! frames); then it is shown to the cameras behind the opaque neutral a group of roots a
//! frame until nothing is left compiling, and only then do picture and sound fade in. The
//! scene's clock stands still from the switch's start to the fade in (a pause reason of its
//! own), so ratings scheduled by minute keep counting time in the place. An emergency stop or
//! the place's end during a switch ends it there.
//!
//! The **first place** is compiled the same way before it shows: during calibration and the
//! baseline a small warm-up view draws it into a texture no one sees.

use crate::display::WarmUpView;
use crate::environment::{BUILD_BLOCKS, build_block, clear_place};
use crate::pause::{PauseReason, SetPause};
use crate::session::{
    Closing, CommandVia, ObeyCommands, Phase, Record, RunSettings, SessionClock, SessionCommand,
    Veil, fade_picture,
};
use crate::{ActiveScene, audio, display, walking};
use bevy::prelude::*;
use respite_core::SceneDef;
use respite_core::session::event::SessionEvent;
use respite_core::session::{AudioStage, ImmersionLevel, Who};
use respite_core::sound::ResolvedLevel;
use std::sync::{Arc, Mutex};

/// Every scene and level a session may change to, read and checked before the App starts.
#[derive(Resource, Clone, Debug, Default)]
pub struct Choices {
    pub scenes: Vec<SceneChoice>,
    pub levels: Vec<ImmersionLevel>,
    /// Whether this run plays sound (a new place's soundscape is made only then).
    pub sound: bool,
}

/// A scene as it would be shown in this run: fitted to the body (eye height, a third-person
/// view), not yet to a level; and its soundscape's level for this room.
#[derive(Clone, Debug)]
pub struct SceneChoice {
    pub name: String,
    pub def: SceneDef,
    pub sound: Option<ResolvedLevel>,
}

/// The immersion level in force now.
#[derive(Resource, Clone, Debug)]
pub struct CurrentLevel(pub ImmersionLevel);

/// A change of place under way, for the console.
#[derive(Resource, Clone, Debug)]
pub struct Switching {
    pub to: String,
    stage: Stage,
    /// Real seconds when it began.
    began: f32,
    /// Frames the neutral has been held for the build and the compiling.
    held_frames: u32,
    scene: SceneDef,
    /// The new place's soundscape, being made on a thread of its own.
    sound: SoundMaking,
    /// The new place's roots, hidden as they are built, each with its own visibility.
    hidden: Vec<(Entity, Visibility)>,
    /// The same in groups of about [`REVEAL_ENTITIES`], shown one group a frame behind the
    /// neutral.
    groups: Vec<Vec<(Entity, Visibility)>>,
    /// A level asked for during the crossing, applied just before the new place fades in.
    then_level: Option<(ImmersionLevel, CommandVia)>,
}

/// A thread making a soundscape (shared, so the switch's state can be cloned).
type SoundMaking = Arc<Mutex<Option<std::thread::JoinHandle<Option<audio::MadeSound>>>>>;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    /// The old place fades out.
    FadingOut,
    /// The next block to build (the old place is gone).
    Building(u8),
    /// Waiting for the new soundscape's thread, then starting it.
    Sounding,
    /// The next group of the new place to draw behind the neutral: its first frame drawn
    /// (and every pipeline it needs queued) costs a frame of its own, not the whole place's.
    Revealing(usize),
    /// Drawn behind the neutral (frames so far), so that everything it needs is queued
    /// to compile, and once more after, to be sure nothing is left.
    Compiling(u32),
}

/// About how many entities a frame first draws while the new place is shown behind the
/// neutral.
const REVEAL_ENTITIES: usize = 1_500;

/// The longest a change keeps the neutral, real seconds.
const MAX_SWITCH_S: f32 = 60.0;

/// Frames the new place is drawn behind the neutral at least: its pipelines are queued in
/// the first, and the readiness count sees what the next left waiting.
const COMPILE_MIN_FRAMES: u32 = 3;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<FirstPlace>()
        .add_systems(
            Update,
            prepare_the_first_place
                .run_if(in_state(Phase::Calibrate).or_else(in_state(Phase::Baseline))),
        )
        // However the place is left out (a resumed session whose place is done goes from the
        // baseline to the post rating), the warm-up ends.
        .add_systems(OnEnter(Phase::Immersion), end_the_warm_up)
        .add_systems(OnEnter(Phase::Post), end_the_warm_up)
        .add_systems(OnEnter(Phase::Done), end_the_warm_up)
        .add_systems(
            Update,
            (protocol_changes, take_commands)
                .chain()
                .after(ObeyCommands)
                .run_if(in_state(Phase::Immersion)),
        )
        .add_systems(
            Update,
            (abandon_when_the_place_ends, advance_switch)
                .chain()
                .run_if(resource_exists::<Switching>),
        );
}

/// How the first place's preparation stands.
#[derive(Resource, Default, Debug)]
enum FirstPlace {
    #[default]
    NotYet,
    /// The warm-up view draws it, a group of the place's roots more each frame (the rest
    /// hidden meanwhile: the patient sees only the neutral and the panel).
    Drawing {
        view: Entity,
        frames: u32,
        groups: Vec<Vec<(Entity, Visibility)>>,
    },
    Ready,
}

/// Side of the warm-up view's texture: what compiles does not depend on its size.
const WARM_UP_PX: u32 = 64;

/// While the patient calibrates and rates their baseline over the neutral, a small view
/// from the patient's eyes draws the place into a texture nobody sees, a group of its roots
/// more each frame (as a change of place shows a new one), until nothing is left compiling;
/// then it goes. The place's fade in then has nothing left to build (the fade still holds
/// until the readiness says so, whatever the warm-up did).
fn prepare_the_first_place(world: &mut World) {
    let state = std::mem::take(&mut *world.resource_mut::<FirstPlace>());
    let next = match state {
        FirstPlace::NotYet => start_the_warm_up(world).unwrap_or(FirstPlace::NotYet),
        FirstPlace::Drawing {
            view,
            frames,
            mut groups,
        } => {
            if let Some(group) = (!groups.is_empty()).then(|| groups.remove(0)) {
                for (e, visibility) in group {
                    if let Ok(mut entity) = world.get_entity_mut(e) {
                        entity.insert(visibility);
                    }
                }
                FirstPlace::Drawing {
                    view,
                    frames: frames + 1,
                    groups,
                }
            } else if frames > 3 && world.resource::<display::RenderReadiness>().is_settled() {
                info!("place: the first place compiled behind the neutral in {frames} frames");
                world.despawn(view);
                FirstPlace::Ready
            } else {
                FirstPlace::Drawing {
                    view,
                    frames: frames + 1,
                    groups,
                }
            }
        }
        FirstPlace::Ready => FirstPlace::Ready,
    };
    *world.resource_mut::<FirstPlace>() = next;
}

/// The warm-up view at the patient's eyes, with the place's roots hidden in groups; none
/// until the head and a camera to copy are there.
fn start_the_warm_up(world: &mut World) -> Option<FirstPlace> {
    use bevy::core_pipeline::tonemapping::Tonemapping;
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
    let mut heads =
        world.query_filtered::<(&GlobalTransform, Option<&Projection>), With<display::Head>>();
    let (head, projection) = heads
        .iter(world)
        .next()
        .map(|(t, p)| (t.compute_transform(), p.cloned()))?;
    let mut cameras = world
        .query_filtered::<(Option<&Msaa>, Option<&Tonemapping>), (With<Camera3d>, Without<WarmUpView>)>();
    let (msaa, tonemapping) = cameras
        .iter(world)
        .next()
        .map(|(m, t)| (m.copied(), t.copied()))?;
    let mut image = Image::new_fill(
        Extent3d {
            width: WARM_UP_PX,
            height: WARM_UP_PX,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[0, 0, 0, 255],
        TextureFormat::Rgba8UnormSrgb,
        bevy::asset::RenderAssetUsages::RENDER_WORLD,
    );
    image.texture_descriptor.usage =
        TextureUsages::TEXTURE_BINDING | TextureUsages::RENDER_ATTACHMENT;
    let target = world.resource_mut::<Assets<Image>>().add(image);
    let mut roots = world
        .query_filtered::<(Entity, Option<&Visibility>), With<crate::environment::PlaceEntity>>();
    let roots: Vec<(Entity, Visibility)> = roots
        .iter(world)
        .map(|(e, v)| (e, v.copied().unwrap_or_default()))
        .collect();
    for (e, _) in &roots {
        world.entity_mut(*e).insert(Visibility::Hidden);
    }
    let groups = in_groups(world, roots);
    let mut view = world.spawn((
        Name::new("Warm-up view"),
        WarmUpView,
        Camera3d::default(),
        Camera {
            order: -10,
            ..default()
        },
        bevy::camera::RenderTarget::Image(target.into()),
        projection.unwrap_or_default(),
        head,
        msaa.unwrap_or_default(),
    ));
    if let Some(t) = tonemapping {
        view.insert(t);
    }
    Some(FirstPlace::Drawing {
        view: view.id(),
        frames: 0,
        groups,
    })
}

/// The place shows: a warm-up not yet done ends, every root shown (the fade holds until
/// all is compiled).
fn end_the_warm_up(world: &mut World) {
    let state = std::mem::replace(&mut *world.resource_mut::<FirstPlace>(), FirstPlace::Ready);
    if let FirstPlace::Drawing {
        view,
        frames,
        groups,
    } = state
    {
        info!("place: the place begins before its warm-up ended ({frames} frames)");
        for (e, visibility) in groups.into_iter().flatten() {
            if let Ok(mut entity) = world.get_entity_mut(e) {
                entity.insert(visibility);
            }
        }
        world.despawn(view);
    }
}

/// The protocol's changes, each at its minute of time in the place.
fn protocol_changes(
    settings: Res<RunSettings>,
    clock: Res<SessionClock>,
    time: Res<Time<Virtual>>,
    switching: Option<Res<Switching>>,
    mut done: Local<usize>,
    mut commands: MessageWriter<SessionCommand>,
) {
    // One change at a time: the next waits for the crossing under way (the scene's clock
    // stands still meanwhile, so it still comes at its minute of the place).
    if switching.is_some() {
        return;
    }
    let minutes = clock.in_place_s(&time) / 60.0;
    while let Some(change) = settings.changes.get(*done) {
        if change.at_min > minutes {
            break;
        }
        if let Some(name) = &change.immersion {
            commands.write(SessionCommand::SetLevel {
                name: name.clone(),
                via: CommandVia::Protocol,
            });
        }
        if let Some(name) = &change.scene {
            commands.write(SessionCommand::SetScene {
                name: name.clone(),
                via: CommandVia::Protocol,
            });
        }
        *done += 1;
    }
}

/// A scene or level asked for: a level applies now; a scene starts the crossing (not while
/// another is under way, and not to the scene already shown).
#[allow(clippy::too_many_arguments)]
fn take_commands(
    mut asked: MessageReader<SessionCommand>,
    choices: Option<Res<Choices>>,
    scene: Res<ActiveScene>,
    switching: Option<Res<Switching>>,
    veil_now: Res<Veil>,
    real: Res<Time<Real>>,
    mut pauses: MessageWriter<SetPause>,
    mut records: MessageWriter<Record>,

    level_now: Option<Res<CurrentLevel>>,
    closing: Res<Closing>,
    settings: Res<RunSettings>,
    mut commands: Commands,
) {
    let Some(choices) = choices else { return };
    // The emergency stop's fade is never replaced by a change's.
    if *closing == Closing::Emergency {
        return;
    }
    let mut starting = switching.is_some();
    // The level in force once this frame's commands are applied (a level asked before a
    // scene in the same frame is the one the new place's sound is made for).
    let mut plain = level_now
        .as_ref()
        .is_some_and(|l| l.0.audio == AudioStage::Plain);
    for c in asked.read() {
        match c {
            SessionCommand::SetLevel { name, via } => {
                match choices.levels.iter().find(|l| &l.name == name) {
                    Some(level) => {
                        plain = level.audio == AudioStage::Plain;
                        let (level, via) = (level.clone(), *via);
                        // During a crossing the level waits for the new place to be built
                        // (it is applied the moment before it fades in), so the place is
                        // built once, for one level.
                        commands.queue(move |world: &mut World| {
                            match world.get_resource_mut::<Switching>() {
                                Some(mut s) => s.then_level = Some((level, via)),
                                None => apply_level(world, level, via),
                            }
                        });
                    }
                    None => warn!("place: no immersion level '{name}'"),
                }
            }
            SessionCommand::SetScene { name, via } => {
                // A picture or a measurement has no fades to cross through.
                if settings.show_only {
                    continue;
                }
                if starting {
                    warn!("place: already changing the place; '{name}' waits for no one");
                    continue;
                }
                if *name == scene.name {
                    continue;
                }
                let Some(choice) = choices.scenes.iter().find(|s| &s.name == name) else {
                    warn!("place: no scene '{name}'");
                    continue;
                };
                info!("place: changing from {} to {name}", scene.name);
                records.write(Record(SessionEvent::SceneSwitch {
                    from: scene.name.clone(),
                    to: name.clone(),
                    by: Who::Therapist,
                    via: *via,
                }));
                pauses.write(SetPause::on(PauseReason::Switching));
                fade_picture(&mut commands, *veil_now, 1.0, real.elapsed_secs());
                commands.queue(audio::fade_out_for_switch);
                // Its sound is made while the picture fades (up to a second of work).
                let sound_plan = match (choice.sound, choices.sound) {
                    // A run with sound (pictures have none).
                    (Some(level), true) => Some(audio::SoundPlan {
                        level,
                        seed: choice.def.seed,
                        plain,
                    }),
                    _ => None,
                };
                let def = choice.def.clone();
                let making = std::thread::Builder::new()
                    .name("soundscape".into())
                    .spawn(move || {
                        yield_to_frames();
                        audio::make_soundscape(&def, sound_plan)
                    })
                    .ok();
                commands.insert_resource(Switching {
                    to: name.clone(),
                    stage: Stage::FadingOut,
                    began: real.elapsed_secs(),
                    held_frames: 0,
                    scene: choice.def.clone(),
                    sound: Arc::new(Mutex::new(making)),
                    hidden: Vec::new(),
                    groups: Vec::new(),
                    then_level: None,
                });
                starting = true;
            }
            _ => {}
        }
    }
}

/// The place ended (its time, the therapist, the emergency stop) while changing: the change
/// ends there, and the closing takes the picture and sound to the neutral as always.
fn abandon_when_the_place_ends(phase: Res<State<Phase>>, mut commands: Commands) {
    if *phase.get() != Phase::Immersion {
        commands.remove_resource::<Switching>();
    }
}

/// One step of the crossing a frame.
fn advance_switch(world: &mut World) {
    let Some(mut switching) = world.get_resource::<Switching>().cloned() else {
        return;
    };
    if *world.resource::<State<Phase>>().get() != Phase::Immersion {
        return;
    }
    let now = world.resource::<Time<Real>>().elapsed_secs();
    match switching.stage {
        Stage::FadingOut => {
            if world.resource::<Veil>().0 >= 1.0 {
                // Wholly neutral: the old place goes, the new one's ground is laid.
                let mut scene = switching.scene.clone();
                if let Some(level) = world.get_resource::<CurrentLevel>() {
                    level.0.shape_scene(&mut scene);
                }
                {
                    let mut active = world.resource_mut::<ActiveScene>();
                    active.name = switching.to.clone();
                    active.def = scene;
                }
                clear_place(world);
                switching.stage = Stage::Building(0);
            }
        }
        Stage::Building(block) => {
            switching.held_frames += 1;
            if block == 0 {
                let viewpoint = world.resource::<ActiveScene>().def.viewpoint.clone();
                display::seat_at(world, &viewpoint);
                walking::restart_walk(world);
            }
            let (took, roots) = build_block(world, block);
            // Hidden as soon as it is made: nothing new is drawn until its group's turn,
            // and the cameras are never touched (a changed camera is set up anew).
            for e in roots {
                let shown = world.get::<Visibility>(e).copied().unwrap_or_default();
                world.entity_mut(e).insert(Visibility::Hidden);
                switching.hidden.push((e, shown));
            }
            debug!(
                "place: built block {block} of {} in {:.1} ms",
                BUILD_BLOCKS,
                took.as_secs_f64() * 1e3
            );
            switching.stage = if block + 1 < BUILD_BLOCKS {
                Stage::Building(block + 1)
            } else {
                Stage::Sounding
            };
        }
        Stage::Sounding => {
            switching.held_frames += 1;
            // The soundscape's thread is done (it has had the whole fade out): its sound
            // replaces the old, silent until the fade in.
            let mut making = switching.sound.lock().map(|mut m| m.take()).unwrap_or(None);
            if making.as_ref().is_some_and(|h| !h.is_finished()) {
                if let Ok(mut m) = switching.sound.lock() {
                    *m = making.take();
                }
            } else {
                let made = making.and_then(|h| h.join().ok()).flatten();
                audio::restart_soundscape(world, made);
                switching.groups = in_groups(world, std::mem::take(&mut switching.hidden));
                switching.stage = Stage::Revealing(0);
            }
        }
        Stage::Revealing(group) => {
            switching.held_frames += 1;
            debug!(
                "place: showing group {group}: {:?}",
                switching.groups.get(group).map(|g| g
                    .iter()
                    .map(|(e, _)| world.get::<Name>(*e).map_or("?", |n| n.as_str()))
                    .collect::<Vec<_>>())
            );
            for (e, visibility) in switching.groups.get(group).cloned().unwrap_or_default() {
                if let Ok(mut entity) = world.get_entity_mut(e) {
                    entity.insert(visibility);
                }
            }
            switching.stage = if group + 1 < switching.groups.len() {
                Stage::Revealing(group + 1)
            } else {
                Stage::Compiling(0)
            };
        }
        Stage::Compiling(drawn) => {
            switching.held_frames += 1;
            let settled = world.resource::<display::RenderReadiness>().is_settled();
            if drawn >= COMPILE_MIN_FRAMES && settled {
                show_new_place(world, &switching, now);
                return;
            }
            // Never kept on the neutral for good: a pipeline that never settles is drawn
            // as it comes, after a minute (said in the log).
            if now - switching.began > MAX_SWITCH_S {
                warn!(
                    "place: {} still compiling after {MAX_SWITCH_S} s; shown as it is",
                    switching.to
                );
                show_new_place(world, &switching, now);
                return;
            }
            switching.stage = Stage::Compiling(drawn + 1);
        }
    }
    world.insert_resource(switching);
}

/// The new place's roots in groups of about [`REVEAL_ENTITIES`] (counting their children),
/// in the order they were built.
fn in_groups(world: &World, roots: Vec<(Entity, Visibility)>) -> Vec<Vec<(Entity, Visibility)>> {
    let mut groups: Vec<Vec<(Entity, Visibility)>> = Vec::new();
    let mut size = usize::MAX;
    for root in roots {
        let n = descendants(world, root.0) + 1;
        if size.saturating_add(n) > REVEAL_ENTITIES {
            groups.push(Vec::new());
            size = 0;
        }
        size += n;
        if let Some(g) = groups.last_mut() {
            g.push(root);
        }
    }
    groups
}

fn descendants(world: &World, e: Entity) -> usize {
    world.get::<Children>(e).map_or(0, |children| {
        children.iter().map(|c| 1 + descendants(world, c)).sum()
    })
}

/// This thread gives way to the frames: on a machine with few cores, work made while the
/// picture fades must not make a frame late.
fn yield_to_frames() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and id 0 changes only the calling thread's
    // niceness on Linux; no memory is touched.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
}

/// Built and compiled: on record, and picture and sound fade in (the scene's clock runs
/// again from here).
fn show_new_place(world: &mut World, switching: &Switching, now: f32) {
    // Stopped in this very frame: the neutral stays (the closing ends every pause).
    if *world.resource::<Closing>() == Closing::Emergency {
        world.remove_resource::<Switching>();
        return;
    }
    info!(
        "place: {} built and compiled behind the neutral in {} frames",
        switching.to, switching.held_frames
    );
    world.write_message(Record(SessionEvent::SceneShown {
        scene: switching.to.clone(),
        built_frames: switching.held_frames,
        switch_s: now - switching.began,
    }));
    if let Some((level, via)) = switching.then_level.clone() {
        apply_level(world, level, via);
    }
    let veil_now = *world.resource::<Veil>();
    world.write_message(SetPause::off(PauseReason::Switching));
    let mut commands = world.commands();
    fade_picture(&mut commands, veil_now, 0.0, now);
    world.flush();
    audio::fade_in_for_switch(world);
    world.remove_resource::<Switching>();
}

/// A new level, in the place: every field applies without leaving it.
fn apply_level(world: &mut World, level: ImmersionLevel, via: CommandVia) {
    let from = world
        .get_resource::<CurrentLevel>()
        .map(|l| l.0.name.clone())
        .unwrap_or_default();
    if from == level.name {
        return;
    }
    info!("place: immersion level {from} -> {}", level.name);
    world.write_message(Record(SessionEvent::LevelSwitch {
        from,
        to: level.name.clone(),
        by: Who::Therapist,
        via,
    }));
    world.write_message(Record(SessionEvent::immersion(&level)));
    if let Some(mut view) = world.get_resource_mut::<display::ViewSettings>() {
        view.stereo = level.stereo;
        view.fov_deg = level.fov_deg;
    }
    world.insert_resource(crate::environment::Interactivity(level.interactive));
    if let Some(mut walk) = world.get_resource_mut::<walking::WalkSettings>() {
        walk.body = level.body;
    }
    if let Some(mut walk) = world.get_resource_mut::<walking::Walk>() {
        walk.vignette = level.walk_vignette;
    }
    audio::set_plain(world, level.audio == AudioStage::Plain);
    // The share of drifting particles and animals: the scene as chosen, fitted to the level.
    let name = world.resource::<ActiveScene>().name.clone();
    let base = world
        .get_resource::<Choices>()
        .and_then(|c| c.scenes.iter().find(|s| s.name == name))
        .map(|s| s.def.clone());
    if let Some(mut def) = base {
        level.shape_scene(&mut def);
        let mut active = world.resource_mut::<ActiveScene>();
        active.def.particles = def.particles;
        active.def.fauna = def.fauna;
        if let Some(walk) = def.walk
            && let Some(w) = active.def.walk.as_mut()
        {
            w.vignette = walk.vignette;
        }
        crate::environment::rebuild_motion(world);
    }
    world.insert_resource(CurrentLevel(level));
}
