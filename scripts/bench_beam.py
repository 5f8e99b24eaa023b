"""Beam's DirectRunner on the windowed-count shape, for comparison with Dhara's engine.

A sliding-window count per key in event time is the streaming "hello world": each record
carries a timestamp, falls into every window of SIZE seconds that starts on a multiple of
PERIOD and covers it, and the runner counts records per (key, window). This script builds N
such records (seeded, so every run does the same work), runs that pipeline on Apache Beam's
DirectRunner and prints one JSON object with the wall time. Dhara is not Beam: the point is
an order of magnitude from a real, widely used runner doing the same shape of work locally.

Usage: python3 scripts/bench_beam.py [--records N] [--keys K] [--span-s S]
"""

import argparse
import json
import random
import sys
import time


def positive(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: must be a whole number, got {text!r}")
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name}: must be at least 1, got {value}")
        return value
    return parse


def records(count, keys, span_s, seed=1):
    """(payer, event time in seconds): payers spread evenly, times uniform over the span."""
    rng = random.Random(seed)
    return [(f"payer-{rng.randrange(keys)}", rng.uniform(0, span_s)) for _ in range(count)]


def run(args):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.transforms import window

    data = records(args.records, args.keys, args.span_s)
    options = PipelineOptions(["--runner=DirectRunner"])
    start = time.perf_counter()
    with beam.Pipeline(options=options) as pipeline:
        counts = (
            pipeline
            | "records" >> beam.Create(data)
            | "event time" >> beam.Map(lambda r: window.TimestampedValue((r[0], 1), r[1]))
            | "sliding" >> beam.WindowInto(window.SlidingWindows(size=args.window_s, period=args.period_s))
            | "count per key" >> beam.combiners.Count.PerKey()
        )
        # Sum the counts back so the result can be checked: each record lands in size/period windows.
        _ = (
            counts
            | "global" >> beam.WindowInto(window.GlobalWindows())
            | "values" >> beam.Map(lambda kv: kv[1])
            | "sum" >> beam.CombineGlobally(sum)
            | "check" >> beam.Map(lambda total: print(json.dumps({"window_assignments": total}), file=sys.stderr))
        )
    wall_s = time.perf_counter() - start
    return {
        "runner": "DirectRunner",
        "beam_version": beam.__version__,
        "records": args.records,
        "keys": args.keys,
        "span_s": args.span_s,
        "window_s": args.window_s,
        "period_s": args.period_s,
        "wall_s": round(wall_s, 3),
        "records_per_wall_s": round(args.records / wall_s),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=positive("--records"), default=20_000)
    parser.add_argument("--keys", type=positive("--keys"), default=2_000)
    parser.add_argument("--span-s", type=positive("--span-s"), default=600)
    parser.add_argument("--window-s", type=positive("--window-s"), default=60)
    parser.add_argument("--period-s", type=positive("--period-s"), default=10)
    args = parser.parse_args()
    if args.window_s % args.period_s:
        parser.error("--window-s: must be a multiple of --period-s")
    try:
        import apache_beam  # noqa: F401
    except ImportError:
        print(json.dumps({"error": "apache_beam is not installed in this Python"}))
        return 3
    print(json.dumps(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
