"""Provides the errors a metered call raises: what the caller of `MeteredClient` catches."""

from __future__ import annotations

from soltrader_tui.errors import TemporaryError


class ProviderError(TemporaryError):
    """A call to a provider did not give a usable answer; the caller skips this poll."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class ProviderUnavailable(ProviderError):
    """The provider's circuit is open: no request was sent."""

    def __init__(self, provider: str, retry_in_s: float) -> None:
        super().__init__(provider, f"circuit open, next probe in {retry_in_s:.1f}s")
        self.retry_in_s = retry_in_s


class RequestFailed(ProviderError):
    """Every attempt failed, or one failed in a way not worth retrying."""

    def __init__(
        self, provider: str, path: str, attempts: int, reason: str, *, method: str = "GET"
    ) -> None:
        plural = "attempt" if attempts == 1 else "attempts"
        super().__init__(provider, f"{method} {path} failed after {attempts} {plural}: {reason}")
        self.method = method
        self.path = path
        self.attempts = attempts
        self.reason = reason


class ClientStopping(ProviderError):
    """The client is winding down (its owner is stopping): no new attempt is started."""

    def __init__(self, provider: str) -> None:
        super().__init__(provider, "not sent: the client is stopping")
