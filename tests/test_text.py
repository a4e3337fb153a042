"""One folding for slugs, anchors, thèmes and search: accents go, letters stay."""

import pytest

from builder.content.model import theme_key
from builder.text import file_slug, fold, slugify


@pytest.mark.parametrize(
    ("text", "folded", "slug"),
    [
        ("Sœur", "Soeur", "soeur"),
        ("cœur de ville", "coeur de ville", "coeur-de-ville"),
        ("Ægée", "AEgee", "aegee"),
        ("femmes–hommes", "femmes-hommes", "femmes-hommes"),
        ("Qualité de vie au travail", "Qualite de vie au travail", "qualite-de-vie-au-travail"),
        ("l’école", "l'ecole", "l-ecole"),
    ],
)
def test_folding_keeps_every_letter(text: str, folded: str, slug: str) -> None:
    assert fold(text) == folded
    assert slugify(text) == slug


def test_soeur_and_sur_stay_two_themes() -> None:
    assert theme_key("Sœur") != theme_key("sur")
    assert theme_key("Qualité  de VIE") == theme_key("qualite de vie")


def test_a_slug_of_nothing_foldable_is_not_empty() -> None:
    assert slugify("★ ⚙") == "x"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Sœur, cœur et Ægée : femmes–hommes", "soeur-coeur-aegee-femmes-hommes"),  # « et » is a small word
        ("Créer une école interne des managers", "creer-ecole-interne-managers"),
        ("Un deux trois quatre cinq six sept huit", "deux-trois-quatre-cinq-six-sept"),  # six words at most
        ("de la", "de-la"),  # only small words: kept rather than nothing
        ("★ ⚙", "fiche"),
    ],
)
def test_a_file_name_is_the_slug_made_short(title: str, name: str) -> None:
    assert file_slug(title) == name
