//! Virtual walking: the rig carried along the scene's path by the core's walker, the
//! patient's own body walking beneath the eyes, the path and its landmarks in the world,
//! soft chimes at marks and goals, and a comfort vignette while moving. Only walking
//! scenes add this plugin.

mod body;
mod drive;
mod figure;
mod vignette;
mod world;

use crate::ActiveScene;
use crate::audio::Chime;
use crate::display::Rig;
use crate::environment::Ground;
use crate::session::{Phase, Record};
use bevy::prelude::*;
use respite_core::session::event::{SessionEvent, walk_view_code};
use respite_core::walk::{BodyProfile, Gait, Route, WalkDef, WalkEvent, Walker};

/// How this run walks: from the command line and the immersion level.
#[derive(Resource, Clone, Debug)]
pub struct WalkSettings {
    pub profile: BodyProfile,
    /// Which session of a course this is (1-based): it sets a graded goal.
    pub session: u32,
    /// Override of the file's pace, m/s.
    pub speed: Option<f32>,
    /// Override of the file's comfort vignette, 0–1.
    pub vignette: Option<f32>,
    /// Begin this many seconds into the walk (pictures of the walk under way).
    pub start_at_s: f32,
    /// Draw the walking body (the immersion level may leave it out).
    pub body: bool,
}

impl Default for WalkSettings {
    fn default() -> Self {
        Self {
            profile: BodyProfile::default(),
            session: 1,
            speed: None,
            vignette: None,
            start_at_s: 0.0,
            body: true,
        }
    }
}

/// The walk under way.
#[derive(Resource)]
pub struct Walk {
    pub def: WalkDef,
    pub route: Route,
    pub walker: Walker,
    pub gait: Gait,
    pub vignette: f32,
}

/// Steps the walk is simulated in when it starts part-way (as a frame would step it).
const WARP_STEP_S: f32 = 1.0 / 60.0;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<WalkSettings>()
        .add_systems(PreStartup, start_walk)
        .add_plugins((body::plugin, drive::plugin, world::plugin, vignette::plugin))
        .add_systems(OnEnter(Phase::Closing), halt_walk)
        .add_systems(
            Update,
            (
                (pace_keys, change_pace).chain(),
                follow_path.run_if(crate::session::place_in_view),
                record_walk_events,
                carry_rig,
            )
                .chain()
                .in_set(WalkSystems),
        );
}

/// The walk's systems: everything that reads where the walker is runs after these.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct WalkSystems;

/// A new place: its walk (if it is one) starts afresh, on record; a place that is not a
/// walk takes the walk away, and the rig goes back to the place's seat.
pub(crate) fn restart_walk(world: &mut World) {
    world.remove_resource::<Walk>();
    if let Err(e) = world.run_system_cached(start_walk) {
        error!("walking: the new place's walk could not start: {e}");
    }
}

fn start_walk(
    mut commands: Commands,
    scene: Res<ActiveScene>,
    ground: Res<Ground>,
    settings: Res<WalkSettings>,
    mut records: MessageWriter<Record>,
) {
    let Some(def) = scene.def.walk.clone() else {
        // A seated place: the seated body, when the level draws one, is the profile's.
        let p = &settings.profile;
        body_on_record(
            &mut records,
            &settings,
            scene.def.viewpoint.eye_height_m,
            p.seat,
            settings.body,
        );
        return;
    };
    let Some(route) = ground.0.route().cloned() else {
        return;
    };
    let gait = Gait::new(&settings.profile);
    let mut def = def;
    if let Some(speed) = settings.speed {
        def.speed_m_s = speed;
    }
    let mut walker = Walker::new(&def, &route, gait, settings.session);
    // A driven walk pictured part-way is swung along at a swing a second, as a patient
    // under way would.
    let mut warp = settings.start_at_s;
    let mut swung = 0.0;
    let mut side = respite_core::walk::Side::Left;
    while warp > 0.0 {
        if walker.driver().is_some() && swung <= 0.0 {
            walker.cue(respite_core::walk::Cue::Swing {
                side,
                amplitude: 1.0,
            });
            side = match side {
                respite_core::walk::Side::Left => respite_core::walk::Side::Right,
                respite_core::walk::Side::Right => respite_core::walk::Side::Left,
            };
            swung += 1.0;
        }
        walker.step(WARP_STEP_S.min(warp), &route);
        warp -= WARP_STEP_S;
        swung -= WARP_STEP_S;
    }
    let p = &settings.profile;
    let wheelchair = def.walking == respite_core::walk::Walking::Wheelchair;
    let eye_height_m = if wheelchair {
        respite_core::walk::body::WHEELCHAIR_SEAT_M + gait.seated_eyes().0
    } else {
        gait.dims.eye_height
    };
    body_on_record(
        &mut records,
        &settings,
        eye_height_m,
        if wheelchair {
            respite_core::walk::body::Seat::Wheelchair
        } else {
            p.seat
        },
        settings.body && def.walking != respite_core::walk::Walking::Film,
    );
    records.write(Record(SessionEvent::WalkSettings {
        path_m: route.length(),
        kind: def.path.kind,
        speed_m_s: def.speed_m_s,
        turn_deg_s: match def.turning {
            respite_core::walk::Turning::Follow(deg_s) => Some(deg_s),
            respite_core::walk::Turning::Fixed => None,
        },
        view: walk_view_code(def.view),
        session: settings.session,
        vignette: settings.vignette.unwrap_or(def.vignette),
        head_bob: def.head_bob,
        walking: Some(def.walking),
        input: def.walking.driven().then_some(def.input),
    }));
    let vignette = settings.vignette.unwrap_or(def.vignette);
    commands.insert_resource(Walk {
        def,
        route,
        walker,
        gait,
        vignette,
    });
}

/// The body the patient sees (or would, were it shown), on record.
fn body_on_record(
    records: &mut MessageWriter<Record>,
    settings: &WalkSettings,
    eye_height_m: f32,
    seat: respite_core::walk::body::Seat,
    shown: bool,
) {
    let p = &settings.profile;
    records.write(Record(SessionEvent::Body {
        height_m: p.height_m,
        build: p.build,
        legwear: p.legwear,
        skin: p.skin.rgb,
        shirt: p.shirt,
        trousers: p.trousers,
        shoes: p.shoes,
        eye_height_m,
        tone: p.skin.tone,
        hair: Some(p.hair),
        sleeves: Some(p.sleeves),
        seat: Some(seat),
        shown: Some(shown),
    }));
}

/// Scene time moves the walker: it pauses with the scene (a headset taken off).
fn follow_path(walk: Option<ResMut<Walk>>, time: Res<Time<Virtual>>) {
    let Some(mut walk) = walk else { return };
    let Walk { walker, route, .. } = &mut *walk;
    walker.step(time.delta_secs(), route);
}

fn halt_walk(walk: Option<ResMut<Walk>>) {
    if let Some(mut walk) = walk {
        walk.walker.halt();
    }
}

/// Up and down arrows ask for a little faster or slower (0.1 m/s a press), as the console's
/// slider does.
fn pace_keys(
    keys: Res<ButtonInput<KeyCode>>,
    walk: Option<Res<Walk>>,
    mut commands: MessageWriter<crate::session::SessionCommand>,
) {
    let Some(walk) = walk else { return };
    let step = if keys.just_pressed(KeyCode::ArrowUp) {
        0.1
    } else if keys.just_pressed(KeyCode::ArrowDown) {
        -0.1
    } else {
        return;
    };
    commands.write(crate::session::SessionCommand::SetPace {
        m_s: walk.walker.cruise() + step,
        via: crate::session::CommandVia::Keys,
    });
}

/// A pace asked for, by keys or the console: eased in, within the comfort range
/// (0.3–1.4 m/s), and on record with how it came.
fn change_pace(
    walk: Option<ResMut<Walk>>,
    mut commands: MessageReader<crate::session::SessionCommand>,
    mut records: MessageWriter<Record>,
) {
    let Some(mut walk) = walk else { return };
    for c in commands.read() {
        let crate::session::SessionCommand::SetPace { m_s, via } = c else {
            continue;
        };
        if !m_s.is_finite() {
            continue;
        }
        walk.walker.set_cruise(*m_s);
        records.write(Record(SessionEvent::WalkPace {
            speed_m_s: walk.walker.cruise(),
            by: respite_core::session::Who::Therapist,
            via: *via,
        }));
    }
}

/// The walker's events go to the session record; marks and goals ring a soft chime.
fn record_walk_events(
    walk: Option<ResMut<Walk>>,
    mut records: MessageWriter<Record>,
    mut chimes: MessageWriter<Chime>,
) {
    let Some(mut walk) = walk else { return };
    for log in walk.walker.drain_log() {
        if log.event.chimes() {
            chimes.write(Chime);
        }
        if matches!(log.event, WalkEvent::GoalReached) {
            info!("walk: goal reached after {:.0} m", log.distance_m);
        }
        records.write(Record(SessionEvent::walk(&log)));
    }
}

/// The rig stands where the walker is, facing the view's way.
fn carry_rig(walk: Option<Res<Walk>>, mut rigs: Query<(&Rig, &mut Transform)>) {
    let Some(walk) = walk else { return };
    let (at, _) = walk.walker.ground(&walk.route);
    let yaw = walk.walker.view_yaw;
    let bob = if walk.def.head_bob {
        // 1.5 cm at each step, only when asked for.
        0.015
            * (walk.walker.phase as f32 * std::f32::consts::TAU * 2.0)
                .cos()
                .abs()
            * (walk.walker.speed / walk.walker.cruise()).min(1.0)
    } else {
        0.0
    };
    for (rig, mut t) in &mut rigs {
        let rotation = rig.turn(yaw);
        t.translation = Vec3::from(at) + Vec3::Y * bob + rotation * rig.lift;
        t.rotation = rotation;
    }
}
