//! The arithmetic of `respite bench`: percentiles of frame times and ratios to the bare
//! scene. Kept here, engine-free, so it is tested on its own.

/// Frame-time figures in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// The nearest-rank percentile `p` (0–100) of sorted samples: the smallest sample with at
/// least p % of the samples at or below it. Empty input gives 0.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Summary {
    pub fn of(samples: &[f64]) -> Summary {
        let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        s.sort_by(f64::total_cmp);
        if s.is_empty() {
            return Summary::default();
        }
        Summary {
            n: s.len(),
            mean: s.iter().sum::<f64>() / s.len() as f64,
            p50: percentile(&s, 50.0),
            p95: percentile(&s, 95.0),
            p99: percentile(&s, 99.0),
            max: s[s.len() - 1],
        }
    }
}

/// `value / base`, or NaN when the base is zero or missing: a ratio never pretends.
pub fn ratio(value: f64, base: f64) -> f64 {
    if base > 0.0 && value.is_finite() {
        value / base
    } else {
        f64::NAN
    }
}

/// Frames per second from a mean frame time in milliseconds.
pub fn fps(mean_ms: f64) -> f64 {
    if mean_ms > 0.0 { 1000.0 / mean_ms } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of(&v);
        assert_eq!((s.p50, s.p95, s.p99, s.max), (50.0, 95.0, 99.0, 100.0));
        assert_eq!(s.mean, 50.5);
        // Unsorted input, one slow frame among ten: p95 and p99 see it, p50 does not.
        let mut v = vec![2.0; 9];
        v.insert(3, 30.0);
        let s = Summary::of(&v);
        assert_eq!((s.p50, s.p95, s.p99, s.max), (2.0, 30.0, 30.0, 30.0));
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(Summary::of(&[f64::NAN, 4.0]).n, 1);
    }

    #[test]
    fn ratios_and_rates() {
        assert_eq!(ratio(3.0, 2.0), 1.5);
        assert!(ratio(3.0, 0.0).is_nan());
        assert_eq!(fps(20.0), 50.0);
        assert_eq!(fps(0.0), 0.0);
        // A scene at 25 fps next to a bare scene at 100 fps runs at 0.25× its rate.
        assert_eq!(ratio(fps(40.0), fps(10.0)), 0.25);
    }
}
