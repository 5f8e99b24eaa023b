use super::*;

use crate::sim::rng::SplitMix;

#[test]
fn bounded_out_of_orderness_trails_the_maximum() {
    let mut generator = BoundedOutOfOrderness::new(5_000).unwrap();
    assert_eq!(generator.watermark_us(), BEGINNING_OF_TIME_US);
    generator.observe(100_000);
    assert_eq!(generator.watermark_us(), 95_000);
    generator.observe(20_000); // late in arrival, early in event time: no step back
    assert_eq!(generator.watermark_us(), 95_000);
    generator.observe(200_000);
    assert_eq!(generator.watermark_us(), 195_000);
    let mut edge = BoundedOutOfOrderness::new(10).unwrap();
    edge.observe(BEGINNING_OF_TIME_US);
    assert_eq!(edge.watermark_us(), BEGINNING_OF_TIME_US);
}

#[test]
fn configs_are_validated_naming_the_field() {
    let err = BoundedOutOfOrderness::new(-1).unwrap_err();
    assert_eq!(err.path, "out_of_orderness_us");
    let config: WatermarkConfig =
        InputError::parse_json("watermark", r#"{"out_of_orderness_us": 1000, "idle_timeout_us": 0}"#).unwrap();
    assert_eq!(config.validate().unwrap_err().path, "idle_timeout_us");
    let err = InputError::parse_json::<WatermarkConfig>("watermark", r#"{"out_of_orderness": 1}"#).unwrap_err();
    assert!(err.message.contains("unknown field"), "{err}");
    assert_eq!(WatermarkCombiner::new(0, None, 0).unwrap_err().path, "inputs");
}

#[test]
fn a_partition_without_records_stalls_the_source_forever_without_idleness() {
    let config = WatermarkConfig { out_of_orderness_us: 1_000, idle_timeout_us: None };
    let mut source = SourceWatermarks::new(&config, 3, 0).unwrap();
    for step in 0..100_i64 {
        let now_us = step as u64 * 10_000;
        assert_eq!(source.on_record(0, step * 1_000_000, now_us), None);
        assert_eq!(source.on_record(1, step * 1_000_000, now_us), None);
    }
    assert_eq!(source.on_processing_time(10_000_000_000), None);
    assert_eq!(source.watermark_us(), BEGINNING_OF_TIME_US);
    let stall = source.combiner().stalled_by(2_000).unwrap();
    assert_eq!(stall, Stall { input: 2, watermark_us: BEGINNING_OF_TIME_US, idle_for_us: 2_000, no_record_yet: true });
    assert_eq!(stall.describe("partition"), "stalled by partition 2, idle for 2 ms: no record yet");
    assert!(!source.combiner().is_idle());
    assert_eq!(source.combiner().skew_us(), Some(0));
}

#[test]
fn an_idle_timeout_releases_the_stall() {
    let config = WatermarkConfig { out_of_orderness_us: 1_000, idle_timeout_us: Some(500_000) };
    let mut source = SourceWatermarks::new(&config, 3, 0).unwrap();
    source.on_record(0, 10_000_000, 100_000);
    source.on_record(1, 7_000_000, 200_000);
    assert_eq!(source.watermark_us(), BEGINNING_OF_TIME_US);
    // Partition 2 has been silent since creation (t=0): idle at 500 ms.
    assert_eq!(source.on_processing_time(499_999), None);
    assert_eq!(source.on_processing_time(500_000), Some(6_999_000));
    assert!(source.combiner().inputs()[2].idle);
    assert_eq!(source.combiner().stalled_by(500_000).unwrap().input, 1);
    assert_eq!(source.combiner().skew_us(), Some(3_000_000));
}

#[test]
fn an_input_back_from_idleness_cannot_pull_the_output_back() {
    let mut combiner = WatermarkCombiner::new(2, Some(1_000), 0).unwrap();
    combiner.on_activity(0, 100, 0);
    assert_eq!(combiner.on_activity(1, 200, 0), Some(100));
    // Input 0 falls silent; input 1 carries on alone.
    assert_eq!(combiner.on_activity(1, 300, 1_000), Some(300));
    assert!(combiner.inputs()[0].idle);
    // Input 0 returns, still behind: active but not aligned, so the output stays monotone
    // and input 1 keeps driving it.
    assert_eq!(combiner.on_activity(0, 150, 1_100), None);
    assert_eq!(combiner.watermark_us(), 300);
    assert!(!combiner.inputs()[0].idle && !combiner.inputs()[0].aligned);
    assert_eq!(combiner.on_activity(1, 400, 1_200), Some(400));
    // Caught up: aligned again, and from now on it holds the output back.
    assert_eq!(combiner.on_activity(0, 450, 1_300), None);
    assert!(combiner.inputs()[0].aligned);
    assert_eq!(combiner.on_activity(1, 900, 1_400), Some(450));
    assert_eq!(combiner.stalled_by(1_400).unwrap().input, 0);
}

#[test]
fn when_every_input_is_idle_the_output_holds() {
    let mut combiner = WatermarkCombiner::new(2, Some(1_000), 0).unwrap();
    combiner.on_activity(0, 100, 0);
    combiner.on_activity(1, 200, 0);
    assert_eq!(combiner.on_processing_time(5_000), None);
    assert!(combiner.is_idle());
    assert_eq!(combiner.watermark_us(), 100);
    assert_eq!(combiner.stalled_by(5_000), None);
    assert_eq!(combiner.skew_us(), None);
    // One wakes up ahead of the output: aligned at once, and it alone drives the output.
    assert_eq!(combiner.on_activity(1, 250, 5_100), Some(250));
    assert!(!combiner.is_idle());
}

#[test]
fn the_output_is_monotone_and_never_passes_an_aligned_input() {
    for seed in 0..50 {
        let mut rng = SplitMix(seed);
        let inputs = 1 + rng.below(5) as usize;
        let timeout = if seed % 3 == 0 { None } else { Some(1 + rng.below(2_000)) };
        let mut combiner = WatermarkCombiner::new(inputs, timeout, 0).unwrap();
        let mut now_us = 0_u64;
        let mut previous = combiner.watermark_us();
        let mut per_input = vec![BEGINNING_OF_TIME_US; inputs];
        for _ in 0..500 {
            now_us += rng.below(300);
            let advanced = if rng.below(4) == 0 {
                combiner.on_processing_time(now_us)
            } else {
                let input = rng.below(inputs as u64) as usize;
                let watermark = rng.below(10_000) as i64 - 2_000;
                combiner.on_activity(input, watermark, now_us)
            };
            let output = combiner.watermark_us();
            assert!(output >= previous, "seed {seed}: {previous} -> {output}");
            assert_eq!(advanced.is_some(), output > previous, "seed {seed}");
            previous = output;
            for (i, state) in combiner.inputs().iter().enumerate() {
                assert!(state.watermark_us >= per_input[i], "seed {seed}: input {i} went back");
                per_input[i] = state.watermark_us;
                if state.aligned && !state.idle {
                    assert!(output <= state.watermark_us, "seed {seed}: output passed input {i}");
                }
                if timeout.is_none() {
                    assert!(!state.idle);
                }
            }
            if timeout.is_none() {
                assert_eq!(output, *per_input.iter().min().unwrap(), "seed {seed}");
            }
        }
    }
}

#[test]
fn an_input_with_a_record_but_no_watermark_yet_is_not_part_of_the_skew() {
    // A record can reach a keyed task before its channel's first watermark does: the skew
    // must not be measured from the beginning of time (2^63 µs, beyond a JavaScript number).
    let mut combiner = WatermarkCombiner::new(2, None, 0).unwrap();
    combiner.on_activity(0, 5_000, 0);
    combiner.on_activity(1, BEGINNING_OF_TIME_US, 0);
    assert_eq!(combiner.skew_us(), Some(0));
    combiner.on_activity(1, 2_000, 10);
    assert_eq!(combiner.skew_us(), Some(3_000));
}
