"""The test suite. Set before any portal module is imported (conftest imports them)."""

import os

# Cheap password hashing for the suite (still argon2id); production keeps the defaults.
os.environ.setdefault("PASSWORD_HASH_TIME_COST", "1")
os.environ.setdefault("PASSWORD_HASH_MEMORY_KIB", "1024")
