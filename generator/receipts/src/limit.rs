//! Per-address rate limit, in memory only: the address is a map key for as long as its bucket
//! is not full again, and is never logged or written anywhere.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

/// Above this many tracked addresses, buckets that have refilled are dropped, so a flood of
/// addresses cannot grow memory without bound.
const PRUNE_ABOVE: usize = 10_000;

/// A token bucket per client address.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: f64,
    burst: f64,
    buckets: HashMap<IpAddr, (f64, Instant)>,
}

impl RateLimiter {
    /// `per_minute` receipts a minute on average, `burst` at once; `per_minute == 0` turns the
    /// limit off.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_minute: f64::from(per_minute),
            burst: f64::from(burst.max(1)),
            buckets: HashMap::new(),
        }
    }

    /// Takes one token for `addr` at `now`; `Err(seconds)` says when to retry.
    pub fn check(&mut self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0.0 {
            return Ok(());
        }
        let per_second = self.per_minute / 60.0;
        if self.buckets.len() > PRUNE_ABOVE {
            let (burst, buckets) = (self.burst, &mut self.buckets);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second < burst
            });
        }
        let (tokens, at) = self.buckets.entry(addr).or_insert((self.burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second)
            .min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / per_second).ceil().max(1.0) as u64)
        }
    }

    /// How many addresses are tracked now.
    pub fn tracked(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill_per_address() {
        let mut limit = RateLimiter::new(60, 3);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.check(a, t0), Ok(()));
        }
        assert_eq!(limit.check(a, t0), Err(1));
        assert_eq!(
            limit.check(b, t0),
            Ok(()),
            "another address has its own bucket"
        );
        assert_eq!(limit.check(a, t0 + Duration::from_millis(1_100)), Ok(()));
        assert!(limit.check(a, t0 + Duration::from_millis(1_200)).is_err());
    }

    #[test]
    fn zero_turns_it_off_and_memory_is_bounded() {
        let mut off = RateLimiter::new(0, 1);
        let t0 = Instant::now();
        assert!((0..100).all(|_| off.check(IpAddr::from([1, 1, 1, 1]), t0).is_ok()));
        let mut limit = RateLimiter::new(600, 1);
        for i in 0..(PRUNE_ABOVE as u32 + 10) {
            let _ = limit.check(IpAddr::from(i.to_be_bytes()), t0);
        }
        let _ = limit.check(IpAddr::from([1, 1, 1, 1]), t0 + Duration::from_secs(1));
        assert_eq!(limit.tracked(), 1, "refilled buckets are dropped");
    }
}
