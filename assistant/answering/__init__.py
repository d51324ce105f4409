"""Answering: a question and its retrieved clauses in, a verified answer out.

One interface (``Generator.answer``), a deterministic grounded default, an optional LLM
adapter that falls back to it, citation verification, and honest abstention.
"""

from assistant.answering.citations import Problem, cite, locate_quote, verify
from assistant.answering.grounded import GroundedGenerator
from assistant.answering.llm import (
    GeneratorConfigError,
    LLMGenerator,
    build_generator,
    parse_reply,
)
from assistant.answering.types import Answer, Citation, Generator, QueuedGenerator

__all__ = [
    "Answer",
    "Citation",
    "Generator",
    "GeneratorConfigError",
    "GroundedGenerator",
    "LLMGenerator",
    "Problem",
    "QueuedGenerator",
    "build_generator",
    "cite",
    "locate_quote",
    "parse_reply",
    "verify",
]
