//! Latency summaries: nearest-rank percentiles over measured samples.

use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The nearest-rank percentile `p` (0–100) of sorted samples.
fn rank(sorted: &[Duration], p: usize) -> Duration {
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
}
