"""phrase_spans: every occurrence of every phrase, overlapping ones included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.policy import phrase_spans


def test_finds_every_occurrence_including_overlaps() -> None:
    assert phrase_spans("aaa b aa", ["aa", "b", "zz"]) == [(0, 2), (1, 3), (6, 8), (4, 5)]


@given(
    st.text(alphabet="ab ", max_size=40),
    st.lists(st.text(alphabet="ab", min_size=1, max_size=3), max_size=3),
)
def test_each_span_holds_its_phrase(text: str, phrases: list[str]) -> None:
    spans = phrase_spans(text, phrases)
    assert all(text[start:end] in phrases for start, end in spans)
    assert len(spans) == sum(1 for p in phrases for i in range(len(text)) if text.startswith(p, i))
