"""CloudRoute's e-mails: plain text plus an HTML alternative, with every link on one line.

Django 6 builds messages with Python's modern email API, whose content manager picks a
transfer encoding per part: 7bit/8bit while every line fits `policy.max_line_length`
(78 in `email.policy.default` and `email.policy.SMTP`), quoted-printable or base64
beyond it. A signed sign-in link is longer than 78 characters, so the body would be
quoted-printable: the link cut by `=` soft line breaks and every `=` in it sent as
`=3D`, which some clients and most people copying from a console do not undo.

`UnwrappedEmail` builds the bodies with the line limit of RFC 5322 (998), so a text or
HTML part is 7bit (ASCII) or 8bit (UTF-8) and sent as written; only a line over 998
characters, which SMTP may not carry, still falls back to quoted-printable. Headers are
folded with the caller's policy as before.
"""

from collections.abc import Mapping
from email.message import EmailMessage as StdlibEmailMessage
from email.policy import Policy, default

from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine
from django.template.loader import render_to_string

# RFC 5322 section 2.1.1: a line MUST be no more than 998 characters (without CRLF).
RFC5322_LINE_LIMIT = 998


class UnwrappedEmail(EmailMultiAlternatives):
    """An `EmailMultiAlternatives` whose text bodies are never wrapped or QP-encoded
    (while their lines fit RFC 5322)."""

    def message(self, *, policy: Policy | None = None) -> StdlibEmailMessage:
        headers_policy = policy or default
        msg = super().message(policy=headers_policy.clone(max_line_length=RFC5322_LINE_LIMIT))
        # The bodies are encoded by now; the generator folds headers with msg.policy.
        msg.policy = headers_policy
        return msg


def send_email(
    *, subject: str, template: str, context: Mapping[str, object], to: list[str]
) -> None:
    """Send `<template>.txt` (rendered without autoescaping: it is plain text) with
    `<template>.html` as its HTML alternative, from settings.DEFAULT_FROM_EMAIL to `to`.
    Nothing is sent when `to` is empty."""
    text = (
        Engine.get_default()
        .get_template(f"{template}.txt")
        .render(Context(dict(context), autoescape=False))
    )
    html = render_to_string(f"{template}.html", dict(context))
    message = UnwrappedEmail(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
