//! One material for everything that moves by itself: Bevy's standard lit material extended
//! with a vertex shader (`shaders/living.wgsl`) that sways plants, drifts particles, ripples
//! the aurora and the water, spreads fish rings and licks flames, all from the frame's time.
//! The main thread does no per-frame work for any of them.

use bevy::asset::embedded_asset;
use bevy::pbr::{ExtendedMaterial, MaterialExtension};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::shader::ShaderRef;

pub(crate) type LivingMaterial = ExtendedMaterial<StandardMaterial, Living>;

const SHADER: &str = "embedded://respite/environment/shaders/living.wgsl";

pub(super) fn plugin(app: &mut App) {
    embedded_asset!(app, "shaders/living.wgsl");
    app.add_plugins(MaterialPlugin::<LivingMaterial>::default());
}

/// What a living material does; the number is the shader's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Sway = 0,
    Particles = 1,
    Aurora = 2,
    Water = 3,
    Ripple = 4,
    Flame = 5,
}

#[derive(Asset, AsBindGroup, Reflect, Debug, Clone)]
pub(crate) struct Living {
    #[uniform(100)]
    pub params: LivingParams,
}

/// The shader's `Living` uniform: see `living.wgsl` for what each slot means per mode.
#[derive(ShaderType, Reflect, Debug, Clone, Default)]
pub(crate) struct LivingParams {
    pub mode: u32,
    pub motion: u32,
    pub pulse: u32,
    pub flutter: u32,
    pub a: Vec4,
    pub b: Vec4,
    pub shallow: Vec4,
    pub deep: Vec4,
    pub horizon: Vec4,
    pub zenith: Vec4,
}

impl Living {
    pub fn new(mode: Mode) -> Self {
        Self {
            params: LivingParams {
                mode: mode as u32,
                ..default()
            },
        }
    }
}

impl MaterialExtension for Living {
    fn vertex_shader() -> ShaderRef {
        SHADER.into()
    }

    fn fragment_shader() -> ShaderRef {
        SHADER.into()
    }
}

/// A colour as the shader's linear RGBA.
pub(crate) fn linear(c: Color) -> Vec4 {
    Vec4::from_array(c.to_linear().to_f32_array())
}

/// Unit vector on the ground for an azimuth (0 = north, −Z; 90 = east, +X), as (x, z).
pub(crate) fn toward(deg: f32) -> Vec2 {
    let (s, c) = deg.to_radians().sin_cos();
    Vec2::new(s, -c)
}
