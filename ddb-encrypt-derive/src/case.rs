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

    pub(crate) fn apply(self, field: &str) -> String {
        match self {
            Self::Lower | Self::Snake => field.to_owned(),
            Self::Upper | Self::ScreamingSnake => field.to_ascii_uppercase(),
            Self::Kebab => field.replace('_', "-"),
            Self::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
            Self::Pascal | Self::Camel => {
                let mut out = String::with_capacity(field.len());
                let mut upper = self == Self::Pascal;
                for c in field.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        out.extend(c.to_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
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
}
