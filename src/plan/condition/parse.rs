//! The grammar of conditions, parsed with `winnow`:
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | primary
//! primary := "(" expr ")" | "true" | "false" | "has" name | name op literal
//! op      := "==" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "contains"
//! literal := string | integer | "true" | "false" | "[" literal ("," literal)* "]"
//! name    := [A-Za-z_][A-Za-z0-9_.]*   (not a keyword)
//! ```
//!
//! Nesting (parentheses, `not`, lists) is bounded by
//! [`MAX_DEPTH`](crate::plan::limits::MAX_DEPTH) and list literals by
//! [`MAX_LIST`](crate::plan::limits::MAX_LIST), so a hostile condition
//! cannot exhaust the stack.

use super::{Expr, Lit, Op, Var};
use crate::plan::limits::{MAX_DEPTH, MAX_LIST};
use winnow::ascii::{dec_int, multispace0};
use winnow::combinator::{alt, cut_err, delimited, not, opt, preceded, separated, terminated};
use winnow::error::{ContextError, ErrMode, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::stream::{LocatingSlice, Location};
use winnow::token::{one_of, take_while};

type In<'a> = LocatingSlice<&'a str>;

const KEYWORDS: [&str; 7] = ["and", "or", "not", "in", "contains", "has", "true"];

/// A parse failure: the byte offset where it was found and what was
/// expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// Parses `text` into a condition.
pub(crate) fn parse(text: &str) -> Result<Expr, SyntaxError> {
    delimited(ws, |i: &mut In<'_>| or_expr(i, 0), ws)
        .parse(LocatingSlice::new(text))
        .map_err(|e| {
            let message = e.inner().to_string();
            SyntaxError {
                offset: e.offset(),
                message: if message.is_empty() {
                    "unexpected input".to_owned()
                } else {
                    message.replace('\n', "; ")
                },
            }
        })
}

fn ws(i: &mut In<'_>) -> ModalResult<()> {
    multispace0.void().parse_next(i)
}

fn expected(what: &'static str) -> StrContext {
    StrContext::Expected(StrContextValue::Description(what))
}

/// A keyword, not followed by a name character (so `order` is no `or`).
fn keyword<'a>(word: &'static str) -> impl Parser<In<'a>, (), ErrMode<ContextError>> {
    terminated(
        word,
        not(one_of(|c: char| {
            c.is_ascii_alphanumeric() || c == '_' || c == '.'
        })),
    )
    .void()
}

fn too_deep(i: &mut In<'_>, depth: usize) -> ModalResult<()> {
    if depth >= MAX_DEPTH {
        let mut e = ContextError::new();
        e.push(StrContext::Label("condition: nested too deeply"));
        return Err(ErrMode::Cut(e));
    }
    let _ = i;
    Ok(())
}

fn or_expr(i: &mut In<'_>, depth: usize) -> ModalResult<Expr> {
    too_deep(i, depth)?;
    let first = and_expr(i, depth)?;
    let mut rest: Vec<Expr> = Vec::new();
    while opt(delimited(ws, keyword("or"), ws))
        .parse_next(i)?
        .is_some()
    {
        rest.push(cut_err(|i: &mut In<'_>| and_expr(i, depth)).parse_next(i)?);
    }
    Ok(if rest.is_empty() {
        first
    } else {
        rest.insert(0, first);
        Expr::Or(rest)
    })
}

fn and_expr(i: &mut In<'_>, depth: usize) -> ModalResult<Expr> {
    let first = unary(i, depth)?;
    let mut rest: Vec<Expr> = Vec::new();
    while opt(delimited(ws, keyword("and"), ws))
        .parse_next(i)?
        .is_some()
    {
        rest.push(cut_err(|i: &mut In<'_>| unary(i, depth)).parse_next(i)?);
    }
    Ok(if rest.is_empty() {
        first
    } else {
        rest.insert(0, first);
        Expr::And(rest)
    })
}

fn unary(i: &mut In<'_>, depth: usize) -> ModalResult<Expr> {
    if opt(terminated(keyword("not"), ws)).parse_next(i)?.is_some() {
        too_deep(i, depth + 1)?;
        let inner = cut_err(|i: &mut In<'_>| unary(i, depth + 1)).parse_next(i)?;
        return Ok(Expr::Not(Box::new(inner)));
    }
    primary(i, depth)
}

fn primary(i: &mut In<'_>, depth: usize) -> ModalResult<Expr> {
    alt((
        delimited(
            ('(', ws),
            cut_err(|i: &mut In<'_>| or_expr(i, depth + 1)),
            cut_err((ws, ')')).context(expected("`)`")),
        ),
        keyword("true").value(Expr::Const(true)),
        keyword("false").value(Expr::Const(false)),
        preceded(
            (keyword("has"), ws),
            cut_err(name).context(expected("a name after `has`")),
        )
        .map(Expr::Has),
        comparison,
    ))
    .context(expected(
        "a comparison, `has name`, `not`, `true`, `false` or `(`",
    ))
    .parse_next(i)
}

fn comparison(i: &mut In<'_>) -> ModalResult<Expr> {
    let var = name(i)?;
    ws(i)?;
    let op = cut_err(operator)
        .context(expected("an operator (== != < <= > >= in contains)"))
        .parse_next(i)?;
    ws(i)?;
    let lit = cut_err(|i: &mut In<'_>| literal(i, 0))
        .context(expected(
            "a literal (string, integer, true, false or [list])",
        ))
        .parse_next(i)?;
    Ok(Expr::Cmp(var, op, lit))
}

fn operator(i: &mut In<'_>) -> ModalResult<Op> {
    alt((
        "==".value(Op::Eq),
        "!=".value(Op::Ne),
        "<=".value(Op::Le),
        ">=".value(Op::Ge),
        "<".value(Op::Lt),
        ">".value(Op::Gt),
        keyword("in").value(Op::In),
        keyword("contains").value(Op::Contains),
    ))
    .parse_next(i)
}

fn name(i: &mut In<'_>) -> ModalResult<Var> {
    let offset = i.current_token_start();
    let text = (
        one_of(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., |c: char| {
            c.is_ascii_alphanumeric() || c == '_' || c == '.'
        }),
    )
        .take()
        .verify(|s: &str| !KEYWORDS.contains(&s) && s != "false")
        .parse_next(i)?;
    Ok(Var {
        name: text.to_owned(),
        offset,
    })
}

fn literal(i: &mut In<'_>, depth: usize) -> ModalResult<Lit> {
    alt((
        string.map(Lit::Text),
        dec_int.map(Lit::Number),
        keyword("true").value(Lit::Bool(true)),
        keyword("false").value(Lit::Bool(false)),
        |i: &mut In<'_>| list(i, depth),
    ))
    .parse_next(i)
}

fn list(i: &mut In<'_>, depth: usize) -> ModalResult<Lit> {
    '['.parse_next(i)?;
    too_deep(i, depth + 1)?;
    ws(i)?;
    let items: Vec<Lit> = cut_err(terminated(
        separated(
            0..=MAX_LIST,
            |i: &mut In<'_>| literal(i, depth + 1),
            (ws, ',', ws),
        ),
        (ws, ']'),
    ))
    .context(expected("a list of at most 64 literals, then `]`"))
    .parse_next(i)?;
    Ok(Lit::List(items))
}

fn string(i: &mut In<'_>) -> ModalResult<String> {
    alt((
        delimited(
            '"',
            cut_err(take_while(0.., |c: char| c != '"')),
            cut_err('"').context(expected("a closing `\"`")),
        ),
        delimited(
            '\'',
            cut_err(take_while(0.., |c: char| c != '\'')),
            cut_err('\'').context(expected("a closing `'`")),
        ),
    ))
    .map(str::to_owned)
    .parse_next(i)
}
