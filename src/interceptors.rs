//! SDK interceptors for tests: counting requests, and injecting the faults the local server
//! never produces (unprocessed batch items).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, BeforeSerializationInterceptorContextRef,
    FinalizerInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::types::{KeysAndAttributes, WriteRequest};
use aws_smithy_runtime_api::client::orchestrator::Metadata;

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>().map(|m| m.name().to_owned()).unwrap_or_default()
}

/// Counts calls per API operation (`PutItem`, `GenerateDataKey`, ...), retries not included.
/// Works with any SDK client built from the smithy runtime (DynamoDB, KMS).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<Mutex<HashMap<String, usize>>>);

impl RequestCounter {
    /// How many `operation` calls were made.
    pub fn count(&self, operation: &str) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(operation).copied().unwrap_or(0)
    }

    /// All counts.
    pub fn counts(&self) -> HashMap<String, usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Forgets the counts.
    pub fn reset(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    // The operation's metadata is in the config bag from this hook on (not yet before
    // execution); serialization happens once per call, whatever the retries.
    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        *self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(operation(cfg))
            .or_default() += 1;
        Ok(())
    }
}

/// How [`UnprocessedFaults`] misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultMode {
    /// Withholds the second half of each batch from the server and reports it unprocessed, as
    /// a throttled table does; the client must send it again.
    WithholdHalf,
    /// Reports every request of the batch unprocessed, whatever happened: the client can never
    /// finish and must say so.
    ReportAll,
}

#[derive(Debug, Default)]
struct FaultState {
    remaining: usize,
    writes: Vec<WriteRequest>,
    keys: Option<KeysAndAttributes>,
    table: String,
    injected: usize,
}

/// Makes `BatchWriteItem` and `BatchGetItem` leave items unprocessed, for the first
/// `calls` calls.
#[derive(Debug, Clone)]
pub struct UnprocessedFaults {
    mode: FaultMode,
    state: Arc<Mutex<FaultState>>,
}

impl UnprocessedFaults {
    /// Faults for the next `calls` batch calls.
    pub fn new(mode: FaultMode, calls: usize) -> Self {
        Self {
            mode,
            state: Arc::new(Mutex::new(FaultState { remaining: calls, ..FaultState::default() })),
        }
    }

    /// How many items were reported unprocessed in all.
    pub fn injected(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).injected
    }
}

impl Intercept for UnprocessedFaults {
    fn name(&self) -> &'static str {
        "UnprocessedFaults"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.writes.clear();
        state.keys = None;
        if state.remaining == 0 {
            return Ok(());
        }
        let input = context.input_mut();
        if let Some(input) = input.downcast_mut::<BatchWriteItemInput>() {
            let Some((table, requests)) =
                input.request_items.as_mut().and_then(|m| m.iter_mut().next())
            else {
                return Ok(());
            };
            state.remaining -= 1;
            state.table.clone_from(table);
            state.writes = match self.mode {
                FaultMode::WithholdHalf => requests.split_off(requests.len().div_ceil(2)),
                FaultMode::ReportAll => requests.clone(),
            };
        } else if let Some(input) = input.downcast_mut::<BatchGetItemInput>() {
            let Some((table, request)) =
                input.request_items.as_mut().and_then(|m| m.iter_mut().next())
            else {
                return Ok(());
            };
            state.remaining -= 1;
            state.table.clone_from(table);
            let withheld = match self.mode {
                FaultMode::WithholdHalf => request.keys.split_off(request.keys.len().div_ceil(2)),
                FaultMode::ReportAll => request.keys.clone(),
            };
            let mut unprocessed = request.clone();
            unprocessed.keys = withheld;
            state.keys = Some(unprocessed);
        }
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(Ok(output)) = context.output_or_error_mut() else { return Ok(()) };
        let table = state.table.clone();
        if let Some(output) = output.downcast_mut::<BatchWriteItemOutput>() {
            let writes = std::mem::take(&mut state.writes);
            if !writes.is_empty() {
                state.injected += writes.len();
                output
                    .unprocessed_items
                    .get_or_insert_with(HashMap::new)
                    .entry(table)
                    .or_default()
                    .extend(writes);
            }
        } else if let Some(output) = output.downcast_mut::<BatchGetItemOutput>()
            && let Some(keys) = state.keys.take().filter(|k| !k.keys.is_empty())
        {
            state.injected += keys.keys.len();
            // Reported unprocessed: drop whatever the server returned for those keys.
            if self.mode == FaultMode::ReportAll
                && let Some(found) = output.responses.as_mut().and_then(|r| r.get_mut(&table))
            {
                found.clear();
            }
            output.unprocessed_keys.get_or_insert_with(HashMap::new).insert(table, keys);
        }
        Ok(())
    }
}

/// Makes every call of one operation fail with a service error, as a key service denying
/// access or being down would; the request itself is still sent (and ignored).
#[derive(Debug, Clone)]
pub struct FailOperation {
    operation: &'static str,
    status: u16,
    error_type: Option<&'static str>,
    body: String,
}

impl FailOperation {
    /// Fails `operation` (`GenerateDataKey`, `Decrypt`, `PutItem`, ...) with HTTP `status` and
    /// the error code `error_type` (`AccessDeniedException`, ...).
    pub fn new(operation: &'static str, status: u16, error_type: &'static str) -> Self {
        let body = format!(r#"{{"__type":"{error_type}","message":"injected by the test"}}"#);
        Self { operation, status, error_type: Some(error_type), body }
    }

    /// Answers `operation` with HTTP `status` and this JSON `body`, as a broken or hostile
    /// service would.
    pub fn respond(operation: &'static str, status: u16, body: impl Into<String>) -> Self {
        Self { operation, status, error_type: None, body: body.into() }
    }
}

impl Intercept for FailOperation {
    fn name(&self) -> &'static str {
        "FailOperation"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut aws_sdk_dynamodb::config::interceptors::BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) != self.operation {
            return Ok(());
        }
        let mut response = aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(self.status)?,
            aws_smithy_types::body::SdkBody::from(self.body.clone()),
        );
        response.headers_mut().insert("content-type", "application/x-amz-json-1.1");
        if let Some(error_type) = self.error_type {
            response.headers_mut().insert("x-amzn-errortype", error_type);
        }
        *context.response_mut() = response;
        Ok(())
    }
}

/// Runs an action once, just before the first call of one operation is serialized: to put a
/// concurrent writer between a client's read and its write. The action runs on the calling
/// thread and may block (on a runtime of its own, in a thread of its own).
#[derive(Clone)]
pub struct BeforeFirst {
    operation: &'static str,
    action: Arc<Mutex<Option<Action>>>,
}

/// What [`BeforeFirst`] runs.
type Action = Box<dyn FnOnce() + Send>;

impl std::fmt::Debug for BeforeFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BeforeFirst").field("operation", &self.operation).finish_non_exhaustive()
    }
}

impl BeforeFirst {
    /// Runs `action` before the first `operation` call.
    pub fn new(operation: &'static str, action: impl FnOnce() + Send + 'static) -> Self {
        Self { operation, action: Arc::new(Mutex::new(Some(Box::new(action)))) }
    }
}

impl Intercept for BeforeFirst {
    fn name(&self) -> &'static str {
        "BeforeFirst"
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if operation(cfg) == self.operation {
            let action = self.action.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(action) = action {
                action();
            }
        }
        Ok(())
    }
}
