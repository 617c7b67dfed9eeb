"""Help texts of the advanced fields that appear on several pages (retrieval, model, chunking),
so a field reads the same wherever it is shown."""

TOP_K = (
    "How many passages from the knowledge base go into the prompt (1–20). More gives the model "
    "more to quote from and costs more tokens per turn."
)
SCORE_THRESHOLD = (
    "How similar a passage must be to the question to be used (0–1). Low lets weak matches in; "
    "high keeps only close matches, so more questions get no answer from the documents."
)
HYBRID = "Rank passages by meaning (vectors) and by shared keywords together, not by meaning alone."
KEYWORD_WEIGHT = (
    "With hybrid ranking: how much shared keywords count against meaning (0 = meaning only, "
    "1 = keywords only)."
)
TEMPERATURE = (
    "How much the model's wording varies (0–2). Low: the same question gets nearly the same "
    "answer; high: more varied, less predictable replies."
)
MODEL = "The model name the provider knows, e.g. gpt-4.1-mini. Empty: the one configured."
GROUNDING = (
    "strict: answers only from retrieved passages, and says it does not know when none fits; "
    "blended: prefers the passages but may add general knowledge (never company facts)."
)
CHUNK_SIZE = (
    "How many characters one chunk of a document holds. Small chunks find precise passages; "
    "large ones keep more context together."
)
CHUNK_OVERLAP = (
    "How many characters neighbouring chunks share, so a sentence cut at a chunk border is "
    "still found whole in one of them."
)
