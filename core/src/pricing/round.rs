//! Decimal rounding shared by cost breakdowns and latency percentiles.

/// Decimals kept in every USD figure of a [`crate::records::CostBreakdown`].
pub const COST_DECIMALS: usize = 6;

/// Rounds `x` to `places` decimals, half away from zero, on the number's shortest decimal
/// representation (the digits Rust, Python and JavaScript all print for the same double).
///
/// Working on the decimal digits rather than on `x * 10^places` avoids binary artefacts:
/// `0.0000025` rounds to `0.000003` even though `0.0000025 * 1e6` is `2.4999999999999996`.
/// Non-finite inputs are returned unchanged; a result of zero is always `+0.0`.
pub fn round_half_away(x: f64, places: usize) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if let Some(r) = round_fast(x, places) {
        return r;
    }
    round_on_digits(x, places)
}

/// Powers of ten exactly representable as f64, for [`round_fast`].
const POW10: [f64; 10] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// The same result as [`round_on_digits`] without formatting, when it is certain: the scaled
/// value `|x| * 10^places` is small (its error against the exact decimal is far below 1e-6)
/// and not within 1e-6 of a half, so rounding it and dividing by the power of ten (one
/// correctly rounded division, as parsing the decimal would be) gives the same double.
/// None when the slow path must decide.
fn round_fast(x: f64, places: usize) -> Option<f64> {
    let scale = *POW10.get(places)?;
    let y = x.abs() * scale;
    if y >= 1e9 {
        return None;
    }
    let floor = y.floor();
    let frac = y - floor;
    if (frac - 0.5).abs() <= 1e-6 {
        return None;
    }
    let n = if frac > 0.5 { floor + 1.0 } else { floor };
    let magnitude = n / scale;
    Some(if magnitude == 0.0 {
        0.0
    } else if x < 0.0 {
        -magnitude
    } else {
        magnitude
    })
}

/// [`round_half_away`] on the shortest decimal digits of `x` (finite).
fn round_on_digits(x: f64, places: usize) -> f64 {
    // `Display` for f64 never uses exponent notation and prints the shortest digits that
    // round-trip, e.g. `0.0000001` and `123.45`.
    let text = format!("{}", x.abs());
    let (int_part, frac) = match text.split_once('.') {
        Some(parts) => parts,
        None => return if x == 0.0 { 0.0 } else { x },
    };
    if frac.len() <= places {
        return x;
    }
    let mut digits: Vec<u8> = int_part.bytes().chain(frac.bytes().take(places)).collect();
    if frac.as_bytes()[places] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - places;
    let mut rounded = String::with_capacity(digits.len() + 1);
    rounded.extend(digits[..split].iter().map(|&b| b as char));
    if places > 0 {
        rounded.push('.');
        rounded.extend(digits[split..].iter().map(|&b| b as char));
    }
    let magnitude: f64 = rounded.parse().unwrap_or(x.abs());
    if magnitude == 0.0 {
        0.0
    } else if x < 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

/// [`round_half_away`] to [`COST_DECIMALS`] (6) decimals.
pub fn round_usd(x: f64) -> f64 {
    round_half_away(x, COST_DECIMALS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_digits() {
        // Values near halves, near integers, tiny and large, both signs, at 1 and 6 places.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut checked = 0;
        for i in 0..200_000u64 {
            let r = next();
            let x = match i % 4 {
                0 => (r % 10_000_000_000) as f64 / 1e9,
                1 => (r % 1_000_000) as f64 / 1e6 + 5e-7,
                2 => (r % 100_000) as f64 * 1e-3 + 0.05,
                _ => f64::from_bits(0x3e00_0000_0000_0000 | (r & 0x000f_ffff_ffff_ffff)),
            };
            for (v, places) in [(x, 6), (-x, 6), (x * 1000.0, 1), (x, 1)] {
                if let Some(fast) = round_fast(v, places) {
                    assert_eq!(fast.to_bits(), round_on_digits(v, places).to_bits(), "{v} at {places}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 500_000, "the fast path was taken only {checked} times");
    }

    #[test]
    fn half_away_from_zero_on_decimal_digits() {
        assert_eq!(round_half_away(0.0000025, 6), 0.000003);
        assert_eq!(round_half_away(-0.0000025, 6), -0.000003);
        assert_eq!(round_half_away(0.0000024999, 6), 0.000002);
        assert_eq!(round_half_away(0.9999995, 6), 1.0);
        assert_eq!(round_half_away(9.9999995, 6), 10.0);
        assert_eq!(round_half_away(1.25, 1), 1.3);
        assert_eq!(round_half_away(1.35, 1), 1.4);
        assert_eq!(round_half_away(0.1 + 0.2, 6), 0.3);
        assert_eq!(round_half_away(1e-7, 6), 0.0);
        assert_eq!(round_half_away(-1e-7, 6).to_bits(), 0.0f64.to_bits());
        assert_eq!(round_half_away(5e-7, 6), 0.000001);
        assert_eq!(round_half_away(42.0, 6), 42.0);
        assert_eq!(round_half_away(123.4567, 0), 123.0);
        assert_eq!(round_half_away(0.5, 0), 1.0);
        assert!(round_half_away(f64::NAN, 6).is_nan());
        assert_eq!(round_half_away(1e300, 6), 1e300);
    }
}
