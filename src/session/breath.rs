//! The patient's own breath, heard through a microphone (`--breath mic`, the default input
//! device) or read from a recording as if heard live (`--breath file:WAV`, for tests and
//! demonstrations). Off unless asked for. A thread of its own runs the detector
//! (`respite_core::breathing`); the session puts each breath on record as it ends
//! (`breath`), and each minute in the place the rate heard and how closely it followed the
//! pacer (`breath_minute`); the pacer's orb then swells as the patient breathes in and
//! fades as they breathe out, never faster than the pacer's own swell. Without a
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
        /// The detector's clock: seconds of input heard.
        clock_s: f64,
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
    /// This minute's exhales, on the pacer's clock (real seconds since the app began), and
    /// the minute on record last.
    exhales: Vec<f64>,
    minute: u32,
    /// The pacer's clock less the detector's: the smallest seen (the least delayed).
    offset_s: Option<f64>,
}

impl PatientBreath {
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
    std::thread::Builder::new()
        .name("respite-breath".into())
        .spawn(move || listen(input, tx))
        .ok();
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
                    clock_s: d.now_s(),
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
    let mono = move |data: &[f32]| {
        let block: Vec<f32> = data
            .chunks(channels)
            .map(|f| f.iter().sum::<f32>() / channels as f32)
            .collect();
        let _ = stx.try_send(block);
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
                let now = Heard::Now {
                    clock_s: d.now_s(),
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
                clock_s,
                sounding,
                ended,
                rate,
            } => {
                breath.listening = true;
                breath.now = sounding;
                breath.rate = rate;
                let offset = real.elapsed_secs_f64() - clock_s;
                let offset = breath.offset_s.map_or(offset, |o| o.min(offset));
                breath.offset_s = Some(offset);
                for b in ended {
                    if b.phase == Way::Exhale && *phase.get() == Phase::Immersion {
                        breath.exhales.push(b.start_s + offset);
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
    let target = match breath.now {
        Some(Way::Exhale) => 0.0,
        Some(Way::Inhale) | None => 1.0,
    };
    let step = SWELL_PER_S * real.delta_secs();
    breath.swell += (target - breath.swell).clamp(-step, step);
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
    if into < 1.0 && breath.exhales.is_empty() {
        return;
    }
    let m = breath.minute + 1;
    let record = minute_record(&mut breath, m, &pacer);
    records.write(Record(record));
}

/// One minute's breathing: the rate heard and, with the pacer on, how closely the exhales
/// kept its time: the share of them that began within a fifth of a breath of the pacer's
/// turn to breathe out.
fn minute_record(
    breath: &mut PatientBreath,
    minute: u32,
    pacer: &super::guides::Pacer,
) -> SessionEvent {
    let exhales = std::mem::take(&mut breath.exhales);
    let follow = pacer
        .on
        .then(|| respite_core::breathing::share_on_pacer(&exhales, pacer.breaths_per_min));
    SessionEvent::BreathMinute {
        minute,
        exhales: exhales.len() as u32,
        rate_per_min: breath.rate,
        pacer_per_min: pacer.on.then_some(pacer.breaths_per_min),
        on_pacer: follow.flatten(),
    }
}
