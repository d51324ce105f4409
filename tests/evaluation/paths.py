"""Paths of the evaluation fixtures (importable by tests; conftest holds the fixtures)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
ROOT = HERE.parent.parent
SHIPPED_POLICY = ROOT / "corpus" / "workallies-privacy-policy.txt"
V2_POLICY = ROOT / "tests" / "fixtures" / "policies" / "workallies-privacy-policy-v2.txt"
ACME = FIXTURES / "acme-policy.txt"
ACME_V2 = FIXTURES / "acme-policy-v2.txt"
ACME_EVALS = FIXTURES / "acme-evals"
