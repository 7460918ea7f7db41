"""Every operation of the published OpenAPI schema (``/api/schema/``), fuzzed by
schemathesis in-process through the WSGI application: its coverage phase (boundary
values, missing and mistyped parameters, NUL bytes, unexpected methods) and then
generated and mutated query strings, bodies and path parameters. No answer may be
a 500, and every answer must be one the schema documents: its status code, its
content type and its body.

Each example is sent by platform staff, a canteen's buyer or a cooperative's
manager (``role_of``), so every operation meets the roles that reach it, and path
parameters are often ids of the world's objects (``tests/fuzz/world.py``), so
detail and action endpoints do more than answer 404.

No operation is excluded. Slow on purpose, so it runs only with ``NONGJIA_FUZZ=1``
(``make fuzz``). Hypothesis is derandomized: a run is the same run on every machine.
"""

import os
import zlib

import pytest

if os.environ.get("NONGJIA_FUZZ") != "1":
    pytest.skip(
        "API fuzzing runs with NONGJIA_FUZZ=1 (make fuzz)", allow_module_level=True
    )

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

from tests.fuzz.schema import CHECKS, load_schema
from tests.fuzz.world import ROLES

MAX_EXAMPLES = 25

schema = load_schema()

# Ids of the session's world, by resource; filled once the world exists.
KNOWN_IDS: dict[str, list] = {}


@pytest.fixture(autouse=True)
def known_ids(fuzz_world):
    KNOWN_IDS.update(fuzz_world.ids)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, replace the generated ids by ones that exist."""
    resource = context.operation.path.split("/")[3]
    known = KNOWN_IDS.get(resource)
    if not known or not path_parameters:
        return st.just(path_parameters)
    real = st.fixed_dictionaries(
        {name: st.sampled_from(known) for name in path_parameters}
    )
    return st.one_of(st.just(path_parameters), real)


def role_of(case, roles) -> str:
    """The user an example is sent as, chosen from the example's own content: the
    roles share an operation's examples (a third of the time each, not three times
    the run), and a replayed or shrunk example is sent as the same user."""
    body = None if isinstance(case.body, NotSet) else case.body
    content = repr((case.path_parameters, case.query, body)).encode()
    return roles[zlib.crc32(content) % len(roles)]


# A parameter (one value) rather than a constant: with pytest 9, schemathesis
# names each operation's test item only when the test is parametrized.
@pytest.mark.parametrize("roles", [ROLES], ids=["+".join(ROLES)])
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_answers_within_its_schema(case, roles, fuzz_world, fake_stripe, db):
    # Card payment is on, against the fake Stripe: off, it answers 503 by design.
    # Each example on the world as built: examples stay independent, so a
    # failure replays and shrinks the same way.
    with transaction.atomic():
        case.call_and_validate(
            headers={
                "Authorization": f"Token {fuzz_world.tokens[role_of(case, roles)]}"
            },
            checks=CHECKS,
        )
        transaction.set_rollback(True)
