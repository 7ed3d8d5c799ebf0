//! Reading a scenario file: YAML (or JSON, a subset of it) into a JSON
//! value, keeping the line of every node, so that any error can name the
//! file, the line and the field.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A scenario document and where each of its fields stands.
#[derive(Debug, Clone)]
pub struct Source {
    pub file: String,
    pub value: Value,
    /// Field path (`accounts[0].regions.us-east-1.vpcs[1].cidr`) → line (1-based).
    pub lines: HashMap<String, usize>,
}

impl Source {
    /// The line of `path`, or of its nearest ancestor that has one.
    pub fn line_of(&self, path: &str) -> usize {
        let mut p = path.to_string();
        loop {
            if let Some(l) = self.lines.get(&p) {
                return *l;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => return 1,
            }
        }
    }
}

enum Frame {
    Seq(Vec<Value>),
    Map(Map<String, Value>, Option<String>),
}

struct Builder {
    stack: Vec<(Frame, String)>,
    root: Option<Value>,
    lines: HashMap<String, usize>,
    anchors: HashMap<usize, Value>,
    pending_anchor: Vec<usize>,
    error: Option<String>,
}

fn scalar(text: &str, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = text.parse::<i64>() {
                return Value::Number(i.into());
            }
            if text.contains('.') {
                if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
                    return Value::Number(n);
                }
            }
            Value::String(text.to_string())
        }
    }
}

impl Builder {
    /// The path of the next value to be placed.
    fn next_path(&self) -> String {
        match self.stack.last() {
            None => String::new(),
            Some((Frame::Seq(items), path)) => format!("{path}[{}]", items.len()),
            Some((Frame::Map(_, Some(key)), path)) => {
                if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                }
            }
            Some((Frame::Map(_, None), path)) => path.clone(),
        }
    }

    fn place(&mut self, v: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(v),
            Some((Frame::Seq(items), _)) => items.push(v),
            Some((Frame::Map(map, key), _)) => match key.take() {
                Some(k) => {
                    map.insert(k, v);
                }
                None => match v {
                    Value::String(k) => *key = Some(k),
                    Value::Null => *key = Some(String::new()),
                    other => *key = Some(other.to_string()),
                },
            },
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some((Frame::Map(_, None), _)))
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line().max(1);
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                let key = self.expecting_key();
                let v = if key {
                    Value::String(text)
                } else {
                    scalar(&text, style)
                };
                if !key {
                    let path = self.next_path();
                    self.lines.entry(path).or_insert(line);
                } else {
                    // A key's line is its value's line.
                    let parent = self
                        .stack
                        .last()
                        .map(|(_, p)| p.clone())
                        .unwrap_or_default();
                    let path = if parent.is_empty() {
                        v.as_str().unwrap_or("").to_string()
                    } else {
                        format!("{parent}.{}", v.as_str().unwrap_or(""))
                    };
                    self.lines.insert(path, line);
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, v.clone());
                }
                self.place(v);
            }
            Event::SequenceStart(anchor, _) => {
                let path = self.next_path();
                self.lines.entry(path.clone()).or_insert(line);
                self.pending_anchor.push(anchor);
                self.stack.push((Frame::Seq(Vec::new()), path));
            }
            Event::MappingStart(anchor, _) => {
                let path = self.next_path();
                self.lines.entry(path.clone()).or_insert(line);
                self.pending_anchor.push(anchor);
                self.stack.push((Frame::Map(Map::new(), None), path));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((frame, _)) = self.stack.pop() {
                    let v = match frame {
                        Frame::Seq(items) => Value::Array(items),
                        Frame::Map(map, _) => Value::Object(map),
                    };
                    if let Some(a) = self.pending_anchor.pop().filter(|a| *a > 0) {
                        self.anchors.insert(a, v.clone());
                    }
                    self.place(v);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(v) => self.place(v),
                None => self.error = Some(format!("line {line}: unknown alias")),
            },
            _ => {}
        }
    }
}

/// Parses `text` (YAML or JSON) read from `file`.
pub fn parse(file: &str, text: &str) -> Result<Source, String> {
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        lines: HashMap::new(),
        anchors: HashMap::new(),
        pending_anchor: Vec::new(),
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| {
        format!(
            "{file}:{}: (syntax): {} at column {}",
            e.marker().line().max(1),
            e.info(),
            e.marker().col() + 1
        )
    })?;
    if let Some(e) = b.error {
        return Err(format!("{file}: {e}"));
    }
    Ok(Source {
        file: file.to_string(),
        value: b.root.unwrap_or(Value::Null),
        lines: b.lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_lines() {
        let s = parse(
            "t.yaml",
            "version: 1\naccounts:\n  - id: \"111111111111\"\n    regions:\n      us-east-1:\n        vpcs:\n          - name: a\n            cidr: 10.0.0.0/16\n            dnsHostnames: true\n",
        )
        .unwrap();
        assert_eq!(s.value["version"], 1);
        assert_eq!(s.value["accounts"][0]["id"], "111111111111");
        let vpc = &s.value["accounts"][0]["regions"]["us-east-1"]["vpcs"][0];
        assert_eq!(vpc["dnsHostnames"], true);
        assert_eq!(s.line_of("accounts[0].regions.us-east-1.vpcs[0].cidr"), 8);
        assert_eq!(s.line_of("accounts[0].regions.us-east-1.vpcs[0].nope"), 7);
        let err = parse("bad.yaml", "a: 1\nb: c: d\ne: 2\n").unwrap_err();
        assert!(err.starts_with("bad.yaml:2: (syntax): "), "{err}");
        let j = parse("t.json", "{\"version\": 1, \"accounts\": []}").unwrap();
        assert_eq!(j.value["version"], 1);
    }
}
