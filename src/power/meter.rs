//! Sampling a meter on a thread of its own while the timed runs run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::gpu::AdapterDescription;

use super::{average_watts, meter_for, Meter, Reading};

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
        PowerMeter {
            meter: Mutex::new(meter_for(adapter)),
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
        let done = AtomicBool::new(false);
        let (value, readings) = std::thread::scope(|scope| {
            let sampler = scope.spawn(|| {
                let mut readings: Vec<(Instant, Result<Reading, String>)> = Vec::new();
                loop {
                    let finished = done.load(Ordering::Acquire);
                    readings.push((Instant::now(), meter.read()));
                    if finished {
                        return readings;
                    }
                    std::thread::sleep(INTERVAL);
                }
            });
            let value = work();
            done.store(true, Ordering::Release);
            (value, sampler.join())
        });
        let readings = match readings {
            Ok(readings) => readings,
            Err(_) => return (value, Err("the power sampling thread panicked".into())),
        };
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
