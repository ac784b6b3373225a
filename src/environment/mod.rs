//! The place itself: sky, light and air, ground, and plants, each built from its block of the
//! scene spec. The same seed builds the same place on every run and in every display.

mod campfire;
mod life;
pub use life::Interactivity;
mod living;
mod particles;
mod sky;
mod terrain;
mod vegetation;
mod water;

use bevy::render::render_resource::Face;
pub(crate) use living::LivingMaterial;
use living::{Living, Mode};

use bevy::prelude::*;
use respite_core::terrain::HeightField;

/// The place is built by these schedules, in order, one block each: sky, light and ground;
/// plants; water and fire; clouds, the gaze's visitor, a walk's path and body; and the
/// drifting particles and animals (the level's motion share). At the start they run in one
/// go; when the place changes mid-session, one a frame behind the neutral.
#[derive(bevy::ecs::schedule::ScheduleLabel, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BuildPlace(pub u8);

/// How many [`BuildPlace`] blocks there are.
pub const BUILD_BLOCKS: u8 = 5;

/// The block of the particles and animals: a new level rebuilds it alone.
pub const MOTION_BLOCK: u8 = 4;

/// A root of the motion block.
#[derive(Component)]
pub struct MotionEntity;

/// A root of the place (its children go with it): everything the blocks built, taken down
/// whole when the place changes.
#[derive(Component)]
pub struct PlaceEntity;

/// Builds the whole place now (the run's start).
fn build_whole_place(world: &mut World) {
    for block in 0..BUILD_BLOCKS {
        build_block(world, block);
    }
}

/// Runs one block and marks the roots it made as the place's; returns them, and how long
/// it took.
pub(crate) fn build_block(world: &mut World, block: u8) -> (std::time::Duration, Vec<Entity>) {
    let started = std::time::Instant::now();
    let mut before = world.query::<Entity>();
    let before: std::collections::HashSet<Entity> = before.iter(world).collect();
    let _ = world.try_run_schedule(BuildPlace(block));
    // Resources are entities too: never the place's. Nor is the sunlight, which the next
    // place takes over.
    let mut roots = world.query_filtered::<Entity, (
        Without<ChildOf>,
        Without<bevy::ecs::resource::IsResource>,
        Without<DirectionalLight>,
    )>();
    let new: Vec<Entity> = roots.iter(world).filter(|e| !before.contains(e)).collect();
    for e in &new {
        world.entity_mut(*e).insert(PlaceEntity);
        if block == MOTION_BLOCK {
            world.entity_mut(*e).insert(MotionEntity);
        }
    }
    (started.elapsed(), new)
}

/// The particles and animals again, for the scene's counts now (a new level's share).
pub(crate) fn rebuild_motion(world: &mut World) {
    let mut roots = world.query_filtered::<Entity, With<MotionEntity>>();
    let roots: Vec<Entity> = roots.iter(world).collect();
    for e in roots {
        world.despawn(e);
    }
    build_block(world, MOTION_BLOCK);
}

/// Takes the place down (every root it built, with its children) and readies the ground
/// and shared materials of the scene now active, for its blocks to build on.
pub(crate) fn clear_place(world: &mut World) {
    let mut roots = world.query_filtered::<Entity, With<PlaceEntity>>();
    let roots: Vec<Entity> = roots.iter(world).collect();
    for e in roots {
        world.despawn(e);
    }
    let ground = Ground::from_world(world);
    world.insert_resource(ground);
    let shared = SharedMaterials::from_world(world);
    world.insert_resource(shared);
    world.remove_resource::<life::CloudField>();
}

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(Startup, build_whole_place);
    for block in 0..BUILD_BLOCKS {
        app.init_schedule(BuildPlace(block));
    }
    app.init_resource::<Ground>()
        .add_plugins(living::plugin)
        .init_resource::<SharedMaterials>()
        .add_plugins((
            sky::plugin,
            water::plugin,
            particles::plugin,
            campfire::plugin,
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
        Ground(HeightField::for_scene(&scene.def))
    }
}

/// Materials every block shares, so meshes that share a material batch into one draw.
#[derive(Resource)]
pub(crate) struct SharedMaterials {
    /// Opaque, vertex-coloured, matte: ground, trunks, crowns, rocks.
    pub solid: Handle<StandardMaterial>,
    /// The same, drawn from both sides: grass blades and petals.
    pub two_sided: Handle<StandardMaterial>,
    /// Trees and bushes, swaying in the scene's wind.
    pub swaying: Handle<LivingMaterial>,
    /// Grass and flowers, swaying further.
    pub swaying_two_sided: Handle<LivingMaterial>,
    /// For the upside-down shore beneath mirror-calm water: its winding is reversed, so it
    /// culls the other faces.
    pub mirrored: Handle<StandardMaterial>,
    pub mirrored_swaying: Handle<LivingMaterial>,
}

impl FromWorld for SharedMaterials {
    fn from_world(world: &mut World) -> Self {
        let wind = world.resource::<crate::ActiveScene>().def.wind.clone();
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
        let base = |two_sided: bool| StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: if two_sided { 0.85 } else { 0.92 },
            reflectance: 0.2,
            cull_mode: if two_sided { None } else { Some(Face::Back) },
            double_sided: two_sided,
            ..default()
        };
        let mirrored = materials.add(StandardMaterial {
            cull_mode: Some(Face::Front),
            ..base(false)
        });
        let dir = living::toward(wind.toward_deg);
        // Lean at the top per metre of height: 3.5 cm for trees, 15 cm for grass, in a
        // full breeze; scaled by the scene's wind.
        let sway = |lean: f32| {
            let mut l = Living::new(Mode::Sway);
            l.params.a = Vec4::new(lean * wind.strength, dir.x, 0.0, 0.0);
            l.params.a.z = dir.y;
            l
        };
        let mut living = world.resource_mut::<Assets<LivingMaterial>>();
        let swaying = living.add(LivingMaterial {
            base: base(false),
            extension: sway(0.035),
        });
        let swaying_two_sided = living.add(LivingMaterial {
            base: base(true),
            extension: sway(0.15),
        });
        let mirrored_swaying = living.add(LivingMaterial {
            base: StandardMaterial {
                cull_mode: Some(Face::Front),
                ..base(false)
            },
            extension: sway(0.035),
        });
        Self {
            solid,
            two_sided,
            swaying,
            swaying_two_sided,
            mirrored,
            mirrored_swaying,
        }
    }
}
