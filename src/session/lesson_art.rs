//! The lessons' small illustrations, drawn beside the panel from simple shapes: an alarm
//! whose dial turns its sensitivity up or down (and its sound waves with it), a path in
//! the grass that deepens with use and grows over when left, and a dimmer with its lamp.
//! Each eases from its card's `from` to its `to` over a few seconds, never with a jump. They
//! are flat-coloured, like a picture in a book, and sit on the panel's layer so they show
//! whatever the light in the place.

use super::PANEL_LAYER;
use bevy::camera::visibility::RenderLayers;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use respite_core::course::lesson::{Art, ArtKind};

/// Seconds an illustration takes to move from its card's `from` to its `to`.
pub const EASE_S: f32 = 4.0;
/// Where it stands beside the panel (the panel's own frame, metres): right of its 1.2 m
/// width, a little nearer the eyes.
const BESIDE: Vec3 = Vec3::new(0.86, 0.02, 0.06);

/// An illustration and when its card came up (real seconds).
#[derive(Component)]
pub(crate) struct Illustrated {
    art: Art,
    began: f32,
}

impl Illustrated {
    /// Its setting now, 0–1.
    pub fn value(&self, now: f32) -> f32 {
        let (a, b) = (
            f32::from(self.art.from) / 100.0,
            f32::from(self.art.to) / 100.0,
        );
        a + (b - a) * respite_core::smoothstep((now - self.began) / EASE_S)
    }
}

/// The part of an illustration that shows its setting.
#[derive(Component, Clone, Copy)]
pub(crate) enum Shows {
    /// The dial's needle: −120° (0) to +120° (1).
    Needle,
    /// Sound wave `i` of three: shown as the setting passes `i / 3`.
    Wave(u8),
    /// The worn track: brown and wide when worn, green and narrow when grown over.
    Track,
    /// A tuft of grass on the track: it grows as the track is left.
    Tuft,
    /// The dimmer's knob: bottom (0) to top (1) of its slot.
    Knob,
    /// The lamp: dark (0) to bright (1), its glow with it.
    Lamp,
    Glow,
}

fn flat(materials: &mut Assets<StandardMaterial>, c: Color) -> MeshMaterial3d<StandardMaterial> {
    MeshMaterial3d(materials.add(StandardMaterial {
        base_color: c,
        unlit: true,
        fog_enabled: false,
        alpha_mode: if c.alpha() < 1.0 {
            AlphaMode::Blend
        } else {
            AlphaMode::Opaque
        },
        ..default()
    }))
}

/// Spawns `art` beside the panel `board`, as its child.
pub(crate) fn spawn(
    commands: &mut Commands,
    board: Entity,
    art: Art,
    now: f32,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<StandardMaterial>,
) {
    let layer = RenderLayers::layer(PANEL_LAYER);
    let root = commands
        .spawn((
            Name::new("Lesson illustration"),
            Illustrated { art, began: now },
            Transform::from_translation(BESIDE),
            Visibility::default(),
            ChildOf(board),
        ))
        .id();
    let mut part = |mesh: Mesh, colour: Color, at: Transform, shows: Option<Shows>| {
        let mut e = commands.spawn((
            Mesh3d(meshes.add(mesh)),
            flat(materials, colour),
            at,
            layer.clone(),
            NotShadowCaster,
            NotShadowReceiver,
            ChildOf(root),
        ));
        if let Some(s) = shows {
            e.insert(s);
        }
    };
    // A soft card behind the picture, so it reads against any sky.
    part(
        Rectangle::new(0.44, 0.52).into(),
        Color::srgb(0.10, 0.15, 0.17),
        Transform::from_xyz(0.0, 0.0, -0.01),
        None,
    );
    let facing = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2);
    match art.kind {
        ArtKind::Alarm => {
            let bell = Color::srgb(0.95, 0.74, 0.30);
            // The bell: a dome on a rim, with a clapper below.
            part(
                Sphere::new(0.09).into(),
                bell,
                Transform::from_xyz(0.0, 0.11, 0.0).with_scale(Vec3::new(1.0, 1.1, 0.6)),
                None,
            );
            part(
                Capsule3d::new(0.018, 0.19).into(),
                bell.darker(0.12),
                Transform::from_xyz(0.0, 0.03, 0.02)
                    .with_rotation(Quat::from_rotation_z(std::f32::consts::FRAC_PI_2)),
                None,
            );
            part(
                Sphere::new(0.022).into(),
                bell.darker(0.25),
                Transform::from_xyz(0.0, 0.0, 0.03),
                None,
            );
            // Sound waves on both sides: more of them, the more sensitive.
            for i in 0..3u8 {
                let r = 0.13 + 0.035 * f32::from(i);
                for side in [-1.0f32, 1.0] {
                    part(
                        super::panel::arc_mesh(0.14, r, r + 0.012),
                        Color::srgb(0.98, 0.86, 0.55),
                        Transform::from_xyz(0.0, 0.10, 0.0).with_rotation(Quat::from_rotation_z(
                            if side > 0.0 {
                                -0.9
                            } else {
                                0.9 + std::f32::consts::PI * 0.44
                            },
                        )),
                        Some(Shows::Wave(i)),
                    );
                }
            }
            // The dial: a disc with marks at its ends, a needle turning over it.
            part(
                Cylinder::new(0.075, 0.01).into(),
                Color::srgb(0.88, 0.90, 0.86),
                Transform::from_xyz(0.0, -0.14, 0.0).with_rotation(facing),
                None,
            );
            for (a, c) in [
                (-120f32, Color::srgb(0.45, 0.65, 0.50)),
                (120.0, Color::srgb(0.85, 0.40, 0.30)),
            ] {
                let r = a.to_radians();
                part(
                    Cuboid::new(0.012, 0.025, 0.004).into(),
                    c,
                    Transform::from_xyz(-0.062 * r.sin(), -0.14 + 0.062 * r.cos(), 0.008)
                        .with_rotation(Quat::from_rotation_z(-r)),
                    None,
                );
            }
            part(
                Cuboid::new(0.010, 0.060, 0.004).into(),
                Color::srgb(0.20, 0.22, 0.24),
                Transform::from_xyz(0.0, -0.14, 0.01),
                Some(Shows::Needle),
            );
        }
        ArtKind::Path => {
            // A field seen from above and a little in front; the track across it.
            part(
                Rectangle::new(0.40, 0.42).into(),
                Color::srgb(0.36, 0.58, 0.30),
                Transform::from_xyz(0.0, 0.0, 0.0),
                None,
            );
            part(
                Rectangle::new(1.0, 0.42).into(),
                Color::srgb(0.55, 0.42, 0.28),
                Transform::from_xyz(0.0, 0.0, 0.004),
                Some(Shows::Track),
            );
            for i in 0..7 {
                let y = -0.18 + 0.06 * i as f32;
                let x = if i % 2 == 0 { -0.012 } else { 0.014 };
                part(
                    Cone::new(0.016, 0.05).into(),
                    Color::srgb(0.30, 0.52, 0.26),
                    Transform::from_xyz(x, y, 0.01),
                    Some(Shows::Tuft),
                );
            }
            // Grass beside the track, always there.
            for (x, y) in [(-0.15, 0.15), (0.14, -0.12), (-0.13, -0.16), (0.16, 0.12)] {
                part(
                    Cone::new(0.02, 0.06).into(),
                    Color::srgb(0.28, 0.48, 0.24),
                    Transform::from_xyz(x, y, 0.01),
                    None,
                );
            }
        }
        ArtKind::Dimmer => {
            // The lamp above, its glow behind it; the dimmer's plate and slot below.
            part(
                Circle::new(0.11).into(),
                Color::srgba(1.0, 0.88, 0.55, 0.5),
                Transform::from_xyz(0.0, 0.12, 0.002),
                Some(Shows::Glow),
            );
            part(
                Sphere::new(0.055).into(),
                Color::srgb(1.0, 0.9, 0.6),
                Transform::from_xyz(0.0, 0.12, 0.01),
                Some(Shows::Lamp),
            );
            part(
                Cuboid::new(0.03, 0.03, 0.02).into(),
                Color::srgb(0.55, 0.57, 0.58),
                Transform::from_xyz(0.0, 0.055, 0.01),
                None,
            );
            part(
                Cuboid::new(0.11, 0.22, 0.01).into(),
                Color::srgb(0.88, 0.90, 0.86),
                Transform::from_xyz(0.0, -0.12, 0.0),
                None,
            );
            part(
                Cuboid::new(0.016, 0.17, 0.004).into(),
                Color::srgb(0.30, 0.32, 0.34),
                Transform::from_xyz(0.0, -0.12, 0.008),
                None,
            );
            part(
                Cuboid::new(0.07, 0.03, 0.02).into(),
                Color::srgb(0.20, 0.22, 0.24),
                Transform::from_xyz(0.0, -0.12, 0.015),
                Some(Shows::Knob),
            );
        }
    }
}

/// Each illustration's parts follow its setting.
pub(crate) fn follow_the_setting(
    time: Res<Time<Real>>,
    roots: Query<(&Illustrated, &Children)>,
    mut parts: Query<(
        &Shows,
        &mut Transform,
        &mut Visibility,
        &MeshMaterial3d<StandardMaterial>,
    )>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let now = time.elapsed_secs();
    for (ill, children) in &roots {
        let v = ill.value(now);
        for child in children.iter() {
            let Ok((shows, mut t, mut vis, mat)) = parts.get_mut(child) else {
                continue;
            };
            match *shows {
                Shows::Needle => {
                    let a = (-120.0 + 240.0 * v).to_radians();
                    t.rotation = Quat::from_rotation_z(-a);
                    t.translation = Vec3::new(0.026 * a.sin(), -0.14 + 0.026 * a.cos(), 0.01);
                }
                Shows::Wave(i) => {
                    vis.set_if_neq(if v > f32::from(i) / 3.0 + 0.05 {
                        Visibility::Inherited
                    } else {
                        Visibility::Hidden
                    });
                }
                Shows::Track => {
                    t.scale = Vec3::new(0.04 + 0.10 * v, 1.0, 1.0);
                    if let Some(mut m) = materials.get_mut(&mat.0) {
                        let grass = Vec3::new(0.36, 0.58, 0.30);
                        let earth = Vec3::new(0.55, 0.42, 0.28);
                        let c = grass.lerp(earth, v);
                        m.base_color = Color::srgb(c.x, c.y, c.z);
                    }
                }
                Shows::Tuft => {
                    let s = (1.0 - v).clamp(0.05, 1.0);
                    t.scale = Vec3::splat(s);
                }
                Shows::Knob => {
                    t.translation.y = -0.12 - 0.075 + 0.15 * v;
                }
                Shows::Lamp | Shows::Glow => {
                    if let Some(mut m) = materials.get_mut(&mat.0) {
                        // Past 1 (the camera's tonemapping dims an unlit colour): a lamp
                        // turned up looks lit.
                        let dark = Vec3::new(0.05, 0.05, 0.045);
                        let bright = Vec3::new(2.4, 1.9, 0.9);
                        let c = dark.lerp(bright, v);
                        m.base_color = if matches!(shows, Shows::Glow) {
                            LinearRgba::new(1.6, 1.2, 0.5, 0.45 * v).into()
                        } else {
                            LinearRgba::rgb(c.x, c.y, c.z).into()
                        };
                    }
                    if matches!(shows, Shows::Glow) {
                        t.scale = Vec3::splat(0.6 + 0.8 * v);
                    }
                }
            }
        }
    }
}
