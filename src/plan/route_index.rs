//! Choosing a route without evaluating every condition: a run of
//! consecutive routes whose conditions are each `name == 'text'` on the
//! same name (a plan routing by topic, say) is answered by one read of the
//! name and one hash lookup instead of one comparison per route.
//!
//! The answer is exactly the first route whose condition holds, as the
//! plain scan gives: inside a run, a route's condition holds iff the
//! name's value is text equal to its literal, so the first such route is
//! the one the lookup keeps (the first index per text); a value that is
//! absent or not text satisfies none of the run.

use super::compiled::CRoute;
use super::condition::{Env, Expr, Lit, Op, Value};
use std::collections::HashMap;

/// Runs shorter than this are scanned as they are (a lookup would not
/// pay).
const MIN_RUN: usize = 4;

/// One run of text-equality routes on one name.
#[derive(Clone, Debug)]
struct TextRun {
    /// The first route of the run.
    start: usize,
    /// One past its last route.
    end: usize,
    /// The name every condition of the run reads.
    name: String,
    /// For each literal, the first route of the run that names it.
    first: HashMap<String, u16>,
}

/// The runs of a compiled plan's routes, in route order.
#[derive(Clone, Debug, Default)]
pub(crate) struct RouteIndex {
    runs: Vec<TextRun>,
}

/// The name and text of a condition `name == 'text'`.
fn text_equality(route: &CRoute) -> Option<(&str, &str)> {
    match route.when.as_ref()? {
        Expr::Cmp(var, Op::Eq, Lit::Text(text)) => Some((&var.name, text)),
        _ => None,
    }
}

impl RouteIndex {
    /// Finds the runs of `routes` (one pass; bounded by the routes).
    pub(crate) fn build(routes: &[CRoute]) -> Self {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < routes.len() {
            let Some((name, _)) = text_equality(&routes[i]) else {
                i += 1;
                continue;
            };
            let end = (i..routes.len())
                .find(|&j| text_equality(&routes[j]).is_none_or(|(n, _)| n != name))
                .unwrap_or(routes.len());
            if end - i >= MIN_RUN {
                let mut first = HashMap::with_capacity(end - i);
                for (j, route) in routes.iter().enumerate().take(end).skip(i) {
                    if let Some((_, text)) = text_equality(route) {
                        first.entry(text.to_owned()).or_insert(j as u16);
                    }
                }
                runs.push(TextRun {
                    start: i,
                    end,
                    name: name.to_owned(),
                    first,
                });
            }
            i = end;
        }
        Self { runs }
    }

    /// The index of the first of `routes` whose condition holds in `env`
    /// (a route without a condition always does), `None` if none.
    /// Bounded by the routes.
    pub(crate) fn select(&self, routes: &[CRoute], env: &dyn Env) -> Option<u16> {
        let mut runs = self.runs.iter().peekable();
        let mut i = 0;
        while i < routes.len() {
            if let Some(run) = runs.next_if(|r| r.start == i) {
                if let Some(Value::Text(text)) = env.get(&run.name) {
                    if let Some(&r) = run.first.get(text) {
                        return Some(r);
                    }
                }
                i = run.end;
                continue;
            }
            if routes[i].when.as_ref().is_none_or(|w| w.eval(env)) {
                return Some(i as u16);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::condition;

    fn route(when: Option<&str>) -> CRoute {
        CRoute {
            name: String::new(),
            when: when.map(|w| condition::parse(w).expect("a condition")),
            steps: Vec::new(),
            ttl: None,
        }
    }

    struct Topic(Option<&'static str>);

    impl Env for Topic {
        fn get(&self, name: &str) -> Option<Value<'_>> {
            match (name, self.0) {
                ("topic", Some(t)) => Some(Value::Text(t)),
                ("n", _) => Some(Value::Number(3)),
                _ => None,
            }
        }
    }

    #[test]
    fn the_index_picks_the_first_route_a_scan_picks() {
        let whens = [
            Some("n > 5"),
            Some("topic == 'a'"),
            Some("topic == 'b'"),
            Some("topic == 'a'"),
            Some("topic == 'c'"),
            Some("topic == 'd'"),
            Some("n == 3 and topic == 'e'"),
            Some("topic == 'e'"),
            None,
        ];
        let routes: Vec<CRoute> = whens.iter().map(|w| route(*w)).collect();
        let index = RouteIndex::build(&routes);
        assert_eq!(index.runs.len(), 1, "one run of five");
        for topic in [
            None,
            Some("a"),
            Some("b"),
            Some("c"),
            Some("d"),
            Some("e"),
            Some("z"),
        ] {
            let env = Topic(topic);
            let scan = routes
                .iter()
                .position(|r| r.when.as_ref().is_none_or(|w| w.eval(&env)))
                .map(|p| p as u16);
            assert_eq!(index.select(&routes, &env), scan, "topic {topic:?}");
        }
    }
}
