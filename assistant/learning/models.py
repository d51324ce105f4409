"""The learned models at answer time: logistic scores in plain numpy from JSON weights.

Each model file holds its feature names, the standardisation fitted on its training
data, the weights and, for answerability, the thresholds; its model card (the same
name, ``.md``) says what it was trained on and what it measured on held-out data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODELS_DIR = Path(__file__).parent / "models"
SELECTOR_PATH = MODELS_DIR / "sentence_selector.json"
ANSWERABILITY_PATH = MODELS_DIR / "answerability.json"


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    thresholds: dict[str, float]

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LinearModel:
        def floats(key: str) -> tuple[float, ...]:
            value = data[key]
            assert isinstance(value, list)
            return tuple(float(v) for v in value)

        features = data["features"]
        thresholds = data.get("thresholds", {})
        assert isinstance(features, list) and isinstance(thresholds, dict)
        model = cls(
            tuple(str(f) for f in features),
            floats("mean"),
            floats("scale"),
            floats("weights"),
            float(data["bias"]),  # type: ignore[arg-type]
            {str(k): float(v) for k, v in thresholds.items()},
        )
        if not len(model.features) == len(model.mean) == len(model.scale) == len(model.weights):
            raise ValueError("model file: features, mean, scale and weights differ in length")
        return model

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "weights": [round(v, 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "thresholds": self.thresholds,
        }

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


@cache
def load_model(path: Path) -> LinearModel:
    return LinearModel.from_json(json.loads(path.read_text(encoding="utf-8")))
