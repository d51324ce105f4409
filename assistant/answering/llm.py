"""The optional LLM path, and the one factory for generators.

``build_generator`` turns ``Settings.generator`` into a Generator: "grounded" is the
offline default; "provider:model" (e.g. "openai:gpt-4o-mini", "ollama:llama3.1") wraps a
LangChain chat model. The model sees only the retrieved clauses, must answer in JSON with
quotes, and its answer is verified like any other: one bad quote, unknown clause or
unmarked sentence and the user gets the grounded answer instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.answering.citations import cite, locate_quote, verify
from assistant.answering.grounded import GroundedGenerator
from assistant.answering.types import Answer, Citation, Generator, JustRead
from assistant.answering.wording import Wording, load_wording
from assistant.brand import brand_of
from assistant.policy import Policy, load_policy

if TYPE_CHECKING:
    from assistant.retrieval import Hit

if TYPE_CHECKING:
    from assistant.config import Settings

log = logging.getLogger(__name__)

# Packages whose names do not follow "langchain-<provider>".
PROVIDER_PACKAGES = {
    "openai": "langchain-openai",
    "azure_openai": "langchain-openai",
    "anthropic": "langchain-anthropic",
    "ollama": "langchain-ollama",
    "google_genai": "langchain-google-genai",
    "google_vertexai": "langchain-google-vertexai",
    "bedrock": "langchain-aws",
    "bedrock_converse": "langchain-aws",
    "mistralai": "langchain-mistralai",
    "huggingface": "langchain-huggingface",
}


class GeneratorConfigError(RuntimeError):
    """``Settings.generator`` names a generator that cannot be built here; says why."""


# The model's reply. Unknown keys are ignored on purpose: models add fields such as
# "confidence", and what matters (quotes, clause ids) is verified strictly below.
class _LlmCitation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    clause_id: str
    quote: str


class _LlmReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    answer: str = ""
    citations: list[_LlmCitation] = Field(default_factory=list)
    abstain: bool = False


class LlmReplyError(ValueError):
    pass


def parse_reply(raw: str) -> _LlmReply:
    """The JSON object in a model's reply, tolerating code fences and prose around it."""
    start = raw.find("{")
    if start < 0:
        raise LlmReplyError("no JSON object in the reply")
    try:
        data, _ = json.JSONDecoder().raw_decode(raw[start:])
        return _LlmReply.model_validate(data)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise LlmReplyError(f"malformed reply: {exc}") from None


class LLMGenerator:
    def __init__(
        self,
        chat_model: Any,
        policy: Policy,
        fallback: GroundedGenerator | None = None,
        wording: Wording | None = None,
    ) -> None:
        self.chat_model = chat_model
        self.policy = policy
        self.wording = wording or load_wording()
        self.fallback = fallback or GroundedGenerator(policy, self.wording)

    def answer(self, question: str, hits: Sequence[Hit], just_read: JustRead = None) -> Answer:
        # the model sees the hits, not the conversation: ``just_read`` steers the grounded
        # answer it falls back to
        grounded = self.fallback.answer(question, hits, just_read)
        if grounded.out_of_scope or not hits:
            return grounded  # nothing in the policy for a model to work from
        try:
            reply = parse_reply(self._ask(question, hits))
            answer = self._to_answer(reply, grounded)
        except Exception as exc:  # any model failure means the grounded answer
            log.debug("LLM answer rejected (%s); using the grounded answer", exc)
            return grounded
        problems = [] if answer.abstained else verify(answer, hits, self.policy)
        if problems:
            log.debug("LLM answer failed verification: %s", [p.detail for p in problems])
            return grounded
        return answer

    def prompt(self, question: str, hits: Sequence[Hit]) -> list[tuple[str, str]]:
        llm = self.wording.llm
        clauses = "\n".join(
            llm.clause.format(
                clause_id=h.clause.id,
                section=h.clause.section,
                context=f"[context: {h.context}] " if h.context else "",
                text=h.clause.text,
            )
            for h in hits
        )
        human = llm.instructions.format(question=question, clauses=clauses)
        return [("system", llm.system), ("human", human)]

    def _ask(self, question: str, hits: Sequence[Hit]) -> str:
        message = self.chat_model.invoke(self.prompt(question, hits))
        content = getattr(message, "content", message)
        if isinstance(content, list):  # content blocks
            content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
        return str(content)

    def _to_answer(self, reply: _LlmReply, grounded: Answer) -> Answer:
        if reply.abstain:
            if grounded.abstained:
                return grounded
            return self.fallback.abstain(False, grounded.confidence, ("model abstained",))
        citations = [self._citation(c) for c in reply.citations]
        if not reply.answer.strip() or not citations:
            raise LlmReplyError("an answer without text or citations")
        return Answer(reply.answer.strip(), tuple(citations), confidence=grounded.confidence)

    def _citation(self, raw: _LlmCitation) -> Citation:
        try:
            clause = self.policy.clause(raw.clause_id)
        except KeyError:
            raise LlmReplyError(f"unknown clause id {raw.clause_id!r}") from None
        # A quote that differs from the clause only in whitespace or quote characters is
        # repaired to the clause's exact span; anything else is rejected.
        span = locate_quote(clause, raw.quote)
        if span is None:
            raise LlmReplyError(f"quote is not verbatim in {clause.id}")
        return cite(self.policy, clause, *span)


# ---------------------------------------------------------------- the factory


def build_generator(settings: Settings, policy: Policy | None = None) -> Generator:
    """The generator ``settings.generator`` names: "grounded" or "provider:model"."""
    policy = policy or load_policy(settings.policy_path)
    spec = settings.generator.strip()
    # the company_name setting, else the name the policy uses for itself
    wording = load_wording().for_company(brand_of(policy, settings.company_name).name)
    if spec == "grounded":
        return GroundedGenerator(policy, wording)
    return LLMGenerator(init_chat_model(spec), policy, wording=wording)


def init_chat_model(spec: str) -> Any:
    provider, _, model = spec.partition(":")
    if not provider or not model:
        raise GeneratorConfigError(
            f"generator {spec!r} must be 'grounded' or 'provider:model', e.g. 'openai:gpt-4o-mini'"
        )
    package = PROVIDER_PACKAGES.get(provider, "langchain-" + provider.replace("_", "-"))
    from langchain.chat_models import init_chat_model as langchain_init

    try:
        return langchain_init(model, model_provider=provider)
    except ImportError as exc:
        raise GeneratorConfigError(
            f"generator {spec!r} needs the {package} package, which is not installed: "
            f"pip install {package}"
        ) from exc
    except ValueError as exc:
        raise GeneratorConfigError(f"generator {spec!r} cannot be built: {exc}") from exc
