//! A task's wire fields as the emulator keeps them: what the tasks started
//! together share (their shape, one `m::Task` held once for all of them)
//! and what is each task's own, in compact form. A running Fargate task
//! takes about a quarter of the memory a whole `m::Task` does; `to_task`
//! builds the wire form when DescribeTasks, ListTasks or an export reads it.
//!
//! Packing is lossless for any `m::Task`: each field of the task's own is
//! taken out of the shape (which keeps `None` there), and an ARN whose end
//! is an id keeps its beginning in the shape.

use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;

use crate::model::ecs as m;
use crate::wire::Timestamp;
use crate::world::ids::PackedId as Id;

/// A short string (a status, a zone, an id): up to 24 bytes without an
/// allocation of its own.
pub type Str = Option<CompactString>;

/// A value from a small set the emulator itself writes (a status, a zone
/// name; never a value a caller chose), kept as its place in a table of
/// them: 2 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sym(std::num::NonZeroU16);

/// What the emulator writes, known at start-up (read without a lock):
/// task, container and attachment statuses, health and connectivity, and
/// every Region's zone names; each with its place.
static KNOWN: std::sync::LazyLock<(Vec<&'static str>, HashMap<&'static str, usize>)> =
    std::sync::LazyLock::new(|| {
        const STATUSES: &[&str] = &[
            "PROVISIONING",
            "PENDING",
            "ACTIVATING",
            "RUNNING",
            "DEACTIVATING",
            "STOPPING",
            "DEPROVISIONING",
            "STOPPED",
            "DELETED",
            "HEALTHY",
            "UNHEALTHY",
            "UNKNOWN",
            "CONNECTED",
            "DISCONNECTED",
            "PRECREATED",
            "CREATED",
            "ATTACHING",
            "ATTACHED",
            "DETACHING",
            "DETACHED",
            "FAILED",
        ];
        let zones = crate::world::regions::REGIONS
            .iter()
            .flat_map(|r| crate::world::regions::zones(r.name))
            .map(|z| &*Box::leak(z.name.into_boxed_str()));
        let values: Vec<&'static str> = STATUSES.iter().copied().chain(zones).collect();
        let places = values.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        (values, places)
    });

/// Values beyond those (a Region the table does not know), each stored
/// once for the process's life.
static MORE: std::sync::RwLock<Vec<&'static str>> = std::sync::RwLock::new(Vec::new());

impl Sym {
    pub fn as_str(&self) -> &'static str {
        let at = usize::from(self.0.get()) - 1;
        let known = &KNOWN.0;
        match known.get(at) {
            Some(v) => v,
            None => {
                let more = MORE.read().unwrap_or_else(|e| e.into_inner());
                more.get(at - known.len()).copied().unwrap_or_default()
            }
        }
    }

    fn at(place: usize) -> Sym {
        // The set is small (statuses, zones), far below 65,535.
        let n = u16::try_from(place + 1).unwrap_or(u16::MAX);
        Sym(std::num::NonZeroU16::new(n).unwrap_or(std::num::NonZeroU16::MAX))
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        let (known, places) = &*KNOWN;
        if let Some(at) = places.get(s) {
            return Sym::at(*at);
        }
        let mut more = MORE.write().unwrap_or_else(|e| e.into_inner());
        let at = more.iter().position(|v| *v == s).unwrap_or_else(|| {
            more.push(Box::leak(s.to_string().into_boxed_str()));
            more.len() - 1
        });
        Sym::at(known.len() + at)
    }
}

impl From<String> for Sym {
    fn from(s: String) -> Sym {
        Sym::from(s.as_str())
    }
}

impl std::ops::Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

fn sym(s: Option<String>) -> Option<Sym> {
    s.as_deref().map(Sym::from)
}

fn unsym(s: &Option<Sym>) -> Option<String> {
    s.map(|s| s.as_str().to_string())
}

/// How a container's ARN ends after the beginning its shape keeps.
#[derive(Debug, Clone, PartialEq)]
enum Tail {
    /// `<id>`.
    Id(Id),
    /// `<task id>/<id>` (`container/<cluster>/<task id>/<uuid>`).
    TaskAnd(Id),
}

/// Splits `arn` after its last `/` (the beginning stays in the shape).
fn split_last(arn: &mut Option<String>) -> Option<Id> {
    let text = arn.as_mut()?;
    let at = text.rfind('/')? + 1;
    let id = Id::new(&text[at..]);
    text.truncate(at);
    Some(id)
}

fn joined(prefix: Option<&String>, id: &Id) -> String {
    let mut out = prefix.cloned().unwrap_or_default();
    id.push_to(&mut out);
    out
}

/// Collected with no room to spare (a collected `Flatten` starts with room
/// for four), as it is kept for the task's life.
fn exact<T>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = items.collect();
    v.shrink_to_fit();
    v
}

/// The attachment detail whose value's end (after its first `.`) the
/// shape keeps.
const DNS_NAME: &str = "privateDnsName";

/// A detail's value: the task's own part, and the end the shape keeps.
fn detail_value(own: &Str, shared: Option<&str>) -> Option<String> {
    match (own, shared) {
        (Some(own), Some(shared)) => Some(format!("{own}{shared}")),
        (own, _) => wide(own),
    }
}

fn compact(s: Option<String>) -> Str {
    s.map(CompactString::from)
}

fn wide(s: &Str) -> Option<String> {
    s.as_ref().map(|s| s.to_string())
}

/// A task's own part of a container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerVar {
    arn: Option<Tail>,
    /// Its `taskArn` is the task's (the shape keeps none).
    own_task_arn: bool,
    pub last_status: Option<Sym>,
    pub exit_code: Option<i32>,
    /// `runtimeId` and `reason`, which few containers have.
    rare: Option<Box<ContainerRare>>,
    pub network_bindings: Option<Vec<m::NetworkBinding>>,
    interfaces: Interfaces,
    pub health_status: Option<Sym>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerRare {
    pub runtime_id: Option<String>,
    pub reason: Option<String>,
}

impl ContainerVar {
    pub fn runtime_id(&self) -> Option<&str> {
        self.rare.as_ref()?.runtime_id.as_deref()
    }

    pub fn reason(&self) -> Option<&str> {
        self.rare.as_ref()?.reason.as_deref()
    }

    pub fn rare_mut(&mut self) -> &mut ContainerRare {
        self.rare.get_or_insert_with(Default::default)
    }
}

/// A container's `networkInterfaces`.
#[derive(Debug, Clone, PartialEq)]
enum Interfaces {
    /// The one of the task's first attachment (`attachment_interface`).
    OfAttachment,
    Own(Option<Vec<Interface>>),
}

/// The interface an awsvpc task's containers show: its first attachment's
/// id and `privateIPv4Address`.
fn attachment_interface(t: &m::Task) -> Option<Vec<m::NetworkInterface>> {
    let a = t.attachments.as_ref()?.first()?;
    let ip = a
        .details
        .iter()
        .flatten()
        .find(|d| d.name.as_deref() == Some("privateIPv4Address"))
        .and_then(|d| d.value.clone());
    Some(vec![m::NetworkInterface {
        attachment_id: a.id.clone(),
        private_ipv4_address: ip,
        ipv6_address: None,
    }])
}

#[derive(Debug, Clone, PartialEq)]
struct Interface {
    attachment_id: Option<Id>,
    private_ipv4_address: Str,
    ipv6_address: Str,
}

/// A task's own part of an attachment: its id, status and detail values
/// (the shape keeps the type and the detail names).
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentVar {
    id: Option<Id>,
    pub status: Option<Sym>,
    values: Vec<Str>,
}

/// A task's wire fields: the shape it shares, and its own.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskModel {
    /// Every field not below (ARNs without their ids).
    pub shape: Arc<m::Task>,
    task_id: Option<Id>,
    pub availability_zone: Option<Sym>,
    /// `capacityProviderName`, `containerInstanceArn` and
    /// `stoppedReason`, which few tasks have.
    rare: Option<Box<TaskRare>>,
    pub connectivity: Option<Sym>,
    pub desired_status: Option<Sym>,
    pub health_status: Option<Sym>,
    pub last_status: Option<Sym>,
    /// A task definition's `awsemu.stopCode` label may set any.
    pub stop_code: Str,
    pub connectivity_at: Option<Timestamp>,
    pub created_at: Option<Timestamp>,
    pub execution_stopped_at: Option<Timestamp>,
    pub pull_started_at: Option<Timestamp>,
    pub pull_stopped_at: Option<Timestamp>,
    pub started_at: Option<Timestamp>,
    pub stopped_at: Option<Timestamp>,
    pub stopping_at: Option<Timestamp>,
    pub version: Option<i64>,
    /// One for each of the shape's containers, in order.
    pub containers: Vec<ContainerVar>,
    /// One for each of the shape's attachments, in order.
    pub attachments: Vec<AttachmentVar>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskRare {
    pub capacity_provider_name: Option<String>,
    pub container_instance_arn: Option<String>,
    pub stopped_reason: Option<String>,
}

/// The shapes an account's tasks were packed with lately: tasks started
/// together (one RunTask, one service deployment) share one.
#[derive(Debug, Default)]
pub struct Shapes(Vec<Arc<m::Task>>);

const SHAPES_KEPT: usize = 16;

impl Shapes {
    fn share(&mut self, shape: m::Task) -> Arc<m::Task> {
        if let Some(at) = self.0.iter().position(|s| **s == shape) {
            let found = self.0.remove(at);
            self.0.push(found.clone());
            return found;
        }
        if self.0.len() == SHAPES_KEPT {
            self.0.remove(0);
        }
        let shape = Arc::new(shape);
        self.0.push(shape.clone());
        shape
    }
}

impl TaskModel {
    /// Packs a task, sharing its shape with the tasks packed before it
    /// where they are the same.
    pub fn pack(mut t: m::Task, shapes: &mut Shapes) -> TaskModel {
        let task_id = split_last(&mut t.task_arn);
        let task_id_text = task_id.as_ref().map(Id::text);
        let own_arn = t
            .task_arn
            .as_ref()
            .zip(task_id_text.as_ref())
            .map(|(p, id)| format!("{p}{id}"))
            .or_else(|| t.task_arn.clone());
        let of_attachment = attachment_interface(&t);
        let containers = exact(t.containers.iter_mut().flatten().map(|c| {
            let own_task_arn = c.task_arn.is_some() && c.task_arn == own_arn;
            if own_task_arn {
                c.task_arn = None;
            }
            ContainerVar {
                arn: container_tail(&mut c.container_arn, task_id_text.as_deref()),
                own_task_arn,
                last_status: sym(c.last_status.take()),
                exit_code: c.exit_code.take(),
                rare: match (c.runtime_id.take(), c.reason.take()) {
                    (None, None) => None,
                    (runtime_id, reason) => Some(Box::new(ContainerRare { runtime_id, reason })),
                },
                network_bindings: c.network_bindings.take(),
                interfaces: match c.network_interfaces.take() {
                    list if list.is_some() && list == of_attachment => Interfaces::OfAttachment,
                    list => Interfaces::Own(list.map(|list| {
                        exact(list.into_iter().map(|i| Interface {
                            attachment_id: i.attachment_id.as_deref().map(Id::new),
                            private_ipv4_address: compact(i.private_ipv4_address),
                            ipv6_address: compact(i.ipv6_address),
                        }))
                    })),
                },
                health_status: sym(c.health_status.take()),
            }
        }));
        let attachments = exact(t.attachments.iter_mut().flatten().map(|a| {
            AttachmentVar {
                id: a.id.take().as_deref().map(Id::new),
                status: sym(a.status.take()),
                values: exact(a.details.iter_mut().flatten().map(|kv| {
                    let value = kv.value.take();
                    // `ip-10-0-0-5` is the task's own, `.ec2.internal` the
                    // Region's: the shape keeps it.
                    if let Some(at) = value.as_deref().and_then(|v| v.find('.')) {
                        if kv.name.as_deref() == Some(DNS_NAME) {
                            let mut own = value.unwrap_or_default();
                            kv.value = Some(own.split_off(at));
                            return Some(CompactString::from(own));
                        }
                    }
                    compact(value)
                })),
            }
        }));
        TaskModel {
            task_id,
            availability_zone: sym(t.availability_zone.take()),
            rare: match (
                t.capacity_provider_name.take(),
                t.container_instance_arn.take(),
                t.stopped_reason.take(),
            ) {
                (None, None, None) => None,
                (capacity_provider_name, container_instance_arn, stopped_reason) => {
                    Some(Box::new(TaskRare {
                        capacity_provider_name,
                        container_instance_arn,
                        stopped_reason,
                    }))
                }
            },
            connectivity: sym(t.connectivity.take()),
            desired_status: sym(t.desired_status.take()),
            health_status: sym(t.health_status.take()),
            last_status: sym(t.last_status.take()),
            stop_code: compact(t.stop_code.take()),
            connectivity_at: t.connectivity_at.take(),
            created_at: t.created_at.take(),
            execution_stopped_at: t.execution_stopped_at.take(),
            pull_started_at: t.pull_started_at.take(),
            pull_stopped_at: t.pull_stopped_at.take(),
            started_at: t.started_at.take(),
            stopped_at: t.stopped_at.take(),
            stopping_at: t.stopping_at.take(),
            version: t.version.take(),
            containers,
            attachments,
            shape: shapes.share(t),
        }
    }

    /// The wire form (tags as the shape has them: none, for a task the
    /// emulator started).
    pub fn to_task(&self) -> m::Task {
        let mut t = (*self.shape).clone();
        for (a, v) in t.attachments.iter_mut().flatten().zip(&self.attachments) {
            a.id = v.id.as_ref().map(Id::text);
            a.status = unsym(&v.status);
            for (kv, value) in a.details.iter_mut().flatten().zip(&v.values) {
                kv.value = detail_value(value, kv.value.as_deref());
            }
        }
        let of_attachment = attachment_interface(&t);
        let own_arn = self.task_arn();
        for (c, v) in t.containers.iter_mut().flatten().zip(&self.containers) {
            if v.own_task_arn {
                c.task_arn = own_arn.clone();
            }
            match &v.arn {
                Some(Tail::Id(id)) => c.container_arn = Some(joined(c.container_arn.as_ref(), id)),
                Some(Tail::TaskAnd(id)) => {
                    let mut arn = c.container_arn.clone().unwrap_or_default();
                    if let Some(task) = &self.task_id {
                        task.push_to(&mut arn);
                    }
                    arn.push('/');
                    id.push_to(&mut arn);
                    c.container_arn = Some(arn);
                }
                None => {}
            }
            c.runtime_id = v.runtime_id().map(str::to_string);
            c.last_status = unsym(&v.last_status);
            c.exit_code = v.exit_code;
            c.reason = v.reason().map(str::to_string);
            c.network_bindings = v.network_bindings.clone();
            c.network_interfaces = match &v.interfaces {
                Interfaces::OfAttachment => of_attachment.clone(),
                Interfaces::Own(list) => list.as_ref().map(|list| {
                    list.iter()
                        .map(|i| m::NetworkInterface {
                            attachment_id: i.attachment_id.as_ref().map(Id::text),
                            private_ipv4_address: wide(&i.private_ipv4_address),
                            ipv6_address: wide(&i.ipv6_address),
                        })
                        .collect()
                }),
            };
            c.health_status = unsym(&v.health_status);
        }
        t.task_arn = own_arn;
        t.availability_zone = unsym(&self.availability_zone);
        if let Some(rare) = &self.rare {
            t.capacity_provider_name = rare.capacity_provider_name.clone();
            t.container_instance_arn = rare.container_instance_arn.clone();
            t.stopped_reason = rare.stopped_reason.clone();
        }
        t.connectivity = unsym(&self.connectivity);
        t.desired_status = unsym(&self.desired_status);
        t.health_status = unsym(&self.health_status);
        t.last_status = unsym(&self.last_status);
        t.stop_code = wide(&self.stop_code);
        t.connectivity_at = self.connectivity_at;
        t.created_at = self.created_at;
        t.execution_stopped_at = self.execution_stopped_at;
        t.pull_started_at = self.pull_started_at;
        t.pull_stopped_at = self.pull_stopped_at;
        t.started_at = self.started_at;
        t.stopped_at = self.stopped_at;
        t.stopping_at = self.stopping_at;
        t.version = self.version;
        t
    }

    pub fn capacity_provider_name(&self) -> Option<&str> {
        self.rare.as_ref()?.capacity_provider_name.as_deref()
    }

    pub fn stopped_reason(&self) -> Option<&str> {
        self.rare.as_ref()?.stopped_reason.as_deref()
    }

    pub fn rare_mut(&mut self) -> &mut TaskRare {
        self.rare.get_or_insert_with(Default::default)
    }

    /// `taskArn`.
    pub fn task_arn(&self) -> Option<String> {
        match &self.task_id {
            Some(id) => Some(joined(self.shape.task_arn.as_ref(), id)),
            None => self.shape.task_arn.clone(),
        }
    }

    /// Its containers: the shape's part (name, image...) and its own.
    pub fn containers_mut(&mut self) -> impl Iterator<Item = (&m::Container, &mut ContainerVar)> {
        self.shape
            .containers
            .iter()
            .flatten()
            .zip(self.containers.iter_mut())
    }

    /// The value of its attachments' first detail called `name`
    /// (`networkInterfaceId`, ...).
    pub fn detail(&self, name: &str) -> Option<String> {
        self.shape
            .attachments
            .iter()
            .flatten()
            .zip(&self.attachments)
            .flat_map(|(a, v)| a.details.iter().flatten().zip(&v.values))
            .find(|(d, _)| d.name.as_deref() == Some(name))
            .and_then(|(d, v)| detail_value(v, d.value.as_deref()))
    }

    /// A change made to the wire form, packed again.
    pub fn edit(&mut self, shapes: &mut Shapes, f: impl FnOnce(&mut m::Task)) {
        let mut task = self.to_task();
        f(&mut task);
        *self = TaskModel::pack(task, shapes);
    }
}

fn container_tail(arn: &mut Option<String>, task_id: Option<&str>) -> Option<Tail> {
    let text = arn.as_mut()?;
    if let Some(task_id) = task_id {
        let marker = format!("/{task_id}/");
        if let Some(at) = text.rfind(&marker) {
            let id = Id::new(&text[at + marker.len()..]);
            text.truncate(at + 1);
            return Some(Tail::TaskAnd(id));
        }
    }
    split_last(arn).map(Tail::Id)
}

impl serde::Serialize for TaskModel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_task().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, container: &str) -> m::Task {
        let arn = format!("arn:aws:ecs:us-east-1:123456789012:task/c/{id}");
        m::Task {
            task_arn: Some(arn.clone()),
            cluster_arn: Some("arn:aws:ecs:us-east-1:123456789012:cluster/c".into()),
            last_status: Some("RUNNING".into()),
            version: Some(3),
            created_at: Some(Timestamp::from_millis(1_700_000_000_123)),
            containers: Some(vec![m::Container {
                container_arn: Some(format!(
                    "arn:aws:ecs:us-east-1:123456789012:container/c/{id}/{container}"
                )),
                task_arn: Some(arn),
                name: Some("app".into()),
                last_status: Some("RUNNING".into()),
                network_interfaces: Some(vec![m::NetworkInterface {
                    attachment_id: Some("0b3a1c52-2d7e-4c43-9f4e-8a1d2b3c4d5e".into()),
                    private_ipv4_address: Some("10.0.0.5".into()),
                    ipv6_address: None,
                }]),
                network_bindings: Some(vec![]),
                ..Default::default()
            }]),
            attachments: Some(vec![m::Attachment {
                id: Some("0b3a1c52-2d7e-4c43-9f4e-8a1d2b3c4d5e".into()),
                type_: Some("ElasticNetworkInterface".into()),
                status: Some("ATTACHED".into()),
                details: Some(vec![
                    m::KeyValuePair {
                        name: Some("privateDnsName".into()),
                        value: Some("ip-10-0-0-5.ec2.internal".into()),
                    },
                    m::KeyValuePair {
                        name: Some("privateIPv4Address".into()),
                        value: Some("10.0.0.5".into()),
                    },
                ]),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn packing_keeps_every_field_and_shares_the_shape() {
        let mut shapes = Shapes::default();
        let a = task(
            "0123456789abcdef0123456789abcdef",
            "6f1c1d7e-9a4b-4c1e-8f3a-2b5c6d7e8f90",
        );
        let b = task(
            "fedcba9876543210fedcba9876543210",
            "11111111-2222-4333-8444-555555555555",
        );
        let (pa, pb) = (
            TaskModel::pack(a.clone(), &mut shapes),
            TaskModel::pack(b.clone(), &mut shapes),
        );
        assert_eq!(pa.to_task(), a);
        assert_eq!(pb.to_task(), b);
        assert!(Arc::ptr_eq(&pa.shape, &pb.shape));
        assert_eq!(pa.task_arn(), a.task_arn);
        assert_eq!(pa.containers[0].interfaces, Interfaces::OfAttachment);
        assert_eq!(
            pa.detail("privateDnsName").as_deref(),
            Some("ip-10-0-0-5.ec2.internal")
        );
        assert_eq!(pa.detail("privateIPv4Address").as_deref(), Some("10.0.0.5"));
        // A container whose interface is not the attachment's keeps its own.
        let mut c = a.clone();
        if let Some(list) = c.containers.as_mut() {
            list[0].network_interfaces = Some(vec![m::NetworkInterface {
                private_ipv4_address: Some("10.0.0.6".into()),
                ..Default::default()
            }]);
        }
        let pc = TaskModel::pack(c.clone(), &mut shapes);
        assert!(matches!(
            pc.containers[0].interfaces,
            Interfaces::Own(Some(_))
        ));
        assert_eq!(pc.to_task(), c);
    }

    #[test]
    fn symbols_read_back_what_was_written_known_or_not() {
        for v in [
            "RUNNING",
            "us-east-1a",
            "eu-west-3c",
            "PRECREATED",
            "NOT-A-STATUS",
            "zz-9a",
        ] {
            let s = Sym::from(v);
            assert_eq!(s.as_str(), v);
            assert!(s == Sym::from(v.to_string()));
        }
        assert!(Sym::from("RUNNING") != Sym::from("STOPPED"));
        assert!(Sym::from("NOT-A-STATUS") != Sym::from("zz-9a"));
    }

    #[test]
    fn ids_that_are_neither_hex_nor_uuids_stay_as_text() {
        let mut shapes = Shapes::default();
        for (id, container) in [
            ("my-task", "C0FFEE"),
            (
                "0123456789ABCDEF0123456789ABCDEF",
                "6F1C1D7E-9A4B-4C1E-8F3A-2B5C6D7E8F90",
            ),
            ("", ""),
        ] {
            let t = task(id, container);
            assert_eq!(TaskModel::pack(t.clone(), &mut shapes).to_task(), t);
        }
        let bare = m::Task {
            task_arn: Some("no-slash".into()),
            containers: Some(vec![m::Container {
                container_arn: Some("x".into()),
                task_arn: Some("other".into()),
                ..Default::default()
            }]),
            ..Default::default()
        };
        assert_eq!(TaskModel::pack(bare.clone(), &mut shapes).to_task(), bare);
        let empty = m::Task::default();
        assert_eq!(TaskModel::pack(empty.clone(), &mut shapes).to_task(), empty);
    }
}
