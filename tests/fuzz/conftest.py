"""One fast assistant (hashing embedder, SQLite) shared by a module's fuzz examples."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assistant.session import Assistant


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    made = Assistant.for_testing(tmp_path_factory.mktemp("fuzz"))
    yield made
    made.tickets.close()
