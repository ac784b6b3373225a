//! Whether everything in view can be drawn yet. The render world counts pipelines still
//! compiling; the main world reads that count. The opening fade holds on its neutral and a
//! screenshot waits until the count has been zero for a few frames, so nothing pops in.

use bevy::prelude::*;
use bevy::render::render_resource::PipelineCache;
use bevy::render::{Render, RenderApp};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Frames in a row with nothing compiling before the picture counts as settled.
const SETTLED_FRAMES: u32 = 3;

#[derive(Resource, Clone, Default)]
struct PendingPipelines(Arc<AtomicUsize>);

/// Main-world view of render readiness.
#[derive(Resource, Default)]
pub struct RenderReadiness {
    pending: Arc<AtomicUsize>,
    quiet_frames: u32,
}

impl RenderReadiness {
    /// True once nothing has been waiting to compile for a few frames in a row.
    pub fn is_settled(&self) -> bool {
        self.quiet_frames >= SETTLED_FRAMES
    }

    /// Settled or not, for tests without a renderer.
    #[cfg(test)]
    pub(crate) fn force(&mut self, settled: bool) {
        self.quiet_frames = if settled { SETTLED_FRAMES } else { 0 };
    }
}

pub(super) fn plugin(app: &mut App) {
    let pending = PendingPipelines::default();
    app.insert_resource(RenderReadiness {
        pending: pending.0.clone(),
        quiet_frames: 0,
    })
    .add_systems(First, count_quiet_frames);
    if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
        render_app
            .insert_resource(pending)
            .add_systems(Render, publish_pending);
    }
}

fn publish_pending(cache: Res<PipelineCache>, pending: Res<PendingPipelines>) {
    pending
        .0
        .store(cache.waiting_pipelines().count(), Ordering::Relaxed);
}

fn count_quiet_frames(
    mut readiness: ResMut<RenderReadiness>,
    frames: Res<bevy::diagnostic::FrameCount>,
) {
    // The first frames have queued nothing yet; zero pending then means nothing.
    if frames.0 < 2 || readiness.pending.load(Ordering::Relaxed) > 0 {
        readiness.quiet_frames = 0;
    } else {
        readiness.quiet_frames += 1;
    }
}
