//! The local AWS harness: a moto server (DynamoDB and KMS APIs) on 127.0.0.1, installed into
//! `.local-aws/venv` when missing, started on a free port, stopped by its process id (or, if
//! this process dies first, by itself when its stdin closes).

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

use crate::python::{python, workspace_root};

/// What to do when the server cannot start.
pub const HOW_TO_FIX: &str = "the tests need a local DynamoDB and KMS API server (moto, from PyPI). \
    Fix: run `scripts/python-venv.sh` (it needs python3 with venv and pip, and access to PyPI), \
    check that `.local-aws/venv/bin/python scripts/moto_server.py` prints `PORT <n>`, then run the tests again";

/// A running moto server.
#[derive(Debug)]
pub struct LocalAws {
    child: Mutex<Child>,
    /// Held open: the server stops when it closes.
    stdin: Mutex<Option<ChildStdin>>,
    port: u16,
}

impl LocalAws {
    /// Starts a server: installs the venv if needed, then waits until it answers.
    ///
    /// # Errors
    ///
    /// Says what failed and how to fix it.
    pub fn start() -> Result<Self, String> {
        let python = std::panic::catch_unwind(python)
            .map_err(|_| "the Python venv could not be set up".to_owned())?;
        let mut child = Command::new(python)
            .arg(workspace_root().join("scripts/moto_server.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot run scripts/moto_server.py: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let port = if let (Ok(_), Some(port)) = (read, line.strip_prefix("PORT ")) {
            port.trim().parse::<u16>().map_err(|e| format!("bad port line {line:?}: {e}"))?
        } else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the server did not report its port (got {line:?})"));
        };
        let server = Self { stdin: Mutex::new(child.stdin.take()), child: Mutex::new(child), port };
        server.wait_until_answering(Duration::from_secs(30))?;
        Ok(server)
    }

    /// The server of this test binary, started on first use and shared by its tests.
    ///
    /// # Panics
    ///
    /// If the server cannot start, with the reason and how to fix it.
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<LocalAws> = OnceLock::new();
        SHARED.get_or_init(|| Self::start().unwrap_or_else(|e| panic!("{e}\n{HOW_TO_FIX}")))
    }

    fn wait_until_answering(&self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let request = "GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
                let mut status = String::new();
                if stream.write_all(request.as_bytes()).is_ok()
                    && BufReader::new(&stream).read_line(&mut status).is_ok()
                    && status.starts_with("HTTP/")
                {
                    return Ok(());
                }
            }
            if started.elapsed() > timeout {
                return Err(format!(
                    "the server on port {} did not answer within {timeout:?}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's process id.
    ///
    /// # Panics
    ///
    /// If the lock is poisoned.
    pub fn pid(&self) -> u32 {
        self.child.lock().expect("not poisoned").id()
    }

    /// A DynamoDB client for this server: plain HTTP to loopback, static test credentials, no
    /// environment lookups. Make one per async runtime.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(self.dynamodb_config().build())
    }

    /// The same client configuration, for building variants (interceptors, retries).
    pub fn dynamodb_config(&self) -> aws_sdk_dynamodb::config::Builder {
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "local-aws"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
    }

    /// A KMS client for this server (same settings as [`LocalAws::dynamodb`]).
    pub fn kms(&self) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::from_conf(self.kms_config().build())
    }

    /// The KMS client configuration, for building variants.
    pub fn kms_config(&self) -> aws_sdk_kms::config::Builder {
        aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(self.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "local-aws"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
    }

    /// A new symmetric KMS key; returns its ARN.
    ///
    /// # Panics
    ///
    /// If the server refuses.
    pub async fn create_kms_key(&self) -> String {
        let key = self.kms().create_key().send().await.expect("CreateKey on the local server");
        key.key_metadata.and_then(|m| m.arn).expect("a key ARN")
    }

    /// Every record of `table`'s stream so far, from the start of each shard.
    ///
    /// # Panics
    ///
    /// If the table has no stream or the server refuses.
    pub async fn stream_records(&self, table: &str) -> Vec<aws_sdk_dynamodbstreams::types::Record> {
        use aws_sdk_dynamodbstreams::config::{
            BehaviorVersion as V, Credentials as C, Region as R,
        };
        use aws_sdk_dynamodbstreams::types::ShardIteratorType;
        let described = self.dynamodb().describe_table().table_name(table).send().await;
        let stream_arn = described.ok().and_then(|d| d.table?.latest_stream_arn);
        let stream_arn = stream_arn.expect("the table has a stream");
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(V::latest())
            .endpoint_url(self.endpoint())
            .region(R::new("us-east-1"))
            .credentials_provider(C::new("local", "local", None, None, "local-aws"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        let streams = aws_sdk_dynamodbstreams::Client::from_conf(config);
        let stream = streams.describe_stream().stream_arn(&stream_arn).send().await;
        let shards = stream.expect("DescribeStream").stream_description.and_then(|d| d.shards);
        let mut records = Vec::new();
        for shard in shards.unwrap_or_default() {
            let iterator = streams
                .get_shard_iterator()
                .stream_arn(&stream_arn)
                .shard_id(shard.shard_id.unwrap_or_default())
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await
                .expect("GetShardIterator");
            let mut iterator = iterator.shard_iterator;
            while let Some(current) = iterator {
                let request = streams.get_records().shard_iterator(current).limit(1000);
                let output = request.send().await.expect("GetRecords");
                let page = output.records.unwrap_or_default();
                if page.is_empty() {
                    break;
                }
                records.extend(page);
                iterator = output.next_shard_iterator;
            }
        }
        records
    }

    /// Stops the server by its process id and waits for it.
    ///
    /// # Panics
    ///
    /// If a lock is poisoned.
    pub fn stop(&self) {
        self.stdin.lock().expect("not poisoned").take();
        let mut child = self.child.lock().expect("not poisoned");
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A table name unique to this process and call: each test gets its own tables.
pub fn unique_name(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}
