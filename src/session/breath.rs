//! The patient's own breath, heard through a microphone (`--breath mic`, the default input
//! device) or read from a recording as if heard live (`--breath file:WAV`, for tests and
//! demonstrations). Off unless asked for. A thread of its own runs the detector
//! (`respite_core::breathing`); the session puts each breath on record as it ends
//! (`breath`), and each minute in the place the rate heard and how far it was from the
//! pacer's (`breath_minute`); the pacer's orb then swells as the patient breathes in and
//! fades as they breathe out, never faster than a full swell in 1.5 s, and goes back to
//! the pacer's own time when no breath has been heard for two of its breaths. Without a
//! microphone the session goes on as without `--breath`, and says so on record and on
//! the console.

use super::{Phase, Record, SessionClock};
use bevy::prelude::*;
use respite_core::breathing::{Breath, Detector, Phase as Way};
use respite_core::session::event::SessionEvent;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

/// Where the breath is heard from.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub enum BreathInput {
    #[default]
    Off,
    /// The default input device.
    Mic,
    /// A recording, played into the detector at its own pace: (file, rate, mono samples).
    File(PathBuf, u32, Arc<Vec<f32>>),
}

impl BreathInput {
    fn source(&self) -> String {
        match self {
            BreathInput::Off => "off".into(),
            BreathInput::Mic => "mic".into(),
            BreathInput::File(p, ..) => format!(
                "file:{}",
                p.file_name().map_or("?".into(), |n| n.to_string_lossy())
            ),
        }
    }
}

/// What the detector's thread hears, 10 ms at a time.
#[derive(Debug, Clone)]
enum Heard {
    Now {
        sounding: Option<Way>,
        ended: Vec<Breath>,
        rate: Option<f32>,
    },
    /// The input could not be opened, or stopped (a recording's end, a device gone).
    Stopped(String),
}

/// The patient's breath as the session knows it.
#[derive(Resource, Debug, Default)]
pub struct PatientBreath {
    /// Heard now: the input is open and delivering.
    pub listening: bool,
    /// Why not, when asked for and not heard.
    pub trouble: Option<String>,
    /// The breath rate of the last minute, breaths a minute.
    pub rate: Option<f32>,
    /// Which way the breath goes now, if a breath sound is heard.
    pub now: Option<Way>,
    /// The orb's swell from the patient's breath, 0 (out) to 1 (in), eased.
    pub swell: f32,
    /// This minute's exhales, and the minute on record last.
    exhales: u32,
    minute: u32,
    /// When a breath was last heard, real seconds since the app began.
    last_heard_s: Option<f64>,
}

impl PatientBreath {
    /// Whether the orb follows the patient's breath now: heard within the last two of the
    /// pacer's breaths (`period_s` each); else it keeps the pacer's own time.
    pub fn leads(&self, now_s: f64, period_s: f32) -> bool {
        self.listening
            && self
                .last_heard_s
                .is_some_and(|t| now_s - t < 2.0 * f64::from(period_s))
    }

    /// The console's line on the patient's breath, when `--breath` asked for it.
    pub fn console_line(&self) -> Option<String> {
        if let Some(why) = &self.trouble {
            return Some(format!("Patient's breath: not heard ({why})"));
        }
        if !self.listening {
            return None;
        }
        let rate = self.rate.map_or("rate not yet heard".to_string(), |r| {
            format!("{r:.1} breaths/min")
        });
        let now = match self.now {
            Some(Way::Inhale) => "breathing in",
            Some(Way::Exhale) => "breathing out",
            None => "quiet",
        };
        Some(format!("Patient's breath: {rate}, {now}"))
    }
}

/// How fast the orb may follow the breath: a full swell in no less than 1.5 s (the pacer's
/// own at 12 breaths a minute is 2 s).
const SWELL_PER_S: f32 = 1.0 / 1.5;

/// What the detector's thread says, and which input it listens to.
#[derive(Resource)]
struct Ear(Mutex<Receiver<Heard>>, String);

pub(super) fn plugin(app: &mut App) {
    let input = app
        .world()
        .get_resource::<BreathInput>()
        .cloned()
        .unwrap_or_default();
    app.init_resource::<PatientBreath>();
    if input == BreathInput::Off {
        return;
    }
    let (tx, rx) = sync_channel(256);
    let source = input.source();
    let picture = app
        .world()
        .get_resource::<crate::screenshot::ScreenshotJob>()
        .map(|j| f64::from(j.breath_at));
    match input {
        // A picture is a function of its frame: the recording is heard at the picture's
        // clock, on the frame, and the pacer is on from the first.
        BreathInput::File(_, rate, samples) if picture.is_some() => {
            app.insert_resource(Replay {
                detector: Detector::new(rate),
                rate,
                samples,
                fed: 0,
                lead_s: picture.unwrap_or(0.0),
                tx,
            })
            .insert_resource(super::guides::Pacer::shown_from_the_start())
            .add_systems(Update, replay.before(hear));
        }
        input => {
            std::thread::Builder::new()
                .name("respite-breath".into())
                .spawn(move || listen(input, tx))
                .ok();
        }
    }
    app.insert_resource(Ear(Mutex::new(rx), source.clone()))
        .add_systems(Startup, move |mut records: MessageWriter<Record>| {
            records.write(Record(SessionEvent::BreathInput {
                source: source.clone(),
                state: "listening".into(),
                reason: None,
            }));
        })
        .add_systems(Update, (hear, follow).chain())
        .add_systems(OnEnter(Phase::Closing), last_minute);
}

/// The detector's thread: opens the input and feeds the detector, telling the session
/// what it hears.
fn listen(input: BreathInput, tx: SyncSender<Heard>) {
    match input {
        BreathInput::Off => {}
        BreathInput::File(_, rate, samples) => {
            let mut d = Detector::new(rate);
            let start = Instant::now();
            let mut fed = 0usize;
            while fed < samples.len() {
                std::thread::sleep(Duration::from_millis(10));
                let due =
                    ((start.elapsed().as_secs_f64() * f64::from(rate)) as usize).min(samples.len());
                let ended = d.push(&samples[fed..due]);
                fed = due;
                let now = Heard::Now {
                    sounding: d.sounding(),
                    ended,
                    rate: d.rate_per_min(),
                };
                if tx.send(now).is_err() {
                    return; // the session is over
                }
            }
            let _ = tx.send(Heard::Stopped("the recording ended".into()));
        }
        BreathInput::Mic => {
            if let Err(e) = microphone(&tx) {
                let _ = tx.send(Heard::Stopped(e));
            }
        }
    }
}

/// A recording heard at the picture's clock (`respite screenshot --breath file:WAV`).
#[derive(Resource)]
struct Replay {
    detector: Detector,
    rate: u32,
    samples: Arc<Vec<f32>>,
    fed: usize,
    /// How far into the recording the first frame is.
    lead_s: f64,
    tx: SyncSender<Heard>,
}

fn replay(mut r: ResMut<Replay>, mut breath: ResMut<PatientBreath>, real: Res<Time<Real>>) {
    let r = &mut *r;
    if r.fed >= r.samples.len() {
        return;
    }
    let block = (r.rate / 100).max(1) as usize;
    if r.fed == 0 && r.lead_s > 0.0 {
        // The recording up to the first frame, heard at once, and the orb's swell eased
        // through it 10 ms at a time as the frames would have.
        let lead = ((r.lead_s * f64::from(r.rate)) as usize).min(r.samples.len());
        let mut swell = breath.swell;
        for chunk in r.samples[..lead].chunks(block) {
            let _ = r.detector.push(chunk);
            swell = ease(swell, r.detector.sounding(), block as f32 / r.rate as f32);
        }
        breath.swell = swell;
        r.fed = lead;
    }
    let due =
        (((r.lead_s + real.elapsed_secs_f64()) * f64::from(r.rate)) as usize).min(r.samples.len());
    // As a sound card gives them: 10 ms at a time.
    let mut ended = Vec::new();
    for chunk in r.samples[r.fed..due].chunks(block) {
        ended.extend(r.detector.push(chunk));
    }
    r.fed = due;
    let heard = Heard::Now {
        sounding: r.detector.sounding(),
        ended,
        rate: r.detector.rate_per_min(),
    };
    let _ = r.tx.try_send(heard);
    if r.fed == r.samples.len() {
        let _ = r.tx.try_send(Heard::Stopped("the recording ended".into()));
    }
}

/// Listens to the default input device until the session ends.
fn microphone(tx: &SyncSender<Heard>) -> Result<(), String> {
    use rodio::cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use rodio::cpal::{self, FromSample};
    let device = cpal::default_host()
        .default_input_device()
        .ok_or("no input device (microphone) was found")?;
    let config = device
        .default_input_config()
        .map_err(|e| format!("the input device offers no usable format ({e})"))?;
    let channels = usize::from(config.channels().max(1));
    let rate = config.sample_rate();
    // The device's thread hands samples over; a full queue drops them (counted as silence
    // by the detector's clock, never a stall of the device).
    let (stx, srx) = sync_channel::<Vec<f32>>(64);
    let dropped = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let lost = dropped.clone();
    let mono = move |data: &[f32]| {
        let block: Vec<f32> = data
            .chunks(channels)
            .map(|f| f.iter().sum::<f32>() / channels as f32)
            .collect();
        let n = block.len();
        if stx.try_send(block).is_err() {
            lost.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let err = |e| bevy::log::warn!("breath: input device error: {e}");
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => {
            device.build_input_stream(&config.into(), move |d: &[f32], _: &_| mono(d), err, None)
        }
        cpal::SampleFormat::I16 => device.build_input_stream(
            &config.into(),
            move |d: &[i16], _: &_| {
                let f: Vec<f32> = d.iter().map(|s| f32::from_sample_(*s)).collect();
                mono(&f);
            },
            err,
            None,
        ),
        other => {
            return Err(format!(
                "the input device's sample format {other} is not supported"
            ));
        }
    }
    .map_err(|e| format!("the input device could not be opened ({e})"))?;
    stream
        .play()
        .map_err(|e| format!("the input device would not start ({e})"))?;
    let mut d = Detector::new(rate);
    loop {
        match srx.recv_timeout(Duration::from_secs(3)) {
            Ok(block) => {
                let ended = d.push(&block);
                let lost = dropped.swap(0, std::sync::atomic::Ordering::Relaxed);
                if lost > 0 {
                    d.skip(lost as u64);
                }
                let now = Heard::Now {
                    sounding: d.sounding(),
                    ended,
                    rate: d.rate_per_min(),
                };
                if tx.send(now).is_err() {
                    return Ok(());
                }
            }
            Err(_) => return Err("the input device delivered no sound for 3 s".into()),
        }
    }
}

/// Takes what the detector heard: each ended breath on record, the rate and the way now.
fn hear(
    ear: Res<Ear>,
    mut breath: ResMut<PatientBreath>,
    phase: Res<State<Phase>>,
    real: Res<Time<Real>>,
    mut records: MessageWriter<Record>,
) {
    let Ok(rx) = ear.0.lock() else { return };
    for heard in rx.try_iter() {
        match heard {
            Heard::Now {
                sounding,
                ended,
                rate,
            } => {
                breath.listening = true;
                breath.now = sounding;
                breath.rate = rate;
                if sounding.is_some() || !ended.is_empty() {
                    breath.last_heard_s = Some(real.elapsed_secs_f64());
                }
                for b in ended {
                    if b.phase == Way::Exhale && *phase.get() == Phase::Immersion {
                        breath.exhales += 1;
                    }
                    records.write(Record(SessionEvent::Breath {
                        phase: b.phase.code().into(),
                        start_s: b.start_s,
                        end_s: b.end_s,
                        level_db: b.level_db,
                        rate_per_min: rate,
                    }));
                }
            }
            Heard::Stopped(reason) => {
                breath.listening = false;
                breath.now = None;
                breath.rate = None;
                warn!("breath: {reason}; the session goes on without the patient's breath");
                records.write(Record(SessionEvent::BreathInput {
                    source: ear.1.clone(),
                    state: "stopped".into(),
                    reason: Some(reason.clone()),
                }));
                breath.trouble = Some(reason);
            }
        }
    }
}

/// The orb's swell follows the breath (in: swell; out: fade; quiet after an exhale: the
/// next inhale), eased; each full minute in the place goes on record.
fn follow(
    mut breath: ResMut<PatientBreath>,
    pacer: Res<super::guides::Pacer>,
    phase: Res<State<Phase>>,
    scene: Res<Time<Virtual>>,
    real: Res<Time<Real>>,
    clock: Res<SessionClock>,
    mut records: MessageWriter<Record>,
) {
    breath.swell = ease(breath.swell, breath.now, real.delta_secs());
    if *phase.get() != Phase::Immersion {
        return;
    }
    let minute = (clock.in_place_s(&scene) / 60.0).floor() as u32;
    if minute > breath.minute {
        let m = breath.minute + 1;
        breath.minute = minute;
        let record = minute_record(&mut breath, m, &pacer);
        records.write(Record(record));
    }
}

/// The orb's swell `dt` seconds on, following the breath heard now: in, or quiet after a
/// breath out, swells; out fades; never faster than [`SWELL_PER_S`].
fn ease(swell: f32, now: Option<Way>, dt: f32) -> f32 {
    let target = match now {
        Some(Way::Exhale) => 0.0,
        Some(Way::Inhale) | None => 1.0,
    };
    let step = SWELL_PER_S * dt;
    swell + (target - swell).clamp(-step, step)
}

/// The closing ends the minute under way: on record as far as it went (unless it had
/// hardly begun: the place's time ran out on a whole minute).
fn last_minute(
    mut breath: ResMut<PatientBreath>,
    pacer: Res<super::guides::Pacer>,
    scene: Res<Time<Virtual>>,
    clock: Res<SessionClock>,
    mut records: MessageWriter<Record>,
) {
    let into = clock.in_place_s(&scene) - breath.minute as f32 * 60.0;
    if into < 1.0 && breath.exhales == 0 {
        return;
    }
    let m = breath.minute + 1;
    let record = minute_record(&mut breath, m, &pacer);
    records.write(Record(record));
}

/// One minute's breathing: the rate heard and, with the pacer on, how far it was from the
/// pacer's (the patient's less the pacer's, breaths a minute).
fn minute_record(
    breath: &mut PatientBreath,
    minute: u32,
    pacer: &super::guides::Pacer,
) -> SessionEvent {
    let exhales = std::mem::take(&mut breath.exhales);
    let pacer_rate = pacer.on.then_some(pacer.breaths_per_min);
    SessionEvent::BreathMinute {
        minute,
        exhales,
        rate_per_min: breath.rate,
        pacer_per_min: pacer_rate,
        off_pacer_per_min: pacer_rate.zip(breath.rate).map(|(p, r)| r - p),
    }
}
