"""Provides Target: one alert destination, its secret from the environment, and one delivery.

The secret (`password_env`) is read from the environment at each send and put in the URL in
place of `{password}`, URL-encoded; it is never kept on the target, and every error text that
could carry it is scrubbed. A target is named everywhere (ledger, logs, screen) by its label:
apprise's own rendering of the URL with every secret masked.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from soltrader_tui.alerts.fold import rank
from soltrader_tui.config.model import SECRET_SLOT, AlertTarget

MASK = "****"

_APPRISE_TYPES = {"info": "info", "warning": "warning", "critical": "failure"}


class MissingSecret(Exception):
    """The environment variable a target's URL needs is not set."""


@dataclass(frozen=True, slots=True)
class Target:
    """A configured alert destination (no secret in it)."""

    label: str
    """The URL with secrets masked: how the ledger, logs and screens name the target."""
    url: str
    """The URL as configured, with `{password}` where the secret goes."""
    min_severity: str
    password_env: str | None

    def wants(self, severity: str) -> bool:
        """Whether an alert of `severity` goes to this target."""
        return rank(severity) >= rank(self.min_severity)


def make_targets(configured: Sequence[AlertTarget]) -> list[Target]:
    """Builds the targets of a config, each with a unique label (a second equal one gets #2)."""
    targets: list[Target] = []
    seen: dict[str, int] = {}
    for item in configured:
        label = _label(item.url)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} #{seen[label]}"
        targets.append(Target(label, item.url, item.min_severity, item.password_env))
    return targets


def _label(url: str) -> str:
    """The URL with its secret masked and its options dropped: the slot becomes ****;
    a URL that carries a token itself is masked by apprise, which knows each scheme's secrets."""
    if SECRET_SLOT in url:
        return url.replace(SECRET_SLOT, MASK).split("?", 1)[0]
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://" + MASK
    masked: str = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
    return masked.split("?", 1)[0]


def _secret(target: Target, environ: Mapping[str, str]) -> str | None:
    if target.password_env is None:
        return None
    value = environ.get(target.password_env)
    if not value:
        raise MissingSecret(
            f"environment variable {target.password_env} (alerts.targets password_env of "
            f"{target.label}) is not set"
        )
    return value


def scrub(text: str, secret: str | None) -> str:
    """Removes a secret, raw or URL-encoded, from a text that may be logged or stored."""
    if not secret:
        return text
    for form in {secret, quote(secret, safe="")}:
        text = text.replace(form, MASK)
    return text


def deliver(
    target: Target,
    title: str,
    body: str,
    severity: str,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """Sends one message to one target, once (blocking; the sender's thread calls it).

    Returns:
        None when apprise reports success, else why it failed (no secret in it).
    """
    import apprise

    try:
        secret = _secret(target, os.environ if environ is None else environ)
    except MissingSecret as exc:
        return str(exc)
    url = target.url
    if secret is not None:
        url = url.replace(SECRET_SLOT, quote(secret, safe=""))
    notes: list[str] = []
    try:
        sender = apprise.Apprise()
        if not sender.add(url):
            return f"apprise cannot use the URL of {target.label}"
        result = sender.notify(
            body=body,
            title=title,
            notify_type=_APPRISE_TYPES.get(severity, "info"),
            log_callback=lambda entry, _plugin: notes.append(str(entry.message)),
            log_level=logging.WARNING,
        )
    except Exception as exc:  # a plugin's own failure is a failed delivery, never a crash
        return scrub(f"{type(exc).__name__}: {exc}", secret)
    if result:
        return None
    return scrub("; ".join(notes) or "apprise reported a failure", secret)
