"""Intent rules: keyword and pattern tables checked in priority order, first match wins.

Tuned on the dev part of tests/benchmarks/tagging_labelled.yaml only.
"""

from __future__ import annotations

import re

from studio.chat.cues import lower_cues
from studio.chat.tag_labels import Intent

# Praise next to a bad event reads as sarcasm ("Oh great, another update that breaks everything").
PRAISE = lower_cues(
    r"\b(?:oh )?(?:great|brilliant|amazing|wonderful|lovely|cool|nice)\b",
    r"\bthanks (?:a lot|so much) for\b",
)
BAD_EVENT = lower_cues(
    r"\bbreaks?\b",
    r"\bbroke\b",
    r"\bagain\b",
    r"\bthird time\b",
    r"\bstill\b",
    r"\bwrong\b",
    r"\blate\b",
    r"\blogs? me out\b",
    r"\bcharged\b",
    r"\bdown\b",
    r"\bguaranteed\b",
    r"\bnever\b",
    r"\?\s*(?:brilliant|great)",
)


def sarcastic(text: str) -> bool:
    """True if praise sits next to a complaint about what happened (`text` lower-cased)."""
    return bool(PRAISE.search(text) and BAD_EVENT.search(text))


CANT = (
    r"(?:can'?t|cannot|could ?n[o']t|unable to|not able to|won'?t let me|"
    r"no puedo|kann .{0,20}nicht|ne peux pas)"
)

# Checked in this order; the first match wins (a cancellation phrased as a question is still one).
INTENT_RULES: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        Intent.CANCELLATION,
        lower_cues(
            r"\bget out of (?:this|my|the) (?:contract|plan|subscription)",
            r"\bremove me from\b",
            r"\btake me off\b",
            r"\bopt(?:ing)? out\b",
            r"\bdeactivate",
            r"\bno longer (?:want|need)\b",
            r"\bstop (?:the |my )?(?:direct debit|service|auto-?renewal)",
            r"\bcancel(?!l?ed\b)(?!\w* (?:\w+ ){0,2}(?:payment|charge|transaction|transfer)s?\b)",
            r"\bunsubscribe",
            r"\b(?:close|delete|remove) (?:my|the) (?:\w+ )?account",
            r"\bterminate",
            r"\bend (?:my|the) (?:subscription|contract|plan|membership)",
            r"\bstop (?:my |the )?(?:subscription|membership|renewal|charging me)",
            r"\bcancelar\b",
            r"\bk[üu]ndigen\b",
            r"\bdisdire\b",
            r"\bopzeggen\b",
        ),
    ),
    (
        Intent.COMPLAINT,
        lower_cues(
            r"\boutrageous\b",
            r"\bhung up on me\b",
            r"\bpoor (?:communication|service|support|quality)\b",
            r"\bfed up with\b",
            r"\b(?:no ?one|nobody) cares\b",
            r"\bshocking\b",
            r"\buseless\b",
            r"\bpathetic\b",
            r"\bappalling\b",
            r"\bhorrible\b",
            r"\bincompetent\b",
            r"\bgone downhill\b",
            r"\b(?:sick|tired) of\b",
            r"\bpassed (?:from|around|between)\b",
            r"\bnot (?:okay|ok|acceptable|good enough)\b",
            r"\bdidn'?t even\b",
            r"\bnobody told me\b",
            r"\bcomplain",
            r"\bunacceptable",
            r"\bterrible",
            r"\bawful",
            r"\bworst\b",
            r"\bdisappoint",
            r"\bridiculous",
            r"\bscam\b",
            r"\bnever again\b",
            r"\bpoor (?:service|support|quality)",
            r"\bis a joke\b",
            r"\b(?:not|never) happy\b",
            r"\brude\b",
            r"\bexpected better\b",
            r"\bon hold for\b",
            r"\bnever showed up\b",
            r"\bnobody (?:answers|replies|calls)",
            r"\bno (?:answer|reply|response) (?:to|from)\b",
            r"\bthanks? for nothing\b",
        ),
    ),
    (
        Intent.COMPARISON,
        lower_cues(
            r"\bworth it\b",
            r"\bwhat'?s the (?:real |main )?difference\b",
            r"\bstack up against\b",
            r"\b(?:better|cheaper|worse|faster|slower) than\b",
            r"\bdifferent from\b",
            r"\bwhich (?:one )?(?:is|has) (?:the )?(?:better|cheaper|best|cheapest)\b",
            r"\bbetter (?:deal|option|choice)\b",
            r"\bor\b.{0,40}\bwhich (?:one|is|has)\b",
            r"\bcompare",
            r"\bcomparison",
            r"\bvs\.?\b",
            r"\bversus\b",
            r"\bdifference between",
            r"\balternative",
            r"\bevaluating .{0,40}\bagainst\b",
            r"\b(?:which|should i (?:get|choose|pick|take|go with))\b.{0,60}\bor (?:the )?\w+",
        ),
    ),
    (
        Intent.SUPPORT_REQUEST,  # a stolen card or unknown payments: act on the account first
        lower_cues(
            r"\busing my card\b",
            r"\bstolen\b",
            r"\bfraud",
            r"\bdid(?:n'?t| not) make (?:these|this|those|the) ",
            r"\bdon'?t recogni[sz]e\b",
            r"\btook money\b",
            r"\bblock (?:my |the |it|this )",
        ),
    ),
    (
        Intent.PROBLEM_SOLVING,
        lower_cues(
            r"\bcorrupt",
            r"\bdisappeared from\b",
            r"\b\w+s itself\b",
            r"\b(?:is|are) wrong\b",
            r"\bcounted twice\b",
            r"\bno funciona\b",
            r"\bne fonctionne pas\b",
            r"\bfunktioniert nicht\b",
            r"\bbreach",
            r"\b(?:throw|throws|throwing|get|getting|shows?|showing) (?:an? |the )?\W?\d{3}\b",
            r"\bdrops?\b",
            r"\bdisconnect",
            r"\bunresponsive\b",
            r"\bnot responding\b",
            r"\bunreachable\b",
            r"\bgo(?:es)? (?:straight )?to spam\b",
            r"\bexpired\b",
            r"\bforgot (?:my )?password\b",
            r"\bn'arrive pas\b",
            r"\boutage\b",
            r"\b(?:is|was|got) locked\b",
            r"\bshowing (?:the )?wrong\b",
            r"\bnot (?:this|the right|the correct)\b",
            r"\bnot working",
            r"\bdoesn'?t work",
            r"\bdoes(?:n'?t| not) (?:load|open|work|respond)",
            r"\bwon'?t\b",
            r"\bcan'?t\b",
            r"\bcannot\b",
            rf"\b{CANT}",
            r"\berror\b",
            r"\bfehler\b",
            r"\berreur\b",
            r"\bbroken",
            r"\bfail",
            r"\bcrash",
            r"\bbug\b",
            r"\bstuck\b",
            r"\bissue\b",
            r"\bproblem",
            r"\btroubleshoot",
            r"\bstopped (?:working|arriving|syncing|loading)",
            r"\bkeeps? (?:getting |on )?(?:\w+ing|declin)",
            r"\bdeclined\b",
            r"\bdoes nothing\b",
            r"\bnothing happens\b",
            r"\blocked out\b",
            r"\bnever arrives?\b",
            r"\btime(?:d)? ?out\b",
            r"\bhacked\b",
            r"\b(?:is|are|has been|have been|went|goes) down\b",
        ),
    ),
    (
        Intent.SUPPORT_REQUEST,
        lower_cues(
            r"\bcheck why\b",
            r"\bexchange (?:the|my|this|it)\b",
            r"\bhaven'?t (?:got|received)\b",
            r"\bput my \w+ on hold\b",
            r"\bemail (?:it|them|me)\b",
            r"\breplacement (?:card|part|item)\b",
            r"\bwhen will my\b",
            r"\bwhere is it\b",
            r"\b(?:issue|arrange) (?:a|an|the|my)\b",
            r"\bcredit note\b",
            r"\bpick ?up\b",
            r"\b(?:raise|increase|lower|reduce) (?:my|the) \w+",
            r"\b(?:get|have) my \w+ back\b",
            r"\btransfer my\b",
            r"\bduplicate (?:payment|charge)\b",
            r"\bcambi(?:en|ar)\b",
            r"\bcopy of my\b",
            r"\bwhere is my",
            r"\btrack",
            r"\breturn\b(?! policy)",
            r"\brefund",
            r"\breembolso",
            r"\bremboursement",
            r"\b(?:r[üu]ck)?erstattung",
            r"\breset",
            r"\bbook\b",
            r"\bbooking\b",
            r"\bappointment",
            r"\brefill",
            r"\bhelp me\b",
            r"(?<!do )\bi need\b",
            r"\bstatus of",
            r"\border\s*#?\w*\d",
            r"\b(?:change|update|move) (?:my|the)",
            r"\b(?:send|resend|reissue|replace)\b",
            r"\bmissing\b",
            r"\bvanished\b",
            r"\bnever (?:got|received|came)\b",
            r"\b(?:has|have)(?:n'?t| not) (?:\w+ )?(?:shipped|arrived|received)",
            r"\bstill (?:waiting|no)\b",
            r"\bpedido\b",
            r"\bbestellung\b",
            r"\badd (?:my|a|an) ",
            r"\bstop (?:it|the transfer|the payment)\b",
        ),
    ),
    (
        Intent.PURCHASE_INTENT,
        lower_cues(
            r"\bpre-?order",
            r"\binterested in\b",
            r"\bcost\b",
            r"\bbulk (?:order|buy)",
            r"\bdiscounts?\b",
            r"\bswitch to (?:the |a )?\w+ plan\b",
            r"\bhow (?:do|can) i pay\b",
            r"\badd \d+ (?:more )?(?:users|seats|licen[cs]es)\b",
            r"\bbuy\b",
            r"\bpurchase",
            r"\bpricing\b",
            r"\bprice\b",
            r"\bquote\b",
            r"\bhow much",
            r"\bupgrade",
            r"\bsubscribe\b",
            r"\bdemo\b",
            r"\btrial\b",
            r"\bsign up",
            r"\bin stock\b",
            r"\b(?:want|like) to order\b",
            r"\blicen[cs]es?\b",
        ),
    ),
    (
        Intent.FAREWELL,
        lower_cues(
            r"\b(?:good)?bye\b",
            r"\bsee you\b",
            r"\bthat'?s all\b",
            r"\bhave a (?:nice|good|great|lovely) (?:day|evening|weekend|one)",
            r"\bau revoir\b",
            r"\btsch[üu]ss\b",
            r"\bthat (?:worked|helped|fixed it)\b",
        ),
    ),
    (
        Intent.INFORMATION_SEEKING,
        lower_cues(
            r"\?",
            r"\b(?:i'?d like|i want|i would like) to know\b",
            r"\bquick question\b",
            r"\bis there an?\b",
            r"\?\s*$",
            r"^\s*(?:what|how|when|where|why|which|who|"
            r"do|does|is|are|can|could|will)\b",
            r"\btell me",
            r"\bexplain",
            r"\binfo",
            r"¿",
            r"\b(?:may i ask|i wonder|i was wondering)\b",
        ),
    ),
)
GREETING = lower_cues(
    r"^\s*(?:hi|hello|hey|hiya|howdy|yo|(?:good )?(?:morning|afternoon|evening)|good day|greetings|"
    r"bonjour|bonsoir|salut|hola|buen[oa]s (?:d[ií]as|tardes|noches)|hallo|"
    r"guten (?:morgen|tag|abend)|ciao|namaste)"
    r"(?:[\s,]+(?:there|team|all|everyone|folks|guys|friends)|[\s,]+buenos d[ií]as)*[\W_]*$"
)
# Thanks alone (short, no question) closes a conversation as much as a goodbye does.
THANKS_ONLY = lower_cues(
    r"^\W*(?:(?:ok(?:ay)?|perfect|great|cool|awesome|super)\W+)*"
    r"(?:thanks?|thank you|thx|ta|merci|gracias|danke)(?: (?:so|very) much| a lot| again)?\W*$"
)
FAREWELL_MAX_WORDS = 12


def rule_intent(text: str, *, irony: bool) -> Intent:
    """The intent the rules give `text` (normalised, lower-cased); OTHER when none fits."""
    if GREETING.match(text):
        return Intent.GREETING
    if THANKS_ONLY.match(text):
        return Intent.FAREWELL
    intent = next((i for i, rx in INTENT_RULES if rx.search(text)), Intent.OTHER)
    if irony and intent in (Intent.OTHER, Intent.INFORMATION_SEEKING, Intent.FAREWELL):
        intent = Intent.COMPLAINT
    if intent is Intent.FAREWELL and ("?" in text or len(text.split()) > FAREWELL_MAX_WORDS):
        intent = next(  # a long or questioning message that also says goodbye
            (i for i, rx in INTENT_RULES[-1:] if rx.search(text)), Intent.OTHER
        )
    return intent


def settled_by_rules(text: str) -> bool:
    """True when the whole message is a hello or a thanks (`text` normalised, lower-cased): no
    example comparison can know better, so the embedding tagger is not asked."""
    return bool(GREETING.match(text) or THANKS_ONLY.match(text))
