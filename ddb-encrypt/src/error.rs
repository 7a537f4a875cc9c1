//! The crate's error type.

use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `ddb-encrypt`.
///
/// Errors fall into three groups, which a service usually handles differently:
///
/// * [`Error::Integrity`]: the stored item was altered, corrupted, or was written with other keys.
///   It is deliberately opaque: it never says which attribute or which check failed, so that it
///   cannot be used as an oracle. See [`Error::is_integrity`].
/// * Caller mistakes and configuration problems ([`Error::Config`], [`Error::InvalidItem`],
///   [`Error::ReservedAttribute`], ...): fix the code or the configuration. They name the
///   attribute or table involved (names are stored in the clear anyway), never a value.
/// * Failures of something outside the item ([`Error::Provider`], [`Error::Random`], ...): an
///   outage or a missing permission, not tampering.
///
/// # Security
///
/// No variant ever carries key bytes, plaintext, ciphertext or attribute values, in its
/// `Display`, its `Debug` or its `source()` chain, with one exception: [`Error::InItem`] names
/// an item that failed to read by its table and primary key, whose values are stored in the
/// clear (values of signed or encrypted attributes never appear).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item's signature, material description or ciphertext is invalid: the item was
    /// altered, is corrupt, or was written with other keys or another configuration (table
    /// name, attribute actions).
    #[error("item signature, material description or ciphertext invalid")]
    Integrity,

    /// An item read from a table failed ([`Error::Integrity`], [`Error::FormatRefused`] or
    /// [`Error::Conversion`]): `inner` is why, and the
    /// item is named by its table and its primary key as stored, so that it can be found among
    /// the items of a scan, a query or a batch. [`Error::is_integrity`] and the other `is_`
    /// methods look through it; [`Error::inner`] is the failure itself.
    #[error("{inner} (item {key} in table `{table}`)")]
    InItem {
        /// The table.
        table: String,
        /// The item's primary key as stored, like `patient_id = "p-ada", visit = 3`.
        key: String,
        /// What failed.
        inner: Box<Error>,
    },

    /// The encryptor, a provider or a schema is misconfigured.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// A plaintext item handed to the encryptor cannot be encrypted as it is.
    #[error("cannot encrypt attribute `{attribute}`: {reason}")]
    InvalidItem {
        /// The attribute name.
        attribute: String,
        /// What is wrong with it (never its value).
        reason: &'static str,
    },

    /// A plaintext item uses a name reserved for the encryption envelope.
    #[error("attribute name `{0}` is reserved for the encryption envelope; rename the attribute")]
    ReservedAttribute(String),

    /// The item is stored in a format that this encryptor is configured to refuse: a legacy
    /// item after a table's migration, a plaintext item where encryption is required, or an
    /// encrypted item for an encryptor without the keys of its format.
    #[error(
        "item is stored in the {0} format, which this encryptor does not read; allow it with the \
         encryptor's migration policy (with_legacy, with_plaintext_policy) or give the encryptor \
         keys for that format"
    )]
    FormatRefused(crate::format::Format),

    /// A materials provider could not produce materials for a reason that is not about the
    /// item (a key service unreachable or denying access, a missing key version, ...).
    #[error("materials provider failed: {message}")]
    Provider {
        /// What failed.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A struct field and its attribute do not match: the attribute is missing, of another
    /// type, or the value cannot be represented in DynamoDB.
    #[error("attribute `{attribute}`: {message}")]
    Conversion {
        /// The attribute name.
        attribute: String,
        /// What does not match (never the value).
        message: String,
    },

    /// A read-modify-write ([`EncryptedTable::modify`](crate::EncryptedTable::modify)) found
    /// the item changed by another writer at every attempt. This call wrote nothing.
    #[error(
        "DynamoDB table `{table}`: another writer changed the item during each of {attempts} \
         read-modify-write attempts, so nothing was written; retry later, or allow more \
         attempts with .max_attempts(..)"
    )]
    Conflict {
        /// The table.
        table: String,
        /// How many times the item was read, changed and refused.
        attempts: u32,
    },

    /// A text that is not a DynamoDB number was parsed as a [`Number`](crate::Number): it is
    /// not a decimal, or has more than 38 significant digits, or is out of DynamoDB's range.
    #[error("invalid number: {reason}")]
    InvalidNumber {
        /// What is wrong with it (never the text).
        reason: &'static str,
    },

    /// A DynamoDB request failed. See the predicates ([`Error::is_conditional_check_failed`],
    /// ...) for the common cases. The `source()` holds the service's error code and message
    /// only: never the raw HTTP response, which can hold item values.
    #[error("DynamoDB {operation} on table `{table}` failed: {message}")]
    Service {
        /// The API operation (`PutItem`, `Query`, ...).
        operation: &'static str,
        /// The table.
        table: String,
        /// What kind of failure it was.
        kind: ServiceErrorKind,
        /// The service's error code and message, or the transport failure.
        message: String,
        /// The service's error code and message.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// An encrypted item is larger than DynamoDB stores; nothing was sent.
    #[error(
        "item for table `{table}` is {size} bytes after encryption; DynamoDB stores at most \
         409600 bytes (400 KB) per item: move large values elsewhere (S3) or split the item"
    )]
    ItemTooLarge {
        /// The table.
        table: String,
        /// The item size as DynamoDB counts it, in bytes.
        size: usize,
    },

    /// A batch operation still had unprocessed items after all its retries. The others were
    /// processed; these were not.
    #[error(
        "DynamoDB {operation} on table `{table}`: {count} items still unprocessed after {attempts} \
         attempts (throttled); they were not processed, retry them later"
    )]
    Unprocessed {
        /// The API operation.
        operation: &'static str,
        /// The table.
        table: String,
        /// How many items were not processed.
        count: usize,
        /// How many requests were made for them.
        attempts: u32,
    },

    /// A query or scan read items that could not be read back (they failed verification, were
    /// refused, or did not convert to the item type): awaiting a [`Query`](crate::table::Query) or
    /// [`Scan`](crate::table::Scan) reads every item, then returns this instead of the others. The
    /// first failure is the `source()` (usually [`Error::Integrity`]). To keep the items that
    /// verify, use `stream()`, which yields one error per failed item and goes on.
    #[error(
        "DynamoDB {operation} on table `{table}`: {failed} of the {read} items read could not be \
         verified, decrypted or converted (the first failure is the source); stream the \
         request to read the others"
    )]
    UnreadableItems {
        /// The API operation (`Query` or `Scan`).
        operation: &'static str,
        /// The table.
        table: String,
        /// How many items could not be read.
        failed: usize,
        /// How many items were read in all, `failed` included.
        read: usize,
        /// The first item's failure.
        #[source]
        first: Box<Error>,
    },

    /// DynamoDB canceled a [`Transaction`](crate::Transaction): nothing of it was written.
    /// `operations` says, for each operation in the order it was added, why it was refused
    /// (`reason: None` for those that were not the cause).
    #[error("transaction canceled, nothing was written: {}", Cancellation::describe(operations))]
    TransactionCanceled {
        /// Every operation of the transaction, in order.
        operations: Vec<Cancellation>,
    },

    /// The table's key schema or indexes differ from the item type's.
    #[error("table `{table}` does not match the item type: {message}")]
    SchemaMismatch {
        /// The table.
        table: String,
        /// Both sides of the difference.
        message: String,
    },

    /// The operating system's random number generator failed.
    #[error("the operating system random number generator failed")]
    Random,

    /// A step that cannot fail did (a cipher refused a buffer this crate sized for it, say).
    /// This is a bug in ddb-encrypt: please report it with the message.
    #[error("internal error in ddb-encrypt: {0}; this is a bug, please report it")]
    Internal(&'static str),
}

/// One operation of a canceled [`Transaction`](crate::Transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cancellation {
    /// The table it was on.
    pub table: String,
    /// `Put`, `Delete`, `ConditionCheck` or `SDK operation`.
    pub operation: &'static str,
    /// Why DynamoDB refused it; `None` if it was not refused.
    pub reason: Option<CancellationReason>,
}

impl Cancellation {
    fn describe(operations: &[Self]) -> String {
        let refused: Vec<String> = operations
            .iter()
            .enumerate()
            .filter_map(|(at, o)| {
                let reason = o.reason.as_ref()?;
                Some(format!("operation {} ({} on `{}`): {reason}", at + 1, o.operation, o.table))
            })
            .collect();
        if refused.is_empty() { "DynamoDB gave no reason".to_owned() } else { refused.join("; ") }
    }
}

/// Why DynamoDB refused one operation of a transaction (its cancellation reason code).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancellationReason {
    /// The operation's condition did not hold.
    ConditionalCheckFailed,
    /// Another request was changing the same item; retry.
    TransactionConflict,
    /// The table or index was throttled; retry later.
    Throttled,
    /// The item collection (one partition key with local indexes) is over 10 GB.
    ItemCollectionSizeLimitExceeded,
    /// The operation is invalid (DynamoDB's `ValidationError`).
    ValidationError,
    /// Another code.
    Other(String),
}

impl CancellationReason {
    pub(crate) fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "None" => return None,
            "ConditionalCheckFailed" => Self::ConditionalCheckFailed,
            "TransactionConflict" => Self::TransactionConflict,
            "ThrottlingError" | "ProvisionedThroughputExceeded" => Self::Throttled,
            "ItemCollectionSizeLimitExceeded" => Self::ItemCollectionSizeLimitExceeded,
            "ValidationError" => Self::ValidationError,
            other => Self::Other(other.to_owned()),
        })
    }
}

impl fmt::Display for CancellationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ConditionalCheckFailed => "its condition did not hold",
            Self::TransactionConflict => "another request was changing the item (retry)",
            Self::Throttled => "throttled (retry later)",
            Self::ItemCollectionSizeLimitExceeded => "the item collection is over 10 GB",
            Self::ValidationError => "DynamoDB found the operation invalid",
            Self::Other(code) => code,
        })
    }
}

/// The kind of a failed DynamoDB request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceErrorKind {
    /// A condition of the request did not hold (`ConditionalCheckFailedException`).
    ConditionalCheckFailed,
    /// A transactional read was canceled (`TransactionCanceledException`). A canceled
    /// [`Transaction`](crate::Transaction) is [`Error::TransactionCanceled`], with the reason
    /// of each operation.
    TransactionCanceled,
    /// The request was throttled.
    Throttled,
    /// The table or index does not exist.
    ResourceNotFound,
    /// The request never got an answer (connection refused, timeout, ...).
    Unreachable,
    /// Anything else.
    Other,
}

impl Error {
    /// Returns `true` for [`Error::Integrity`]: the stored item failed verification or
    /// decryption.
    pub fn is_integrity(&self) -> bool {
        matches!(self.inner(), Self::Integrity)
    }

    /// The failure itself: for [`Error::InItem`], what failed in the item; otherwise `self`.
    ///
    /// ```
    /// # fn demo(error: ddb_encrypt::Error) {
    /// if let ddb_encrypt::Error::FormatRefused(format) = error.inner() {
    ///     eprintln!("stored as {format}: {error}");
    /// }
    /// # }
    /// ```
    pub fn inner(&self) -> &Self {
        match self {
            Self::InItem { inner, .. } => inner.inner(),
            other => other,
        }
    }

    /// Returns `true` if a write's condition did not hold, alone or in a transaction.
    pub fn is_conditional_check_failed(&self) -> bool {
        if let Self::TransactionCanceled { operations } = self {
            return operations
                .iter()
                .any(|o| o.reason == Some(CancellationReason::ConditionalCheckFailed));
        }
        matches!(self, Self::Service { kind: ServiceErrorKind::ConditionalCheckFailed, .. })
    }

    /// Returns `true` if a transaction was canceled (nothing of it was written).
    pub fn is_transaction_canceled(&self) -> bool {
        matches!(
            self,
            Self::TransactionCanceled { .. }
                | Self::Service { kind: ServiceErrorKind::TransactionCanceled, .. }
        )
    }

    /// Returns `true` if DynamoDB could not be reached.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Service { kind: ServiceErrorKind::Unreachable, .. })
    }

    pub(crate) fn config(message: impl fmt::Display) -> Self {
        Self::Config(message.to_string())
    }

    /// The SDK refused to build a `request` request from what it was given (an empty or
    /// invalid name, say).
    pub(crate) fn unbuildable(request: &str, error: impl fmt::Display) -> Self {
        Self::Config(format!("cannot build a {request} request: {error}"))
    }

    pub(crate) fn invalid_item(attribute: &str, reason: &'static str) -> Self {
        Self::InvalidItem { attribute: attribute.to_owned(), reason }
    }

    /// Builds a [`Error::Provider`] error, for use by materials providers.
    pub fn provider(
        message: impl fmt::Display,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Provider { message: message.to_string(), source }
    }
}

/// What a failed AWS request was, as its caller classifies it: that decides the error.
pub(crate) enum AwsRequest<'a> {
    /// A DynamoDB request on a table: [`Error::Service`], of the kind its error code says.
    DynamoDb {
        /// The API operation.
        operation: &'static str,
        /// The table.
        table: &'a str,
    },
    /// A KMS request with a key: [`Error::Provider`] (the key service failed, not the item).
    #[cfg_attr(not(feature = "kms"), expect(dead_code, reason = "KMS requests need the feature"))]
    Kms {
        /// The API operation.
        operation: &'static str,
        /// The key's id or ARN.
        key: &'a str,
    },
}

impl Error {
    /// The one mapper of AWS SDK errors: only the service's code and message are kept (see
    /// [`AwsFailure`]).
    pub(crate) fn aws<E: ProvideErrorMetadata, R>(
        request: &AwsRequest<'_>,
        error: &SdkError<E, R>,
    ) -> Self {
        let failure = AwsFailure::new(error);
        match *request {
            AwsRequest::DynamoDb { operation, table } => {
                let kind = match failure.code() {
                    Some("ConditionalCheckFailedException") => {
                        ServiceErrorKind::ConditionalCheckFailed
                    }
                    Some("TransactionCanceledException") => ServiceErrorKind::TransactionCanceled,
                    Some(
                        "ProvisionedThroughputExceededException"
                        | "ThrottlingException"
                        | "RequestLimitExceeded",
                    ) => ServiceErrorKind::Throttled,
                    Some("ResourceNotFoundException") => ServiceErrorKind::ResourceNotFound,
                    _ if failure.is_unreachable() => ServiceErrorKind::Unreachable,
                    _ => ServiceErrorKind::Other,
                };
                Self::Service {
                    operation,
                    table: table.to_owned(),
                    kind,
                    message: failure.to_string(),
                    source: Box::new(failure),
                }
            }
            AwsRequest::Kms { operation, key } => {
                let detail = if failure.is_unreachable() {
                    "KMS could not be reached (connection or timeout)".to_owned()
                } else {
                    failure.to_string()
                };
                Self::provider(
                    format_args!("AWS KMS {operation} with key `{key}` failed: {detail}"),
                    Some(Box::new(failure)),
                )
            }
        }
    }
}

/// A failed AWS request (DynamoDB or KMS), reduced to what is safe to keep: the service's error
/// code and message, or what kind of transport failure it was.
///
/// The SDK's own error keeps the raw HTTP response, whose body can hold a KMS plaintext data
/// key or item values (when a response does not parse, its `Debug` prints them). It is
/// dropped here, at the one place where SDK errors enter this crate's errors.
#[derive(Debug)]
pub(crate) struct AwsFailure {
    code: Option<String>,
    message: String,
    unreachable: bool,
}

impl AwsFailure {
    pub(crate) fn new<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> Self {
        let (code, message, unreachable) = match error {
            SdkError::ServiceError(service) => {
                let e = service.err();
                (e.code().map(str::to_owned), e.message().unwrap_or("no message"), false)
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                (None, "the service could not be reached (connection or timeout)", true)
            }
            SdkError::ResponseError(_) => (None, "the service's response could not be read", false),
            SdkError::ConstructionFailure(_) => (None, "the request could not be built", false),
            _ => (None, "the request failed", false),
        };
        Self { code, message: message.to_owned(), unreachable }
    }

    /// The service's error code (`ConditionalCheckFailedException`, ...), if it answered.
    pub(crate) fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The request never got an answer.
    pub(crate) fn is_unreachable(&self) -> bool {
        self.unreachable
    }
}

impl fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for AwsFailure {}
