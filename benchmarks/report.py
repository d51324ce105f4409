"""``latest.json`` and a Markdown rendering of it (``latest.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _summary_rows(named: dict[str, Any]) -> list[list[Any]]:
    return [
        [name, s["n"], s["p50_ms"], s["p95_ms"], s["p99_ms"], s["mean_ms"]]
        for name, s in named.items()
        if isinstance(s, dict) and "p50_ms" in s
    ]


SUMMARY_HEADER = ["what", "n", "p50 ms", "p95 ms", "p99 ms", "mean ms"]


def _machine(machine: dict[str, Any]) -> list[str]:
    return ["## Machine", "", *_table(["", ""], [[k, v] for k, v in machine.items()])]


def _targets(checks: list[dict[str, Any]]) -> list[str]:
    rows = [[c["name"], c["measured"], c["target"], c["met"], c["why"]] for c in checks]
    return ["## Targets", "", *_table(["check", "measured", "target", "met", "notes"], rows)]


def _latency(results: dict[str, Any]) -> list[str]:
    floor, latency = results.get("floor", {}), results.get("latency", {})
    named: dict[str, Any] = {}
    if "one_embedding" in floor:
        named["one query embedding (MiniLM)"] = floor["one_embedding"]
    if "paired_one_embedding" in latency:
        named["one embedding, paired with each turn"] = latency["paired_one_embedding"]
    if "respond" in latency:
        named["Assistant.respond, mixed set"] = latency["respond"]
        named.update({f"  intent={k}": v for k, v in latency.get("by_intent", {}).items()})
    if "similarity_search" in floor.get("langchain", {}):
        named["LangChain baseline similarity_search"] = floor["langchain"]["similarity_search"]
    if not named:
        return []
    lines = ["## Latency", "", *_table(SUMMARY_HEADER, _summary_rows(named))]
    if latency:
        lines += [
            f"Query embeddings per turn: {latency.get('query_embeddings_per_turn')}; "
            f"retriever searches per turn: {latency.get('retriever_searches_per_turn')}; "
            f"time share: {latency.get('time_share')}; "
            f"mean characters: {latency.get('mean_chars')}.",
            "",
        ]
    return lines


def _scale(scale: dict[str, Any]) -> list[str]:
    if not scale.get("points"):
        return []
    header = [
        "documents",
        "clauses",
        "per-doc hybrid p50/p95 ms",
        "per-doc dense p50",
        "per-doc BM25 p50",
        "pooled Chroma p50/p95 ms",
        "pooled BM25 p50/p95 ms",
        "cumulative ingest s",
    ]
    rows = []
    for p in scale["points"]:
        doc, pooled = p["per_document"], p["pooled"]
        rows.append(
            [
                p["documents"],
                p["clauses"],
                f"{doc['hybrid_search']['p50_ms']:.2f} / {doc['hybrid_search']['p95_ms']:.2f}",
                doc["dense_search"]["p50_ms"],
                doc["bm25"]["p50_ms"],
                f"{pooled['chroma_query']['p50_ms']:.2f} / {pooled['chroma_query']['p95_ms']:.2f}",
                f"{pooled['bm25']['p50_ms']:.3f} / {pooled['bm25']['p95_ms']:.3f}",
                p["ingest_seconds_cumulative"],
            ]
        )
    return [
        "## Scale",
        "",
        f"Embedder: {scale['embedder']}. Growth last/first point: {scale['growth_last_vs_first']}. "
        f"Texts embedded (the rest copied by content): {scale['points'][-1]['texts_embedded']} "
        f"of {scale['points'][-1]['vectors']}; with MiniLM at the ingest benchmark's rate: "
        f"~{scale.get('minilm_ingest_estimate_minutes')} min.",
        "",
        *_table(header, rows),
    ]


def _rest(results: dict[str, Any]) -> list[str]:
    lines = []
    for name in ("cold_start", "ingest", "throughput", "memory"):
        if name in results:
            lines += [f"## {name.replace('_', ' ').title()}", "", "```json"]
            lines += [json.dumps(results[name], indent=2), "```", ""]
    failures = results.get("failures")
    if failures:
        lines += ["## Benchmarks that failed", "", "```", *failures, "```", ""]
    return lines


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run at {results['started_at']} in {results['duration_seconds']} s "
        f"(`python -m benchmarks.run {' '.join(results['argv'])}`).",
        "",
    ]
    lines += _machine(results["machine"])
    lines += _targets(results["targets"])
    lines += _latency(results)
    lines += _scale(results.get("scale", {}))
    lines += _rest(results)
    return "\n".join(lines).rstrip() + "\n"


def write(results: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    as_json, as_md = directory / "latest.json", directory / "latest.md"
    as_json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    as_md.write_text(markdown(results), encoding="utf-8")
    return as_json, as_md
