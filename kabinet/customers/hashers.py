"""Passwords: Argon2id at the OWASP Password Storage Cheat Sheet's recommended parameters.

Django's own Argon2 hasher asks for 100 MiB and 8 lanes per hash. On a utility's small
server the evening before the reading window closes that is the cost that matters: each
login holds 100 MiB while it hashes (eight at once are 800 MiB, an easy way to exhaust
memory by sending logins), and it costs about 245 ms of CPU (bench/bench_evening_rush.py:
at most ~8 logins/s on 2 cores). OWASP's first recommended configuration, m = 19 MiB,
t = 2, p = 1, is the standard's own answer to that trade-off: about 63 ms of CPU, 19 MiB.

A password stored with other parameters still logs in; Django rewrites its hash with these
at that login (`must_update`), so the whole base moves over as customers come back.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB (19456 KiB), t = 2, p = 1."""

    # The same algorithm name as Django's: hashes carry their own parameters, so the two
    # read each other's hashes and only the parameters of new hashes change.
    time_cost = 2
    memory_cost = 19456
    parallelism = 1
