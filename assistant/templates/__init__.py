"""User-facing wording and prompts live here as YAML data, not as strings in code."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load_template(name: str) -> dict[str, Any]:
    """Load ``<name>.yaml`` from this package (cached: templates are read once per process)."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"template {name}.yaml must be a mapping")
    return data
