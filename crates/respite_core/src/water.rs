//! Where the water is: one signed distance per point, shared by the ground that is carved
//! for it, the surface mesh, the plants that keep out of it and the fish that rise in it.

use crate::color::Rgb;
use serde::Deserialize;

/// One body of water. Its surface moves in slow swells drawn on the graphics card.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Water {
    pub shape: WaterShape,
    /// Height of the surface, metres (−20 to −0.1: below the seat's ground).
    pub level_m: f32,
    /// How far the bed sinks below the surface away from the shore, metres (0.3–60).
    pub depth_m: f32,
    /// Width of the sloping bank from dry ground to full depth, metres (0.5–80).
    pub bank_m: f32,
    /// Colour where the water is shallow, and where it is deep.
    pub shallow: Rgb,
    pub deep: Rgb,
    /// Height of the swells, crest to trough, metres (0–1.5). 0 is a mirror-calm lake.
    pub wave_height_m: f32,
    /// Distance from crest to crest, metres (1–60).
    pub wave_length_m: f32,
    /// Where the swells travel towards: 0 = north, 90 = east, degrees.
    #[serde(default)]
    pub wave_toward_deg: f32,
    /// How much of the land and sky the surface mirrors (0–1). Above 0 the shores are
    /// drawn a second time upside down beneath it: real reflections in both eyes.
    #[serde(default)]
    pub mirror: f32,
    /// White foam where the swells meet the shore.
    #[serde(default)]
    pub foam: bool,
}

/// Where the water lies.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum WaterShape {
    /// The sea beyond a straight shore `shore_m` metres from the seat, towards `toward_deg`.
    Ocean { toward_deg: f32, shore_m: f32 },
    /// A round lake.
    Lake { center: (f32, f32), radius_m: f32 },
    /// A stream winding through the points (x, z), `width_m` wide.
    Stream {
        points: Vec<(f32, f32)>,
        width_m: f32,
    },
}

/// How far (x, z) lies inside the water, metres from the shoreline: positive in the water,
/// negative on land.
pub fn reach(water: &Water, x: f32, z: f32) -> f32 {
    match &water.shape {
        WaterShape::Ocean {
            toward_deg,
            shore_m,
        } => {
            let (sin, cos) = toward_deg.to_radians().sin_cos();
            // Azimuth 0 = north (−Z), 90 = east (+X).
            x * sin - z * cos - shore_m
        }
        WaterShape::Lake { center, radius_m } => {
            radius_m - ((x - center.0).powi(2) + (z - center.1).powi(2)).sqrt()
        }
        WaterShape::Stream { points, width_m } => {
            width_m / 2.0 - distance_to_polyline(points, x, z)
        }
    }
}

/// A rectangle of ground, (x, z) from `lo` to `hi`, with its height between `y.0` and `y.1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Patch {
    pub lo: [f32; 2],
    pub hi: [f32; 2],
    pub y: (f32, f32),
}

/// Whether any of the mirror image of `patch` in calm water can be seen by an eye over
/// (x, z) = `eye` at a height (world y) between `eye_y.0` and `eye_y.1`: whether a line
/// from such an eye to the image of a point of the patch meets the surface inside the
/// water, or within `margin` metres of its shore. It may say yes for a patch whose image
/// just misses the water, never no for one whose image shows.
pub fn reflection_may_show(
    water: &Water,
    eye: [f32; 2],
    eye_y: (f32, f32),
    patch: Patch,
    margin: f32,
) -> bool {
    // The image of a point `h` above the surface lies `h` below it; the line from an eye
    // `e` above the surface crosses the surface a fraction e / (e + h) of the way to it.
    let above = |y: f32| (y - water.level_m).max(0.0);
    let (e_lo, e_hi) = (above(eye_y.0), above(eye_y.1));
    let (h_lo, h_hi) = (above(patch.y.0), above(patch.y.1));
    let fraction = |e: f32, h: f32| if e + h > 0.0 { e / (e + h) } else { 1.0 };
    let (t_lo, t_hi) = (fraction(e_lo, h_hi), fraction(e_hi, h_lo));
    // Every crossing lies in the box of the patch's corners pulled that far toward the eye.
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for t in [t_lo, t_hi] {
        for corner in [
            patch.lo,
            patch.hi,
            [patch.lo[0], patch.hi[1]],
            [patch.hi[0], patch.lo[1]],
        ] {
            for k in 0..2 {
                let c = eye[k] + (corner[k] - eye[k]) * t;
                lo[k] = lo[k].min(c);
                hi[k] = hi[k].max(c);
            }
        }
    }
    // The shore distance changes by at most a metre per metre, so no point of the box is
    // in the water if its centre is further from it than the box's half diagonal.
    let (cx, cz) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
    let half_diagonal = ((hi[0] - lo[0]).powi(2) + (hi[1] - lo[1]).powi(2)).sqrt() / 2.0;
    reach(water, cx, cz) > -(half_diagonal + margin)
}

/// Distance from (x, z) to the nearest point of the line through `points`.
fn distance_to_polyline(points: &[(f32, f32)], x: f32, z: f32) -> f32 {
    points
        .windows(2)
        .map(|seg| {
            let ((ax, az), (bx, bz)) = (seg[0], seg[1]);
            let (dx, dz) = (bx - ax, bz - az);
            let len2 = (dx * dx + dz * dz).max(1e-6);
            let t = (((x - ax) * dx + (z - az) * dz) / len2).clamp(0.0, 1.0);
            ((x - ax - t * dx).powi(2) + (z - az - t * dz).powi(2)).sqrt()
        })
        .fold(f32::INFINITY, f32::min)
}

/// The square (min x, min z, max x, max z) that holds all of the water within `limit` metres
/// of the seat: the surface mesh covers it.
pub fn extent(water: &Water, limit: f32) -> (f32, f32, f32, f32) {
    let pad = water.bank_m + 2.0;
    match &water.shape {
        WaterShape::Ocean { .. } => (-limit, -limit, limit, limit),
        WaterShape::Lake { center, radius_m } => {
            let r = radius_m + pad;
            (
                (center.0 - r).max(-limit),
                (center.1 - r).max(-limit),
                (center.0 + r).min(limit),
                (center.1 + r).min(limit),
            )
        }
        WaterShape::Stream { points, width_m } => {
            let r = width_m / 2.0 + pad;
            let (mut x0, mut z0, mut x1, mut z1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for &(x, z) in points {
                x0 = x0.min(x - r);
                z0 = z0.min(z - r);
                x1 = x1.max(x + r);
                z1 = z1.max(z + r);
            }
            (x0.max(-limit), z0.max(-limit), x1.min(limit), z1.min(limit))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rgb;

    fn water(shape: WaterShape) -> Water {
        Water {
            shape,
            level_m: -0.5,
            depth_m: 3.0,
            bank_m: 4.0,
            shallow: Rgb([0, 100, 100]),
            deep: Rgb([0, 30, 60]),
            wave_height_m: 0.2,
            wave_length_m: 8.0,
            wave_toward_deg: 0.0,
            mirror: 0.0,
            foam: false,
        }
    }

    #[test]
    fn a_lake_mirrors_the_far_hills_not_the_ground_behind_the_viewer() {
        let w = water(WaterShape::Lake {
            center: (0.0, -100.0),
            radius_m: 60.0,
        });
        let seated = |x: f32, y: f32, z: f32| {
            let at = Patch {
                lo: [x, z],
                hi: [x, z],
                y: (y, y),
            };
            reflection_may_show(&w, [0.0, 0.0], (1.2, 1.2), at, 2.0)
        };
        // An 8 m rise 300 m off, beyond the lake: seen upside down in the water.
        assert!(seated(0.0, 7.5, -300.0));
        // A 200 m peak's summit there would mirror at the viewer's feet, on dry land.
        assert!(!seated(0.0, 199.5, -300.0));
        // A low bank just beyond the lake, and the shore itself.
        assert!(seated(0.0, 0.0, -165.0));
        assert!(seated(20.0, -0.5, -43.0));
        // The ground behind the seat, and low ground far off to the side: never.
        assert!(!seated(0.0, 3.0, 80.0));
        assert!(!seated(300.0, 2.0, 0.0));
        // A low rise far beyond the lake would mirror beyond its far shore.
        assert!(!seated(0.0, 0.5, -400.0));
        // An eye at the surface sees no mirror beyond its own spot.
        let low = Patch {
            lo: [0.0, -300.0],
            hi: [0.0, -300.0],
            y: (7.5, 7.5),
        };
        assert!(!reflection_may_show(&w, [0.0, 0.0], (-0.5, -0.5), low, 2.0));
    }

    /// Whatever point of a patch, and whatever eye height in the range, whose image is seen
    /// in the water: the patch test says so. Checked against single points by brute force.
    #[test]
    fn a_patch_shows_whenever_any_of_its_points_would() {
        let w = water(WaterShape::Lake {
            center: (10.0, -90.0),
            radius_m: 45.0,
        });
        let point = |x: f32, y: f32, z: f32, e: f32| {
            let at = Patch {
                lo: [x, z],
                hi: [x, z],
                y: (y, y),
            };
            reflection_may_show(&w, [0.0, 0.0], (e, e), at, 0.0)
        };
        let (mut shown, mut hidden) = (0, 0);
        for i in 0..60 {
            for j in 0..60 {
                let (x, z) = (-240.0 + i as f32 * 8.0, -260.0 + j as f32 * 8.0);
                // A cell 8 m across whose ground rises from 1 to 9 m across it.
                let patch = Patch {
                    lo: [x, z],
                    hi: [x + 8.0, z + 8.0],
                    y: (1.0, 9.0),
                };
                let says = reflection_may_show(&w, [0.0, 0.0], (0.9, 2.0), patch, 0.0);
                let any = (0..=4).any(|a| {
                    (0..=4).any(|b| {
                        (0..=4).any(|c| {
                            let (fx, fz, fy) = (a as f32 / 4.0, b as f32 / 4.0, c as f32 / 4.0);
                            point(x + 8.0 * fx, 1.0 + 8.0 * fy, z + 8.0 * fz, 0.9 + 1.1 * fy)
                        })
                    })
                });
                assert!(says || !any, "cell at ({x}, {z}) shows but was left out");
                // And it leaves out all the land behind the viewer.
                if z >= 0.0 {
                    assert!(!says, "cell at ({x}, {z}) behind the viewer");
                    hidden += 1;
                }
                shown += usize::from(says);
            }
        }
        assert!(
            shown > 100 && hidden > 1000,
            "{shown} shown, {hidden} behind"
        );
    }

    #[test]
    fn ocean_lies_beyond_its_shore_in_its_direction() {
        let w = water(WaterShape::Ocean {
            toward_deg: 0.0,
            shore_m: 20.0,
        });
        assert_eq!(reach(&w, 0.0, 0.0), -20.0);
        assert_eq!(reach(&w, 5.0, -30.0), 10.0, "north is −z");
        assert_eq!(reach(&w, 0.0, 30.0), -50.0, "behind the seat is land");
    }

    #[test]
    fn lake_and_stream_measure_from_their_shore() {
        let lake = water(WaterShape::Lake {
            center: (0.0, -50.0),
            radius_m: 30.0,
        });
        assert_eq!(reach(&lake, 0.0, -50.0), 30.0);
        assert_eq!(reach(&lake, 0.0, 0.0), -20.0);
        let stream = water(WaterShape::Stream {
            points: vec![(-10.0, -10.0), (10.0, -10.0), (10.0, 10.0)],
            width_m: 2.0,
        });
        assert_eq!(reach(&stream, 0.0, -10.0), 1.0, "on the centre line");
        assert_eq!(reach(&stream, 0.0, 0.0), -9.0);
        assert_eq!(reach(&stream, 13.0, 0.0), -2.0, "beside the second leg");
    }
}
