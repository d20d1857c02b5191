//! A fleet of worker processes sharing installation tokens through a real
//! Redis (`RedisCache`): one token request per installation for the whole
//! fleet, on first use, on renewal and after a revocation; a lock holder
//! that dies hands the key on; Redis out of reach fails no request; tokens
//! at rest are unreadable without the key. Token requests are counted by
//! the emulator.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use icr_api::cache::{CacheKey, CachedToken, EncryptionKey, RedisCache, TokenCache};
use icr_api::{ClientConfig, SecretToken};
use icr_emulator::{AppSettings, Emulator, Fault, KeyPair};
use tests::redis_server::RedisServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const TOKEN_REQUEST: &str = "apps/createInstallationAccessToken";
/// Base64 of 32 bytes, the fleet's token encryption key.
const FLEET_KEY: &str = "qmzX0v3XH1n9o8Wc2cm5q2m8oJ6vZ0P1Xb3s5xFZgJw=";

/// An emulator with one app installed on `installations` organizations,
/// a Redis, and the files a worker reads.
struct Setup {
    emulator: Emulator,
    redis: RedisServer,
    app_id: i64,
    ids: Vec<i64>,
    dir: PathBuf,
}

impl Setup {
    async fn new(installations: usize) -> Self {
        let emulator = Emulator::start().await.unwrap();
        // Thousands of requests a minute, from one app.
        emulator.set_rate_limit(10_000_000);
        let keys = KeyPair::generate().unwrap();
        let app_id = emulator
            .register_app(
                AppSettings::new("fleet", keys.public_pem()).permission("projects", "read"),
            )
            .unwrap();
        let ids: Vec<i64> = (0..installations)
            .map(|i| {
                let org = emulator.create_organization(&format!("org-{i}"));
                emulator
                    .install(app_id, org, &[("projects", "read")])
                    .unwrap()
            })
            .collect();
        let dir = std::env::temp_dir().join(format!(
            "icr-fleet-{}-{}",
            std::process::id(),
            emulator.base_url().rsplit(':').next().unwrap()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("key.pem"), keys.private_pem()).unwrap();
        let listed: Vec<String> = ids.iter().map(i64::to_string).collect();
        std::fs::write(dir.join("installations"), listed.join("\n")).unwrap();
        Self {
            emulator,
            redis: RedisServer::start(),
            app_id,
            ids,
            dir,
        }
    }

    fn worker(&self, name: &str, lease_ms: u64) -> Worker {
        let stderr = std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleet-worker"))
            .arg("--base-url")
            .arg(self.emulator.base_url())
            .arg("--app-id")
            .arg(self.app_id.to_string())
            .arg("--key-file")
            .arg(self.dir.join("key.pem"))
            .arg("--redis")
            .arg(self.redis.url())
            .arg("--installations")
            .arg(self.dir.join("installations"))
            .arg("--lease-ms")
            .arg(lease_ms.to_string())
            .arg("--encryption-key")
            .arg(FLEET_KEY)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Worker {
            stdin: child.stdin.take().unwrap(),
            stdout: BufReader::new(child.stdout.take().unwrap()).lines(),
            child,
            log: self.dir.join(format!("{name}.log")),
        }
    }

    fn token_requests(&self) -> u64 {
        self.emulator.requests_to(TOKEN_REQUEST)
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    log: PathBuf,
}

impl Worker {
    async fn send(&mut self, command: &str) {
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// The answer to the last `run`: how many requests succeeded, and the
    /// whole line.
    async fn done(&mut self) -> (usize, usize, String) {
        let line = tokio::time::timeout(Duration::from_secs(120), self.stdout.next_line())
            .await
            .expect("the worker answers within two minutes")
            .unwrap()
            .expect("the worker is alive");
        let count = |field: &str| -> usize {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(field))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no {field} in {line:?}"))
        };
        (count("ok="), count("failed="), line)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Sends `command` to every worker at once and waits for all of them;
/// asserts that each made `expected` successful requests and none failed.
async fn run_all(workers: &mut [Worker], command: &str, expected: usize) {
    for worker in workers.iter_mut() {
        worker.send(command).await;
    }
    for (n, worker) in workers.iter_mut().enumerate() {
        let (ok, failed, line) = worker.done().await;
        assert_eq!(
            (ok, failed),
            (expected, 0),
            "worker {n} on `{command}`: {line}\n{}",
            worker.log()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_makes_one_token_request_per_installation_on_first_use_renewal_and_revocation() {
    let setup = Setup::new(1000).await;
    let mut workers: Vec<Worker> = (0..4)
        .map(|n| setup.worker(&format!("w{n}"), 10_000))
        .collect();

    // 4 workers × 2,500 requests, all starting on the same installations:
    // each of the 1,000 is asked for by every worker, about at once.
    let before = setup.token_requests();
    run_all(&mut workers, "run 0 2500 1000", 2500).await;
    assert_eq!(setup.token_requests() - before, 1000, "first use");

    // Into the renewal margin (tokens live two hours; renewed in their
    // last five minutes): every token is renewed once for the fleet.
    setup
        .emulator
        .clock()
        .advance(Duration::from_secs(2 * 3600 - 4 * 60));
    let before = setup.token_requests();
    run_all(&mut workers, "run 0 2500 1000", 2500).await;
    assert_eq!(setup.token_requests() - before, 1000, "renewal");

    // The first 100 installations' tokens are revoked: the first worker to
    // be refused replaces each; the others find the new one.
    for id in &setup.ids[..100] {
        // The token in use, and the one it replaced, still unexpired.
        assert_eq!(setup.emulator.revoke_tokens(*id), 2);
    }
    let before = setup.token_requests();
    run_all(&mut workers, "run 0 400 100", 400).await;
    assert_eq!(setup.token_requests() - before, 100, "after revocation");

    // Tokens at rest are sealed: no token the emulator issued is in Redis
    // as text.
    let dump = setup
        .redis
        .cli(&["--scan", "--pattern", "fleet:icr:*:token"]);
    let names: Vec<&str> = dump.lines().map(|l| l.trim_matches('"')).collect();
    assert_eq!(names.len(), 1000, "{dump}");
    let value = setup.redis.cli(&["GET", names[0]]);
    assert!(
        !value.contains("icr_inst_") && !value.contains("token"),
        "{value}"
    );
    for worker in &mut workers {
        worker.send("quit").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_that_dies_hands_the_key_to_another_worker() {
    let setup = Setup::new(1).await;
    let mut holder = setup.worker("holder", 500);
    let mut other = setup.worker("other", 500);
    // The holder's token request hangs.
    setup
        .emulator
        .script(TOKEN_REQUEST, [Fault::Delay(Duration::from_secs(120))]);
    let before = setup.token_requests();
    holder.send("run 0 1").await;
    wait_for(|| setup.token_requests() == before + 1).await;
    other.send("run 0 1").await;
    // The other worker waits on the lock; the holder dies with it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        setup.token_requests(),
        before + 1,
        "the other worker waited"
    );
    holder.child.kill().await.unwrap();
    let (ok, failed, line) = other.done().await;
    assert_eq!((ok, failed), (1, 0), "{line}\n{}", other.log());
    assert_eq!(setup.token_requests() - before, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_token_request_keeps_its_lease_and_is_made_once() {
    let setup = Setup::new(1).await;
    // A lease of 300 ms, a token request of 2 s: the holder extends its
    // lease, and nobody else asks meanwhile.
    let mut workers: Vec<Worker> = (0..3)
        .map(|n| setup.worker(&format!("s{n}"), 300))
        .collect();
    setup
        .emulator
        .script(TOKEN_REQUEST, [Fault::Delay(Duration::from_secs(2))]);
    let before = setup.token_requests();
    run_all(&mut workers, "run 0 20", 20).await;
    assert_eq!(setup.token_requests() - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hung_or_down_fails_no_request_and_the_fleet_shares_again_when_it_is_back() {
    let mut setup = Setup::new(500).await;
    let mut workers: Vec<Worker> = (0..4)
        .map(|n| setup.worker(&format!("r{n}"), 10_000))
        .collect();

    // Shared: installations 0..100.
    let before = setup.token_requests();
    run_all(&mut workers, "run 0 400 100", 400).await;
    assert_eq!(setup.token_requests() - before, 100);

    // Redis hangs (stopped, not killed) mid-run on installations 100..200:
    // calls time out, the workers go on alone.
    for worker in &mut workers {
        worker.send("run 100 2000 100").await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let pid = setup.redis.pid();
    signal(pid, "STOP");
    for (n, worker) in workers.iter_mut().enumerate() {
        let (ok, failed, line) = worker.done().await;
        assert_eq!((ok, failed), (2000, 0), "worker {n}, Redis hung: {line}");
    }
    signal(pid, "CONT");
    tokio::time::sleep(Duration::from_millis(1200)).await;

    // Back: installations 200..300 are shared again.
    let before = setup.token_requests();
    run_all(&mut workers, "run 200 400 100", 400).await;
    assert_eq!(setup.token_requests() - before, 100, "after Redis hung");

    // Redis dies mid-run on installations 300..400, and comes back empty.
    for worker in &mut workers {
        worker.send("run 300 2000 100").await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    setup.redis.stop();
    for (n, worker) in workers.iter_mut().enumerate() {
        let (ok, failed, line) = worker.done().await;
        assert_eq!((ok, failed), (2000, 0), "worker {n}, Redis down: {line}");
    }
    setup.redis.restart();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let before = setup.token_requests();
    run_all(&mut workers, "run 400 400 100", 400).await;
    assert_eq!(
        setup.token_requests() - before,
        100,
        "after Redis restarted"
    );

    // Each worker said so once per outage, not once per request.
    for worker in &mut workers {
        worker.send("quit").await;
        let _ = worker.child.wait().await;
        let log = worker.log();
        assert_eq!(log.matches("Redis is out of reach").count(), 2, "{log}");
        assert_eq!(log.matches("Redis answers again").count(), 2, "{log}");
    }
}

#[tokio::test]
async fn tokens_in_redis_are_unreadable_without_the_key_or_under_another_name() {
    let redis = RedisServer::start();
    let key = EncryptionKey::from_base64(FLEET_KEY).unwrap();
    let sealed = RedisCache::new(&redis.url())
        .unwrap()
        .encrypt_with(key.clone());
    let (first, second) = (cache_key(1), cache_key(2));
    let (first_token, second_token) = (token(&first), token(&second));
    sealed.put(&first, first_token.clone()).await;
    assert_eq!(sealed.get(&first).await, Some(first_token.clone()));

    // The stored bytes hold no token, and open with no other key.
    let names = redis.cli(&["--scan", "--pattern", "icr:*"]);
    let name = names.lines().next().unwrap().trim_matches('"').to_owned();
    assert!(!redis.cli(&["GET", &name]).contains("icr_inst_"));
    let plain = RedisCache::new(&redis.url()).unwrap();
    assert_eq!(plain.get(&first).await, None);
    let other = RedisCache::new(&redis.url())
        .unwrap()
        .encrypt_with(EncryptionKey::from_bytes(&[7; 32]).unwrap());
    assert_eq!(other.get(&first).await, None);

    // An entry copied under another key's name does not open there.
    let target = {
        sealed.put(&second, second_token).await;
        let names = redis.cli(&["--scan", "--pattern", "icr:*:2:*:token"]);
        names.lines().next().unwrap().trim_matches('"').to_owned()
    };
    redis.cli(&["COPY", &name, &target, "REPLACE"]);
    assert_eq!(sealed.get(&second).await, None);

    // A plain entry is not read by a cache that expects sealed ones.
    plain.put(&first, first_token.clone()).await;
    assert_eq!(sealed.get(&first).await, None);
    assert_eq!(plain.get(&first).await, Some(first_token));

    // Bad keys are clear errors that show nothing of the key.
    let error = EncryptionKey::from_bytes(b"short-secret-key")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("16 bytes") && !error.contains("short-secret"),
        "{error}"
    );
    let error = EncryptionKey::from_base64("not base64!!")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("not base64") && !error.contains("!!"),
        "{error}"
    );
}

#[tokio::test]
async fn the_redis_cache_keeps_secrets_out_of_debug_output_and_logs() {
    let logs = crate::auth::captured_logs();
    let redis = RedisServer::start();
    let key = EncryptionKey::from_base64(FLEET_KEY).unwrap();
    // A password in the URL, to a server that refuses connections.
    let dead = RedisCache::new("redis://:hunter2-redis-password@127.0.0.1:1/0")
        .unwrap()
        .encrypt_with(key.clone());
    let first = cache_key(11);
    dead.put(&first, token(&first)).await;
    assert_eq!(dead.get(&first).await, None);
    // An entry that does not open, which is logged.
    let live = RedisCache::new(&redis.url()).unwrap();
    live.put(&first, token(&first)).await;
    let sealed = RedisCache::new(&redis.url())
        .unwrap()
        .encrypt_with(key.clone());
    assert_eq!(sealed.get(&first).await, None);
    let bad_url = RedisCache::new("http://:hunter2-redis-password@host/")
        .unwrap_err()
        .to_string();

    let shown = format!("{dead:?} {sealed:?} {key:?} {bad_url}");
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("Redis is out of reach"), "{logged}");
    assert!(logged.contains("cannot be read"), "{logged}");
    for secret in ["hunter2-redis-password", FLEET_KEY, "icr_inst_secret"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
        assert!(!logged.contains(secret), "{secret} in the logs");
    }
    assert!(
        shown.contains("***") && shown.contains("[redacted]"),
        "{shown}"
    );
    // The app's own view of a RedisCache-backed app shows nothing either.
    let app = icr_api::App::new(
        1,
        KeyPair::generate().unwrap().private_pem(),
        ClientConfig::with_base_url("http://127.0.0.1:1"),
    )
    .unwrap()
    .with_token_cache(Arc::new(dead));
    assert!(!format!("{app:?}").contains("hunter2"));
}

fn cache_key(installation_id: i64) -> CacheKey {
    CacheKey {
        base_url: "http://127.0.0.1:9/".to_owned(),
        app_id: 7,
        installation_id,
        permissions: "projects:read".to_owned(),
    }
}

fn token(key: &CacheKey) -> CachedToken {
    let now = chrono::Utc::now();
    CachedToken {
        token: SecretToken::new(format!("icr_inst_secret_{}", key.installation_id)),
        expires_at: now + chrono::TimeDelta::hours(2),
        created_at: now,
        permissions: [("projects".to_owned(), "read".to_owned())].into(),
        key: key.clone(),
    }
}

async fn wait_for(condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited 30 s in vain"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// A `MemoryCache` that counts the calls it gets, and whose `lead`
/// answers as it is told (by default, as a cache of one process does).
#[derive(Default)]
struct Probe {
    inner: icr_api::cache::MemoryCache,
    calls: std::sync::atomic::AtomicUsize,
    lead: Option<fn() -> icr_api::cache::Lead>,
}

impl Probe {
    fn leading(lead: fn() -> icr_api::cache::Lead) -> Self {
        Self {
            lead: Some(lead),
            ..Self::default()
        }
    }
}

impl TokenCache for Probe {
    fn get<'a>(
        &'a self,
        key: &'a CacheKey,
    ) -> icr_api::cache::CacheFuture<'a, Option<CachedToken>> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a CacheKey,
        token: CachedToken,
    ) -> icr_api::cache::CacheFuture<'a, ()> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.put(key, token)
    }
    fn remove<'a>(&'a self, key: &'a CacheKey) -> icr_api::cache::CacheFuture<'a, ()> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.remove(key)
    }
    fn lead<'a>(
        &'a self,
        _key: &'a CacheKey,
    ) -> icr_api::cache::CacheFuture<'a, icr_api::cache::Lead> {
        let answer = self.lead.map_or(icr_api::cache::Lead::Alone, |lead| lead());
        Box::pin(async move { answer })
    }
}

#[tokio::test]
async fn a_warm_token_is_shared_by_every_client_of_the_app_without_asking_the_cache() {
    let world = tests::world::World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let cache = Arc::new(Probe::default());
    let app = world.app().with_token_cache(cache.clone());
    icr_api::permissions! {
        /// Reads projects.
        Reader { projects: read }
    }
    let first = app.installation::<Reader>(world.installation);
    icr_api::projects::get_project(&first, world.project)
        .await
        .unwrap();
    let calls = cache.calls.load(std::sync::atomic::Ordering::SeqCst);
    // A look, the lock's second look, and the put.
    assert_eq!(calls, 3);
    // Fifty more clients, as a webhook worker makes one per delivery.
    for _ in 0..50 {
        let client = app.installation::<Reader>(world.installation);
        icr_api::projects::get_project(&client, world.project)
            .await
            .unwrap();
    }
    assert_eq!(cache.calls.load(std::sync::atomic::Ordering::SeqCst), calls);
    assert_eq!(world.emulator.token_requests(), 1);
}

#[tokio::test]
async fn warm_slots_of_keys_no_client_uses_are_forgotten() {
    icr_api::permissions! {
        /// Reads projects.
        Reader { projects: read }
    }
    let app = icr_api::App::new(
        1,
        KeyPair::generate().unwrap().private_pem(),
        ClientConfig::with_base_url("http://127.0.0.1:9"),
    )
    .unwrap();
    // Clients of 5,000 installations, each dropped at once: the map is
    // pruned each time it doubles, so it never holds them all.
    for id in 0..5000 {
        drop(app.installation::<Reader>(id));
    }
    assert!(app.__warm_slots() <= 1024, "{}", app.__warm_slots());
    // Slots that clients still hold are kept.
    let held: Vec<_> = (0..1500).map(|id| app.installation::<Reader>(id)).collect();
    assert!(app.__warm_slots() >= 1500);
    drop(held);
}

/// A lease of a cache of one's own that panics when given up.
struct PanickingLease;

impl icr_api::cache::Lease for PanickingLease {
    fn release(self: Box<Self>) -> icr_api::cache::CacheFuture<'static, ()> {
        panic!("a lease of a cache of one's own that panics when given up")
    }
}

icr_api::permissions! {
    /// Reads projects.
    Reads { projects: read }
}

#[tokio::test]
async fn a_cache_that_never_lets_a_request_lead_slows_it_down_but_does_not_stop_it() {
    let world = tests::world::World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let app = icr_api::App::new(
        world.app_id,
        world.keys.private_pem(),
        ClientConfig::with_base_url(world.emulator.base_url())
            .max_token_wait(Duration::from_millis(300)),
    )
    .unwrap()
    .with_token_cache(Arc::new(Probe::leading(|| icr_api::cache::Lead::Wait)));
    let client = app.installation::<Reads>(world.installation);
    let project = tokio::time::timeout(
        Duration::from_secs(10),
        icr_api::projects::get_project(&client, world.project),
    )
    .await
    .expect("the request ends");
    project.unwrap();
    assert_eq!(world.emulator.token_requests(), 1);
}

#[tokio::test]
async fn a_lease_that_panics_when_given_up_loses_no_token() {
    let world = tests::world::World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let app = world.app().with_token_cache(Arc::new(Probe::leading(|| {
        icr_api::cache::Lead::Leader(Box::new(PanickingLease))
    })));
    let client = app.installation::<Reads>(world.installation);
    icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap();
    icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 1);
}

/// A cache that hands every key the last token put, whatever it was for.
#[derive(Default)]
struct LastPut(std::sync::Mutex<Option<CachedToken>>);

impl TokenCache for LastPut {
    fn get<'a>(&'a self, _: &'a CacheKey) -> icr_api::cache::CacheFuture<'a, Option<CachedToken>> {
        let last = self.0.lock().unwrap().clone();
        Box::pin(async move { last })
    }
    fn put<'a>(
        &'a self,
        _: &'a CacheKey,
        token: CachedToken,
    ) -> icr_api::cache::CacheFuture<'a, ()> {
        *self.0.lock().unwrap() = Some(token);
        Box::pin(async {})
    }
    fn remove<'a>(&'a self, _: &'a CacheKey) -> icr_api::cache::CacheFuture<'a, ()> {
        *self.0.lock().unwrap() = None;
        Box::pin(async {})
    }
}

#[tokio::test]
async fn revoking_revokes_only_a_token_made_for_the_installation() {
    let world = tests::world::World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let other_org = world.emulator.create_organization("other");
    let other = world
        .emulator
        .install(world.app_id, other_org, &[("projects", "read")])
        .unwrap();
    let app = world.app().with_token_cache(Arc::new(LastPut::default()));
    let first = app.installation::<Reads>(world.installation);
    icr_api::projects::get_project(&first, world.project)
        .await
        .unwrap();
    // A cold client of the other installation finds the first one's token
    // in the cache, and must not revoke it.
    app.installation::<Reads>(other)
        .revoke_token()
        .await
        .unwrap();
    icr_api::projects::get_project(&first, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 1);
    assert_eq!(
        world.emulator.revoke_tokens(world.installation),
        1,
        "the token still stands"
    );
}

#[tokio::test]
async fn redis_trouble_that_is_not_an_outage_costs_one_token_request() {
    let world = tests::world::World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let redis = RedisServer::start();
    let apps: Vec<icr_api::App> = (0..4)
        .map(|_| {
            world.app().with_token_cache(Arc::new(
                RedisCache::new(&redis.url())
                    .unwrap()
                    .lease(Duration::from_millis(300)),
            ))
        })
        .collect();
    // Learn the entry's and the lock's names from a first app, then start
    // over with an entry of the wrong type and a lock that never ends.
    icr_api::projects::get_project(
        &apps[0].installation::<Reads>(world.installation),
        world.project,
    )
    .await
    .unwrap();
    let entry = redis.cli(&["--scan", "--pattern", "icr:*:token"]);
    let entry = entry.trim().trim_matches('"').to_owned();
    let lock = entry.replace(":token", ":lock");
    redis.cli(&["DEL", &entry]);
    redis.cli(&["HSET", &entry, "not", "a token"]);
    redis.cli(&["SET", &lock, "someone-gone"]);
    world.emulator.revoke_tokens(world.installation);
    let before = world.emulator.token_requests();
    let calls = apps[1..].iter().map(|app| {
        let client = app.installation::<Reads>(world.installation);
        let project = world.project;
        async move { icr_api::projects::get_project(&client, project).await }
    });
    let answers = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::future::join_all(calls),
    )
    .await
    .expect("no request waits for ever on a lock that never ends");
    for answer in answers {
        answer.unwrap();
    }
    assert_eq!(world.emulator.token_requests() - before, 1);
    assert!(redis.cli(&["TYPE", &entry]).contains("string"));
}

#[tokio::test]
async fn the_cache_timeout_is_the_time_a_call_may_take() {
    let world = tests::world::World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let redis = RedisServer::start();
    let cache = RedisCache::new(&redis.url())
        .unwrap()
        .timeout(Duration::from_secs(5));
    let app = world.app().with_token_cache(Arc::new(cache));
    let client = app.installation::<Reads>(world.installation);
    // Redis hangs for a second and a half: within the five seconds.
    let pid = redis.pid();
    signal(pid, "STOP");
    let resume = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        signal(pid, "CONT");
    });
    icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap();
    resume.await.unwrap();
    // The token went to Redis: the cache waited rather than giving up.
    let entries = redis.cli(&["--scan", "--pattern", "icr:*:token"]);
    assert_eq!(entries.lines().count(), 1, "{entries}");
}

#[test]
fn a_redis_cache_is_made_outside_a_runtime_and_shows_no_socket_password() {
    let cache = RedisCache::new("redis+unix:///tmp/none.sock?db=1&pass=hunter2-socket").unwrap();
    let error = RedisCache::new("redis+unix:///tmp/none.sock?pass=hunter2-socket&protocol=x")
        .map(|_| ())
        .map_err(|e| e.to_string());
    let shown = format!("{cache:?} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
