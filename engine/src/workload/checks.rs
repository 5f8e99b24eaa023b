//! Rules that join a workload to its stream job. Each domain operator expects its records in
//! a certain shape: the fraud detector needs every payment twice (by payer and by payee),
//! trends and the funnel need one record per post or click, and session windows only make
//! sense with a gap between a shopper's clicks and a shopper's visits. A scenario that breaks
//! one would run, and quietly compute nonsense; it is refused instead, naming the field.

use super::{Field, WorkloadSpec};
use crate::error::InputError;
use crate::scenario::stream::{OperatorSpec, StepSpec, StreamSpec};
use crate::scenario::ProducerSpec;

/// Checks the job's pipeline and operator against each other and the workload.
pub fn check_job(stream: &StreamSpec, workload: Option<&WorkloadSpec>) -> Result<(), InputError> {
    check_steps(&stream.pipeline)?;
    match &stream.operator {
        OperatorSpec::Fraud(_) => check_fraud_pipeline(&stream.pipeline),
        OperatorSpec::Trends(_) | OperatorSpec::Funnel(_) => check_one_record_each(&stream.pipeline),
        _ => Ok(()),
    }?;
    if let (OperatorSpec::Funnel(funnel), Some(WorkloadSpec::Shop(shop))) = (&stream.operator, workload) {
        let gap = funnel.gap_ms;
        if gap <= shop.think_ms_max || gap >= shop.session_break_ms_min {
            let message = format!(
                "must be above workload.think_ms_max ({}: else one visit splits into several sessions) and below workload.session_break_ms_min ({}: else two visits merge into one); got {gap}",
                shop.think_ms_max, shop.session_break_ms_min
            );
            return Err(InputError::new("stream.operator.gap_ms", message));
        }
    }
    Ok(())
}

/// A generator decides every record's key and value, so the producer's own key and value
/// knobs would be silently ignored: refuse them.
pub fn check_producer(producer: &ProducerSpec) -> Result<(), InputError> {
    let why = "must be 0 with a workload (its generator decides every record's key and value)";
    if producer.tombstone_percent != 0 {
        return Err(InputError::new("producer.tombstone_percent", why));
    }
    if producer.keyless_percent != 0 {
        return Err(InputError::new("producer.keyless_percent", why));
    }
    Ok(())
}

/// also_key_by sends the payment to its payee's state: only "payee" is a party to key by, and
/// it must come before any step that makes several records of one (their ids are hashes
/// that may already use the bit a second copy sets).
fn check_steps(steps: &[StepSpec]) -> Result<(), InputError> {
    let mut fanned_out = false;
    for (i, step) in steps.iter().enumerate() {
        match step {
            StepSpec::AlsoKeyBy { field } if *field != Field::Payee => {
                let got = serde_json::to_string(field).expect("a field serializes");
                return Err(InputError::new(format!("stream.pipeline[{i}].field"), format!("must be \"payee\" (the other party of a payment; got {got})")));
            }
            StepSpec::AlsoKeyBy { .. } if fanned_out => {
                return Err(InputError::new(format!("stream.pipeline[{i}]"), "also_key_by must come before any flat_map or hashtags step"));
            }
            StepSpec::FlatMap { .. } | StepSpec::Hashtags => fanned_out = true,
            _ => {}
        }
    }
    Ok(())
}

/// The fraud detector scores each payment on its payer's state and its payee's: exactly one
/// also_key_by, and no step that re-keys or multiplies payments.
fn check_fraud_pipeline(steps: &[StepSpec]) -> Result<(), InputError> {
    let also = steps.iter().filter(|s| matches!(s, StepSpec::AlsoKeyBy { .. })).count();
    if also != 1 {
        return Err(InputError::new("stream.pipeline", format!("the fraud operator needs exactly one {{\"op\": \"also_key_by\", \"field\": \"payee\"}} step, so each payment reaches its payee's state too (got {also})")));
    }
    refuse_steps(steps, "the fraud operator keys payments by payer and payee itself", |s| matches!(s, StepSpec::KeyBy { .. } | StepSpec::FlatMap { .. }))
}

/// Trends count posts and the funnel counts clicks: each must arrive once.
fn check_one_record_each(steps: &[StepSpec]) -> Result<(), InputError> {
    let why = "this operator counts each post or click once; a step that makes several records of one would count it several times";
    refuse_steps(steps, why, |s| matches!(s, StepSpec::FlatMap { .. } | StepSpec::Hashtags | StepSpec::AlsoKeyBy { .. }))
}

fn refuse_steps(steps: &[StepSpec], why: &str, refused: impl Fn(&StepSpec) -> bool) -> Result<(), InputError> {
    match steps.iter().position(refused) {
        Some(i) => Err(InputError::new(format!("stream.pipeline[{i}]"), format!("is not allowed here: {why}"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::builtin;
    use crate::Scenario;

    /// The error for built-in `name` after `mutate`.
    fn error_for(name: &str, mutate: impl FnOnce(&mut serde_json::Value)) -> crate::InputError {
        let mut json: serde_json::Value = serde_json::from_str(builtin::find(name).expect("built in").json).expect("parses");
        mutate(&mut json);
        Scenario::from_json(&json.to_string()).expect_err("refused")
    }

    #[test]
    fn the_fraud_job_needs_its_payments_by_payer_and_by_payee() {
        let err = error_for("upi-fraud", |j| j["stream"]["pipeline"] = serde_json::json!([]));
        assert_eq!(err.path, "stream.pipeline");
        assert!(err.message.contains("also_key_by") && err.message.contains("got 0"), "{err}");
        let err = error_for("upi-fraud", |j| j["stream"]["pipeline"][0]["field"] = "bank".into());
        assert_eq!(err.path, "stream.pipeline[0].field");
        let err = error_for("upi-fraud", |j| j["stream"]["pipeline"] = serde_json::json!([{"op": "also_key_by", "field": "payee"}, {"op": "key_by", "by": "tag"}]));
        assert_eq!(err.path, "stream.pipeline[1]");
        let err = error_for("upi-bank-totals", |j| j["stream"]["pipeline"] = serde_json::json!([{"op": "flat_map", "copies_max": 2}, {"op": "also_key_by", "field": "payee"}]));
        assert_eq!(err.path, "stream.pipeline[1]");
        assert!(err.message.contains("before any flat_map"), "{err}");
    }

    #[test]
    fn trends_and_the_funnel_count_each_record_once() {
        let err = error_for("social-trends", |j| j["stream"]["pipeline"] = serde_json::json!([{"op": "hashtags"}, {"op": "key_by", "by": "constant"}]));
        assert_eq!(err.path, "stream.pipeline[0]");
        let err = error_for("shop-sessions", |j| j["stream"]["pipeline"] = serde_json::json!([{"op": "flat_map", "copies_max": 2}]));
        assert_eq!(err.path, "stream.pipeline[0]");
    }

    #[test]
    fn a_session_gap_must_sit_between_a_shoppers_clicks_and_visits() {
        for gap in [1_000, 20_000, 120_000, 500_000] {
            let err = error_for("shop-sessions", |j| j["stream"]["operator"]["gap_ms"] = gap.into());
            assert_eq!(err.path, "stream.operator.gap_ms", "gap {gap}");
            assert!(err.message.contains("think_ms_max (20000") && err.message.contains("session_break_ms_min (120000"), "{err}");
        }
    }

    #[test]
    fn a_workload_refuses_the_producers_own_key_and_value_knobs() {
        let err = error_for("upi-fraud", |j| j["producer"]["tombstone_percent"] = 20.into());
        assert_eq!(err.path, "producer.tombstone_percent");
        let err = error_for("shop-sessions", |j| j["producer"]["keyless_percent"] = 5.into());
        assert_eq!(err.path, "producer.keyless_percent");
    }
}
