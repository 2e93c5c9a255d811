//! Clocks are injected: the gate reads time only through [`Clock`].

use std::sync::{Arc, Mutex};

use mandate_model::receipt::ClockMode;
use mandate_model::time::Timestamp;

/// A source of the gate's `recorded_at`.
pub trait Clock: Send + Sync {
    /// The time now.
    fn now(&self) -> Timestamp;
    /// Whether this is the wall clock or a simulated one; receipts say which.
    fn mode(&self) -> ClockMode;
}

/// The machine's wall clock, shown at a fixed offset.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    pub offset: time::UtcOffset,
}

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one place the wall clock is read.
    fn now(&self) -> Timestamp {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Timestamp::from_unix(seconds, self.offset).unwrap_or(Timestamp::UNIX_EPOCH)
    }
    fn mode(&self) -> ClockMode {
        ClockMode::Live
    }
}

/// A clock that moves only when told: the demo and the tests.
#[derive(Debug, Clone)]
pub struct SimulatedClock {
    now: Arc<Mutex<Timestamp>>,
}

impl SimulatedClock {
    /// A clock that reads `start`.
    pub fn new(start: Timestamp) -> Self {
        Self { now: Arc::new(Mutex::new(start)) }
    }
    /// Moves the clock to `to` (never backwards).
    pub fn set(&self, to: Timestamp) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if to > *now {
            *now = to;
        }
    }
    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.plus_seconds(seconds);
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn mode(&self) -> ClockMode {
        ClockMode::Simulated
    }
}
