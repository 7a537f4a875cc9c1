//! Conditions and filters on attributes stored in the clear, rendered into DynamoDB
//! expressions with placeholders.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::action::AttributeAction;
use crate::convert::{self, Mode};
use crate::error::{Error, Result};
use crate::format::is_reserved_name;
use crate::schema::TableSchema;

/// A condition (for a conditional write or a check in a transaction) or a filter (for a query
/// or scan), on attributes stored in the clear.
///
/// Comparisons may only read key, SIGN_ONLY and DO_NOTHING attributes: an encrypted value is
/// ciphertext to DynamoDB. A condition that compares an encrypted attribute is refused with
/// [`Error::Config`] before any request is sent. `exists`/`not_exists` work on any attribute of
/// the item type. A name the item type does not have is refused too (with the closest name it
/// has): a misspelled `not_exists` would always hold, and a misspelled comparison never.
///
/// This is the untyped form, for hand-written schemas; with a derived item type, build
/// conditions from its typed handles (`T::FIELDS`), which are checked at compile time.
///
/// ```
/// use ddb_encrypt::Condition;
///
/// let paid_and_recent = Condition::eq("status", "PAID").and(Condition::gt("created_at", 1_700_000_000));
/// let first_write = Condition::not_exists("order_id");
/// # let _ = (paid_and_recent, first_write);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Condition(Expr);

#[derive(Debug, Clone)]
enum Expr {
    Exists(String),
    NotExists(String),
    Compare(String, &'static str, Value),
    Between(String, Value, Value),
    BeginsWith(String, Value),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// A comparison operand, converted when the condition is built; a conversion failure is
/// reported when the condition is used.
#[derive(Debug, Clone)]
enum Value {
    Ready(AttributeValue),
    Invalid(String),
}

impl Value {
    fn new(name: &str, value: impl Serialize) -> Self {
        Self::with_mode(name, value, Mode::Plain)
    }

    fn with_mode(name: &str, value: impl Serialize, mode: Mode) -> Self {
        match convert::to_attribute_value(&value, mode) {
            Ok(Some(v)) => Self::Ready(v),
            Ok(None) => {
                Self::Invalid(format!("condition on `{name}` compares with nothing (None)"))
            }
            Err(e) => Self::Invalid(format!("condition on `{name}`: {e}")),
        }
    }

    pub(super) fn from_attribute(value: AttributeValue) -> Self {
        Self::Ready(value)
    }
}

impl Condition {
    /// The attribute is present.
    pub fn exists(name: impl Into<String>) -> Self {
        Self(Expr::Exists(name.into()))
    }

    /// The attribute is absent (with a key attribute: the item does not exist).
    pub fn not_exists(name: impl Into<String>) -> Self {
        Self(Expr::NotExists(name.into()))
    }

    fn compare(name: impl Into<String>, op: &'static str, value: impl Serialize) -> Self {
        let name = name.into();
        let value = Value::new(&name, value);
        Self(Expr::Compare(name, op, value))
    }

    /// `name = value`.
    pub fn eq(name: impl Into<String>, value: impl Serialize) -> Self {
        Self::compare(name, "=", value)
    }

    /// `name <> value`.
    pub fn ne(name: impl Into<String>, value: impl Serialize) -> Self {
        Self::compare(name, "<>", value)
    }

    /// `name < value`.
    pub fn lt(name: impl Into<String>, value: impl Serialize) -> Self {
        Self::compare(name, "<", value)
    }

    /// `name <= value`.
    pub fn le(name: impl Into<String>, value: impl Serialize) -> Self {
        Self::compare(name, "<=", value)
    }

    /// `name > value`.
    pub fn gt(name: impl Into<String>, value: impl Serialize) -> Self {
        Self::compare(name, ">", value)
    }

    /// `name >= value`.
    pub fn ge(name: impl Into<String>, value: impl Serialize) -> Self {
        Self::compare(name, ">=", value)
    }

    /// `low <= name <= high`.
    pub fn between(name: impl Into<String>, low: impl Serialize, high: impl Serialize) -> Self {
        let name = name.into();
        let (low, high) = (Value::new(&name, low), Value::new(&name, high));
        Self(Expr::Between(name, low, high))
    }

    /// The string or binary attribute starts with `prefix`.
    pub fn begins_with(name: impl Into<String>, prefix: impl Serialize) -> Self {
        let name = name.into();
        let prefix = Value::new(&name, prefix);
        Self(Expr::BeginsWith(name, prefix))
    }

    /// Both hold.
    pub fn and(self, other: Self) -> Self {
        Self(Expr::And(Box::new(self.0), Box::new(other.0)))
    }

    /// Either holds.
    pub fn or(self, other: Self) -> Self {
        Self(Expr::Or(Box::new(self.0), Box::new(other.0)))
    }

    /// Does not hold.
    #[expect(clippy::should_implement_trait, reason = "a builder method, as `and` and `or`")]
    pub fn not(self) -> Self {
        Self(Expr::Not(Box::new(self.0)))
    }

    /// A comparison from a typed field handle, converted as the field is.
    pub(super) fn compare_as(
        name: &str,
        op: &'static str,
        value: &impl Serialize,
        mode: Mode,
    ) -> Self {
        Self(Expr::Compare(name.to_owned(), op, Value::with_mode(name, value, mode)))
    }

    pub(super) fn between_as(
        name: &str,
        low: &impl Serialize,
        high: &impl Serialize,
        mode: Mode,
    ) -> Self {
        let (low, high) = (Value::with_mode(name, low, mode), Value::with_mode(name, high, mode));
        Self(Expr::Between(name.to_owned(), low, high))
    }

    pub(super) fn begins_with_as(name: &str, prefix: &impl Serialize, mode: Mode) -> Self {
        Self(Expr::BeginsWith(name.to_owned(), Value::with_mode(name, prefix, mode)))
    }

    pub(super) fn key_compare(name: &str, op: &'static str, value: AttributeValue) -> Self {
        Self(Expr::Compare(name.to_owned(), op, Value::from_attribute(value)))
    }

    pub(super) fn key_between(name: &str, low: AttributeValue, high: AttributeValue) -> Self {
        Self(Expr::Between(
            name.to_owned(),
            Value::from_attribute(low),
            Value::from_attribute(high),
        ))
    }

    pub(super) fn key_begins_with(name: &str, prefix: AttributeValue) -> Self {
        Self(Expr::BeginsWith(name.to_owned(), Value::from_attribute(prefix)))
    }
}

/// Placeholders shared by the expressions of one request.
#[derive(Debug, Default)]
pub(super) struct Placeholders {
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    fn name(&mut self, name: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, n)| *n == name) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), name.to_owned());
        placeholder
    }

    fn value(&mut self, value: &Value) -> Result<String> {
        match value {
            Value::Ready(v) => {
                let placeholder = format!(":v{}", self.values.len());
                self.values.insert(placeholder.clone(), v.clone());
                Ok(placeholder)
            }
            Value::Invalid(message) => Err(Error::Config(message.clone())),
        }
    }

    /// The names map, or `None` if empty (the SDK refuses empty maps).
    pub(super) fn take_names(&mut self) -> Option<HashMap<String, String>> {
        Some(std::mem::take(&mut self.names)).filter(|m| !m.is_empty())
    }

    /// The values map, or `None` if empty.
    pub(super) fn take_values(&mut self) -> Option<HashMap<String, AttributeValue>> {
        Some(std::mem::take(&mut self.values)).filter(|m| !m.is_empty())
    }
}

/// A condition of a write or check, rendered against its table's schema: what the request's
/// three condition fields take.
#[derive(Debug, Default)]
pub(super) struct Rendered {
    expression: Option<String>,
    names: Option<HashMap<String, String>>,
    values: Option<HashMap<String, AttributeValue>>,
}

impl Rendered {
    /// Renders `condition`, if any, with the refusals of [`Condition::render`].
    pub(super) fn new(condition: Option<&Condition>, schema: &TableSchema) -> Result<Self> {
        let Some(condition) = condition else { return Ok(Self::default()) };
        let mut placeholders = Placeholders::default();
        let expression = condition.render(schema, &mut placeholders)?;
        Ok(Self {
            expression: Some(expression),
            names: placeholders.take_names(),
            values: placeholders.take_values(),
        })
    }

    /// A condition written by this crate for its own reserved attributes (which the typed
    /// conditions cannot compare).
    pub(super) fn raw(
        expression: String,
        names: HashMap<String, String>,
        values: HashMap<String, AttributeValue>,
    ) -> Self {
        Self {
            expression: Some(expression),
            names: Some(names).filter(|m| !m.is_empty()),
            values: Some(values).filter(|m| !m.is_empty()),
        }
    }

    #[cfg(test)]
    pub(super) fn parts(
        self,
    ) -> (String, HashMap<String, String>, HashMap<String, AttributeValue>) {
        (
            self.expression.unwrap_or_default(),
            self.names.unwrap_or_default(),
            self.values.unwrap_or_default(),
        )
    }
}

/// The SDK's builders of requests that take a condition.
pub(super) trait Conditioned {
    /// The builder with the condition set (or left unset, for none).
    #[must_use]
    fn condition(self, rendered: Rendered) -> Self;
}

macro_rules! conditioned {
    ($($builder:ty),*) => {$(
        impl Conditioned for $builder {
            fn condition(self, rendered: Rendered) -> Self {
                self.set_condition_expression(rendered.expression)
                    .set_expression_attribute_names(rendered.names)
                    .set_expression_attribute_values(rendered.values)
            }
        }
    )*};
}

conditioned!(
    aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder,
    aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder,
    aws_sdk_dynamodb::types::builders::PutBuilder,
    aws_sdk_dynamodb::types::builders::DeleteBuilder,
    aws_sdk_dynamodb::types::builders::ConditionCheckBuilder
);

impl Condition {
    /// Renders the expression, refusing comparisons of attributes that are not stored in the
    /// clear.
    pub(super) fn render(
        &self,
        schema: &TableSchema,
        placeholders: &mut Placeholders,
    ) -> Result<String> {
        render(&self.0, schema, placeholders)
    }
}

/// The attribute exists in the item type (every stored field has its own action), or is a
/// format's reserved attribute.
fn known(schema: &TableSchema, name: &str) -> Result<()> {
    if schema.actions().overrides().any(|(known, _)| known == name) || is_reserved_name(name) {
        return Ok(());
    }
    let closest = schema
        .actions()
        .overrides()
        .map(|(known, _)| (edit_distance(name, known), known))
        .filter(|(distance, known)| *distance <= (known.chars().count() / 3).max(2))
        .min();
    let hint = closest.map_or_else(String::new, |(_, known)| format!(" (did you mean `{known}`?)"));
    Err(Error::config(format_args!(
        "a condition or filter names `{name}`, which is not an attribute of the item type{hint}; \
         a misspelled name would make the condition always hold or never match"
    )))
}

/// The Levenshtein distance between two names, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or_default();
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or_default();
            let left = row.get(j).copied().unwrap_or_default();
            let cost = diagonal + usize::from(ca != *cb);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = cost.min(above + 1).min(left + 1);
            }
        }
    }
    row.last().copied().unwrap_or_default()
}

fn readable(schema: &TableSchema, name: &str) -> Result<()> {
    known(schema, name)?;
    if schema.action(name) == AttributeAction::EncryptAndSign {
        return Err(Error::config(format_args!(
            "a condition or filter compares `{name}`, which is encrypted (its stored value is \
             ciphertext); compare only key, SIGN_ONLY or DO_NOTHING attributes"
        )));
    }
    Ok(())
}

fn render(expr: &Expr, schema: &TableSchema, p: &mut Placeholders) -> Result<String> {
    Ok(match expr {
        Expr::Exists(name) => {
            known(schema, name)?;
            format!("attribute_exists({})", p.name(name))
        }
        Expr::NotExists(name) => {
            known(schema, name)?;
            format!("attribute_not_exists({})", p.name(name))
        }
        Expr::Compare(name, op, value) => {
            readable(schema, name)?;
            format!("{} {op} {}", p.name(name), p.value(value)?)
        }
        Expr::Between(name, low, high) => {
            readable(schema, name)?;
            format!("{} BETWEEN {} AND {}", p.name(name), p.value(low)?, p.value(high)?)
        }
        Expr::BeginsWith(name, prefix) => {
            readable(schema, name)?;
            format!("begins_with({}, {})", p.name(name), p.value(prefix)?)
        }
        Expr::And(a, b) => format!("({}) AND ({})", render(a, schema, p)?, render(b, schema, p)?),
        Expr::Or(a, b) => format!("({}) OR ({})", render(a, schema, p)?, render(b, schema, p)?),
        Expr::Not(a) => format!("NOT ({})", render(a, schema, p)?),
    })
}

/// A condition on the sort key of a query, typed by the sort key's Rust type.
#[derive(Debug, Clone)]
#[must_use]
pub struct SortKeyCondition<K>(SortOp<K>);

#[derive(Debug, Clone)]
enum SortOp<K> {
    Compare(&'static str, K),
    Between(K, K),
    BeginsWith(K),
}

impl<K> SortKeyCondition<K> {
    /// `sort key = value`.
    pub fn eq(value: K) -> Self {
        Self(SortOp::Compare("=", value))
    }

    /// `sort key < value`.
    pub fn lt(value: K) -> Self {
        Self(SortOp::Compare("<", value))
    }

    /// `sort key <= value`.
    pub fn le(value: K) -> Self {
        Self(SortOp::Compare("<=", value))
    }

    /// `sort key > value`.
    pub fn gt(value: K) -> Self {
        Self(SortOp::Compare(">", value))
    }

    /// `sort key >= value`.
    pub fn ge(value: K) -> Self {
        Self(SortOp::Compare(">=", value))
    }

    /// `low <= sort key <= high`.
    pub fn between(low: K, high: K) -> Self {
        Self(SortOp::Between(low, high))
    }

    /// The sort key (a string or bytes) starts with `prefix`.
    pub fn begins_with(prefix: K) -> Self {
        Self(SortOp::BeginsWith(prefix))
    }

    /// The condition on the attribute `name`, values converted with `convert`.
    pub(super) fn into_condition(
        self,
        name: &str,
        convert: impl Fn(&K) -> Result<AttributeValue>,
    ) -> Result<Condition> {
        Ok(match self.0 {
            SortOp::Compare(op, value) => Condition::key_compare(name, op, convert(&value)?),
            SortOp::Between(low, high) => {
                Condition::key_between(name, convert(&low)?, convert(&high)?)
            }
            SortOp::BeginsWith(prefix) => Condition::key_begins_with(name, convert(&prefix)?),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distances_count_insertions_deletions_and_substitutions() {
        assert_eq!(super::edit_distance("patientid", "patient_id"), 1);
        assert_eq!(super::edit_distance("clinic", "clinic_id"), 3);
        assert_eq!(super::edit_distance("ab", "ba"), 2);
        assert_eq!(super::edit_distance("", "abc"), 3);
        assert_eq!(super::edit_distance("é", "e"), 1);
    }
}
