//! Paired timing of two calls, for ratios and differences that other work on a
//! shared machine disturbs less than two separate criterion rows.
//!
//! Each round times a batch of the first call and a batch of the second, one right
//! after the other, in alternating order. A burst of other work then slows both
//! batches of a round alike, and the median over the rounds of each round's ratio
//! and difference discards the rounds that a burst hit unevenly.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Time each batch should take at least, so that reading the clock costs under
/// 0.1% of it.
const MIN_BATCH: Duration = Duration::from_micros(50);

/// The medians of a paired comparison of a baseline call and a measured call.
#[derive(Clone, Debug, Serialize)]
pub struct Paired {
    /// The criterion group the pair belongs to, such as `c_abi/HS256`.
    pub group: String,
    /// The baseline row, such as `Rust` or `floor`.
    pub baseline: String,
    /// The measured row, such as `C ABI` or `tokenguard`.
    pub measured: String,
    /// Median time of one baseline call, in nanoseconds.
    pub baseline_ns: f64,
    /// Median time of one measured call, in nanoseconds.
    pub measured_ns: f64,
    /// Median over the rounds of measured minus baseline, per call, in nanoseconds.
    pub difference_ns: f64,
    /// Median over the rounds of measured over baseline.
    pub ratio: f64,
    /// Interquartile range of the per-round differences, in nanoseconds.
    pub difference_iqr_ns: f64,
    /// Number of rounds.
    pub rounds: usize,
    /// Calls of each kind per round.
    pub batch: u32,
}

/// Times `baseline` against `measured` for about `budget`.
pub fn compare<A, B>(
    names: (&str, &str, &str),
    budget: Duration,
    mut baseline: impl FnMut() -> A,
    mut measured: impl FnMut() -> B,
) -> Paired {
    let (group, baseline_name, measured_name) = names;
    let batch = batch_size(&mut baseline).max(batch_size(&mut measured));
    let mut baseline_times = Vec::new();
    let mut measured_times = Vec::new();
    let start = Instant::now();
    let mut round = 0u32;
    while start.elapsed() < budget || round < 10 {
        let (a, b) = if round.is_multiple_of(2) {
            let a = time_batch(batch, &mut baseline);
            (a, time_batch(batch, &mut measured))
        } else {
            let b = time_batch(batch, &mut measured);
            (time_batch(batch, &mut baseline), b)
        };
        baseline_times.push(a);
        measured_times.push(b);
        round += 1;
    }

    let mut differences: Vec<f64> = baseline_times
        .iter()
        .zip(&measured_times)
        .map(|(a, b)| b - a)
        .collect();
    let mut ratios: Vec<f64> = baseline_times
        .iter()
        .zip(&measured_times)
        .map(|(a, b)| b / a)
        .collect();
    Paired {
        group: group.to_owned(),
        baseline: baseline_name.to_owned(),
        measured: measured_name.to_owned(),
        baseline_ns: median(&mut baseline_times),
        measured_ns: median(&mut measured_times),
        difference_ns: median(&mut differences),
        ratio: median(&mut ratios),
        difference_iqr_ns: quantile(&mut differences, 0.75) - quantile(&mut differences, 0.25),
        rounds: differences.len(),
        batch,
    }
}

/// Returns how many calls make a batch of at least [`MIN_BATCH`].
fn batch_size<R>(call: &mut impl FnMut() -> R) -> u32 {
    let mut batch = 1u32;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(call());
        }
        if start.elapsed() >= MIN_BATCH || batch >= 1 << 20 {
            return batch;
        }
        batch *= 2;
    }
}

/// Returns the mean time of one call over a batch, in nanoseconds.
fn time_batch<R>(batch: u32, call: &mut impl FnMut() -> R) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        black_box(call());
    }
    start.elapsed().as_nanos() as f64 / f64::from(batch)
}

fn median(values: &mut [f64]) -> f64 {
    quantile(values, 0.5)
}

/// Returns the `q` quantile of `values` by the nearest rank.
fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let rank = (q * (values.len() - 1) as f64).round() as usize;
    values[rank]
}

/// Prints paired results and writes them to
/// `target/tokenguard-benches/paired-<binary>.json`.
///
/// # Panics
///
/// When the file cannot be written.
pub fn finish(binary: &str, results: &[Paired]) {
    println!("\npaired timing ({binary}): medians over rounds of alternating batches");
    println!(
        "{:<16} {:<34} {:>12} {:>12} {:>12} {:>10} {:>7}",
        "group", "measured / baseline", "baseline", "measured", "difference", "IQR", "ratio"
    );
    for result in results {
        println!(
            "{:<16} {:<34} {:>9.0} ns {:>9.0} ns {:>9.0} ns {:>7.0} ns {:>7.3}",
            result.group,
            format!("{} / {}", result.measured, result.baseline),
            result.baseline_ns,
            result.measured_ns,
            result.difference_ns,
            result.difference_iqr_ns,
            result.ratio
        );
    }
    println!();
    crate::records::write_json(&format!("paired-{binary}.json"), results);
}
