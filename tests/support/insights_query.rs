//! A small interpreter of the CloudWatch Logs Insights query language, for the stand-in of
//! the service: the part of the language the queries behind the findings use, with the
//! semantics the service documents (CWL_QuerySyntax):
//!
//! - `#` starts a comment that runs to the end of its line; `|` separates commands;
//! - `fields` (with `as`), `filter`, `stats ... [by ...]`, `sort ... [asc|desc]`, `limit`;
//! - expressions: `and`, `or`, `not`, `=`, `!=`, `<`, `<=`, `>`, `>=`, `like "text"` (a
//!   substring), arithmetic `+ - * /`, `ispresent(f)`, numbers, strings, fields (with
//!   backticks for names of other characters); an event without a field matches no
//!   comparison on it;
//! - `count(*)`, `count(f)` (events that have f), `pct(f, p)`, `max`, `min`, `avg`, `sum`;
//! - the fields Insights discovers: a JSON message's keys (nested ones joined by dots, the
//!   items of an array numbered from 0: `spans.0.name`), and
//!   in a Lambda function's text-format lines `@type`, `@requestId` and the REPORT line's
//!   `@duration`, `@billedDuration`, `@initDuration`, `@memorySize` and `@maxMemoryUsed`
//!   (memory in bytes), beside `@timestamp` and `@message`.
//!
//! Anything else panics, naming what: a test whose query the interpreter does not know fails
//! instead of passing on a wrong answer.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// A value of a field or an expression.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    Text(String),
    Bool(bool),
}

impl Value {
    fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t) => t.trim().parse().ok(),
            Value::Bool(_) => None,
        }
    }

    fn text(&self) -> String {
        match self {
            Value::Number(n) => n.to_string(),
            Value::Text(t) => t.clone(),
            Value::Bool(b) => b.to_string(),
        }
    }

    fn truth(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
}

type Event = BTreeMap<String, Value>;

/// An expression of a `filter`, `fields` or aggregation.
#[derive(Debug, Clone)]
enum Expr {
    Field(String),
    Number(f64),
    Text(String),
    Not(Box<Expr>),
    Binary(Box<Expr>, String, Box<Expr>),
    Call(String, Vec<Expr>),
    Star,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Field(String),
    Number(f64),
    Text(String),
    Symbol(String),
}

fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut text = String::new();
            i += 1;
            while chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                text.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(Token::Text(text));
        } else if c == '`' {
            let end = i + 1 + chars[i + 1..].iter().position(|&d| d == '`').unwrap();
            out.push(Token::Field(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            out.push(Token::Number(number.parse().unwrap()));
        } else if c.is_alphanumeric() || c == '@' || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '@' | '_' | '.' | '-'))
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else if c == '/' && out.last() == Some(&Token::Word("like".into())) {
            panic!("the stand-in has no regular expressions: {text}");
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["!=", "<=", ">="].contains(&two.as_str()) {
                out.push(Token::Symbol(two));
                i += 2;
            } else {
                out.push(Token::Symbol(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// A recursive-descent reader of expressions: or, and, not, comparison, sum, product.
struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Token {
        self.at += 1;
        self.tokens[self.at - 1].clone()
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        if self.peek() == Some(&Token::Symbol(symbol.into())) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Expr {
        let mut left = self.and();
        while self.eat_word("or") {
            left = Expr::Binary(Box::new(left), "or".into(), Box::new(self.and()));
        }
        left
    }

    fn and(&mut self) -> Expr {
        let mut left = self.not();
        while self.eat_word("and") {
            left = Expr::Binary(Box::new(left), "and".into(), Box::new(self.not()));
        }
        left
    }

    fn not(&mut self) -> Expr {
        if self.eat_word("not") {
            return Expr::Not(Box::new(self.not()));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Expr {
        let left = self.sum();
        for op in ["=", "!=", "<=", ">=", "<", ">"] {
            if self.eat_symbol(op) {
                return Expr::Binary(Box::new(left), op.into(), Box::new(self.sum()));
            }
        }
        if self.eat_word("like") {
            return Expr::Binary(Box::new(left), "like".into(), Box::new(self.sum()));
        }
        left
    }

    fn sum(&mut self) -> Expr {
        let mut left = self.product();
        loop {
            let op = if self.eat_symbol("+") {
                "+"
            } else if self.eat_symbol("-") {
                "-"
            } else {
                return left;
            };
            left = Expr::Binary(Box::new(left), op.into(), Box::new(self.product()));
        }
    }

    fn product(&mut self) -> Expr {
        let mut left = self.atom();
        loop {
            let op = if self.eat_symbol("*") {
                "*"
            } else if self.eat_symbol("/") {
                "/"
            } else {
                return left;
            };
            left = Expr::Binary(Box::new(left), op.into(), Box::new(self.atom()));
        }
    }

    fn atom(&mut self) -> Expr {
        match self.next() {
            Token::Symbol(s) if s == "(" => {
                let inner = self.or();
                assert!(self.eat_symbol(")"), "a ( without its )");
                inner
            }
            Token::Symbol(s) if s == "*" => Expr::Star,
            Token::Number(n) => Expr::Number(n),
            Token::Text(t) => Expr::Text(t),
            Token::Field(f) => Expr::Field(f),
            Token::Word(w) if self.peek() == Some(&Token::Symbol("(".into())) => {
                self.at += 1;
                let mut args = Vec::new();
                while !self.eat_symbol(")") {
                    args.push(self.or());
                    self.eat_symbol(",");
                }
                Expr::Call(w.to_lowercase(), args)
            }
            Token::Word(w) => Expr::Field(w),
            other => panic!("the stand-in cannot read {other:?}"),
        }
    }
}

fn expression(text: &str) -> Expr {
    let mut parser = Parser {
        tokens: tokens(text),
        at: 0,
    };
    let expr = parser.or();
    assert_eq!(parser.at, parser.tokens.len(), "left over in {text}");
    expr
}

fn evaluate(expr: &Expr, event: &Event) -> Option<Value> {
    Some(match expr {
        Expr::Field(name) => event.get(name)?.clone(),
        Expr::Number(n) => Value::Number(*n),
        Expr::Text(t) => Value::Text(t.clone()),
        Expr::Not(inner) => Value::Bool(!evaluate(inner, event).is_some_and(|v| v.truth())),
        Expr::Star => Value::Bool(true),
        Expr::Call(name, args) => match name.as_str() {
            "ispresent" => Value::Bool(evaluate(&args[0], event).is_some()),
            other => panic!("the stand-in has no function {other}()"),
        },
        Expr::Binary(left, op, right) => {
            if op == "and" || op == "or" {
                let l = evaluate(left, event).is_some_and(|v| v.truth());
                let r = evaluate(right, event).is_some_and(|v| v.truth());
                return Some(Value::Bool(if op == "and" { l && r } else { l || r }));
            }
            let (l, r) = (evaluate(left, event), evaluate(right, event));
            let (Some(l), Some(r)) = (l, r) else {
                // a comparison on a field the event lacks matches nothing
                return Some(Value::Bool(false));
            };
            match op.as_str() {
                "like" => Value::Bool(l.text().contains(&r.text())),
                "+" | "-" | "*" | "/" => {
                    let (a, b) = (l.number()?, r.number()?);
                    Value::Number(match op.as_str() {
                        "+" => a + b,
                        "-" => a - b,
                        "*" => a * b,
                        _ => a / b,
                    })
                }
                _ => {
                    let order = match (l.number(), r.number()) {
                        (Some(a), Some(b)) => a.partial_cmp(&b)?,
                        _ => l.text().cmp(&r.text()),
                    };
                    Value::Bool(match op.as_str() {
                        "=" => order.is_eq(),
                        "!=" => order.is_ne(),
                        "<" => order.is_lt(),
                        "<=" => order.is_le(),
                        ">" => order.is_gt(),
                        _ => order.is_ge(),
                    })
                }
            }
        }
    })
}

/// The fields Insights discovers in one event.
fn discover(time_ms: i64, message: &str) -> Event {
    let mut event = Event::new();
    event.insert("@timestamp".into(), Value::Number(time_ms as f64));
    event.insert("@message".into(), Value::Text(message.to_owned()));
    if let Ok(json @ Json::Object(_)) = serde_json::from_str::<Json>(message) {
        flatten("", &json, &mut event);
    }
    let word = message.split_whitespace().next().unwrap_or_default();
    if ["START", "END", "REPORT"].contains(&word) {
        event.insert("@type".into(), Value::Text(word.into()));
        if let Some(id) = message.split("RequestId: ").nth(1) {
            let id = id.split_whitespace().next().unwrap_or_default();
            event.insert("@requestId".into(), Value::Text(id.into()));
        }
    }
    if word == "REPORT" {
        for part in message.split('\t') {
            let Some((name, value)) = part.split_once(": ") else {
                continue;
            };
            let number = value
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok());
            let (field, scale) = match name.trim() {
                "Duration" => ("@duration", 1.0),
                "Billed Duration" => ("@billedDuration", 1.0),
                "Init Duration" => ("@initDuration", 1.0),
                "Memory Size" => ("@memorySize", 1e6),
                "Max Memory Used" => ("@maxMemoryUsed", 1e6),
                _ => continue,
            };
            if let Some(n) = number {
                event.insert(field.into(), Value::Number(n * scale));
            }
        }
    }
    event
}

fn flatten(prefix: &str, value: &Json, event: &mut Event) {
    match value {
        Json::Object(object) => {
            for (key, value) in object {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, value, event);
            }
        }
        Json::String(text) => {
            event.insert(prefix.into(), Value::Text(text.clone()));
        }
        Json::Number(n) => {
            event.insert(prefix.into(), Value::Number(n.as_f64().unwrap()));
        }
        // "JSON arrays are flattened into a list of field names and values": the items
        // as `name.0`, `name.1`, ... (CWL_AnalyzeLogData-discoverable-fields)
        Json::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{index}"), item, event);
            }
        }
        Json::Null => {}
        Json::Bool(value) => {
            event.insert(prefix.into(), Value::Text(value.to_string()));
        }
    }
}

/// Splits `text` at `separator` where it stands outside quotes, backticks and parentheses.
fn split_outside(text: &str, separator: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let (mut quote, mut depth) = (None, 0);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, c) if c == separator && depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(c);
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// `expr as name`, or `expr` named by its own text.
fn named(item: &str) -> (Expr, String) {
    let words: Vec<&str> = item.rsplitn(3, ' ').collect();
    if words.len() == 3 && words[1].eq_ignore_ascii_case("as") {
        (expression(words[2]), words[0].to_owned())
    } else {
        (expression(item), item.trim_matches('`').to_owned())
    }
}

/// An aggregation over the events of one group.
fn aggregate(expr: &Expr, events: &[&Event]) -> String {
    let Expr::Call(name, args) = expr else {
        panic!("not an aggregation: {expr:?}")
    };
    if name == "count" && matches!(args.first(), Some(Expr::Star) | None) {
        return events.len().to_string();
    }
    let mut values: Vec<f64> = events
        .iter()
        .filter_map(|e| evaluate(&args[0], e))
        .filter_map(|v| v.number())
        .collect();
    values.sort_by(f64::total_cmp);
    let text = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    match name.as_str() {
        "count" => events
            .iter()
            .filter(|e| evaluate(&args[0], e).is_some())
            .count()
            .to_string(),
        "max" => text(values.last().copied()),
        "min" => text(values.first().copied()),
        "sum" => values.iter().sum::<f64>().to_string(),
        "avg" => {
            text((!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64))
        }
        "pct" => {
            let Some(Expr::Number(p)) = args.get(1) else {
                panic!("pct() takes a percentile")
            };
            let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
            text(values.get(rank - 1).copied())
        }
        other => panic!("the stand-in has no aggregation {other}()"),
    }
}

/// Runs `query` over `events` (time, message), as Logs Insights would: the rows, each a
/// list of (field, value) in the order the query names them.
pub fn run(query: &str, events: &[(i64, &str)]) -> Vec<Vec<(String, String)>> {
    let text: String = query
        .lines()
        .map(|line| split_outside(&format!("{line} "), '#')[0].clone())
        .collect::<Vec<_>>()
        .join(" ");
    let mut rows: Vec<Event> = events.iter().map(|(t, m)| discover(*t, m)).collect();
    let mut columns: Vec<String> = vec!["@timestamp".into(), "@message".into()];
    let mut limit = 10_000;
    for command in split_outside(&text, '|') {
        let (verb, rest) = command.split_once(' ').unwrap_or((&command, ""));
        match verb {
            "filter" => {
                let condition = expression(rest);
                rows.retain(|e| evaluate(&condition, e).is_some_and(|v| v.truth()));
            }
            "fields" => {
                let items: Vec<(Expr, String)> =
                    split_outside(rest, ',').iter().map(|i| named(i)).collect();
                for event in &mut rows {
                    for (expr, name) in &items {
                        if let Some(value) = evaluate(expr, event) {
                            event.insert(name.clone(), value);
                        }
                    }
                }
                columns = items.into_iter().map(|(_, name)| name).collect();
            }
            "stats" => {
                let (aggregations, by) = match rest.rsplit_once(" by ") {
                    Some((aggregations, by)) => (aggregations, split_outside(by, ',')),
                    None => (rest, Vec::new()),
                };
                let aggregations: Vec<(Expr, String)> = split_outside(aggregations, ',')
                    .iter()
                    .map(|i| named(i))
                    .collect();
                let mut groups: BTreeMap<Vec<String>, Vec<&Event>> = BTreeMap::new();
                for event in &rows {
                    let key = by
                        .iter()
                        .map(|f| {
                            event
                                .get(f.trim_matches('`'))
                                .map_or(String::new(), Value::text)
                        })
                        .collect();
                    groups.entry(key).or_default().push(event);
                }
                if groups.is_empty() && by.is_empty() {
                    groups.insert(Vec::new(), Vec::new());
                }
                let mut grouped = Vec::new();
                for (key, events) in &groups {
                    let mut row = Event::new();
                    for (field, value) in by.iter().zip(key) {
                        row.insert(
                            field.trim_matches('`').to_owned(),
                            Value::Text(value.clone()),
                        );
                    }
                    for (expr, name) in &aggregations {
                        row.insert(name.clone(), Value::Text(aggregate(expr, events)));
                    }
                    grouped.push(row);
                }
                columns = by.iter().map(|f| f.trim_matches('`').to_owned()).collect();
                columns.extend(aggregations.into_iter().map(|(_, name)| name));
                rows = grouped;
            }
            "sort" => {
                let mut words = rest.split_whitespace();
                let field = words.next().unwrap().trim_matches('`').to_owned();
                let descending = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
                rows.sort_by(|a, b| {
                    let (a, b) = (a.get(&field), b.get(&field));
                    let order = match (a.and_then(Value::number), b.and_then(Value::number)) {
                        (Some(x), Some(y)) => x.total_cmp(&y),
                        _ => a.map(Value::text).cmp(&b.map(Value::text)),
                    };
                    if descending {
                        order.reverse()
                    } else {
                        order
                    }
                });
            }
            "limit" => limit = rest.trim().parse().unwrap(),
            other => panic!("the stand-in has no command {other}: {query}"),
        }
    }
    rows.into_iter()
        .take(limit)
        .map(|event| {
            columns
                .iter()
                .filter_map(|c| Some((c.clone(), event.get(c)?.text())))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::run;

    const EVENTS: &[(i64, &str)] = &[
        (1000, r#"{"status":"504","route":{"method":"POST","path":"/a"},"latency":29010}"#),
        (2000, r#"{"status":"200","route":{"method":"GET","path":"/b"},"latency":10}"#),
        (3000, r#"{"status":200,"route":{"method":"GET","path":"/b"},"latency":30}"#),
        (4000, "REPORT RequestId: x\tDuration: 30000.00 ms\tMemory Size: 128 MB\tMax Memory Used: 120 MB\tInit Duration: 5.5 ms\tStatus: timeout"),
    ];

    #[test]
    fn counts_percentiles_and_groups_as_the_service_does() {
        let rows = run(
            "# per route\nfilter status >= 200 | stats count(*) as n, pct(latency, 50) as p50 by route.method, route.path | sort n desc",
            EVENTS,
        );
        assert_eq!(
            rows,
            vec![
                vec![
                    ("route.method".into(), "GET".into()),
                    ("route.path".into(), "/b".into()),
                    ("n".into(), "2".into()),
                    ("p50".into(), "10".into())
                ],
                vec![
                    ("route.method".into(), "POST".into()),
                    ("route.path".into(), "/a".into()),
                    ("n".into(), "1".into()),
                    ("p50".into(), "29010".into())
                ],
            ]
        );
        // a missing field matches no comparison, and `not` turns that round
        let count = |q: &str| run(q, EVENTS)[0][0].1.clone();
        assert_eq!(count("filter status != 504 | stats count(*) as n"), "2");
        assert_eq!(
            count("filter not (status = 504) | stats count(*) as n"),
            "3"
        );
        assert_eq!(count("filter @type = \"REPORT\" and ispresent(@initDuration) and @maxMemoryUsed * 100 >= 90 * @memorySize and @message like \"Status: timeout\" | stats count(*) as n"), "1");
        assert_eq!(count("filter status = 418 | stats count(*) as n"), "0");
        // Lambda's JSON format: nested keys by dots, array items by their index
        let json = [(
            5000,
            r#"{"time":"x","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":31000.5,"initDurationMs":800},"spans":[{"name":"responseLatency","durationMs":2.5}],"status":"timeout"}}"#,
        )];
        let rows = run(
            "filter type = \"platform.report\" and record.status = \"timeout\" and ispresent(record.metrics.initDurationMs) | stats count(*) as n, max(record.metrics.durationMs) as longest, max(record.spans.0.durationMs) as span",
            &json,
        );
        assert_eq!(
            rows,
            vec![vec![
                ("n".into(), "1".into()),
                ("longest".into(), "31000.5".into()),
                ("span".into(), "2.5".into())
            ]]
        );
        assert_eq!(run("fields @message | limit 1", EVENTS).len(), 1);
    }
}
