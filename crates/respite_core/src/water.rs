//! Where the water is: one signed distance per point, shared by the ground that is carved
//! for it, the surface mesh, the plants that keep out of it and the fish that rise in it.

use crate::scene::{Water, WaterShape};

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
