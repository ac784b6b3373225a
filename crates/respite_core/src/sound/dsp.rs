//! Small signal-processing parts: a fast seeded noise source, one-pole and biquad filters,
//! and the smooth step used for every fade.

use crate::smoothstep;
use std::f32::consts::TAU;

/// SplitMix64: tiny, fast and exactly reproducible. Seeded from the scene's ChaCha stream.
#[derive(Clone, Debug)]
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x2545_F491_4F6C_DD1D)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..1.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Uniform in −1..1: white noise.
    pub fn white(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }
    /// Uniform in lo..hi.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
    /// Exponentially distributed waiting time with this mean (a Poisson process's gaps).
    pub fn wait(&mut self, mean: f32) -> f32 {
        -mean * (1.0 - self.unit()).max(1e-6).ln()
    }
}

/// One-pole low-pass; `highpass` is the input minus it.
#[derive(Clone, Debug, Default)]
pub struct OnePole {
    a: f32,
    y: f32,
}

impl OnePole {
    pub fn new(cutoff_hz: f32, sample_rate: f32) -> Self {
        let mut f = Self::default();
        f.set(cutoff_hz, sample_rate);
        f
    }
    pub fn set(&mut self, cutoff_hz: f32, sample_rate: f32) {
        self.a = 1.0 - (-TAU * cutoff_hz / sample_rate).exp();
    }
    pub fn lowpass(&mut self, x: f32) -> f32 {
        self.y += self.a * (x - self.y);
        self.y
    }
    pub fn highpass(&mut self, x: f32) -> f32 {
        x - self.lowpass(x)
    }
}

/// A band-pass biquad (RBJ cookbook, constant 0 dB peak gain).
#[derive(Clone, Debug, Default)]
pub struct BandPass {
    b0: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl BandPass {
    pub fn new(center_hz: f32, q: f32, sample_rate: f32) -> Self {
        let mut f = Self::default();
        f.set(center_hz, q, sample_rate);
        f
    }
    pub fn set(&mut self, center_hz: f32, q: f32, sample_rate: f32) {
        let w = TAU * center_hz / sample_rate;
        let alpha = w.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        self.b0 = alpha / a0;
        self.b2 = -alpha / a0;
        self.a1 = -2.0 * w.cos() / a0;
        self.a2 = (1.0 - alpha) / a0;
    }
    pub fn process(&mut self, x: f32) -> f32 {
        let y = self.b0 * x + self.b2 * self.x2 - self.a1 * self.y1 - self.a2 * self.y2;
        self.x2 = self.x1;
        self.x1 = x;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// A slow random wander in 0..1 (gusts, swells): a new target every `period` seconds,
/// approached smoothly.
#[derive(Clone, Debug)]
pub struct Wander {
    from: f32,
    to: f32,
    t: f32,
    len: f32,
    period: f32,
}

impl Wander {
    pub fn new(period_s: f32, noise: &mut Noise) -> Self {
        let start = noise.unit();
        Self {
            from: start,
            to: noise.unit(),
            t: 0.0,
            len: period_s,
            period: period_s,
        }
    }
    /// Advances by `dt` seconds and returns the current value.
    pub fn step(&mut self, dt: f32, noise: &mut Noise) -> f32 {
        self.t += dt;
        if self.t >= self.len {
            self.t -= self.len;
            self.from = self.to;
            self.to = noise.unit();
            self.len = self.period * noise.range(0.6, 1.4);
        }
        self.from + (self.to - self.from) * smoothstep(self.t / self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_reproducible_and_centred() {
        let mut a = Noise::new(5);
        let mut b = Noise::new(5);
        let xs: Vec<f32> = (0..10_000).map(|_| a.white()).collect();
        let ys: Vec<f32> = (0..10_000).map(|_| b.white()).collect();
        assert_eq!(xs, ys);
        let mean = xs.iter().sum::<f32>() / xs.len() as f32;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!(xs.iter().all(|x| (-1.0..1.0).contains(x)));
    }

    const SR: f32 = 48_000.0;

    /// Peak output for a unit sine at `hz`, once the filter has settled (second half of 1 s).
    fn settled_gain(hz: f32, mut filter: impl FnMut(f32) -> f32) -> f32 {
        (0..48_000)
            .map(|i| filter((TAU * hz * i as f32 / SR).sin()))
            .skip(24_000)
            .fold(0.0, |peak: f32, y| peak.max(y.abs()))
    }

    #[test]
    fn lowpass_passes_low_and_stops_high() {
        let gain = |hz: f32| {
            let mut f = OnePole::new(500.0, SR);
            settled_gain(hz, |x| f.lowpass(x))
        };
        assert!(gain(50.0) > 0.95);
        assert!(gain(10_000.0) < 0.1);
    }

    #[test]
    fn bandpass_peaks_at_its_centre() {
        let gain = |hz: f32| {
            let mut f = BandPass::new(2_000.0, 2.0, SR);
            settled_gain(hz, |x| f.process(x))
        };
        assert!((gain(2_000.0) - 1.0).abs() < 0.05);
        assert!(gain(200.0) < 0.1 && gain(15_000.0) < 0.2);
    }
}
