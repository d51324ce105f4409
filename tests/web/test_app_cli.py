"""app.py: port and host defaults, and the production refusal before any model loads."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

APP = Path(__file__).resolve().parents[2] / "app.py"


def load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wa_app", APP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults_and_gradio_server_port(monkeypatch: pytest.MonkeyPatch) -> None:
    app = load_app()
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    args = app.parse_args([])
    assert (args.host, args.port, args.embed_origin) == ("127.0.0.1", 7860, [])
    monkeypatch.setenv("GRADIO_SERVER_PORT", "9123")
    assert app.parse_args([]).port == 9123
    assert app.parse_args(["--port", "8000"]).port == 8000
    assert app.parse_args(["--embed-origin", "https://a.example"]).embed_origin == [
        "https://a.example"
    ]


def test_production_without_credentials_exits_before_loading_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_PRODUCTION", "1")
    monkeypatch.delenv("ASSISTANT_AGENT_USERNAME", raising=False)
    monkeypatch.delenv("ASSISTANT_AGENT_PASSWORD", raising=False)
    assert load_app().main(["--data-dir", str(tmp_path / "data")]) == 2
    assert "ASSISTANT_AGENT_PASSWORD" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # nothing was loaded or created
