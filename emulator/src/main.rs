//! The `awsemu` command.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use awsemu::server::{serve, App, Limits};
use awsemu::services::World;
use awsemu::world::clock::Pace;
use awsemu::world::{Reachability, WorldConfig};

#[derive(Parser)]
#[command(
    name = "awsemu",
    version,
    about = "A local AWS emulator for PrivateLink (EC2 VPC endpoints and endpoint services), ELBv2 and ECS."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the AWS APIs on one port.
    Serve(ServeArgs),
    /// Work with scenario files.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
    /// Ask a running awsemu whether it is healthy (exit 0 if so); for container health checks.
    Healthcheck {
        /// The emulator's base URL.
        #[arg(long, env = "AWSEMU_URL", default_value = "http://127.0.0.1:4566")]
        url: String,
    },
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Validate scenario files (or folders) offline by applying them to an
    /// empty world; errors name the file, the line and the field.
    Check {
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Scenario file or folder to load at start and on reset (repeatable,
    /// applied in order).
    #[arg(long = "scenario", env = "AWSEMU_SCENARIO", value_delimiter = ',')]
    scenarios: Vec<std::path::PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "AWSEMU_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Where the data plane's endpoint listeners listen (ephemeral ports).
    #[arg(long, env = "AWSEMU_DATAPLANE_HOST", default_value = "127.0.0.1")]
    dataplane_host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one; the first stdout line says which).
    #[arg(long, env = "AWSEMU_PORT", default_value_t = 4566)]
    port: u16,
    /// Account of callers whose access key is not a 12-digit account id
    /// [default: 000000000000, or the scenario's].
    #[arg(long, env = "AWSEMU_DEFAULT_ACCOUNT", value_parser = parse_account)]
    default_account: Option<String>,
    /// Seed for resource ids, so that runs are reproducible (also after a reset).
    #[arg(long, env = "AWSEMU_SEED")]
    seed: Option<u64>,
    /// How fast asynchronous transitions (pending → available, ...) happen:
    /// immediate (next request sees them), realistic (seconds), manual (only
    /// when POST /_awsemu/clock advances the clock).
    /// [default: immediate, or the scenario's]
    #[arg(long, env = "AWSEMU_PACE", value_enum)]
    pace: Option<Pace>,
    /// Whether the network decides if tasks start and container agents
    /// connect: enforce (as AWS: a task that cannot reach its registry,
    /// secrets or logs stops with ECS's reason), warn (start, and log the
    /// blocked hop), off. [default: enforce, or the scenario's]
    #[arg(long, env = "AWSEMU_REACHABILITY", value_enum)]
    reachability: Option<Reachability>,
    /// Verify SigV4 signatures: every request must be signed with one of the
    /// `--credential` pairs (else `InvalidClientTokenId` / `SignatureDoesNotMatch`).
    #[arg(long, env = "AWSEMU_STRICT_SIGV4")]
    strict_sigv4: bool,
    /// `ACCESS_KEY:SECRET_KEY` accepted under `--strict-sigv4` (repeatable; in
    /// the environment, comma-separated).
    #[arg(long = "credential", env = "AWSEMU_CREDENTIALS", value_delimiter = ',', value_parser = parse_credential)]
    credentials: Vec<(String, String)>,
    /// `ACCESS_KEY=PRINCIPAL_ARN`: callers with that key act as that principal
    /// (e.g. `arn:aws:iam::222222222222:role/app`), in its account (repeatable).
    #[arg(long = "access-key", env = "AWSEMU_ACCESS_KEYS", value_delimiter = ',', value_parser = parse_access_key)]
    access_keys: Vec<(String, String)>,
    /// `TOPIC_ARN=URL`: POST connection notifications for that SNS topic to
    /// that http:// URL in the SNS delivery envelope (repeatable).
    #[arg(long = "sns-endpoint", env = "AWSEMU_SNS_ENDPOINTS", value_delimiter = ',', value_parser = parse_sns_endpoint)]
    sns_endpoints: Vec<(String, String)>,
    /// Log format on stderr.
    #[arg(long, env = "AWSEMU_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Seconds a client has to send a request's headers (also: how long a
    /// kept-alive connection may sit idle), and then its body.
    #[arg(long, env = "AWSEMU_READ_TIMEOUT", default_value_t = 30.0, value_parser = parse_seconds)]
    read_timeout: f64,
    /// Connections served at once; more wait in the listen queue.
    #[arg(long, env = "AWSEMU_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!(
            "{s} is not a number of seconds between 0 and 86400"
        )),
    }
}

fn parse_account(s: &str) -> Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(format!("'{s}' is not a 12-digit account id"))
    }
}

fn parse_credential(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not ACCESS_KEY:SECRET_KEY")),
    }
}

fn parse_access_key(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, arn))
            if !k.is_empty() && awsemu::wire::identity::account_of_arn(arn).is_some() =>
        {
            Ok((k.to_string(), arn.to_string()))
        }
        _ => Err(format!(
            "'{s}' is not ACCESS_KEY=arn:aws:iam::<12-digit account>:<root|role/..|user/..>"
        )),
    }
}

fn parse_sns_endpoint(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((arn, url)) if arn.starts_with("arn:aws:sns:") && url.starts_with("http://") => {
            Ok((arn.to_string(), url.to_string()))
        }
        _ => Err(format!(
            "'{s}' is not arn:aws:sns:<region>:<account>:<topic>=http://host:port/path"
        )),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AWSEMU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve_command(args),
        Command::Scenario {
            command: ScenarioCommand::Check { paths },
        } => check_command(&paths),
        Command::Healthcheck { url } => healthcheck(&url),
    }
}

fn read_scenarios(
    paths: &[std::path::PathBuf],
) -> Result<Vec<awsemu::scenario_file::Loaded>, String> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(awsemu::scenario_file::read(p).map_err(|e| e.to_string())?);
    }
    Ok(all)
}

/// The world's settings: flags first, then the scenarios', then defaults.
fn world_config(args: &ServeArgs, scenarios: &[awsemu::scenario_file::Loaded]) -> WorldConfig {
    let settings: Vec<_> = scenarios.iter().map(|l| &l.scenario.settings).collect();
    let mut access_keys: std::collections::HashMap<String, String> = Default::default();
    let mut sns: std::collections::HashMap<String, String> = Default::default();
    for l in scenarios {
        for a in &l.scenario.accounts {
            for k in &a.access_keys {
                let principal = k
                    .principal
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:iam::{}:root", a.id));
                access_keys.insert(k.key.clone(), principal);
            }
        }
        sns.extend(l.scenario.settings.sns_endpoints.clone());
    }
    access_keys.extend(args.access_keys.iter().cloned());
    sns.extend(args.sns_endpoints.iter().cloned());
    WorldConfig {
        default_account: args
            .default_account
            .clone()
            .or_else(|| {
                settings
                    .iter()
                    .rev()
                    .find_map(|s| s.default_account.clone())
            })
            .unwrap_or_else(|| "000000000000".into()),
        pace: args
            .pace
            .or_else(|| settings.iter().rev().find_map(|s| s.pace))
            .unwrap_or(Pace::Immediate),
        seed: args
            .seed
            .or_else(|| settings.iter().rev().find_map(|s| s.seed)),
        reachability: args
            .reachability
            .or_else(|| settings.iter().rev().find_map(|s| s.reachability))
            .unwrap_or(Reachability::DEFAULT),
        access_keys,
        sns_endpoints: sns,
    }
}

fn check_command(paths: &[std::path::PathBuf]) -> ExitCode {
    let scenarios = match read_scenarios(paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let world = World::new(WorldConfig::default());
    let files = scenarios.len();
    match awsemu::scenario::load(&world, scenarios) {
        Ok(()) => {
            println!("ok: {files} scenario file(s) apply cleanly");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn serve_command(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let scenarios = match read_scenarios(&args.scenarios) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("awsemu: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = world_config(&args, &scenarios);
    let world = World::new(config);
    let loaded = scenarios.len();
    if let Err(e) = awsemu::scenario::load(&world, scenarios) {
        eprintln!("awsemu: {e}");
        return ExitCode::FAILURE;
    }
    if args.strict_sigv4 && args.credentials.is_empty() {
        eprintln!("awsemu: --strict-sigv4 needs at least one --credential ACCESS_KEY:SECRET_KEY");
        return ExitCode::FAILURE;
    }
    let credentials = args
        .strict_sigv4
        .then(|| args.credentials.iter().cloned().collect());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_unpark(awsemu::server::courtesy::unparked)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("awsemu: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let addr = format!("{}:{}", args.host, args.port);
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("awsemu: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
        let mut out = std::io::stdout();
        let _ = writeln!(out, "awsemu listening on http://{local}");
        let _ = out.flush();
        tracing::info!(address = local.as_str(), pace = ?world.clock.pace(), scenarios = loaded, "serving EC2, ELBv2 and ECS");
        let mut app = App::new(world.clone(), credentials);
        app.dataplane = awsemu::dataplane::Dataplane::new(world, args.dataplane_host);
        let timeout = std::time::Duration::from_secs_f64(args.read_timeout);
        app.limits = Limits {
            header_timeout: timeout,
            body_timeout: timeout,
            max_connections: args.max_connections as usize,
        };
        serve(listener, Arc::new(app), shutdown_signal()).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

/// A tiny HTTP GET of `/_awsemu/health`, so the container image needs no curl.
fn healthcheck(url: &str) -> ExitCode {
    use std::io::Read as _;
    let hostport = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let attempt = || -> std::io::Result<bool> {
        let mut s = std::net::TcpStream::connect(&hostport)?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(3)))?;
        write!(
            s,
            "GET /_awsemu/health HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
        )?;
        let mut resp = String::new();
        s.read_to_string(&mut resp)?;
        Ok(resp.starts_with("HTTP/1.1 200") && resp.contains("\"running\""))
    };
    match attempt() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("awsemu at {url} is not healthy");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("awsemu at {url} did not answer: {e}");
            ExitCode::FAILURE
        }
    }
}
