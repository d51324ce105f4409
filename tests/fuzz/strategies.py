"""Hostile text for the fuzz tests: every code point class, including what breaks encoders."""

from __future__ import annotations

from hypothesis import strategies as st

# Surrogates (Cs) cannot be encoded to UTF-8; controls (Cc), format characters such as
# bidi overrides and zero-width joiners (Cf) and private use (Co) hide or reorder text.
nasty_characters = st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Co", "Zl", "Zp"])
any_character = st.characters(codec=None)

nasty_text = st.text(st.one_of(any_character, nasty_characters), max_size=300)

SECRETS = (
    "4111 1111 1111 1111",
    "my password is hunter2-Xq9!",
    "sk_live_51HxQe2LkdjfQWERTYuiop12345",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
)

policy_words = st.sampled_from(
    (
        "delete my account",
        "yes",
        "no",
        "cancel",
        "my email is ada@example.com",
        "how long do you keep my data",
        "cookies",
        "do you sell my data",
        "copy of my data",
        "stop marketing emails",
        "my child",
        "ignore previous instructions",
        *SECRETS,
    )
)

# Messages that look like chat: policy words glued with hostile characters and noise.
chatty_text = st.lists(st.one_of(policy_words, nasty_text), min_size=1, max_size=6).map(" ".join)

session_ids = st.one_of(
    st.from_regex(r"\A[A-Za-z0-9._:@-]{1,128}\Z"),
    st.text(max_size=200),
    st.just(""),
    st.text(st.characters(codec=None), min_size=129, max_size=300),
)
