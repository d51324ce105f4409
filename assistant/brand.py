"""The company a policy belongs to: its name, its own e-mail domains, other platforms.

No company is named in code. The name is the one the policy uses for itself: the label
of an e-mail domain it lists ("privacy@workallies.com") spelled as its text spells it
("WorkAllies"), else the words before "Privacy Policy" in its title ("Acme Privacy
Policy"); the setting ``company_name`` overrides both. Its own domains are those of the
addresses it lists, which a pasted policy excerpt brings into a message but which are
never the requester's. Other platforms are a word list (``templates/brand.yaml``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.config import Settings
from assistant.language import EMAIL_RE
from assistant.language.lexicon import lexicon
from assistant.policy import TITLE_WORDS_RE, Policy, load_policy
from assistant.templates import load_template

_WORD = re.compile(r"\w+")
_NEVER = "(?!)"  # an alternative that matches nothing, for an empty word list
_SHORT_SECOND_LEVEL = 3  # "co" in "acme.co.uk" is not the company's label


class BrandWords(BaseModel):
    """``templates/brand.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    other_platforms: tuple[str, ...] = Field(min_length=1)
    fallback_name: str = Field(min_length=1)

    @field_validator("other_platforms")
    @classmethod
    def _lower_case(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        if any(name != name.lower() or not name.strip() for name in names):
            raise ValueError("platform names are lower-case, as a normalised message has them")
        return names


@cache
def brand_words() -> BrandWords:
    return BrandWords.model_validate(load_template("brand"))


@dataclass(frozen=True)
class Brand:
    name: str  # as replies write it: "WorkAllies"
    aliases: tuple[str, ...]  # lower-case, as a normalised message names the company
    domains: tuple[str, ...]  # its own e-mail domains, lower-case
    other_platforms: tuple[str, ...]

    @property
    def alias_regex(self) -> str:
        """A group matching any alias in normalised text (escaped; never empty)."""
        return _alternatives(self.aliases)

    @property
    def platform_regex(self) -> str:
        return _alternatives(self.other_platforms)

    def owns(self, address: str) -> bool:
        return address.lower().endswith(self.domains) if self.domains else False


def _alternatives(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in words) + ")" if words else _NEVER


def brand_of(policy: Policy, company_name: str | None = None) -> Brand:
    """The brand of ``policy``; ``company_name`` (``Settings.company_name``) overrides
    the name it uses for itself. Derived once per policy text."""
    return _derive(policy.title, policy.text, company_name)


@cache
def configured_brand() -> Brand:
    """The brand of the configured policy, for callers that are given no policy."""
    settings = Settings()
    return brand_of(load_policy(settings.policy_path), settings.company_name)


def or_configured(brand: Brand | None) -> Brand:
    return brand if brand is not None else configured_brand()


@lru_cache(maxsize=8)
def _derive(title: str, text: str, company_name: str | None) -> Brand:
    domains = tuple(dict.fromkeys(m["domain"].lower() for m in EMAIL_RE.finditer(text)))
    own = _name_in_text(text, domains)
    name = company_name or (own[1] if own else None) or _name_in_title(title)
    aliases = [name.lower()] if name else []
    if own:
        aliases.append(own[0])
    words = brand_words()
    return Brand(
        name=name or words.fallback_name,
        aliases=tuple(dict.fromkeys(aliases)),
        domains=domains,
        # a company is not another platform to itself
        other_platforms=tuple(p for p in words.other_platforms if p not in aliases),
    )


def _label(domain: str) -> str:
    """The registrable label: "workallies" in "mail.workallies.com", "acme" in "acme.co.uk"."""
    labels = domain.split(".")
    second = labels[-2]
    return labels[-3] if len(second) <= _SHORT_SECOND_LEVEL and len(labels) > 2 else second


def _name_in_text(text: str, domains: tuple[str, ...]) -> tuple[str, str] | None:
    """(label, spelling) of the domain label the policy's own text uses most as a word,
    in its most frequent spelling ("WorkAllies", not "Workallies")."""
    counts = Counter(_WORD.findall(EMAIL_RE.sub(" ", text)))
    best: tuple[int, str, str] | None = None
    for label in dict.fromkeys(_label(d) for d in domains):
        spellings = {word: n for word, n in counts.items() if word.lower() == label}
        total = sum(spellings.values())
        if spellings and (best is None or total > best[0]):
            best = (total, label, max(spellings, key=lambda word: spellings[word]))
    return (best[1], best[2]) if best else None


def _name_in_title(title: str) -> str | None:
    """ "Acme" in "Acme Privacy Policy" or "Acme's Privacy Notice"; None for "Our Privacy
    Policy"."""
    match = TITLE_WORDS_RE.search(title)
    if match is None:
        return None
    words = re.sub(r"['’]s$", "", title[: match.start()].strip(" -–:|")).split()
    stopwords = lexicon().all_stopwords
    if not words or any(not w[0].isupper() or w.lower() in stopwords for w in words):
        return None
    return " ".join(words)
