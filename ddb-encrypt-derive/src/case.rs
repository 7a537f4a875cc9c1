//! `#[ddb(rename_all = "...")]`: the serde case conventions, applied to `snake_case` field names.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

pub(crate) const RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        RULES.iter().find(|(n, _)| *n == name).map(|(_, rule)| *rule)
    }

    /// The attribute name of a field, exactly as serde's `rename_all` names it: only ASCII
    /// letters change case, an underscore capitalizes the next character (`PascalCase` and
    /// `camelCase`), and `camelCase` lowers the first character of the `PascalCase` name.
    pub(crate) fn apply(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
            Self::Pascal => {
                let mut out = String::with_capacity(field.len());
                let mut capitalize = true;
                for c in field.chars() {
                    if c == '_' {
                        capitalize = true;
                    } else {
                        out.push(if capitalize { c.to_ascii_uppercase() } else { c });
                        capitalize = false;
                    }
                }
                out
            }
            Self::Camel => {
                let mut out = Self::Pascal.apply(field);
                // serde lowers the first byte; for a non-ASCII first letter it gives up (the
                // derive panics), and this keeps the letter as it is.
                if let Some(first) = out.get_mut(..1) {
                    first.make_ascii_lowercase();
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    #[test]
    fn rules_follow_serde() {
        let cases = [
            (RenameRule::Lower, "order_id"),
            (RenameRule::Upper, "ORDER_ID"),
            (RenameRule::Pascal, "OrderId"),
            (RenameRule::Camel, "orderId"),
            (RenameRule::Snake, "order_id"),
            (RenameRule::ScreamingSnake, "ORDER_ID"),
            (RenameRule::Kebab, "order-id"),
            (RenameRule::ScreamingKebab, "ORDER-ID"),
        ];
        for (rule, expected) in cases {
            assert_eq!(rule.apply("order_id"), expected, "{rule:?}");
        }
    }

    #[test]
    fn only_ascii_letters_change_case_and_camel_case_lowers_the_first_one() {
        assert_eq!(RenameRule::Camel.apply("_version"), "version");
        assert_eq!(RenameRule::Pascal.apply("_version"), "Version");
        assert_eq!(RenameRule::Camel.apply("Upper_case"), "upperCase");
        assert_eq!(RenameRule::Pascal.apply("étage_niveau"), "étageNiveau");
        assert_eq!(RenameRule::Camel.apply("étage_niveau"), "étageNiveau");
        assert_eq!(RenameRule::Upper.apply("étage"), "éTAGE");
        assert_eq!(RenameRule::Camel.apply("_"), "");
    }
}
