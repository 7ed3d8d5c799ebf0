//! What Regions share of PrivateLink (see `remote`): the endpoint services
//! each Region published, and the messages waiting for each Region.

use std::collections::BTreeMap;

use super::state::{Connection, Occurrence, RemoteEndpoint, ServiceView};

/// The world's cross-Region registry.
#[derive(Debug, Default)]
pub struct Links {
    /// Every custom endpoint service, by name, as its Region last published it.
    pub(super) services: BTreeMap<String, Published>,
    /// Messages waiting for a Region, in the order they were sent.
    pub(super) inbox: BTreeMap<String, Vec<Message>>,
}

impl Links {
    pub fn clear(&mut self) {
        self.services.clear();
        self.inbox.clear();
    }

    /// Whether messages wait for any Region.
    pub fn pending(&self) -> bool {
        self.inbox.values().any(|m| !m.is_empty())
    }
}

/// What a consumer in another Region needs of a service.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub view: ServiceView,
    pub principals: Vec<String>,
    pub supported_regions: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) enum Message {
    /// To the service's Region: a consumer endpoint connected.
    Connected {
        service_id: String,
        endpoint_id: String,
        connection: Connection,
    },
    /// To the service's Region: the endpoint changed; notify on `event`.
    Changed {
        service_id: String,
        endpoint_id: String,
        replica: RemoteEndpoint,
        event: Option<String>,
    },
    /// To the service's Region: the endpoint is gone.
    Gone {
        service_id: String,
        endpoint_id: String,
    },
    /// To the endpoint's Region: the provider accepted or rejected it.
    Decided {
        account: String,
        endpoint_id: String,
        accept: bool,
        occurrence: Option<Occurrence>,
    },
}
