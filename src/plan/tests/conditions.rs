//! Conditions: the TaskRouter operator set, located parse errors, the pool
//! counts `skip_if` reads, bounded nesting.

use super::*;

#[test]
fn conditions_follow_the_taskrouter_operator_set() {
    let tags: &'static [String] = Box::leak(Box::new(vec!["gold".to_owned(), "eu".to_owned()]));
    let env = Map(vec![
        ("topic", Value::Text("billing")),
        ("age", Value::Number(42)),
        ("vip", Value::Bool(true)),
        ("tags", Value::List(tags)),
    ]);
    assert!(holds("topic == 'billing'", &env));
    assert!(holds("topic != \"refund\"", &env));
    assert!(holds(
        "age > 40 and age >= 42 and age < 43 and age <= 42",
        &env
    ));
    assert!(holds("topic in ['refund', 'billing']", &env));
    assert!(holds("tags contains 'eu' and topic contains 'bill'", &env));
    assert!(holds("has topic and not has language", &env));
    assert!(holds("vip == true or (age == 1)", &env));
    assert!(holds("not (age < 10 or topic == 'x')", &env));
    // A comparison with an absent value or another type is false, both
    // ways.
    assert!(!holds("language == 'es'", &env));
    assert!(!holds("language != 'es'", &env));
    assert!(!holds("topic > 3", &env));
    // `order` is a name, not the keyword `or` followed by `der`.
    assert!(!holds("order == 1", &env));
}

#[test]
fn a_parse_error_names_the_route_the_field_and_the_column() {
    let mut plan = good();
    plan.routes[0].when = Some("tier == \"vip\" and topic ~ 'x'".to_owned());
    let problems = plan.check();
    assert_eq!(problems.len(), 1, "{problems:?}");
    match &problems[0] {
        PlanProblem::Condition {
            route,
            field,
            column,
            message,
        } => {
            assert_eq!(route, "vip");
            assert_eq!(field, "routes[0].when");
            // `~` is the 25th character: the operator is expected there.
            assert_eq!(*column, 25, "{message}");
            assert!(message.contains("operator"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = problems[0].to_string();
    assert!(text.contains("\"vip\"") && text.contains("routes[0].when") && text.contains("25"));
}

#[test]
fn an_unclosed_string_or_parenthesis_is_a_located_error() {
    for (text, column) in [("(topic == 'a'", 14), ("topic == 'a", 12), ("", 1)] {
        let mut plan = good();
        plan.routes[0].when = Some(text.to_owned());
        match plan.check().as_slice() {
            [PlanProblem::Condition { column: c, .. }] => assert_eq!(*c, column, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn skip_if_reads_only_the_pool_counts() {
    let mut plan = good();
    plan.routes[0].steps[1].skip_if = Some("online == 0 or topic == 'x'".to_owned());
    match plan.check().as_slice() {
        [PlanProblem::Condition {
            field,
            column,
            route,
            ..
        }] => {
            assert_eq!(
                (route.as_str(), field.as_str()),
                ("vip", "routes[0].steps[1].skip_if")
            );
            assert_eq!(*column, 16);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nesting_is_bounded_so_a_hostile_condition_cannot_overflow_the_stack() {
    let deep = format!("{}topic == 'a'{}", "(".repeat(500), ")".repeat(500));
    assert!(parse(&deep).is_err());
    let nots = format!("{}has topic", "not ".repeat(200));
    assert!(parse(&nots).is_err());
    let fine = format!("{}topic == 'a'{}", "(".repeat(5), ")".repeat(5));
    assert!(parse(&fine).is_ok());
}
