"""Storage: SQLAlchemy 2 tables, the database connection, Alembic migrations.

SQLite (a file) is the embedded default; PostgreSQL is the production database. Both enforce the
no-double-booking rule in the database itself (see ``guards.py``).
"""
