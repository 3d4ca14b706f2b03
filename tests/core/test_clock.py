from datetime import UTC, datetime

from hostlane.core import clock


def test_frozen_clock_returns_the_moment_in_utc_and_restores() -> None:
    with clock.frozen_at(datetime(2030, 1, 2, 3, 4, 5)):
        assert clock.now() == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert clock.today().isoformat() == "2030-01-02"
    assert clock.now().year != 2030
