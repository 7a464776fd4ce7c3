"""psycopg's cache of converted statements, widened for the statements Kabinet sends.

psycopg turns each query's `%s` placeholders into PostgreSQL's `$1…` once and caches the
result, but only for statements of at most 4,096 characters and 50 parameters; longer ones
are parsed again with a regular expression on every execution. A reading submission
writes its readings, events and receipt in one statement of about a hundred parameters
(see kabinet.utility.sql.WriteBatch), and that parsing was a fifth of its Python time.
The cache is an lru_cache of 128 entries: the wider limits cost at most 128 statements of
64 KB per process, and in practice the few dozen statements the app repeats.
"""

import logging

log = logging.getLogger(__name__)

MAX_STATEMENT_LENGTH = 64 * 1024
MAX_STATEMENT_PARAMS = 1000


def widen_statement_cache() -> bool:
    """Raise psycopg's limits; False (and a warning) if this psycopg has no such limits."""
    try:
        from psycopg import _queries
    except ImportError:  # SQLite-only installation
        return False
    names = ("MAX_CACHED_STATEMENT_LENGTH", "MAX_CACHED_STATEMENT_PARAMS")
    if not all(hasattr(_queries, name) for name in names):
        log.warning("psycopg has no %s: statements are converted without the cache", " or ".join(names))
        return False
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, MAX_STATEMENT_LENGTH)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, MAX_STATEMENT_PARAMS)
    return True
