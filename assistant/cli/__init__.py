"""`privacy-assistant`: one sub-command module per concept, registered here.

Each module in this package exposes ``register(subparsers)``, which adds its
sub-commands and sets ``handler`` on them; a handler returns the exit code.
Diagnostics go to stderr so stdout stays machine-readable.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# Modules register in this order; help lists them the same way.
COMMAND_MODULES = ("corpus", "chat", "tickets", "evaluate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privacy-assistant",
        description="Ask the WorkAllies privacy policy, file rights requests, evaluate.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where all state lives (default: $ASSISTANT_DATA_DIR or ./data)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"assistant.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"assistant.cli.{name}":
                raise
            continue  # a command group not built yet
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    args = build_parser().parse_args(argv)
    if args.data_dir is not None:
        os.environ["ASSISTANT_DATA_DIR"] = str(args.data_dir)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
