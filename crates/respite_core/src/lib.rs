//! The engine-free core of Respite: everything that takes plain values and returns plain
//! values. Scene specs and their validation, the scene catalogue, seeded terrain and
//! placement. No `bevy` here, so these tests compile and run in seconds.

pub mod bench;
pub mod breathing;
pub mod catalog;
pub(crate) mod check;
pub mod color;
pub mod course;
pub mod error;
pub mod life;
pub mod locate;
pub mod particles;
pub mod research;
pub mod scatter;
pub mod scene;
pub mod session;
pub mod sound;
pub mod terrain;
pub mod walk;
pub mod water;

#[cfg(test)]
mod sweep_tests;

pub use catalog::{Catalog, SceneEntry};
pub use color::Rgb;
pub use error::{SpecError, SpecErrors};
pub use scene::SceneDef;

/// Seconds for every opening and closing fade, picture and sound alike: slow enough never
/// to startle (the minimum for sound is 2 s).
pub const FADE_S: f32 = 3.0;

/// 0 → 1 as `t` goes 0 → 1, with zero slope at both ends: every fade, swell and blend in
/// Respite eases with this one curve, so nothing starts or stops with a jolt.
pub fn smoothstep(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// [`smoothstep`] of `x` between edges `e0` and `e1`.
pub fn smoothstep_between(e0: f32, e1: f32, x: f32) -> f32 {
    smoothstep((x - e0) / (e1 - e0))
}
