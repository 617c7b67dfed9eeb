"""Intent / emotion / urgency tags for user messages: fast deterministic rules, no model.

Keyword and pattern rules, checked in priority order, so every turn is tagged in microseconds;
the rules are tables, so tests read like specs.
"""

from __future__ import annotations

import html
import re
from enum import StrEnum

from pydantic import BaseModel


class Intent(StrEnum):
    GREETING = "greeting"
    CANCELLATION = "cancellation"
    COMPLAINT = "complaint"
    SUPPORT_REQUEST = "support_request"
    PROBLEM_SOLVING = "problem_solving"
    COMPARISON = "comparison"
    PURCHASE_INTENT = "purchase_intent"
    INFORMATION_SEEKING = "information_seeking"
    FAREWELL = "farewell"
    OTHER = "other"


class Emotion(StrEnum):
    ANGRY = "angry"
    FRUSTRATED = "frustrated"
    WORRIED = "worried"
    CONFUSED = "confused"
    HAPPY = "happy"
    NEUTRAL = "neutral"


class Urgency(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


NEGATIVE_EMOTIONS = frozenset(
    {Emotion.ANGRY, Emotion.FRUSTRATED, Emotion.WORRIED, Emotion.CONFUSED}
)


class Tags(BaseModel):
    intent: Intent
    emotion: Emotion
    urgency: Urgency


def cue_pattern(*patterns: str, ignore_case: bool = True) -> re.Pattern[str]:
    """One (case-insensitive, unless told) pattern that matches any of `patterns`.

    The word boundary most cues start with is tested once, ahead of the alternatives, so the
    alternatives are only tried at the start of a word (several times faster on long text).
    """
    at_word = [p.removeprefix(r"\b") for p in patterns if p.startswith(r"\b")]
    others = [rf"(?:{p})" for p in patterns if not p.startswith(r"\b")]
    parts = [r"\b(?:" + "|".join(rf"(?:{p})" for p in at_word) + ")"] if at_word else []
    return re.compile("|".join(parts + others), re.IGNORECASE if ignore_case else 0)


def lower_cues(*patterns: str) -> re.Pattern[str]:
    """`cue_pattern` for text already lower-cased: matching without IGNORECASE is ~2x faster."""
    return cue_pattern(*patterns, ignore_case=False)


# Messy real text: HTML entities from exports, curly quotes from phones, links and @handles that
# must not trigger a rule (an "@cancel_bot" handle is no cancellation).
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])@\w+|\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_TAG = re.compile(r"</?[a-z][a-z0-9]{0,9}(?:\s[^<>]{0,80})?/?>", re.IGNORECASE)  # <b>, <br/>
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
MAX_TAGGED_CHARS = 4000  # tag the start of a very long message: bounded work per message


def normalize(message: str) -> str:
    """`message` as the rules read it: entities decoded, quotes straightened, links and
    @handles removed, whitespace collapsed."""
    text = html.unescape(message[: MAX_TAGGED_CHARS * 2]).translate(_QUOTES)
    text = _TAG.sub(" ", _HANDLE.sub(" ", _URL.sub(" ", text)))
    return " ".join(text.split())[:MAX_TAGGED_CHARS]


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
EMOTION_RULES: tuple[tuple[Emotion, re.Pattern[str]], ...] = (
    (
        Emotion.ANGRY,
        lower_cues(
            r"\boutrageous\b",
            r"\bhung up on me\b",
            r"\bshocking\b",
            r"\buseless\b",
            r"\bpathetic\b",
            r"\bappalling\b",
            r"\bhorrible\b",
            r"\bincompetent\b",
            r"\bangry\b",
            r"\bfurious",
            r"\boutrage",
            r"\bunacceptable",
            r"\bridiculous",
            r"\bscam\b",
            r"\bwtf\b",
            r"\bsue\b",
            r"\blawyer",
            r"!!+",
            r"\?\?+.*!",
            r"\bworst\b",
            r"\bterrible\b",
            r"\bawful\b",
            r"\bis a joke\b",
            r"\brude\b",
        ),
    ),
    (
        Emotion.FRUSTRATED,
        lower_cues(
            r"\bconstant",
            r"🙁|☹",
            r"\bpoor communication\b",
            r"\b(?:sick|tired) of\b",
            r"\bgone downhill\b",
            r"\bcomplain",
            r"\bevery (?:evening|day|night|morning|week)\b",
            r"\bpassed (?:from|around)\b",
            r"\bfrustrat",
            r"\bannoy",
            r"(?<!thanks )(?<!thank you )\bagain\b",
            r"\bstill\b",
            r"\bfed up",
            r"\bwaste of time",
            r"\bthird time",
            r"\bseriously\b",
            r"\bkeeps?\b",
            r"\bevery time\b",
            r"\b(?:immer|toujours|siempre)\b",
            r"\bdisappoint",
            r"\b(?:not|never) happy\b",
            r"\bnever (?:arrives?|came|showed|answer)",
            r"\bno (?:answer|reply|response)\b",
            r"\bnobody\b",
            r"\bthanks? for nothing\b",
            r"\bsupposed to\b",
            r"\bjust reset\b",
            r"\bdeclined\b",
            r"\bfails? .{0,30}\bevery",
            r"\b(?:real|actual) (?:person|human)\b",
            r"\bnot a (?:bot|robot|machine)\b",
            r"\bwaiting since\b",
            r"🙄|😤|😒",
        ),
    ),
    (
        Emotion.WORRIED,
        lower_cues(
            r"\bfever\b",
            r"\bbreach",
            r"\bcollapsed\b",
            r"\b(?:not|isn'?t) responding\b",
            r"\bgas (?:smell|leak)\b",
            r"\bsmell of gas\b",
            r"\bfire\b",
            r"\bfreezing\b",
            r"\busing my card\b",
            r"\boutage\b",
            r"\bunreachable\b",
            r"\b(?:is|was|got) locked\b",
            r"\bworr",
            r"\bconcern",
            r"\banxious",
            r"\bafraid",
            r"\bscared",
            r"\bnervous",
            r"\bpanic",
            r"\bhacked",
            r"\bfraud",
            r"\bstolen",
            r"\bdid(?:n'?t| not) make (?:these|this|those|the) ",
            r"\bdon'?t recogni[sz]e\b",
            r"\btook money\b",
            r"\b(?:leak|breach)",
            r"\blocked out\b",
            r"\bcharged twice\b",
            r"\bdouble charged\b",
            r"\bchest pain",
            r"\bcan'?t breathe",
            r"\bswallowed\b",
            r"\bbleeding\b",
            r"\bunconscious\b",
            r"\bnumb\b",
            r"\b(?:is|are|has been|went) down\b",
            r"\bvanished\b",
            r"\bnever (?:got|received)\b",
            r"\bis (?:it|that|this) (?:normal|true|safe)\b",
            r"\bwrong (?:iban|account|amount)\b",
            r"\bdeadline\b",
            r"\burgently\b",
        ),
    ),
    (
        Emotion.CONFUSED,
        lower_cues(
            r"\bmeaning of\b",
            r"\b(?:a bit|totally|completely) lost\b",
            r"\beven though\b",
            r"\bconfus",
            r"\bdon'?t understand",
            r"\bunclear",
            r"\bnot sure",
            r"\bwhat does .* mean",
            r"\bwhat .{0,40}\bmeans\b",
            r"\bhow come",
            r"\bi'?m lost",
            r"\?\?+",
            r"\bshould i (?:get|choose|pick|take|go with)\b",
        ),
    ),
    (
        Emotion.HAPPY,
        lower_cues(
            r"\byou (?:guys |all )?rock\b",
            r"🙌",
            r"\bdanke\b",
            r"\bhelpful\b",
            r"\brecommend you\b",
            r"\bthank",
            r"\bthx\b",
            r"\bmerci\b",
            r"\bgracias\b",
            r"\bgreat\b",
            r"\bawesome",
            r"\blove\b",
            r"\bperfect\b",
            r"\bexcellent",
            r"\bwonderful\b",
            r"\bappreciate",
            r":\)|😊|🙂|😀|😃|❤️|👍",
        ),
    ),
)

URGENCY_RULES: tuple[tuple[Urgency, re.Pattern[str]], ...] = (
    (
        Urgency.CRITICAL,
        lower_cues(
            r"\bfever of (?:39|4\d)",
            r"\b(?:baby|child|son|daughter)\b.{0,40}\b(?:fever|sleepy|breath)",
            r"\bcollapsed\b",
            r"\b(?:not|isn'?t) (?:responding|breathing)\b",
            r"\bgas (?:smell|leak)\b",
            r"\bsmell of gas\b",
            r"\bon fire\b",
            r"\busing my card\b",
            r"\bemergency",
            r"\bchest pain",
            r"\bcan'?t breathe",
            r"\bnot breathing",
            r"\bunconscious\b",
            r"\bswallowed\b",
            r"\boverdose",
            r"\bbleeding (?:heavily|a lot)",
            r"\bnumb\b",
            r"\bfraud",
            r"\bhacked",
            r"\bstolen",
            r"\bdid(?:n'?t| not) make (?:these|this|those|the) ",
            r"\bdon'?t recogni[sz]e\b",
            r"\btook money\b",
            r"\bdata (?:breach|leak)",
            r"\b(?:leaked|breached)\b",
            r"\boutage",
            r"\bproduction (?:is )?down",
            r"\b(?:page|service|app|system|platform|api|server)s? (?:is|are|went) down\b",
            r"\bdown for (?:all|every)",
            r"\blife[- ]threatening",
            r"\bsuicid",
        ),
    ),
    (
        Urgency.HIGH,
        lower_cues(
            r"\b(?:is|was|got) locked\b",
            r"\bpayments? (?:failed|declined)\b",
            r"\bruns today\b",
            r"\bexpired\b",
            r"\bn'arrive pas (?:à|a) me connecter\b",
            r"\bfreezing\b",
            r"\burgent",
            r"\basap\b",
            r"\bimmediate",
            r"\bright now",
            r"\b(?:by|before|until|due|leaves?|expires?|need(?:ed)? (?:it|this|them)) "
            r"(?:today|tonight)\b",
            r"\bin an hour\b",
            r"\bdeadline",
            rf"\b{CANT} (?:\w+ )?(?:log ?in|sign in|access|acceder|pay|check ?out|get into|"
            r"einloggen|anmelden|me connecter)",
            r"\bnicht (?:einloggen|anmelden)\b",
            r"\blocked out",
            r"\bcharged twice",
            r"\bdouble charged",
            r"\bdeclined\b",
            r"\b(?:2fa|otp|verification code|security code|sms code)\b",
            r"\b(?:pay|payment) .{0,30}\b(?:won'?t|doesn'?t|does not) load",
            r"\bwrong (?:iban|account number|amount)\b",
        ),
    ),
    (
        Urgency.MEDIUM,
        lower_cues(
            r"\bfaulty\b",
            r"\bdeposit back\b",
            r"\bcambi(?:en|ar) la direcci",
            r"\bsoon\b",
            r"\btomorrow",
            r"\bthis week",
            r"\bnot working",
            r"\berror\b",
            r"\bbroken",
            r"\brefund",
            r"\breembolso",
            r"\bremboursement",
            r"\b(?:r[üu]ck)?erstattung",
            r"\bwhere is my",
            r"\bwhere's my",
            r"\blate\b",
            r"\bdelay",
            r"\bmissing\b",
            r"\bdamaged\b",
            r"\bnever (?:arrived|got|came|received|showed)",
            r"\b(?:has|have)(?:n'?t| not) (?:\w+ )?(?:shipped|arrived)",
            r"\bnot (?:yet )?(?:shipped|arrived|delivered)",
            r"\bstill (?:waiting|no)\b",
            r"\breset my password\b",
            r"\bdelivery address\b",
            r"\bprescription|\bmedication",
            r"\bboarding pass\b",
            r"\b(?:talk|speak|chat) (?:to|with) (?:a |an |your )?(?:human|person|agent|"
            r"representative|manager|supervisor|someone)",
            r"\breal person\b",
        ),
    ),
)


def classify(message: str) -> Tags:
    """Tag one user message with intent, emotion and urgency (deterministic, microseconds)."""
    text = normalize(message).lower()
    irony = sarcastic(text)
    if GREETING.match(text):
        intent = Intent.GREETING
    elif THANKS_ONLY.match(text):
        intent = Intent.FAREWELL
    else:
        intent = next((i for i, rx in INTENT_RULES if rx.search(text)), Intent.OTHER)
        if irony and intent in (Intent.OTHER, Intent.INFORMATION_SEEKING, Intent.FAREWELL):
            intent = Intent.COMPLAINT
        if intent is Intent.FAREWELL and ("?" in text or len(text.split()) > FAREWELL_MAX_WORDS):
            intent = next(  # a long or questioning message that also says goodbye
                (i for i, rx in INTENT_RULES[-1:] if rx.search(text)), Intent.OTHER
            )
    emotion = next((e for e, rx in EMOTION_RULES if rx.search(text)), Emotion.NEUTRAL)
    if irony and emotion in (Emotion.HAPPY, Emotion.NEUTRAL):
        emotion = Emotion.FRUSTRATED
    urgency = next((u for u, rx in URGENCY_RULES if rx.search(text)), Urgency.LOW)
    if urgency is Urgency.LOW and (
        emotion in (Emotion.ANGRY, Emotion.FRUSTRATED) or intent is Intent.PROBLEM_SOLVING
    ):
        urgency = Urgency.MEDIUM  # an upset customer or a broken thing is never a low priority
    return Tags(intent=intent, emotion=emotion, urgency=urgency)
