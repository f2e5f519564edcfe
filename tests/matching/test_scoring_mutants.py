"""Scoring behaviour the mutation run (tools/mutate.py, docs/testing.md) found untested: how
the routing explanation an operator reads names the tied partners. Plain Python."""

import pytest

from tests.matching.test_scoring import partner, run


@pytest.mark.parametrize(
    ("count", "named"),
    [
        (2, "Firm 2"),
        (3, "Firm 2 and Firm 3"),
        (4, "Firm 2, Firm 3 and Firm 4"),
        (6, "Firm 2, Firm 3, Firm 4, Firm 5 and Firm 6"),
        (7, "Firm 2, Firm 3, Firm 4, Firm 5, Firm 6 and 1 other"),
    ],
)
def test_the_why_lists_every_tied_partner_by_name_up_to_five(count, named):
    """An operator reads each tied firm's name, "A, B and C", and "and N other(s)" past five."""
    ranking = run([partner(i) for i in range(1, count + 1)])

    assert f"tied within 0.05 with {named} and least recently assigned" in ranking.why
