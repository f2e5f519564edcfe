"""The intake's access token: what the API hands the founder and how it is stored (hashed)."""

import hashlib


def intake_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
