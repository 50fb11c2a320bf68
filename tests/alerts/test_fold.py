"""Tests the cooldown: the first alert goes out at once, repeats within the cooldown arrive as
one later message with their count, and no repeat is ever lost."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.alerts.fold import AlertDraft, Cooldown, Severity

COOLDOWN = 300.0


def draft(key: str = "breaker:daily_loss_limit", severity: Severity = "warning") -> AlertDraft:
    title = "Breaker tripped" if key.startswith("breaker") else f"Alert {key}"
    return AlertDraft("breaker", key, severity, title, f"what happened to {key}")


class TestFolding:
    """What the operator's inbox gets when a rule fires again and again."""

    def test_fifty_repeats_arrive_as_one_message_with_the_count(self) -> None:
        cooldown = Cooldown(COOLDOWN)
        first = cooldown.offer(draft(), 1000.0)
        repeats = [cooldown.offer(draft(), 1000.0 + i) for i in range(1, 51)]
        assert [row.count for row in first] == [1]
        assert all(out == [] for out in repeats)
        assert cooldown.due(1000.0 + COOLDOWN - 1) == []
        [folded] = cooldown.due(1000.0 + COOLDOWN)
        assert folded.count == 50
        assert folded.title == "Breaker tripped (x50)"
        assert folded.body.startswith("50 more times in the last")

    def test_worst_severity_of_the_folded_ones_wins(self) -> None:
        cooldown = Cooldown(COOLDOWN)
        cooldown.offer(draft(), 0.0)
        cooldown.offer(draft(severity="critical"), 1.0)
        cooldown.offer(draft(severity="info"), 2.0)
        [folded] = cooldown.due(COOLDOWN)
        assert (folded.severity, folded.count) == ("critical", 2)

    def test_other_keys_are_not_folded_together(self) -> None:
        cooldown = Cooldown(COOLDOWN)
        assert len(cooldown.offer(draft("stale:BONK"), 0.0)) == 1
        assert len(cooldown.offer(draft("stale:WIF"), 1.0)) == 1

    def test_flush_sends_what_is_held_when_leaving(self) -> None:
        cooldown = Cooldown(COOLDOWN)
        cooldown.offer(draft(), 0.0)
        cooldown.offer(draft(), 1.0)
        [held] = cooldown.flush(2.0)
        assert held.count == 1
        assert cooldown.due(10 * COOLDOWN) == []

    def test_no_cooldown_sends_every_alert(self) -> None:
        cooldown = Cooldown(0.0)
        assert sum(len(cooldown.offer(draft(), float(i))) for i in range(5)) == 5


offers = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 50.0), st.booleans()),
    max_size=80,
)


class TestProperties:
    """Whatever the timing: every occurrence is counted once, and no key floods."""

    @given(offers, st.floats(0.0, 120.0))
    def test_counts_add_up_and_messages_keep_their_distance(
        self, steps: list[tuple[str, float, bool]], cooldown_s: float
    ) -> None:
        cooldown = Cooldown(cooldown_s)
        now = 0.0
        sent = []
        for key, gap, ask_due in steps:
            now += gap
            sent += cooldown.offer(draft(key), now)
            if ask_due:
                sent += cooldown.due(now)
        sent += cooldown.due(now + cooldown_s + 1)
        sent += cooldown.due(now + 2 * cooldown_s + 2)
        assert sum(row.count for row in sent) == len(steps)
        assert all(row.count >= 1 for row in sent)
        by_key: dict[str, list[float]] = {}
        for row in sent:
            by_key.setdefault(row.title.split(" (x")[0], []).append(row.ts)
        gaps = [b - a for times in by_key.values() for a, b in itertools.pairwise(times)]
        assert all(gap >= cooldown_s - 1e-9 for gap in gaps)
