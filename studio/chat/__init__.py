"""One conversation turn end to end (check, tag, retrieve, prompt, model/tool loop, lint, log),
the model providers and the offline simulator, grounding, the conversation log and pricing.
"""
