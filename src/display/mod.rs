//! Choosing where frames go: an OpenXR headset (`xr`), a window (`flat`), or the headset
//! when one answers and the window otherwise (`auto`). Only this module knows the difference;
//! content attaches to the one [`Head`] entity in every mode.

mod flat;
mod notice;
mod offscreen;
mod readiness;
mod xr;
mod xr_frames;

use bevy::app::PluginGroupBuilder;
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::window::{PresentMode, WindowResolution};
use bevy::winit::WinitSettings;
use respite_core::scene::Viewpoint;

pub use notice::Notice;
pub use readiness::RenderReadiness;

/// What the operator asked for on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DisplayChoice {
    /// The headset when an OpenXR runtime and headset answer, else the window, with a notice.
    Auto,
    /// The headset only; refuse to start without one.
    Xr,
    /// A window on this screen; OpenXR is never touched.
    Flat,
}

impl std::fmt::Display for DisplayChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The names the command line takes.
        f.write_str(match self {
            DisplayChoice::Auto => "auto",
            DisplayChoice::Xr => "xr",
            DisplayChoice::Flat => "flat",
        })
    }
}

/// Which display actually runs (the headset, the window, or the bench's eye textures);
/// its code is the record's `active=`.
pub use respite_core::session::event::ActiveDisplay;

/// What ran and why: logged at start and kept for session records.
#[derive(Resource, Clone, Debug)]
pub struct DisplayReport {
    pub requested: DisplayChoice,
    pub active: ActiveDisplay,
    /// Why `auto` fell back to the window.
    pub fallback_reason: Option<String>,
    /// The OpenXR runtime's name and version, when a headset runs.
    pub runtime: Option<String>,
    /// The headset system's name, when a headset runs.
    pub system: Option<String>,
}

impl DisplayReport {
    /// The bench's offscreen eyes: no window, no headset.
    pub fn offscreen() -> Self {
        Self {
            requested: DisplayChoice::Flat,
            active: ActiveDisplay::Offscreen,
            fallback_reason: None,
            runtime: None,
            system: Some("offscreen eye textures".into()),
        }
    }
}

/// The viewer's head: the tracked view in a headset, the camera on a screen. Anything that
/// must stay with the viewer (fades, panels) is a child of this entity.
#[derive(Component, Default)]
#[require(Transform, Visibility)]
pub struct Head;

/// What carries the viewer through the place: it stands on the ground under the viewer,
/// facing their way, and walking moves it; the [`Head`] moves within it (tracked in a
/// headset, fixed at the eyes on a screen). `lift` is where the rig's own origin sits
/// above that ground point, in the rig's frame: the eyes for a headset (its tracking space
/// starts at the head), nothing on a screen (the camera is lifted as a child).
#[derive(Component, Default, Clone, Copy)]
#[require(Transform, Visibility)]
pub struct Rig {
    pub lift: Vec3,
    /// Turn added by recentring (radians about +Y): it brings the patient's straight-ahead
    /// back to the place's.
    pub recentred: f32,
}

impl Rig {
    /// The rig's turn for a facing `yaw` (radians, clockwise from north as the specs count).
    pub fn turn(&self, yaw: f32) -> Quat {
        Quat::from_rotation_y(-yaw + self.recentred)
    }
}

/// Where the patient points: the gaze (the head's forward) in a headset, the mouse on a
/// screen (a screen has no gaze; the picture's centre is not a choice).
#[derive(Resource, Default, Clone, Copy, Debug)]
pub struct Pointer {
    pub ray: Option<Ray3d>,
    pub kind: PointerKind,
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointerKind {
    #[default]
    Gaze,
    Mouse,
}

/// How the level wants the eyes served: stereo or mono, and the visible field of view
/// (copied to the render world every frame, where the eyes are centred for mono).
#[derive(Resource, Clone, Debug, bevy::render::extract_resource::ExtractResource)]
pub struct ViewSettings {
    pub stereo: respite_core::session::Stereo,
    pub fov_deg: f32,
}

/// The hand controllers' grip poses within the rig (metres, the rig's frame: −Z ahead),
/// and whether a trigger is held: written each frame by a headset that has controllers,
/// read by an interactive walk. Absent on a screen.
#[derive(Resource, Default, Clone, Copy, Debug, PartialEq)]
pub struct TrackedHands {
    /// Left, right; `None` while that hand is not tracked.
    pub grip: [Option<Vec3>; 2],
    pub trigger: bool,
}

/// A controller's trigger was pressed (headsets only).
#[derive(Message, Clone, Copy, Debug, Default)]
pub struct ControllerSelect;

/// Move the session from the headset to the desktop window (after a sickness check).
#[derive(Message, Clone, Copy, Debug, Default)]
pub struct ContinueOnScreen;

/// The headset's OpenXR runtime was lost mid-run (it crashed or was closed: every call now
/// fails). The display has already moved to the desktop window and paused the place; the
/// session puts it on record and asks the therapist how to go on.
#[derive(Message, Clone, Debug)]
pub struct RuntimeLost(pub String);

/// Recentre the view: the way the head faces now becomes the place's straight ahead.
#[derive(Message, Clone, Copy, Debug, Default)]
pub struct Recenter;

/// The scene's viewpoint, kept for rigs that are built after start-up.
#[derive(Resource, Clone, Debug)]
pub struct ViewpointSpec(pub Viewpoint);

/// A display that was demanded but cannot run.
#[derive(Debug)]
pub enum DisplayError {
    XrUnavailable { reason: String },
}

impl std::fmt::Display for DisplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DisplayError::XrUnavailable { reason } => write!(
                f,
                "--display xr was asked for, but no headset is available: {reason}"
            ),
        }
    }
}

impl std::error::Error for DisplayError {}

/// Window and rendering settings shared by every display.
#[derive(Clone, Debug)]
pub struct WindowSpec {
    pub title: String,
    pub size: (u32, u32),
    /// Wait for the screen's refresh (every run); off only to measure frame rates.
    pub vsync: bool,
}

/// The log, the same in every mode: it never blocks a frame (a paused terminal, an unread
/// pipe); with `--features profile`, it adds up every system's time for the bench.
pub(crate) fn log_plugin() -> bevy::log::LogPlugin {
    bevy::log::LogPlugin {
        fmt_layer: crate::log::fmt_layer,
        #[cfg(feature = "profile")]
        custom_layer: crate::profile::layer,
        ..default()
    }
}

/// Bevy's plugins for a window, the same in every mode: one render path for both arms of a
/// study. Pipelined rendering is off everywhere (XR needs it off for fresh head poses, so
/// `flat` matches), and pipelines compile before a frame is shown, so nothing pops in.
fn window_plugins(window: &WindowSpec) -> PluginGroupBuilder {
    DefaultPlugins
        .build()
        .disable::<PipelinedRenderingPlugin>()
        .set(log_plugin())
        .set(WindowPlugin {
            primary_window: Some(Window {
                title: window.title.clone(),
                resolution: WindowResolution::new(window.size.0, window.size.1),
                present_mode: if window.vsync {
                    PresentMode::AutoVsync
                } else {
                    PresentMode::AutoNoVsync
                },
                ..default()
            }),
            ..default()
        })
        .set(RenderPlugin {
            synchronous_pipeline_compilation: true,
            ..default()
        })
}

/// The plugin group for a display choice. `flat` holds no XR plugin at all: creating an
/// OpenXR instance can start a runtime such as SteamVR.
pub fn plugin_group(choice: DisplayChoice, window: &WindowSpec) -> PluginGroupBuilder {
    match choice {
        DisplayChoice::Flat => window_plugins(window),
        DisplayChoice::Xr | DisplayChoice::Auto => xr::add_plugins(window_plugins(window)),
    }
}

/// Adds the display's plugins and rig to `app`, deciding from what answered.
pub fn add_display(
    app: &mut App,
    choice: DisplayChoice,
    window: &WindowSpec,
    viewpoint: &Viewpoint,
) -> Result<DisplayReport, DisplayError> {
    app.add_plugins(plugin_group(choice, window));
    app.insert_resource(ViewpointSpec(viewpoint.clone()));
    let report = match choice {
        DisplayChoice::Flat => DisplayReport {
            requested: choice,
            active: ActiveDisplay::Flat,
            fallback_reason: None,
            runtime: None,
            system: None,
        },
        DisplayChoice::Xr | DisplayChoice::Auto => match xr::probe(app) {
            Ok((runtime, system)) => DisplayReport {
                requested: choice,
                active: ActiveDisplay::Xr,
                fallback_reason: None,
                runtime: Some(runtime),
                system: Some(system),
            },
            Err(reason) if choice == DisplayChoice::Auto => DisplayReport {
                requested: choice,
                active: ActiveDisplay::Flat,
                fallback_reason: Some(reason),
                runtime: None,
                system: None,
            },
            Err(reason) => return Err(DisplayError::XrUnavailable { reason }),
        },
    };
    // A headset must never be capped by the desktop window losing focus (Bevy throttles an
    // unfocused window); the window itself keeps drawing for the therapist.
    app.insert_resource(WinitSettings::continuous());
    app.add_plugins((notice::plugin, readiness::plugin, shared));
    match report.active {
        ActiveDisplay::Xr => app.add_plugins(xr::plugin),
        _ => app.add_plugins(flat::plugin),
    };
    match (&report.active, &report.fallback_reason) {
        (ActiveDisplay::Flat, Some(reason)) => {
            warn!("display: no headset answered ({reason}); showing the scene in the window");
            app.insert_resource(Notice::timed(
                format!("No headset answered: {reason}.\nShowing the scene on this screen."),
                30.0,
            ));
        }
        (ActiveDisplay::Flat, None) => info!("display: flat window (requested {choice})"),
        (ActiveDisplay::Offscreen, _) => {}
        (ActiveDisplay::Xr, _) => info!(
            "display: headset via {} on {} (requested {choice})",
            report.runtime.as_deref().unwrap_or("?"),
            report.system.as_deref().unwrap_or("?")
        ),
    }
    app.insert_resource(report.clone());
    Ok(report)
}

/// Two headset-sized eye views rendered to textures, no window, no OpenXR: for measuring
/// what a headset's GPU would do (`respite bench --display offscreen-xr`).
pub fn add_offscreen(app: &mut App, viewpoint: &Viewpoint, eye: (u32, u32)) {
    app.add_plugins(offscreen::plugins())
        .insert_resource(ViewpointSpec(viewpoint.clone()))
        .insert_resource(offscreen::EyeSize(eye.0, eye.1))
        .init_resource::<Notice>()
        .add_plugins((readiness::plugin, offscreen::plugin, shared));
    info!("display: offscreen eyes {}x{} each", eye.0, eye.1);
}

/// What every display has: the pointer and recentring.
fn shared(app: &mut App) {
    app.init_resource::<Pointer>()
        .add_message::<Recenter>()
        .add_message::<ControllerSelect>()
        .add_message::<ContinueOnScreen>()
        .add_message::<RuntimeLost>()
        .add_systems(Update, (recenter, ease_field_of_view));
}

/// A small view that draws the place unseen (into a texture of its own) before the place
/// is shown, so that everything the place needs compiles during calibration and the
/// baseline; the session's and the displays' own camera code leave it alone.
#[derive(Component)]
pub struct WarmUpView;

/// Seconds a new level's field of view takes to open or close: eased, never a jump.
pub const FOV_EASE_S: f32 = 2.0;

/// The field of view shown now (degrees across), easing towards the level's: the screen
/// camera and the headset's dark ring follow it.
fn ease_field_of_view(
    settings: Option<Res<ViewSettings>>,
    time: Res<Time<Real>>,
    mut viewpoint: ResMut<ViewpointSpec>,
    mut ease: Local<Option<(f32, f32, f32)>>,
) {
    let Some(settings) = settings else { return };
    let target = settings.fov_deg;
    let now = time.elapsed_secs();
    let shown = viewpoint.0.fov_deg;
    match *ease {
        Some((_, to, _)) if to == target => {}
        _ if shown == target => return,
        _ => *ease = Some((shown, target, now)),
    }
    let Some((from, to, began)) = *ease else {
        return;
    };
    let k = respite_core::smoothstep((now - began) / FOV_EASE_S);
    viewpoint.0.fov_deg = from + (to - from) * k;
    if k >= 1.0 {
        *ease = None;
    }
}

/// A new place's seat: the rig goes to its viewpoint (the patient's recentring kept), the
/// screen camera to its eye height and tilt. The field of view stays the level's.
pub(crate) fn seat_at(world: &mut World, v: &Viewpoint) {
    let mut v = v.clone();
    v.fov_deg = world.resource::<ViewpointSpec>().0.fov_deg;
    world.resource_mut::<ViewpointSpec>().0 = v.clone();
    let mut rigs = world.query::<(&mut Rig, &mut Transform)>();
    for (mut rig, mut t) in rigs.iter_mut(world) {
        t.rotation = rig.turn(v.yaw_deg.to_radians());
        if rig.lift == Vec3::ZERO {
            // A screen's rig stands at the origin with the camera at the eyes inside it.
            t.translation = Vec3::ZERO;
        } else {
            // A headset's tracking space starts at the seated eyes.
            rig.lift = Vec3::new(v.side_m, v.eye_height_m, v.behind_m);
            t.translation = t.rotation * rig.lift;
        }
    }
    let mut cameras =
        world.query_filtered::<&mut Transform, (With<Head>, With<Camera3d>, Without<Rig>)>();
    for mut t in cameras.iter_mut(world) {
        *t = head_in_rig(&v);
    }
}

/// Turns the rig so the head's current facing becomes the viewpoint's yaw.
fn recenter(
    mut asked: MessageReader<Recenter>,
    viewpoint: Res<ViewpointSpec>,
    heads: Query<&Transform, (With<Head>, Without<Rig>)>,
    mut rigs: Query<(&mut Rig, &mut Transform)>,
) {
    if asked.read().count() == 0 {
        return;
    }
    let Ok(head) = heads.single() else { return };
    // The head's own turn within the rig (tracked in a headset; none on a screen).
    let (head_yaw, _, _) = head.rotation.to_euler(EulerRot::YXZ);
    for (mut rig, mut t) in &mut rigs {
        let before = t.rotation;
        rig.recentred = -head_yaw;
        let facing = viewpoint.0.yaw_deg.to_radians();
        t.rotation = rig.turn(facing);
        // Turn about the head, so it does not swing through the place.
        let head_world = t.translation + before * head.translation;
        t.translation = head_world - t.rotation * head.translation;
        info!(
            "display: recentred by {:.1}° (the head faced {:.1}° off straight ahead)",
            (-head_yaw).to_degrees(),
            head_yaw.to_degrees()
        );
    }
}

/// A flat ring `depth` before the eyes: clear within `clear_deg` of the centre of view,
/// fully dim beyond `dim_deg`, easing between (vertex colours carry the alpha).
pub fn field_ring(depth: f32, clear_deg: f32, dim_deg: f32) -> Mesh {
    let seg = 48;
    let radii = [
        depth * clear_deg.to_radians().tan(),
        depth * ((clear_deg + dim_deg) / 2.0).to_radians().tan(),
        depth * dim_deg.to_radians().tan(),
        depth * 80f32.to_radians().tan(),
    ];
    let alpha = [0.0, 0.45, 1.0, 1.0];
    let mut positions = Vec::new();
    let mut colors = Vec::new();
    for k in 0..seg {
        let a = k as f32 / seg as f32 * std::f32::consts::TAU;
        for (r, al) in radii.iter().zip(alpha) {
            positions.push([r * a.cos(), r * a.sin(), -depth]);
            colors.push([1.0, 1.0, 1.0, al]);
        }
    }
    let mut indices = Vec::new();
    let rings = radii.len() as u32;
    for k in 0..seg as u32 {
        let n = (k + 1) % seg as u32;
        for j in 0..rings - 1 {
            let (a, b, c, d) = (
                k * rings + j,
                k * rings + j + 1,
                n * rings + j,
                n * rings + j + 1,
            );
            indices.extend([a, c, b, b, c, d]);
        }
    }
    let normals = vec![[0.0, 0.0, 1.0]; positions.len()];
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
    .with_inserted_indices(Indices::U32(indices))
}

/// A veil worn before the eyes (the fade shell, the comfort vignette): unlit, unfogged,
/// blended over the place, seen from inside.
pub fn veil(color: Color) -> StandardMaterial {
    StandardMaterial {
        base_color: color,
        unlit: true,
        fog_enabled: false,
        alpha_mode: AlphaMode::Blend,
        cull_mode: None,
        double_sided: true,
        ..default()
    }
}

/// A screen or offscreen rig on the ground at the origin, facing the viewpoint's way.
fn spawn_rig(commands: &mut Commands, v: &Viewpoint) -> Entity {
    commands
        .spawn((Name::new("Rig"), Rig::default(), rig_transform(v)))
        .id()
}

/// Horizontal field of view → Bevy's vertical one for a given aspect (width / height).
pub fn vertical_fov(horizontal_deg: f32, aspect: f32) -> f32 {
    let h = horizontal_deg.to_radians();
    2.0 * ((h / 2.0).tan() / aspect.max(0.1)).atan()
}

/// The seated viewer's eye position and facing, from the scene's viewpoint.
pub fn eye_transform(v: &Viewpoint) -> Transform {
    rig_transform(v) * head_in_rig(v)
}

/// The rig on the ground at the origin, facing the viewpoint's way.
pub fn rig_transform(v: &Viewpoint) -> Transform {
    // Yaw 0 faces north (−Z); positive yaw turns east (+X), i.e. clockwise seen from above.
    Transform::from_rotation(Quat::from_rotation_y(-v.yaw_deg.to_radians()))
}

/// The eyes within the rig: at eye height (and behind the body in a third-person view),
/// tilted by the screen camera's pitch.
pub fn head_in_rig(v: &Viewpoint) -> Transform {
    // From the side, the eyes stand to the walker's right and look across at them.
    let across = if v.side_m > 0.0 {
        Quat::from_rotation_y(std::f32::consts::FRAC_PI_2)
    } else {
        Quat::IDENTITY
    };
    Transform::from_xyz(v.side_m, v.eye_height_m, v.behind_m)
        .with_rotation(across * Quat::from_rotation_x(v.pitch_deg.to_radians()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy_mod_openxr::init::OxrInitPlugin;

    fn window() -> WindowSpec {
        WindowSpec {
            title: "t".into(),
            size: (640, 360),
            vsync: true,
        }
    }

    #[test]
    fn flat_holds_no_xr_plugin_and_auto_and_xr_do() {
        let flat = plugin_group(DisplayChoice::Flat, &window());
        assert!(!flat.contains::<OxrInitPlugin>());
        assert!(flat.enabled::<RenderPlugin>());
        for choice in [DisplayChoice::Auto, DisplayChoice::Xr] {
            let g = plugin_group(choice, &window());
            assert!(g.enabled::<OxrInitPlugin>(), "{choice:?}");
            // The XR plugin brings its own render set-up.
            assert!(!g.enabled::<RenderPlugin>(), "{choice:?}");
        }
        for choice in [DisplayChoice::Flat, DisplayChoice::Auto, DisplayChoice::Xr] {
            let g = plugin_group(choice, &window());
            assert!(!g.enabled::<PipelinedRenderingPlugin>(), "{choice:?}");
        }
    }

    #[test]
    fn screen_fov_matches_a_headset_horizontally() {
        let v = vertical_fov(100.0, 16.0 / 9.0).to_degrees();
        assert!((v - 67.7).abs() < 0.5, "{v}");
        assert!((vertical_fov(90.0, 1.0).to_degrees() - 90.0).abs() < 1e-3);
    }

    #[test]
    fn eye_sits_at_seated_height_facing_the_spec_yaw() {
        let t = eye_transform(&Viewpoint {
            eye_height_m: 1.2,
            yaw_deg: 90.0,
            pitch_deg: 0.0,
            fov_deg: 100.0,
            behind_m: 0.0,
            side_m: 0.0,
        });
        assert_eq!(t.translation, Vec3::new(0.0, 1.2, 0.0));
        let fwd = t.forward();
        assert!(
            (fwd.x - 1.0).abs() < 1e-5 && fwd.z.abs() < 1e-5,
            "yaw 90 faces east: {fwd:?}"
        );
    }
}
