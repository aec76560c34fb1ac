"""The accessibility statement says what the quality tests check."""

import pytest

CLAIMS = ["W3C", "axe-core", "clavier", "360 pixels", "zoom à 200 %", "sans JavaScript", "non conforme", "Défenseur"]


@pytest.fixture
def client(read_only_client):
    """These tests only read pages: they share one app."""
    return read_only_client


@pytest.mark.parametrize("claim", CLAIMS)
def test_accessibility_statement_names_what_is_tested(client, claim):
    assert claim in client.get("/accessibilite").get_data(as_text=True)
