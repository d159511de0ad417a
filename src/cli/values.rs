//! Parsers for option values, so every number is typed and range-checked by clap (exit 2 with
//! the flag named) before anything runs.

use crate::catalog::Precision;
use crate::gpu::BackendChoice;

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
    fn backends_and_precisions_name_the_choices() {
        assert_eq!(backend("Vulkan"), Ok(BackendChoice::Vulkan));
        assert!(backend("cuda")
            .unwrap_err()
            .contains("vulkan, metal, dx12, gl"));
        assert_eq!(precision("bf16"), Ok(Precision::Bf16));
        assert!(precision("fp4").unwrap_err().contains("bf16"));
    }
}
