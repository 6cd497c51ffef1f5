//! Scoping a PromQL expression to one deployment: matchers added to its series, the
//! deployment's labels kept by its aggregations and matched by its joins.
//!
//! Templates are written as if one deployment were all there is (`sum by (team)
//! (sales_won_revenue)`); [`scope`] turns them into what a shared Prometheus needs
//! (`sum by (cluster, namespace, job, team) (sales_won_revenue{job="salespulse"})`). It is
//! a lexical rewrite, not a parser: it knows string literals, label matchers, ranges,
//! label lists and Grafana variables, and nothing else of the grammar. Aggregations must
//! put their `by` before the operand (`sum by (l) (x)`, not `sum(x) by (l)`).

/// What [`scope`] adds.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Matchers added to every selected series, e.g. `job="salespulse"`; "" for none.
    pub matchers: &'a str,
    /// Whether recorded series (names with a `:`) get them too. Rules: no, they already
    /// carry the deployment's labels; dashboards: yes, to pick one deployment.
    pub recorded_too: bool,
    /// Labels kept by every aggregation (`by (...)` gains them, a bare `sum(...)` becomes
    /// `sum by (...)`) and matched by every join with an `on (...)` list.
    pub keep: &'a [String],
}

const AGGREGATIONS: [&str; 14] = [
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

/// Keywords followed by a label list that is copied as written.
const LABEL_LISTS: [&str; 4] = ["without", "ignoring", "group_left", "group_right"];

/// Keywords and literals that are neither a series nor a function.
const WORDS: [&str; 8] = ["and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"];

/// `expr` with `scope` applied (see the module documentation).
pub fn scope(expr: &str, scope: &Scope<'_>) -> String {
    let s = expr.as_bytes();
    let mut out = String::with_capacity(expr.len() + 64);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            b'"' | b'\'' | b'`' => {
                let end = string_end(s, i);
                out.push_str(&expr[i..end]);
                i = end;
            }
            b'{' | b'[' => {
                let end = closing(s, i);
                out.push_str(&expr[i..end]);
                i = end;
            }
            b'#' => {
                let end = s[i..].iter().position(|b| *b == b'\n').map_or(s.len(), |p| i + p);
                out.push_str(&expr[i..end]);
                i = end;
            }
            b'$' => {
                let end = variable_end(s, i);
                out.push_str(&expr[i..end]);
                i = end;
            }
            b'0'..=b'9' | b'.' => {
                let end = number_end(s, i);
                out.push_str(&expr[i..end]);
                i = end;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {
                i = word(expr, i, scope, &mut out);
            }
            _ => {
                let ch = expr[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// Rewrites the identifier at `start` and what belongs to it; returns where it ends.
fn word(expr: &str, start: usize, scope: &Scope<'_>, out: &mut String) -> usize {
    let s = expr.as_bytes();
    let mut end = start;
    while end < s.len() && (s[end].is_ascii_alphanumeric() || s[end] == b'_' || s[end] == b':') {
        end += 1;
    }
    let name = &expr[start..end];
    let next = skip_space(s, end);
    let opens = s.get(next) == Some(&b'(');
    let lower = name.to_ascii_lowercase();
    if (name == "by" || name == "on") && opens {
        let close = closing(s, next);
        let written: Vec<&str> =
            expr[next + 1..close - 1].split(',').map(str::trim).filter(|l| !l.is_empty()).collect();
        out.push_str(&expr[start..next]);
        let as_written = name == "on"
            && match operand(&expr[close..]) {
                Operand::Constant => true,
                Operand::Deployment => false,
                Operand::Other => written.is_empty(),
            };
        if scope.keep.is_empty() || as_written {
            out.push_str(&expr[next..close]);
        } else {
            out.push('(');
            out.push_str(&kept(scope.keep, &written).join(", "));
            out.push(')');
        }
        return close;
    }
    if LABEL_LISTS.contains(&name) && opens {
        let close = closing(s, next);
        out.push_str(&expr[start..close]);
        return close;
    }
    if AGGREGATIONS.contains(&name) && opens {
        out.push_str(name);
        if !scope.keep.is_empty() {
            out.push_str(" by (");
            out.push_str(&scope.keep.join(", "));
            out.push_str(") ");
        }
        out.push_str(&expr[end..next]);
        return next;
    }
    if opens || WORDS.contains(&lower.as_str()) || AGGREGATIONS.contains(&name) || name == "by" || name == "on" {
        out.push_str(name);
        return end;
    }
    // A series.
    out.push_str(name);
    let selected = scope.recorded_too || !name.contains(':');
    if !selected || scope.matchers.is_empty() {
        return end;
    }
    if s.get(next) == Some(&b'{') {
        let close = closing(s, next);
        let inside = expr[next + 1..close - 1].trim();
        out.push_str(&expr[end..next]);
        out.push('{');
        out.push_str(scope.matchers);
        if !inside.is_empty() {
            out.push(',');
            out.push_str(&expr[next + 1..close - 1]);
        }
        out.push('}');
        close
    } else {
        out.push('{');
        out.push_str(scope.matchers);
        out.push('}');
        end
    }
}

/// What the operand after an `on (...)` list (and its `group_left`/`group_right`) starts
/// with, which says whether the join is within one deployment.
#[derive(Debug, PartialEq, Eq)]
enum Operand {
    /// A constant built with `vector(...)`: it has no deployment labels.
    Constant,
    /// A series read from the deployment, or an aggregation of them without `by`: it has
    /// the deployment's labels once scoped.
    Deployment,
    /// Anything else (a recorded series, a number): an empty `on ()` stays global.
    Other,
}

fn operand(rest: &str) -> Operand {
    let mut rest = rest.trim_start();
    for group in ["group_left", "group_right"] {
        if let Some(after) = rest.strip_prefix(group) {
            let after = after.trim_start();
            rest = match after.strip_prefix('(') {
                Some(list) => list.split_once(')').map_or("", |(_, r)| r),
                None => after,
            };
        }
    }
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
    let (name, after) = (&rest[..end], rest[end..].trim_start());
    let compact: String = after.chars().filter(|c| !c.is_whitespace()).take(8).collect();
    if name == "vector" || (name == "label_replace" && compact.starts_with("(vector")) {
        Operand::Constant
    } else if (AGGREGATIONS.contains(&name) && after.starts_with('('))
        || (!name.is_empty()
            && !name.contains(':')
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && !after.starts_with('(')
            && !AGGREGATIONS.contains(&name))
    {
        Operand::Deployment
    } else {
        Operand::Other
    }
}

/// The labels to keep followed by those written that are not among them.
fn kept<'a>(keep: &'a [String], written: &[&'a str]) -> Vec<&'a str> {
    let mut all: Vec<&str> = keep.iter().map(String::as_str).collect();
    all.extend(written.iter().filter(|l| !keep.iter().any(|k| k == *l)));
    all
}

fn skip_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index after the string literal opening at `i`.
fn string_end(s: &[u8], i: usize) -> usize {
    let quote = s[i];
    let mut j = i + 1;
    while j < s.len() && s[j] != quote {
        j += if s[j] == b'\\' && quote != b'`' { 2 } else { 1 };
    }
    (j + 1).min(s.len())
}

/// The index after the bracket matching the one at `i` (strings inside skipped).
fn closing(s: &[u8], i: usize) -> usize {
    let (open, close) = match s[i] {
        b'{' => (b'{', b'}'),
        b'[' => (b'[', b']'),
        _ => (b'(', b')'),
    };
    let (mut depth, mut j) = (0usize, i);
    while j < s.len() {
        match s[j] {
            b'"' | b'\'' | b'`' => {
                j = string_end(s, j);
                continue;
            }
            b if b == open => depth += 1,
            b if b == close => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    s.len()
}

/// The index after a Grafana variable (`$name`, `${name}`, `$__rate_interval`).
fn variable_end(s: &[u8], i: usize) -> usize {
    if s.get(i + 1) == Some(&b'{') {
        return closing(s, i + 1);
    }
    let mut j = i + 1;
    while j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == b'_') {
        j += 1;
    }
    j
}

/// The index after a number or duration (`0.5`, `1e-9`, `90d`, `1h30m`).
fn number_end(s: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < s.len() {
        let b = s[j];
        let exponent_sign = (b == b'+' || b == b'-') && j > i && matches!(s[j - 1], b'e' | b'E');
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(expr: &str) -> String {
        let keep = ["namespace".to_owned(), "job".to_owned()];
        scope(expr, &Scope { matchers: "job=\"sp\"", recorded_too: false, keep: &keep })
    }

    fn dashboard(expr: &str) -> String {
        scope(expr, &Scope { matchers: "job=~\"$job\"", recorded_too: true, keep: &[] })
    }

    #[test]
    fn series_get_the_matchers_and_aggregations_keep_the_labels() {
        assert_eq!(
            rules("sum by (team) (sales_won_revenue)"),
            "sum by (namespace, job, team) (sales_won_revenue{job=\"sp\"})"
        );
        assert_eq!(
            rules("sum by (team, window) (sales_deals_closed{outcome=~\"won|lost\"})"),
            "sum by (namespace, job, team, window) (sales_deals_closed{job=\"sp\",outcome=~\"won|lost\"})"
        );
        assert_eq!(rules("max(up) == 0"), "max by (namespace, job) (up{job=\"sp\"}) == 0");
        assert_eq!(rules("absent(up == 1)"), "absent(up{job=\"sp\"} == 1)");
        assert_eq!(rules("sum by (job, team) (x)"), "sum by (namespace, job, team) (x{job=\"sp\"})");
    }

    #[test]
    fn joins_match_on_the_labels_and_recorded_series_are_left_alone_in_rules() {
        assert_eq!(
            rules("a:b:c{window=\"7d\"} and on(team) b:c:d > on() group_left() salespulse:config:x"),
            "a:b:c{window=\"7d\"} and on(namespace, job, team) b:c:d > on() group_left() salespulse:config:x"
        );
        assert_eq!(
            rules("x / on(window) group_left() (\n label_replace(vector(7), \"window\", \"7d\", \"\", \"\"))"),
            "x{job=\"sp\"} / on(window) group_left() (\n label_replace(vector(7), \"window\", \"7d\", \"\", \"\"))"
        );
        assert_eq!(
            rules("x * on() group_left() max(y) / on() group_left() (1 - salespulse:config:z)"),
            "x{job=\"sp\"} * on(namespace, job) group_left() max by (namespace, job) (y{job=\"sp\"}) / on() group_left() (1 - salespulse:config:z)"
        );
        assert_eq!(
            rules("x / on(period) group_left(team) (y)"),
            "x{job=\"sp\"} / on(namespace, job, period) group_left(team) (y{job=\"sp\"})"
        );
    }

    #[test]
    fn strings_ranges_numbers_and_keywords_are_copied() {
        assert_eq!(
            rules("increase(salespulse_snapshots_total{result=\"error\"}[15m]) > 0 unless x offset 1d"),
            "increase(salespulse_snapshots_total{job=\"sp\",result=\"error\"}[15m]) > 0 unless x{job=\"sp\"} offset 1d"
        );
        assert_eq!(
            rules("histogram_quantile(0.9, sum by (le) (h_bucket)) * 1e-9 > bool 0"),
            "histogram_quantile(0.9, sum by (namespace, job, le) (h_bucket{job=\"sp\"})) * 1e-9 > bool 0"
        );
        assert_eq!(rules("label_replace(x, \"a\", \"$1 sum(b)\", \"c\", \"(.*)\")").matches("sp").count(), 1);
        assert_eq!(rules("x{}"), "x{job=\"sp\"}");
        assert_eq!(rules("x # a comment with sum(y)\n+ z"), "x{job=\"sp\"} # a comment with sum(y)\n+ z{job=\"sp\"}");
    }

    #[test]
    fn dashboards_scope_recorded_series_and_keep_grafana_variables() {
        assert_eq!(
            dashboard("sum by (team) (rate(x_total{team=~\"$team\"}[$__rate_interval])) / a:b:c{window=\"$window\"}"),
            "sum by (team) (rate(x_total{job=~\"$job\",team=~\"$team\"}[$__rate_interval])) / a:b:c{job=~\"$job\",window=\"$window\"}"
        );
        assert_eq!(dashboard("topk(5, x) * ${factor}"), "topk(5, x{job=~\"$job\"}) * ${factor}");
    }

    #[test]
    fn nothing_to_add_changes_nothing() {
        let expr = "sum by (team) (x{a=\"b\"}) / on(team) group_left() y";
        assert_eq!(scope(expr, &Scope { matchers: "", recorded_too: true, keep: &[] }), expr);
    }
}
