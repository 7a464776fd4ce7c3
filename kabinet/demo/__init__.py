"""The demo utility: `manage.py seed_demo` builds a realistic deployment (lv or ru preset).

A top-layer app: it writes data through the domain models and their invariants and is
imported by nothing below it (the login page reads its logins through a template tag).
"""
