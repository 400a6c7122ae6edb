//! Shadowed routes, where that is decidable from the conditions' shapes:
//! a later route is shadowed when every conversation it would take is
//! taken by an earlier one. Decided for an earlier default route, an
//! earlier condition that is always true, and conjunctions of comparisons
//! (`a and b` shadows `a and b and c`; `x in [1, 2]` shadows `x == 1`);
//! anything else is left alone (no false alarms).

use super::compiled::CRoute;
use super::condition::{Expr, Lit, Op};
use super::document::RouteDef;
use super::problem::PlanProblem;

/// A condition as alternatives of conjunctions of atoms (`Has` or `Cmp`),
/// when it has that shape.
fn disjuncts(expr: &Expr) -> Option<Vec<Vec<&Expr>>> {
    match expr {
        Expr::Or(es) => es.iter().map(conjunction).collect(),
        other => conjunction(other).map(|c| vec![c]),
    }
}

fn conjunction(expr: &Expr) -> Option<Vec<&Expr>> {
    match expr {
        Expr::And(es) => es.iter().map(|e| atom(e).then_some(e)).collect(),
        e if atom(e) => Some(vec![e]),
        _ => None,
    }
}

fn atom(expr: &Expr) -> bool {
    matches!(expr, Expr::Has(_) | Expr::Cmp(..))
}

/// Whether atom `b` holding implies atom `a` holding.
fn implies(b: &Expr, a: &Expr) -> bool {
    match (b, a) {
        (Expr::Cmp(vb, ob, lb), Expr::Cmp(va, oa, la)) if vb.name == va.name => {
            (ob == oa && lb == la)
                || (*ob == Op::Eq
                    && *oa == Op::In
                    && matches!(la, Lit::List(items) if items.contains(lb)))
        }
        // A comparison holds only on a present value.
        (Expr::Cmp(vb, _, _) | Expr::Has(vb), Expr::Has(va)) => vb.name == va.name,
        _ => false,
    }
}

/// The shadowed routes of `routes` (compiled as `compiled`, same order).
/// Each later route is compared with the earlier routes whose condition
/// has the conjunctive shape (the others decide nothing), so a plan of
/// plain conditions costs O(routes x shaped routes) atom comparisons.
pub(crate) fn shadowed(routes: &[RouteDef], compiled: &[CRoute]) -> Vec<PlanProblem> {
    let mut out = Vec::new();
    // The first earlier route that takes everything: a default, or a
    // condition that always holds.
    let mut catch_all: Option<&str> = None;
    let mut shaped: Vec<(&str, Vec<Vec<&Expr>>)> = Vec::new();
    for (later, doc) in compiled.iter().zip(routes) {
        let shape = later.when.as_ref().and_then(disjuncts);
        let by = catch_all.or_else(|| {
            // Each of our alternatives must imply one of theirs: every
            // atom of their alternative implied by an atom of ours.
            let ours = shape.as_ref()?;
            shaped
                .iter()
                .find(|(_, theirs)| {
                    ours.iter().all(|alt| {
                        theirs
                            .iter()
                            .any(|t| t.iter().all(|a| alt.iter().any(|b| implies(b, a))))
                    })
                })
                .map(|(name, _)| *name)
        });
        if let Some(by) = by {
            out.push(PlanProblem::ShadowedRoute {
                route: later.name.clone(),
                by: by.to_owned(),
            });
        }
        let always =
            doc.when.is_none() || later.when.as_ref().and_then(Expr::constant) == Some(true);
        if always && catch_all.is_none() {
            catch_all = Some(&later.name);
        }
        if let Some(shape) = shape {
            shaped.push((&later.name, shape));
        }
    }
    out
}
