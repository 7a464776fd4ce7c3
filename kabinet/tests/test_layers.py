"""The layers of the code (STYLE.md): each app imports only the apps below it, the two
doors (portal, api) never import each other, and a service never imports a task.

An app's own doors (its tasks, management commands and back-office pages) may compose it
with a function a higher app offers (a reading's receipt shows the charge billing
estimates), but never with the portal or the API."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# From the bottom; an app may import itself and anything earlier in this list.
LAYERS = [
    "lib",
    "utility",
    "notifications",
    "customers",
    "meters",
    "billing",
    "payments",
    "servicedesk",
    "news",
    "reception",
    "telegram",
    "ivr",
    "identity",
    "inspection",
    "pages",
    "paper",
    "autopay",
    "privacy",
    "exports",
    "office",
    "ops",
    "demo",
    "portal",
    "api",
    # Reads every app's figures for /metrics; nothing imports it but the project's wiring.
    "observability",
]
# Apps on the same level, which must not import each other.
PEERS = [{"payments", "servicedesk", "news", "reception"}, {"portal", "api"}]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return [name for name in found if name.startswith("kabinet.")]


DOORS = {"portal", "api"}


def _code(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _is_door(path: Path) -> bool:
    return path.name in ("tasks.py", "admin.py", "admin_views.py") or "commands" in path.parts


def test_no_app_imports_a_layer_above_it():
    wrong = []
    for app in LAYERS:
        if not (ROOT / app).exists():
            continue
        below = set(LAYERS[: LAYERS.index(app) + 1])
        for path in _code(app):
            for module in _imports(path):
                target = module.split(".")[1]
                if target not in LAYERS:
                    continue  # the project's own modules: settings, celery, urls
                same_level = any(app in group and target in group and app != target for group in PEERS)
                if _is_door(path) and target not in DOORS:
                    continue
                if target not in below or same_level:
                    wrong.append(f"{path.relative_to(ROOT.parent)} imports {module}")
    assert wrong == []


def test_a_service_never_imports_a_task():
    wrong = []
    for path in ROOT.rglob("*.py"):
        if path.name == "tasks.py" or "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.parent.name == "management" or "commands" in path.parts:
            continue
        for module in _imports(path):
            if module.endswith(".tasks") and path.name not in ("celery.py",):
                wrong.append(f"{path.relative_to(ROOT.parent)} imports {module}")
    assert wrong == []


def test_the_tasks_services_name_are_the_registered_tasks():
    from kabinet.billing.services import BILL_CHUNKS_TASK
    from kabinet.celery import app
    from kabinet.notifications.services import SEND_OUTBOX_TASK

    app.loader.import_default_modules()
    assert {BILL_CHUNKS_TASK, SEND_OUTBOX_TASK} <= set(app.tasks)
