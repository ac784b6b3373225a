//! Measuring the room's noise with the default input device, for `AboveAmbient` levels.
//! The microphone's calibration (the dB SPL that reads as 0 dBFS RMS on it) turns what it
//! hears into dB SPL; without a calibration a measurement would mean nothing.

use rodio::cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use rodio::cpal::{self, FromSample, SizedSample};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Seconds of room noise to average.
pub const MEASURE_S: f32 = 3.0;

/// Listens for `MEASURE_S` and returns the room's level in dB SPL.
pub fn measure_ambient(mic_db_spl: f32) -> Result<f32, String> {
    let host = cpal::default_host();
    let device = host
        .default_input_device()
        .ok_or("no input device (microphone) was found")?;
    let config = device
        .default_input_config()
        .map_err(|e| format!("the input device offers no usable format ({e})"))?;
    let power = Arc::new(Mutex::new((0.0f64, 0u64)));
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => listen::<f32>(&device, &config.into(), power.clone()),
        cpal::SampleFormat::I16 => listen::<i16>(&device, &config.into(), power.clone()),
        cpal::SampleFormat::I32 => listen::<i32>(&device, &config.into(), power.clone()),
        cpal::SampleFormat::U16 => listen::<u16>(&device, &config.into(), power.clone()),
        other => Err(format!(
            "the input device's sample format {other} is not supported"
        )),
    }?;
    stream
        .play()
        .map_err(|e| format!("the input device would not start ({e})"))?;
    std::thread::sleep(Duration::from_secs_f32(MEASURE_S));
    drop(stream);
    let (sum, n) = *power
        .lock()
        .map_err(|_| "the measurement was interrupted")?;
    if n == 0 {
        return Err("the input device delivered no sound in 3 s".into());
    }
    let rms = (sum / n as f64).sqrt() as f32;
    Ok(respite_core::sound::gain_to_db(rms) + mic_db_spl)
}

fn listen<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    power: Arc<Mutex<(f64, u64)>>,
) -> Result<cpal::Stream, String>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    device
        .build_input_stream(
            config,
            move |data: &[T], _: &cpal::InputCallbackInfo| {
                if let Ok(mut p) = power.lock() {
                    for s in data {
                        let x = f64::from(f32::from_sample_(*s));
                        p.0 += x * x;
                    }
                    p.1 += data.len() as u64;
                }
            },
            |e| bevy::log::warn!("sound: input device error while measuring: {e}"),
            None,
        )
        .map_err(|e| format!("the input device could not be opened ({e})"))
}
