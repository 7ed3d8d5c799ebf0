//! Resource ids that look like AWS's: a prefix and 17 lower-case hex digits.
//! Random by default; reproducible with a seed (and again after a reset).
//!
//! A scenario may pin what AWS would generate: values queued by key (an id
//! prefix such as `sgr`, or a name such as `network-interface`), taken in
//! order by the next ones generated under that key.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// An id kept compactly: 32 lower-case hex digits (an ECS task's id) or a
/// UUID as their 16 bytes, anything else as text (up to 24 bytes without
/// an allocation). Gives back exactly the text it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedId(Packed);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Packed {
    Hex([u8; 16]),
    Uuid([u8; 16]),
    Text(compact_str::CompactString),
}

impl PackedId {
    pub fn new(s: &str) -> PackedId {
        let lower_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if s.len() == 32 && lower_hex(s) {
            if let Ok(n) = u128::from_str_radix(s, 16) {
                return PackedId(Packed::Hex(n.to_be_bytes()));
            }
        }
        if let Ok(u) = uuid::Uuid::try_parse(s) {
            let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
            if u.hyphenated().encode_lower(&mut buf) == s {
                return PackedId(Packed::Uuid(*u.as_bytes()));
            }
        }
        PackedId(Packed::Text(s.into()))
    }

    pub fn push_to(&self, out: &mut String) {
        match &self.0 {
            Packed::Hex(b) => {
                let _ = write!(out, "{:032x}", u128::from_be_bytes(*b));
            }
            Packed::Uuid(b) => {
                let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
                out.push_str(
                    uuid::Uuid::from_bytes(*b)
                        .hyphenated()
                        .encode_lower(&mut buf),
                );
            }
            Packed::Text(t) => out.push_str(t),
        }
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        self.push_to(&mut out);
        out
    }
}

#[derive(Debug)]
pub struct IdGen {
    seed: Option<u64>,
    rng: Mutex<StdRng>,
    /// Values a scenario pinned, by key, first in first out. Ids are JSON
    /// strings; structured pins (a network interface's id and addresses)
    /// are objects.
    pins: Mutex<HashMap<String, VecDeque<Value>>>,
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
        if let Some(id) = self.take_pin(prefix) {
            return id;
        }
        format!("{prefix}-{}", self.hex(17))
    }

    /// Queues `value` for `key`: the next value generated under that key is
    /// this one (after those queued before it).
    pub fn pin(&self, key: &str, value: impl Into<Value>) {
        self.pins
            .lock()
            .entry(key.to_string())
            .or_default()
            .push_back(value.into());
    }

    /// The next string pinned for `key`, taken. An empty string holds a
    /// place in the queue and pins nothing.
    pub fn take_pin(&self, key: &str) -> Option<String> {
        match self.take_value(key)? {
            Value::String(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// The next string pinned for `key`, else what `generate` makes.
    pub fn pinned_or(&self, key: &str, generate: impl FnOnce(&Self) -> String) -> String {
        self.take_pin(key).unwrap_or_else(|| generate(self))
    }

    /// The next structured pin for `key`, taken (None when it does not fit `T`).
    pub fn take_pinned<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_value(self.take_value(key)?).ok()
    }

    fn take_value(&self, key: &str) -> Option<Value> {
        let mut pins = self.pins.lock();
        let queue = pins.get_mut(key)?;
        let v = queue.pop_front();
        if queue.is_empty() {
            pins.remove(key);
        }
        v
    }

    /// Forgets what is still pinned for `key`.
    pub fn unpin(&self, key: &str) {
        self.pins.lock().remove(key);
    }

    /// A random (version 4) UUID, from the seeded generator.
    pub fn uuid(&self) -> String {
        let bytes: [u8; 16] = self.rng.lock().gen();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
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

    #[test]
    fn pins_are_taken_in_order_and_blanks_hold_a_place() {
        let ids = IdGen::new(Some(1));
        ids.pin("sgr", "sgr-0000000000000000a");
        ids.pin("sgr", "");
        ids.pin("sgr", "sgr-0000000000000000c");
        assert_eq!(ids.resource("sgr"), "sgr-0000000000000000a");
        assert_ne!(ids.resource("sgr"), "sgr-0000000000000000c");
        assert_eq!(ids.resource("sgr"), "sgr-0000000000000000c");
        assert!(ids.take_pin("sgr").is_none());
        ids.pin("x", serde_json::json!({"a": 1}));
        ids.unpin("x");
        assert!(ids.take_value("x").is_none());
        let u = IdGen::new(Some(2)).uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(IdGen::new(Some(2)).uuid(), u);
    }

    #[test]
    fn packed_ids_give_back_their_text_and_take_no_more_than_a_short_string() {
        for text in [
            "0123456789abcdef0123456789abcdef",
            "0123456789ABCDEF0123456789abcdef",
            "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            "1B4E28BA-2FA1-11D2-883F-0016D3CCA427",
            "1b4e28ba2fa111d2883f0016d3cca4271",
            "vpce-0123456789abcdef0",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/a/0123456789abcdef",
            "",
        ] {
            assert_eq!(PackedId::new(text).text(), text);
        }
        assert_eq!(
            PackedId::new("0123456789abcdef0123456789abcdef"),
            PackedId::new("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(std::mem::size_of::<PackedId>(), 24);
    }
}
