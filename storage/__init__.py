"""Storage: SQL through SQLAlchemy (one unit of work per update) and the conversation state.

Repositories hand out plain frozen dataclasses, never ORM rows, and never commit: the unit of
work (``storage.uow``) does, once per update.

Statements that run on every update or every quiz press are module constants with bound
parameters (``bindparam``), not built per call: building and cache-keying a statement costs more
CPU than the database takes to run it, and these run hundreds of times a second under load
(``benchmarks/load.py`` shows the cost per update). The rest is built where it is used, which
reads better and costs nothing that matters.
"""
