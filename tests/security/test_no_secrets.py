"""No secret in the repository: every file git tracks (or would add) is scanned for AWS keys,
private keys, API tokens and a literal Django SECRET_KEY."""

import re
import subprocess

import pytest
from django.conf import settings

from tests.conftest import IN_CI

SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"aws_secret_access_key\s*[=:]\s*[\"']?([A-Za-z0-9/+]{40})\b", re.IGNORECASE
    ),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    # A literal key of real length, in code or in an env file; `SECRET_KEY="$(...)"`,
    # `SECRET_KEY=secrets.token_urlsafe(50)` and `env.str("SECRET_KEY")` are not.
    "Django SECRET_KEY": re.compile(r"SECRET_KEY\s*[=:]\s*[\"'][^\s\"'$]{20,}[\"']"),
    "Django SECRET_KEY in an env file": re.compile(
        r"^(?:export )?SECRET_KEY=(?!\$)[^\s\"']{20,}$", re.MULTILINE
    ),
}
# Placeholders that only look like secrets (AWS's documented example key id).
ALLOWED = {"AKIAIOSFODNN7EXAMPLE"}


def _repository_files() -> list[str]:
    try:
        result = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        if IN_CI:
            pytest.fail(f"cannot list the repository's files: {error}")
        pytest.skip(f"not a git checkout: {error}")
    return [name for name in result.stdout.split("\0") if name]


def _secrets_in(text: str) -> list[str]:
    found = []
    for kind, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            if match.group(0) not in ALLOWED:
                found.append(f"{kind}: {match.group(0)[:24]}...")
    return found


def test_the_patterns_spot_secrets():
    # Assembled here, so this file does not hold what it looks for.
    samples = [
        "AKIA" + "Z7" * 8,
        "aws_secret_access_key = '" + "wJalrXUtnFEMI/K7MDENG+bPxRfiCY" + "Q" * 10 + "'",
        "-----BEGIN " + "RSA PRIVATE KEY-----",
        "gh" + "p_" + "a1" * 18,
        "xo" + "xb-" + "1234567890-abcdef",
        "SECRET_" + 'KEY = "' + "k" * 50 + '"',
        "SECRET_" + "KEY=" + "k(" * 25,
    ]

    assert [len(_secrets_in(sample)) for sample in samples] == [1] * len(samples)
    assert _secrets_in('SECRET_KEY = env.str("SECRET_KEY", default="")') == []
    assert _secrets_in("    SECRET_KEY=secrets.token_urlsafe(50),") == []
    assert _secrets_in("AKIAIOSFODNN7EXAMPLE") == []


def test_no_file_in_the_repository_holds_a_secret():
    found = {}
    for name in _repository_files():
        path = settings.BASE_DIR / name
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        content = path.read_bytes()
        if b"\0" in content:  # binary
            continue
        if hits := _secrets_in(content.decode("utf-8", errors="replace")):
            found[name] = hits

    assert found == {}
