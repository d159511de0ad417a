//! Sampling a meter on a thread of its own while the timed runs run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::AdapterDescription;

use super::{average_watts, meter_for, Meter};

/// Often enough to see a run of a few tens of milliseconds, rarely enough to cost nothing.
const INTERVAL: Duration = Duration::from_millis(10);

/// The adapter's meter, opened once, or why there is none.
pub struct PowerMeter {
    meter: Mutex<Result<Box<dyn Meter>, String>>,
}

/// The average power over one timed stretch, with what measured it; or why there is none.
pub type Measured = Result<(f64, String), String>;

impl PowerMeter {
    pub fn open(adapter: &AdapterDescription) -> PowerMeter {
        PowerMeter::with(meter_for(adapter))
    }

    fn with(meter: Result<Box<dyn Meter>, String>) -> PowerMeter {
        PowerMeter {
            meter: Mutex::new(meter),
        }
    }

    /// Runs `work`, reading the meter before, every [`INTERVAL`] during, and after it.
    pub fn during<T>(&self, work: impl FnOnce() -> T) -> (T, Measured) {
        let mut guard = self.meter.lock().unwrap_or_else(|e| e.into_inner());
        let meter = match guard.as_mut() {
            Ok(meter) => meter,
            Err(reason) => return (work(), Err(reason.clone())),
        };
        let describe = meter.describe();
        // The first and last readings bracket the work on this thread, so there are always
        // two, however the sampling thread is scheduled.
        let mut readings = vec![(Instant::now(), meter.read())];
        let done = AtomicBool::new(false);
        let (value, during) = std::thread::scope(|scope| {
            let sampler = scope.spawn(|| {
                let mut readings = Vec::new();
                loop {
                    std::thread::sleep(INTERVAL);
                    if done.load(Ordering::Acquire) {
                        return readings;
                    }
                    readings.push((Instant::now(), meter.read()));
                }
            });
            let value = work();
            done.store(true, Ordering::Release);
            (value, sampler.join())
        });
        match during {
            Ok(during) => readings.extend(during),
            Err(_) => return (value, Err("the power sampling thread panicked".into())),
        }
        readings.push((Instant::now(), meter.read()));
        let mut good = Vec::new();
        for (at, reading) in readings {
            match reading {
                Ok(r) => good.push((at, r)),
                Err(e) => return (value, Err(e)),
            }
        }
        (value, average_watts(&good).map(|w| (w, describe)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::Reading;

    /// A counter that a steady `watts` would drive, read off the clock.
    struct SteadyCounter {
        start: Instant,
        watts: f64,
    }

    impl Meter for SteadyCounter {
        fn describe(&self) -> String {
            "steady counter".into()
        }
        fn read(&mut self) -> Result<Reading, String> {
            Ok(Reading::Joules(
                self.watts * self.start.elapsed().as_secs_f64(),
            ))
        }
    }

    struct Broken;

    impl Meter for Broken {
        fn describe(&self) -> String {
            "broken".into()
        }
        fn read(&mut self) -> Result<Reading, String> {
            Err("permission denied".into())
        }
    }

    #[test]
    fn the_meter_is_read_while_the_work_runs() {
        let meter = PowerMeter::with(Ok(Box::new(SteadyCounter {
            start: Instant::now(),
            watts: 75.0,
        })));
        let (value, measured) = meter.during(|| {
            std::thread::sleep(Duration::from_millis(60));
            7
        });
        assert_eq!(value, 7);
        let (watts, by) = measured.unwrap();
        // The reading and its timestamp are taken microseconds apart.
        assert!((watts - 75.0).abs() < 0.75, "{watts}");
        assert_eq!(by, "steady counter");
    }

    #[test]
    fn without_a_meter_or_with_a_failing_one_the_work_still_runs_and_says_why() {
        let none = PowerMeter::with(Err("no RAPL".into()));
        assert_eq!(none.during(|| 1), (1, Err("no RAPL".to_string())));
        let broken = PowerMeter::with(Ok(Box::new(Broken)));
        assert_eq!(
            broken.during(|| 2),
            (2, Err("permission denied".to_string()))
        );
    }
}
