//! Summaries of measured samples: nearest-rank percentiles of latencies
//! (`Summary`), and the median and range of a few runs (`Spread`).

use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// Milliseconds, for reports.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The nearest-rank percentile `p` (0–100) of sorted samples.
fn rank<T: Copy>(sorted: &[T], p: usize) -> T {
    let idx = (p * sorted.len()).div_ceil(100).max(1) - 1;
    sorted[idx.min(sorted.len() - 1)]
}

impl Summary {
    /// `None` for no samples.
    pub fn of(samples: &[Duration]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut s = samples.to_vec();
        s.sort();
        let total: Duration = s.iter().sum();
        Some(Summary {
            n: s.len(),
            p50_ms: ms(rank(&s, 50)),
            p95_ms: ms(rank(&s, 95)),
            max_ms: ms(*s.last().expect("not empty")),
            mean_ms: ms(total) / s.len() as f64,
        })
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "n": self.n,
            "p50_ms": round3(self.p50_ms),
            "p95_ms": round3(self.p95_ms),
            "max_ms": round3(self.max_ms),
            "mean_ms": round3(self.mean_ms),
        })
    }
}

/// The median, minimum and maximum of a few runs' values.
///
/// The median is the nearest-rank 50th percentile, as in `Summary`: the
/// middle value of an odd count (what the README tables use: 3 or 5 runs),
/// the lower of the two middle ones of an even count, so it is always a
/// value that was measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub n: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values, or if one is NaN (nothing to order it by).
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() || values.iter().any(|v| v.is_nan()) {
            return None;
        }
        let mut s = values.to_vec();
        s.sort_by(f64::total_cmp);
        Some(Spread { n: s.len(), median: rank(&s, 50), min: s[0], max: s[s.len() - 1] })
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "n": self.n,
            "median": round3(self.median),
            "min": round3(self.min),
            "max": round3(self.max),
        })
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let s = Summary::of(&samples).unwrap();
        assert_eq!((s.n, s.p50_ms, s.p95_ms, s.max_ms, s.mean_ms), (100, 50.0, 95.0, 100.0, 50.5));
        let one = Summary::of(&[Duration::from_millis(7)]).unwrap();
        assert_eq!((one.p50_ms, one.p95_ms, one.max_ms), (7.0, 7.0, 7.0));
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn spread_of_runs() {
        let s = Spread::of(&[30.0, 10.0, 50.0, 20.0, 40.0]).unwrap();
        assert_eq!((s.n, s.median, s.min, s.max), (5, 30.0, 10.0, 50.0));
        // An even count: the lower middle value, one that was measured.
        let even = Spread::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((even.median, even.min, even.max), (2.0, 1.0, 4.0));
        let one = Spread::of(&[1.5]).unwrap();
        assert_eq!((one.median, one.min, one.max), (1.5, 1.5, 1.5));
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[1.0, f64::NAN]), None);
    }
}
