"""`ingest`, `search` and `eval-retrieval`: the policy corpus on the command line.

stdout carries results only (one JSON object per line with ``search --jsonl``, flushed
after each); progress bars and diagnostics go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


def register(subparsers: Any) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="index a policy file and make it the active policy"
    )
    ingest.add_argument(
        "policy_file", nargs="?", type=Path, help="default: the configured policy_path"
    )
    ingest.set_defaults(handler=run_ingest)

    search = subparsers.add_parser("search", help="show the clauses retrieved for a question")
    search.add_argument("query", nargs="?", help="the question (omit with --jsonl)")
    search.add_argument("--k", type=int, default=5, help="how many clauses (default 5)")
    output = search.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the results as one JSON object")
    output.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"query": "...", "k": N} per stdin line, write one result object per line',
    )
    search.set_defaults(handler=run_search)

    evaluate = subparsers.add_parser(
        "eval-retrieval", help="recall@1/@3 and MRR of the retrievers on evals/retrieval.yaml"
    )
    evaluate.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    evaluate.add_argument("--json", action="store_true", help="print the full comparison as JSON")
    evaluate.set_defaults(handler=run_eval_retrieval)


def _fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


# ---------------------------------------------------------------- ingest


class _Bar:
    """A tqdm bar on stderr, opened when the index knows how many texts it must embed."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="text", desc="embedding", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_ingest(args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from assistant.embedding import EmbeddingModelMissing
    from assistant.index import open_index
    from assistant.policy import PolicyError, load_policy

    settings = Settings()
    path = args.policy_file or settings.policy_path
    try:
        policy = load_policy(path)  # bad input fails here, before the index is touched
    except PolicyError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    bar = _Bar()
    try:
        report = open_index(settings).ingest(policy, progress=bar)
    except EmbeddingModelMissing as exc:
        return _fail(str(exc))
    finally:
        bar.close()
    print(f"Ingested {policy.source} as version {report.version} (now the active policy)")
    print(
        f"  {report.total} clauses: {report.embedded} embedded, {report.reused} reused, "
        f"{report.removed} removed since the previous version"
    )
    print(f"  {report.texts_embedded} texts embedded in {report.seconds:.2f} s")
    return 0


# ---------------------------------------------------------------- search


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=4000)
    k: int = Field(default=5, ge=1, le=50)


def _results(hits: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "clause_id": hit.clause.id,
            "section": hit.clause.section,
            "text": hit.clause.text,
            "score": round(hit.score, 6),
        }
        for hit in hits
    ]


def run_search(args: argparse.Namespace) -> int:
    from assistant.retrieval import load_retriever

    if not args.jsonl and not args.query:
        return _fail("give a QUERY, or --jsonl to read queries from stdin", EXIT_BAD_INPUT)
    if not 1 <= args.k <= 50:
        return _fail("--k must be between 1 and 50", EXIT_BAD_INPUT)
    retriever = load_retriever()
    if args.jsonl:
        return serve_jsonl(retriever, sys.stdin, sys.stdout, default_k=args.k)
    hits = retriever.search(args.query, k=args.k)
    if args.json:
        print(json.dumps({"query": args.query, "results": _results(hits)}, ensure_ascii=False))
        return 0
    for rank, hit in enumerate(hits, 1):
        print(f"{rank}. {hit.clause.id}  [{hit.clause.section}]")
        print(f"   score {hit.score:.4f}  cosine {hit.similarity:.3f}  bm25 {hit.lexical:.2f}")
        print(f"   {hit.clause.text}")
    return 0


def serve_jsonl(retriever: Any, stdin: TextIO, stdout: TextIO, default_k: int = 5) -> int:
    """One result line per input line, in order; a bad line gets an error line."""
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if isinstance(data, dict):
                data.setdefault("k", default_k)
            request = SearchRequest.model_validate(data)
        except (json.JSONDecodeError, ValidationError) as exc:
            out: dict[str, Any] = {"error": f"line {number}: {_short(exc)}"}
        else:
            hits = retriever.search(request.query, k=request.k)
            out = {"query": request.query, "results": _results(hits)}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "line"
        return f"{where}: {first['msg']}"
    return f"not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else str(exc)


# ---------------------------------------------------------------- eval-retrieval


def run_eval_retrieval(args: argparse.Namespace) -> int:
    from assistant.evaluation.loaders import DatasetError
    from assistant.evaluation.retrieval import compare, format_comparison

    try:
        comparison = compare(split=args.split)
    except DatasetError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    if args.json:
        print(json.dumps(comparison.to_dict(), ensure_ascii=False))
    else:
        print(format_comparison(comparison))
    return 0
