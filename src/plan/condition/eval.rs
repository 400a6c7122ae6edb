//! Evaluation of a parsed condition against an environment of named values.

use super::{Expr, Lit, Op};

/// A value an environment hands to a condition, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Number(i64),
    /// A string.
    Text(&'a str),
    /// A list of strings.
    List(&'a [String]),
}

/// Where a condition reads its names: a conversation's attributes, or a
/// pool's live counts.
pub trait Env {
    /// The value named `name`, or `None` when absent.
    fn get(&self, name: &str) -> Option<Value<'_>>;
}

impl Expr {
    /// Whether the condition holds in `env`. Bounded by the tree's size
    /// (the condition's length, checked at load).
    pub fn eval(&self, env: &dyn Env) -> bool {
        match self {
            Expr::Const(b) => *b,
            Expr::Not(e) => !e.eval(env),
            Expr::And(es) => es.iter().all(|e| e.eval(env)),
            Expr::Or(es) => es.iter().any(|e| e.eval(env)),
            Expr::Has(v) => env.get(&v.name).is_some(),
            Expr::Cmp(v, op, lit) => env
                .get(&v.name)
                .is_some_and(|value| compare(value, *op, lit)),
        }
    }
}

fn equals(value: Value<'_>, lit: &Lit) -> bool {
    match (value, lit) {
        (Value::Bool(a), Lit::Bool(b)) => a == *b,
        (Value::Number(a), Lit::Number(b)) => a == *b,
        (Value::Text(a), Lit::Text(b)) => a == b,
        (Value::List(a), Lit::List(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| matches!(y, Lit::Text(y) if x == y))
        }
        _ => false,
    }
}

fn compare(value: Value<'_>, op: Op, lit: &Lit) -> bool {
    match op {
        Op::Eq => equals(value, lit),
        Op::Ne => !equals(value, lit),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let (Value::Number(a), Lit::Number(b)) = (value, lit) else {
                return false;
            };
            match op {
                Op::Lt => a < *b,
                Op::Le => a <= *b,
                Op::Gt => a > *b,
                _ => a >= *b,
            }
        }
        Op::In => match lit {
            Lit::List(items) => items.iter().any(|item| equals(value, item)),
            _ => false,
        },
        Op::Contains => match (value, lit) {
            (Value::List(items), Lit::Text(t)) => items.iter().any(|i| i == t),
            (Value::Text(s), Lit::Text(t)) => s.contains(t.as_str()),
            _ => false,
        },
    }
}
