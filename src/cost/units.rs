//! Unit conversions and the human formats every command prints, so a figure reads the same
//! everywhere and a reader can redo the arithmetic from what is shown.

pub const SECONDS_PER_HOUR: f64 = 3600.0;
pub const HOURS_PER_DAY: f64 = 24.0;
/// Julian year, as astronomers and Epoch AI use: 365.25 days.
pub const DAYS_PER_YEAR: f64 = 365.25;
pub const TERA: f64 = 1e12;
pub const GIGA: f64 = 1e9;

pub fn hours_to_days(hours: f64) -> f64 {
    hours / HOURS_PER_DAY
}

pub fn days_to_years(days: f64) -> f64 {
    days / DAYS_PER_YEAR
}

/// Energy in kWh of `device_hours` at `watts` each, with facility overhead `pue`.
pub fn energy_kwh(device_hours: f64, watts: f64, pue: f64) -> f64 {
    device_hours * watts / 1000.0 * pue
}

/// Parses a positive, finite quantity, with an optional K/M/B/G/T/P suffix ("14.8T", "37e9").
/// The error says what is wrong, without naming the option (the caller does).
pub fn quantity(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (digits, scale) = match trimmed.chars().last() {
        Some('K' | 'k') => (&trimmed[..trimmed.len() - 1], 1e3),
        Some('M') => (&trimmed[..trimmed.len() - 1], 1e6),
        Some('B' | 'G') => (&trimmed[..trimmed.len() - 1], 1e9),
        Some('T') => (&trimmed[..trimmed.len() - 1], 1e12),
        Some('P') => (&trimmed[..trimmed.len() - 1], 1e15),
        _ => (trimmed, 1.0),
    };
    let value: f64 = digits
        .replace('_', "")
        .parse()
        .map_err(|_| format!("'{text}' is not a number (examples: 14.8e12, 14.8T, 37B)"))?;
    let value = value * scale;
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!("must be a positive finite number, got {value}"))
    }
}

/// "3.29e24 FLOP".
pub fn fmt_flops(flops: f64) -> String {
    format!("{} FLOP", fmt_sci(flops))
}

/// "3.29e24": three significant figures in scientific notation.
pub fn fmt_sci(x: f64) -> String {
    format!("{x:.2e}")
}

/// A rate given in FLOP/s: "343.1 TFLOP/s", or GFLOP/s / PFLOP/s when that reads better.
pub fn fmt_rate(flop_per_s: f64) -> String {
    let t = flop_per_s / TERA;
    if t >= 10_000.0 {
        format!("{:.2} PFLOP/s", t / 1000.0)
    } else if t >= 1.0 {
        format!("{} TFLOP/s", sig(t))
    } else {
        format!("{} GFLOP/s", sig(flop_per_s / GIGA))
    }
}

/// Rounds for display: one decimal at 100 and above, two at 10 and above, else three.
fn sig(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else if x.abs() >= 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// Counts with K/M/B suffixes: "41.0K", "2.788M", "850".
pub fn fmt_count(x: f64) -> String {
    let a = x.abs();
    if a >= 1e12 {
        format!("{}T", sig(x / 1e12))
    } else if a >= 1e9 {
        format!("{}B", sig(x / 1e9))
    } else if a >= 1e6 {
        format!("{}M", sig(x / 1e6))
    } else if a >= 1e3 {
        format!("{:.1}K", x / 1e3)
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        sig(x)
    }
}

/// Dollars: "$294.0K", "$5.576M", "$12.34".
pub fn fmt_usd(x: f64) -> String {
    if x.abs() >= 1e3 {
        format!("${}", fmt_count(x))
    } else {
        format!("${x:.2}")
    }
}

/// "34.6%".
pub fn fmt_percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p.abs() >= 0.1 || p == 0.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.2e}%")
    }
}

/// A duration from hours: "41.0 h", "54.2 days (1.30K h)", "3.21 years (28.1K h)".
pub fn fmt_hours(hours: f64) -> String {
    let days = hours_to_days(hours);
    let years = days_to_years(days);
    if hours < 1.0 {
        format!("{:.1} min", hours * 60.0)
    } else if hours < 48.0 {
        format!("{} h", sig(hours))
    } else if years < 2.0 {
        format!("{} days ({} h)", sig(days), whole_hours(hours))
    } else if years < 1000.0 {
        format!("{} years ({} h)", sig(years), whole_hours(hours))
    } else {
        format!("{} years ({} h)", fmt_count(years), fmt_count(hours))
    }
}

/// "1301" below a million hours, "2.79M" above.
fn whole_hours(hours: f64) -> String {
    if hours < 1e6 {
        format!("{hours:.0}")
    } else {
        fmt_count(hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_conversions() {
        assert_eq!(hours_to_days(48.0), 2.0);
        assert!((days_to_years(365.25) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rate_conversions() {
        assert_eq!(fmt_rate(343.06e12), "343.1 TFLOP/s");
        assert_eq!(fmt_rate(12.5e9), "12.50 GFLOP/s");
        assert_eq!(fmt_rate(2.0e16), "20.00 PFLOP/s");
    }

    #[test]
    fn energy_is_device_hours_times_kilowatts_times_pue() {
        // 1000 h × 700 W = 700 kWh, × 1.2 PUE = 840 kWh.
        assert!((energy_kwh(1000.0, 700.0, 1.2) - 840.0).abs() < 1e-9);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_flops(3.2856e24), "3.29e24 FLOP");
        assert_eq!(fmt_count(41_000.0), "41.0K");
        assert_eq!(fmt_count(2_788_000.0), "2.788M");
        assert_eq!(fmt_usd(294_000.0), "$294.0K");
        assert_eq!(fmt_usd(5_576_000.0), "$5.576M");
        assert_eq!(fmt_usd(12.345), "$12.35");
        assert_eq!(fmt_percent(0.3462), "34.6%");
        assert_eq!(fmt_hours(41.0), "41.00 h");
        assert_eq!(fmt_hours(1300.8), "54.20 days (1301 h)");
        assert_eq!(fmt_hours(24.0 * 365.25 * 3.0), "3.000 years (26298 h)");
        assert_eq!(fmt_hours(24.0 * 365.25 * 3.5e6), "3.500M years (30.68B h)");
    }

    #[test]
    fn quantities_with_suffixes() {
        assert_eq!(quantity("14.8T").unwrap(), 14.8e12);
        assert_eq!(quantity("37B").unwrap(), 37e9);
        assert_eq!(quantity("1e9").unwrap(), 1e9);
    }

    #[test]
    fn bad_quantities_are_refused_with_a_reason() {
        for text in ["0", "-5", "NaN", "inf", "abc", "", "-1T"] {
            assert!(quantity(text).is_err(), "{text}");
        }
    }
}
