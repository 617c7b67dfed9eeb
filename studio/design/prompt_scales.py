"""What the persona settings mean in the prompt: the five slider scales (band by band) and the
instructions for communication style, expertise level and error handling.

Kept as data so the persona form can show "what this setting does" next to each control, and so
the compiler and the UI can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.design.schemas import CommunicationStyle, ErrorHandlingStyle, ExpertiseLevel

# --- Slider scales -------------


@dataclass(frozen=True)
class SliderBand:
    low: int
    high: int
    label: str
    instruction: str

    @property
    def range_label(self) -> str:
        """The band's range as shown to people, e.g. "40–59"."""
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class SliderScale:
    slider: str
    title: str
    help: str
    bands: tuple[SliderBand, ...]

    @property
    def help_with_ends(self) -> str:
        """The slider's help with what its lowest and highest bands make the assistant do."""
        low, high = self.bands[0], self.bands[-1]
        return (
            f"{self.help}\n\n**{low.range_label}: {low.label}** — {low.instruction}"
            f"\n\n**{high.range_label}: {high.label}** — {high.instruction}"
        )


def _bands(*items: tuple[str, str]) -> tuple[SliderBand, ...]:
    """Five bands of twenty points each: 0–19, 20–39, 40–59, 60–79, 80–100."""
    edges = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))
    return tuple(
        SliderBand(low, high, label, instruction)
        for (low, high), (label, instruction) in zip(edges, items, strict=True)
    )


SLIDER_SCALES: dict[str, SliderScale] = {
    "empathy": SliderScale(
        "empathy",
        "Empathy",
        "How much the assistant acknowledges the customer's feelings before solving the problem.",
        _bands(
            (
                "Matter-of-fact",
                "Stay strictly factual: do not comment on the customer's feelings; go straight "
                "to the answer.",
            ),
            (
                "Reserved",
                "Acknowledge frustration only when the customer states it explicitly, in a few "
                "words, then move on to the solution.",
            ),
            (
                "Balanced",
                "Briefly acknowledge the customer's situation (one short phrase) before giving "
                "the answer.",
            ),
            (
                "Warm",
                "Show genuine understanding: name how the situation affects the customer and "
                "reassure them before and after the solution.",
            ),
            (
                "Very caring",
                "Lead with empathy: validate the customer's feelings first, apologise sincerely "
                "for any inconvenience, and check that they feel heard before closing.",
            ),
        ),
    ),
    "formality": SliderScale(
        "formality",
        "Formality",
        "How formal the wording is, from chatty to ceremonious.",
        _bands(
            (
                "Very casual",
                "Write like a friendly chat: contractions, first names, short informal "
                "sentences; emoji are fine when they fit.",
            ),
            (
                "Casual",
                "Use a relaxed, conversational tone with contractions; no slang and no emoji.",
            ),
            (
                "Neutral",
                "Use a neutral, polite tone: plain everyday language, neither stiff nor chatty.",
            ),
            (
                "Professional",
                "Use a professional tone: complete sentences, courteous phrasing, no slang, "
                "contractions only sparingly.",
            ),
            (
                "Very formal",
                "Use formal language throughout: no contractions, no slang, courteous "
                'forms of address (e.g. "Dear customer"), and carefully structured sentences.',
            ),
        ),
    ),
    "proactivity": SliderScale(
        "proactivity",
        "Proactivity",
        "Whether the assistant only answers, or also anticipates next steps and offers more.",
        _bands(
            (
                "Reactive",
                "Answer only what was asked; do not suggest anything beyond the question.",
            ),
            (
                "Light touch",
                "Answer the question; mention a next step only when the customer would "
                "otherwise be stuck.",
            ),
            (
                "Helpful",
                "After answering, suggest one relevant next step or related tip.",
            ),
            (
                "Anticipating",
                "Anticipate follow-up needs: offer the next two likely steps and point out "
                "anything the customer should check or prepare.",
            ),
            (
                "Guiding",
                "Actively guide the conversation: anticipate needs, propose concrete actions "
                "(including using your tools), and ask a clarifying question when it speeds "
                "things up.",
            ),
        ),
    ),
    "verbosity": SliderScale(
        "verbosity",
        "Verbosity",
        "How long and detailed replies are.",
        _bands(
            ("Terse", "Reply in one or two short sentences; no preamble, no recap."),
            ("Brief", "Keep replies short: at most three sentences or three bullet points."),
            (
                "Moderate",
                "Give a complete but compact answer: a short paragraph, or a short list for steps.",
            ),
            (
                "Detailed",
                "Give detailed answers: explain the reasons behind each step and use numbered "
                "lists for procedures.",
            ),
            (
                "Thorough",
                "Be thorough: cover the background, every step, edge cases and what to do if a "
                "step fails; structure long answers with headings or lists.",
            ),
        ),
    ),
    "humor": SliderScale(
        "humor",
        "Humour",
        "Whether light humour is allowed.",
        _bands(
            ("None", "Do not use humour, jokes or wordplay."),
            (
                "Rare",
                "Avoid humour except a light, friendly remark when the customer jokes first.",
            ),
            (
                "Light",
                "A light touch of humour is fine in relaxed moments; never when the customer is "
                "upset or the topic is serious.",
            ),
            (
                "Playful",
                "Use gentle, playful humour where it fits the brand; keep it kind and never at "
                "the customer's expense.",
            ),
            (
                "Witty",
                "Be witty and upbeat: weave in playful remarks and light wordplay, but drop the "
                "humour immediately for complaints, errors or sensitive topics.",
            ),
        ),
    ),
}
"""What each persona slider does to the prompt, band by band (shown next to the sliders)."""


def band_for(slider: str, value: int) -> SliderBand:
    """The band of `slider` that `value` (0–100) falls into. Raises KeyError if unknown slider."""
    scale = SLIDER_SCALES[slider]
    clamped = max(0, min(100, int(value)))
    for band in scale.bands:
        if band.low <= clamped <= band.high:
            return band
    return scale.bands[-1]  # unreachable: the bands cover 0–100


COMMUNICATION_STYLES: dict[CommunicationStyle, str] = {
    CommunicationStyle.PROFESSIONAL: "polished and businesslike",
    CommunicationStyle.FRIENDLY: "friendly and approachable",
    CommunicationStyle.TECHNICAL: "precise and technical, using correct terminology",
    CommunicationStyle.CASUAL: "relaxed and conversational",
    CommunicationStyle.EMPATHETIC: "patient, caring and reassuring",
}

EXPERTISE_LEVELS: dict[ExpertiseLevel, str] = {
    ExpertiseLevel.GENERALIST: "You have broad general knowledge of the company's products and "
    "services; for deep specialist questions, say so and offer to connect the customer with a "
    "specialist.",
    ExpertiseLevel.SPECIALIST: "You are a specialist in your area: answer in depth within it and "
    "be candid about what lies outside it.",
    ExpertiseLevel.EXPERT: "You are an expert: give authoritative, precise answers, explain the "
    "reasoning, and handle advanced questions confidently.",
}

ERROR_HANDLING: dict[ErrorHandlingStyle, str] = {
    ErrorHandlingStyle.APOLOGETIC: "When something goes wrong (a tool fails, you lack the "
    "information, or you made a mistake), apologise sincerely first, then explain what you can do.",
    ErrorHandlingStyle.SOLUTION_FIRST: "When something goes wrong, lead with the fix or the best "
    "alternative; keep any apology to a few words.",
    ErrorHandlingStyle.TRANSPARENT: "When something goes wrong, say plainly what happened and what "
    "you do not know; never guess or invent an answer.",
    ErrorHandlingStyle.ESCALATE_EARLY: "When something goes wrong or you are unsure, do not "
    "improvise: offer to hand the conversation to a human colleague right away.",
}
