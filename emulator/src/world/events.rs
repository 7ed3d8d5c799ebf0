//! The event bus: every state change is recorded here, in order. The control
//! API lists it; later subscribers (connection notifications) listen to it.

use std::collections::VecDeque;

use compact_str::CompactString;

use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::wire::Timestamp;

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
    log: Mutex<(u64, VecDeque<Event>)>,
    live: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            log: Mutex::new((0, VecDeque::with_capacity(RETAINED))),
            live: broadcast::channel(1024).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, time: Timestamp, region: &str, account: &str, e: NewEvent) {
        let event = {
            let mut log = self.log.lock();
            log.0 += 1;
            let event = Event {
                seq: log.0,
                time,
                region: region.into(),
                account: account.into(),
                service: e.service,
                resource_type: e.resource_type,
                resource_id: e.resource_id,
                action: e.action,
                state: e.state,
            };
            if log.1.len() == RETAINED {
                log.1.pop_front();
            }
            log.1.push_back(event.clone());
            event
        };
        // Nobody listening is fine.
        let _ = self.live.send(event);
    }

    /// Events with `seq` greater than `after`, oldest first.
    pub fn since(&self, after: u64) -> Vec<Event> {
        let log = self.log.lock();
        log.1.iter().filter(|e| e.seq > after).cloned().collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }

    pub fn clear(&self) {
        self.log.lock().1.clear();
    }
}
