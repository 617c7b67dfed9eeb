"""Cost per turn before running, and a monthly cost forecast from what comparisons measured.

Measured: the average tokens and cost per conversation of the variant's logged compare sessions
(same assistant and configuration hash). Turns answered by the offline simulator cost nothing,
so their tokens are priced at the list price of the variant's configured model and the forecast
says it is an estimate.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session, col

from studio.chat import pricing
from studio.chat.protocol import SIMULATOR_NAME
from studio.core.errors import InvalidInput
from studio.core.models import ChatSession, Turn, TurnSource
from studio.design.prompting import compile_prompt

from .variants import Variant

DEFAULT_MONTHLY_CONVERSATIONS = 1_000  # the business requirements have no volume field yet
MAX_MONTHLY_CONVERSATIONS = 100_000_000
TYPICAL_REPLY_TOKENS = 150


class TurnCostEstimate(BaseModel):
    """What one turn costs at least (system prompt + a typical reply) and at most."""

    model: str
    priced: bool
    prompt_tokens: int  # the compiled system prompt and tool definitions
    max_output_tokens: int
    typical_usd: float
    max_usd: float


class CostForecast(BaseModel):
    """One variant's measured usage per conversation, times a monthly volume."""

    label: str
    model: str
    conversations: int
    turns: int
    prompt_tokens_per_conversation: float
    completion_tokens_per_conversation: float
    cost_per_conversation: float
    estimated: bool  # some tokens came from the simulator and were priced at the list price
    priced: bool  # False when the configured model has no price (cost shown as 0)
    monthly_conversations: int
    monthly_tokens: float
    monthly_cost: float


def turn_cost(*, session: Session, variant: Variant) -> TurnCostEstimate:
    """The cost of one turn of `variant` at its configured model's price."""
    config = variant.target.config
    compiled = compile_prompt(config)
    price = pricing.get_price(session=session, model=config.model.model)
    reply = min(TYPICAL_REPLY_TOKENS, config.model.max_output_tokens)
    return TurnCostEstimate(
        model=config.model.model,
        priced=price is not None,
        prompt_tokens=compiled.token_count,
        max_output_tokens=config.model.max_output_tokens,
        typical_usd=pricing.estimate_cost(
            price, prompt_tokens=compiled.token_count, completion_tokens=reply
        ),
        max_usd=pricing.estimate_cost(
            price,
            prompt_tokens=compiled.token_count,
            completion_tokens=config.model.max_output_tokens,
        ),
    )


def forecast(*, session: Session, variant: Variant, monthly_conversations: int) -> CostForecast:
    """Measured average per compare conversation of `variant`, times `monthly_conversations`.

    Raises InvalidInput if the volume is negative or beyond MAX_MONTHLY_CONVERSATIONS.
    """
    if not 0 <= monthly_conversations <= MAX_MONTHLY_CONVERSATIONS:
        raise InvalidInput(
            f"Enter a monthly volume between 0 and {MAX_MONTHLY_CONVERSATIONS:,} conversations."
        )
    target = variant.target
    rows = (
        session.connection()
        .execute(
            select(
                col(Turn.session_id),
                col(Turn.backend),
                func.count(),
                func.sum(Turn.prompt_tokens),
                func.sum(Turn.completion_tokens),
                func.sum(Turn.cost_usd),
            )
            .join(ChatSession, col(ChatSession.id) == col(Turn.session_id))
            .where(
                col(ChatSession.source) == TurnSource.COMPARE,
                col(ChatSession.assistant_id) == target.assistant_id,
                col(ChatSession.config_hash) == target.config_hash,
            )
            .group_by(col(Turn.session_id), col(Turn.backend))
        )
        .all()
    )
    price = pricing.get_price(session=session, model=target.config.model.model)
    sessions: set[int] = set()
    turns = prompt = completion = 0
    cost = 0.0
    estimated = False
    for session_id, backend, n, p_tokens, c_tokens, usd in rows:
        sessions.add(int(session_id))
        turns += int(n)
        prompt += int(p_tokens or 0)
        completion += int(c_tokens or 0)
        if backend == SIMULATOR_NAME:
            estimated = True
            cost += pricing.estimate_cost(
                price, prompt_tokens=int(p_tokens or 0), completion_tokens=int(c_tokens or 0)
            )
        else:
            cost += float(usd or 0.0)
    n_conv = len(sessions)

    def per(total: float) -> float:
        return total / n_conv if n_conv else 0.0

    return CostForecast(
        label=variant.label,
        model=target.config.model.model,
        conversations=n_conv,
        turns=turns,
        prompt_tokens_per_conversation=per(prompt),
        completion_tokens_per_conversation=per(completion),
        cost_per_conversation=per(cost),
        estimated=estimated,
        priced=price is not None,
        monthly_conversations=monthly_conversations,
        monthly_tokens=per(prompt + completion) * monthly_conversations,
        monthly_cost=per(cost) * monthly_conversations,
    )
