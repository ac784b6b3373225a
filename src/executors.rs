//! How the App's systems share the machine's cores.
//!
//! Bevy runs each schedule's systems on a pool of threads. On a machine with two cores,
//! where the renderer's own threads already want both, handing systems to pool threads
//! costs more in wake-ups and context switches than the systems themselves; there every
//! schedule runs its systems one after another on the thread that runs it, and Bevy's
//! transform tracking marks the changed trees in a plain loop instead of a task scope.

use bevy::ecs::schedule::{Schedules, SingleThreadedExecutor};
use bevy::prelude::*;

/// Cores at or below which the schedules run single-threaded.
pub const SINGLE_THREADED_AT_OR_BELOW: usize = 2;

/// Whether this machine's schedules should run single-threaded, and why.
pub fn single_threaded_here() -> (bool, String) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let by_cores = (
        cores <= SINGLE_THREADED_AT_OR_BELOW,
        format!("{cores} cores"),
    );
    // The profile adds up systems under the schedule its own thread is running: every
    // system must run on that thread.
    if cfg!(feature = "profile") {
        return (true, "--features profile".into());
    }
    match std::env::var("RESPITE_EXECUTOR").as_deref() {
        Ok("single") => (true, "RESPITE_EXECUTOR=single".into()),
        Ok("multi") => (false, "RESPITE_EXECUTOR=multi".into()),
        Ok("") | Err(_) => by_cores,
        Ok(other) => {
            warn!("RESPITE_EXECUTOR={other:?} is neither \"single\" nor \"multi\"; ignored");
            by_cores
        }
    }
}

/// Sets every schedule of the App and of its sub-apps (the render world's too) to run
/// single-threaded on small machines; added last, its `cleanup` runs when every other
/// plugin's schedules exist.
pub struct ExecutorPlugin;

/// This machine's choice, made once when the plugin is built (a bad `RESPITE_EXECUTOR` is
/// warned about once).
#[derive(Resource)]
struct Choice {
    single: bool,
    why: String,
}

impl Plugin for ExecutorPlugin {
    fn build(&self, app: &mut App) {
        let (single, why) = single_threaded_here();
        // RESPITE_TREE_MARKING=bevy keeps Bevy's own marking, for comparison.
        let bevys = std::env::var("RESPITE_TREE_MARKING").is_ok_and(|v| v == "bevy");
        if single && !bevys {
            serial_tree_marking(app);
        }
        app.insert_resource(Choice { single, why });
    }

    fn cleanup(&self, app: &mut App) {
        let Some(Choice { single, why }) = app.world_mut().remove_resource::<Choice>() else {
            return;
        };
        if !single {
            return;
        }
        // The main App first, then the render world and any other sub-app.
        let count: usize = app
            .sub_apps_mut()
            .iter_mut()
            .map(|sub| single_threaded(sub.world_mut()))
            .sum();
        info!("{count} schedules run single-threaded ({why})");
    }
}

fn single_threaded(world: &mut World) -> usize {
    let Some(mut schedules) = world.get_resource_mut::<Schedules>() else {
        return 0;
    };
    schedules
        .iter_mut()
        .map(|(_, schedule)| schedule.set_executor(SingleThreadedExecutor::new()))
        .count()
}

/// Bevy's `mark_dirty_trees` (which lets transform propagation skip trees where nothing
/// moved) runs, in a build with `multi_threaded`, as a producer, traversal tasks and a
/// consumer in a task scope on the compute pool, whatever executor runs the schedule. With
/// two cores that lavapipe's threads also want, the scope's wake-ups cost more than the walk
/// itself: about 0.1 ms a frame in the bare scene and 0.4 ms in a walk (docs/performance.md).
/// Here Bevy's system is told the optimisation is off while it runs (it then returns at
/// once), the same marking is done by Bevy's own serial loop right after it, and the
/// optimisation is on again before propagation reads the marks.
fn serial_tree_marking(app: &mut App) {
    use bevy::transform::systems::{mark_dirty_trees, propagate_parent_transforms};
    app.init_resource::<MarkingSkipped>().add_systems(
        PostUpdate,
        (
            skip_bevys_marking.before(mark_dirty_trees),
            mark_dirty_trees_serially
                .after(mark_dirty_trees)
                .before(propagate_parent_transforms),
        )
            .in_set(TransformSystems::Propagate),
    );
}

/// Whether this frame's Bevy marking was skipped (so the serial one is to run); a program
/// that turned the optimisation off itself keeps it off.
#[derive(Resource, Default)]
struct MarkingSkipped(bool);

fn skip_bevys_marking(
    mut optimisations: ResMut<StaticTransformOptimizations>,
    mut skipped: ResMut<MarkingSkipped>,
) {
    skipped.0 = optimisations.is_enabled();
    if skipped.0 {
        *optimisations.bypass_change_detection() = StaticTransformOptimizations::Disabled;
    }
}

/// Bevy's serial `mark_dirty_trees` (bevy_transform 0.19, built without `multi_threaded`):
/// from every entity whose transform or parent changed, mark it and its ancestors up to the
/// first one already marked this frame.
fn mark_dirty_trees_serially(
    changed: Query<Entity, Or<(Changed<Transform>, Changed<ChildOf>, Added<GlobalTransform>)>>,
    mut orphaned: RemovedComponents<ChildOf>,
    mut transforms: Query<&mut bevy::transform::components::TransformTreeChanged>,
    parents: Query<&ChildOf>,
    mut optimisations: ResMut<StaticTransformOptimizations>,
    skipped: Res<MarkingSkipped>,
) {
    if !skipped.0 {
        return;
    }
    *optimisations.bypass_change_detection() = StaticTransformOptimizations::Enabled;
    for entity in changed.iter().chain(orphaned.read()) {
        let mut next = entity;
        while let Ok(mut tree) = transforms.get_mut(next) {
            if tree.is_changed() && !tree.is_added() {
                break;
            }
            tree.set_changed();
            match parents.get(next) {
                Ok(parent) => next = parent.parent(),
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(app: &mut App, e: Entity, to: impl FnOnce(&mut Vec3)) {
        to(&mut app.world_mut().get_mut::<Transform>(e).unwrap().translation);
    }

    /// A parent at x = 1 and its child, at the parent's place.
    fn parent_and_child(app: &mut App) -> (Entity, Entity) {
        let world = app.world_mut();
        let parent = world.spawn(Transform::from_xyz(1.0, 0.0, 0.0)).id();
        let child = world.spawn((Transform::IDENTITY, ChildOf(parent))).id();
        (parent, child)
    }

    /// A parent, a child and a grandchild, and a tree beside them that never moves: every
    /// move, reparenting and orphaning must reach the global transforms, frame after frame.
    fn world(serial: bool) -> Vec<[f32; 3]> {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::transform::TransformPlugin));
        if serial {
            serial_tree_marking(&mut app);
        }
        let world = app.world_mut();
        let still = world.spawn(Transform::from_xyz(100.0, 0.0, 0.0)).id();
        let still_child = world
            .spawn((Transform::from_xyz(0.0, 1.0, 0.0), ChildOf(still)))
            .id();
        let parent = world.spawn(Transform::from_xyz(1.0, 0.0, 0.0)).id();
        let child = world
            .spawn((Transform::from_xyz(0.0, 2.0, 0.0), ChildOf(parent)))
            .id();
        let grandchild = world
            .spawn((Transform::from_xyz(0.0, 0.0, 3.0), ChildOf(child)))
            .id();
        let mut seen = Vec::new();
        let mut look = |app: &mut App| {
            app.update();
            for e in [still_child, child, grandchild] {
                let g = app.world().get::<GlobalTransform>(e).unwrap().translation();
                seen.push(g.to_array());
            }
        };
        look(&mut app);
        look(&mut app);
        shift(&mut app, parent, |p| p.x = 5.0);
        look(&mut app);
        shift(&mut app, grandchild, |p| p.z = 7.0);
        look(&mut app);
        look(&mut app);
        app.world_mut()
            .entity_mut(grandchild)
            .insert(ChildOf(still));
        look(&mut app);
        app.world_mut().entity_mut(child).remove::<ChildOf>();
        look(&mut app);
        shift(&mut app, parent, |p| p.x = -1.0);
        look(&mut app);
        seen
    }

    #[test]
    fn the_serial_marking_moves_what_bevys_own_moves_and_nothing_else() {
        let serial = world(true);
        assert_eq!(serial, world(false));
        // Hand-worked: after the parent moves to x = 5 the grandchild is at (5, 2, 3); moved
        // to z = 7 it is at (5, 2, 7); under the still tree at (100, 0, 7); the child, cut
        // loose, at its own (0, 2, 0) whatever its old parent does.
        let at = |frame: usize, which: usize| serial[frame * 3 + which];
        assert_eq!(at(1, 2), [1.0, 2.0, 3.0]);
        assert_eq!(at(2, 2), [5.0, 2.0, 3.0]);
        assert_eq!(at(3, 2), [5.0, 2.0, 7.0]);
        assert_eq!(at(5, 2), [100.0, 0.0, 7.0]);
        assert_eq!(at(6, 1), [0.0, 2.0, 0.0]);
        assert_eq!(at(7, 1), [0.0, 2.0, 0.0]);
        assert_eq!(at(7, 0), [100.0, 1.0, 0.0]);
    }

    #[test]
    fn without_the_serial_marking_a_moved_parent_would_leave_its_child_behind() {
        // The test above can fail: with Bevy's marking skipped and the optimisation on again
        // with nothing marked, a moved parent's child keeps its old place.
        fn on_again(mut optimisations: ResMut<StaticTransformOptimizations>) {
            *optimisations = StaticTransformOptimizations::Enabled;
        }
        use bevy::transform::systems::{mark_dirty_trees, propagate_parent_transforms};
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::transform::TransformPlugin));
        app.init_resource::<MarkingSkipped>().add_systems(
            PostUpdate,
            (
                skip_bevys_marking.before(mark_dirty_trees),
                on_again
                    .after(mark_dirty_trees)
                    .before(propagate_parent_transforms),
            ),
        );
        let (parent, child) = parent_and_child(&mut app);
        app.update();
        app.update();
        shift(&mut app, parent, |p| p.x = 5.0);
        app.update();
        let x = app
            .world()
            .get::<GlobalTransform>(child)
            .unwrap()
            .translation()
            .x;
        assert_eq!(x, 1.0);
    }

    #[test]
    fn a_program_that_turned_the_optimisation_off_keeps_it_off_and_its_transforms_right() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::transform::TransformPlugin));
        serial_tree_marking(&mut app);
        app.insert_resource(StaticTransformOptimizations::Disabled);
        let (parent, child) = parent_and_child(&mut app);
        app.update();
        shift(&mut app, parent, |p| p.x = 5.0);
        app.update();
        let world = app.world();
        assert_eq!(
            *world.resource::<StaticTransformOptimizations>(),
            StaticTransformOptimizations::Disabled
        );
        assert_eq!(
            world.get::<GlobalTransform>(child).unwrap().translation().x,
            5.0
        );
    }
}
