"""Model prices (USD per million tokens) for cost estimates; editable, with sensible defaults.

Stored prices override the defaults below; a model with no price costs 0 and is marked unpriced.
The simulator always costs nothing.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, select

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.errors import InvalidInput, NotFound, problems_from_validation
from studio.core.models import ModelPrice

# Public list prices at the time of writing; people correct them in Settings.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-3.5-turbo": (0.50, 1.50),
    "o4-mini": (1.10, 4.40),
}


class PriceRow(BaseModel):
    model: str = Field(min_length=1, max_length=120)
    input_per_million: float = Field(ge=0, le=10_000)
    output_per_million: float = Field(ge=0, le=10_000)
    is_default: bool = False


def list_prices(*, session: Session) -> list[PriceRow]:
    """Every known price: stored ones, then defaults nobody has overridden, by model name."""
    stored = {p.model: p for p in session.exec(select(ModelPrice)).all()}
    rows = [
        PriceRow(
            model=m, input_per_million=p.input_per_million, output_per_million=p.output_per_million
        )
        for m, p in stored.items()
    ]
    rows += [
        PriceRow(model=m, input_per_million=i, output_per_million=o, is_default=True)
        for m, (i, o) in DEFAULT_PRICES.items()
        if m not in stored
    ]
    return sorted(rows, key=lambda r: r.model)


def get_price(*, session: Session, model: str) -> PriceRow | None:
    """The price for `model` (stored, else default), or None when unknown."""
    stored = session.get(ModelPrice, model)
    if stored is not None:
        return PriceRow(
            model=model,
            input_per_million=stored.input_per_million,
            output_per_million=stored.output_per_million,
        )
    if model in DEFAULT_PRICES:
        i, o = DEFAULT_PRICES[model]
        return PriceRow(model=model, input_per_million=i, output_per_million=o, is_default=True)
    return None


def set_price(
    *, session: Session, model: str, input_per_million: float, output_per_million: float
) -> PriceRow:
    """Store a price for `model`. Raises InvalidInput if the name or a price is not valid."""
    require(Permission.MANAGE_SETTINGS)
    try:
        row = PriceRow(
            model=model.strip(),
            input_per_million=input_per_million,
            output_per_million=output_per_million,
        )
    except ValidationError as exc:
        raise InvalidInput(
            "The price is not valid.", problems=problems_from_validation(exc)
        ) from exc
    stored = session.get(ModelPrice, row.model) or ModelPrice(
        model=row.model, input_per_million=0, output_per_million=0
    )
    old = get_price(session=session, model=row.model) or PriceRow(
        model=row.model, input_per_million=0, output_per_million=0
    )
    audit.record(
        session=session,
        action="settings.price",
        target_type="price",
        target_id=row.model,
        target_label=row.model,
        changes=audit.changes_between(
            old.model_dump(exclude={"model"}), row.model_dump(exclude={"model"})
        ),
    )
    stored.input_per_million = row.input_per_million
    stored.output_per_million = row.output_per_million
    session.add(stored)
    session.flush()
    return row


def delete_price(*, session: Session, model: str) -> None:
    """Remove a stored price (a default comes back). Raises NotFound if none is stored."""
    require(Permission.MANAGE_SETTINGS)
    stored = session.get(ModelPrice, model)
    if stored is None:
        raise NotFound(f'No stored price for "{model}".')
    audit.record(
        session=session,
        action="settings.price_removed",
        target_type="price",
        target_id=model,
        target_label=model,
        changes=audit.changed(
            input_per_million=(stored.input_per_million, None),
            output_per_million=(stored.output_per_million, None),
        ),
    )
    session.delete(stored)
    session.flush()


def estimate_cost(price: PriceRow | None, *, prompt_tokens: int, completion_tokens: int) -> float:
    """USD cost of one call at `price` (0 when the price is unknown)."""
    if price is None:
        return 0.0
    return (
        prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million
    ) / 1_000_000
