"""The foundation: settings, the error family, every SQL table, the database engine and its
migrations, token counting. Imports nothing else of the studio.
"""
