//! Parsers for option values, so every number is typed and range-checked by clap (exit 2 with
//! the flag named) before anything runs.

use crate::catalog::Precision;
use crate::model::BackendChoice;
use crate::model::Dtype;

/// A non-negative, finite number of seconds, at most an hour.
pub fn seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "'{text}' must be a finite, non-negative number of seconds"
        ));
    }
    if value > 3600.0 {
        return Err(format!(
            "'{text}' is over an hour; give at most 3600 seconds"
        ));
    }
    Ok(value)
}

/// A positive, finite number of seconds.
pub fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(_) => Err(format!("'{text}' must be a positive number of seconds")),
        Err(_) => Err(format!("'{text}' is not a number of seconds")),
    }
}

/// A positive, finite number of dollars.
pub fn positive_price(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("'{text}' must be a positive number of dollars")),
    }
}

pub fn backend(text: &str) -> Result<BackendChoice, String> {
    BackendChoice::ALL
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, choice)| *choice)
        .ok_or_else(|| {
            let names: Vec<&str> = BackendChoice::ALL.iter().map(|(n, _)| *n).collect();
            format!(
                "'{text}' is not a backend; choose one of {}",
                names.join(", ")
            )
        })
}

pub fn precision(text: &str) -> Result<Precision, String> {
    Precision::ALL
        .iter()
        .find(|p| p.name().eq_ignore_ascii_case(text))
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = Precision::ALL.iter().map(|p| p.name()).collect();
            format!(
                "'{text}' is not a precision; choose one of {}",
                names.join(", ")
            )
        })
}

/// A positive count or amount, with an optional K/M/B/T/P suffix ("14.8T", "37B", "7e9").
pub use crate::cost::units::quantity;

/// A whole, positive number of devices.
pub fn device_count(text: &str) -> Result<f64, String> {
    let n = quantity(text)?;
    if n.fract() != 0.0 {
        return Err(format!("must be a whole number of devices, got {n}"));
    }
    Ok(n)
}

/// An efficiency: 0 < E <= 1.
pub fn fraction(text: &str) -> Result<f64, String> {
    let e = quantity(text)?;
    if e > 1.0 {
        return Err(format!("must be in (0, 1], got {e}"));
    }
    Ok(e)
}

pub fn dtype(text: &str) -> Result<Dtype, String> {
    match text {
        "f32" => Ok(Dtype::F32),
        "f16" => Ok(Dtype::F16),
        other => Err(format!("unknown dtype '{other}' (known: f32, f16)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_finite_non_negative_and_at_most_an_hour() {
        assert_eq!(seconds("1.5"), Ok(1.5));
        assert_eq!(seconds("0"), Ok(0.0));
        for bad in ["-1", "nan", "inf", "3601", "soon"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert!(positive_seconds("0").is_err());
    }

    #[test]
    fn quantities_take_suffixes_and_refuse_what_is_not_positive() {
        assert_eq!(quantity("14.8T"), Ok(14.8e12));
        assert_eq!(quantity("37B"), Ok(37e9));
        for bad in ["-1", "0", "NaN", "inf", "lots"] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
        assert!(device_count("2.5").is_err());
        assert_eq!(device_count("2K"), Ok(2000.0));
        assert!(fraction("1.5").is_err() && fraction("0").is_err());
        assert_eq!(dtype("f16"), Ok(Dtype::F16));
        assert!(dtype("f64").unwrap_err().contains("f32, f16"));
    }

    #[test]
    fn backends_and_precisions_name_the_choices() {
        assert_eq!(backend("Vulkan"), Ok(BackendChoice::Vulkan));
        assert!(backend("cuda")
            .unwrap_err()
            .contains("vulkan, metal, dx12, gl"));
        assert_eq!(precision("bf16"), Ok(Precision::Bf16));
        assert!(precision("fp4").unwrap_err().contains("bf16"));
    }
}
