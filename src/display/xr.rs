//! The headset rig (bevy_mod_openxr): plugin set-up, the seated reference space, why a
//! runtime did not answer, and what to do when the headset session stops mid-run.

use super::xr_frames::RuntimeGone;
use super::{
    ContinueOnScreen, ControllerSelect, Head, Notice, Pointer, PointerKind, Rig, RuntimeLost,
    ViewSettings, ViewpointSpec, eye_transform, field_ring, veil, vertical_fov,
};
use bevy::app::PluginGroupBuilder;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use bevy::render::{Render, RenderApp};
use bevy_mod_openxr::action_binding::{OxrSendActionBindings, OxrSuggestActionBinding};
use bevy_mod_openxr::action_set_attaching::OxrAttachActionSet;
use bevy_mod_openxr::action_set_syncing::{OxrActionSetSyncSet, OxrSyncActionSet};
use bevy_mod_openxr::add_xr_plugins;
use bevy_mod_openxr::init::OxrInitPlugin;
use bevy_mod_openxr::openxr_session_running;
use bevy_mod_openxr::reference_space::OxrReferenceSpacePlugin;
use bevy_mod_openxr::render::{
    OxrRenderPlugin, locate_views, update_views, update_views_render_world,
};
use bevy_mod_openxr::resources::OxrViews;
use bevy_mod_openxr::resources::{OxrInstance, OxrSystemId};
use bevy_mod_openxr::session::OxrSession;
use bevy_mod_openxr::types::{AppInfo, Version};
use bevy_mod_xr::camera::XrCamera;
use bevy_mod_xr::session::{XrEndSessionMessage, XrSessionCreated, session_available};
use bevy_mod_xr::session::{XrState, XrStateChanged, XrTrackingRoot};
use respite_core::session::Stereo;
use std::path::{Path, PathBuf};

pub(super) fn add_plugins(window_plugins: PluginGroupBuilder) -> PluginGroupBuilder {
    add_xr_plugins(window_plugins)
        .set(OxrInitPlugin {
            app_info: AppInfo {
                name: "Respite".into(),
                version: Version(0, 1, 0),
            },
            synchronous_pipeline_compilation: true,
            exts: {
                let mut exts = bevy_mod_openxr::exts::OxrExtensions::default();
                exts.enable_hand_tracking();
                // The frames' predicted display times on the monotonic clock, for LSL's
                // pose stream; a runtime without it is told once and left out.
                exts.raw_mut().khr_convert_timespec_time = true;
                exts
            },
            ..default()
        })
        // Seated use: LOCAL space has its origin at the head, so eye height comes from the
        // scene's viewpoint, not from a standing-height floor (STAGE).
        .set(OxrReferenceSpacePlugin {
            default_primary_ref_space: openxr::ReferenceSpaceType::LOCAL,
        })
        // The crate's frame loop, with calls that survive a runtime that has gone.
        .disable::<OxrRenderPlugin>()
        .add(super::xr_frames::FrameLoopPlugin)
}

/// Runs right after the plugins are added: the runtime's and headset's names when OpenXR
/// came up, else a sentence saying why not.
pub(super) fn probe(app: &App) -> Result<(String, String), String> {
    let world = app.world();
    match world.get_resource::<XrState>() {
        Some(XrState::Unavailable) | None => Err(diagnose()),
        Some(_) => {
            let instance = world.resource::<OxrInstance>();
            let runtime = instance
                .properties()
                .map(|p| format!("{} {}", p.runtime_name, p.runtime_version))
                .unwrap_or_else(|e| format!("unknown runtime ({e})"));
            let system = world
                .get_resource::<OxrSystemId>()
                .and_then(|id| instance.system_properties(id.0).ok())
                .map(|p| p.system_name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "an unnamed headset".into());
            Ok((runtime, system))
        }
    }
}

/// Why OpenXR did not come up, in words a therapist can act on.
fn diagnose() -> String {
    // SAFETY: loading the loader library runs its initialisers, exactly as the XR plugin
    // itself just did; nothing else is called on it here.
    let entry = match unsafe { openxr::Entry::load() } {
        Ok(entry) => entry,
        Err(e) => {
            return format!(
                "the OpenXR loader libopenxr_loader.so could not be loaded ({e}); \
                 on Debian install libopenxr-loader1 and libopenxr-dev"
            );
        }
    };
    if let Some(path) = std::env::var_os("XR_RUNTIME_JSON") {
        if !Path::new(&path).is_file() {
            return format!(
                "XR_RUNTIME_JSON names {}, which does not exist",
                Path::new(&path).display()
            );
        }
    } else if active_runtime_manifests().iter().all(|p| !p.is_file()) {
        return "no OpenXR runtime is active (no openxr/1/active_runtime.json); \
                start one such as Monado or SteamVR"
            .into();
    }
    match entry.enumerate_extensions() {
        Err(e) => format!("the OpenXR runtime did not answer ({e})"),
        Ok(_) => "an OpenXR runtime answered, but no headset is connected or it refused a session \
                  (the runtime's own message is in the log above)"
            .into(),
    }
}

/// Where the OpenXR loader looks for the active runtime on Linux.
fn active_runtime_manifests() -> Vec<PathBuf> {
    let rel = "openxr/1/active_runtime.json";
    let mut dirs: Vec<PathBuf> = Vec::new();
    match std::env::var_os("XDG_CONFIG_HOME") {
        Some(d) => dirs.push(PathBuf::from(d)),
        None => {
            if let Some(home) = std::env::var_os("HOME") {
                dirs.push(PathBuf::from(home).join(".config"));
            }
        }
    }
    let config_dirs = std::env::var("XDG_CONFIG_DIRS").unwrap_or_else(|_| "/etc/xdg".into());
    dirs.extend(
        config_dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
    );
    dirs.push(PathBuf::from("/etc"));
    dirs.into_iter().map(|d| d.join(rel)).collect()
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_headset_rig)
        .add_systems(Update, narrow_the_field)
        .add_systems(
            PostUpdate,
            centre_the_eyes.after(locate_views).before(update_views),
        )
        .add_systems(
            PostUpdate,
            (follow_views, point_with_the_head)
                .chain()
                .after(update_views)
                .before(TransformSystems::Propagate),
        )
        .add_systems(
            Update,
            (
                carry_on_on_screen_when_lost,
                pause_when_headset_stops,
                continue_on_screen,
            )
                .chain(),
        )
        .init_resource::<OnScreen>()
        .add_systems(Startup, create_select_action.run_if(session_available))
        .add_systems(OxrSendActionBindings, suggest_select_bindings)
        .add_systems(XrSessionCreated, (attach_select_action, spawn_grips))
        .init_resource::<super::TrackedHands>()
        .add_systems(PreUpdate, forget_hands.run_if(not(openxr_session_running)))
        .add_systems(
            PreUpdate,
            (
                sync_select_action.before(OxrActionSetSyncSet),
                read_select.after(OxrActionSetSyncSet),
                read_hands
                    .after(OxrActionSetSyncSet)
                    .after(bevy_mod_xr::spaces::XrSpaceSyncSet),
            )
                .run_if(openxr_session_running.and_then(resource_exists::<SelectAction>)),
        );
    if app.world().contains_resource::<ViewSettings>() {
        app.add_plugins(bevy::render::extract_resource::ExtractResourcePlugin::<
            ViewSettings,
        >::default());
    }
    if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
        // The runtime's eye poses are read again just before drawing: centre them there too.
        render_app.add_systems(
            Render,
            centre_the_eyes
                .after(locate_views)
                .before(update_views_render_world),
        );
    }
}

/// The controllers' trigger (select on simple controllers): it chooses what the gaze rests
/// on, and holds a switch walk. The grip poses: an interactive walk's arm swings.
#[derive(Resource)]
struct SelectAction {
    set: openxr::ActionSet,
    select: openxr::Action<bool>,
    grips: [openxr::Action<openxr::Posef>; 2],
}

/// The entity whose transform the runtime keeps at a hand's grip pose (tracking space).
#[derive(Component)]
struct Grip(usize);

fn create_select_action(instance: Res<OxrInstance>, mut commands: Commands) {
    let made = instance
        .create_action_set("respite", "Respite", 0)
        .and_then(|set| {
            let select = set.create_action::<bool>("select", "Choose an answer", &[])?;
            let grips = [
                set.create_action::<openxr::Posef>("left_grip", "Left hand", &[])?,
                set.create_action::<openxr::Posef>("right_grip", "Right hand", &[])?,
            ];
            Ok(SelectAction { set, select, grips })
        });
    match made {
        Ok(actions) => commands.insert_resource(actions),
        Err(e) => warn!("display: no controller input ({e}); answers by gaze and keys only"),
    }
}

/// Either hand's trigger on the common controllers; a runtime takes the profiles it knows.
fn suggest_select_bindings(
    actions: Option<Res<SelectAction>>,
    mut bindings: MessageWriter<OxrSuggestActionBinding>,
) {
    let Some(actions) = actions else { return };
    for (profile, input) in [
        ("khr/simple_controller", "select/click"),
        ("oculus/touch_controller", "trigger/value"),
        ("valve/index_controller", "trigger/click"),
        ("htc/vive_controller", "trigger/click"),
    ] {
        bindings.write(OxrSuggestActionBinding {
            action: actions.select.as_raw(),
            interaction_profile: format!("/interaction_profiles/{profile}").into(),
            bindings: ["left", "right"]
                .map(|hand| format!("/user/hand/{hand}/input/{input}").into())
                .to_vec(),
        });
        for (grip, hand) in actions.grips.iter().zip(["left", "right"]) {
            bindings.write(OxrSuggestActionBinding {
                action: grip.as_raw(),
                interaction_profile: format!("/interaction_profiles/{profile}").into(),
                bindings: vec![format!("/user/hand/{hand}/input/grip/pose").into()],
            });
        }
    }
}

/// Spaces at the grip poses, which the runtime's spaces plugin moves every frame.
fn spawn_grips(
    actions: Option<Res<SelectAction>>,
    session: Res<OxrSession>,
    old: Query<Entity, With<Grip>>,
    mut commands: Commands,
) {
    let Some(actions) = actions else { return };
    for e in &old {
        commands.entity(e).despawn();
    }
    for (i, grip) in actions.grips.iter().enumerate() {
        match session.create_action_space(grip, openxr::Path::NULL, Isometry3d::IDENTITY) {
            Ok(space) => {
                commands.spawn((Name::new(format!("Grip {i}")), Grip(i), space));
            }
            Err(e) => warn!("display: no hand pose {i} ({e}); swings by keys only"),
        }
    }
}

/// No headset session running (on a screen now, or the headset off): no hands, no trigger
/// held, rather than the last ones seen.
fn forget_hands(hands: Option<ResMut<super::TrackedHands>>) {
    if let Some(mut hands) = hands {
        hands.set_if_neq(super::TrackedHands::default());
    }
}

/// The hands where the runtime tracks them, and the trigger held, for an interactive walk.
fn read_hands(
    actions: Res<SelectAction>,
    session: Res<OxrSession>,
    grips: Query<(
        &Grip,
        &Transform,
        &bevy_mod_xr::spaces::XrSpaceLocationFlags,
    )>,
    mut hands: ResMut<super::TrackedHands>,
) {
    let mut next = super::TrackedHands::default();
    for (grip, t, flags) in &grips {
        if flags.position_tracked && grip.0 < 2 {
            next.grip[grip.0] = Some(t.translation);
        }
    }
    next.trigger = actions
        .select
        .state(&session, openxr::Path::NULL)
        .is_ok_and(|s| s.is_active && s.current_state);
    hands.set_if_neq(next);
}

fn attach_select_action(
    actions: Option<Res<SelectAction>>,
    mut attach: MessageWriter<OxrAttachActionSet>,
) {
    if let Some(actions) = actions {
        attach.write(OxrAttachActionSet(actions.set.clone()));
    }
}

fn sync_select_action(actions: Res<SelectAction>, mut sync: MessageWriter<OxrSyncActionSet>) {
    sync.write(OxrSyncActionSet(actions.set.clone()));
}

fn read_select(
    actions: Res<SelectAction>,
    session: Res<OxrSession>,
    mut selects: MessageWriter<ControllerSelect>,
) {
    if let Ok(state) = actions.select.state(&session, openxr::Path::NULL)
        && state.is_active
        && state.current_state
        && state.changed_since_last_sync
    {
        selects.write(ControllerSelect);
    }
}

/// The session goes on in the desktop window, the headset's session ended (after a
/// sickness check, at the therapist's word).
#[derive(Resource, Default, Clone, Copy, PartialEq, Eq, Debug)]
pub struct OnScreen(pub bool);

fn continue_on_screen(
    mut asked: MessageReader<ContinueOnScreen>,
    mut on_screen: ResMut<OnScreen>,
    viewpoint: Res<ViewpointSpec>,
    mut heads: Query<&mut Transform, With<Head>>,
    mut end: MessageWriter<XrEndSessionMessage>,
    mut notice: ResMut<Notice>,
) {
    if asked.read().count() == 0 || on_screen.0 {
        return;
    }
    on_screen.0 = true;
    end.write(XrEndSessionMessage);
    // The mirror camera rides on the head: hold the head at the seated eye, level.
    for mut head in &mut heads {
        *head = super::head_in_rig(&viewpoint.0);
        head.rotation = Quat::IDENTITY;
    }
    notice.clear();
    info!("display: the headset's session ends; the session continues on this screen");
}

/// Once the runtime is lost the session carries on in the desktop window, paused, as when
/// the headset stops; the session asks the therapist whether to go on on the screen.
fn carry_on_on_screen_when_lost(
    gone: Res<RuntimeGone>,
    mut done: Local<bool>,
    mut on_screen: ResMut<OnScreen>,
    viewpoint: Res<ViewpointSpec>,
    mut heads: Query<&mut Transform, With<Head>>,
    mut eyes: Query<&mut Camera, With<XrCamera>>,
    mut pauses: MessageWriter<crate::pause::SetPause>,
    mut notice: ResMut<Notice>,
    mut told: MessageWriter<RuntimeLost>,
) {
    if *done {
        return;
    }
    let Some(why) = gone.reason() else { return };
    *done = true;
    // No XrEndSessionMessage: ending a session of a dead runtime would fail in the crate.
    on_screen.0 = true;
    for mut head in &mut heads {
        *head = super::head_in_rig(&viewpoint.0);
        head.rotation = Quat::IDENTITY;
    }
    for mut eye in &mut eyes {
        eye.is_active = false;
    }
    // Told on the therapist's console (the session's alert), not over the window the
    // patient may now be looking at.
    pauses.write(crate::pause::SetPause::on(
        crate::pause::PauseReason::RuntimeLost,
    ));
    notice.clear();
    warn!("display: the session goes on in the desktop window, paused");
    told.write(RuntimeLost(why));
}

/// Mono: both eyes drawn from the centre of the head (no disparity), the same picture the
/// compositor is told was drawn from there.
fn centre_the_eyes(settings: Option<Res<ViewSettings>>, mut views: ResMut<OxrViews>) {
    if settings.is_none_or(|s| s.stereo == Stereo::Stereo) || views.0.len() < 2 {
        return;
    }
    let n = views.0.len() as f32;
    let mut mid = [0.0f32; 3];
    for v in &views.0 {
        mid[0] += v.pose.position.x / n;
        mid[1] += v.pose.position.y / n;
        mid[2] += v.pose.position.z / n;
    }
    for v in &mut views.0 {
        v.pose.position.x = mid[0];
        v.pose.position.y = mid[1];
        v.pose.position.z = mid[2];
    }
}

/// In a headset the gaze is where the head faces; once the session has moved to the screen,
/// the mouse points through the mirror.
fn point_with_the_head(
    heads: Query<&GlobalTransform, With<Head>>,
    on_screen: Res<OnScreen>,
    windows: Query<&Window, With<bevy::window::PrimaryWindow>>,
    mirrors: Query<
        (&Camera, &GlobalTransform),
        (
            With<Camera3d>,
            Without<XrCamera>,
            Without<super::WarmUpView>,
        ),
    >,
    mut pointer: ResMut<Pointer>,
) {
    if on_screen.0 {
        pointer.kind = PointerKind::Mouse;
        pointer.ray = match (windows.single(), mirrors.iter().next()) {
            (Ok(w), Some((camera, at))) => w
                .cursor_position()
                .and_then(|c| camera.viewport_to_world(at, c).ok()),
            _ => None,
        };
    } else if let Ok(head) = heads.single() {
        pointer.ray = Some(Ray3d::new(head.translation(), head.forward()));
        pointer.kind = PointerKind::Gaze;
    }
}

/// The dark ring that narrows the headset's field to the level's.
#[derive(Component)]
struct FieldRing(Handle<Mesh>);

/// A narrower level's field of view: a soft dark ring that leaves the level's field clear
/// and closes the headset's own beyond it (none at 105° and wider). It follows the field
/// shown, which eases to a new level's.
fn narrow_the_field(
    mut commands: Commands,
    viewpoint: Res<ViewpointSpec>,
    heads: Query<Entity, With<Head>>,
    mut rings: Query<(&FieldRing, &mut Visibility)>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut made: Local<bool>,
) {
    let Ok(head) = heads.single() else {
        return;
    };
    if !viewpoint.is_changed() && *made {
        return;
    }
    let fov = viewpoint.0.fov_deg;
    let half = fov.min(105.0) / 2.0;
    let mesh = field_ring(0.25, half - 6.0, half + 2.0);
    let show = if fov >= 105.0 {
        Visibility::Hidden
    } else {
        Visibility::Inherited
    };
    if let Some((ring, mut visibility)) = rings.iter_mut().next() {
        let _ = meshes.insert(&ring.0, mesh);
        visibility.set_if_neq(show);
        return;
    }
    *made = true;
    let handle = meshes.add(mesh);
    commands.entity(head).with_child((
        Name::new("Field of view"),
        FieldRing(handle.clone()),
        Mesh3d(handle),
        MeshMaterial3d(materials.add(veil(Color::srgba(0.02, 0.02, 0.02, 1.0)))),
        NotShadowCaster,
        NotShadowReceiver,
        show,
    ));
}

/// Puts the tracking origin at the seated eye and the [`Head`] under it. A window camera
/// follows the head so the desktop shows what the patient sees (and any notice).
fn spawn_headset_rig(
    mut commands: Commands,
    viewpoint: Res<ViewpointSpec>,
    roots: Query<Entity, With<XrTrackingRoot>>,
) {
    let eye = eye_transform(&viewpoint.0);
    // A headset's view is the patient's own: keep only the yaw, never a forced pitch.
    let root_transform = Transform::from_translation(eye.translation)
        .with_rotation(Quat::from_rotation_y(-viewpoint.0.yaw_deg.to_radians()));
    let head = commands
        .spawn((Name::new("Head (headset view)"), Head))
        .id();
    if let Ok(root) = roots.single() {
        // The tracking space starts at the seated head: lift it to the eyes (and behind
        // the body in a third-person walk). This is the seated calibration.
        let lift = Vec3::new(0.0, viewpoint.0.eye_height_m, viewpoint.0.behind_m);
        commands
            .entity(root)
            .insert((
                root_transform,
                Rig {
                    lift,
                    recentred: 0.0,
                },
            ))
            .add_child(head);
    } else {
        commands.entity(head).insert(root_transform);
    }
    commands.entity(head).with_child((
        Name::new("Desktop mirror"),
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection {
            fov: vertical_fov(viewpoint.0.fov_deg, 16.0 / 9.0),
            ..default()
        }),
        IsDefaultUiCamera,
    ));
}

/// The head is the midpoint of the eye views the runtime reports.
fn follow_views(
    views: Query<&Transform, (With<XrCamera>, Without<Head>)>,
    mut heads: Query<&mut Transform, With<Head>>,
) {
    let mut n = 0.0;
    let mut pos = Vec3::ZERO;
    let mut rot = None;
    for t in &views {
        n += 1.0;
        pos += t.translation;
        rot.get_or_insert(t.rotation);
    }
    let (Some(rot), Ok(mut head)) = (rot, heads.single_mut()) else {
        return;
    };
    head.translation = pos / n;
    head.rotation = rot;
}

/// A headset state as the record names it.
fn xr_state_code(state: &XrState) -> &'static str {
    match state {
        XrState::Unavailable => "unavailable",
        XrState::Available => "available",
        XrState::Idle => "idle",
        XrState::Ready => "ready",
        XrState::Running => "running",
        XrState::Stopping => "stopping",
        XrState::Exiting { .. } => "exiting",
    }
}

/// When the headset session stops mid-run (headset off, runtime closed), pause the scene and
/// say so on the desktop; carry on when it comes back. Never panic, never exit.
fn pause_when_headset_stops(
    on_screen: Option<Res<OnScreen>>,
    mut changes: MessageReader<XrStateChanged>,
    mut was_running: Local<bool>,
    reasons: Res<crate::pause::PauseReasons>,
    mut pauses: MessageWriter<crate::pause::SetPause>,
    mut notice: ResMut<Notice>,
) {
    use crate::pause::{PauseReason, SetPause};
    for XrStateChanged(state) in changes.read() {
        info!("display: headset session state {state:?}");
        if on_screen.as_ref().is_some_and(|s| s.0) {
            // Ended on purpose: the session goes on in the window.
            continue;
        }
        match state {
            // Back: its own reason ends; the place runs again only if no other holds (a
            // therapist's or a sickness check's pause outlasts the headset's).
            XrState::Running => {
                if *was_running && reasons.holds(PauseReason::Headset) {
                    info!("display: headset is back; its pause ends");
                    pauses.write(SetPause::off(PauseReason::Headset).state("running"));
                    notice.clear();
                }
                *was_running = true;
            }
            XrState::Stopping | XrState::Exiting { .. } | XrState::Idle | XrState::Available
                if *was_running =>
            {
                if !reasons.holds(PauseReason::Headset) {
                    warn!("display: headset session stopped ({state:?}); pausing the scene");
                    pauses.write(SetPause::on(PauseReason::Headset).state(xr_state_code(state)));
                }
                *notice = Notice::lasting(format!(
                    "The headset stopped showing the scene ({state:?}).\n\
                     The scene is paused and resumes when the headset is back."
                ));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .add_plugins(crate::pause::plugin)
            .add_message::<XrStateChanged>()
            .init_resource::<Notice>()
            .add_systems(Update, pause_when_headset_stops);
        app.update();
        app
    }

    fn send(app: &mut App, state: XrState) {
        app.world_mut().write_message(XrStateChanged(state));
        app.update();
    }

    fn paused(app: &App) -> bool {
        app.world().resource::<Time<Virtual>>().is_paused()
    }

    #[test]
    fn start_up_states_do_not_pause_the_scene() {
        let mut app = app();
        for state in [
            XrState::Available,
            XrState::Idle,
            XrState::Ready,
            XrState::Running,
        ] {
            send(&mut app, state);
            assert!(!paused(&app), "{state:?}");
        }
        assert!(app.world().resource::<Notice>().text.is_none());
    }

    #[test]
    fn losing_the_headset_pauses_with_a_notice_and_its_return_resumes() {
        let mut app = app();
        send(&mut app, XrState::Running);
        send(&mut app, XrState::Stopping);
        assert!(paused(&app));
        let text = app
            .world()
            .resource::<Notice>()
            .text
            .clone()
            .unwrap_or_default();
        assert!(
            text.contains("The headset stopped showing the scene"),
            "{text}"
        );
        assert!(
            app.world().resource::<Notice>().hide_after_s.is_none(),
            "stays until resolved"
        );
        // The runtime walks through its states on the way back; nothing resumes early.
        send(&mut app, XrState::Idle);
        send(&mut app, XrState::Ready);
        assert!(paused(&app));
        send(&mut app, XrState::Running);
        assert!(!paused(&app));
        assert!(app.world().resource::<Notice>().text.is_none());
    }

    #[test]
    fn a_sickness_pause_holds_through_a_headset_stop_and_start() {
        use crate::pause::{PauseReason, SetPause};
        let mut app = app();
        send(&mut app, XrState::Running);
        app.world_mut().write_message(SetPause::sickness(14, 12));
        app.update();
        assert!(paused(&app));
        send(&mut app, XrState::Stopping);
        send(&mut app, XrState::Idle);
        send(&mut app, XrState::Ready);
        send(&mut app, XrState::Running);
        // The headset is back, the patient still sick: the place stays paused.
        assert!(
            paused(&app),
            "the headset's return resumed a sickness pause"
        );
        let reasons = app.world().resource::<crate::pause::PauseReasons>();
        assert!(reasons.holds(PauseReason::SicknessCheck) && !reasons.holds(PauseReason::Headset));
        // The therapist's decision ends it.
        app.world_mut()
            .write_message(SetPause::off(PauseReason::SicknessCheck).ended_by_therapist(false));
        app.update();
        assert!(!paused(&app));
    }
}
