//! Resource ids that look like AWS's: a prefix and 17 lower-case hex digits.
//! Random by default; reproducible with a seed (and again after a reset).

use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug)]
pub struct IdGen {
    seed: Option<u64>,
    rng: Mutex<StdRng>,
    /// Ids a scenario pinned: the next id of that prefix is taken from here.
    pins: Mutex<std::collections::HashMap<String, String>>,
}

fn rng_for(seed: Option<u64>) -> StdRng {
    match seed {
        Some(s) => StdRng::seed_from_u64(s),
        None => StdRng::from_entropy(),
    }
}

impl IdGen {
    pub fn new(seed: Option<u64>) -> Self {
        IdGen {
            seed,
            rng: Mutex::new(rng_for(seed)),
            pins: Mutex::new(Default::default()),
        }
    }

    /// Starts the sequence again (same ids after a reset when seeded).
    pub fn reset(&self) {
        *self.rng.lock() = rng_for(self.seed);
    }

    /// `n` lower-case hex digits.
    pub fn hex(&self, n: usize) -> String {
        let mut rng = self.rng.lock();
        (0..n)
            .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
            .collect()
    }

    /// `prefix-` + 17 hex, e.g. `vpc-0a1b2c3d4e5f60718`, unless an id was pinned.
    pub fn resource(&self, prefix: &str) -> String {
        if let Some(id) = self.pins.lock().remove(prefix) {
            return id;
        }
        format!("{prefix}-{}", self.hex(17))
    }

    /// Makes the next `resource(prefix)` return `id`.
    pub fn pin(&self, prefix: &str, id: &str) {
        self.pins.lock().insert(prefix.to_string(), id.to_string());
    }

    /// The id pinned for `prefix`, taken (for ids that are not `prefix-hex`).
    pub fn take_pin(&self, prefix: &str) -> Option<String> {
        self.pins.lock().remove(prefix)
    }

    /// Forgets a pin that was not used.
    pub fn unpin(&self, prefix: &str) {
        self.pins.lock().remove(prefix);
    }

    /// `n` characters of `[a-z0-9]` (DNS suffixes such as `bluzidnv`).
    pub fn alnum(&self, n: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut rng = self.rng.lock();
        (0..n)
            .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
            .collect()
    }

    /// A random byte, for MAC addresses and the like.
    pub fn byte(&self) -> u8 {
        self.rng.lock().gen()
    }

    /// A uniformly chosen index below `n` (n > 0).
    pub fn below(&self, n: usize) -> usize {
        self.rng.lock().gen_range(0..n.max(1))
    }
}

/// True when `id` is `prefix-` followed by 8 or 17 lower-case hex digits.
pub fn is_valid_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|hex| {
            (hex.len() == 8 || hex.len() == 17)
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_aws_shape_and_repeat_with_a_seed() {
        let a = IdGen::new(Some(7));
        let id = a.resource("vpc");
        assert!(is_valid_id(&id, "vpc"), "{id}");
        let b = IdGen::new(Some(7));
        assert_eq!(b.resource("vpc"), id);
        a.reset();
        assert_eq!(a.resource("vpc"), id);
        assert!(!is_valid_id("vpc-XYZ", "vpc"));
        assert!(is_valid_id("vpc-0a1b2c3d", "vpc"));
        assert!(!is_valid_id("subnet-0a1b2c3d", "vpc"));
    }
}
