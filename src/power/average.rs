//! From readings taken during the timed runs to one average power.

use std::time::Instant;

/// One reading of a meter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// Power now, or averaged by the hardware over its own short window, in watts.
    Watts(f64),
    /// Energy since some origin, in joules, never decreasing (the meter handles wrap-around).
    Joules(f64),
}

/// An energy counter that moved by less than this over the window has not ticked often enough
/// to give an average.
const MIN_WINDOW_S: f64 = 0.01;

/// The average watts over `readings`, taken in time order: the mean of power readings, or an
/// energy counter's change over the time between its first and last reading.
pub fn average_watts(readings: &[(Instant, Reading)]) -> Result<f64, String> {
    let watts: Vec<f64> = readings
        .iter()
        .filter_map(|(_, r)| match r {
            Reading::Watts(w) => Some(*w),
            Reading::Joules(_) => None,
        })
        .collect();
    let joules: Vec<(Instant, f64)> = readings
        .iter()
        .filter_map(|(t, r)| match r {
            Reading::Joules(j) => Some((*t, *j)),
            Reading::Watts(_) => None,
        })
        .collect();
    let average = if !watts.is_empty() {
        watts.iter().sum::<f64>() / watts.len() as f64
    } else {
        let (Some((t0, j0)), Some((t1, j1))) = (joules.first(), joules.last()) else {
            return Err("no reading was taken".into());
        };
        let seconds = t1.duration_since(*t0).as_secs_f64();
        if seconds < MIN_WINDOW_S || j1 <= j0 {
            return Err(format!(
                "the energy counter did not advance over the {:.0} ms measured",
                seconds * 1e3
            ));
        }
        (j1 - j0) / seconds
    };
    if average.is_finite() && average > 0.0 {
        Ok(average)
    } else {
        Err(format!("the meter read {average} W"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn power_readings_are_averaged() {
        let t = Instant::now();
        let r = [(t, Reading::Watts(100.0)), (t, Reading::Watts(300.0))];
        assert_eq!(average_watts(&r), Ok(200.0));
    }

    #[test]
    fn an_energy_counter_gives_joules_over_seconds() {
        let t = Instant::now();
        let r = [
            (t, Reading::Joules(1000.0)),
            (t + Duration::from_millis(250), Reading::Joules(1010.0)),
            (t + Duration::from_millis(500), Reading::Joules(1050.0)),
        ];
        assert!((average_watts(&r).unwrap() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_counter_that_did_not_move_or_no_reading_is_an_error_not_zero() {
        let t = Instant::now();
        let still = [
            (t, Reading::Joules(5.0)),
            (t + Duration::from_secs(1), Reading::Joules(5.0)),
        ];
        assert!(average_watts(&still)
            .unwrap_err()
            .contains("did not advance"));
        assert!(average_watts(&[]).is_err());
        assert!(average_watts(&[(t, Reading::Watts(0.0))]).is_err());
    }
}
