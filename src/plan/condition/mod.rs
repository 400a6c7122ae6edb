//! Conditions: the expression language of a route's `when` and a step's
//! `skip_if`, TaskRouter's operator set (`== != < <= > >= in contains has
//! and or not`, parentheses) over named values. Parsed once, at load,
//! with `winnow` (`parse.rs`); evaluated per conversation by a walk of a
//! tree bounded by [`MAX_DEPTH`](super::limits::MAX_DEPTH) and the
//! condition's length.
//!
//! Semantics: a comparison with a value that is absent or of another type
//! is false (so `not (x == 1)` holds when `x` is absent); `has x` holds
//! when `x` is present; `x in [..]` holds when `x` equals an item;
//! `x contains v` holds when the list `x` has the item `v` or the string
//! `x` has the substring `v`.

mod eval;
mod parse;

pub use eval::{Env, Value};
pub(crate) use parse::parse;

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A constant (`true`, `false`).
    Const(bool),
    /// `not e`.
    Not(Box<Expr>),
    /// `a and b and ...`.
    And(Vec<Expr>),
    /// `a or b or ...`.
    Or(Vec<Expr>),
    /// `has name`.
    Has(Var),
    /// `name op literal`.
    Cmp(Var, Op, Lit),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `contains`
    Contains,
}

/// A literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lit {
    /// `true`, `false`.
    Bool(bool),
    /// A whole number.
    Number(i64),
    /// `"text"` or `'text'`.
    Text(String),
    /// `[lit, ...]`.
    List(Vec<Lit>),
}

/// A named value, with where it starts in the condition (byte offset).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    /// The name.
    pub name: String,
    /// Byte offset in the condition.
    pub offset: usize,
}

impl Expr {
    /// Every name the condition reads.
    pub fn vars(&self) -> Vec<&Var> {
        let mut out = Vec::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars<'a>(&'a self, out: &mut Vec<&'a Var>) {
        match self {
            Expr::Const(_) => {}
            Expr::Not(e) => e.collect_vars(out),
            Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| e.collect_vars(out)),
            Expr::Has(v) | Expr::Cmp(v, _, _) => out.push(v),
        }
    }

    /// The constant the condition always has, if decidable from its shape
    /// alone (`true`, `false`, and `and`/`or`/`not` of those).
    pub fn constant(&self) -> Option<bool> {
        match self {
            Expr::Const(b) => Some(*b),
            Expr::Not(e) => e.constant().map(|b| !b),
            Expr::And(es) => {
                let mut all = true;
                for e in es {
                    match e.constant() {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => all = false,
                    }
                }
                all.then_some(true)
            }
            Expr::Or(es) => {
                let mut all = true;
                for e in es {
                    match e.constant() {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => all = false,
                    }
                }
                all.then_some(false)
            }
            Expr::Has(_) | Expr::Cmp(..) => None,
        }
    }
}
