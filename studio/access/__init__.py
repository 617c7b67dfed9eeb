"""Who is acting and what they may do: users and sign-in, roles and permissions, the audit log,
edit conflicts on drafts, usage limits, and provider keys stored encrypted.

Sits just above `core`, so every domain package can check a permission (`roles.require`) and
record a change (`audit.record`) in one line. The UI and CLI edges say who is acting
(`roles.acting_as`); domain code never takes the user as an argument.
"""
