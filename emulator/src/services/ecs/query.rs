//! The cluster query language (ECS developer guide, "Create expressions to
//! define container instances for Amazon ECS tasks"): `subject operator
//! [argument]` with the subjects `agentConnected`, `agentVersion`,
//! `attribute:<name>`, `ec2InstanceId`, `registeredAt`,
//! `runningTasksCount` and `task:group`; the operators `==` (`equals`),
//! `!=` (`not_equals`), `>`, `>=`, `<`, `<=` (and their word forms),
//! `exists`, `!exists`, `in`, `!in` (`not_in`) with `[a, b]` or `(a, b)`,
//! `=~` (`matches`), `!~` (`not_matches`) with a Java-style regular
//! expression; joined with `and` (`&&`), `or` (`||`), `not` (`!`) and
//! parentheses. Used by ListContainerInstances' filter and `memberOf`
//! placement constraints.

use regex::Regex;

use super::common::{invalid, R};
use super::state::ContainerInstanceRec;
use crate::services::state::Ctx;
use crate::wire::Timestamp;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Op(String),
    Open,
    Close,
    ListOpen,
    ListClose,
    Comma,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

/// A parsed expression.
#[derive(Debug)]
pub(super) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cond {
        subject: String,
        op: Op,
        args: Vec<String>,
        regex: Option<Regex>,
    },
}

fn bad(why: impl std::fmt::Display) -> crate::wire::AwsError {
    // [U: ECS's wording for a malformed expression]
    invalid(format!("The cluster query expression is not valid: {why}"))
}

fn tokens(src: &str) -> R<Vec<Tok>> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        match ch {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '[' => {
                out.push(Tok::ListOpen);
                i += 1;
            }
            ']' => {
                out.push(Tok::ListClose);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '=' | '!' | '<' | '>' | '&' | '|' => {
                let start = i;
                while i < c.len() && "=!<>~&|".contains(c[i]) {
                    i += 1;
                }
                out.push(Tok::Op(c[start..i].iter().collect()));
            }
            '"' | '\'' => {
                let quote = ch;
                let start = i + 1;
                i += 1;
                while i < c.len() && c[i] != quote {
                    i += 1;
                }
                if i >= c.len() {
                    return Err(bad("an unterminated quote"));
                }
                out.push(Tok::Word(c[start..i].iter().collect()));
                i += 1;
            }
            _ => {
                let start = i;
                while i < c.len() && !" \t\n\r()[],=!<>&|".contains(c[i]) {
                    i += 1;
                }
                out.push(Tok::Word(c[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    /// Parentheses and `not`s open around the current token.
    depth: usize,
}

/// The longest expression ECS takes (a placement constraint's `expression`
/// "can have a maximum length of 2000 characters" [R: ECS API reference,
/// PlacementConstraint]; a ListContainerInstances `filter` is held to the same).
const MAX_LENGTH: usize = 2000;
/// How deep parentheses and `not` may nest: the parser and the matcher
/// recurse, and a client's expression must not exhaust a worker's stack
/// [U: ECS's own limit].
const MAX_DEPTH: usize = 32;
/// Conditions joined by `and`/`or`, at most (the tree they make is walked
/// recursively too) [U].
const MAX_CONDITIONS: usize = 100;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn is_word(&self, w: &[&str]) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if w.contains(&x.to_ascii_lowercase().as_str()))
            || matches!(self.peek(), Some(Tok::Op(x)) if w.contains(&x.as_str()))
    }

    fn or(&mut self) -> R<Expr> {
        let mut left = self.and()?;
        while self.is_word(&["or", "||"]) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> R<Expr> {
        let mut left = self.unary()?;
        while self.is_word(&["and", "&&"]) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> R<Expr> {
        if self.is_word(&["not", "!"]) || self.peek() == Some(&Tok::Open) {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(bad(format!(
                    "parentheses and 'not' nest deeper than {MAX_DEPTH} levels"
                )));
            }
            let e = if self.peek() == Some(&Tok::Open) {
                self.at += 1;
                let e = self.or()?;
                if self.next() != Some(Tok::Close) {
                    return Err(bad("a missing ')'"));
                }
                e
            } else {
                self.at += 1;
                Expr::Not(Box::new(self.unary()?))
            };
            self.depth -= 1;
            return Ok(e);
        }
        self.condition()
    }

    fn operator(&mut self) -> R<Op> {
        let t = self.next().ok_or_else(|| bad("an operator is missing"))?;
        let text = match &t {
            Tok::Word(w) => w.to_ascii_lowercase(),
            Tok::Op(o) => o.clone(),
            _ => return Err(bad("an operator is missing")),
        };
        // `!exists`, `!in`: the `!` comes as its own token.
        if text == "!" {
            return match self.next() {
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("exists") => Ok(Op::NotExists),
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => Ok(Op::NotIn),
                _ => Err(bad("'!' must be followed by exists or in")),
            };
        }
        Ok(match text.as_str() {
            "==" | "equals" => Op::Eq,
            "!=" | "not_equals" => Op::Ne,
            ">" | "greater_than" => Op::Gt,
            ">=" | "greater_than_equal" => Op::Ge,
            "<" | "less_than" => Op::Lt,
            "<=" | "less_than_equal" => Op::Le,
            "exists" => Op::Exists,
            "not_exists" => Op::NotExists,
            "in" => Op::In,
            "not_in" => Op::NotIn,
            "=~" | "matches" => Op::Matches,
            "!~" | "not_matches" => Op::NotMatches,
            o => return Err(bad(format!("unknown operator '{o}'"))),
        })
    }

    fn list(&mut self) -> R<Vec<String>> {
        let close = match self.next() {
            Some(Tok::ListOpen) => Tok::ListClose,
            Some(Tok::Open) => Tok::Close,
            _ => return Err(bad("in and not_in take a list: [a, b]")),
        };
        let mut out = Vec::new();
        loop {
            match self.next() {
                Some(Tok::Word(w)) => out.push(w),
                Some(t) if t == close && out.is_empty() => break,
                _ => return Err(bad("a list item is missing")),
            }
            match self.next() {
                Some(Tok::Comma) => {}
                Some(t) if t == close => break,
                _ => return Err(bad("a list must end with ']'")),
            }
        }
        Ok(out)
    }

    fn condition(&mut self) -> R<Expr> {
        let subject = match self.next() {
            Some(Tok::Word(w)) => w,
            _ => return Err(bad("a subject is missing")),
        };
        let known = subject.starts_with("attribute:")
            || matches!(
                subject.as_str(),
                "agentConnected"
                    | "agentVersion"
                    | "ec2InstanceId"
                    | "registeredAt"
                    | "runningTasksCount"
                    | "task:group"
            );
        if !known {
            return Err(bad(format!("unknown subject '{subject}'")));
        }
        let op = self.operator()?;
        let args = match op {
            Op::Exists | Op::NotExists => vec![],
            Op::In | Op::NotIn => self.list()?,
            _ => match self.next() {
                Some(Tok::Word(w)) => vec![w],
                _ => return Err(bad("an argument is missing")),
            },
        };
        let regex = match op {
            Op::Matches | Op::NotMatches => Some(
                Regex::new(&format!("^(?:{})$", args[0]))
                    .map_err(|e| bad(format!("bad pattern: {e}")))?,
            ),
            _ => None,
        };
        Ok(Expr::Cond {
            subject,
            op,
            args,
            regex,
        })
    }
}

pub(super) fn parse(src: &str) -> R<Expr> {
    if src.chars().count() > MAX_LENGTH {
        return Err(invalid(format!(
            "The cluster query expression is too long: it can have at most {MAX_LENGTH} characters."
        )));
    }
    let toks = tokens(src)?;
    let joins = toks
        .iter()
        .filter(|t| match t {
            Tok::Word(w) => w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or"),
            Tok::Op(o) => o == "&&" || o == "||",
            _ => false,
        })
        .count();
    if joins >= MAX_CONDITIONS {
        return Err(bad(format!(
            "it joins more than {MAX_CONDITIONS} conditions with 'and' or 'or'"
        )));
    }
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let e = p.or()?;
    if p.at < p.toks.len() {
        return Err(bad("unexpected text after the expression"));
    }
    Ok(e)
}

/// Parses `src` and evaluates it against one container instance with these
/// attributes (its other facts fixed): the entry point of the
/// `cluster_query` fuzz target and its stable replay.
#[doc(hidden)]
pub fn evaluate(src: &str, attributes: Vec<(String, Option<String>)>) -> R<bool> {
    let e = parse(src)?;
    let f = Facts {
        attributes,
        ec2_instance_id: "i-0123456789abcdef0".into(),
        agent_connected: true,
        agent_version: "1.88.0".into(),
        registered_at: Timestamp::from_millis(1_732_096_800_000),
        running_tasks: 2,
        task_groups: vec!["service:web".into(), "family:job".into()],
    };
    Ok(matches(&e, &f))
}

/// What an expression can ask of a container instance.
pub(super) struct Facts {
    pub attributes: Vec<(String, Option<String>)>,
    pub ec2_instance_id: String,
    pub agent_connected: bool,
    pub agent_version: String,
    pub registered_at: Timestamp,
    pub running_tasks: usize,
    /// The groups of its tasks that have not stopped.
    pub task_groups: Vec<String>,
}

pub(super) fn facts(
    ctx: &Ctx,
    ci: &ContainerInstanceRec,
    memo: &mut super::agent_network::Memo,
) -> Facts {
    let st = &ctx.acct().ecs;
    let live: Vec<_> = ci
        .tasks
        .iter()
        .filter_map(|t| st.tasks.get(t))
        .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
        .collect();
    Facts {
        attributes: ci
            .attributes
            .iter()
            .map(|a| (a.name.clone().unwrap_or_default(), a.value.clone()))
            .collect(),
        ec2_instance_id: ci.ec2_instance_id.clone(),
        agent_connected: super::agent_network::connected(ctx, ci, memo),
        agent_version: ci.version_info.agent_version.clone().unwrap_or_default(),
        registered_at: ci.registered_at,
        running_tasks: live
            .iter()
            .filter(|t| t.model.last_status.as_deref() == Some("RUNNING"))
            .count(),
        task_groups: live
            .iter()
            .filter_map(|t| t.model.shape.group.clone())
            .collect(),
    }
}

/// Compares as numbers, versions (`1.25.1`) or dates when both sides are
/// ones, else as text.
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    let version = |s: &str| -> Option<Vec<u64>> { s.split('.').map(|p| p.parse().ok()).collect() };
    if let (Some(x), Some(y)) = (version(a), version(b)) {
        return x.cmp(&y);
    }
    let date =
        |s: &str| Timestamp::parse(s).or_else(|| Timestamp::parse(&format!("{s}T00:00:00Z")));
    if let (Some(x), Some(y)) = (date(a), date(b)) {
        return x.cmp(&y);
    }
    a.cmp(b)
}

fn values(f: &Facts, subject: &str) -> Vec<String> {
    match subject {
        "agentConnected" => vec![f.agent_connected.to_string()],
        "agentVersion" => vec![f.agent_version.clone()],
        "ec2InstanceId" => vec![f.ec2_instance_id.clone()],
        "registeredAt" => vec![f.registered_at.to_iso8601()],
        "runningTasksCount" => vec![f.running_tasks.to_string()],
        "task:group" => f.task_groups.clone(),
        _ => {
            let name = subject.trim_start_matches("attribute:");
            f.attributes
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.clone().unwrap_or_default())
                .collect()
        }
    }
}

pub(super) fn matches(e: &Expr, f: &Facts) -> bool {
    match e {
        Expr::And(a, b) => matches(a, f) && matches(b, f),
        Expr::Or(a, b) => matches(a, f) || matches(b, f),
        Expr::Not(a) => !matches(a, f),
        Expr::Cond {
            subject,
            op,
            args,
            regex,
        } => {
            let vals = values(f, subject);
            let any = |p: &dyn Fn(&str) -> bool| vals.iter().any(|v| p(v));
            use std::cmp::Ordering::*;
            match op {
                Op::Exists => !vals.is_empty(),
                Op::NotExists => vals.is_empty(),
                Op::Eq => any(&|v| compare(v, &args[0]) == Equal),
                Op::Ne => !any(&|v| compare(v, &args[0]) == Equal),
                Op::Gt => any(&|v| compare(v, &args[0]) == Greater),
                Op::Ge => any(&|v| compare(v, &args[0]) != Less),
                Op::Lt => any(&|v| compare(v, &args[0]) == Less),
                Op::Le => any(&|v| compare(v, &args[0]) != Greater),
                Op::In => any(&|v| args.iter().any(|a| a == v)),
                Op::NotIn => !any(&|v| args.iter().any(|a| a == v)),
                Op::Matches => regex.as_ref().is_some_and(|r| any(&|v| r.is_match(v))),
                Op::NotMatches => !regex.as_ref().is_some_and(|r| any(&|v| r.is_match(v))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            attributes: vec![
                ("ecs.instance-type".into(), Some("t3.micro".into())),
                ("ecs.availability-zone".into(), Some("us-east-1a".into())),
                ("stack".into(), Some("prod".into())),
                ("ecs.capability.task-eni".into(), None),
            ],
            ec2_instance_id: "i-0abc".into(),
            agent_connected: true,
            agent_version: "1.88.0".into(),
            registered_at: Timestamp::parse("2024-11-20T10:00:00Z").unwrap(),
            running_tasks: 2,
            task_groups: vec!["service:web".into(), "family:job".into()],
        }
    }

    #[test]
    fn deep_or_long_expressions_are_refused_not_recursed_into() {
        let deep = format!("{}attribute:a == b{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep).is_err());
        let nots = format!("{}attribute:a exists", "not ".repeat(40));
        assert!(parse(&nots).is_err());
        let chain = vec!["attribute:a == b"; 120].join(" or ");
        assert!(parse(&chain).is_err());
        let long = format!("attribute:a == {}", "b".repeat(2000));
        assert!(parse(&long).is_err());
        let fine = format!("{}attribute:a == b{}", "(".repeat(30), ")".repeat(30));
        assert!(parse(&fine).is_ok());
        assert!(parse(&vec!["attribute:a == b"; 50].join(" and ")).is_ok());
    }

    #[test]
    fn expressions_of_the_guide() {
        let f = facts();
        let yes = [
            "attribute:ecs.instance-type == t3.micro",
            "attribute:ecs.instance-type =~ t3.*",
            "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]",
            "attribute:ecs.availability-zone not_in (us-east-1c)",
            "attribute:ecs.availability-zone !in [us-east-1c]",
            "attribute:ecs.capability.task-eni exists",
            "attribute:gpu !exists",
            "task:group == service:web",
            "not(task:group == database)",
            "runningTasksCount > 1 and agentConnected == true",
            "agentVersion >= 1.25.1",
            "registeredAt < 2025-01-01",
            "ec2InstanceId in ['i-0abc'] || attribute:stack == nope",
            "attribute:stack == prod && (runningTasksCount == 0 or agentVersion != 1.0.0)",
        ];
        for q in yes {
            assert!(matches(&parse(q).unwrap(), &f), "{q}");
        }
        let no = [
            "attribute:ecs.instance-type == t2.micro",
            "attribute:ecs.instance-type !~ t3.*",
            "agentVersion < 1.25.1",
            "runningTasksCount == 0",
            "task:group == service:api",
        ];
        for q in no {
            assert!(!matches(&parse(q).unwrap(), &f), "{q}");
        }
        for q in [
            "",
            "nosuch == 1",
            "attribute:x ==",
            "attribute:x in [a",
            "(a == b",
        ] {
            assert!(parse(q).is_err(), "{q}");
        }
    }
}
