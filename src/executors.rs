//! How the App's systems share the machine's cores.
//!
//! Bevy runs each schedule's systems on a pool of threads. On a machine with two cores,
//! where the renderer's own threads already want both, handing systems to pool threads
//! costs more in wake-ups and context switches than the systems themselves; there every
//! schedule runs its systems one after another on the thread that runs it.

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

impl Plugin for ExecutorPlugin {
    fn build(&self, _app: &mut App) {}

    fn cleanup(&self, app: &mut App) {
        let (single, why) = single_threaded_here();
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
