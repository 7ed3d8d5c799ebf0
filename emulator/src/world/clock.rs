//! The world clock. Asynchronous AWS transitions are scheduled against it, so
//! tests can run them immediately, at a realistic pace, or only on demand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::wire::Timestamp;

/// How fast asynchronous transitions happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Pace {
    /// Transitions are due at once: the next request sees them done.
    Immediate,
    /// Transitions take a few seconds of real time, as a scaled-down AWS.
    Realistic,
    /// Time stands still; transitions happen only when the clock is advanced.
    Manual,
}

impl Pace {
    /// How long a transition that AWS performs in `realistic_ms` takes here.
    pub fn delay_ms(self, realistic_ms: i64) -> i64 {
        match self {
            Pace::Immediate => 0,
            Pace::Realistic | Pace::Manual => realistic_ms,
        }
    }
}

#[derive(Debug)]
pub struct Clock {
    pace: Pace,
    /// For a running clock: added to system time. For a frozen one: the time.
    offset_ms: AtomicI64,
    /// While a scenario creates a resource at a declared time: that time
    /// (`NOT_PINNED` otherwise).
    pinned_ms: AtomicI64,
}

const NOT_PINNED: i64 = i64::MIN;

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Clock {
    pub fn new(pace: Pace) -> Self {
        let offset = if pace == Pace::Manual { system_ms() } else { 0 };
        Clock {
            pace,
            offset_ms: AtomicI64::new(offset),
            pinned_ms: AtomicI64::new(NOT_PINNED),
        }
    }

    /// Makes `now` answer `t` until unpinned (`None`): a scenario replays a
    /// resource's creation at the time it declares.
    pub fn pin(&self, t: Option<i64>) {
        self.pinned_ms
            .store(t.unwrap_or(NOT_PINNED), Ordering::SeqCst);
    }

    pub fn pace(&self) -> Pace {
        self.pace
    }

    pub fn now_ms(&self) -> i64 {
        let pinned = self.pinned_ms.load(Ordering::SeqCst);
        if pinned != NOT_PINNED {
            return pinned;
        }
        self.running_ms()
    }

    fn running_ms(&self) -> i64 {
        let offset = self.offset_ms.load(Ordering::SeqCst);
        if self.pace == Pace::Manual {
            offset
        } else {
            system_ms() + offset
        }
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now_ms())
    }

    /// Moves the clock forward (never backward) and returns the new time.
    pub fn advance(&self, ms: i64) -> i64 {
        self.offset_ms.fetch_add(ms.max(0), Ordering::SeqCst);
        self.now_ms()
    }

    /// Sets the clock to `t` if that is later than now.
    pub fn set_ms(&self, t: i64) {
        let now = self.running_ms();
        if t > now {
            self.offset_ms.fetch_add(t - now, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let c = Clock::new(Pace::Manual);
        let t0 = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.now_ms(), t0);
        assert_eq!(c.advance(1500), t0 + 1500);
        assert_eq!(c.advance(-10), t0 + 1500);
        c.pin(Some(42));
        assert_eq!(c.now_ms(), 42);
        c.pin(None);
        assert_eq!(c.now_ms(), t0 + 1500);
    }

    #[test]
    fn running_clock_follows_real_time_plus_advances() {
        let c = Clock::new(Pace::Immediate);
        let t0 = c.now_ms();
        c.advance(60_000);
        assert!(c.now_ms() >= t0 + 60_000);
        assert_eq!(Pace::Immediate.delay_ms(5000), 0);
        assert_eq!(Pace::Manual.delay_ms(5000), 5000);
    }
}
