//! PromQL label matchers as the configuration gives them (`job="salespulse"`).

/// Whether `name` is a Prometheus label name.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks a comma-separated list of matchers, `label op "value"` each ("" for none).
pub fn check(matchers: &str) -> Result<(), String> {
    let mut rest = matchers.trim();
    while !rest.is_empty() {
        let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let name = &rest[..name_end];
        if !is_label_name(name) {
            return Err(format!("expected a label name at {rest:?}"));
        }
        rest = rest[name_end..].trim_start();
        let Some(op) = ["=~", "!~", "!=", "="].into_iter().find(|op| rest.starts_with(op)) else {
            return Err(format!("expected =, !=, =~ or !~ after {name}"));
        };
        rest = rest[op.len()..].trim_start();
        if !rest.starts_with('"') {
            return Err(format!("the value of {name} must be in double quotes"));
        }
        let mut end = None;
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let Some(end) = end else { return Err(format!("the value of {name} has no closing quote")) };
        rest = rest[end + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("expected a comma at {rest:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_are_checked() {
        for good in ["", "job=\"salespulse\"", "job=~\"sales.*\", namespace!=\"test\"", "a=\"x\\\"y\","] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for bad in ["job=salespulse", "job", "1job=\"x\"", "job=\"x\" namespace=\"y\"", "job=\"x"] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
