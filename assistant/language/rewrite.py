"""Rewrites from the lexicon's tables: contractions, chat-speak, units after numbers.

The tables are data (``language.yaml``); the patterns below are built from them. A key
matches as whole words, never inside an abbreviation ("u" in "U.S.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.lexicon import Lexicon

_BEFORE = r"(?<![\w'’.])"
_AFTER = r"(?![\w'’]|\.\w)"


def _table_re(keys: list[str], flags: int = 0) -> re.Pattern[str] | None:
    if not keys:
        return None
    ordered = sorted(keys, key=len, reverse=True)  # "e mails" before "e mail"
    body = "|".join(r"\s+".join(map(re.escape, key.split())) for key in ordered)
    return re.compile(f"{_BEFORE}(?:{body}){_AFTER}", flags)


@dataclass(frozen=True)
class Rewriter:
    """Spells out a lexicon's contractions, chat-speak and number units."""

    table: dict[str, str]
    chat: dict[str, str]
    units: dict[str, str]
    normal_re: re.Pattern[str] | None
    chat_re: re.Pattern[str] | None
    units_re: re.Pattern[str] | None

    @classmethod
    def build(cls, lex: Lexicon) -> Rewriter:
        table = {" ".join(k.split()): v for k, v in (lex.contractions | lex.chat_speak).items()}
        chat = {" ".join(k.split()): v for k, v in lex.chat_speak.items()}
        units = dict(lex.number_units)
        unit_keys = "|".join(sorted(map(re.escape, units), key=len, reverse=True))
        units_re = re.compile(rf"\b(\d+) ?({unit_keys})\b") if units else None
        return cls(
            table,
            chat,
            units,
            _table_re(list(table)),
            _table_re(list(chat), re.IGNORECASE),
            units_re,
        )

    def normal(self, lowered: str) -> str:
        """Lower-case text with every table applied (punctuation kept)."""
        text = lowered.replace("’", "'")
        if self.units_re is not None:
            text = self.units_re.sub(lambda m: f"{m.group(1)} {self.units[m.group(2)]}", text)
        if self.normal_re is not None:
            text = self.normal_re.sub(lambda m: self.table[" ".join(m.group(0).split())], text)
        return text

    def spell_out_chat(self, text: str) -> str:
        """Chat-speak words spelled out, everything else as written ("do u sell" ->
        "do you sell"), for readers that parse sentences and keep case."""
        if self.chat_re is None:
            return text
        return self.chat_re.sub(lambda m: self.chat[" ".join(m.group(0).lower().split())], text)
