"""core/model.py: the core's model classes share one ``__repr__`` instead of one compiled per class
at import (issue 20); its text is the one attrs generates, field by field."""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Mapping
from typing import Any

import attrs

from creatorpay.core import Engine, load_scenario
from creatorpay.core.model import attrs_repr
from tests.helpers import EXAMPLES

MODULES = ("scenario", "fields", "rules", "engine", "types", "plugins", "errors", "entrypoints", "cli.config")


def shared() -> list[type]:
    """Every class of those modules whose ``__repr__`` is the shared one."""
    found = []
    for name in MODULES:
        module = importlib.import_module(f"creatorpay.core.{name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and attrs.has(cls) and cls.__repr__ is attrs_repr:
                found.append(cls)
    return found


def attrs_own(obj: Any) -> str:
    """The repr attrs generates for ``obj``'s class: a copy of its fields, with attrs' repr."""
    cls = type(obj)
    copy = attrs.make_class(
        cls.__name__, {a.name: attrs.field(repr=a.repr, init=False) for a in attrs.fields(cls)}, slots=True
    )
    made: object = object.__new__(copy)
    for field in attrs.fields(cls):
        with contextlib.suppress(AttributeError):  # a field not set (init=False): attrs writes NOTHING
            object.__setattr__(made, field.name, getattr(obj, field.name))
    return repr(made)


def test_every_model_class_on_the_start_up_path_shares_it() -> None:
    names = {cls.__name__ for cls in shared()}
    assert {"Scenario", "Order", "Field", "Section", "Rule", "RuleVersion", "RuleBook", "Platform"} <= names
    assert len(names) >= 29


def test_the_shared_repr_is_attrs_own() -> None:
    engine = Engine()
    objects: list[object] = [*engine.rulebooks.values(), engine.schema, *engine.reports]
    objects += [engine.platform(name) for name in engine.platforms]
    for path in sorted(EXAMPLES.glob("*.toml")):
        scenario = load_scenario(path, schema=engine.schema)
        objects += [scenario, engine.compare(scenario)]
    seen: set[type] = set()
    stack, done = list(objects), 0
    while stack and done < 5000:
        obj: Any = stack.pop()
        done += 1
        if attrs.has(type(obj)) and type(obj).__repr__ is attrs_repr:
            seen.add(type(obj))
            assert repr(obj) == attrs_own(obj)
            stack.extend(getattr(obj, a.name, None) for a in attrs.fields(type(obj)))
        elif isinstance(obj, Mapping):
            stack.extend(obj.values())
        elif isinstance(obj, tuple | list):
            stack.extend(obj)
    assert len(seen) >= 15


def test_a_cycle_is_written_as_attrs_writes_it() -> None:
    @attrs.define
    class Node:
        __repr__ = attrs_repr

        name: str
        next: object = None

    node = Node("a")
    node.next = node
    assert repr(node) == "Node(name='a', next=...)"
