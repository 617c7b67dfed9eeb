"""The studio's command line: ``python -m studio …`` (``--help`` on every command).

Every command works on the database and vector store the settings name (``STUDIO_*``), upgrades
the database first, and reports a user mistake as one line on stderr with a non-zero exit code:
1 for a failed action, 2 for invalid input (a bad file, an unknown option), 3 when a suite's
publish gate fails. `common` holds the app and the error handling; each capability adds its
command group in its own module, registered in `main`.
"""
