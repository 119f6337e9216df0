//! The one place that reads the wall clock: maps `std::time::Instant` onto the
//! millisecond [`dialtone_core::Instant`] the state machines take.

use std::time::Duration;

/// A monotonic clock whose origin is the moment it was created.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: std::time::Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock starting at [`dialtone_core::Instant::ZERO`] now.
    #[must_use]
    pub fn new() -> Self {
        Clock {
            origin: std::time::Instant::now(),
        }
    }

    /// The current time on this clock.
    #[must_use]
    pub fn now(&self) -> dialtone_core::Instant {
        let ms = self.origin.elapsed().as_millis();
        dialtone_core::Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// The `std` instant corresponding to `at` (for timers of a runtime).
    #[must_use]
    pub fn to_std(&self, at: dialtone_core::Instant) -> std::time::Instant {
        self.origin + Duration::from_millis(at.as_millis())
    }

    /// How long to wait from now until `at` (zero when already due).
    #[must_use]
    pub fn until(&self, at: dialtone_core::Instant) -> Duration {
        at.saturating_since(self.now())
    }
}
