//! The world: state of every account in every Region, the clock with its
//! queue of due work, the id generator and the event bus. It names no
//! service: what the services keep is the [`Services`] type it is given.
//!
//! State is kept per Region, and one Region's state sits behind one mutex
//! (PrivateLink crosses accounts, so a Region holds all of them). A request
//! takes the lock once, validates, then mutates, and releases it before its
//! answer is encoded: nobody sees half an operation, and a failing call leaves
//! no trace. The lock is a `parking_lot` mutex held through an owned guard so
//! a handler's context is `'static`; it is never held across an `.await`.

pub mod clock;
pub mod events;
pub mod faults;
pub mod ids;
pub mod notify;
pub mod regions;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use dashmap::DashMap;
use parking_lot::lock_api::ArcMutexGuard;
use parking_lot::{Mutex, RawMutex};
use serde::Serialize;

use crate::wire::{AwsError, Timestamp};
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
    /// Whether the network decides if tasks start and agents connect.
    pub reachability: Reachability,
}

/// Whether what a task or agent cannot reach over its network stops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Reachability {
    /// As AWS: a task that cannot reach its registry, secrets or logs stops
    /// with ECS's reason; an agent that cannot reach ECS is disconnected.
    Enforce,
    /// Everything starts, and the blocked hop is logged.
    Warn,
    /// The network is not looked at.
    Off,
}

impl Reachability {
    /// Without `--reachability` or a scenario's setting.
    pub const DEFAULT: Reachability = Reachability::Enforce;
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            default_account: "000000000000".into(),
            pace: Pace::Immediate,
            seed: None,
            access_keys: Default::default(),
            sns_endpoints: Default::default(),
            reachability: Reachability::DEFAULT,
        }
    }
}

/// What the services keep, as the world stores it. The world names no
/// service: `services` defines these types and hooks (`services/mod.rs`).
pub trait Services: Sized + Send + Sync + 'static {
    /// One account's resources in one Region.
    type Account: Default + Send + Serialize;
    /// What a Region holds for all of its accounts.
    type Common: Default + Send;
    /// What all Regions share: locked only after a Region, never before.
    type Global: Default + Send;

    /// The Region was just locked, before due work runs.
    fn locked(_ctx: &mut Ctx<Self>) {}
    /// An account's first call in a Region.
    fn account_created(_ctx: &mut Ctx<Self>) {}
    /// The Region is about to be unlocked.
    fn unlocking(_ctx: &mut Ctx<Self>) {}
    /// Whether work waits in the shared state (a settle goes on until none does).
    fn pending(_global: &Self::Global) -> bool {
        false
    }
    /// A resource of one service changed state (`kind`, its id): the others
    /// react as AWS's do (ECS's agent on an EC2 instance).
    fn changed(_ctx: &mut Ctx<Self>, _kind: &'static str, _id: &str) {}
    /// What a Region holds for all of its accounts, for the raw export.
    fn export_common(_common: &Self::Common) -> serde_json::Value {
        serde_json::Value::Null
    }
}

/// Work AWS does later (a state change it performs asynchronously), due at
/// a time on the world clock, as the account it belongs to.
struct Due<S: Services> {
    account: String,
    work: Work<S>,
}

type Work<S> = Box<dyn FnOnce(&mut Ctx<S>) + Send>;

pub struct Region<S: Services> {
    pub name: String,
    pub accounts: BTreeMap<String, S::Account>,
    pub common: S::Common,
    schedule: BTreeMap<(i64, u64), Due<S>>,
    schedule_seq: u64,
}

impl<S: Services> Region<S> {
    fn new(name: &str) -> Self {
        Region {
            name: name.to_string(),
            accounts: BTreeMap::new(),
            common: S::Common::default(),
            schedule: BTreeMap::new(),
            schedule_seq: 0,
        }
    }
}

/// What a reset applies again after emptying the world (the scenarios
/// loaded at start-up).
type Replay<S> = Arc<dyn Fn(&Arc<World<S>>) -> Result<(), String> + Send + Sync>;

pub struct World<S: Services> {
    pub config: WorldConfig,
    regions: DashMap<String, Arc<Mutex<Region<S>>>>,
    pub ids: IdGen,
    pub clock: Clock,
    pub events: EventBus,
    pub notifier: notify::Notifier,
    /// What the services share across Regions.
    pub global: Mutex<S::Global>,
    replays: Mutex<Vec<Replay<S>>>,
    /// Changes with every change anywhere in the world: an answer computed
    /// at one generation holds while it lasts (see `server`'s memo of reads).
    generation: AtomicU64,
    /// Per Region, when its next scheduled work falls due.
    next_due_by_region: DashMap<String, i64, foldhash::fast::RandomState>,
    /// Calls made to fail on purpose (`/_awsemu/faults`).
    pub faults: faults::Faults,
}

/// Who is calling, from the request's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub access_key: Option<String>,
    pub account: String,
    pub region: String,
    /// The caller's principal ARN (`arn:aws:iam::<account>:root` unless mapped).
    pub principal: String,
}

impl Identity {
    /// The account's root user in a Region (awsemu's own calls).
    pub fn root(account: &str, region: &str) -> Identity {
        Identity {
            access_key: None,
            account: account.to_string(),
            region: region.to_string(),
            principal: format!("arn:aws:iam::{account}:root"),
        }
    }
}

impl<S: Services> World<S> {
    pub fn new(config: WorldConfig) -> Arc<Self> {
        Arc::new(World {
            ids: IdGen::new(config.seed),
            clock: Clock::new(config.pace),
            events: EventBus::default(),
            notifier: notify::Notifier::new(config.sns_endpoints.clone()),
            global: Mutex::new(S::Global::default()),
            replays: Mutex::new(Vec::new()),
            regions: DashMap::new(),
            generation: AtomicU64::new(0),
            next_due_by_region: DashMap::default(),
            faults: faults::Faults::new(config.seed),
            config,
        })
    }

    fn region(&self, name: &str) -> Arc<Mutex<Region<S>>> {
        self.regions
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(Mutex::new(Region::new(name))))
            .clone()
    }

    /// Locks the caller's Region, creates the account there on first use (with
    /// what AWS gives a new account, its default VPC), and applies the
    /// transitions now due.
    pub fn context(self: &Arc<Self>, identity: &Identity, request_id: &str) -> Ctx<S> {
        self.context_for(identity, request_id, false)
    }

    /// A context for an operation that only reads (a Describe): it counts
    /// as a change of the world only if something was applied on the way
    /// (due work, a new account) or the handler asked for a change.
    pub fn read_context(self: &Arc<Self>, identity: &Identity, request_id: &str) -> Ctx<S> {
        self.context_for(identity, request_id, true)
    }

    fn context_for(
        self: &Arc<Self>,
        identity: &Identity,
        request_id: &str,
        read_only: bool,
    ) -> Ctx<S> {
        let region = self.region(&identity.region).lock_arc();
        let mut ctx = Ctx::new(self.clone(), region, read_only);
        ctx.account = identity.account.clone();
        ctx.principal = identity.principal.clone();
        ctx.request_id = request_id.to_string();
        ctx.run_due();
        if !ctx.region.accounts.contains_key(&ctx.account) {
            ctx.region
                .accounts
                .insert(ctx.account.clone(), S::Account::default());
            ctx.touched.set(true);
            S::account_created(&mut ctx);
        }
        // What the handler reads of the clock counts from here.
        ctx.timed.set(false);
        ctx
    }

    /// The world's generation: equal generations, same world (for one
    /// caller's answers that read no clock).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something changed outside a handler (the control API).
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether `region` has no work due by now (else the next request there
    /// must apply it first).
    pub fn quiet(&self, region: &str) -> bool {
        self.next_due_by_region
            .get(region)
            .is_none_or(|due| *due > self.clock.now_ms())
    }

    /// Runs `f` with each Region locked in turn, as no caller in particular.
    fn each_region(self: &Arc<Self>, f: impl Fn(&mut Ctx<S>)) {
        let names: Vec<String> = self.regions.iter().map(|r| r.key().clone()).collect();
        for name in names {
            let region = self.region(&name).lock_arc();
            // As no caller: a change only if something was applied.
            let mut ctx = Ctx::new(self.clone(), region, true);
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
        let regions: Vec<Arc<Mutex<Region<S>>>> =
            self.regions.iter().map(|r| r.value().clone()).collect();
        regions
            .iter()
            .filter_map(|r| r.lock().schedule.keys().next().map(|k| k.0))
            .min()
    }

    /// Applies every scheduled transition, due or not, each at its due time
    /// (a scenario declares resources in their settled states).
    pub fn settle(self: &Arc<Self>) {
        // What Regions send each other can start new transitions: repeat
        // until both are exhausted (bounded).
        for _ in 0..64 {
            self.each_region(Ctx::run_all);
            if !S::pending(&self.global.lock()) {
                break;
            }
        }
    }

    /// Keeps `replay` to apply again after every reset (it was just applied).
    pub fn replay_on_reset(
        &self,
        replay: impl Fn(&Arc<World<S>>) -> Result<(), String> + Send + Sync + 'static,
    ) {
        self.replays.lock().push(Arc::new(replay));
    }

    /// Back to an empty world (ids restart from the seed, the logs are
    /// cleared), then what was kept to replay.
    pub fn reset(self: &Arc<Self>) -> Result<(), String> {
        self.touch();
        self.regions.clear();
        self.next_due_by_region.clear();
        *self.global.lock() = S::Global::default();
        self.ids.reset();
        self.events.clear();
        self.notifier.clear();
        self.faults.reset();
        let replays = self.replays.lock().clone();
        replays.iter().try_for_each(|r| r(self))
    }

    /// Runs `f` over every Region, locked together, in name order.
    pub fn with_regions<T>(&self, f: impl FnOnce(&[&Region<S>]) -> T) -> T {
        let mut names: Vec<String> = self.regions.iter().map(|r| r.key().clone()).collect();
        names.sort();
        let locked: Vec<Arc<Mutex<Region<S>>>> = names.iter().map(|n| self.region(n)).collect();
        let guards: Vec<_> = locked.iter().map(|r| r.lock()).collect();
        let refs: Vec<&Region<S>> = guards.iter().map(|g| &**g).collect();
        f(&refs)
    }

    /// The whole state, for `/_awsemu/state?format=raw`: every account's
    /// resources by Region (`regions`), and what each Region holds for all
    /// of its accounts (`shared`: endpoint services and their connections).
    pub fn export(&self) -> serde_json::Value {
        self.with_regions(|regions| {
            let mut out = serde_json::Map::new();
            let mut shared = serde_json::Map::new();
            for r in regions {
                out.insert(
                    r.name.clone(),
                    serde_json::to_value(&r.accounts).unwrap_or(serde_json::Value::Null),
                );
                shared.insert(r.name.clone(), S::export_common(&r.common));
            }
            serde_json::json!({ "regions": out, "shared": shared })
        })
    }
}

/// What a handler works with: the locked Region and the caller.
pub struct Ctx<S: Services> {
    /// The instant of this request (read once, so everything one call
    /// creates carries the same time), or of the transition being applied.
    now_ms: i64,
    pub world: Arc<World<S>>,
    pub region: ArcMutexGuard<RawMutex, Region<S>>,
    pub account: String,
    pub principal: String,
    pub request_id: String,
    /// Opened for an operation that only reads.
    read_only: bool,
    /// Something was or may have been changed (always, unless read-only).
    touched: Cell<bool>,
    /// The handler read the clock: its answer holds only at this instant.
    timed: Cell<bool>,
}

impl<S: Services> Drop for Ctx<S> {
    /// The services' last word before the Region is unlocked; a change moves
    /// the world to its next generation before anyone else can look.
    fn drop(&mut self) {
        S::unlocking(self);
        if !self.read_only || self.touched.get() {
            self.world.touch();
        }
        let due = self.region.schedule.keys().next().map_or(i64::MAX, |k| k.0);
        let name = &self.region.name;
        if self.world.next_due_by_region.get(name).map(|d| *d) != Some(due) {
            self.world.next_due_by_region.insert(name.clone(), due);
        }
    }
}

impl<S: Services> Ctx<S> {
    fn new(
        world: Arc<World<S>>,
        region: ArcMutexGuard<RawMutex, Region<S>>,
        read_only: bool,
    ) -> Self {
        Ctx {
            now_ms: world.clock.now_ms(),
            world,
            region,
            account: String::new(),
            principal: String::new(),
            request_id: String::new(),
            read_only,
            touched: Cell::new(false),
            timed: Cell::new(false),
        }
    }

    /// Whether this call's answer may be given again, unchanged, while the
    /// world keeps its generation: it only read, and read no clock.
    pub fn repeatable(&self) -> bool {
        self.read_only && !self.touched.get() && !self.timed.get()
    }

    pub fn region_name(&self) -> &str {
        &self.region.name
    }

    pub fn now(&self) -> Timestamp {
        self.timed.set(true);
        Timestamp::from_millis(self.now_ms)
    }

    pub fn new_id(&self, prefix: &str) -> String {
        self.touched.set(true);
        self.world.ids.resource(prefix)
    }

    /// The caller's account state (created by `World::context`).
    pub fn acct(&self) -> &S::Account {
        self.region
            .accounts
            .get(&self.account)
            .expect("World::context creates the caller's account")
    }

    pub fn acct_mut(&mut self) -> &mut S::Account {
        self.touched.set(true);
        let account = self.account.clone();
        self.region.accounts.entry(account).or_default()
    }

    pub fn emit(&self, event: NewEvent) {
        self.emit_for(&self.account, event);
    }

    pub fn emit_for(&self, account: &str, event: NewEvent) {
        self.touched.set(true);
        self.world
            .events
            .publish(self.now(), &self.region.name, account, event);
    }

    /// Tells the other services that a resource changed state (see
    /// `Services::changed`).
    pub fn changed(&mut self, kind: &'static str, id: &str) {
        self.touched.set(true);
        S::changed(self, kind, id);
    }

    /// Schedules `work` for the caller's account after AWS's
    /// `realistic_ms`, scaled by the pace.
    pub fn schedule(&mut self, realistic_ms: i64, work: impl FnOnce(&mut Ctx<S>) + Send + 'static) {
        let account = self.account.clone();
        self.schedule_for(&account, realistic_ms, work);
    }

    /// Schedules `work` for the caller's account after `ms` of world time,
    /// whatever the pace: how long AWS keeps showing what is gone is a
    /// duration, not a transition.
    pub fn schedule_unscaled(&mut self, ms: i64, work: impl FnOnce(&mut Ctx<S>) + Send + 'static) {
        let account = self.account.clone();
        self.insert_due(&account, self.now_ms + ms.max(0), work);
    }

    pub fn schedule_for(
        &mut self,
        account: &str,
        realistic_ms: i64,
        work: impl FnOnce(&mut Ctx<S>) + Send + 'static,
    ) {
        let due = self.now_ms + self.world.clock.pace().delay_ms(realistic_ms);
        self.insert_due(account, due, work);
    }

    fn insert_due(
        &mut self,
        account: &str,
        due: i64,
        work: impl FnOnce(&mut Ctx<S>) + Send + 'static,
    ) {
        self.touched.set(true);
        let region = &mut *self.region;
        region.schedule_seq += 1;
        let key = (due, region.schedule_seq);
        region.schedule.insert(
            key,
            Due {
                account: account.to_string(),
                work: Box::new(work),
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
        S::locked(self);
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
                self.apply_due(key.0, item);
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
        S::locked(self);
        for _ in 0..100_000 {
            let Some((&key, _)) = self.region.schedule.iter().next() else {
                return;
            };
            let Some(item) = self.region.schedule.remove(&key) else {
                return;
            };
            self.apply_due(key.0, item);
        }
    }

    /// Due work runs as the account it belongs to, at its due time.
    fn apply_due(&mut self, due: i64, item: Due<S>) {
        self.touched.set(true);
        if self.region.accounts.contains_key(&item.account) {
            let now = std::mem::replace(&mut self.now_ms, due);
            self.with_account(&item.account, item.work);
            self.now_ms = now;
        }
    }

    /// Runs `f` as `account` (whose state must exist), for effects one
    /// account's call has on another's resources (PrivateLink).
    pub fn with_account<T>(&mut self, account: &str, f: impl FnOnce(&mut Ctx<S>) -> T) -> T {
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
