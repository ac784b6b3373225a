//! `respite bench`: frame-time measurement of every scene next to Bevy's bare 3D scene.
//!
//! Each scene runs in a child process of its own (`respite bench-one`), so each measures its
//! own start-up and none inherits another's caches. A child starts as a session does: the
//! cameras show only the neutral for a few frames (with `--preload`, after the place has
//! been drawn behind it until built). Then the switch to the place, as when a session's
//! place fades in: every frame from the switch until nothing is left compiling is timed,
//! and the longest is the switch hitch. Then the warm-up frames, then `frames` recorded frames: the main world's CPU time
//! (First → Last: all of our systems and Bevy's), and the whole frame (First → next First:
//! main world, render world and, in offscreen mode, the GPU finishing the frame).
//! Head-pose and frame samples are written as in a real session meanwhile.

use crate::display::RenderReadiness;
use crate::environment::LivingMaterial;
use crate::session::PlaceView;
use bevy::app::MainScheduleOrder;
use bevy::ecs::schedule::ScheduleLabel;
use bevy::prelude::*;
use bevy::render::render_resource::PollType;
use bevy::render::renderer::RenderDevice;
use bevy::render::{Render, RenderApp, RenderSystems};
use respite_core::bench::{Summary, fps, ratio};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

/// When the process started: `main` sets it first thing.
pub static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// The name that stands for Bevy's bare 3D scene.
pub const BARE: &str = "bare";

/// The bare scene's spec: only its viewpoint is used (the seated eye, 100° wide).
pub const BARE_SPEC: &str = r##"(
    description: "Bevy's bare 3D scene: one light, one plane, one cube.",
    sky: (zenith: "#6080c0", horizon: "#c0d0e0", sun_elevation_deg: 40.0, sun_azimuth_deg: 180.0,
          sun_color: "#ffffff", sun_lux: 10000.0, ambient: 500.0,
          fog: (color: "#c0d0e0", visibility_m: 500.0)),
    terrain: (size_m: 50.0, resolution: 8, hill_height_m: 0.0, hill_size_m: 50.0,
              flat_radius_m: 0.0, colors: ["#808080"]),
)"##;

/// What one child measures.
#[derive(Resource, Clone, Debug)]
pub struct BenchJob {
    pub frames: u32,
    pub warmup: u32,
    /// Where the child writes its figures (`key<TAB>value` lines).
    pub report: PathBuf,
    /// Per-eye size when rendering offscreen eye views instead of a window.
    pub offscreen_eye: Option<(u32, u32)>,
    /// Whether the place is preloaded behind the neutral before the switch (not in sessions).
    pub preload: bool,
    /// Scene time a frame, when fixed (a headset's frame); `None`: the wall clock.
    pub frame_step_s: Option<f64>,
}

/// Neutral frames between the preload and the switch to the place.
const NEUTRAL_FRAMES: u32 = 5;

/// Where the bench is in its run.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// Preloading the place behind the neutral, then showing the neutral only.
    #[default]
    Neutral,
    /// The place has been switched on; frames are timed until nothing is compiling.
    Switched,
    /// The place is showing and settled: warm-up, then the recorded frames.
    Place,
}

#[derive(Resource, Default)]
struct Clock {
    stage: Stage,
    neutral_frames: u32,
    switched_frames: u32,
    switch_ms: Vec<f64>,
    frame: u64,
    frame_start: Option<Instant>,
    first_frame_s: Option<f64>,
    ready_s: Option<f64>,
    warm: u32,
    measuring: bool,
    cpu_ms: Vec<f64>,
    whole_ms: Vec<f64>,
    written: bool,
    layout: u64,
}

/// A mark run between two of the main schedules: `Lap(i)` runs when the `i`-th has ended.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
struct Lap(usize);

/// The main world's time split by schedule (First, PreUpdate, StateTransition, Update,
/// PostUpdate, Last …): when each ended this frame, and each one's time over the recorded
/// frames. A schedule's time runs from the end of the one before (First's from the bench's
/// own frame start) to its end (Last's to the bench's frame end), so they add up to CPU.
#[derive(Resource, Default)]
struct Laps {
    names: Vec<String>,
    ended: Vec<Option<Instant>>,
    ms: Vec<Vec<f64>>,
}

/// Puts a `Lap` after each of the main schedules but the last, as they stand once every
/// plugin has added its own.
fn add_laps(app: &mut App) {
    let labels = app.world().resource::<MainScheduleOrder>().labels.clone();
    let n = labels.len();
    let mut with_laps = Vec::with_capacity(2 * n);
    for (i, label) in labels.iter().enumerate() {
        with_laps.push(*label);
        if i + 1 < n {
            with_laps.push(Lap(i).intern());
            app.add_systems(Lap(i), move |mut laps: ResMut<Laps>| {
                laps.ended[i] = Some(Instant::now());
            });
        }
    }
    app.world_mut().resource_mut::<MainScheduleOrder>().labels = with_laps;
    app.insert_resource(Laps {
        names: labels.iter().map(|l| format!("{l:?}")).collect(),
        ended: vec![None; n],
        ms: vec![Vec::new(); n],
    });
}

impl Laps {
    /// Adds this frame's split, from the frame's start to its end, and clears the marks.
    fn record(&mut self, start: Instant, end: Instant) {
        let n = self.names.len();
        let mut from = start;
        for i in 0..n {
            let to = if i + 1 == n { Some(end) } else { self.ended[i] };
            if let Some(to) = to {
                self.ms[i].push(to.saturating_duration_since(from).as_secs_f64() * 1000.0);
                from = to;
            }
            self.ended[i] = None;
        }
    }
}

pub(crate) fn plugin(app: &mut App) {
    let preload = app.world().resource::<BenchJob>().preload;
    app.init_resource::<Clock>()
        .insert_resource(if preload {
            PlaceView::preloading(false)
        } else {
            PlaceView::new(false)
        })
        .add_systems(First, frame_start)
        .add_systems(Update, want_place_after_neutral)
        .add_systems(Last, (frame_end, finish).chain());
    add_laps(app);
    let offscreen = app.world().resource::<BenchJob>().offscreen_eye.is_some();
    if offscreen && let Some(render_app) = app.get_sub_app_mut(RenderApp) {
        // No swap chain holds the CPU back: wait for the GPU at the end of every frame, so
        // the whole-frame time includes the GPU's work.
        render_app.add_systems(Render, wait_for_gpu.in_set(RenderSystems::Cleanup));
    }
}

fn want_place_after_neutral(clock: Res<Clock>, mut view: ResMut<PlaceView>) {
    view.wanted = clock.stage != Stage::Neutral;
}

fn wait_for_gpu(device: Res<RenderDevice>) {
    let _ = device.poll(PollType::wait_indefinitely());
}

fn since_start() -> f64 {
    PROCESS_START
        .get()
        .map_or(0.0, |s| s.elapsed().as_secs_f64())
}

fn frame_start(
    mut clock: ResMut<Clock>,
    placed: Query<(&GlobalTransform, &Mesh3d)>,
    meshes: Res<Assets<Mesh>>,
) {
    let now = Instant::now();
    clock.frame += 1;
    // Before anything has moved: animals and clouds still where time 0 puts them.
    if clock.frame == 1 {
        clock.layout = layout_hash(&placed, &meshes);
    }
    // The first frame has been drawn when the second begins.
    if clock.frame == 2 {
        clock.first_frame_s = Some(since_start());
    }
    if let Some(prev) = clock.frame_start {
        let ms = (now - prev).as_secs_f64() * 1000.0;
        if clock.measuring {
            clock.whole_ms.push(ms);
        } else if clock.stage == Stage::Switched {
            clock.switch_ms.push(ms);
        }
    }
    clock.frame_start = Some(now);
}

fn frame_end(
    mut clock: ResMut<Clock>,
    mut laps: ResMut<Laps>,
    job: Res<BenchJob>,
    readiness: Res<RenderReadiness>,
    view: Res<PlaceView>,
) {
    let Some(start) = clock.frame_start else {
        return;
    };
    let end = Instant::now();
    let cpu = (end - start).as_secs_f64() * 1000.0;
    if clock.measuring {
        clock.cpu_ms.push(cpu);
        laps.record(start, end);
        return;
    }
    laps.ended.fill(None);
    match clock.stage {
        Stage::Neutral => {
            if !(view.preloaded() && readiness.is_settled()) {
                return;
            }
            // Preloaded: the place has been built behind the neutral by now.
            if job.preload && clock.ready_s.is_none() {
                clock.ready_s = Some(since_start());
            }
            clock.neutral_frames += 1;
            if clock.neutral_frames >= NEUTRAL_FRAMES {
                clock.stage = Stage::Switched;
            }
        }
        Stage::Switched => {
            clock.switched_frames += 1;
            // Not preloaded: the switch frame's render built the place (pipelines compile
            // before a frame is drawn), and that render is over by the next frame's end.
            if clock.switched_frames == 2 && clock.ready_s.is_none() {
                clock.ready_s = Some(since_start());
            }
            // Long enough for anything the place still needed to be queued and counted.
            if clock.switched_frames > 6 && readiness.is_settled() {
                clock.stage = Stage::Place;
            }
        }
        Stage::Place => {
            clock.warm += 1;
            clock.measuring = clock.warm >= job.warmup;
            #[cfg(feature = "profile")]
            crate::profile::RECORDING.store(clock.measuring, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// A fingerprint of where everything stands: every mesh entity's place, turn and size, and
/// every corner of its mesh (the plants are merged into a few meshes in world space: where
/// each stands is in its corners), to the millimetre, sorted, hashed. Two loads of one
/// scene give the same fingerprint only if they build the same layout. 48 bits, so it
/// survives the report's numbers.
fn layout_hash(placed: &Query<(&GlobalTransform, &Mesh3d)>, meshes: &Assets<Mesh>) -> u64 {
    use bevy::mesh::VertexAttributeValues;
    use std::hash::{Hash, Hasher};
    let q = |v: f32| (f64::from(v) * 1000.0).round() as i64;
    let mut items: Vec<[i64; 11]> = placed
        .iter()
        .map(|(t, mesh)| {
            let (s, r, p) = t.to_scale_rotation_translation();
            let mut corners = std::hash::DefaultHasher::new();
            if let Some(VertexAttributeValues::Float32x3(ps)) = meshes
                .get(&mesh.0)
                .and_then(|m| m.attribute(Mesh::ATTRIBUTE_POSITION))
            {
                for c in ps {
                    c.map(q).hash(&mut corners);
                }
            }
            [
                q(p.x),
                q(p.y),
                q(p.z),
                q(r.x),
                q(r.y),
                q(r.z),
                q(r.w),
                q(s.x),
                q(s.y),
                q(s.z),
                corners.finish() as i64,
            ]
        })
        .collect();
    items.sort_unstable();
    let mut h = std::hash::DefaultHasher::new();
    items.hash(&mut h);
    h.finish() & 0xFFFF_FFFF_FFFF
}

/// Every mesh with what it is drawn with.
type Drawn<'w, 's> = Query<
    'w,
    's,
    (
        &'static Mesh3d,
        &'static ViewVisibility,
        Option<&'static MeshMaterial3d<StandardMaterial>>,
        Option<&'static MeshMaterial3d<LivingMaterial>>,
    ),
>;

/// What is drawn: triangles and distinct mesh × material pairs among visible meshes.
fn drawn(meshes: &Assets<Mesh>, items: &Drawn) -> (u64, usize) {
    let mut triangles = 0u64;
    let mut batches = HashSet::new();
    for (mesh, visible, standard, living) in items {
        if !visible.get() {
            continue;
        }
        if let Some(m) = meshes.get(&mesh.0) {
            let corners = m.indices().map_or(m.count_vertices(), |i| i.len());
            triangles += corners as u64 / 3;
        }
        let material = standard
            .map(|h| h.0.id().untyped())
            .or(living.map(|h| h.0.id().untyped()));
        batches.insert((mesh.0.id(), material));
    }
    (triangles, batches.len())
}

/// The most memory this process has held so far (VmHWM), MiB.
pub fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn finish(
    mut clock: ResMut<Clock>,
    laps: Res<Laps>,
    job: Res<BenchJob>,
    meshes: Res<Assets<Mesh>>,
    items: Drawn,
    entities: Query<Entity>,
    mut exit: MessageWriter<AppExit>,
) {
    if clock.written || clock.cpu_ms.len() < job.frames as usize {
        return;
    }
    clock.written = true;
    let (triangles, batches) = drawn(&meshes, &items);
    let cpu = Summary::of(&clock.cpu_ms);
    let whole = Summary::of(&clock.whole_ms);
    let switch = Summary::of(&clock.switch_ms);
    let mut out = String::new();
    let mut put = |k: &str, v: String| out.push_str(&format!("{k}\t{v}\n"));
    for (name, s) in [("cpu", cpu), ("frame", whole)] {
        put(&format!("{name}_p50_ms"), format!("{:.3}", s.p50));
        put(&format!("{name}_p95_ms"), format!("{:.3}", s.p95));
        put(&format!("{name}_p99_ms"), format!("{:.3}", s.p99));
        put(&format!("{name}_max_ms"), format!("{:.3}", s.max));
        put(&format!("{name}_mean_ms"), format!("{:.3}", s.mean));
    }
    put("frames", format!("{}", cpu.n));
    for (name, ms) in laps.names.iter().zip(&laps.ms) {
        let s = Summary::of(ms);
        put(
            &format!("{SCHEDULE}{name}_mean_ms"),
            format!("{:.3}", s.mean),
        );
        put(&format!("{SCHEDULE}{name}_p99_ms"), format!("{:.3}", s.p99));
    }
    put("switch_max_ms", format!("{:.3}", switch.max));
    put("switch_frames_timed", format!("{}", switch.n));
    put("triangles", format!("{triangles}"));
    put("batches", format!("{batches}"));
    put("entities", format!("{}", entities.iter().count()));
    put("layout_hash", format!("{}", clock.layout));
    put("peak_mib", format!("{:.0}", peak_memory_mib()));
    #[cfg(feature = "profile")]
    {
        crate::profile::RECORDING.store(false, std::sync::atomic::Ordering::Relaxed);
        let frames = cpu.n.max(1) as f64;
        for (key, s, _) in crate::profile::totals() {
            put(
                &format!("{SYSTEM}{key}"),
                format!("{:.4}", s * 1000.0 / frames),
            );
        }
    }
    put(
        "first_frame_s",
        format!("{:.3}", clock.first_frame_s.unwrap_or(f64::NAN)),
    );
    put(
        "ready_s",
        format!("{:.3}", clock.ready_s.unwrap_or(f64::NAN)),
    );
    let code = match std::fs::write(&job.report, out) {
        Ok(()) => AppExit::Success,
        Err(e) => {
            error!("bench: cannot write {}: {e}", job.report.display());
            AppExit::from_code(4)
        }
    };
    exit.write(code);
}

/// Logs, once the scene has settled in a normal run, what it draws: its budget figures.
pub(crate) fn log_budget(
    readiness: Res<RenderReadiness>,
    view: Option<Res<PlaceView>>,
    meshes: Res<Assets<Mesh>>,
    items: Drawn,
    mut done: Local<bool>,
) {
    let place_drawn = view.is_none_or(|v| v.wanted && v.preloaded());
    if *done || !place_drawn || !readiness.is_settled() {
        return;
    }
    *done = true;
    let (triangles, batches) = drawn(&meshes, &items);
    info!(
        "budget: {triangles} triangles and {batches} draw batches in view (targets 500000 and 300)"
    );
}

/// Bevy's bare 3D scene, as in its `3d_scene` example: a plane, a cube, one light.
pub(crate) fn bare_scene(app: &mut App) {
    app.add_systems(
        Startup,
        |mut commands: Commands,
         mut meshes: ResMut<Assets<Mesh>>,
         mut materials: ResMut<Assets<StandardMaterial>>| {
            commands.spawn((
                Mesh3d(meshes.add(Circle::new(4.0))),
                MeshMaterial3d(materials.add(Color::WHITE)),
                Transform::from_rotation(Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
            ));
            commands.spawn((
                Mesh3d(meshes.add(Cuboid::new(1.0, 1.0, 1.0))),
                MeshMaterial3d(materials.add(Color::srgb_u8(124, 144, 255))),
                Transform::from_xyz(0.0, 0.5, -3.0),
            ));
            commands.spawn((
                PointLight {
                    shadow_maps_enabled: true,
                    ..default()
                },
                Transform::from_xyz(4.0, 8.0, 4.0),
            ));
        },
    );
}

/// One scene's figures, as read back from its child.
#[derive(Debug, Clone)]
pub struct Row {
    pub scene: String,
    pub figures: BTreeMap<String, f64>,
}

impl Row {
    pub fn get(&self, key: &str) -> f64 {
        self.figures.get(key).copied().unwrap_or(f64::NAN)
    }

    /// Reads a child's report.
    pub fn read(scene: &str, path: &Path) -> Result<Row, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut figures = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let (k, v) = line
                .split_once('\t')
                .ok_or_else(|| format!("{}:{}: not key<TAB>value", path.display(), n + 1))?;
            let v = v
                .parse::<f64>()
                .map_err(|_| format!("{}:{}: '{v}' is not a number", path.display(), n + 1))?;
            figures.insert(k.to_string(), v);
        }
        Ok(Row {
            scene: scene.to_string(),
            figures,
        })
    }
}

/// The columns of the table and the TSV, in order: (heading, value from a row and the bare
/// scene's row).
pub fn columns() -> Vec<(&'static str, Box<dyn Fn(&Row, &Row) -> f64>)> {
    let key =
        |k: &'static str| -> Box<dyn Fn(&Row, &Row) -> f64> { Box::new(move |r, _| r.get(k)) };
    vec![
        ("cpu_p50_ms", key("cpu_p50_ms")),
        ("cpu_p95_ms", key("cpu_p95_ms")),
        ("cpu_p99_ms", key("cpu_p99_ms")),
        ("cpu_max_ms", key("cpu_max_ms")),
        (
            "cpu_p99_x_bare",
            Box::new(|r, b| ratio(r.get("cpu_p99_ms"), b.get("cpu_p99_ms"))),
        ),
        ("frame_p50_ms", key("frame_p50_ms")),
        ("frame_p95_ms", key("frame_p95_ms")),
        ("frame_p99_ms", key("frame_p99_ms")),
        ("frame_max_ms", key("frame_max_ms")),
        ("fps", Box::new(|r, _| fps(r.get("frame_mean_ms")))),
        (
            "fps_x_bare",
            Box::new(|r, b| ratio(fps(r.get("frame_mean_ms")), fps(b.get("frame_mean_ms")))),
        ),
        ("triangles", key("triangles")),
        ("batches", key("batches")),
        ("entities", key("entities")),
        ("peak_mib", key("peak_mib")),
        ("first_frame_s", key("first_frame_s")),
        ("ready_s", key("ready_s")),
        ("switch_max_ms", key("switch_max_ms")),
        (
            "switch_x_frame",
            Box::new(|r, _| ratio(r.get("switch_max_ms"), r.get("frame_p50_ms"))),
        ),
    ]
}

/// The prefix of a schedule's figures in a child's report (`schedule:Update_mean_ms`).
pub const SCHEDULE: &str = "schedule:";

/// The prefix of a system's figure in a child's report (built with `--features profile`):
/// `system:PostUpdate/bevy_camera::visibility::check_visibility` → its ms a recorded frame.
pub const SYSTEM: &str = "system:";

/// Whether a profiled system ran in the main world (the CPU figure), not the render world.
fn main_world(key: &str) -> bool {
    let schedule = key.split('/').next().unwrap_or("");
    SCHEDULES.contains(&schedule) || schedule.starts_with("Fixed") || schedule.starts_with("Lap")
}

/// With `--features profile`: per scene, the main world's systems that cost it most beyond
/// the bare scene (ms a recorded frame; one the bare scene lacks counts from 0), `top` of
/// them, then all of its systems together (the rest of the CPU figure is the schedules'
/// own work: running the systems, applying their commands, the spans themselves).
pub fn profile_tsv(rows: &[Row], top: usize) -> String {
    let bare = rows.iter().find(|r| r.scene == BARE);
    // The fixed loop's own systems are inside `run_fixed_main_schedule`: counted once.
    let sum = |r: &Row| -> f64 {
        r.figures
            .iter()
            .filter(|(k, _)| {
                k.strip_prefix(SYSTEM)
                    .is_some_and(|n| main_world(n) && !n.starts_with("Fixed"))
            })
            .map(|(_, v)| v)
            .sum()
    };
    let mut out = String::from("scene\tschedule/system\tms_a_frame\tbare_ms\tover_bare_ms\n");
    for r in rows.iter().filter(|r| r.scene != BARE) {
        let mut systems: Vec<(&str, f64, f64)> = r
            .figures
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix(SYSTEM).filter(|n| main_world(n))?;
                let b = bare.and_then(|b| b.figures.get(k).copied()).unwrap_or(0.0);
                Some((name, *v, b))
            })
            .collect();
        systems.sort_by(|a, b| (b.1 - b.2).total_cmp(&(a.1 - a.2)).then(a.0.cmp(b.0)));
        for (name, ms, b) in systems.into_iter().take(top) {
            out.push_str(&format!(
                "{}\t{name}\t{ms:.3}\t{b:.3}\t{:+.3}\n",
                r.scene,
                ms - b
            ));
        }
        let (all, b) = (sum(r), bare.map_or(0.0, sum));
        let cpu = |r: &Row| r.get("cpu_mean_ms");
        out.push_str(&format!(
            "{}\tall main-world systems (CPU mean {:.3}, bare {:.3})\t{all:.3}\t{b:.3}\t{:+.3}\n",
            r.scene,
            cpu(r),
            bare.map_or(f64::NAN, cpu),
            all - b
        ));
    }
    out
}

/// The main schedules in the order Bevy runs them; any other a child reports comes after.
const SCHEDULES: [&str; 8] = [
    "First",
    "PreUpdate",
    "StateTransition",
    "RunFixedMainLoop",
    "Update",
    "SpawnScene",
    "PostUpdate",
    "Last",
];

/// Where the main world's time goes: per scene, each schedule's mean and p99 ms, and its
/// mean beyond the bare scene's (`+ms`), so the table names what a scene adds and where.
pub fn schedule_tsv(rows: &[Row]) -> String {
    let mut names: Vec<String> = SCHEDULES.iter().map(|s| s.to_string()).collect();
    for r in rows {
        for k in r.figures.keys() {
            if let Some(n) = k
                .strip_prefix(SCHEDULE)
                .and_then(|k| k.strip_suffix("_mean_ms"))
                && !names.iter().any(|x| x == n)
            {
                names.push(n.to_string());
            }
        }
    }
    let mean = |r: &Row, n: &str| r.get(&format!("{SCHEDULE}{n}_mean_ms"));
    names.retain(|n| rows.iter().any(|r| !mean(r, n).is_nan()));
    let bare = rows.iter().find(|r| r.scene == BARE);
    let mut out = String::from("scene");
    for n in &names {
        out.push_str(&format!("\t{n}_mean_ms\t{n}_p99_ms\t{n}_over_bare_ms"));
    }
    out.push('\n');
    for r in rows {
        out.push_str(&r.scene);
        for n in &names {
            let over = bare.map_or(f64::NAN, |b| mean(r, n) - mean(b, n));
            let p99 = r.get(&format!("{SCHEDULE}{n}_p99_ms"));
            out.push_str(&format!("\t{:.3}\t{p99:.3}\t{over:+.3}", mean(r, n)));
        }
        out.push('\n');
    }
    out
}

/// The results as a TSV: a header, then one row per scene, the bare scene first.
pub fn tsv(rows: &[Row]) -> String {
    let cols = columns();
    let bare = rows
        .iter()
        .find(|r| r.scene == BARE)
        .cloned()
        .unwrap_or(Row {
            scene: BARE.into(),
            figures: BTreeMap::new(),
        });
    let mut out = String::from("scene");
    for (h, _) in &cols {
        out.push('\t');
        out.push_str(h);
    }
    out.push('\n');
    for r in rows {
        out.push_str(&r.scene);
        for (_, f) in &cols {
            let v = f(r, &bare);
            out.push('\t');
            out.push_str(&if v.fract() == 0.0 && v.abs() < 1e12 {
                format!("{v:.0}")
            } else {
                format!("{v:.3}")
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scene: &str, figures: &[(&str, f64)]) -> Row {
        Row {
            scene: scene.into(),
            figures: figures.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    /// The table a script compares: ratios to the bare scene of the same run, and the
    /// switch hitch in the scene's own frames.
    #[test]
    fn the_table_gives_ratios_to_the_bare_scene_and_the_hitch_in_frames() {
        let bare = row(
            BARE,
            &[
                ("cpu_p99_ms", 2.0),
                ("frame_mean_ms", 10.0),
                ("frame_p50_ms", 10.0),
            ],
        );
        let glade = row(
            "glade",
            &[
                ("cpu_p99_ms", 3.0),
                ("frame_mean_ms", 40.0),
                ("frame_p50_ms", 25.0),
                ("switch_max_ms", 75.0),
                ("triangles", 1234.0),
            ],
        );
        let table = tsv(&[bare, glade]);
        let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(lines.len(), 3);
        let col = |name: &str| lines[0].iter().position(|h| *h == name).unwrap();
        assert_eq!(lines[1][0], BARE);
        assert_eq!(lines[2][0], "glade");
        assert_eq!(lines[2][col("cpu_p99_x_bare")], "1.500");
        assert_eq!(lines[2][col("fps")], "25");
        assert_eq!(lines[2][col("fps_x_bare")], "0.250");
        assert_eq!(lines[2][col("switch_x_frame")], "3");
        assert_eq!(lines[2][col("triangles")], "1234");
        // A figure the child did not report is NaN, never a made-up zero.
        assert_eq!(lines[1][col("switch_x_frame")], "NaN");
        assert_eq!(lines[1][col("cpu_p99_x_bare")], "1");
    }

    /// The profile table: main-world systems only, the costliest beyond the bare scene
    /// first, and all of them together.
    #[test]
    fn the_profile_names_the_main_worlds_costliest_systems() {
        let k = |n: &str| format!("{SYSTEM}{n}");
        let bare = row(
            BARE,
            &[
                (&k("PostUpdate/check_visibility"), 0.25),
                (&k("Render/render_system"), 40.0),
                ("cpu_mean_ms", 1.0),
            ],
        );
        let glade = row(
            "glade",
            &[
                (&k("PostUpdate/check_visibility"), 0.5),
                (&k("Update/fly"), 0.125),
                (&k("Render/render_system"), 500.0),
                ("cpu_mean_ms", 2.0),
            ],
        );
        let table = profile_tsv(&[bare, glade], 5);
        let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert_eq!(
            lines[1],
            [
                "glade",
                "PostUpdate/check_visibility",
                "0.500",
                "0.250",
                "+0.250"
            ]
        );
        assert_eq!(
            lines[2],
            ["glade", "Update/fly", "0.125", "0.000", "+0.125"]
        );
        assert_eq!(
            lines[3][1],
            "all main-world systems (CPU mean 2.000, bare 1.000)"
        );
        assert_eq!(lines[3][2..], ["0.625", "0.250", "+0.375"]);
    }

    /// The schedule table: Bevy's order, only schedules someone reported, and each one's
    /// mean beyond the bare scene's.
    #[test]
    fn the_schedule_table_names_what_a_scene_adds_and_where() {
        let s = |k: &str| format!("{SCHEDULE}{k}");
        let bare = row(
            BARE,
            &[
                (&s("Update_mean_ms"), 0.25),
                (&s("Update_p99_ms"), 0.5),
                (&s("First_mean_ms"), 0.125),
            ],
        );
        let glade = row(
            "glade",
            &[
                (&s("PostUpdate_mean_ms"), 0.5),
                (&s("Update_mean_ms"), 1.0),
                (&s("Update_p99_ms"), 2.0),
                (&s("First_mean_ms"), 0.125),
            ],
        );
        let table = schedule_tsv(&[bare, glade]);
        let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(
            lines[0],
            [
                "scene",
                "First_mean_ms",
                "First_p99_ms",
                "First_over_bare_ms",
                "Update_mean_ms",
                "Update_p99_ms",
                "Update_over_bare_ms",
                "PostUpdate_mean_ms",
                "PostUpdate_p99_ms",
                "PostUpdate_over_bare_ms",
            ]
        );
        assert_eq!(lines[2][4..7], ["1.000", "2.000", "+0.750"]);
        assert_eq!(lines[2][1..4], ["0.125", "NaN", "+0.000"]);
        // The bare scene reported no PostUpdate: what the glade adds there is unknown.
        assert_eq!(lines[2][9], "NaN");
    }
}
