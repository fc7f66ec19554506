//! The emulator's clock: the time every answer, schedule and run record is stamped with.
//!
//! Real time by default. `--time-scale N` makes emulated time run N times faster than real
//! time from the moment the emulator starts, and [`Clock::advance`] (the `/_emulator/clock`
//! admin endpoint) jumps it forward, so tests see schedules fire without sleeping. Processes
//! still run in real time: a script's timeout is real seconds whatever the scale (a scaled
//! timeout would make `sleep 1` under `--time-scale 60` a timeout).

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug)]
pub struct Clock {
    real_origin: Instant,
    emulated_origin: DateTime<Utc>,
    scale: f64,
    offset: Mutex<Duration>,
}

impl Clock {
    /// A clock that starts at the real time now and runs `scale` times as fast.
    pub fn new(scale: f64) -> Clock {
        Clock {
            real_origin: Instant::now(),
            emulated_origin: Utc::now(),
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
            offset: Mutex::new(Duration::zero()),
        }
    }

    pub fn real() -> Clock {
        Clock::new(1.0)
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    pub fn now(&self) -> DateTime<Utc> {
        let real = self.real_origin.elapsed().as_secs_f64() * self.scale;
        let scaled = Duration::microseconds((real * 1e6) as i64);
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        self.emulated_origin + scaled + offset
    }

    /// Moves emulated time forward (never back: records must stay in order).
    pub fn advance(&self, by: Duration) {
        if by > Duration::zero() {
            let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
            *offset += by;
        }
    }

    /// Real time for `emulated` to pass on this clock.
    pub fn real_for(&self, emulated: Duration) -> std::time::Duration {
        let secs = emulated.num_milliseconds().max(0) as f64 / 1000.0 / self.scale;
        std::time::Duration::from_secs_f64(secs)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_and_advanced() {
        let c = Clock::new(3600.0);
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = c.now();
        assert!(b - a >= Duration::seconds(60), "{a} {b}");
        c.advance(Duration::days(1));
        assert!(c.now() - b >= Duration::days(1));
        c.advance(Duration::days(-5));
        assert!(c.now() - b >= Duration::days(1));
        assert_eq!(
            c.real_for(Duration::seconds(3600)),
            std::time::Duration::from_secs(1)
        );
    }
}
