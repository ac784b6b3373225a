//! A per-system profile for `respite bench` (built with `--features profile`, which turns on
//! Bevy's trace spans: one span a system run, one a schedule run). A tracing layer adds up,
//! while the bench is recording, each system's time under the schedule that ran it; the
//! bench writes the totals to its child's report. Off in every normal build: the spans cost
//! time of their own (the profile's CPU figures are higher than the bench's without it).

use bevy::log::BoxedLayer;
use bevy::log::tracing::span::{Attributes, Id};
use bevy::log::tracing::{Subscriber, field};
use bevy::log::tracing_subscriber::Layer;
use bevy::log::tracing_subscriber::layer::Context;
use bevy::log::tracing_subscriber::registry::LookupSpan;
use bevy::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Whether spans are being added up now (the bench's recorded frames).
pub static RECORDING: AtomicBool = AtomicBool::new(false);

/// "Schedule/system" → (total seconds, runs), over the recorded frames.
static TOTALS: Mutex<Option<HashMap<String, (f64, u64)>>> = Mutex::new(None);

thread_local! {
    /// The schedules this thread is inside, innermost last.
    static SCHEDULES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// What a span is: a schedule or a system run, and its name.
struct Named {
    schedule: bool,
    name: String,
}

/// When a span was entered.
struct Entered(Instant);

#[derive(Default)]
struct NameField(Option<String>);

impl field::Visit for NameField {
    fn record_str(&mut self, f: &field::Field, value: &str) {
        if f.name() == "name" {
            self.0 = Some(value.to_string());
        }
    }
    fn record_debug(&mut self, f: &field::Field, value: &dyn std::fmt::Debug) {
        if f.name() == "name" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

struct SystemTimes;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SystemTimes {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let kind = attrs.metadata().name();
        if kind != "system" && kind != "schedule" {
            return;
        }
        let mut name = NameField::default();
        attrs.record(&mut name);
        if let (Some(span), Some(name)) = (ctx.span(id), name.0) {
            span.extensions_mut().insert(Named {
                schedule: kind == "schedule",
                name,
            });
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        let Some(named) = ext.get_mut::<Named>() else {
            return;
        };
        if named.schedule {
            let name = named.name.clone();
            SCHEDULES.with(|s| s.borrow_mut().push(name));
        }
        ext.replace(Entered(Instant::now()));
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let ext = span.extensions();
        let (Some(named), Some(Entered(at))) = (ext.get::<Named>(), ext.get::<Entered>()) else {
            return;
        };
        if named.schedule {
            SCHEDULES.with(|s| s.borrow_mut().pop());
            return;
        }
        if !RECORDING.load(Ordering::Relaxed) {
            return;
        }
        let s = at.elapsed().as_secs_f64();
        let schedule = SCHEDULES.with(|s| s.borrow().last().cloned().unwrap_or_default());
        let key = format!("{schedule}/{}", named.name);
        let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
        let e = totals.get_or_insert_default().entry(key).or_default();
        e.0 += s;
        e.1 += 1;
    }
}

/// For [`bevy::log::LogPlugin::custom_layer`].
pub fn layer(_app: &mut App) -> Option<BoxedLayer> {
    Some(Box::new(SystemTimes))
}

/// Every system's total over the recorded frames: ("schedule/system", seconds, runs),
/// the most costly first.
pub fn totals() -> Vec<(String, f64, u64)> {
    let totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    let mut all: Vec<(String, f64, u64)> = totals
        .iter()
        .flatten()
        .map(|(k, (s, n))| (k.clone(), *s, *n))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all
}
