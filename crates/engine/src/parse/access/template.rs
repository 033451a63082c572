//! Access-log format templates: the stage's `$context` format string, as pasted from the
//! console, Terraform or CloudFormation, and the console's presets.

use super::fields::{field_of_variable, Field};
use super::json;

/// The console's presets for formats that carry no names (REST and HTTP API; AWS developer
/// guide, "set-up-logging" and "http-api-logging"). JSON and XML presets need none: their
/// names say what each value is.
pub(crate) const PRESETS: [(&str, &str); 4] = [
    (
        "REST CLF",
        "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId $context.extendedRequestId",
    ),
    (
        "HTTP CLF",
        "$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey $context.protocol\" $context.status $context.responseLength $context.requestId",
    ),
    (
        "REST CSV",
        "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId",
    ),
    (
        "HTTP CSV",
        "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId",
    ),
];

/// A parsed format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// What the template is, for the inputs report ("REST CLF", "custom JSON", ...).
    pub(crate) label: String,
    pub(crate) shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// JSON or XML: each value carries a name; the template says which name is which field.
    Named(Vec<(Vec<u8>, Field)>),
    /// Anything else: literal text between values, matched in order.
    Positional(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Literal(Vec<u8>),
    /// A `$context` variable; `None` for one the analysis does not read.
    Value(Option<Field>),
}

/// The template could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("access-log format: {0}")]
pub struct TemplateError(String);

impl Template {
    /// Parses a format string. Line continuations (`\` at the end of a line, as the AWS
    /// documentation prints formats) and surrounding quotes are removed first.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let joined: String = text
            .lines()
            .map(|line| line.trim_end().trim_end_matches('\\').trim())
            .collect::<Vec<_>>()
            .join(" ");
        let text = joined.trim();
        if !text.contains("$context.") {
            return Err(TemplateError(format!(
                "'{}' holds no $context variable",
                text.chars().take(60).collect::<String>()
            )));
        }
        if text.starts_with('{') {
            return Self::named_json(text);
        }
        if text.starts_with('<') {
            return Ok(Self::named_xml(text));
        }
        Ok(Template {
            label: "custom format".to_owned(),
            shape: Shape::Positional(tokens(text)),
        })
    }

    pub(crate) fn preset(label: &str, text: &str) -> Template {
        Template {
            label: label.to_owned(),
            shape: Shape::Positional(tokens(text)),
        }
    }

    /// `{"rid":"$context.requestId", "lat": $context.responseLatency, ...}`, nested or not.
    fn named_json(text: &str) -> Result<Template, TemplateError> {
        let mut names = Vec::new();
        json::scan(text.as_bytes(), &mut |name, value| {
            let value = String::from_utf8_lossy(value.raw);
            if let Some(field) = variable_in(&value).and_then(field_of_variable) {
                names.push((name.to_vec(), field));
            }
        })
        .map_err(|_| TemplateError("the JSON template is not a JSON object".to_owned()))?;
        Ok(Template {
            label: "JSON (format given)".to_owned(),
            shape: Shape::Named(names),
        })
    }

    /// `<request id="$context.requestId"><ip>$context.identity.sourceIp</ip>...</request>`.
    fn named_xml(text: &str) -> Template {
        let mut names = Vec::new();
        super::xml::scan(text.as_bytes(), &mut |name, value| {
            let value = String::from_utf8_lossy(value);
            if let Some(field) = variable_in(&value).and_then(field_of_variable) {
                names.push((name.to_vec(), field));
            }
        });
        Template {
            label: "XML (format given)".to_owned(),
            shape: Shape::Named(names),
        }
    }

    /// The field a normalized name stands for in a named template.
    pub(crate) fn field_named(names: &[(Vec<u8>, Field)], name: &[u8]) -> Option<Field> {
        names
            .iter()
            .find(|(known, _)| known.as_slice() == name)
            .map(|(_, field)| *field)
    }
}

/// The variable name in a value such as `$context.status` or `"$context.error.message"`.
fn variable_in(value: &str) -> Option<&str> {
    let start = value.find("$context.")? + "$context.".len();
    let rest = &value[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches('.'))
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("$context.") {
        if at > 0 {
            tokens.push(Token::Literal(rest.as_bytes()[..at].to_vec()));
        }
        let after = &rest[at + "$context.".len()..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(after.len());
        let variable = after[..len].trim_end_matches('.');
        tokens.push(Token::Value(field_of_variable(variable)));
        rest = &after[variable.len()..];
    }
    if !rest.is_empty() {
        tokens.push(Token::Literal(rest.as_bytes().to_vec()));
    }
    tokens
}

/// Matches a line against a positional template, calling `visit` for each value the
/// analysis reads. False if the line does not have the template's shape.
pub(crate) fn match_positional<'a>(
    tokens: &[Token],
    line: &'a [u8],
    visit: &mut impl FnMut(Field, &'a [u8]),
) -> bool {
    let line = line.trim_ascii();
    let mut pos = 0;
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            Token::Literal(literal) => {
                let literal = trim_edges(literal, index == 0, index + 1 == tokens.len());
                if !line[pos..].starts_with(literal) {
                    return false;
                }
                pos += literal.len();
            }
            Token::Value(field) => {
                let next = tokens.get(index + 1);
                let (value, end) = match next {
                    None => (line[pos..].trim_ascii_end(), line.len()),
                    Some(Token::Literal(literal)) => {
                        let literal = trim_edges(literal, false, index + 2 == tokens.len());
                        // A route key is "METHOD /path": its own space is not a separator.
                        let from = if *field == Some(Field::RouteKey) {
                            skip_method_word(line, pos)
                        } else {
                            pos
                        };
                        match find_value_end(line, from, literal) {
                            Some(end) => (&line[pos..end], end),
                            None => return false,
                        }
                    }
                    // Two variables with nothing between: the first is unknowable; give it
                    // nothing and let the next take the text.
                    Some(Token::Value(_)) => (&line[pos..pos], pos),
                };
                if let Some(field) = field {
                    let value = unquote_csv(value);
                    // A resource path starts with `/`: a line whose value there does not is of
                    // another layout (an HTTP API's route key, `GET /x`, read by a REST preset).
                    if *field == Field::ResourcePath && !value.starts_with(b"/") && value != b"-" {
                        return false;
                    }
                    visit(*field, value);
                }
                pos = end;
            }
        }
        index += 1;
    }
    true
}

/// Past `GET ` (any upper-case word and a space) at `pos`, else `pos`.
fn skip_method_word(line: &[u8], pos: usize) -> usize {
    let word = line[pos..]
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    if (3..=7).contains(&word) && line.get(pos + word) == Some(&b' ') {
        pos + word + 1
    } else {
        pos
    }
}

/// Spaces at the very start or end of a template mean nothing in a log line.
fn trim_edges(literal: &[u8], first: bool, last: bool) -> &[u8] {
    let mut literal = literal;
    if first {
        literal = literal.trim_ascii_start();
    }
    if last {
        literal = literal.trim_ascii_end();
    }
    literal
}

/// Where a value starting at `pos` ends: at the next `literal`, skipping a CSV-quoted value
/// (`"a, b"`) whole when the literal is a comma.
fn find_value_end(line: &[u8], pos: usize, literal: &[u8]) -> Option<usize> {
    if literal.is_empty() {
        return Some(line.len());
    }
    let mut from = pos;
    if literal.starts_with(b",") && line.get(pos) == Some(&b'"') {
        let mut i = pos + 1;
        while i < line.len() {
            if line[i] == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                from = i + 1;
                break;
            }
            i += 1;
        }
    }
    find_separator(&line[from..], literal).map(|offset| from + offset)
}

/// Where `separator` first occurs in `text`. Separators are a few bytes: finding their first
/// byte with memchr and comparing the rest beats building a substring searcher per value.
fn find_separator(text: &[u8], separator: &[u8]) -> Option<usize> {
    let (&first, rest) = separator.split_first()?;
    let mut at = 0;
    while let Some(offset) = memchr::memchr(first, &text[at..]) {
        let start = at + offset;
        if text[start + 1..].starts_with(rest) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

fn unquote_csv(value: &[u8]) -> &[u8] {
    if value.len() >= 2 && value.starts_with(b"\"") && value.ends_with(b"\"") {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_separator_is_found_past_its_first_byte_alone() {
        assert_eq!(find_separator(b"a] b] \"c", b"] \""), Some(4));
        assert_eq!(find_separator(b"abc", b" "), None);
        assert_eq!(find_separator(b"ab ", b" "), Some(2));
        assert_eq!(find_separator(b"ab", b"b c"), None);
    }

    fn read(template: &Template, line: &str) -> Option<Vec<(Field, String)>> {
        let Shape::Positional(tokens) = &template.shape else {
            panic!("positional template expected")
        };
        let mut out = Vec::new();
        let matched = match_positional(tokens, line.as_bytes(), &mut |field, value| {
            out.push((field, String::from_utf8_lossy(value).into_owned()))
        });
        matched.then_some(out)
    }

    #[test]
    fn the_rest_clf_preset_reads_a_clf_line() {
        let template = Template::preset(PRESETS[0].0, PRESETS[0].1);
        let line = r#"203.0.113.9 - - [06/Mar/2026:09:00:00 +0000] "POST /api/reports/generate HTTP/1.1" 504 41 9ef13ba6-b5be extId="#;
        let fields = read(&template, line).unwrap();
        assert!(fields.contains(&(Field::Status, "504".to_owned())));
        assert!(fields.contains(&(Field::ResourcePath, "/api/reports/generate".to_owned())));
        assert!(fields.contains(&(Field::RequestTime, "06/Mar/2026:09:00:00 +0000".to_owned())));
        assert!(read(&template, "START RequestId: x").is_none());
    }

    #[test]
    fn a_pasted_multiline_template_with_continuations() {
        let text = "$context.identity.sourceIp $context.identity.caller  \\\n$context.identity.user [$context.requestTime] \\\n\"$context.httpMethod $context.resourcePath $context.protocol\" \\\n$context.status $context.responseLength $context.requestId $context.responseLatency $context.integrationLatency $context.error.responseType";
        let template = Template::parse(text).unwrap();
        let line = r#"203.0.113.9 - - [06/Mar/2026:09:00:00 +0000] "GET /orders HTTP/1.1" 504 41 id1 29012 - INTEGRATION_TIMEOUT"#;
        let fields = read(&template, line).unwrap();
        assert!(fields.contains(&(Field::IntegrationLatency, "-".to_owned())));
        assert!(fields.contains(&(Field::ResponseLatency, "29012".to_owned())));
        assert!(fields.contains(&(Field::ErrorResponseType, "INTEGRATION_TIMEOUT".to_owned())));
    }

    #[test]
    fn csv_values_may_be_quoted() {
        let template =
            Template::parse("$context.status,$context.error.message,$context.requestId").unwrap();
        let fields = read(&template, r#"504,"Endpoint request timed out, again",r1"#).unwrap();
        assert_eq!(
            fields[1],
            (
                Field::ErrorMessage,
                "Endpoint request timed out, again".to_owned()
            )
        );
        assert_eq!(fields[2], (Field::RequestId, "r1".to_owned()));
    }

    #[test]
    fn named_templates_map_their_own_names() {
        let template = Template::parse(r#"{"rid":"$context.requestId","lat": $context.integration.latency, "inner": {"code":"$context.status"}}"#).unwrap();
        let Shape::Named(names) = &template.shape else {
            panic!()
        };
        assert_eq!(Template::field_named(names, b"rid"), Some(Field::RequestId));
        assert_eq!(
            Template::field_named(names, b"lat"),
            Some(Field::IntegrationLatency)
        );
        assert_eq!(
            Template::field_named(names, b"innercode"),
            Some(Field::Status)
        );

        let xml = Template::parse(
            r#"<request id="$context.requestId"><code>$context.status</code></request>"#,
        )
        .unwrap();
        let Shape::Named(names) = &xml.shape else {
            panic!()
        };
        assert_eq!(
            Template::field_named(names, b"requestid"),
            Some(Field::RequestId)
        );
        assert_eq!(Template::field_named(names, b"code"), Some(Field::Status));
    }

    #[test]
    fn text_without_variables_is_no_template() {
        assert!(Template::parse("hello").is_err());
    }
}
