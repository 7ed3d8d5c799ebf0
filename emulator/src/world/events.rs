//! The event bus: every state change is recorded here, in order. The control
//! API lists it; later subscribers (connection notifications) listen to it.

use std::collections::{HashMap, VecDeque};

use compact_str::CompactString;

use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::wire::Timestamp;
use crate::world::ids::PackedId;

/// How many events the log keeps; older ones are dropped first.
const RETAINED: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub seq: u64,
    #[serde(serialize_with = "iso")]
    pub time: Timestamp,
    pub region: CompactString,
    pub account: CompactString,
    /// `ec2`, `elbv2`, `ecs`.
    pub service: &'static str,
    /// e.g. `vpc`, `subnet`, `vpc-endpoint`.
    pub resource_type: &'static str,
    pub resource_id: String,
    /// e.g. `created`, `deleted`, `state-changed`.
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<CompactString>,
}

fn iso<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_iso8601())
}

/// An event before the bus numbers it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub service: &'static str,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub action: &'static str,
    pub state: Option<CompactString>,
}

impl NewEvent {
    pub fn new(
        service: &'static str,
        resource_type: &'static str,
        resource_id: &str,
        action: &'static str,
        state: Option<&str>,
    ) -> Self {
        NewEvent {
            service,
            resource_type,
            resource_id: resource_id.to_string(),
            action,
            state: state.map(CompactString::from),
        }
    }
}

#[derive(Debug)]
pub struct EventBus {
    log: Mutex<Log>,
    live: broadcast::Sender<Event>,
}

/// The kept events, compactly: a task's start is a few dozen bytes here
/// (its Region, account, kind and state numbered, its id packed), where
/// an `Event` is a few hundred. Each is given back as an `Event` when read.
#[derive(Debug, Default)]
struct Log {
    /// The number of the last event published (the first is 1).
    last: u64,
    kept: VecDeque<Kept>,
    /// Region, account and state texts, numbered as they first come.
    texts: Vec<CompactString>,
    numbers: HashMap<CompactString, u32>,
    /// `(service, resource type, action)`, numbered as they first come.
    kinds: Vec<(&'static str, &'static str, &'static str)>,
}

#[derive(Debug)]
struct Kept {
    time: Timestamp,
    resource_id: PackedId,
    region: u32,
    account: u32,
    kind: u32,
    /// The state's number plus one; 0 for none.
    state: u32,
}

impl Log {
    fn new(last: u64) -> Log {
        Log {
            last,
            // Its room taken once (and touched only as it fills).
            kept: VecDeque::with_capacity(RETAINED),
            ..Log::default()
        }
    }

    fn number(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.numbers.get(text) {
            return n;
        }
        let n = self.texts.len() as u32;
        self.texts.push(text.into());
        self.numbers.insert(text.into(), n);
        n
    }

    fn kind(&mut self, kind: (&'static str, &'static str, &'static str)) -> u32 {
        match self.kinds.iter().position(|k| *k == kind) {
            Some(n) => n as u32,
            None => {
                self.kinds.push(kind);
                self.kinds.len() as u32 - 1
            }
        }
    }

    fn keep(&mut self, time: Timestamp, region: &str, account: &str, e: &NewEvent) {
        let kept = Kept {
            time,
            resource_id: PackedId::new(&e.resource_id),
            region: self.number(region),
            account: self.number(account),
            kind: self.kind((e.service, e.resource_type, e.action)),
            state: e.state.as_deref().map_or(0, |s| self.number(s) + 1),
        };
        if self.kept.len() == RETAINED {
            self.kept.pop_front();
        }
        self.kept.push_back(kept);
        self.last += 1;
    }

    /// The kept event at `at` (0 the oldest), as published.
    fn event(&self, at: usize) -> Event {
        let k = &self.kept[at];
        let (service, resource_type, action) = self.kinds[k.kind as usize];
        let text = |n: u32| self.texts[n as usize].clone();
        Event {
            seq: self.last - (self.kept.len() - 1 - at) as u64,
            time: k.time,
            region: text(k.region),
            account: text(k.account),
            service,
            resource_type,
            resource_id: k.resource_id.text(),
            action,
            state: k.state.checked_sub(1).map(text),
        }
    }
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            log: Mutex::new(Log::new(0)),
            live: broadcast::channel(1024).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, time: Timestamp, region: &str, account: &str, e: NewEvent) {
        let event = {
            let mut log = self.log.lock();
            log.keep(time, region, account, &e);
            // Built whole only for listeners.
            (self.live.receiver_count() > 0).then(|| log.event(log.kept.len() - 1))
        };
        if let Some(event) = event {
            // A listener gone since is fine.
            let _ = self.live.send(event);
        }
    }

    /// Events with `seq` greater than `after`, oldest first.
    pub fn since(&self, after: u64) -> Vec<Event> {
        let log = self.log.lock();
        let first = log.last + 1 - log.kept.len() as u64;
        let from = after
            .saturating_add(1)
            .saturating_sub(first)
            .min(log.kept.len() as u64) as usize;
        (from..log.kept.len()).map(|at| log.event(at)).collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }

    /// Forgets the kept events; numbering goes on.
    pub fn clear(&self) {
        let mut log = self.log.lock();
        *log = Log::new(log.last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn events_read_back_as_published_in_order_and_the_oldest_go_first() {
        let bus = EventBus::default();
        let mut live = bus.subscribe();
        bus.publish(
            at(1_000),
            "us-east-1",
            "123456789012",
            NewEvent::new("ec2", "vpc", "vpc-0123456789abcdef0", "created", None),
        );
        bus.publish(
            at(2_000),
            "eu-west-1",
            "210987654321",
            NewEvent::new(
                "ecs",
                "task",
                "0123456789abcdef0123456789abcdef",
                "state-changed",
                Some("RUNNING"),
            ),
        );
        let all = bus.since(0);
        assert_eq!(all.len(), 2);
        let json = serde_json::to_value(&all).unwrap();
        assert_eq!(json[0]["seq"], 1);
        assert_eq!(json[0]["region"], "us-east-1");
        assert_eq!(json[0]["account"], "123456789012");
        assert_eq!(json[0]["service"], "ec2");
        assert_eq!(json[0]["resourceType"], "vpc");
        assert_eq!(json[0]["resourceId"], "vpc-0123456789abcdef0");
        assert_eq!(json[0]["action"], "created");
        assert!(json[0].get("state").is_none());
        assert_eq!(json[1]["seq"], 2);
        assert_eq!(json[1]["region"], "eu-west-1");
        assert_eq!(json[1]["account"], "210987654321");
        assert_eq!(json[1]["resourceId"], "0123456789abcdef0123456789abcdef");
        assert_eq!(json[1]["state"], "RUNNING");
        assert_eq!(json[1]["time"], at(2_000).to_iso8601());
        assert_eq!(live.try_recv().unwrap().seq, 1);
        assert_eq!(live.try_recv().unwrap().state.as_deref(), Some("RUNNING"));
        assert_eq!(bus.since(1).len(), 1);
        assert!(bus.since(2).is_empty());
        assert!(bus.since(u64::MAX).is_empty());

        for n in 0..RETAINED {
            let id = format!("i-{n:017x}");
            bus.publish(
                at(3_000),
                "us-east-1",
                "123456789012",
                NewEvent::new("ec2", "instance", &id, "created", Some("pending")),
            );
        }
        let all = bus.since(0);
        assert_eq!(all.len(), RETAINED);
        assert_eq!(all[0].seq, 3);
        assert_eq!(all[0].resource_id, "i-00000000000000000");
        assert_eq!(all.last().unwrap().seq, RETAINED as u64 + 2);
        assert_eq!(bus.since(RETAINED as u64).len(), 2);

        bus.clear();
        assert!(bus.since(0).is_empty());
        bus.publish(
            at(4_000),
            "us-east-1",
            "123456789012",
            NewEvent::new("ec2", "vpc", "vpc-1", "deleted", None),
        );
        let after = bus.since(0);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].seq, RETAINED as u64 + 3);
        assert_eq!(after[0].action, "deleted");
    }
}
