"""Real servers for the multi-process tests: one PostgreSQL and one `chroma run` per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers import start_postgres

from .harness import chroma_server, fresh_database


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_postgres(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture()
def pg_url(pg_server: str) -> str:
    return fresh_database(pg_server)


@pytest.fixture(scope="session")
def shared_chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with chroma_server(tmp_path_factory.mktemp("chroma")) as (_process, port):
        yield port
