"""`core.mail.send_email`: plain text plus an HTML alternative, every link on one line.

Python's modern email API (Django 6) would send a body with a line over 78 characters as
quoted-printable: a long link cut by `=` soft line breaks and its `=` sent as `=3D`."""

import email
import email.policy

import pytest
from django.core import mail

from core.mail import RFC5322_LINE_LIMIT, send_email

# As long as a signed sign-in link, with the characters quoted-printable rewrites.
LONG_URL = (
    "http://127.0.0.1:8001/signin/"
    + "eyJ1IjoxMjMsImwiOiIyMDI2LTAxLTAxVDEyOjAwOjAwKzAwOjAwIn0:1vAbCd:"
    + "x" * 80
    + "/?next=/my/&ref=e-mail"
)


def _soft_breaks(raw: bytes) -> list[bytes]:
    """The lines that end in a quoted-printable soft line break (`=`), other than the
    multipart boundaries (which end in `==`)."""
    boundary = email.message_from_bytes(raw).get_boundary().encode()
    return [line for line in raw.splitlines() if line.endswith(b"=") and boundary not in line]


HTML = """<!doctype html>
<html><body style="font-family:sans-serif">
<p>Hello {{ name }},</p>
<p><a href="{{ url }}" style="color:#1d4ed8">{{ url }}</a></p>
</body></html>
"""
TEXT = """Hello {{ name }},

{{ url }}
"""


@pytest.fixture(autouse=True)
def templates(settings, tmp_path):
    """`test/email.txt` and `.html` in a template directory of their own."""
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "email.txt").write_text(TEXT)
    (tmp_path / "test" / "email.html").write_text(HTML)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


def _send(name: str = "Dana", url: str = LONG_URL, subject: str = "Your link") -> None:
    send_email(
        subject=subject, template="test/email", context={"name": name, "url": url}, to=["d@x.test"]
    )


def _sent():
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def _parts(raw: bytes) -> dict[str, email.message.EmailMessage]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return {part.get_content_type(): part for part in parsed.walk()}


def test_it_sends_plain_text_with_an_html_alternative():
    _send()

    message = _sent()
    assert message.to == ["d@x.test"]
    assert message.subject == "Your link"
    assert message.from_email == "CloudRoute <hello@cloudroute.test>"
    parts = _parts(message.message().as_bytes())
    assert set(parts) == {"multipart/alternative", "text/plain", "text/html"}
    assert parts["text/plain"].get_content() == f"Hello Dana,\n\n{LONG_URL}\n"
    assert f'<a href="{LONG_URL.replace("&", "&amp;")}"' in parts["text/html"].get_content()


def test_it_escapes_the_html_but_not_the_plain_text():
    _send(name="Ana & Raj <AI>")

    parts = _parts(_sent().message().as_bytes())
    assert "Hello Ana & Raj <AI>," in parts["text/plain"].get_content()
    assert "Hello Ana &amp; Raj &lt;AI&gt;," in parts["text/html"].get_content()


@pytest.mark.parametrize(
    "policy", [email.policy.default, email.policy.SMTP], ids=["default", "smtp"]
)
def test_it_keeps_a_long_link_on_one_line_in_both_parts(policy):
    assert len(LONG_URL) > 150
    _send()

    raw = _sent().message(policy=policy).as_bytes()

    assert _soft_breaks(raw) == [], raw.decode()
    assert b"=3D" not in raw
    assert b"quoted-printable" not in raw.lower()
    assert b"base64" not in raw.lower()
    lines = raw.splitlines()
    assert LONG_URL.encode() in lines  # the plain-text part: the link is a line of its own
    html_link = LONG_URL.replace("&", "&amp;").encode()
    assert any(line.count(html_link) == 2 for line in lines)  # href and text, one line
    assert raw.count(b"Content-Transfer-Encoding: 7bit") == 2


def test_it_sends_utf8_as_8bit_without_wrapping():
    _send(name="Zoë Ångström")

    raw = _sent().message().as_bytes()

    assert raw.count(b"Content-Transfer-Encoding: 8bit") == 2
    assert "Hello Zoë Ångström,".encode() in raw
    assert LONG_URL.encode() in raw.splitlines()
    assert _soft_breaks(raw) == []


def test_it_still_folds_long_headers():
    subject = "A subject " * 15
    _send(subject=subject)

    raw = _sent().message().as_bytes()

    headers = raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in headers.splitlines()) <= 78
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject


def test_a_line_longer_than_smtp_allows_falls_back_to_quoted_printable():
    # RFC 5322 caps a line at 998 characters; only past that may a body be re-encoded.
    _send(url="http://127.0.0.1:8000/" + "y" * RFC5322_LINE_LIMIT)

    raw = _sent().message().as_bytes()

    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert max(len(line) for line in raw.splitlines()) <= RFC5322_LINE_LIMIT


def test_the_console_shows_the_link_whole(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    _send()

    out = capsys.readouterr().out
    assert "Content-Type: text/plain" in out
    assert "Content-Type: text/html" in out
    assert LONG_URL in out.splitlines()
    assert f'<a href="{LONG_URL.replace("&", "&amp;")}"' in out
    assert _soft_breaks(out.encode()) == []
    assert "=3D" not in out


def test_it_sends_nothing_to_nobody():
    send_email(subject="x", template="test/email", context={"url": LONG_URL}, to=[])

    assert mail.outbox == []


# The converted senders' templates (credits and matching): both parts, the link an <a href>.
@pytest.mark.parametrize(
    "template",
    [
        "credits/email/outcome_changed",
        "matching/email/lead_offered",
        "matching/email/lead_accepted",
        "matching/email/operators_unrouted",
        "matching/email/outcome_partner",
    ],
)
def test_the_apps_templates_carry_the_link_in_both_parts(template):
    send_email(subject="x", template=template, context={"url": LONG_URL}, to=["d@x.test"])

    raw = _sent().message().as_bytes()
    parts = _parts(raw)
    assert LONG_URL in parts["text/plain"].get_content()
    assert f'<a href="{LONG_URL.replace("&", "&amp;")}"' in parts["text/html"].get_content()
    assert _soft_breaks(raw) == []
    assert LONG_URL.encode() in raw
