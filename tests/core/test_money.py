from decimal import Decimal

import pytest

from hostlane.core import money


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("19.65", "EUR", 1965),
        (19.65, "EUR", 1965),
        (19, "USD", 1900),
        ("0.005", "EUR", 1),
        ("0.004", "EUR", 0),
        ("-0.005", "EUR", -1),
        ("1000", "JPY", 1000),
        ("1.2345", "KWD", 1235),
    ],
)
def test_to_minor_rounds_half_up_to_the_currency_unit(value: object, currency: str, minor: int) -> None:
    assert money.to_minor(value, currency) == minor  # type: ignore[arg-type]


def test_format_amount_prints_the_documents_decimal_strings() -> None:
    assert money.format_amount(1965, "EUR") == "19.65"
    assert money.format_amount(5, "EUR") == "0.05"
    assert money.format_amount(1000, "JPY") == "1000"
    assert money.to_number(1624, "EUR") == 16.24


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", ""])
def test_to_minor_refuses_what_is_not_an_amount(bad: str) -> None:
    with pytest.raises(money.MoneyError):
        money.to_minor(bad, "EUR")


def test_percent_of_rounds_once() -> None:
    assert money.percent_of(1624, Decimal("21")) == 341  # 341.04
    assert money.percent_of(250, Decimal("10")) == 25
    assert money.percent_of(5, Decimal("10")) == 1  # 0.5 rounds half-up


@pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD"])
@pytest.mark.parametrize("minor", [0, 1, -1, 5, 1965, -1965, 10**12 - 1, 123456789012345678])
def test_to_number_is_the_float_of_the_exact_decimal(minor: int, currency: str) -> None:
    assert money.to_number(minor, currency) == float(money.to_decimal(minor, currency))


def test_to_number_prints_the_amount() -> None:
    assert (money.to_number(1965, "EUR"), money.to_number(1965, "JPY"), money.to_number(1965, "KWD")) == (
        19.65,
        1965.0,
        1.965,
    )
