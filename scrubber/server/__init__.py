"""`scrubber serve`: the team's worklist over the runs in reports/, with state that lasts.

store.py holds the database (SQLAlchemy Core: SQLite by default, PostgreSQL by URL), runs.py
imports the nightly runs into it, claims.py reads and changes the claims' state, auth.py keeps
the accounts and the CSRF tokens, app.py is the web application (Flask, served by waitress).
"""
