//! The confirmatory contrasts a cross-over study reports: a paired t on per-participant
//! differences, a pooled two-sample t, and the 2×2 (AB/BA) cross-over analysis of Hills &
//! Armitage (1979), as set out in Senn, *Cross-over Trials in Clinical Research* (2nd ed.,
//! ch. 3) and Jones & Kenward, *Design and Analysis of Cross-Over Trials* (ch. 2): the
//! treatment, period and carry-over estimates, each with its SE, t, df, 95% interval and
//! two-sided p.
//!
//! The t distribution is computed here (regularized incomplete beta by continued fraction)
//! rather than read from `stats::t975`'s table, so that any df > 0 works, whole or not, and
//! p-values come with the intervals. Bad input (empty, too few values, NaN or ±∞) gives
//! `None`, never a panic. The scripts in `scripts/` fit the mixed-model version of the same
//! analysis in Python (statsmodels) and R (lme4 + emmeans) from `sessions.tsv`.

use super::stats::{mean, sd};

/// A t-based estimate: a mean difference or a model contrast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Participants contributing.
    pub n: usize,
    /// The mean difference or contrast.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// Degrees of freedom of the t reference distribution.
    pub df: f64,
    /// estimate ± t(0.975, df) · se.
    pub ci95: (f64, f64),
    /// estimate / se; ±∞ when se is 0 and the estimate is not (see [`paired`]).
    pub t: f64,
    /// Two-sided p for estimate = 0.
    pub p: f64,
}

/// The 2×2 (AB/BA) cross-over analysis, by the period-difference approach: each
/// participant's half period difference (y₁ − y₂)/2 has expectation
/// ((π₁ − π₂) + (τ_first − τ_second))/2, so the subject effect cancels and comparing
/// sequences separates treatment from period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossover {
    /// Treatment effect a − b, period-adjusted: mean over `ab` of (y₁ − y₂)/2 minus mean
    /// over `ba` of (y₁ − y₂)/2, which is exactly τa − τb; pooled two-sample t,
    /// df = n_ab + n_ba − 2, n = participants.
    pub treatment: Estimate,
    /// Period effect period 1 − period 2: mean over `ab` of (y₁ − y₂)/2 plus mean over `ba`
    /// of (y₁ − y₂)/2, which is exactly π₁ − π₂; same SE and df as the treatment effect.
    pub period: Estimate,
    /// Carry-over (treatment × period) check: pooled two-sample t on participant totals
    /// y₁ + y₂, mean(ab totals) − mean(ba totals). It is a between-participant comparison
    /// and has little power; report it, but do not use it to choose the analysis (the
    /// two-stage procedure is biased: Freeman 1989, Senn ch. 3).
    pub carryover: Estimate,
    pub n_ab: usize,
    pub n_ba: usize,
}

/// ln Γ(x) for x > 0: Lanczos (g = 7, 9 terms, relative error ~1e-15), shifted up for x < 0.5.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x) = Γ(x + 1) / x keeps the series in its accurate range.
        return ln_gamma(x + 1.0) - x.ln();
    }
    let x = x - 1.0;
    let mut sum = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The continued fraction for the incomplete beta (modified Lentz; Numerical Recipes §6.4).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The regularized incomplete beta I_x(a, b), given x and y = 1 − x separately so that
/// neither loses digits to the subtraction.
fn inc_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * y.ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, y) / b
    }
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
/// NaN for a NaN t or a df that is not finite and positive.
fn t_tail(t: f64, df: f64) -> f64 {
    if t.is_nan() || !(df.is_finite() && df > 0.0) {
        return f64::NAN;
    }
    let r2 = t * t / df;
    if r2.is_infinite() {
        return 0.0;
    }
    // x = df / (df + t²), 1 − x = t² / (df + t²), each without cancellation.
    inc_beta(df / 2.0, 0.5, 1.0 / (1.0 + r2), r2 / (1.0 + r2))
}

/// Student's t cumulative distribution P(T ≤ t), for any finite df > 0 (whole or not).
/// Against scipy: within 1e-14 up to df = 200, 3e-13 at df = 1000, 4e-11 at df = 1e5 (the
/// log-gamma difference loses digits as df grows). NaN for a NaN t or a df that is not
/// finite and positive.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = t_tail(t, df);
    if t < 0.0 {
        0.5 * tail
    } else {
        1.0 - 0.5 * tail
    }
}

/// The t with P(T ≤ t) = p: bisection on [`t_cdf`] down to the last representable digit
/// (accurate to 1e-9 and better). For the confidence intervals, in place of `stats::t975`,
/// so that df need not be whole. −∞ at p = 0, +∞ at p = 1, NaN outside [0, 1] or for a bad df.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !((0.0..=1.0).contains(&p) && df.is_finite() && df > 0.0) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    // Bracket: grow outward from 0 on the side p is on.
    let (mut lo, mut hi) = if p > 0.5 { (0.0, 1.0) } else { (-1.0, 0.0) };
    while t_cdf(hi, df) < p {
        lo = hi;
        hi *= 2.0;
        if hi.is_infinite() {
            return f64::INFINITY;
        }
    }
    while t_cdf(lo, df) > p {
        hi = lo;
        lo *= 2.0;
        if lo.is_infinite() {
            return f64::NEG_INFINITY;
        }
    }
    for _ in 0..2_000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Two-sided p-value of a t statistic: P(|T| ≥ |t|), computed directly (not as 2·(1 − cdf))
/// so that small p keep their digits. 0 for t = ±∞; NaN for a NaN t or a bad df.
pub fn two_sided_p(t: f64, df: f64) -> f64 {
    t_tail(t, df)
}

/// An [`Estimate`] from its parts. A zero SE (every value the same) gives the interval
/// (estimate, estimate) and t = 0, p = 1 when the estimate is 0, else t = ±∞, p = 0.
fn build(n: usize, estimate: f64, se: f64, df: f64) -> Estimate {
    let half = if se > 0.0 {
        t_quantile(0.975, df) * se
    } else {
        0.0
    };
    let (t, p) = if se > 0.0 {
        (estimate / se, two_sided_p(estimate / se, df))
    } else if estimate == 0.0 {
        (0.0, 1.0)
    } else {
        (estimate.signum() * f64::INFINITY, 0.0)
    };
    Estimate {
        n,
        estimate,
        se,
        df,
        ci95: (estimate - half, estimate + half),
        t,
        p,
    }
}

/// Sum of squared deviations from the mean; exactly 0 when every value is the same (so
/// rounding in the mean cannot make a spurious, tiny, non-zero variance).
fn sum_sq(xs: &[f64], m: f64) -> f64 {
    if xs.iter().all(|&x| x == xs[0]) {
        return 0.0;
    }
    xs.iter().map(|x| (x - m).powi(2)).sum()
}

/// One-sample t on paired differences (a − b per participant), df = n − 1. None below two
/// values or with a NaN or infinite value. If every difference is the same the SE is 0 and
/// the result is still given, as the degenerate case it is: interval (d, d), and t = 0,
/// p = 1 when d = 0, else t = ±∞, p = 0.
pub fn paired(diffs: &[f64]) -> Option<Estimate> {
    if diffs.len() < 2 || diffs.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let m = mean(diffs)?;
    let s = if diffs.iter().all(|&d| d == diffs[0]) {
        0.0
    } else {
        sd(diffs)?
    };
    let n = diffs.len();
    Some(build(n, m, s / (n as f64).sqrt(), (n - 1) as f64))
}

/// Pooled-variance two-sample t of mean(x) − mean(y), df = n_x + n_y − 2, n = n_x + n_y.
/// None unless each group has a value and there are three in all (a group of one adds
/// nothing to the pooled variance but still counts), or with a NaN or infinite value.
/// Zero pooled variance is handled as in [`paired`].
pub fn two_sample(x: &[f64], y: &[f64]) -> Option<Estimate> {
    if x.is_empty() || y.is_empty() || x.len() + y.len() < 3 {
        return None;
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let (mx, my) = (mean(x)?, mean(y)?);
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let df = nx + ny - 2.0;
    let pooled = (sum_sq(x, mx) + sum_sq(y, my)) / df;
    let se = (pooled * (1.0 / nx + 1.0 / ny)).sqrt();
    Some(build(x.len() + y.len(), mx - my, se, df))
}

/// The 2×2 (AB/BA) cross-over analysis of Hills & Armitage (1979) / Senn:
/// `ab` = participants given condition a in period 1 and b in period 2, as
/// (y_period1, y_period2); `ba` = participants given b first, as (y_period1, y_period2).
/// Only participants with both periods belong here. None unless each sequence has at least
/// one participant, there are three in all, and every value is finite.
pub fn hills_armitage(ab: &[(f64, f64)], ba: &[(f64, f64)]) -> Option<Crossover> {
    if ab.is_empty() || ba.is_empty() || ab.len() + ba.len() < 3 {
        return None;
    }
    if ab
        .iter()
        .chain(ba)
        .any(|(y1, y2)| !(y1.is_finite() && y2.is_finite()))
    {
        return None;
    }
    let half = |s: &[(f64, f64)]| s.iter().map(|(y1, y2)| (y1 - y2) / 2.0).collect::<Vec<_>>();
    let total = |s: &[(f64, f64)]| s.iter().map(|(y1, y2)| y1 + y2).collect::<Vec<_>>();
    let (d_ab, d_ba) = (half(ab), half(ba));
    // E[d_ab] = (π₁ − π₂ + τa − τb)/2 and E[d_ba] = (π₁ − π₂ + τb − τa)/2: their difference
    // is τa − τb, their sum π₁ − π₂, and both have the same variance.
    let treatment = two_sample(&d_ab, &d_ba)?;
    let period_est = mean(&d_ab)? + mean(&d_ba)?;
    let period = build(treatment.n, period_est, treatment.se, treatment.df);
    let carryover = two_sample(&total(ab), &total(ba))?;
    Some(Crossover {
        treatment,
        period,
        carryover,
        n_ab: ab.len(),
        n_ba: ba.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[track_caller]
    fn check(got: f64, want: f64, tol: f64) {
        assert!(close(got, want, tol), "got {got}, want {want} (± {tol})");
    }

    /// The fixture also used for `scripts/fixture_sessions.tsv` (the participants with both
    /// periods completed): post-session NRS, a = film, b = walk.
    /// AB (film then walk), as (y₁, y₂):
    const AB: [(f64, f64); 5] = [(6.0, 4.0), (7.0, 5.0), (5.0, 4.0), (8.0, 5.0), (4.0, 3.0)];
    /// BA (walk then film), as (y₁, y₂):
    const BA: [(f64, f64); 4] = [(3.0, 6.0), (5.0, 6.0), (4.0, 7.0), (2.0, 4.0)];

    #[test]
    fn hills_armitage_matches_hand_computation() {
        // Half period differences (y₁ − y₂)/2:
        //   AB: 1, 1, 0.5, 1.5, 0.5        sum 4.5   mean 0.9
        //   BA: −1.5, −0.5, −1.5, −1        sum −4.5  mean −1.125
        // Sums of squares about the sequence means:
        //   AB: 0.1² + 0.1² + 0.4² + 0.6² + 0.4² = 0.01 + 0.01 + 0.16 + 0.36 + 0.16 = 0.70
        //   BA: 0.375² + 0.625² + 0.375² + 0.125² = 0.140625 + 0.390625 + 0.140625 + 0.015625
        //       = 0.6875
        // df = 5 + 4 − 2 = 7; pooled s² = (0.70 + 0.6875)/7 = 1.3875/7 = 0.19821428571428…
        // SE² = s² (1/5 + 1/4) = 0.19821428571428 × 0.45 = 0.08919642857142…
        // SE = √0.08919642857142 = 0.29865771138785
        // t(0.975, 7) = 2.364624251592784 (scipy.stats.t.ppf); half-width = 2.3646… × SE
        //   = 0.70621326727291
        // Treatment a − b = 0.9 − (−1.125) = 2.025; t = 2.025 / 0.29865771138785
        //   = 6.780337231507956; p = 2·t.sf(6.7803…, 7) = 0.000257776799137858;
        //   CI = 2.025 ∓ 0.70621326727291 = (1.31878673272709, 2.73121326727291)
        // Period 1 − 2 = 0.9 + (−1.125) = −0.225; t = −0.753370803500884;
        //   p = 0.475797238518024; CI = (−0.93121326727291, 0.48121326727291)
        let c = hills_armitage(&AB, &BA).unwrap();
        assert_eq!((c.n_ab, c.n_ba), (5, 4));
        let t = c.treatment;
        assert_eq!(t.n, 9);
        check(t.df, 7.0, 0.0);
        check(t.estimate, 2.025, 1e-12);
        check(t.se, 0.298_657_711_387_850_4, 1e-9);
        check(t.t, 6.780_337_231_507_956, 1e-6);
        check(t.p, 0.000_257_776_799_137_858_1, 1e-9);
        check(t.ci95.0, 1.318_786_732_727_090_3, 1e-6);
        check(t.ci95.1, 2.731_213_267_272_909_5, 1e-6);
        let p = c.period;
        assert_eq!(p.n, 9);
        check(p.df, 7.0, 0.0);
        check(p.estimate, -0.225, 1e-12);
        check(p.se, t.se, 0.0);
        check(p.t, -0.753_370_803_500_884_1, 1e-6);
        check(p.p, 0.475_797_238_518_024_2, 1e-6);
        check(p.ci95.0, -0.931_213_267_272_909_4, 1e-6);
        check(p.ci95.1, 0.481_213_267_272_909_5, 1e-6);
        // Carry-over, on totals y₁ + y₂:
        //   AB: 10, 12, 9, 13, 7   sum 51  mean 10.2
        //   BA: 9, 11, 11, 6       sum 37  mean 9.25      estimate 10.2 − 9.25 = 0.95
        //   SS AB: 0.2² + 1.8² + 1.2² + 2.8² + 3.2² = 0.04 + 3.24 + 1.44 + 7.84 + 10.24 = 22.8
        //   SS BA: 0.25² + 1.75² + 1.75² + 3.25² = 0.0625 + 3.0625 + 3.0625 + 10.5625 = 16.75
        //   s² = 39.55/7 = 5.65; SE² = 5.65 × 0.45 = 2.5425; SE = 1.594521871910198
        //   t = 0.95/1.5945… = 0.595789883309612; p = 0.570069638422393
        //   CI = 0.95 ∓ 2.364624251592784 × 1.594521871910198 = 0.95 ∓ 3.770445088013976
        //      = (−2.820445088013976, 4.720445088013975)
        let k = c.carryover;
        assert_eq!(k.n, 9);
        check(k.df, 7.0, 0.0);
        check(k.estimate, 0.95, 1e-12);
        check(k.se, 1.594_521_871_910_197_5, 1e-9);
        check(k.t, 0.595_789_883_309_611_6, 1e-6);
        check(k.p, 0.570_069_638_422_393_3, 1e-6);
        check(k.ci95.0, -2.820_445_088_013_976, 1e-6);
        check(k.ci95.1, 4.720_445_088_013_975, 1e-6);
    }

    #[test]
    fn swapping_the_sequences_flips_the_treatment_only() {
        // Calling b "a" and a "b" turns AB participants into BA ones and back.
        let c = hills_armitage(&AB, &BA).unwrap();
        let s = hills_armitage(&BA, &AB).unwrap();
        assert_eq!(s.treatment.estimate, -c.treatment.estimate);
        assert_eq!(
            (s.treatment.ci95.0, s.treatment.ci95.1),
            (-c.treatment.ci95.1, -c.treatment.ci95.0)
        );
        check(s.treatment.se, c.treatment.se, 1e-15);
        check(s.treatment.p, c.treatment.p, 1e-15);
        assert_eq!(s.period.estimate, c.period.estimate);
        check(s.period.se, c.period.se, 1e-15);
        check(s.period.p, c.period.p, 1e-15);
        assert_eq!(s.carryover.estimate, -c.carryover.estimate);
        assert_eq!((s.n_ab, s.n_ba), (4, 5));
    }

    #[test]
    fn subject_and_period_shifts_land_where_they_belong() {
        // A participant's own level (added to both periods) changes neither the treatment
        // nor the period estimate; adding 1 to every period-2 value moves only the period
        // effect, by exactly −1.
        let c = hills_armitage(&AB, &BA).unwrap();
        let lift = |s: &[(f64, f64)], k: f64| {
            s.iter()
                .enumerate()
                .map(|(i, (y1, y2))| (y1 + k * i as f64, y2 + k * i as f64))
                .collect::<Vec<_>>()
        };
        let l = hills_armitage(&lift(&AB, 1.0), &lift(&BA, 2.0)).unwrap();
        check(l.treatment.estimate, c.treatment.estimate, 1e-12);
        check(l.treatment.se, c.treatment.se, 1e-12);
        check(l.period.estimate, c.period.estimate, 1e-12);
        let later = |s: &[(f64, f64)]| s.iter().map(|(y1, y2)| (*y1, y2 + 1.0)).collect::<Vec<_>>();
        let p = hills_armitage(&later(&AB), &later(&BA)).unwrap();
        check(p.treatment.estimate, c.treatment.estimate, 1e-12);
        check(p.period.estimate, c.period.estimate - 1.0, 1e-12);
    }

    #[test]
    fn hills_armitage_refuses_what_it_cannot_estimate() {
        assert_eq!(hills_armitage(&[], &BA), None);
        assert_eq!(hills_armitage(&AB, &[]), None);
        assert_eq!(hills_armitage(&AB[..1], &BA[..1]), None);
        assert!(hills_armitage(&AB[..1], &BA[..2]).is_some());
        assert_eq!(hills_armitage(&[(f64::NAN, 3.0), (4.0, 2.0)], &BA), None);
        assert_eq!(
            hills_armitage(&AB, &[(1.0, f64::INFINITY), (4.0, 2.0)]),
            None
        );
    }

    #[test]
    fn paired_matches_hand_computation() {
        // d = 2, −1, 3, 1, 0, 4: sum 9, mean 1.5
        // deviations 0.5, −2.5, 1.5, −0.5, −1.5, 2.5; squares 0.25 + 6.25 + 2.25 + 0.25 + 2.25
        //   + 6.25 = 17.5; s² = 17.5/5 = 3.5; SE² = 3.5/6 = 0.583333…; SE = 0.763762615825973
        // t = 1.5/0.763762615825973 = 1.963961012123931, df 5, p = 0.106745522355092
        // t(0.975, 5) = 2.570581835636315; half-width 1.963314306980324
        // CI = (−0.463314306980324, 3.463314306980324)
        let e = paired(&[2.0, -1.0, 3.0, 1.0, 0.0, 4.0]).unwrap();
        assert_eq!(e.n, 6);
        check(e.df, 5.0, 0.0);
        check(e.estimate, 1.5, 1e-12);
        check(e.se, 0.763_762_615_825_973_4, 1e-9);
        check(e.t, 1.963_961_012_123_931_3, 1e-6);
        check(e.p, 0.106_745_522_355_092_28, 1e-6);
        check(e.ci95.0, -0.463_314_306_980_324_05, 1e-6);
        check(e.ci95.1, 3.463_314_306_980_324_3, 1e-6);
    }

    #[test]
    fn paired_edge_cases() {
        assert_eq!(paired(&[]), None);
        assert_eq!(paired(&[1.0]), None);
        assert_eq!(paired(&[1.0, f64::NAN, 2.0]), None);
        assert_eq!(paired(&[1.0, f64::NEG_INFINITY]), None);
        // All the same, not zero: no spread, so t = +∞, p = 0, a zero-width interval.
        let e = paired(&[0.1, 0.1, 0.1]).unwrap();
        assert_eq!(e.se, 0.0);
        assert_eq!((e.t, e.p), (f64::INFINITY, 0.0));
        assert_eq!(e.ci95, (e.estimate, e.estimate));
        check(e.estimate, 0.1, 1e-15);
        let e = paired(&[-2.0, -2.0]).unwrap();
        assert_eq!((e.t, e.p), (f64::NEG_INFINITY, 0.0));
        // All zero: no difference at all, t = 0, p = 1.
        let e = paired(&[0.0, 0.0, 0.0, 0.0]).unwrap();
        assert_eq!((e.estimate, e.se, e.t, e.p), (0.0, 0.0, 0.0, 1.0));
        assert_eq!(e.ci95, (0.0, 0.0));
    }

    #[test]
    fn two_sample_edge_cases_and_agreement() {
        assert_eq!(two_sample(&[], &[1.0, 2.0]), None);
        assert_eq!(two_sample(&[1.0, 2.0], &[]), None);
        assert_eq!(two_sample(&[1.0], &[2.0]), None);
        assert_eq!(two_sample(&[1.0, f64::NAN], &[2.0, 3.0]), None);
        // A group of one: x = 4 vs y = 1, 2, 3 (mean 2, SS 2); df 2, s² = 1,
        // SE = √(1 × (1 + 1/3)) = 1.1547005383792515; t = 2/1.1547… = 1.7320508075688772;
        // p = 2·t.sf(1.7320508, 2) = 0.2254033307585166.
        let e = two_sample(&[4.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(e.n, 4);
        check(e.estimate, 2.0, 1e-12);
        check(e.se, 1.154_700_538_379_251_5, 1e-12);
        check(e.p, 0.225_403_330_758_516_6, 1e-9);
        // The cross-over treatment effect is this test on the half differences.
        let half = |s: &[(f64, f64)]| s.iter().map(|(a, b)| (a - b) / 2.0).collect::<Vec<_>>();
        let e = two_sample(&half(&AB), &half(&BA)).unwrap();
        assert_eq!(e, hills_armitage(&AB, &BA).unwrap().treatment);
        // Identical values within each group: zero pooled variance.
        let e = two_sample(&[3.0, 3.0], &[1.0, 1.0]).unwrap();
        assert_eq!((e.se, e.p), (0.0, 0.0));
    }

    /// scipy.stats.t.cdf(t, df), scipy 1.17.1.
    const CDF: [(f64, f64, f64); 30] = [
        (1.0, -3.0, 0.10241638234956672),
        (1.0, -0.5, 0.35241638234956674),
        (1.0, 0.7, 0.6944001122142147),
        (1.0, 2.0, 0.8524163823495667),
        (1.0, 6.0, 0.9474315432887466),
        (2.0, -3.0, 0.04773298313335456),
        (2.0, -0.5, 0.33333333333333337),
        (2.0, 0.7, 0.7218034876835673),
        (2.0, 2.0, 0.908248290463863),
        (2.0, 6.0, 0.9866642633922876),
        (5.0, -3.0, 0.015049623948731293),
        (5.0, -0.5, 0.31914943582046457),
        (5.0, 0.7, 0.7424255258425918),
        (5.0, 2.0, 0.9490302605850708),
        (5.0, 6.0, 0.999076930855203),
        (9.5, -3.0, 0.007049229581900547),
        (9.5, -0.5, 0.3142260527331036),
        (9.5, 0.7, 0.7496455872882353),
        (9.5, 2.0, 0.9625568211260053),
        (9.5, 6.0, 0.9999186050271934),
        (30.0, -3.0, 0.0026949820328259727),
        (30.0, -0.5, 0.3103615024425636),
        (30.0, 0.7, 0.7553397782501642),
        (30.0, 2.0, 0.9726874775185085),
        (30.0, 6.0, 0.9999993028615617),
        (200.0, -3.0, 0.0015215235569529524),
        (200.0, -0.5, 0.30881237615823043),
        (200.0, 0.7, 0.757629633503259),
        (200.0, 2.0, 0.9765734069064645),
        (200.0, 6.0, 0.9999999954424398),
    ];

    /// scipy.stats.t.ppf(p, df), scipy 1.17.1.
    const PPF: [(f64, f64, f64); 24] = [
        (1.0, 0.001, -318.30883898555044),
        (1.0, 0.3, -0.7265425280053609),
        (1.0, 0.975, 12.706204736174694),
        (1.0, 0.995, 63.656741162871526),
        (2.0, 0.001, -22.327124770119873),
        (2.0, 0.3, -0.6172133998483678),
        (2.0, 0.975, 4.302652729749462),
        (2.0, 0.995, 9.924843200918287),
        (5.0, 0.001, -5.893429531356009),
        (5.0, 0.3, -0.5594296444693604),
        (5.0, 0.975, 2.5705818356363146),
        (5.0, 0.995, 4.032142983555228),
        (9.5, 0.001, -4.215146109508075),
        (9.5, 0.3, -0.5424515826188256),
        (9.5, 0.975, 2.2441374614922958),
        (9.5, 0.995, 3.2070156284394886),
        (30.0, 0.001, -3.385184866829305),
        (30.0, 0.3, -0.5300190039065046),
        (30.0, 0.975, 2.0422724563012378),
        (30.0, 0.995, 2.7499956535672254),
        (200.0, 0.001, -3.131479814221121),
        (200.0, 0.3, -0.5252373340155534),
        (200.0, 0.975, 1.9718962236339088),
        (200.0, 0.995, 2.600634436191558),
    ];

    #[test]
    fn t_cdf_matches_scipy() {
        for (df, t, want) in CDF {
            assert!(
                close(t_cdf(t, df), want, 1e-12),
                "t_cdf({t}, {df}) = {} ≠ {want}",
                t_cdf(t, df)
            );
            // And the two tails agree with the cdf.
            check(two_sided_p(t, df), 2.0 * want.min(1.0 - want), 1e-12);
        }
        check(t_cdf(0.0, 3.0), 0.5, 0.0);
        // Small two-sided p keep their relative digits (scipy: 2·t.sf).
        let p = two_sided_p(40.0, 3.0);
        assert!((p / 3.4380680789158506e-05 - 1.0).abs() < 1e-9, "{p}");
        let p = two_sided_p(-12.0, 200.0);
        assert!((p / 2.422136005246625e-25 - 1.0).abs() < 1e-9, "{p}");
    }

    #[test]
    fn t_quantile_matches_scipy() {
        for (df, p, want) in PPF {
            let got = t_quantile(p, df);
            // 1e-9 absolute, relative for the far tail at df = 1 (−318.3).
            assert!(
                close(got, want, 1e-9 * want.abs().max(1.0)),
                "t_quantile({p}, {df}) = {got} ≠ {want}"
            );
            check(t_cdf(got, df), p, 1e-12);
        }
    }

    #[test]
    fn t_quantile_agrees_with_the_stats_table() {
        use super::super::stats::t975;
        for df in (1..=30).chain([31, 45, 60, 120, 1000]) {
            let q = t_quantile(0.975, df as f64);
            assert!(
                close(q, t975(df), 5e-4),
                "df {df}: {q} vs table {}",
                t975(df)
            );
        }
    }

    #[test]
    fn t_functions_refuse_bad_input() {
        assert!(t_cdf(f64::NAN, 3.0).is_nan());
        assert!(t_cdf(1.0, 0.0).is_nan());
        assert!(t_cdf(1.0, -2.0).is_nan());
        assert!(t_cdf(1.0, f64::NAN).is_nan());
        assert_eq!(t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
        assert_eq!(two_sided_p(f64::INFINITY, 3.0), 0.0);
        assert_eq!(two_sided_p(0.0, 3.0), 1.0);
        assert!(t_quantile(1.5, 3.0).is_nan());
        assert!(t_quantile(f64::NAN, 3.0).is_nan());
        assert!(t_quantile(0.5, 0.0).is_nan());
        assert_eq!(t_quantile(0.0, 3.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(1.0, 3.0), f64::INFINITY);
        assert_eq!(t_quantile(0.5, 3.0), 0.0);
        // A fractional, tiny df still works (the Cauchy-like limit): P(T ≤ 0) = 1/2, monotone.
        assert!(t_cdf(1.0, 0.01) > 0.5 && t_cdf(1.0, 0.01) < t_cdf(2.0, 0.01));
    }
}
