//! The place itself: sky, light and air, ground, and plants, each built from its block of the
//! scene spec. The same seed builds the same place on every run and in every display.

mod life;
mod meshkit;
pub(crate) use meshkit::ico;
mod sky;
mod terrain;
mod vegetation;

use bevy::prelude::*;
use respite_core::terrain::HeightField;

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<Ground>()
        .init_resource::<SharedMaterials>()
        .add_plugins((
            sky::plugin,
            terrain::plugin,
            vegetation::plugin,
            life::plugin,
        ));
}

/// The ground's shape and colour, built once from the scene: the terrain mesh, the plants
/// and the animals all stand on the same ground.
#[derive(Resource)]
pub(crate) struct Ground(pub HeightField);

impl FromWorld for Ground {
    fn from_world(world: &mut World) -> Self {
        let scene = world.resource::<crate::ActiveScene>();
        Ground(HeightField::new(&scene.def.terrain, scene.def.seed))
    }
}

/// Materials every block shares, so meshes that share a material batch into one draw.
#[derive(Resource)]
pub(crate) struct SharedMaterials {
    /// Opaque, vertex-coloured, matte: ground, trunks, crowns, rocks.
    pub solid: Handle<StandardMaterial>,
    /// The same, drawn from both sides: grass blades and petals.
    pub two_sided: Handle<StandardMaterial>,
}

impl FromWorld for SharedMaterials {
    fn from_world(world: &mut World) -> Self {
        let mut materials = world.resource_mut::<Assets<StandardMaterial>>();
        let solid = materials.add(StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.92,
            reflectance: 0.2,
            ..default()
        });
        let two_sided = materials.add(StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.85,
            reflectance: 0.2,
            cull_mode: None,
            double_sided: true,
            ..default()
        });
        Self { solid, two_sided }
    }
}
