"""Run the benchmarks and write ``benchmarks/results/latest.{json,md}``.

    python -m benchmarks.run                 # everything (~15-25 min on 2 cores)
    python -m benchmarks.run --only floor,latency --quick

One benchmark failing is recorded in the results and the others still run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

RESULTS_DIR = Path(__file__).resolve().parent / "results"
ALL = ("floor", "ingest", "latency", "langchain", "throughput", "cold_start", "scale")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(ALL), help=f"comma list of: {', '.join(ALL)}")
    parser.add_argument("--quick", action="store_true", help="smaller samples, for a smoke run")
    parser.add_argument("--scale-documents", type=int, default=500)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(ALL))
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(unknown)}")
    return args


class Runner:
    """Holds the model and the warm assistant the in-process benchmarks share."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.results: dict[str, Any] = {}
        self.failures: list[str] = []
        self._embedder: Any = None

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from assistant.embedding import MiniLMEmbedder

            self._embedder = MiniLMEmbedder().load()
        return self._embedder

    def step(self, name: str, fn: Callable[[], Any], key: tuple[str, ...]) -> None:
        if name not in self.args.only:
            return
        from benchmarks.machine import load_average

        print(f"[bench] {name} ...", flush=True)
        started = time.perf_counter()
        try:
            value = fn()
        except Exception:
            self.failures.append(f"{name}: {traceback.format_exc()}")
            print(f"[bench] {name} FAILED", file=sys.stderr, flush=True)
            return
        if isinstance(value, dict):
            value["load_average_after"] = load_average()
        node = self.results
        for part in key[:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = value
        print(f"[bench] {name} done in {time.perf_counter() - started:.1f}s", flush=True)

    # -- the in-process benchmarks --

    def floor(self) -> Any:
        from benchmarks.floor import one_embedding

        return one_embedding(self.embedder, n=100 if self.args.quick else 400)

    def ingest(self) -> Any:
        from benchmarks.ingest import run

        return run(self.embedder, rounds=1 if self.args.quick else 3)

    def latency(self) -> Any:
        from assistant.config import Settings
        from assistant.session import Assistant
        from benchmarks.latency import CountingEmbedder, run

        counter = CountingEmbedder(self.embedder)
        settings = Settings(data_dir=self.workdir / "latency")
        assistant = Assistant.from_settings(settings, embedder=counter)
        return run(assistant, counter, n=60 if self.args.quick else 300)

    def langchain(self) -> Any:
        from benchmarks.floor import langchain_baseline

        return langchain_baseline(self.embedder, n=50 if self.args.quick else 200)

    def throughput(self) -> Any:
        from benchmarks.throughput import run

        if self.args.quick:
            return run(sessions=20, per_session=3, max_seconds=60)
        return run()

    def cold_start(self) -> Any:
        from benchmarks.cold_start import run

        return run(rounds=1 if self.args.quick else 2)

    def scale(self) -> Any:
        from benchmarks.scale import run

        documents = min(self.args.scale_documents, 50 if self.args.quick else 10**6)
        return run(rounds=1 if self.args.quick else 3, documents=documents)


def _estimate_minilm_scale(results: dict[str, Any]) -> None:
    """What the scale ingest would cost with MiniLM, at the rate the ingest benchmark measured."""
    rate = results.get("ingest", {}).get("texts_per_second")
    points = results.get("scale", {}).get("points") or []
    if rate and points:
        embedded = points[-1]["texts_embedded"]
        results["scale"]["minilm_ingest_estimate_minutes"] = round(embedded / rate / 60, 1)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from benchmarks import report
    from benchmarks.machine import describe
    from benchmarks.measure import own_peak_rss_mb
    from benchmarks.targets import evaluate

    started, clock = datetime.now(UTC), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        runner = Runner(args, Path(tmp))
        results: dict[str, Any] = {"machine": describe()}
        runner.results = results
        runner.step("floor", runner.floor, ("floor", "one_embedding"))
        runner.step("ingest", runner.ingest, ("ingest",))
        runner.step("latency", runner.latency, ("latency",))
        runner.step("langchain", runner.langchain, ("floor", "langchain"))
        results["memory"] = {"benchmark_process_peak_rss_mb": round(own_peak_rss_mb(), 1)}
        runner.step("throughput", runner.throughput, ("throughput",))
        if "throughput" in results:
            results["memory"]["app_process_peak_rss_mb"] = results["throughput"].get(
                "app_peak_rss_mb"
            )
        runner.step("cold_start", runner.cold_start, ("cold_start",))
        runner.step("scale", runner.scale, ("scale",))
        _estimate_minilm_scale(results)
    results["targets"] = [c.as_dict() for c in evaluate(results)]
    results["failures"] = runner.failures
    results["started_at"] = started.isoformat(timespec="seconds")
    results["duration_seconds"] = round(time.perf_counter() - clock, 1)
    results["argv"] = list(argv if argv is not None else sys.argv[1:])
    as_json, as_md = report.write(results, args.output)
    print(f"[bench] wrote {as_json} and {as_md}")
    for check in results["targets"]:
        met, target = check["met"], check["target"]
        print(f"  {check['name']}: {check['measured']} (target {target}, met={met})")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())
