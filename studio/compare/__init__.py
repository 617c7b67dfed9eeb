"""Comparing assistants: variants (a version, the draft, or a quick override on one), side-by-side
runs with blind votes, test suites with assertions, statistics and the publish gate."""
