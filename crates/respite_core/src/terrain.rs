//! The ground's shape and colour as plain functions of position, so placement, the mesh and
//! the tests all agree on where the ground is. Noise comes from `fastnoise-lite`
//! (OpenSimplex2 with fractal octaves), seeded from the scene.

use crate::color::Rgb;
use crate::scene::{SceneDef, Terrain, Water};
use crate::smoothstep_between;
use crate::walk::path::corridor_weight;
use crate::walk::{P2, Polyline, Route};
use fastnoise_lite::{FastNoiseLite, FractalType, NoiseType};

/// Height and colour of the ground anywhere in a scene.
pub struct HeightField {
    hills: FastNoiseLite,
    patches: FastNoiseLite,
    ridges: FastNoiseLite,
    hill_height: f32,
    mountain_height: f32,
    snow_above: Option<f32>,
    water: Option<Water>,
    rim_height: f32,
    flat_radius: f32,
    half_size: f32,
    colors: Vec<Rgb>,
    corridor: Option<Corridor>,
}

/// The ground levelled along a walking path: the path itself, a shoulder each side, then
/// an easing back to the natural ground.
struct Corridor {
    route: Route,
    polyline: Polyline,
    half_width: f32,
    /// Fully levelled out to here from the centre line, metres.
    core: f32,
    /// Then eased back to the natural ground over this many metres.
    blend: f32,
    lo: P2,
    hi: P2,
}

/// The colour of snow lying on high ground.
const SNOW: Rgb = Rgb([0xf0, 0xf4, 0xf8]);

/// Folds a 64-bit scene seed and a salt into the 32-bit seed the noise takes.
fn noise_seed(seed: u64, salt: u64) -> i32 {
    let s = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (s ^ (s >> 32)) as u32 as i32
}

impl HeightField {
    pub fn new(t: &Terrain, seed: u64) -> Self {
        let mut hills = FastNoiseLite::with_seed(noise_seed(seed, 1));
        hills.set_noise_type(Some(NoiseType::OpenSimplex2));
        hills.set_fractal_type(Some(FractalType::FBm));
        hills.set_fractal_octaves(Some(4));
        hills.set_frequency(Some(1.0 / t.hill_size_m));

        let mut patches = FastNoiseLite::with_seed(noise_seed(seed, 2));
        patches.set_noise_type(Some(NoiseType::OpenSimplex2));
        patches.set_fractal_type(Some(FractalType::FBm));
        patches.set_fractal_octaves(Some(2));
        // Colour patches a few metres across, smaller than hills.
        patches.set_frequency(Some(1.0 / 9.0));

        let mut ridges = FastNoiseLite::with_seed(noise_seed(seed, 3));
        ridges.set_noise_type(Some(NoiseType::OpenSimplex2));
        ridges.set_fractal_type(Some(FractalType::FBm));
        ridges.set_fractal_octaves(Some(5));
        ridges.set_frequency(Some(1.0 / (t.size_m * 0.3)));

        Self {
            hills,
            patches,
            ridges,
            hill_height: t.hill_height_m,
            mountain_height: t.mountain_height_m,
            snow_above: t.snow_above_m,
            water: None,
            rim_height: t.rim_height_m,
            flat_radius: t.flat_radius_m,
            half_size: t.size_m / 2.0,
            colors: t.colors.clone(),
            corridor: None,
        }
    }

    /// The ground of a whole scene: its terrain, carved for its water.
    pub fn for_scene(def: &SceneDef) -> Self {
        let mut field = Self::new(&def.terrain, def.seed);
        field.water = def.water.clone();
        if let Some(walk) = &def.walk {
            // The walking surface never dips under the water, even where the ground does.
            let dry_above = def.water.as_ref().map_or(f32::MIN, |w| w.level_m + 0.3);
            let route = Route::new(walk, |x, z| field.height(x, z).max(dry_above));
            let polyline = route.spline.polyline(1.0);
            let (lo, hi) = polyline.bounds();
            let half_width = walk.width_m / 2.0;
            // Wider than two terrain cells, so the drawn ground matches the level exactly.
            let cell = def.terrain.size_m / def.terrain.resolution.max(1) as f32;
            let core = half_width + (2.0 * cell).max(2.5);
            let blend = 8.0;
            let margin = P2::new(core + blend, core + blend);
            field.corridor = Some(Corridor {
                route,
                polyline,
                half_width,
                core,
                blend,
                lo: lo - margin,
                hi: hi + margin,
            });
        }
        field
    }

    /// The walking path over this ground, if the scene has one.
    pub fn route(&self) -> Option<&Route> {
        self.corridor.as_ref().map(|c| &c.route)
    }

    /// (distance along, distance from) the walking path's centre line, when (x, z) is near it.
    fn near_path(&self, x: f32, z: f32) -> Option<(&Corridor, f32, f32)> {
        let c = self.corridor.as_ref()?;
        if x < c.lo.x || x > c.hi.x || z < c.lo.z || z > c.hi.z {
            return None;
        }
        let (s, d) = c.polyline.nearest(P2::new(x, z));
        (d < c.core + c.blend).then_some((c, s, d))
    }

    /// Whether (x, z) is at least `margin` metres clear of the walking path's edge.
    pub fn clear_of_path(&self, x: f32, z: f32, margin: f32) -> bool {
        match self.near_path(x, z) {
            Some((c, _, d)) => d > c.half_width + margin,
            None => true,
        }
    }

    /// How far (x, z) is, in metres over the ground, from anywhere the viewer's eyes will be:
    /// the seat at the origin or, in a walk, any point of the path's centre line. Plants
    /// farther than a few tens of metres from all of them are only ever seen small.
    pub fn viewer_distance(&self, x: f32, z: f32) -> f32 {
        let seat = (x * x + z * z).sqrt();
        match &self.corridor {
            Some(c) => seat.min(c.polyline.nearest(P2::new(x, z)).1),
            None => seat,
        }
    }

    /// The water this ground was carved for, if any.
    pub fn water(&self) -> Option<&Water> {
        self.water.as_ref()
    }

    /// Ground height in metres at (x, z). Exactly 0 within the flat radius, where the viewer
    /// sits; hills fade in beyond it, the rim and mountains rise towards the edge, the
    /// ground slopes down under the water, and a walking path levels it along its way.
    pub fn height(&self, x: f32, z: f32) -> f32 {
        let natural = self.natural_height(x, z);
        match self.near_path(x, z) {
            Some((c, s, d)) => {
                let w = corridor_weight(d, c.core, c.blend);
                natural + (c.route.profile.height(s) - natural) * w
            }
            None => natural,
        }
    }

    /// The ground before any path levels it.
    fn natural_height(&self, x: f32, z: f32) -> f32 {
        let land = self.land_height(x, z);
        let Some(water) = &self.water else {
            return land;
        };
        let d = crate::water::reach(water, x, z);
        if d <= -water.bank_m {
            land
        } else if d <= 0.0 {
            // Down the bank to the waterline…
            let t = smoothstep_between(-water.bank_m, 0.0, d);
            land + (water.level_m - land) * t
        } else {
            // …and on down to the bed.
            water.level_m - water.depth_m * smoothstep_between(0.0, water.bank_m, d)
        }
    }

    /// Whether (x, z) is dry ground, half a metre or more from the water's edge.
    pub fn dry(&self, x: f32, z: f32) -> bool {
        self.water
            .as_ref()
            .is_none_or(|w| crate::water::reach(w, x, z) < -0.5)
    }

    fn land_height(&self, x: f32, z: f32) -> f32 {
        let r = (x * x + z * z).sqrt();
        if r <= self.flat_radius {
            return 0.0;
        }
        let fade_in = smoothstep_between(self.flat_radius, self.flat_radius * 2.5 + 10.0, r);
        let hills = self.hills.get_noise_2d(x, z) * self.hill_height * fade_in;
        let edge = smoothstep_between(self.half_size * 0.3, self.half_size, r);
        let rim = self.rim_height * edge.powf(1.5);
        let mountains = if self.mountain_height > 0.0 {
            // Ridged noise: sharp crests, soft valleys, rising towards the edge.
            let ridge = 1.0 - self.ridges.get_noise_2d(x, z).abs();
            let rise = smoothstep_between(self.half_size * 0.25, self.half_size * 0.85, r);
            self.mountain_height * ridge * ridge * rise
        } else {
            0.0
        };
        hills + rim + mountains
    }

    /// Ground colour at (x, z): seeded patches of the terrain's colours.
    pub fn color(&self, x: f32, z: f32) -> Rgb {
        let base = self.patch_color(x, z);
        match self.snow_above {
            Some(line) => {
                let h = self.height(x, z) + self.patches.get_noise_2d(x * 0.3, z * 0.3) * 6.0;
                base.lerp(SNOW, smoothstep_between(line - 4.0, line + 4.0, h))
            }
            None => base,
        }
    }

    fn patch_color(&self, x: f32, z: f32) -> Rgb {
        let n = self.colors.len();
        if n == 1 {
            return self.colors[0];
        }
        // Noise in −1..1 mapped across the palette, blending between neighbours.
        let v = (self.patches.get_noise_2d(x, z) * 0.5 + 0.5).clamp(0.0, 0.9999) * (n - 1) as f32;
        let i = v.floor() as usize;
        let t = v - i as f32;
        self.colors[i].lerp(
            self.colors[(i + 1).min(n - 1)],
            smoothstep_between(0.3, 0.7, t),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terrain() -> Terrain {
        Terrain {
            size_m: 300.0,
            resolution: 64,
            hill_height_m: 10.0,
            hill_size_m: 50.0,
            rim_height_m: 20.0,
            flat_radius_m: 8.0,
            colors: vec![Rgb([10, 100, 10]), Rgb([200, 180, 60])],
            mountain_height_m: 0.0,
            snow_above_m: None,
        }
    }

    #[test]
    fn ground_is_level_where_the_viewer_sits() {
        let h = HeightField::new(&terrain(), 7);
        for (x, z) in [(0.0, 0.0), (5.0, 5.0), (-7.9, 0.0), (0.0, 7.9)] {
            assert_eq!(h.height(x, z), 0.0, "at ({x}, {z})");
        }
    }

    #[test]
    fn hills_rise_away_from_the_viewer_and_rim_closes_the_view() {
        let h = HeightField::new(&terrain(), 7);
        let far: Vec<f32> = (0..64)
            .map(|i| {
                let a = i as f32 / 64.0 * std::f32::consts::TAU;
                h.height(140.0 * a.cos(), 140.0 * a.sin())
            })
            .collect();
        let mean = far.iter().sum::<f32>() / far.len() as f32;
        assert!(mean > 8.0, "rim should lift the far ground, mean {mean}");
        let spread = far.iter().cloned().fold(f32::MIN, f32::max)
            - far.iter().cloned().fold(f32::MAX, f32::min);
        assert!(spread > 2.0, "hills should vary, spread {spread}");
    }

    #[test]
    fn same_seed_same_ground_other_seed_other_ground() {
        let a = HeightField::new(&terrain(), 7);
        let b = HeightField::new(&terrain(), 7);
        let c = HeightField::new(&terrain(), 8);
        assert_eq!(a.height(60.0, -40.0), b.height(60.0, -40.0));
        assert_ne!(a.height(60.0, -40.0), c.height(60.0, -40.0));
    }

    #[test]
    fn colours_stay_within_the_palette_blend() {
        let h = HeightField::new(&terrain(), 7);
        let mut seen_low = false;
        let mut seen_high = false;
        for i in 0..400 {
            let c = h.color(i as f32 * 1.7, (i % 20) as f32 * 3.1);
            assert!((10..=200).contains(&c.0[0]), "{c}");
            seen_low |= c.0[0] < 60;
            seen_high |= c.0[0] > 150;
        }
        assert!(seen_low && seen_high, "both palette colours should appear");
    }
}
