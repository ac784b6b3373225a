//! The scene spec: one RON file under `scenes/` describes one place. Types here are plain
//! data with documented fields and their defaults; `validate` checks every range a person
//! could get wrong and reports each problem at its line and column.
//!
//! The type is `SceneDef`, not `Scene`: Bevy already uses that name.

use crate::check::Checker;
use crate::color::Rgb;
use crate::error::SpecErrors;
use crate::locate::FieldPath;
use serde::Deserialize;
use std::path::Path;

/// A place: what the patient sees around them, built from blocks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneDef {
    /// One line shown by `respite scenes` and on the therapist's screen.
    pub description: String,
    /// Seed for every random choice in this scene (placement, terrain, later life and sound).
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub viewpoint: Viewpoint,
    pub sky: Sky,
    pub terrain: Terrain,
    /// Trees, bushes, rocks, flowers and grass, scattered by seeded rules.
    #[serde(default)]
    pub vegetation: Vec<Scatter>,
    /// Clouds drifting slowly across the sky.
    #[serde(default)]
    pub clouds: Option<Clouds>,
    /// Gentle animal life: butterflies in the clearing, birds gliding far off.
    #[serde(default)]
    pub fauna: Vec<Fauna>,
    /// What the place sounds like. A scene without one is silent.
    #[serde(default)]
    pub soundscape: Option<Soundscape>,
    /// The sea, a lake or a stream: one body of water, carved into the ground.
    #[serde(default)]
    pub water: Option<Water>,
    /// Small drifting things: pollen, fireflies, falling leaves, snow, mist.
    #[serde(default)]
    pub particles: Vec<Particles>,
    /// The breeze that sways the plants.
    #[serde(default)]
    pub wind: Wind,
    /// A small fire near the seat, with its warm light.
    #[serde(default)]
    pub campfire: Option<Campfire>,
    /// A path to walk along, seeing one's own legs walk (a walking scene).
    #[serde(default)]
    pub walk: Option<crate::walk::WalkDef>,
}

pub use crate::water::{Water, WaterShape};

/// A field of small drifting things around the seat.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Particles {
    pub kind: ParticleKind,
    /// How many (1–20 000), all drawn in one call.
    pub count: u32,
    /// They keep beyond this distance from the viewer's head, and within the outer, metres.
    pub inner_radius_m: f32,
    pub outer_radius_m: f32,
    /// Lowest and highest, metres above the seat's ground.
    pub height_m: (f32, f32),
    /// Size of one, metres (0.005–20).
    pub size_m: f32,
    /// How fast they drift or fall, metres per second (0–3).
    pub speed_m_s: f32,
    /// Colours, one picked per particle (1–8).
    pub colors: Vec<Rgb>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ParticleKind {
    /// Specks that float and wander slowly in the light.
    Pollen,
    /// Glow softly on and off, each on its own slow rhythm (4–8 s).
    Fireflies,
    /// Drift down turning, then start again high up.
    Leaves,
    /// Fall straight and soft, swaying a little.
    Snow,
    /// Wide, faint veils that drift along the ground.
    Mist,
}

/// The breeze in the plants. Calm by default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Wind {
    /// 0 still air, 1 a fresh breeze (0–1).
    pub strength: f32,
    /// Where it blows towards: 0 = north, 90 = east, degrees.
    pub toward_deg: f32,
}

impl Default for Wind {
    fn default() -> Self {
        Self {
            strength: 0.3,
            toward_deg: 90.0,
        }
    }
}

/// A campfire: logs in a ring of stones, low flames and the warm light they cast.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campfire {
    /// Where it burns (x, z), metres from the seat: at least 2.5 m away.
    pub position: (f32, f32),
    /// Light of the fire, lumens (0–100 000).
    pub lumens: f32,
    pub flame_color: Rgb,
}

/// Clouds: low-poly puffs at one altitude, drifting with the wind, fading in and out at the
/// far edges of their field rather than appearing or vanishing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clouds {
    /// How many (0–200).
    pub count: u32,
    /// Height above the viewer, metres (60–800).
    pub altitude_m: f32,
    /// Half-width of the square they drift through, metres (100–900).
    pub spread_m: f32,
    /// Drift speed, metres per second (0–15): slow enough to notice only over minutes.
    pub drift_m_s: f32,
    /// Where they drift towards: 0 = north, 90 = east, degrees.
    #[serde(default)]
    pub drift_toward_deg: f32,
    /// Length of the smallest and largest cloud, metres (5–400).
    pub size_m: (f32, f32),
    pub color: Rgb,
}

/// A kind of animal and how many, moving on smooth seeded paths that never come near the
/// viewer's head.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fauna {
    pub kind: FaunaKind,
    /// How many (0–200).
    pub count: u32,
    /// Their paths stay beyond this distance from the viewer, metres (at least 1.5).
    pub inner_radius_m: f32,
    /// …and within this one, metres.
    pub outer_radius_m: f32,
    /// Lowest and highest flight above the ground at the viewer, metres.
    pub height_m: (f32, f32),
    /// Typical speed, metres per second (butterflies about 1, gliding birds about 8).
    pub speed_m_s: f32,
    /// Wing colours, one picked per animal (1–8).
    pub colors: Vec<Rgb>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum FaunaKind {
    /// Meanders in loops near the ground, wings beating.
    Butterfly,
    /// Glides in wide circles far off, a slow wingbeat now and then.
    Bird,
    /// A fish rising: rings spreading slowly on the water, each spot every 6–14 s. Placed
    /// on the water only; `height_m` and `speed_m_s` are unused.
    FishRings,
}

/// The sound of a place: beds that fill the air, and emitters that sit somewhere in it.
/// All levels are what a listener hears at the viewer's seat, in dB.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Soundscape {
    /// Level of the whole mix at the seat, dBFS RMS (−70 to −6; default −24).
    #[serde(default = "Soundscape::default_master")]
    pub master_db: f32,
    /// How loud the mix plays: `Fixed` at `master_db`, or `AboveAmbient(db: 5.0)`: that
    /// many dB above the room's noise, given at run time with the headphones' calibration.
    #[serde(default)]
    pub level_mode: LevelMode,
    /// Sounds all around (wind, rain, a drone), not from any one place.
    #[serde(default)]
    pub beds: Vec<Bed>,
    /// Sounds from a place in the scene (the stream, the fire), panned as the head turns.
    #[serde(default)]
    pub emitters: Vec<Emitter>,
}

impl Soundscape {
    fn default_master() -> f32 {
        -24.0
    }
}

/// How the soundscape's loudness is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
pub enum LevelMode {
    /// Play at `master_db`.
    #[default]
    Fixed,
    /// Play `db` above the room's ambient level (Zhou et al. 2022: about 5 dB above
    /// ambient was analgesic, louder was not).
    AboveAmbient { db: f32 },
}

/// A sound that fills the air around the listener.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bed {
    pub sound: SoundKind,
    /// Level relative to the mix, dB (−60 to 0).
    pub level_db: f32,
    /// The kind's one knob, 0–1 (default 0.5): see [`SoundKind`].
    #[serde(default = "half")]
    pub character: f32,
}

/// A sound from one place in the scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emitter {
    pub sound: SoundKind,
    /// Level at the seat, relative to the mix, dB (−60 to 0). Nearer or further from the
    /// seat it is louder or softer by distance.
    pub level_db: f32,
    /// Where it is, metres (x east, y up, z south; the viewer sits at the origin).
    pub position: (f32, f32, f32),
    #[serde(default = "half")]
    pub character: f32,
}

fn half() -> f32 {
    0.5
}

/// The sound makers. `character` means, for each: Waves, swell size; Wind, gustiness;
/// Stream, flow; Rain, density; Birdsong, how many birds and how often they sing; Crickets,
/// how many; Campfire, crackle; Gulls, how often; Drone, brightness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SoundKind {
    Waves,
    Wind,
    Stream,
    Rain,
    Birdsong,
    Crickets,
    Campfire,
    Gulls,
    Drone,
}

impl SoundKind {
    pub const ALL: [SoundKind; 9] = [
        SoundKind::Waves,
        SoundKind::Wind,
        SoundKind::Stream,
        SoundKind::Rain,
        SoundKind::Birdsong,
        SoundKind::Crickets,
        SoundKind::Campfire,
        SoundKind::Gulls,
        SoundKind::Drone,
    ];
}

/// Where the seated viewer's eyes are. The viewer sits at the origin of the scene.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Viewpoint {
    /// Seated eye height above the ground, metres (0.8–1.6; default 1.2).
    pub eye_height_m: f32,
    /// Which way the viewer faces: 0 = north (−Z), 90 = east (+X), degrees.
    pub yaw_deg: f32,
    /// Gaze tilt of the screen camera, degrees (−70–15; negative looks down: walking
    /// scenes look down far enough to see the legs). A headset ignores this: the
    /// patient's head decides.
    pub pitch_deg: f32,
    /// Horizontal field of view of the screen camera, degrees (60–120; default 100, a
    /// headset's). The vertical follows from the window's shape.
    pub fov_deg: f32,
    /// How far behind the body the eyes are, metres: 0 for the patient's own eyes; set by
    /// a walk's third-person view, never by the file.
    #[serde(skip)]
    pub behind_m: f32,
    /// How far to the walker's right the eyes are, looking at the walker from the side,
    /// metres: set by a walk's side view (pictures), never by the file.
    #[serde(skip)]
    pub side_m: f32,
}

impl Default for Viewpoint {
    fn default() -> Self {
        Self {
            eye_height_m: 1.2,
            yaw_deg: 0.0,
            pitch_deg: 0.0,
            fov_deg: 100.0,
            behind_m: 0.0,
            side_m: 0.0,
        }
    }
}

/// Sky, sun and air.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sky {
    /// Colour straight up.
    pub zenith: Rgb,
    /// Colour at the horizon; the sky blends from this to `zenith`.
    pub horizon: Rgb,
    /// Sun height above the horizon, degrees (−10–90; below 0 is dusk).
    pub sun_elevation_deg: f32,
    /// Sun direction: 0 = north, 90 = east, degrees.
    pub sun_azimuth_deg: f32,
    pub sun_color: Rgb,
    /// Sunlight on the ground, lux (0–120 000).
    pub sun_lux: f32,
    /// Light from the whole sky on shaded sides, in Bevy's ambient units (0–5 000).
    pub ambient: f32,
    #[serde(default = "Sky::default_ambient_color")]
    pub ambient_color: Rgb,
    pub fog: Fog,
    /// A night sky: stars, the moon where the `sun_*` fields place the main light, and an
    /// optional aurora. Without it, the sun shows in the sky.
    #[serde(default)]
    pub night: Option<Night>,
}

/// The night sky.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Night {
    /// How many stars (0–8 000).
    pub stars: u32,
    pub moon_color: Rgb,
    /// Curtains of light in the north that shift slowly (their bands take 20 s and more).
    #[serde(default)]
    pub aurora: Option<Aurora>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aurora {
    /// Colour at the curtains' foot and at their top.
    pub low: Rgb,
    pub high: Rgb,
    /// Where they hang: 0 = north, 90 = east, degrees.
    pub toward_deg: f32,
    /// How bright, 0–1.
    pub brightness: f32,
}

impl Sky {
    fn default_ambient_color() -> Rgb {
        Rgb([0xd8, 0xe4, 0xf0])
    }
}

/// Distance fog: what gives a place depth and hides the edge of the world.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fog {
    pub color: Rgb,
    /// Distance at which things fade almost fully into the fog, metres (20–2 000).
    pub visibility_m: f32,
}

/// The ground: gentle seeded hills, flat where the viewer sits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terrain {
    /// Edge length of the square of ground around the viewer, metres (50–2 000).
    pub size_m: f32,
    /// Grid cells along one edge (8–400). More cells, smoother hills, more triangles.
    pub resolution: u32,
    /// Height of the rolling hills, metres (0–100).
    pub hill_height_m: f32,
    /// Typical width of a hill, metres (5–1 000).
    pub hill_size_m: f32,
    /// A rise of the ground towards the edge that closes the view, metres (0–200).
    #[serde(default)]
    pub rim_height_m: f32,
    /// Radius around the viewer kept level, metres (0–100).
    pub flat_radius_m: f32,
    /// Ground colours, mixed in patches (1–8 colours).
    pub colors: Vec<Rgb>,
    /// Ridged mountains rising towards the edge, metres (0–400).
    #[serde(default)]
    pub mountain_height_m: f32,
    /// Ground above this height turns to snow, metres.
    #[serde(default)]
    pub snow_above_m: Option<f32>,
}

/// One seeded scatter rule: `count` items of one kind in a ring around the viewer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scatter {
    pub kind: PlantKind,
    /// How many (0–20 000). Drawn with shared meshes, so thousands stay cheap.
    pub count: u32,
    /// Nothing of this kind closer to the viewer than this, metres.
    pub inner_radius_m: f32,
    /// Nothing further than this, metres.
    pub outer_radius_m: f32,
    /// Height of the smallest and largest item, metres (0.02–60).
    pub height_m: (f32, f32),
    /// Minimum gap between two items of this rule, metres (default 0: no check).
    #[serde(default)]
    pub spacing_m: f32,
    /// Main colours (foliage, petals, stone), one picked per item (1–8).
    pub colors: Vec<Rgb>,
    /// Trunk or stem colour.
    #[serde(default = "Scatter::default_trunk")]
    pub trunk_color: Rgb,
}

impl Scatter {
    fn default_trunk() -> Rgb {
        Rgb([0x5a, 0x43, 0x30])
    }
}

/// The kinds of thing a scatter rule places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PlantKind {
    /// A pine or spruce: stacked cones on a trunk.
    Conifer,
    /// A birch or oak: a rounded crown of clumps on a trunk.
    Broadleaf,
    /// A low round bush.
    Bush,
    /// A weathered stone.
    Rock,
    /// A small flower on a stem.
    Flower,
    /// A tuft of grass blades.
    GrassTuft,
}

impl SceneDef {
    /// Parses and validates one scene file's text. `file` is only used in messages.
    pub fn parse(file: &Path, src: &str) -> Result<SceneDef, SpecErrors> {
        // Optional blocks are written plainly (`soundscape: (…)`), not as `Some((…))`.
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let def: SceneDef = options
            .from_str(src)
            .map_err(|e| crate::error::ron_error(file, &e))?;
        def.validate(file, src)?;
        Ok(def)
    }

    /// Reads, parses and validates one scene file.
    pub fn load(file: &Path) -> Result<SceneDef, SpecErrors> {
        Self::parse(file, &crate::error::read_spec(file)?)
    }

    fn validate(&self, file: &Path, src: &str) -> Result<(), SpecErrors> {
        let mut c = Checker::new(file, src);
        let root = FieldPath::default();

        let description = self.description.trim();
        if description.is_empty() || description.contains('\n') || description.len() > 160 {
            c.fail(
                &root.field("description"),
                "must be one line of 1 to 160 characters".into(),
            );
        }

        let v = root.field("viewpoint");
        c.range(
            &v.field("eye_height_m"),
            self.viewpoint.eye_height_m,
            0.8..=1.6,
            " m",
        );
        c.range(
            &v.field("yaw_deg"),
            self.viewpoint.yaw_deg,
            -360.0..=360.0,
            "°",
        );
        c.range(
            &v.field("pitch_deg"),
            self.viewpoint.pitch_deg,
            -70.0..=15.0,
            "°",
        );
        c.range(
            &v.field("fov_deg"),
            self.viewpoint.fov_deg,
            60.0..=120.0,
            "°",
        );

        let s = root.field("sky");
        c.range(
            &s.field("sun_elevation_deg"),
            self.sky.sun_elevation_deg,
            -10.0..=90.0,
            "°",
        );
        c.range(
            &s.field("sun_azimuth_deg"),
            self.sky.sun_azimuth_deg,
            -360.0..=360.0,
            "°",
        );
        c.range(
            &s.field("sun_lux"),
            self.sky.sun_lux,
            0.0..=120_000.0,
            " lux",
        );
        c.range(&s.field("ambient"), self.sky.ambient, 0.0..=5_000.0, "");
        c.range(
            &s.field("fog").field("visibility_m"),
            self.sky.fog.visibility_m,
            20.0..=2_000.0,
            " m",
        );

        let t = root.field("terrain");
        let terrain = &self.terrain;
        c.range(&t.field("size_m"), terrain.size_m, 50.0..=2_000.0, " m");
        c.count(
            &t.field("resolution"),
            terrain.resolution as usize,
            8..=400,
            "cells",
        );
        c.range(
            &t.field("hill_height_m"),
            terrain.hill_height_m,
            0.0..=100.0,
            " m",
        );
        c.range(
            &t.field("hill_size_m"),
            terrain.hill_size_m,
            5.0..=1_000.0,
            " m",
        );
        c.range(
            &t.field("rim_height_m"),
            terrain.rim_height_m,
            0.0..=200.0,
            " m",
        );
        c.range(
            &t.field("flat_radius_m"),
            terrain.flat_radius_m,
            0.0..=100.0,
            " m",
        );
        c.count(&t.field("colors"), terrain.colors.len(), 1..=8, "colours");

        // How many blocks of each kind: enough for any place, few enough to draw.
        for (field, len, most) in [
            ("vegetation", self.vegetation.len(), 32),
            ("fauna", self.fauna.len(), 16),
            ("particles", self.particles.len(), 16),
        ] {
            c.count(&root.field(field), len, 0..=most, "blocks");
        }
        let half = self.half_size();
        for (i, rule) in self.vegetation.iter().enumerate() {
            let r = root.field("vegetation").index(i);
            c.count(&r.field("count"), rule.count as usize, 0..=20_000, "items");
            c.range(
                &r.field("inner_radius_m"),
                rule.inner_radius_m,
                0.0..=half,
                " m (half the terrain)",
            );
            c.range(
                &r.field("outer_radius_m"),
                rule.outer_radius_m,
                0.0..=half,
                " m (half the terrain)",
            );
            if rule.inner_radius_m >= rule.outer_radius_m {
                c.fail(
                    &r.field("outer_radius_m"),
                    format!(
                        "must be larger than inner_radius_m ({}), found {}",
                        rule.inner_radius_m, rule.outer_radius_m
                    ),
                );
            }
            c.pair(&r.field("height_m"), rule.height_m, 0.02..=60.0, " m");
            c.range(&r.field("spacing_m"), rule.spacing_m, 0.0..=50.0, " m");
            c.count(&r.field("colors"), rule.colors.len(), 1..=8, "colours");
        }

        if let Some(clouds) = &self.clouds {
            let a = root.field("clouds");
            c.count(&a.field("count"), clouds.count as usize, 0..=200, "clouds");
            c.range(
                &a.field("altitude_m"),
                clouds.altitude_m,
                60.0..=800.0,
                " m",
            );
            c.range(&a.field("spread_m"), clouds.spread_m, 100.0..=900.0, " m");
            c.range(&a.field("drift_m_s"), clouds.drift_m_s, 0.0..=15.0, " m/s");
            c.angle(&a.field("drift_toward_deg"), clouds.drift_toward_deg);
            c.pair(&a.field("size_m"), clouds.size_m, 5.0..=400.0, " m");
            let hi = clouds.size_m.1;
            // The field's far corner, plus half a cloud, must stay inside the sky dome.
            let reach =
                (2.0 * clouds.spread_m.powi(2) + clouds.altitude_m.powi(2)).sqrt() + hi / 2.0;
            if reach > 880.0 {
                c.fail(
                    &a.field("spread_m"),
                    format!("clouds would reach {reach:.0} m away, past the sky (880 m): lower spread_m or altitude_m"),
                );
            }
        }
        for (i, f) in self.fauna.iter().enumerate() {
            let a = root.field("fauna").index(i);
            c.count(&a.field("count"), f.count as usize, 0..=200, "animals");
            c.range(
                &a.field("inner_radius_m"),
                f.inner_radius_m,
                1.5..=2_000.0,
                " m",
            );
            c.range(
                &a.field("outer_radius_m"),
                f.outer_radius_m,
                finite_or(f.inner_radius_m + 1.0, 2.5)..=2_000.0,
                " m (1 m beyond inner_radius_m)",
            );
            c.pair(&a.field("height_m"), f.height_m, 0.2..=300.0, " m");
            c.range(&a.field("speed_m_s"), f.speed_m_s, 0.1..=20.0, " m/s");
            c.count(&a.field("colors"), f.colors.len(), 1..=8, "colours");
        }

        self.validate_blocks(&mut c, &root);
        if let Some(walk) = &self.walk {
            let w = root.field("walk");
            walk.validate(&mut c, &w, half);
            if let (Some(water), true) = (&self.water, c.is_clean()) {
                let spline = walk.spline();
                let dry = walk.width_m / 2.0 + 1.0;
                let wet = (0..=(spline.length() / 2.0) as usize)
                    .map(|k| k as f32 * 2.0)
                    .find(|&s| {
                        let p = spline.at(s);
                        crate::water::reach(water, p.x, p.z) > -dry
                    });
                if let Some(s) = wet {
                    c.fail(
                        &w.field("path")
                            .field("points")
                            .index(spline.control_point_near(s)),
                        format!(
                            "the path runs within {dry} m of the water {s:.0} m along; \
                             keep it on dry ground"
                        ),
                    );
                }
            }
        }

        if let Some(sound) = &self.soundscape {
            let a = root.field("soundscape");
            c.count(&a.field("beds"), sound.beds.len(), 0..=16, "beds");
            c.count(
                &a.field("emitters"),
                sound.emitters.len(),
                0..=32,
                "emitters",
            );
            c.range(
                &a.field("master_db"),
                sound.master_db,
                -70.0..=-6.0,
                " dBFS",
            );
            if let LevelMode::AboveAmbient { db } = sound.level_mode {
                c.range(&a.field("level_mode").field("db"), db, 0.0..=20.0, " dB");
            }
            for (i, bed) in sound.beds.iter().enumerate() {
                let b = a.field("beds").index(i);
                c.range(&b.field("level_db"), bed.level_db, -60.0..=0.0, " dB");
                c.range(&b.field("character"), bed.character, 0.0..=1.0, "");
            }
            for (i, e) in sound.emitters.iter().enumerate() {
                let b = a.field("emitters").index(i);
                c.range(&b.field("level_db"), e.level_db, -60.0..=0.0, " dB");
                c.range(&b.field("character"), e.character, 0.0..=1.0, "");
                let (x, y, z) = e.position;
                let d = (x * x + y * y + z * z).sqrt();
                c.range(&b.field("position"), d, 1.0..=500.0, " m from the seat");
            }
            if sound.beds.is_empty() && sound.emitters.is_empty() {
                c.fail(&a, "needs at least one bed or emitter".into());
            }
        }

        c.finish()
    }
}

/// `v`, or `fallback` where `v` is NaN or infinite: a limit that follows another field
/// stays a number when that field is itself wrong (and reported).
fn finite_or(v: f32, fallback: f32) -> f32 {
    if v.is_finite() { v } else { fallback }
}

impl SceneDef {
    /// Half the terrain's edge, metres: how far from the seat anything may be placed. When
    /// the size itself is wrong (and reported), the largest allowed terrain's.
    fn half_size(&self) -> f32 {
        let size = self.terrain.size_m;
        if (50.0..=2_000.0).contains(&size) {
            size / 2.0
        } else {
            1_000.0
        }
    }

    /// Water, particles, wind, fire, night sky and mountains.
    fn validate_blocks(&self, c: &mut Checker, root: &FieldPath) {
        let t = root.field("terrain");
        c.range(
            &t.field("mountain_height_m"),
            self.terrain.mountain_height_m,
            0.0..=400.0,
            " m",
        );
        if let Some(snow) = self.terrain.snow_above_m {
            c.range(&t.field("snow_above_m"), snow, -10.0..=500.0, " m");
        }
        if let Some(night) = &self.sky.night {
            let n = root.field("sky").field("night");
            c.count(&n.field("stars"), night.stars as usize, 0..=8_000, "stars");
            if let Some(aurora) = &night.aurora {
                c.angle(&n.field("aurora").field("toward_deg"), aurora.toward_deg);
                c.range(
                    &n.field("aurora").field("brightness"),
                    aurora.brightness,
                    0.0..=1.0,
                    "",
                );
            }
        }
        if let Some(water) = &self.water {
            let w = root.field("water");
            c.range(&w.field("level_m"), water.level_m, -20.0..=-0.1, " m");
            c.range(&w.field("depth_m"), water.depth_m, 0.3..=60.0, " m");
            c.range(&w.field("bank_m"), water.bank_m, 0.5..=80.0, " m");
            c.range(
                &w.field("wave_height_m"),
                water.wave_height_m,
                0.0..=1.5,
                " m",
            );
            c.range(
                &w.field("wave_length_m"),
                water.wave_length_m,
                1.0..=60.0,
                " m",
            );
            c.angle(&w.field("wave_toward_deg"), water.wave_toward_deg);
            c.range(&w.field("mirror"), water.mirror, 0.0..=1.0, "");
            let shape = w.field("shape");
            let half = self.half_size();
            match &water.shape {
                WaterShape::Ocean {
                    toward_deg,
                    shore_m,
                } => {
                    c.angle(&shape.field("toward_deg"), *toward_deg);
                    c.range(&shape.field("shore_m"), *shore_m, 3.0..=500.0, " m");
                }
                WaterShape::Lake { center, radius_m } => {
                    c.ground_point(&shape.field("center"), *center, half);
                    c.range(&shape.field("radius_m"), *radius_m, 2.0..=900.0, " m");
                }
                WaterShape::Stream { points, width_m } => {
                    c.count(&shape.field("points"), points.len(), 2..=64, "points");
                    for (i, p) in points.iter().enumerate().take(64) {
                        c.ground_point(&shape.field("points").index(i), *p, half);
                    }
                    c.range(&shape.field("width_m"), *width_m, 0.3..=40.0, " m");
                }
            }
            // The seat stays on dry ground, with a margin for the bank.
            let wet = crate::water::reach(water, 0.0, 0.0) + water.bank_m;
            if wet > -1.0 {
                c.fail(
                    &shape,
                    format!(
                        "the water and its bank come within {:.1} m of the seat: keep them at least 1 m away",
                        -wet
                    ),
                );
            }
        }
        for (i, p) in self.particles.iter().enumerate() {
            let a = root.field("particles").index(i);
            c.count(&a.field("count"), p.count as usize, 1..=20_000, "particles");
            c.range(
                &a.field("inner_radius_m"),
                p.inner_radius_m,
                1.5..=500.0,
                " m (nothing nearer the head than 1.5 m)",
            );
            c.range(
                &a.field("outer_radius_m"),
                p.outer_radius_m,
                finite_or(p.inner_radius_m + 0.5, 2.0)..=800.0,
                " m (0.5 m beyond inner_radius_m)",
            );
            c.pair(&a.field("height_m"), p.height_m, -5.0..=300.0, " m");
            c.range(&a.field("size_m"), p.size_m, 0.005..=20.0, " m");
            c.range(&a.field("speed_m_s"), p.speed_m_s, 0.0..=3.0, " m/s");
            c.count(&a.field("colors"), p.colors.len(), 1..=8, "colours");
        }
        c.range(
            &root.field("wind").field("strength"),
            self.wind.strength,
            0.0..=1.0,
            "",
        );
        c.angle(
            &root.field("wind").field("toward_deg"),
            self.wind.toward_deg,
        );
        if let Some(fire) = &self.campfire {
            let f = root.field("campfire");
            let (x, z) = fire.position;
            c.ground_point(&f.field("position"), fire.position, self.half_size());
            if x.is_finite() && z.is_finite() && (x * x + z * z).sqrt() < 2.5 {
                c.fail(
                    &f.field("position"),
                    format!("must be at least 2.5 m from the seat, found ({x}, {z})"),
                );
            }
            c.range(&f.field("lumens"), fire.lumens, 0.0..=100_000.0, " lm");
        }
        for (i, f) in self.fauna.iter().enumerate() {
            if f.kind == FaunaKind::FishRings && self.water.is_none() {
                c.fail(
                    &root.field("fauna").index(i).field("kind"),
                    "FishRings need water in the scene".into(),
                );
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::SpecError;

    pub(crate) const GOOD: &str = r##"(
    description: "A test clearing.",
    seed: 3,
    viewpoint: (eye_height_m: 1.2),
    sky: (
        zenith: "#4a7fc1", horizon: "#cfe0ea",
        sun_elevation_deg: 40.0, sun_azimuth_deg: 200.0, sun_color: "#fff2dc",
        sun_lux: 9000.0, ambient: 500.0,
        fog: (color: "#c8d8d8", visibility_m: 200.0),
    ),
    terrain: (
        size_m: 300.0, resolution: 64, hill_height_m: 8.0, hill_size_m: 50.0,
        flat_radius_m: 8.0, colors: ["#5c8a34"],
    ),
    vegetation: [
        (kind: Conifer, count: 20, inner_radius_m: 12.0, outer_radius_m: 100.0,
         height_m: (5.0, 12.0), colors: ["#2f5a2a"]),
    ],
)"##;

    fn parse(src: &str) -> Result<SceneDef, SpecErrors> {
        SceneDef::parse(Path::new("scenes/test.ron"), src)
    }

    fn only_error(src: &str) -> SpecError {
        let errs = parse(src).expect_err("should fail").0;
        assert_eq!(errs.len(), 1, "{errs:?}");
        errs.into_iter().next().unwrap()
    }

    #[test]
    fn good_scene_parses_with_defaults_filled() {
        let def = parse(GOOD).unwrap();
        assert_eq!(def.seed, 3);
        assert_eq!(def.viewpoint.eye_height_m, 1.2);
        assert_eq!(
            def.viewpoint.fov_deg, 100.0,
            "default headset-like field of view"
        );
        assert_eq!(def.terrain.rim_height_m, 0.0);
        assert_eq!(def.vegetation[0].kind, PlantKind::Conifer);
    }

    #[test]
    fn syntax_error_names_file_line_and_column() {
        let src = GOOD.replace("seed: 3,", "seed: 3,,");
        let e = only_error(&src);
        assert_eq!((e.line, e.col), (3, 13), "{e}");
        assert!(e.to_string().starts_with("scenes/test.ron:3:13: "), "{e}");
    }

    #[test]
    fn unknown_field_is_named_with_its_place() {
        let src = GOOD.replace("seed: 3,", "seed: 3,\n    sede: 4,");
        let e = only_error(&src);
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("sede"), "{e}");
    }

    #[test]
    fn wrong_type_is_named_with_its_place() {
        let src = GOOD.replace("resolution: 64", "resolution: \"many\"");
        let e = only_error(&src);
        assert_eq!(e.line, 12, "{e}");
        assert!(e.message.to_lowercase().contains("expected"), "{e}");
    }

    #[test]
    fn bad_colour_is_named_with_its_place() {
        let src = GOOD.replace("\"#4a7fc1\"", "\"blue\"");
        let e = only_error(&src);
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("blue"), "{e}");
    }

    #[test]
    fn out_of_range_value_points_at_the_field() {
        let src = GOOD.replace("eye_height_m: 1.2", "eye_height_m: 3.5");
        let e = only_error(&src);
        assert_eq!((e.line, e.col), (4, 17), "{e}");
        assert!(e.message.contains("viewpoint.eye_height_m"), "{e}");
        assert!(e.message.contains("between 0.8 and 1.6"), "{e}");
    }

    #[test]
    fn every_range_problem_is_reported_at_once() {
        let src = GOOD
            .replace("count: 20", "count: 50000")
            .replace("height_m: (5.0, 12.0)", "height_m: (12.0, 5.0)");
        let errs = parse(&src).expect_err("should fail").0;
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(errs.len(), 2, "{text:#?}");
        assert!(text[0].contains("vegetation[0].count"), "{text:#?}");
        assert_eq!(errs[0].line, 16);
        assert!(text[1].contains("vegetation[0].height_m"), "{text:#?}");
    }

    #[test]
    fn missing_required_field_is_reported() {
        let src = GOOD.replace("    description: \"A test clearing.\",\n", "");
        let e = only_error(&src);
        assert!(e.message.contains("description"), "{e}");
    }
}
