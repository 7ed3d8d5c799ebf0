//! The world: state of every account in every Region, the clock, the id
//! generator and the event bus.
//!
//! State is kept per Region, and one Region's state sits behind one mutex
//! (PrivateLink crosses accounts, so a Region holds all of them). A request
//! takes the lock once, validates, then mutates, and releases it before its
//! answer is encoded: nobody sees half an operation, and a failing call leaves
//! no trace. The lock is a `parking_lot` mutex held through an owned guard so
//! a handler's context is `'static`; it is never held across an `.await`.

pub mod clock;
pub mod events;
pub mod ids;
pub mod notify;
pub mod regions;

use std::collections::BTreeMap;
use std::sync::Arc;

use dashmap::DashMap;
use parking_lot::lock_api::ArcMutexGuard;
use parking_lot::{Mutex, RawMutex};
use serde::Serialize;

use crate::wire::AwsError;
use crate::services::{ec2, ecs, elbv2};
use crate::wire::Timestamp;
use clock::{Clock, Pace};
use events::{EventBus, NewEvent};
use ids::IdGen;

#[derive(Debug, Clone)]
pub struct WorldConfig {
    pub default_account: String,
    pub pace: Pace,
    pub seed: Option<u64>,
    /// Access key → principal ARN (`arn:aws:iam::<account>:role/<name>`): the
    /// caller is that principal, in that account.
    pub access_keys: std::collections::HashMap<String, String>,
    /// SNS topic ARN → HTTP URL that its notifications are POSTed to.
    pub sns_endpoints: std::collections::HashMap<String, String>,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            default_account: "000000000000".into(),
            pace: Pace::Immediate,
            seed: None,
            access_keys: Default::default(),
            sns_endpoints: Default::default(),
        }
    }
}

/// One account's resources in one Region.
#[derive(Debug, Default, Serialize)]
pub struct Account {
    pub ec2: ec2::State,
    pub elbv2: elbv2::State,
    pub ecs: ecs::State,
}

/// A transition AWS performs asynchronously, due at a time on the world clock.
#[derive(Debug, Clone)]
pub enum Transition {
    Ec2(ec2::Transition),
    Elbv2(elbv2::Transition),
    Ecs(ecs::Transition),
}

#[derive(Debug, Clone)]
struct Scheduled {
    account: String,
    transition: Transition,
}

#[derive(Debug, Serialize)]
pub struct Region {
    pub name: String,
    pub accounts: BTreeMap<String, Account>,
    /// Endpoint services of every account, by service id: consumers of any
    /// account reach them.
    pub endpoint_services: BTreeMap<String, ec2::EndpointService>,
    /// A request changed `endpoint_services`: publish them for other
    /// Regions when it ends (see `ec2::remote`).
    #[serde(skip)]
    services_dirty: bool,
    #[serde(skip)]
    schedule: BTreeMap<(i64, u64), Scheduled>,
    #[serde(skip)]
    schedule_seq: u64,
}

impl Region {
    fn new(name: &str) -> Self {
        Region {
            name: name.to_string(),
            accounts: BTreeMap::new(),
            endpoint_services: BTreeMap::new(),
            services_dirty: false,
            schedule: BTreeMap::new(),
            schedule_seq: 0,
        }
    }
}

#[derive(Debug)]
pub struct World {
    pub config: WorldConfig,
    regions: DashMap<String, Arc<Mutex<Region>>>,
    pub ids: IdGen,
    pub clock: Clock,
    pub events: EventBus,
    pub notifier: notify::Notifier,
    /// Cross-Region PrivateLink: services published by their Region, and
    /// messages between Regions. Locked only after a Region, never before.
    pub links: Mutex<ec2::Links>,
    /// The scenarios loaded at start-up; a reset applies them again.
    scenarios: Mutex<Vec<crate::scenario::Loaded>>,
}

/// Who is calling, from the request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub access_key: Option<String>,
    pub account: String,
    pub region: String,
    /// The caller's principal ARN (`arn:aws:iam::<account>:root` unless mapped).
    pub principal: String,
}

impl World {
    pub fn new(config: WorldConfig) -> Arc<Self> {
        Arc::new(World {
            ids: IdGen::new(config.seed),
            clock: Clock::new(config.pace),
            events: EventBus::default(),
            notifier: notify::Notifier::new(config.sns_endpoints.clone()),
            scenarios: Mutex::new(Vec::new()),
            links: Mutex::new(ec2::Links::default()),
            regions: DashMap::new(),
            config,
        })
    }

    fn region(&self, name: &str) -> Arc<Mutex<Region>> {
        self.regions
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(Mutex::new(Region::new(name))))
            .clone()
    }

    /// Locks the caller's Region, creates the account there on first use (with
    /// its default VPC, as AWS has), and applies the transitions now due.
    pub fn context(self: &Arc<Self>, identity: &Identity, request_id: &str) -> Ctx {
        let region = self.region(&identity.region).lock_arc();
        let mut ctx = Ctx {
            now_ms: self.clock.now_ms(),
            world: self.clone(),
            region,
            account: identity.account.clone(),
            principal: identity.principal.clone(),
            request_id: request_id.to_string(),
        };
        ctx.run_due();
        if !ctx.region.accounts.contains_key(&ctx.account) {
            ctx.region
                .accounts
                .insert(ctx.account.clone(), Account::default());
            ec2::create_default_vpc(&mut ctx);
        }
        ctx
    }

    /// Runs `f` with each Region locked in turn, as no caller in particular.
    fn each_region(self: &Arc<Self>, f: impl Fn(&mut Ctx)) {
        let names: Vec<String> = self.regions.iter().map(|r| r.key().clone()).collect();
        for name in names {
            let region = self.region(&name).lock_arc();
            let mut ctx = Ctx {
                now_ms: self.clock.now_ms(),
                world: self.clone(),
                region,
                account: String::new(),
                principal: String::new(),
                request_id: String::new(),
            };
            f(&mut ctx);
        }
    }

    /// Applies due transitions in every Region (the background ticker and
    /// clock advances call this, so transitions happen without a request).
    pub fn run_due_everywhere(self: &Arc<Self>) {
        self.each_region(Ctx::run_due);
    }

    /// Advances the clock by `ms`, applying what falls due on the way at its
    /// own time (so one long advance equals many short ones).
    pub fn advance(self: &Arc<Self>, ms: i64) -> i64 {
        let target = self.clock.now_ms() + ms.max(0);
        for _ in 0..1_000_000 {
            match self.next_due() {
                Some(due) if due <= target => {
                    self.clock.set_ms(due);
                    self.run_due_everywhere();
                }
                _ => break,
            }
        }
        self.clock.set_ms(target);
        self.run_due_everywhere();
        self.clock.now_ms()
    }

    /// The earliest time anything is scheduled for, in any Region.
    fn next_due(&self) -> Option<i64> {
        let regions: Vec<Arc<Mutex<Region>>> =
            self.regions.iter().map(|r| r.value().clone()).collect();
        regions
            .iter()
            .filter_map(|r| r.lock().schedule.keys().next().map(|k| k.0))
            .min()
    }

    /// Applies every scheduled transition, due or not, each at its due time
    /// (a scenario declares resources in their settled states).
    pub fn settle(self: &Arc<Self>) {
        // Messages between Regions can start new transitions: repeat until
        // both are exhausted (bounded).
        for _ in 0..64 {
            self.each_region(Ctx::run_all);
            if !self.links.lock().pending() {
                break;
            }
        }
    }

    /// Applies scenarios to this world and keeps them for resets.
    pub fn load(
        self: &Arc<Self>,
        scenarios: Vec<crate::scenario::Loaded>,
    ) -> Result<(), crate::scenario::ScenarioError> {
        crate::scenario::apply(self, &scenarios)?;
        self.scenarios.lock().extend(scenarios);
        Ok(())
    }

    /// Back to the loaded scenarios, or to an empty world (ids restart from
    /// the seed, the logs are cleared).
    pub fn reset(self: &Arc<Self>) -> Result<(), crate::scenario::ScenarioError> {
        self.regions.clear();
        self.links.lock().clear();
        self.ids.reset();
        self.events.clear();
        self.notifier.clear();
        let scenarios = self.scenarios.lock().clone();
        crate::scenario::apply(self, &scenarios)
    }

    /// Today's world as a scenario (JSON value), for `/_awsemu/state`.
    pub fn export_scenario(&self) -> serde_json::Value {
        let mut names: Vec<String> = self.regions.iter().map(|r| r.key().clone()).collect();
        names.sort();
        let locked: Vec<Arc<Mutex<Region>>> = names.iter().map(|n| self.region(n)).collect();
        let guards: Vec<_> = locked.iter().map(|r| r.lock()).collect();
        let refs: Vec<&Region> = guards.iter().map(|g| &**g).collect();
        let settings = crate::scenario::format::Settings {
            pace: Some(self.config.pace),
            seed: self.config.seed,
            default_account: Some(self.config.default_account.clone()),
            sns_endpoints: self
                .config
                .sns_endpoints
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        crate::scenario::export::scenario(&refs, settings)
    }

    /// The whole state, for `/_awsemu/state`.
    pub fn export(&self) -> serde_json::Value {
        let mut names: Vec<String> = self.regions.iter().map(|r| r.key().clone()).collect();
        names.sort();
        let mut regions = serde_json::Map::new();
        for name in names {
            let region = self.region(&name);
            let guard = region.lock();
            regions.insert(
                name,
                serde_json::to_value(&guard.accounts).unwrap_or(serde_json::Value::Null),
            );
        }
        serde_json::json!({ "regions": regions })
    }
}

/// What a handler works with: the locked Region and the caller.
pub struct Ctx {
    /// The instant of this request (read once, so everything one call
    /// creates carries the same time), or of the transition being applied.
    now_ms: i64,
    pub world: Arc<World>,
    pub region: ArcMutexGuard<RawMutex, Region>,
    pub account: String,
    pub principal: String,
    pub request_id: String,
}

impl Drop for Ctx {
    /// Before the Region is unlocked: what other Regions see of its
    /// endpoint services catches up with what the request changed.
    fn drop(&mut self) {
        if self.region.services_dirty {
            self.region.services_dirty = false;
            ec2::publish_services(self);
        }
    }
}

impl Ctx {
    pub fn region_name(&self) -> &str {
        &self.region.name
    }

    pub fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now_ms)
    }

    pub fn new_id(&self, prefix: &str) -> String {
        self.world.ids.resource(prefix)
    }

    /// The caller's account state (created by `World::context`).
    pub fn acct(&self) -> &Account {
        self.region
            .accounts
            .get(&self.account)
            .expect("World::context creates the caller's account")
    }

    pub fn acct_mut(&mut self) -> &mut Account {
        let account = self.account.clone();
        self.region.accounts.entry(account).or_default()
    }

    pub fn emit(&self, event: NewEvent) {
        self.emit_for(&self.account, event);
    }

    pub fn emit_for(&self, account: &str, event: NewEvent) {
        self.world
            .events
            .publish(self.now(), &self.region.name, account, event);
    }

    /// Schedules `transition` for the caller's account after AWS's
    /// `realistic_ms`, scaled by the pace.
    pub fn schedule(&mut self, realistic_ms: i64, transition: Transition) {
        let account = self.account.clone();
        self.schedule_for(&account, realistic_ms, transition);
    }

    pub fn schedule_for(&mut self, account: &str, realistic_ms: i64, transition: Transition) {
        let due = self.now_ms + self.world.clock.pace().delay_ms(realistic_ms);
        let region = &mut *self.region;
        region.schedule_seq += 1;
        let key = (due, region.schedule_seq);
        region.schedule.insert(
            key,
            Scheduled {
                account: account.to_string(),
                transition,
            },
        );
    }

    /// Applies the transitions due now, including those that the ones
    /// applied schedule for now in turn (an endpoint deleted, then gone), in
    /// rounds; the number of rounds is bounded so a chain of immediate
    /// transitions can never spin forever. Each happens at its due time
    /// (what it stamps does not depend on when someone next looked).
    pub fn run_due(&mut self) {
        const ROUNDS: usize = 64;
        ec2::deliver(self);
        let now = self.now_ms;
        for _ in 0..ROUNDS {
            let last = self.region.schedule_seq;
            let mut applied = false;
            while let Some((&key, _)) = self
                .region
                .schedule
                .range(..(now + 1, 0))
                .find(|(k, _)| k.1 <= last)
            {
                let Some(item) = self.region.schedule.remove(&key) else {
                    break;
                };
                self.apply_scheduled(key.0, item);
                applied = true;
            }
            if !applied {
                break;
            }
        }
    }

    /// Everything scheduled, due or not, until nothing is left (bounded:
    /// a service whose tasks keep failing stops being replaced).
    pub fn run_all(&mut self) {
        ec2::deliver(self);
        for _ in 0..100_000 {
            let Some((&key, _)) = self.region.schedule.iter().next() else {
                return;
            };
            let Some(item) = self.region.schedule.remove(&key) else {
                return;
            };
            self.apply_scheduled(key.0, item);
        }
    }

    /// The Region's endpoint services, to change: they are published for
    /// other Regions when this context ends.
    pub fn services_mut(&mut self) -> &mut BTreeMap<String, ec2::EndpointService> {
        self.region.services_dirty = true;
        &mut self.region.endpoint_services
    }

    /// A transition runs as the account it belongs to, at its due time.
    fn apply_scheduled(&mut self, due: i64, item: Scheduled) {
        if self.region.accounts.contains_key(&item.account) {
            let now = std::mem::replace(&mut self.now_ms, due);
            self.with_account(&item.account, |ctx| match item.transition {
                Transition::Ec2(t) => ec2::apply_transition(ctx, t),
                Transition::Elbv2(t) => elbv2::apply_transition(ctx, t),
                Transition::Ecs(t) => ecs::apply_transition(ctx, t),
            });
            self.now_ms = now;
        }
    }

    /// Runs `f` as `account` (whose state must exist), for effects one
    /// account's call has on another's resources (PrivateLink).
    pub fn with_account<T>(&mut self, account: &str, f: impl FnOnce(&mut Ctx) -> T) -> T {
        let caller = std::mem::replace(&mut self.account, account.to_string());
        let out = f(self);
        self.account = caller;
        out
    }

    /// `DryRun=true`: the request was valid, so say it would have succeeded.
    pub fn dry_run(&self, flag: Option<bool>) -> Result<(), AwsError> {
        if flag == Some(true) {
            Err(AwsError::new(
                "DryRunOperation",
                "Request would have succeeded, but DryRun flag is set.",
            )
            .with_status(412))
        } else {
            Ok(())
        }
    }
}
