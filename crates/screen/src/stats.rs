//! Peer-group statistics available to every indicator's SQL (registered in each session), so
//! statistical indicators share one definition instead of copying formulas:
//!
//! | function | kind | meaning |
//! |---|---|---|
//! | `peer_q1(x)`, `peer_q3(x)` | aggregate (also `OVER (PARTITION BY …)`) | first / third quartile, linear interpolation between order statistics (as Excel `QUARTILE.INC`) |
//! | `peer_mad(x)` | aggregate | median absolute deviation from the median (unscaled) |
//! | `tukey_low(q1, q3, k)`, `tukey_high(q1, q3, k)` | scalar | `q1 − k·IQR`, `q3 + k·IQR`; NULL when IQR = 0 (no fence on a flat group) |
//! | `robust_z(x, median, mad)` | scalar | `(x − median) / (1.4826·mad)`; NULL when mad = 0 |
//! | `binom_cdf(k, n, p)` | scalar | P(X ≤ k) for X ~ Binomial(n, p): the p-value of a one-sided test that the true share is below p |
//! | `chi2_sf(x, df)` | scalar | P(χ² ≥ x) with `df` degrees of freedom: the p-value of a chi-square statistic `x` |
//! | `peer_quantile_r8(x, p)` | aggregate | quantile `p` (0…1) by Hyndman–Fan type 8 (median-unbiased), the method OCDS Cardinal's statistics library uses; infinities are kept |
//! | `fence_low(q1, q3, k)`, `fence_high(q1, q3, k)` | scalar | `q1 − k·IQR`, `q3 + k·IQR` with one rounding (fused multiply-add), also on flat groups: the fences Cardinal compares with |
//!
//! NULL and non-finite inputs are ignored by the aggregates; an empty group gives NULL.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{Accumulator, ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use std::sync::Arc;

mod grouped;
use grouped::Kind;

/// Consistency constant that makes the MAD estimate the standard deviation of a normal sample.
pub const MAD_SCALE: f64 = 1.4826;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Stat {
    Q1,
    Q3,
    Mad,
}

/// Quantile by linear interpolation between order statistics (Hyndman–Fan type 7).
/// `sorted` must be sorted ascending and non-empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Quantile by Hyndman–Fan type 8: position h = (n + 1/3)·p + 1/3 (1-based), interpolated
/// between the order statistics around it and clamped to the extremes. `sorted` must be sorted
/// ascending; empty gives `None`. Written to give the same floating-point result as the
/// `statrs` crate, so that parity indicators reproduce OCDS Cardinal's quartiles and fences.
pub fn quantile_r8_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let h = (n as f64 + 1.0 / 3.0) * p + 1.0 / 3.0;
    let hf = h as i64;
    if hf <= 0 || p == 0.0 {
        return Some(sorted[0]);
    }
    if hf >= n as i64 || p == 1.0 {
        return Some(sorted[n - 1]);
    }
    let (a, b) = (sorted[hf as usize - 1], sorted[hf as usize]);
    Some(a + (h - hf as f64) * (b - a))
}

fn compute(stat: Stat, values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(match stat {
        Stat::Q1 => quantile_sorted(values, 0.25),
        Stat::Q3 => quantile_sorted(values, 0.75),
        Stat::Mad => {
            let med = quantile_sorted(values, 0.5);
            let mut dev: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
            dev.sort_by(f64::total_cmp);
            quantile_sorted(&dev, 0.5)
        }
    })
}

/// Keeps every value of the group: quartiles and the MAD need them all (exact, deterministic).
#[derive(Debug)]
struct ValuesAcc {
    stat: Stat,
    values: Vec<f64>,
}

impl Accumulator for ValuesAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = values[0].as_primitive::<Float64Type>();
        self.values
            .extend(a.iter().flatten().filter(|v| v.is_finite()));
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut v = self.values.clone();
        Ok(ScalarValue::Float64(compute(self.stat, &mut v)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.capacity() * std::mem::size_of::<f64>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let arr: ArrayRef = Arc::new(Float64Array::from(std::mem::take(&mut self.values)));
        Ok(vec![
            SingleRowListArrayBuilder::new(arr).build_list_scalar(),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for part in lists.iter().flatten() {
            let a = part.as_primitive::<Float64Type>();
            self.values.extend(a.iter().flatten());
        }
        Ok(())
    }
}

/// Keeps every non-null value and the requested quantile (the second argument, constant).
#[derive(Debug, Default)]
struct QuantileR8Acc {
    p: Option<f64>,
    values: Vec<f64>,
}

impl Accumulator for QuantileR8Acc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let x = values[0].as_primitive::<Float64Type>();
        self.values
            .extend(x.iter().flatten().filter(|v| !v.is_nan()));
        if self.p.is_none() {
            self.p = values[1]
                .as_primitive::<Float64Type>()
                .iter()
                .flatten()
                .next();
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut v = self.values.clone();
        v.sort_by(f64::total_cmp);
        Ok(ScalarValue::Float64(
            self.p.and_then(|p| quantile_r8_sorted(&v, p)),
        ))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.capacity() * std::mem::size_of::<f64>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let arr: ArrayRef = Arc::new(Float64Array::from(std::mem::take(&mut self.values)));
        Ok(vec![
            SingleRowListArrayBuilder::new(arr).build_list_scalar(),
            ScalarValue::Float64(self.p),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for part in lists.iter().flatten() {
            let a = part.as_primitive::<Float64Type>();
            self.values.extend(a.iter().flatten());
        }
        if self.p.is_none() {
            self.p = states[1]
                .as_primitive::<Float64Type>()
                .iter()
                .flatten()
                .next();
        }
        Ok(())
    }
}

/// P(X ≤ k) for X ~ Binomial(n, p), summed in log space so large n does not underflow.
pub fn binom_cdf(k: i64, n: i64, p: f64) -> Option<f64> {
    if n < 0 || !(0.0..=1.0).contains(&p) {
        return None;
    }
    if k < 0 {
        return Some(0.0);
    }
    if k >= n {
        return Some(1.0);
    }
    if p == 0.0 {
        return Some(1.0);
    }
    if p == 1.0 {
        return Some(0.0);
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    // log pmf(i), by the recurrence pmf(i+1) = pmf(i)·(n−i)/(i+1)·p/q.
    let mut logs = Vec::with_capacity(k as usize + 1);
    let mut l = n as f64 * lq;
    logs.push(l);
    for i in 0..k {
        l += ((n - i) as f64 / (i + 1) as f64).ln() + lp - lq;
        logs.push(l);
    }
    let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logs.iter().map(|x| (x - max).exp()).sum();
    Some((max + sum.ln()).exp().min(1.0))
}

/// ln Γ(a) for a = df/2 with df a positive integer, by the exact recurrences
/// Γ(m) = (m − 1)! and Γ(m + ½) = √π · ½ · 3⁄2 ⋯ (m − ½), so no series approximation enters.
fn ln_gamma_half(df: i64) -> f64 {
    let mut l = 0.0;
    if df % 2 == 0 {
        for i in 1..df / 2 {
            l += (i as f64).ln();
        }
    } else {
        l = 0.5 * std::f64::consts::PI.ln();
        for i in 0..df / 2 {
            l += (i as f64 + 0.5).ln();
        }
    }
    l
}

/// P(χ² ≥ x) for a chi-square distribution with `df` degrees of freedom: the regularised upper
/// incomplete gamma function Q(df/2, x/2), by its power series below a + 1 and by Lentz's
/// continued fraction above (Numerical Recipes §6.2), each to double precision. `None` for
/// df < 1 or a non-finite x.
pub fn chi2_sf(x: f64, df: i64) -> Option<f64> {
    if df < 1 || !x.is_finite() {
        return None;
    }
    if x <= 0.0 {
        return Some(1.0);
    }
    let (a, z) = (df as f64 / 2.0, x / 2.0);
    let log_front = -z + a * z.ln() - ln_gamma_half(df);
    const EPS: f64 = 1e-16;
    if z < a + 1.0 {
        // P(a, z) = e^{−z} z^a / Γ(a) · Σ z^n / (a (a+1) ⋯ (a+n)); Q = 1 − P is not small here.
        let (mut ap, mut term) = (a, 1.0 / a);
        let mut sum = term;
        for _ in 0..10_000 {
            ap += 1.0;
            term *= z / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        Some((1.0 - sum * log_front.exp()).clamp(0.0, 1.0))
    } else {
        const TINY: f64 = 1e-300;
        let mut b = z + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        Some((log_front.exp() * h).clamp(0.0, 1.0))
    }
}

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle (haversine) distance in metres between two WGS-84 points given as
/// longitude, latitude in degrees. A sphere is within 0.5 % of the ellipsoid, ample for
/// "hundreds of metres apart" checks on GPS fixes.
pub fn geo_distance_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A scalar UDF over Float64 arguments; scalar inputs give a scalar result.
fn float_udf(
    name: &str,
    arity: usize,
    f: impl Fn(&[Option<f64>]) -> Option<f64> + Send + Sync + 'static,
) -> ScalarUDF {
    let fun = move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let cols: Vec<&Float64Array> = arrays
            .iter()
            .map(|a| a.as_primitive::<Float64Type>())
            .collect();
        let len = cols.first().map_or(0, |c| c.len());
        let mut row = vec![None; cols.len()];
        let out: Float64Array = (0..len)
            .map(|i| {
                for (slot, c) in row.iter_mut().zip(&cols) {
                    *slot = if c.is_null(i) { None } else { Some(c.value(i)) };
                }
                f(&row).filter(|v| v.is_finite())
            })
            .collect();
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(out)))
        }
    };
    create_udf(
        name,
        vec![DataType::Float64; arity],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(fun),
    )
}

fn binom_udf() -> ScalarUDF {
    let fun = |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let k = arrays[0].as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let n = arrays[1].as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let p = arrays[2].as_primitive::<Float64Type>();
        let out: Float64Array = (0..k.len())
            .map(|i| {
                if k.is_null(i) || n.is_null(i) || p.is_null(i) {
                    None
                } else {
                    binom_cdf(k.value(i), n.value(i), p.value(i))
                }
            })
            .collect();
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(out)))
        }
    };
    create_udf(
        "binom_cdf",
        vec![DataType::Int64, DataType::Int64, DataType::Float64],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(fun),
    )
}

fn chi2_udf() -> ScalarUDF {
    let fun = |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let x = arrays[0].as_primitive::<Float64Type>();
        let df = arrays[1].as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        let out: Float64Array = (0..x.len())
            .map(|i| {
                if x.is_null(i) || df.is_null(i) {
                    None
                } else {
                    chi2_sf(x.value(i), df.value(i))
                }
            })
            .collect();
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(out)))
        }
    };
    create_udf(
        "chi2_sf",
        vec![DataType::Float64, DataType::Int64],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(fun),
    )
}

fn fence(low: bool) -> impl Fn(&[Option<f64>]) -> Option<f64> {
    move |a| {
        let (q1, q3, k) = (a[0]?, a[1]?, a[2]?);
        let iqr = q3 - q1;
        if iqr <= 0.0 {
            return None;
        }
        Some(if low { q1 - k * iqr } else { q3 + k * iqr })
    }
}

/// Registers every peer-statistics function in a session.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(grouped::udaf("peer_q1", Kind::Values(Stat::Q1)));
    ctx.register_udaf(grouped::udaf("peer_q3", Kind::Values(Stat::Q3)));
    ctx.register_udaf(grouped::udaf("peer_mad", Kind::Values(Stat::Mad)));
    ctx.register_udf(float_udf("tukey_low", 3, fence(true)));
    ctx.register_udf(float_udf("tukey_high", 3, fence(false)));
    ctx.register_udf(float_udf("robust_z", 3, |a| {
        let (x, med, mad) = (a[0]?, a[1]?, a[2]?);
        (mad > 0.0).then(|| (x - med) / (MAD_SCALE * mad))
    }));
    ctx.register_udf(float_udf("geo_distance_m", 4, |a| {
        Some(geo_distance_m(a[0]?, a[1]?, a[2]?, a[3]?))
    }));
    ctx.register_udf(binom_udf());
    ctx.register_udf(chi2_udf());
    ctx.register_udaf(grouped::udaf("peer_quantile_r8", Kind::R8));
    // `(q3 − q1)·k + q` rounded once, as `f64::mul_add` does, so a value on the fence compares
    // as it does in Cardinal; an infinite or NaN fence is NULL (no comparison fires).
    ctx.register_udf(float_udf("fence_low", 3, |a| {
        let (q1, q3, k) = (a[0]?, a[1]?, a[2]?);
        Some((q3 - q1).mul_add(-k, q1))
    }));
    ctx.register_udf(float_udf("fence_high", 3, |a| {
        let (q1, q3, k) = (a[0]?, a[1]?, a[2]?);
        Some((q3 - q1).mul_add(k, q3))
    }));
}

/// Names the validator treats as known functions (for error messages and docs).
pub const FUNCTIONS: [&str; 12] = [
    "peer_q1",
    "peer_q3",
    "peer_mad",
    "tukey_low",
    "tukey_high",
    "robust_z",
    "binom_cdf",
    "chi2_sf",
    "peer_quantile_r8",
    "fence_low",
    "fence_high",
    "geo_distance_m",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_match_quartile_inc() {
        // Excel: QUARTILE.INC({1,2,3,4,5,6,7,8},1) = 2.75, (…,3) = 6.25
        let mut v = vec![8.0, 1.0, 7.0, 2.0, 6.0, 3.0, 5.0, 4.0];
        assert_eq!(compute(Stat::Q1, &mut v), Some(2.75));
        assert_eq!(compute(Stat::Q3, &mut v), Some(6.25));
        let mut one = vec![3.0];
        assert_eq!(compute(Stat::Q1, &mut one), Some(3.0));
        assert_eq!(compute(Stat::Q1, &mut []), None);
        // MAD of 1,1,2,2,4,6,9: median 2, deviations 1,1,0,0,2,4,7 → 1
        let mut m = vec![1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0];
        assert_eq!(compute(Stat::Mad, &mut m), Some(1.0));
    }

    #[test]
    fn type_8_quantiles_match_statrs() {
        // Values statrs 0.16 gives for Data::new(..).lower_quartile() / upper_quartile().
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        // h = (8 + 1/3)·0.25 + 1/3 = 2.41667 → 2 + 0.41667·(3 − 2)
        let q1 = quantile_r8_sorted(&v, 0.25).unwrap();
        assert!((q1 - 2.416_666_666_666_667).abs() < 1e-12, "{q1}");
        let q3 = quantile_r8_sorted(&v, 0.75).unwrap();
        assert!((q3 - 6.583_333_333_333_333).abs() < 1e-12, "{q3}");
        assert_eq!(quantile_r8_sorted(&[5.0], 0.25), Some(5.0));
        assert_eq!(
            quantile_r8_sorted(&[1.0, 9.0], 0.25),
            Some(1.0),
            "clamped low"
        );
        assert_eq!(
            quantile_r8_sorted(&[1.0, 9.0], 0.75),
            Some(9.0),
            "clamped high"
        );
        assert_eq!(quantile_r8_sorted(&[], 0.5), None);
        assert_eq!(quantile_r8_sorted(&v, 1.5), None);
    }

    #[test]
    fn binomial_cdf_exact_values() {
        let c = binom_cdf(3, 10, 0.5).unwrap();
        assert!((c - 176.0 / 1024.0).abs() < 1e-12, "{c}");
        assert_eq!(binom_cdf(10, 10, 0.3), Some(1.0));
        assert_eq!(binom_cdf(-1, 10, 0.3), Some(0.0));
        assert_eq!(binom_cdf(0, 5, 0.0), Some(1.0));
        assert_eq!(binom_cdf(4, 5, 1.0), Some(0.0));
        assert_eq!(binom_cdf(1, 5, 1.5), None);
        // Large n: no underflow. P(X ≤ 4000 | 10000, 0.5) is astronomically small but > 0 is not
        // required; P(X ≤ 5000) ≈ 0.504.
        let mid = binom_cdf(5000, 10000, 0.5).unwrap();
        assert!((mid - 0.503_989).abs() < 1e-4, "{mid}");
    }

    #[test]
    fn fences_skip_flat_groups() {
        let low = fence(true);
        assert_eq!(low(&[Some(2.0), Some(6.0), Some(1.5)]), Some(-4.0));
        assert_eq!(low(&[Some(2.0), Some(2.0), Some(1.5)]), None);
        assert_eq!(fence(false)(&[Some(2.0), Some(6.0), Some(1.5)]), Some(12.0));
    }

    #[test]
    fn chi_square_tail_matches_known_values() {
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1e-300);
        // Critical values from statistical tables (R: qchisq(1 − α, df)).
        for (x, df, p) in [
            (3.841_458_820_694_124, 1, 0.05),
            (6.634_896_601_021_214, 1, 0.01),
            (10.827_566_170_662_733, 1, 0.001),
            (11.070_497_693_516_351, 5, 0.05),
            (20.515_005_652_432_873, 5, 0.001),
            (18.307_038_053_275_146, 10, 0.05),
            (0.454_936_423_119_572_8, 1, 0.5),
        ] {
            let got = chi2_sf(x, df).unwrap();
            assert!(close(got, p, 1e-9), "chi2_sf({x}, {df}) = {got}, want {p}");
        }
        // Even df has a closed form: Q = e^{−x/2} Σ_{i<df/2} (x/2)^i / i!, far into the tail too.
        for (x, df) in [(2.0, 2), (10.0, 4), (100.0, 10), (3.0, 30), (250.0, 50)] {
            let z: f64 = x / 2.0;
            let (mut term, mut sum) = (1.0_f64, 1.0_f64);
            for i in 1..df / 2 {
                term *= z / i as f64;
                sum += term;
            }
            let want = (-z).exp() * sum;
            let got = chi2_sf(x, df).unwrap();
            assert!(
                close(got, want, 1e-10),
                "chi2_sf({x}, {df}) = {got}, want {want}"
            );
        }
        assert_eq!(chi2_sf(0.0, 3), Some(1.0));
        assert_eq!(chi2_sf(-1.0, 3), Some(1.0));
        assert_eq!(chi2_sf(1.0, 0), None);
        assert_eq!(chi2_sf(f64::NAN, 2), None);
        // Monotone in x, and no underflow to exactly zero before the double range ends.
        let (a, b) = (chi2_sf(40.0, 5).unwrap(), chi2_sf(41.0, 5).unwrap());
        assert!(a > b && b > 0.0);
    }

    #[test]
    fn geo_distance_matches_known_distances() {
        assert_eq!(geo_distance_m(120.1, 30.2, 120.1, 30.2), 0.0);
        // One degree of latitude on the mean sphere: π·R/180 = 111,195.08 m.
        let d = geo_distance_m(120.0, 30.0, 120.0, 31.0);
        assert!((d - 111_195.08).abs() < 0.01, "{d}");
        // One degree of longitude at 30° N is cos(30°) times shorter (haversine, not planar).
        let d = geo_distance_m(120.0, 30.0, 121.0, 30.0);
        assert!((d - 96_297.46).abs() < 0.01, "{d}");
        // Antipodes: half the circumference, no NaN from rounding above 1.
        let d = geo_distance_m(0.0, 0.0, 180.0, 0.0);
        assert!(
            (d - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1e-6,
            "{d}"
        );
    }
}
