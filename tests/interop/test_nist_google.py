"""Identifiers of the google flavour: stable ids and OCD-style ids in the forms
civics-cdf-validator accepts, for any escrutinio identifier."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from escrutinio.interop.nist import ids
from escrutinio.interop.nist.google import country_ocd_id, ocd_child, stable_id

# the validator's patterns (civics_cdf_validator: rules.ValidStableID, gpunit_rules.OCD_PATTERN)
STABLE = re.compile(r"^[a-zA-Z0-9_-]+$")
OCD = re.compile(r"^ocd-division\/(country|region):[a-z]{2}(\/(\w|-)+:(\w|-|\.|~)+)*$")

idents = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:+/\-]{0,20}", fullmatch=True)


@given(st.lists(idents, min_size=1, max_size=12, unique=True))
def test_stable_ids_are_valid_and_distinct(values: list[str]) -> None:
    stable = [stable_id(ids.unit_id(v)) for v in values]
    assert all(STABLE.match(s) for s in stable)
    assert len(set(stable)) == len(values)


@given(idents, idents, st.sampled_from(["state", "municipality", "Parroquia", "centre x"]))
def test_ocd_ids_have_the_validators_form(region: str, unit: str, level: str) -> None:
    above = ocd_child(country_ocd_id("VE"), level, region)
    below = ocd_child(above, "precinct", unit)
    assert OCD.match(above) and OCD.match(below)
    assert below.startswith(above + "/") and below == below.lower()
