//! Robust statistics shared by the model modules: median and scaled MAD.
//!
//! Why robust: a shift mixes calm minutes with stressed, moving and noisy
//! ones. A mean and standard deviation are dragged by the minority; the median
//! and the median absolute deviation (MAD) ignore up to half of the samples
//! being wild (breakdown point 50 %).

/// Factor that makes the MAD a consistent estimator of the standard
/// deviation for normally distributed data: 1 / Phi^-1(3/4) = 1.4826
/// (Rousseeuw & Croux 1993).
pub const MAD_TO_SD: f64 = 1.4826;

/// Centre and spread of a set of values.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RobustStats {
    /// Median.
    pub centre: f64,
    /// MAD x [`MAD_TO_SD`] (same unit as the values).
    pub spread: f64,
    /// Number of finite values used.
    pub n: u32,
}

/// Median of the finite values, `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    StatsScratch::default().median(values.iter().copied())
}

/// Reusable buffers for [`median`] and [`robust_stats`]: a caller that
/// computes them again and again (the shift's baseline, once a minute)
/// keeps one and allocates nothing once it is warm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsScratch {
    values: Vec<f64>,
    dev: Vec<f64>,
}

impl StatsScratch {
    /// Room for `n` values without growing (for a caller whose inputs grow
    /// over a shift and must not allocate once warm).
    pub fn reserve(&mut self, n: usize) {
        self.values.reserve(n.saturating_sub(self.values.len()));
        self.dev.reserve(n.saturating_sub(self.dev.len()));
    }

    fn load(&mut self, values: impl IntoIterator<Item = f64>) {
        self.values.clear();
        self.values
            .extend(values.into_iter().filter(|x| x.is_finite()));
    }

    /// [`median`] of `values`, in the scratch buffers.
    pub fn median(&mut self, values: impl IntoIterator<Item = f64>) -> Option<f64> {
        self.load(values);
        median_in_place(&mut self.values)
    }

    /// [`robust_stats`] of `values`, in the scratch buffers.
    pub fn robust_stats(&mut self, values: impl IntoIterator<Item = f64>) -> Option<RobustStats> {
        self.load(values);
        let n = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        let centre = median_in_place(&mut self.values)?;
        self.dev.clear();
        self.dev
            .extend(self.values.iter().map(|x| (x - centre).abs()));
        let mad = median_in_place(&mut self.dev)?;
        Some(RobustStats {
            centre,
            spread: MAD_TO_SD * mad,
            n,
        })
    }
}

fn median_in_place(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mid = n / 2;
    if n % 2 == 1 {
        v.get(mid).copied()
    } else {
        match (v.get(mid - 1), v.get(mid)) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            _ => None,
        }
    }
}

/// Median and scaled MAD of the finite values, `None` when there are none.
///
/// `spread = 1.4826 * median(|x_i - median(x)|)`.
pub fn robust_stats(values: &[f64]) -> Option<RobustStats> {
    StatsScratch::default().robust_stats(values.iter().copied())
}

/// [`median`] of values already sorted ascending, all finite: the same
/// figure without a copy or a sort.
pub fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    let mid = n / 2;
    if n % 2 == 1 {
        sorted.get(mid).copied()
    } else {
        match (sorted.get(mid.checked_sub(1)?), sorted.get(mid)) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            _ => None,
        }
    }
}

/// [`robust_stats`] of values already sorted ascending, all finite: the
/// same figures in O(log n) instead of two sorts, for a caller that keeps
/// a growing set sorted and asks again and again (the shift's calm
/// baseline, once a minute over every still minute of the shift).
///
/// The absolute deviations below the median, read from the median down,
/// and those above it, read up, are each sorted (rounding `x - c` is
/// monotone in `x`), so their median is an order statistic of two sorted
/// sequences, found by bisection ([`kth_of_two`]).
pub fn robust_stats_sorted(sorted: &[f64]) -> Option<RobustStats> {
    let centre = median_sorted(sorted)?;
    let n = sorted.len();
    let split = sorted.partition_point(|x| *x < centre);
    let (below, above) = sorted.split_at(split);
    // i-th smallest deviation of each side
    let low = |i: usize| {
        below
            .len()
            .checked_sub(i + 1)
            .and_then(|j| below.get(j))
            .map(|x| (x - centre).abs())
    };
    let high = |i: usize| above.get(i).map(|x| (x - centre).abs());
    let kth = |k: usize| kth_of_two(below.len(), above.len(), k, low, high);
    let mid = n / 2;
    let mad = if n % 2 == 1 {
        kth(mid)?
    } else {
        (kth(mid.checked_sub(1)?)? + kth(mid)?) / 2.0
    };
    Some(RobustStats {
        centre,
        spread: MAD_TO_SD * mad,
        n: u32::try_from(n).unwrap_or(u32::MAX),
    })
}

/// The `k`-th smallest (from 0) of the union of two ascending sequences of
/// lengths `na` and `nb`, read through `a(i)` and `b(i)`: O(log n) reads.
fn kth_of_two(
    na: usize,
    nb: usize,
    k: usize,
    a: impl Fn(usize) -> Option<f64>,
    b: impl Fn(usize) -> Option<f64>,
) -> Option<f64> {
    let take = k.checked_add(1).filter(|t| *t <= na + nb)?;
    // Taking `i` from `a` and `take - i` from `b`: the smallest `i` whose
    // next `a` is not below the last `b` taken.
    let (mut lo, mut hi) = (take.saturating_sub(nb), take.min(na));
    while lo < hi {
        let i = lo + (hi - lo) / 2;
        let enough = match (a(i), b(take - i - 1)) {
            (Some(x), Some(y)) => x >= y,
            _ => true,
        };
        if enough {
            hi = i;
        } else {
            lo = i + 1;
        }
    }
    let last_a = lo.checked_sub(1).and_then(&a);
    let last_b = (take - lo).checked_sub(1).and_then(&b);
    match (last_a, last_b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
    }

    proptest::proptest! {
        /// On sorted finite values, the bisection gives exactly the figures
        /// of the sort (ties, odd and even counts, one side empty).
        #[test]
        fn sorted_stats_equal_the_sorting_ones(
            mut v in proptest::collection::vec(
                proptest::prop_oneof![(0u8..20).prop_map(f64::from), -1e3f64..1e3],
                0..60,
            ),
        ) {
            v.sort_by(f64::total_cmp);
            proptest::prop_assert_eq!(robust_stats_sorted(&v), robust_stats(&v));
            proptest::prop_assert_eq!(median_sorted(&v), median(&v));
        }
    }

    #[test]
    fn mad_ignores_an_outlier() {
        let s = robust_stats(&[10.0, 11.0, 12.0, 13.0, 1000.0]).unwrap();
        assert_eq!(s.centre, 12.0);
        // |dev| = 2,1,0,1,988 -> median 1
        assert!((s.spread - MAD_TO_SD).abs() < 1e-12);
        assert_eq!(s.n, 5);
    }
}
