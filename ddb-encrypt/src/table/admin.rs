//! Creating a table for an item type (development and tests), and checking that a table's
//! keys and indexes are the item type's.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType as DynamoKeyType, LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType,
    TableDescription,
};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;

use super::EncryptedTable;
use crate::error::{Error, Result};
use crate::item::{EncryptedItem, IndexKind, IndexSchema, ItemSchema, KeySchema, KeyType};

fn scalar(key_type: KeyType) -> ScalarAttributeType {
    match key_type {
        KeyType::Number => ScalarAttributeType::N,
        KeyType::Binary => ScalarAttributeType::B,
        KeyType::String => ScalarAttributeType::S,
    }
}

fn build_error(error: impl std::fmt::Display) -> Error {
    Error::unbuildable("CreateTable", error)
}

/// A `CreateTable` request for `table_name` billed per request, keyed by `partition` and `sort`,
/// with a definition of each of `keys` (the table's and its indexes', each name once).
pub(crate) fn create_table_request(
    client: &Client,
    table_name: &str,
    partition: KeySchema,
    sort: Option<KeySchema>,
    keys: impl IntoIterator<Item = KeySchema>,
) -> Result<CreateTableFluentBuilder> {
    let definitions: BTreeMap<_, _> = keys.into_iter().map(|k| (k.name, k.key_type)).collect();
    let mut request = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(partition, sort)?));
    for (name, key_type) in definitions {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(scalar(key_type))
                .build()
                .map_err(build_error)?,
        );
    }
    Ok(request)
}

fn key_schema(partition: KeySchema, sort: Option<KeySchema>) -> Result<Vec<KeySchemaElement>> {
    let mut elements = vec![
        KeySchemaElement::builder()
            .attribute_name(partition.name)
            .key_type(DynamoKeyType::Hash)
            .build()
            .map_err(build_error)?,
    ];
    if let Some(sort) = sort {
        elements.push(
            KeySchemaElement::builder()
                .attribute_name(sort.name)
                .key_type(DynamoKeyType::Range)
                .build()
                .map_err(build_error)?,
        );
    }
    Ok(elements)
}

fn projection_all() -> Projection {
    // Indexes project every attribute: the signature covers them all, so a partial projection
    // could not be verified.
    Projection::builder().projection_type(ProjectionType::All).build()
}

/// The secondary indexes of an item type: those it declares, and those of its beacons (global,
/// keyed by the attribute that stores the beacon).
fn indexes(schema: &ItemSchema) -> Vec<IndexSchema> {
    let beacons = schema.beacons.iter().filter_map(|beacon| {
        Some(IndexSchema {
            name: beacon.index?,
            kind: IndexKind::Global,
            partition_key: KeySchema { name: beacon.stored_as, key_type: KeyType::String },
            sort_key: None,
        })
    });
    schema.indexes.iter().copied().chain(beacons).collect()
}

/// A key as the table describes it: name and type.
type Described = (String, Option<ScalarAttributeType>);

impl<T: EncryptedItem> EncryptedTable<T> {
    /// Creates the table, with `T`'s key and indexes, billed per request. For development
    /// and tests; production tables usually come from infrastructure code.
    ///
    /// # Errors
    ///
    /// [`Error::Service`] if DynamoDB refuses (for example, the table exists).
    pub async fn create_table(&self) -> Result<()> {
        let schema = T::SCHEMA;
        let indexes = indexes(&schema);
        let keys = [Some(schema.partition_key), schema.sort_key].into_iter().flatten();
        let index_keys = indexes.iter().flat_map(|i| [Some(i.partition_key), i.sort_key]).flatten();
        let mut request = create_table_request(
            &self.client,
            &self.table_name,
            schema.partition_key,
            schema.sort_key,
            keys.chain(index_keys),
        )?;
        for index in &indexes {
            let keys = Some(key_schema(index.partition_key, index.sort_key)?);
            request = match index.kind {
                IndexKind::Local => request.local_secondary_indexes(
                    LocalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(keys)
                        .projection(projection_all())
                        .build()
                        .map_err(build_error)?,
                ),
                _ => request.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(index.name)
                        .set_key_schema(keys)
                        .projection(projection_all())
                        .build()
                        .map_err(build_error)?,
                ),
            };
        }
        request.send().await.map_err(|e| self.service_error("CreateTable", &e))?;
        Ok(())
    }

    /// Checks with `DescribeTable` that the table's key schema and indexes are `T`'s.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaMismatch`] naming both sides of the first difference;
    /// [`Error::Service`] if the table cannot be described.
    pub async fn verify_schema(&self) -> Result<()> {
        let output = self
            .client
            .describe_table()
            .table_name(&*self.table_name)
            .send()
            .await
            .map_err(|e| self.service_error("DescribeTable", &e))?;
        let table = output
            .table
            .ok_or_else(|| self.mismatch("DescribeTable returned no table description".into()))?;
        let schema = T::SCHEMA;
        let item = std::any::type_name::<T>();
        let (partition, sort) = describe_keys(&table, table.key_schema());
        self.compare_key("partition key", partition.as_ref(), Some(schema.partition_key), item)?;
        self.compare_key("sort key", sort.as_ref(), schema.sort_key, item)?;
        let mut described: BTreeMap<&str, (IndexKind, &[KeySchemaElement])> = BTreeMap::new();
        for index in table.global_secondary_indexes() {
            described.insert(
                index.index_name().unwrap_or_default(),
                (IndexKind::Global, index.key_schema()),
            );
        }
        for index in table.local_secondary_indexes() {
            described.insert(
                index.index_name().unwrap_or_default(),
                (IndexKind::Local, index.key_schema()),
            );
        }
        for index in indexes(&schema) {
            let Some((kind, elements)) = described.remove(index.name) else {
                return Err(self.mismatch(format!(
                    "`{item}` declares index `{}`, which the table does not have",
                    index.name
                )));
            };
            if kind != index.kind {
                return Err(self.mismatch(format!(
                    "index `{}` is {kind:?} in the table, {:?} in `{item}`",
                    index.name, index.kind
                )));
            }
            let (partition, sort) = describe_keys(&table, elements);
            let what = format!("index `{}`", index.name);
            self.compare_key(
                &format!("{what} partition key"),
                partition.as_ref(),
                Some(index.partition_key),
                item,
            )?;
            self.compare_key(&format!("{what} sort key"), sort.as_ref(), index.sort_key, item)?;
        }
        if let Some(extra) = described.keys().next() {
            return Err(self.mismatch(format!(
                "the table has index `{extra}`, which `{item}` does not declare"
            )));
        }
        Ok(())
    }

    fn mismatch(&self, message: String) -> Error {
        Error::SchemaMismatch { table: self.table_name.to_string(), message }
    }

    fn compare_key(
        &self,
        what: &str,
        described: Option<&Described>,
        declared: Option<KeySchema>,
        item: &str,
    ) -> Result<()> {
        let show_described = |d: Option<&Described>| match d {
            Some((name, Some(t))) => format!("`{name}` ({})", t.as_str()),
            Some((name, None)) => format!("`{name}` (type unknown)"),
            None => "none".to_owned(),
        };
        let show_declared = |k: Option<KeySchema>| match k {
            Some(k) => format!("`{}` ({})", k.name, k.key_type.as_str()),
            None => "none".to_owned(),
        };
        let same = match (described, declared) {
            (None, None) => true,
            (Some((name, kind)), Some(key)) => {
                name == key.name && kind.as_ref() == Some(&scalar(key.key_type))
            }
            _ => false,
        };
        if same {
            return Ok(());
        }
        Err(self.mismatch(format!(
            "the table's {what} is {}, `{item}` declares {}",
            show_described(described),
            show_declared(declared)
        )))
    }
}

fn describe_keys(
    table: &TableDescription,
    elements: &[KeySchemaElement],
) -> (Option<Described>, Option<Described>) {
    let type_of = |name: &str| {
        table
            .attribute_definitions()
            .iter()
            .find(|d| d.attribute_name() == name)
            .map(|d| d.attribute_type().clone())
    };
    let find = |wanted: DynamoKeyType| {
        elements
            .iter()
            .find(|e| *e.key_type() == wanted)
            .map(|e| (e.attribute_name().to_owned(), type_of(e.attribute_name())))
    };
    (find(DynamoKeyType::Hash), find(DynamoKeyType::Range))
}
