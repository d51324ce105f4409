"""Input that cannot be a policy fails with a PolicyError that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.policy import (
    MAX_POLICY_BYTES,
    PolicyError,
    decode_policy_bytes,
    load_policy,
    parse_policy,
)

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\t\r\n   \n", "is empty"),
        ("bom-only.txt", b"\xef\xbb\xbf\n", "is empty"),
        ("logo.png", PNG_HEADER, "binary file"),
        ("nul.txt", b"Privacy Policy\x00\x00", "binary file"),
        ("latin1.txt", "Politique de confidentialité".encode("latin-1"), "not valid UTF-8"),
        ("only-headings.md", b"# Privacy Policy\n\n## Cookies\n", "no policy text"),
    ],
)
def test_unusable_files_raise_policy_error(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(PolicyError, match=message) as info:
        load_policy(path)
    assert name in str(info.value)


def test_non_utf8_names_the_byte_and_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, "latin1.txt", "café".encode("latin-1"))
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert "0xe9 at position 3" in str(info.value)
    assert "save it as UTF-8" in str(info.value)


def test_ten_megabyte_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "huge.txt", b"We collect data.\n" * (10_000_000 // 17 + 1))
    assert path.stat().st_size >= 10_000_000
    with pytest.raises(PolicyError, match="too large") as info:
        load_policy(path)
    assert "probably the wrong file" in str(info.value)
    assert f"{MAX_POLICY_BYTES:,}" in str(info.value)


def test_too_large_bytes_and_text_are_refused() -> None:
    with pytest.raises(PolicyError, match="too large"):
        decode_policy_bytes(b"a" * (MAX_POLICY_BYTES + 1), "upload")
    with pytest.raises(PolicyError, match="too large"):
        parse_policy("a" * (MAX_POLICY_BYTES + 1))


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="got a directory"):
        load_policy(tmp_path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "policy.txt"
    with pytest.raises(PolicyError, match="not found") as info:
        load_policy(missing)
    assert str(missing) in str(info.value)


def test_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 000 does not stop root, so the permission error is simulated.
    path = _write(tmp_path, "secret.txt", b"Privacy Policy\n\nWe collect data.\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(PolicyError, match=r"cannot read policy file .*Permission denied"):
        load_policy(path)


@pytest.mark.parametrize("text", ["", " ", "\n\n\t", "\ufeff", "\ufeff  \r\n"])
def test_parse_policy_rejects_blank_text(text: str) -> None:
    with pytest.raises(PolicyError, match="is empty"):
        parse_policy(text, source="pasted text")


def test_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)
